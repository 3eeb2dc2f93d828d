"""Checked numeric option types for argparse: finite, in range, in every mode of a tool.

``type=float`` accepts ``nan`` and ``inf``, and ``type=int`` any integer; a NaN threshold makes
every comparison false (``--min-joint-score nan`` dropped every pseudo-label). These types refuse
such values at parse time as usage errors (one line, status 1, with
:class:`~posewarper.utils.cli.ArgumentParser`), whatever other option is set.
"""
import argparse
import math
from typing import Callable, Optional, Sequence


def _range_text(low: Optional[float], high: Optional[float], low_open: bool) -> str:
    if low is not None and high is not None:
        return f'in {"(" if low_open else "["}{low}, {high}]'
    if low is not None:
        return f'{">" if low_open else ">="} {low}'
    return f'<= {high}'


def finite_float(low: Optional[float] = None,
                 high: Optional[float] = None,
                 low_open: bool = False) -> Callable[[str], float]:
    """An argparse ``type``: a finite float in ``[low, high]`` (``(low, high]`` with
    ``low_open``)."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f'{text!r} is not a number') from None
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(f'{text!r} is not a finite number')
        if ((low is not None and (value < low or (low_open and value == low)))
                or (high is not None and value > high)):
            raise argparse.ArgumentTypeError(f'{text} is not {_range_text(low, high, low_open)}')
        return value

    parse.__name__ = 'finite float'  # argparse names the type in its messages
    return parse


def int_in_range(low: Optional[int] = None, high: Optional[int] = None) -> Callable[[str], int]:
    """An argparse ``type``: an integer in ``[low, high]``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f'{text!r} is not an integer') from None
        if (low is not None and value < low) or (high is not None and value > high):
            raise argparse.ArgumentTypeError(f'{text} is not {_range_text(low, high, False)}')
        return value

    parse.__name__ = 'integer'
    return parse


#: Common option types.
positive_int = int_in_range(1)
non_negative_int = int_in_range(0)
#: A seed numpy and torch both accept.
seed_int = int_in_range(0, 2**32 - 1)
#: ``--temporal-window k`` (offsets -k..k; the official window is k = 2): more than 100 would
#: buffer hundreds of frames per person for no use
window_half_width = int_in_range(0, 100)
#: a keypoint radius or line thickness in pixels (OpenCV takes C ints)
drawing_size = int_in_range(1, 1000)
#: A score, probability or IoU threshold.
unit_float = finite_float(0.0, 1.0)
non_negative_float = finite_float(0.0)


def check_frame_weights(parser: argparse.ArgumentParser, temporal_window: Optional[int],
                        frame_weights: Optional[Sequence[float]]) -> None:
    """Check ``--frame-weights`` against ``--temporal-window`` at parse time.

    The library checks the same once the model is loaded (seconds later) and names its keyword
    ``frame_weights``; here the mistake is a usage error naming the options. With
    ``--frame-weights`` the window never comes from the config: without ``--temporal-window``
    its ``2k + 1`` weights give ``k``.

    Args:
        parser (argparse.ArgumentParser): The tool's parser (its ``error`` reports).
        temporal_window (int, optional): ``--temporal-window``.
        frame_weights (Sequence[float], optional): ``--frame-weights`` (each finite, >= 0).
    """
    if frame_weights is None:
        return
    count = len(frame_weights)
    if temporal_window is None and count % 2 != 1:
        parser.error(f'argument --frame-weights: {count} weights given; without '
                     '--temporal-window give 2k+1 (offsets 0, -1, 1, ..., -k, k)')
    if temporal_window is not None and count != 2 * temporal_window + 1:
        parser.error(f'argument --frame-weights: --temporal-window {temporal_window} needs '
                     f'{2 * temporal_window + 1} weights '
                     f'(offsets -{temporal_window}..{temporal_window}), '
                     f'got {count}')
    if not math.isclose(sum(frame_weights), 1.0, rel_tol=1e-5, abs_tol=1e-8):
        # the tolerance of the library's check (numpy.isclose's defaults)
        parser.error(f'argument --frame-weights: the weights must sum to 1, they sum to '
                     f'{sum(frame_weights):g}')
