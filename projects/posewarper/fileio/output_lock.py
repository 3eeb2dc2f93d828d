"""Output locks: one writer at a time per output path, across processes.

Two runs that write the same output would otherwise sweep each other's temporary files
(:func:`~.atomic.remove_stale_temp_files`) and race on the final rename. Each tool therefore holds
an exclusive ``fcntl.flock`` on every output it writes for the whole run; a second run is refused
at once with one line instead of waiting for an unknown time.

The lock files live in a private folder of the system's temporary directory, named by a hash of
the output's resolved path, and not next to the output: a run that is refused or fails before
writing must leave nothing in the output's folder (not even the folder itself). A lock is removed
when released; the inode check in :meth:`OutputLock.acquire` makes that safe (a process that
opened a lock file just before it was removed notices and takes the new one). ``flock`` locks are
dropped by the kernel when their process dies, so a SIGKILLed run never blocks the next one.

Why not ``filelock`` / ``fasteners``: they keep the lock file next to the target, and neither is
in the OpenMMLab dependency set; ``fcntl`` is all we need on the platforms mmcv supports.
"""
import errno
import fcntl
import hashlib
import os
import os.path as osp
import tempfile
from typing import List, Optional, Sequence, Tuple

from .deferred_signals import deferred_signals


class OutputBusyError(OSError):
    """Another process holds the lock of an output."""


def lock_dir() -> str:
    """The folder of the lock files (per user, created on first use)."""
    folder = osp.join(tempfile.gettempdir(), f'posewarper-locks-{os.getuid()}')
    os.makedirs(folder, mode=0o700, exist_ok=True)
    return folder


def lock_path(path: str) -> str:
    """The lock file of an output (by its resolved absolute path)."""
    key = hashlib.sha256(osp.realpath(path).encode('utf-8', 'surrogateescape')).hexdigest()
    return osp.join(lock_dir(), key[:32] + '.lock')


class OutputLock:
    """An exclusive, non-blocking lock on one output path.

    Args:
        path (str): The output file or folder.
        what (str): How the user named it (e.g. ``--out``), for the message.
    """

    def __init__(self, path: str, what: str = 'output') -> None:
        self.path = path
        self.what = what
        self._fd: Optional[int] = None
        self._lock_file = ''

    def acquire(self) -> None:
        """Take the lock.

        Raises:
            OutputBusyError: If another process holds it.
        """
        self._lock_file = lock_path(self.path)
        # signals held back: an interrupt between creating the lock file and owning it would
        # leave the file behind
        with deferred_signals():
            self._acquire()

    def _acquire(self) -> None:
        while True:
            fd = os.open(self._lock_file, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as e:
                os.close(fd)
                if e.errno in (errno.EAGAIN, errno.EACCES):
                    raise OutputBusyError(
                        f'{self.what} {osp.abspath(self.path)} is being written by another run '
                        '(it holds the lock); wait for it to finish or choose another output'
                    ) from None
                raise
            try:
                same = os.fstat(fd).st_ino == os.stat(self._lock_file).st_ino
            except FileNotFoundError:
                same = False
            if same:
                self._fd = fd
                return
            os.close(fd)  # the holder removed it while we waited for it: take the new one

    def release(self) -> None:
        """Drop the lock and remove its file."""
        if self._fd is None:
            return
        with deferred_signals():  # an interrupt here would leave the lock file behind
            try:
                os.remove(self._lock_file)  # still ours: removed while locked (see acquire)
            except FileNotFoundError:
                pass
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> 'OutputLock':
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()


class OutputLocks:
    """Locks on several outputs, taken in a fixed order (by lock file) so that two runs
    locking overlapping sets cannot deadlock; all or none are held.

    Args:
        outputs (Sequence[tuple[str, str]]): ``(path, what)`` of each output.
    """

    def __init__(self, outputs: Sequence[Tuple[str, str]]) -> None:
        unique = {lock_path(p): (p, w) for p, w in outputs}
        self._locks: List[OutputLock] = [OutputLock(*unique[k]) for k in sorted(unique)]
        self._held: List[OutputLock] = []

    def __enter__(self) -> 'OutputLocks':
        try:
            for lock in self._locks:
                # listed first: an interrupt delivered as acquire() ends must still release it
                self._held.append(lock)
                lock.acquire()
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc) -> None:
        # held back for the whole loop: an interrupt delivered as one lock is released would
        # otherwise skip the others (their lock files left behind)
        with deferred_signals():
            while self._held:
                self._held.pop().release()
