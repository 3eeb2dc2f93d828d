"""The error policy of posewarper's command-line tools.

Expected errors (bad input files, arguments, paths: ``ValueError`` and ``OSError``, which our
readers and checks raise with the file, id and field) end as one line on stderr and exit status
1; argparse's usage errors keep status 2. ``--debug`` shows the traceback instead, and any other
exception (a bug) always does.
"""
import functools
import inspect
import os.path as osp
import sys
from argparse import ArgumentParser
from typing import Callable, List, Optional

#: Exceptions a tool reports as a one-line error.
EXPECTED_ERRORS = (ValueError, OSError)


def add_debug_argument(parser: ArgumentParser) -> None:
    """Add ``--debug`` (show the traceback of an expected error too)."""
    parser.add_argument('--debug', action='store_true',
                        help='on an error, show the traceback instead of a one-line message')


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
        try:
            return main(argv) or 0
        except EXPECTED_ERRORS as e:
            if '--debug' in words:
                raise
            message = ' '.join(str(e).split()) or type(e).__name__
            print(f'{prog}: error: {message}', file=sys.stderr)
            return 1

    return run
