"""``as_bboxes``: person boxes as ``(P, 5)`` arrays."""
import numpy as np
import pytest

from posewarper.apis import as_bboxes


def test_boxes():
    img = np.zeros((10, 20, 3), np.uint8)
    np.testing.assert_array_equal(as_bboxes(None, img), [[0, 0, 20, 10, 1]])  # the whole frame
    assert as_bboxes([], img).shape == (0, 5)
    np.testing.assert_array_equal(as_bboxes([1, 2, 3, 4], img), [[1, 2, 3, 4, 1]])
    with pytest.raises(ValueError, match='got shape'):
        as_bboxes(np.zeros((2, 3)), img)
