"""Point-in-polygon as shapely decides it, for poseval's ignore regions."""
from fractions import Fraction

import numpy as np


def _orientation(a: np.ndarray, b: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Exact sign of the cross product (b - a) x (p - a).

    Args:
        a (np.ndarray): Edge starts, shape (1, M, 2).
        b (np.ndarray): Edge ends, shape (1, M, 2).
        p (np.ndarray): Points, shape (N, 1, 2).

    Returns:
        np.ndarray: Signs in {-1, 0, 1}, shape (N, M).
    """
    left = (b[..., 0] - a[..., 0]) * (p[..., 1] - a[..., 1])
    right = (b[..., 1] - a[..., 1]) * (p[..., 0] - a[..., 0])
    det = left - right
    sign = np.sign(det).astype(np.int64)
    # The float result has the right sign unless it is tiny relative to its terms (the bound is
    # far above the rounding error); recompute those few with exact rationals, so that points on
    # an edge are classified as shapely's robust predicates would.
    unsure = np.abs(det) <= 1e-12 * (np.abs(left) + np.abs(right))
    for i, j in zip(*np.nonzero(unsure)):
        ax, ay = (Fraction(float(v)) for v in a[0, j])
        bx, by = (Fraction(float(v)) for v in b[0, j])
        px, py = (Fraction(float(v)) for v in p[i, 0])
        exact = (bx - ax) * (py - ay) - (by - ay) * (px - ax)
        sign[i, j] = (exact > 0) - (exact < 0)
    return sign


def points_strictly_in_polygon(points: np.ndarray, polygon: np.ndarray) -> np.ndarray:
    """Test which points lie strictly inside a polygon (points on its boundary do not).

    This matches shapely's ``Polygon.contains(Point)`` for the polygons poseval builds: the ring
    is closed implicitly and the interior follows the even-odd rule.

    Args:
        points (np.ndarray): Points, shape (N, 2).
        polygon (np.ndarray): Polygon vertices in order, shape (M, 2), M >= 3.

    Returns:
        np.ndarray: Boolean mask, shape (N, ).
    """
    points = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    polygon = np.asarray(polygon, dtype=np.float64).reshape(-1, 2)
    inside = np.zeros(len(points), dtype=bool)
    if len(points) == 0 or len(polygon) == 0:
        return inside
    # Only points strictly inside the bounding box can be strictly inside the polygon.
    lo, hi = polygon.min(axis=0), polygon.max(axis=0)
    cand = np.flatnonzero(((points > lo) & (points < hi)).all(axis=1))
    if len(cand) == 0:
        return inside
    inside[cand] = _strictly_inside(points[cand], polygon)
    return inside


def _strictly_inside(points: np.ndarray, polygon: np.ndarray) -> np.ndarray:
    """Even-odd point-in-polygon test excluding the boundary; see points_strictly_in_polygon."""
    a = polygon[None]
    b = np.roll(polygon, -1, axis=0)[None]
    p = points[:, None]
    sign = _orientation(a, b, p)
    px, py = p[..., 0], p[..., 1]
    lo, hi = np.minimum(a, b), np.maximum(a, b)  # (1, M, 2) bounding box of each edge
    on_edge = ((sign == 0) & (lo[..., 0] <= px) & (px <= hi[..., 0])
               & (lo[..., 1] <= py) & (py <= hi[..., 1]))
    # Ray to +x: an edge crossing the horizontal line through p (half-open in y, so a vertex on
    # the line counts once) is hit when p is left of it, i.e. the orientation follows the edge's
    # direction.
    upward = (a[..., 1] <= py) & (b[..., 1] > py)
    downward = (b[..., 1] <= py) & (a[..., 1] > py)
    crossings = (upward & (sign > 0)) | (downward & (sign < 0))
    inside = crossings.sum(axis=1) % 2 == 1
    return inside & ~on_edge.any(axis=1)
