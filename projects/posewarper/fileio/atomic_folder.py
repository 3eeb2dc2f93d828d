"""Atomic multi-file output: a folder of files (e.g. per-video json) committed as one set.

The files are written into a staging folder ``.<name>.<random>.tmp`` next to the target, which
then takes the target's place in one step: Linux's ``renameat2(RENAME_EXCHANGE)`` swaps the two
folders atomically (the old set ends up in the staging name and is removed), and a target that
does not exist yet is created by a plain ``rename``. A run stopped at any point, even by SIGKILL,
leaves either the complete old set or the complete new one, plus at most a staging folder that
:func:`~.atomic.remove_stale_temp_files` sweeps.

``os.replace`` cannot put a folder over a non-empty one and the standard library has no
``renameat2``, hence the ``ctypes`` call; where the kernel or file system lacks it, the swap
falls back to two renames with SIGINT/SIGTERM held back (only SIGKILL between them leaves the old
set under the staging name, which the next run's sweep removes).
"""
import ctypes
import errno
import os
import os.path as osp
import shutil
import tempfile
from typing import Dict, Optional, Union

from .atomic import TEMP_SUFFIX, AtomicFile, _temp_prefix, _umask, remove_stale_temp_files
from .deferred_signals import deferred_signals

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def _exchange(a: str, b: str) -> bool:
    """Swap two paths atomically; False where ``renameat2`` is unavailable."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return False
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(err, f'cannot replace {b}: {os.strerror(err)}')


class AtomicFolder:
    """A folder written under a temporary name and swapped into place by :meth:`commit`.

    Args:
        path (str): The final folder; its parent is created if needed.
        fsync (bool): Flush the files at its top level to disk before the swap (see
            :class:`~.atomic.AtomicFile`); off for nested folders of files that can be made
            again (generated frames).

    Attributes:
        path (str): The final folder.
        tmp (str): The staging folder (created empty), to write the files into.
    """

    def __init__(self, path: str, fsync: bool = True) -> None:
        self.path = osp.abspath(path)
        self.fsync = fsync
        parent = osp.dirname(self.path)
        os.makedirs(parent, exist_ok=True)
        self.tmp: Optional[str] = None
        try:  # an interrupt delivered as the block ends must not leak the staging folder
            with deferred_signals():
                self.tmp = tempfile.mkdtemp(prefix=_temp_prefix(osp.basename(self.path)),
                                            suffix=TEMP_SUFFIX, dir=parent)
            os.chmod(self.tmp, 0o777 & ~_umask())
        except BaseException:
            self.discard()
            raise

    def commit(self) -> None:
        """Fsync the staged files and put the folder in place of :attr:`path`."""
        for entry in sorted(os.listdir(self.tmp)) if self.fsync else ():
            with open(osp.join(self.tmp, entry), 'rb') as f:
                os.fsync(f.fileno())
        with deferred_signals():
            if not osp.isdir(self.path):
                os.rename(self.tmp, self.path)
                self.tmp = None
                return
            if not _exchange(self.tmp, self.path):
                old = self.tmp + '.old' + TEMP_SUFFIX
                os.rename(self.path, old)
                os.rename(self.tmp, self.path)
                self.tmp = old
        self.discard()  # the old set, now under the staging name

    def discard(self) -> None:
        """Remove the staging folder (the new set if not committed, the old one after)."""
        if self.tmp is not None:
            with deferred_signals():
                shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = None


def check_replaceable_folder(path: str, what: str, extension: str) -> None:
    """Refuse, before any work, a folder output that holds anything but the ``extension`` files
    a previous run wrote: it is replaced as a whole, and other content would be lost.

    Raises:
        ValueError: Naming the folder and one foreign entry.
    """
    if not osp.isdir(path):
        return
    for entry in sorted(os.listdir(path)):
        full = osp.join(path, entry)
        if not entry.endswith(extension) or not osp.isfile(full) or osp.islink(full):
            raise ValueError(f'{what} {path} holds {entry!r}, which is not a {extension} file '
                             'of an earlier run; the folder is replaced as a whole: give a new '
                             'or empty folder')


def stage_files(folder: str, files: Dict[str, bytes]) -> AtomicFolder:
    """Stage a folder holding exactly ``files`` (name -> content) to replace ``folder``; the
    caller commits or discards it.

    Args:
        folder (str): The folder; created (with its parents) on commit if needed.
        files (dict[str, bytes]): File names (no folders) and their contents.
    """
    remove_stale_temp_files(osp.dirname(osp.abspath(folder)), osp.basename(osp.abspath(folder)))
    staged = AtomicFolder(folder)
    try:
        for name, data in files.items():
            with open(osp.join(staged.tmp, name), 'wb') as f:
                f.write(data)
    except BaseException:
        staged.discard()
        raise
    return staged


def commit_together(*staged: Union[AtomicFile, AtomicFolder]) -> None:
    """Commit several staged outputs as one set: SIGINT and SIGTERM are held back until the
    last is in place, so an interrupt leaves all the old ones or all the new ones (SIGKILL, which
    cannot be held, between two renames leaves the first new and the rest old)."""
    try:
        with deferred_signals():
            for output in staged:
                output.commit()
    finally:
        for output in staged:
            output.discard()


def write_files_atomic(folder: str, files: Dict[str, bytes]) -> None:
    """Replace ``folder`` by a folder holding exactly ``files`` (name -> content), as one set.

    Args:
        folder (str): The folder; created (with its parents) if needed.
        files (dict[str, bytes]): File names (no folders) and their contents.
    """
    commit_together(stage_files(folder, files))
