"""``posewarper.utils.cli``: one line and the status of the error policy, also for interrupts
a library caught and re-raised as another exception."""
import signal

import pytest

from posewarper.utils.cli import ArgumentParser, Terminated, cli_main


def _tool(raise_what):

    @cli_main
    def main(argv=None):
        parser = ArgumentParser()
        parser.add_argument('--n', type=int)
        parser.parse_args(argv)
        raise_what()

    return main


def _reraised_as_syntax_error(interrupt):
    def run():
        try:  # what mmengine's Config.pretty_text does with any exception while formatting
            raise interrupt
        except BaseException:
            raise SyntaxError('Failed to format the config file')
    return run


@pytest.mark.parametrize('interrupt, status', [(KeyboardInterrupt(), 130),
                                               (Terminated(signal.SIGTERM), 143)])
def test_an_interrupt_a_library_reraised_is_still_an_interrupt(capsys, interrupt, status):
    assert _tool(_reraised_as_syntax_error(interrupt))([]) == status
    err = capsys.readouterr().err
    assert err.count('\n') == 1 and 'interrupted by SIG' in err and 'Traceback' not in err


def test_usage_error_is_one_line_and_status_1(capsys):
    assert _tool(lambda: None)(['--n', 'x']) == 1
    err = capsys.readouterr().err
    assert err.count('\n') == 1 and "argument --n: invalid int value: 'x' (see --help)" in err


def test_other_exceptions_are_bugs_with_their_traceback():
    def bug():
        raise SyntaxError('a real bug')
    with pytest.raises(SyntaxError):
        _tool(bug)([])


def test_warnings_are_held_back_when_the_run_fails(capsys):
    import warnings

    def warn_then(fail):
        def run():
            warnings.warn('a library says something', UserWarning)
            if fail:
                raise ValueError('bad input')
        return run

    assert _tool(warn_then(True))([]) == 1
    err = capsys.readouterr().err
    assert err.count('\n') == 1 and 'bad input' in err
    with pytest.warns(UserWarning, match='a library says something'):  # shown at the end
        assert _tool(warn_then(False))([]) == 0
