"""Small exact polygon helpers (clipping to a box, area) used for the ignore regions."""
from typing import Tuple

import numpy as np


def clip_polygon(poly: np.ndarray, box: Tuple[float, float, float, float]) -> np.ndarray:
    """Clip a convex polygon to an axis-aligned box (Sutherland-Hodgman).

    Unlike ``cv2.intersectConvexConvex`` this stays exact when edges are collinear with the box.

    Args:
        poly (np.ndarray): (K, 2) convex polygon vertices in order.
        box (tuple[float, float, float, float]): ``(x0, y0, x1, y1)`` with ``x0 <= x1``,
            ``y0 <= y1``.

    Returns:
        np.ndarray: (M, 2) clipped polygon; M is 0 when they do not overlap.
    """
    out = [tuple(p) for p in np.asarray(poly, dtype=np.float64)]
    x0, y0, x1, y1 = box
    # Each half-plane as (axis, bound, keep values >= bound?).
    for axis, bound, keep_above in ((0, x0, True), (0, x1, False), (1, y0, True),
                                    (1, y1, False)):
        if not out:
            break
        inp, out = out, []

        def inside(p, axis=axis, bound=bound, keep_above=keep_above) -> bool:
            return p[axis] >= bound if keep_above else p[axis] <= bound

        for i, cur in enumerate(inp):
            prev = inp[i - 1]
            if inside(cur) != inside(prev):
                frac = (bound - prev[axis]) / (cur[axis] - prev[axis])
                out.append((prev[0] + frac * (cur[0] - prev[0]),
                            prev[1] + frac * (cur[1] - prev[1])))
            if inside(cur):
                out.append(cur)
    return np.array(out, dtype=np.float64).reshape(-1, 2)


def polygon_area(poly: np.ndarray) -> float:
    """Unsigned area of a simple polygon (K, 2) (shoelace formula)."""
    if len(poly) < 3:
        return 0.0
    x, y = poly[:, 0], poly[:, 1]
    return float(abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))) / 2)
