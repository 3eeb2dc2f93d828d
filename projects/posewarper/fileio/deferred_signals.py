"""Hold SIGINT and SIGTERM back while a few system calls commit an output.

A commit is a short sequence (fsync, chmod, rename; or the two renames of a folder swap) whose
interruption half-way would leave a state that is neither the old output nor the new one, or a
temporary file that ``finally`` no longer gets to remove. The signals are blocked with
``pthread_sigmask`` for that sequence only and delivered as soon as it ends, so Ctrl-C still
stops the run, just after the commit. SIGKILL cannot be blocked: the commit steps are ordered so
that each one leaves a consistent state (see :mod:`.atomic` and :mod:`.atomic_folder`).
"""
import contextlib
import signal
from typing import Iterator

DEFERRED_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextlib.contextmanager
def deferred_signals() -> Iterator[None]:
    """Block SIGINT and SIGTERM in the calling thread within the block."""
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, DEFERRED_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
