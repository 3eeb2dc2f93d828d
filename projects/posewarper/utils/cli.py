"""The error policy of posewarper's command-line tools.

Expected errors (bad input files, arguments, paths: ``ValueError`` and ``OSError``, which our
readers and checks raise with the file, id and field) end as one line on stderr and exit status
1. A wrong command line is such an error too: the tools parse with :class:`ArgumentParser`,
whose usage errors are the same one line and status 1 (argparse prints its usage block and
exits 2). ``--debug`` shows the traceback instead, and any other exception (a bug) always does.

Python warnings raised during a run (MMPose's about a metainfo file it found elsewhere, ...) are
held back and shown when the run ends well: a refused input stays one line.

Interrupts end a tool the same way: SIGINT (Ctrl-C) and SIGTERM unwind the stack as exceptions,
so every ``finally`` and context manager removes its temporary files and releases its locks,
then one line is printed and the status is 128 + the signal number (130, 143), as a shell
reports a process killed by the signal. Outputs are committed with the signals held back
(:mod:`posewarper.fileio.deferred_signals`), so the previous complete output stays intact.
"""
import argparse
import functools
import inspect
import os
import os.path as osp
import signal
import sys
import threading
import warnings
from typing import Callable, List, Optional

#: Exceptions a tool reports as a one-line error.
EXPECTED_ERRORS = (ValueError, OSError)


class Terminated(BaseException):
    """SIGTERM, raised in the main thread like ``KeyboardInterrupt`` for SIGINT (a
    ``BaseException``, so that ``except Exception`` blocks do not swallow it)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _raise_terminated(signum: int, frame) -> None:
    raise Terminated(signum)


def _interrupt_signal(error: BaseException) -> Optional[int]:
    """The signal behind an exception: SIGINT for ``KeyboardInterrupt``, SIGTERM's number for
    :class:`Terminated`, also where a library caught it and raised another exception from it
    (mmengine turns an interrupt while it formats a config into a ``SyntaxError``); else None."""
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, KeyboardInterrupt):
            return signal.SIGINT
        if isinstance(error, Terminated):
            return error.signum
        error = error.__cause__ or error.__context__
    return None


def _show(held: List[warnings.WarningMessage]) -> None:
    for w in held:
        warnings.showwarning(w.message, w.category, w.filename, w.lineno, w.file, w.line)


def _signal_name(signum: int) -> str:
    return signal.Signals(signum).name


class UsageError(ValueError):
    """A command-line mistake found by argparse (an expected error: one line, status 1)."""


class ArgumentParser(argparse.ArgumentParser):
    """argparse's parser, its usage errors raised as :class:`UsageError` for :func:`cli_main`.

    argparse prints a usage block and exits with status 2; the tools' policy for bad input is one
    line naming the option and status 1, whatever the input was. ``--help`` is unchanged.
    """

    def error(self, message: str):
        raise UsageError(f'{message} (see --help)')

    def parse_known_args(self, args=None, namespace=None):
        """argparse's parsing, refusing an empty value (``--out ''``, an unset shell variable)
        for an argument that is required or has no default: as a path it named no file (an
        output was refused only after the work, by the rename), and elsewhere the tool took
        its default as if the option had not been given. An option whose default is a value
        (``--data-root ''``) keeps accepting it."""
        parsed, extras = super().parse_known_args(args, namespace)
        for action in self._actions:
            if action.dest == argparse.SUPPRESS or not hasattr(parsed, action.dest):
                continue
            if getattr(parsed, action.dest) == '' and (action.required
                                                       or action.default is None):
                name = '/'.join(action.option_strings) or action.metavar or action.dest
                self.error(f'argument {name}: the value is empty; give one'
                           + ('' if action.required else ', or leave the option out'))
        return parsed, extras


def add_debug_argument(parser: argparse.ArgumentParser) -> None:
    """Add ``--debug`` (show the traceback of an expected error too)."""
    parser.add_argument('--debug', action='store_true',
                        help='on an error, show the traceback instead of a one-line message')


def quiet_video_backends(argv: Optional[List[str]] = None) -> None:
    """Silence the messages OpenCV and FFmpeg print themselves on stderr when a camera or a
    video file cannot be opened ("Camera index out of range", "moov atom not found"): the
    inference tools report that failure in their one line. ``--debug`` keeps them.

    FFmpeg's level is read from ``OPENCV_FFMPEG_LOGLEVEL`` when OpenCV first uses FFmpeg, so
    this is called before any video is opened; a level the user set is kept.

    Args:
        argv (list[str], optional): The tool's command line (``sys.argv[1:]`` when None).
    """
    if '--debug' in (sys.argv[1:] if argv is None else argv):
        return
    os.environ.setdefault('OPENCV_FFMPEG_LOGLEVEL', '-8')  # AV_LOG_QUIET
    if 'OPENCV_LOG_LEVEL' not in os.environ:
        import cv2
        logging = getattr(getattr(cv2, 'utils', None), 'logging', None)
        if logging is not None:  # OpenCV >= 4.5 (older ones have cv2.setLogLevel)
            logging.setLogLevel(logging.LOG_LEVEL_SILENT)
        elif hasattr(cv2, 'setLogLevel'):
            cv2.setLogLevel(0)


def cli_main(main: Callable[[Optional[List[str]]], Optional[int]]
             ) -> Callable[[Optional[List[str]]], int]:
    """Wrap a tool's ``main(argv)`` with the error policy of this module.

    Args:
        main: The tool's main function; it returns its exit status (``None`` is 0).

    Returns:
        The wrapped function, returning the exit status.
    """
    prog = osp.basename(inspect.getfile(main))

    @functools.wraps(main)
    def run(argv: Optional[List[str]] = None) -> int:
        words = sys.argv[1:] if argv is None else argv
        in_main_thread = threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGTERM, _raise_terminated) if in_main_thread else None
        caught = warnings.catch_warnings(record=True)
        held = caught.__enter__()  # the libraries' warnings, shown once the run succeeded
        try:
            status = main(argv) or 0
        except BaseException as e:
            caught.__exit__(None, None, None)
            signum = _interrupt_signal(e)
            if '--debug' in words or (signum is None and not isinstance(e, EXPECTED_ERRORS)):
                _show(held)
                raise
            if signum is None:
                message = ' '.join(str(e).split()) or type(e).__name__
                print(f'{prog}: error: {message}', file=sys.stderr)
                return 1
            print(f'{prog}: interrupted by {_signal_name(signum)}: nothing was committed after '
                  'the last complete output', file=sys.stderr)
            return 128 + signum
        else:
            caught.__exit__(None, None, None)
            _show(held)
            return status
        finally:
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)

    return run
