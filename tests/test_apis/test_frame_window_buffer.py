"""FrameWindowBuffer: each frame's window released once complete, clipped at the video ends."""
import numpy as np
import pytest

from posewarper.apis import FrameWindowBuffer


def _frames(n):
    return [np.full((4, 6, 3), i, np.uint8) for i in range(n)]


def test_windows_are_released_k_frames_late_and_clipped():
    buffer = FrameWindowBuffer()  # official ±2
    released = []
    for t, img in enumerate(_frames(6)):
        windows = buffer.push(img, [[0, 0, 3, 3]], img_path=f'{t}.jpg')
        # frame t's window is complete once frame t + 2 arrived
        assert [w.frame_idx for w in windows] == ([t - 2] if t >= 2 else [])
        released += windows
    assert buffer.num_pending == 2
    released += buffer.flush()
    assert buffer.num_pending == 0 and buffer.num_frames == 0
    assert [w.frame_idx for w in released] == list(range(6))
    first, middle, last = released[0], released[3], released[5]
    # offsets 0, -1, 1, -2, 2 clipped to the video; a repeated frame gets the summed weight
    assert first.weights == pytest.approx({0: 0.3 + 0.25 + 0.1, 1: 0.25, 2: 0.1})
    assert middle.weights == pytest.approx({3: 0.3, 2: 0.25, 4: 0.25, 1: 0.1, 5: 0.1})
    assert last.weights == pytest.approx({5: 0.3 + 0.25 + 0.1, 4: 0.25, 3: 0.1})
    for w in released:
        assert sorted(w.frames) == sorted(w.weights)
        assert all(int(img[0, 0, 0]) == j for j, img in w.frames.items())  # the right frames
        assert w.img is w.frames[w.frame_idx] and w.meta == {'img_path': f'{w.frame_idx}.jpg'}
    assert [w.keep_from for w in released[:4]] == [-1, 0, 1, 2]


def test_only_the_window_span_is_kept():
    buffer = FrameWindowBuffer((0, -1, -2), (0.5, 0.3, 0.2))  # causal: no latency
    for t, img in enumerate(_frames(10)):
        (window, ) = buffer.push(img)
        assert window.frame_idx == t and len(buffer._frames) <= 3
    assert buffer.flush() == []


def test_zero_weight_frames_are_not_in_the_window():
    buffer = FrameWindowBuffer((0, 1), (1.0, 0.0))
    windows = [w for img in _frames(3) for w in buffer.push(img)] + buffer.flush()
    assert [sorted(w.frames) for w in windows] == [[0], [1], [2]]
    # the frame whose zero-weight neighbour is still to come is released one frame late
    assert [w.frame_idx for w in windows] == [0, 1, 2]


def test_bad_frames():
    with pytest.raises(ValueError, match=r'img must be an \(H, W, C\) array'):
        FrameWindowBuffer().push(np.zeros((4, 4)))
    with pytest.raises(ValueError, match='must start with 0'):
        FrameWindowBuffer((1, 0), (0.5, 0.5))
