"""Atomic file output: a written file is absent, old or complete, never half-written.

Every file posewarper writes for others to read (PoseTrack json, checkpoints, rendered videos)
goes through :func:`atomic_output`, so all of them follow one policy:

- the data goes to a temporary file ``.<name>.<random>.tmp<ext>`` in the target's folder (so
  that ``os.replace`` stays on one file system; the extension stays last for writers that pick a
  format by it, e.g. OpenCV's), which is flushed and fsynced, then renamed over the target;
- the result gets the permissions of a file created normally (``0o666 & ~umask``), not the
  owner-only mode of :func:`tempfile.mkstemp`;
- on any error the temporary file is removed and the target is left as it was;
- the commit (fsync, chmod, rename) runs with SIGINT/SIGTERM held back
  (:func:`~.deferred_signals.deferred_signals`), so an interrupt never lands half-way;
- :func:`remove_stale_temp_files` sweeps the temporary files (and staging folders, see
  :mod:`.atomic_folder`) of killed runs; a tool calls it only while it holds the output's lock
  (:mod:`.output_lock`), so it never removes the files of a run still writing.

mmengine's ``dump`` writes in place (a crash leaves a truncated file), hence our own.
"""
import contextlib
import json
import os
import os.path as osp
import shutil
import tempfile
from typing import Any, Iterator, Optional

from .deferred_signals import deferred_signals

TEMP_SUFFIX = '.tmp'


def _temp_prefix(name: str) -> str:
    return f'.{name}.'


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


class AtomicFile:
    """A file written under a temporary name and moved into place by :meth:`commit`.

    For writers that keep a file open over a long time (a video written frame by frame); with
    a block of code, use :func:`atomic_output`.

    Args:
        path (str): The final file; its folder is created if needed.
        fsync (bool): Flush the data to disk before the rename. Without it the file is still
            never seen half-written by a reader, or after a kill; only a power loss may lose
            it (for many small files that can be made again, e.g. generated frames).

    Attributes:
        path (str): The final file.
        tmp (str): The temporary file next to it (created empty), to write to.
    """

    def __init__(self, path: str, fsync: bool = True) -> None:
        self.path = path
        self.fsync = fsync
        folder = osp.dirname(osp.abspath(path))
        os.makedirs(folder, exist_ok=True)
        self.tmp = ''
        try:
            # held back, and delivered as the block ends, i.e. still here: the file is removed
            # before the interrupt leaves the constructor (the caller never gets to discard it)
            with deferred_signals():
                fd, self.tmp = tempfile.mkstemp(prefix=_temp_prefix(osp.basename(path)),
                                                suffix=TEMP_SUFFIX + osp.splitext(path)[1],
                                                dir=folder)
                os.close(fd)
        except BaseException:
            self.discard()
            raise

    def commit(self) -> None:
        """Flush the temporary file to disk and rename it over :attr:`path`."""
        with deferred_signals():
            if self.fsync:
                with open(self.tmp, 'rb+') as f:
                    os.fsync(f.fileno())
            os.chmod(self.tmp, 0o666 & ~_umask())
            os.replace(self.tmp, self.path)

    def discard(self) -> None:
        """Remove the temporary file if it was not committed."""
        if not self.tmp:
            return
        with deferred_signals(), contextlib.suppress(FileNotFoundError):
            os.remove(self.tmp)


@contextlib.contextmanager
def atomic_output(path: str, fsync: bool = True) -> Iterator[str]:
    """Yield a temporary path to write ``path``'s content to; move it into place on success.

    Use it for writers that need a path (``torch.save``, ...); for bytes and json use
    :func:`write_bytes_atomic` and :func:`write_json_atomic`.

    Args:
        path (str): The final file.
        fsync (bool): See :class:`AtomicFile`.

    Yields:
        str: The temporary file (already created, empty) next to ``path``.
    """
    output = AtomicFile(path, fsync)
    try:
        yield output.tmp
        output.commit()
    finally:
        output.discard()


def write_bytes_atomic(path: str, data: bytes, fsync: bool = True) -> None:
    """Write ``data`` to ``path`` atomically (see the module docstring and
    :class:`AtomicFile` for ``fsync``)."""
    with atomic_output(path, fsync) as tmp:
        with open(tmp, 'wb') as f:
            f.write(data)


def dumps_json(obj: Any, indent: Optional[int] = None) -> bytes:
    """Strict json (NaN and infinity refused) with a final newline, as written by
    :func:`write_json_atomic`."""
    return (json.dumps(obj, indent=indent, allow_nan=False) + '\n').encode('utf-8')


def write_json_atomic(path: str, obj: Any, indent: Optional[int] = None) -> None:
    """Dump ``obj`` as strict json to ``path`` atomically; equal objects give equal bytes.

    Args:
        path (str): The json file.
        obj: A json-serialisable object without NaN or infinity.
        indent (int, optional): Pretty-printing indent; default compact.

    Raises:
        ValueError: If ``obj`` holds NaN or infinity (nothing is written).
        TypeError: If ``obj`` is not json-serialisable (nothing is written).
    """
    # encoded before the temporary file exists: an unserialisable object leaves nothing
    try:
        data = dumps_json(obj, indent)
    except ValueError as e:  # NaN or infinity (e.g. the predictions of a model with NaN weights)
        raise ValueError(f'{path} not written: its content holds NaN or infinity ({e})') from e
    write_bytes_atomic(path, data)


def check_output_path(path: str, what: str, folder: bool = False) -> None:
    """Check, before any work, that ``path`` can be written (created or replaced).

    Args:
        path (str): The output file (or folder, with ``folder``).
        what (str): How the user named it (e.g. ``--out``), for the message.
        folder (bool): Whether ``path`` is a folder to write files into.

    Raises:
        ValueError: If it is a folder where a file is expected (or the reverse), lies under an
            existing file, or its nearest existing folder cannot be written to.
    """
    # abspath drops a trailing '/' (or '.'): a file would be written where a folder was meant
    if not folder and (path.endswith(('/', os.sep))
                       or osp.basename(path) in ('.', '..')):
        raise ValueError(f'{what} {path} names a folder (it ends with /, . or ..); give a file '
                         'name')
    path = osp.abspath(path)
    if folder and osp.exists(path) and not osp.isdir(path):
        raise ValueError(f'{what} {path} is a file, not a folder')
    if not folder and osp.isdir(path):
        raise ValueError(f'{what} {path} is a folder; give a file name')
    existing = path if folder and osp.isdir(path) else osp.dirname(path)
    while not osp.exists(existing):
        existing = osp.dirname(existing)
    if not osp.isdir(existing):
        raise ValueError(f'{what} {path} cannot be created: {existing} is a file')
    if not os.access(existing, os.W_OK | os.X_OK):
        raise ValueError(f'{what} {path} cannot be written: folder {existing} is not writable '
                         '(permissions or a read-only file system)')


def remove_stale_temp_files(folder: str, name: str = '') -> None:
    """Remove the temporary files (and staging folders) that killed runs left while writing
    ``folder/name``.

    Args:
        folder (str): The folder of the outputs.
        name (str): One output's file name; empty: every temporary file of ``folder``.
    """
    if not osp.isdir(folder):
        return
    prefix = _temp_prefix(name) if name else '.'
    for entry in os.listdir(folder):
        if entry.startswith(prefix) and TEMP_SUFFIX in entry[len(prefix):]:
            path = osp.join(folder, entry)
            if osp.isdir(path) and not osp.islink(path):
                shutil.rmtree(path, ignore_errors=True)
            else:
                with contextlib.suppress(FileNotFoundError):
                    os.remove(path)
