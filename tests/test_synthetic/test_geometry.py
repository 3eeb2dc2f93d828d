"""Polygon clipping used for the ignore regions."""
import numpy as np

from posewarper_synthetic.geometry import clip_polygon, polygon_area

SQUARE = np.array([[0.0, 0.0], [10.0, 0.0], [10.0, 10.0], [0.0, 10.0]])


def test_clip_partial_overlap():
    clipped = clip_polygon(SQUARE, (5.0, 5.0, 20.0, 20.0))
    assert np.isclose(polygon_area(clipped), 25.0)
    assert clipped[:, 0].min() >= 5.0 and clipped[:, 1].min() >= 5.0


def test_clip_disjoint_and_contained():
    assert len(clip_polygon(SQUARE, (11.0, 0.0, 20.0, 20.0))) == 0
    assert np.isclose(polygon_area(clip_polygon(SQUARE, (-5.0, -5.0, 50.0, 50.0))), 100.0)


def test_clip_polygon_larger_than_box_with_collinear_edge():
    # An edge lying on the box border must not turn the result into the whole box or nothing.
    tri = np.array([[-10.0, 10.0], [30.0, 10.0], [-10.0, -30.0]])
    clipped = clip_polygon(tri, (0.0, 0.0, 10.0, 10.0))
    # The box lies inside the triangle (its top edge on the triangle's).
    assert np.isclose(polygon_area(clipped), 100.0)


def test_area_of_degenerate_polygon():
    assert polygon_area(np.zeros((0, 2))) == 0.0
    assert polygon_area(np.array([[0.0, 0.0], [1.0, 1.0]])) == 0.0
