"""Textured shapes drawn at sub-pixel precision: polygons, circles, ellipses and capsules.

Shapes are drawn with OpenCV at sub-pixel precision (``shift``) into the bounding box of the shape
only, and textures are mapped with one ``cv2.warpAffine`` per shape, which keeps a frame with a
few figures at a few milliseconds.
"""
import math
from typing import List, Optional, Sequence, Tuple

import cv2
import numpy as np

from .textures import Color

# Sub-pixel bits of the OpenCV drawing calls.
SHIFT = 4
_SCALE = float(1 << SHIFT)

# A shape is ('poly', (K, 2) points), ('circle', centre, radius),
# ('ellipse', centre, (half_x, half_y), angle_degrees) or ('capsule', a, b, radius_a, radius_b)
# (a tapered segment with round ends); coordinates in destination pixels.
Shape = tuple
Box = Tuple[float, float, float, float]


def shape_box(shape: Shape) -> Box:
    kind = shape[0]
    if kind == 'poly':
        lo, hi = shape[1].min(axis=0), shape[1].max(axis=0)
        return float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1])
    if kind == 'capsule':
        (ax, ay), (bx, by), ra, rb = shape[1:]
        return (min(ax - ra, bx - rb), min(ay - ra, by - rb), max(ax + ra, bx + rb),
                max(ay + ra, by + rb))
    cx, cy = float(shape[1][0]), float(shape[1][1])
    half = float(shape[2]) if kind == 'circle' else float(max(shape[2]))
    return cx - half, cy - half, cx + half, cy + half


def shapes_box(shapes: Sequence[Shape]) -> Box:
    """Bounding box ``(x0, y0, x1, y1)`` of a list of shapes."""
    boxes = [shape_box(s) for s in shapes]
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes),
            max(b[3] for b in boxes))


def _fixed_point(x: float, y: float) -> Tuple[int, int]:
    return int(round(x * _SCALE)), int(round(y * _SCALE))


def draw_mask(mask: np.ndarray, shapes: Sequence[Shape], offset: Tuple[int, int] = (0, 0),
              value: int = 255) -> None:
    """Fill ``shapes`` (destination coordinates minus ``offset``) into the uint8 ``mask``."""
    ox, oy = offset
    for shape in shapes:
        kind = shape[0]
        if kind == 'capsule':
            (ax, ay), (bx, by), ra, rb = shape[1:]
            ax, ay, bx, by = ax - ox, ay - oy, bx - ox, by - oy
            dx, dy = bx - ax, by - ay
            norm = (dx * dx + dy * dy) ** 0.5
            nx, ny = (-dy / norm, dx / norm) if norm > 1e-6 else (1.0, 0.0)
            quad = np.array([ax + nx * ra, ay + ny * ra, bx + nx * rb, by + ny * rb,
                             bx - nx * rb, by - ny * rb, ax - nx * ra, ay - ny * ra])
            cv2.fillConvexPoly(mask, np.rint(quad * _SCALE).astype(np.int32).reshape(4, 2),
                               value, cv2.LINE_8, SHIFT)
            cv2.circle(mask, _fixed_point(ax, ay), int(round(ra * _SCALE)), value, -1,
                       cv2.LINE_8, SHIFT)
            cv2.circle(mask, _fixed_point(bx, by), int(round(rb * _SCALE)), value, -1,
                       cv2.LINE_8, SHIFT)
        elif kind == 'poly':
            pts = np.rint((shape[1] - (ox, oy)) * _SCALE).astype(np.int32)
            cv2.fillConvexPoly(mask, pts, value, cv2.LINE_8, SHIFT)
        elif kind == 'circle':
            cv2.circle(mask, _fixed_point(shape[1][0] - ox, shape[1][1] - oy),
                       int(round(shape[2] * _SCALE)), value, -1, cv2.LINE_8, SHIFT)
        elif kind == 'ellipse':
            axes = (int(round(shape[2][0] * _SCALE)), int(round(shape[2][1] * _SCALE)))
            cv2.ellipse(mask, _fixed_point(shape[1][0] - ox, shape[1][1] - oy), axes,
                        float(shape[3]), 0.0, 360.0, value, -1, cv2.LINE_8, SHIFT)
        else:
            raise ValueError(f'unknown shape kind {kind!r}')


def fill_shapes(dst: np.ndarray, shapes: Sequence[Shape], texture: Optional[np.ndarray] = None,
                tex_to_img: Optional[np.ndarray] = None, color: Optional[Color] = None,
                shade: float = 1.0, clip: Optional[Sequence[Shape]] = None,
                owner: Optional[np.ndarray] = None, owner_id: int = 0,
                box: Optional[Box] = None, border: int = cv2.BORDER_REFLECT_101) -> None:
    """Paint the union of ``shapes`` with a mapped texture or a plain colour.

    Args:
        dst (np.ndarray): (H, W, 3) uint8 image, modified in place.
        shapes (Sequence[Shape]): convex pieces whose union is painted.
        texture (np.ndarray, optional): (S, S, 3) uint8 texture, mirrored beyond its border.
        tex_to_img (np.ndarray, optional): (2, 3) affine map from texel to ``dst`` pixel.
        color (Color, optional): plain BGR colour, used when ``texture`` is None.
        shade (float): brightness multiplier.
        clip (Sequence[Shape], optional): only paint inside the union of these shapes.
        owner (np.ndarray, optional): (H, W) int map; painted pixels are set to ``owner_id``.
        owner_id (int): label written into ``owner``.
        box (Box, optional): precomputed :func:`shapes_box` of ``shapes``.
        border (int): OpenCV border mode of the texture lookup; ``cv2.BORDER_CONSTANT`` is
            several times faster and fine when the shape maps inside the texture.
    """
    height, width = dst.shape[:2]
    bx0, by0, bx1, by1 = shapes_box(shapes) if box is None else box
    x0, y0 = max(math.floor(bx0), 0), max(math.floor(by0), 0)
    x1, y1 = min(math.ceil(bx1) + 1, width), min(math.ceil(by1) + 1, height)
    if x1 <= x0 or y1 <= y0:
        return
    mask = np.zeros((y1 - y0, x1 - x0), dtype=np.uint8)
    draw_mask(mask, shapes, (x0, y0))
    if clip is not None:
        keep = np.zeros_like(mask)
        draw_mask(keep, clip, (x0, y0))
        mask &= keep
    roi = dst[y0:y1, x0:x1]
    if texture is not None:
        mat = tex_to_img - ((0.0, 0.0, x0), (0.0, 0.0, y0))
        patch = cv2.warpAffine(texture, mat, (x1 - x0, y1 - y0), flags=cv2.INTER_LINEAR,
                               borderMode=border)
        if shade != 1.0:
            patch = cv2.convertScaleAbs(patch, alpha=shade)
    else:
        patch = np.empty_like(roi)
        patch[:] = [min(c * shade, 255.0) for c in color]
    _masked_copy(patch, mask, roi)
    if owner is not None:
        _masked_copy(np.full(mask.shape, owner_id, dtype=owner.dtype), mask, owner[y0:y1, x0:x1])


def _masked_copy(src: np.ndarray, mask: np.ndarray, dst: np.ndarray) -> None:
    """``dst[mask > 0] = src[mask > 0]`` in place (``dst`` may be a view)."""
    # cv2.copyTo writes into the view's buffer and is ~10x faster than numpy's boolean indexing;
    # should a binding ever return a fresh array instead, copy the result back.
    out = cv2.copyTo(src, mask, dst)
    if out is not dst and not np.shares_memory(out, dst):
        dst[...] = out


def frame_map(origin: np.ndarray, axis: np.ndarray, texel: float,
              tex_origin: Tuple[float, float] = (0.0, 0.0)) -> np.ndarray:
    """Affine texel-to-pixel map whose texture ``v`` axis runs along ``axis``.

    Args:
        origin (np.ndarray): (2,) pixel where texel ``tex_origin`` lands.
        axis (np.ndarray): (2,) direction of the texture rows (need not be unit; zero-length
            falls back to straight down).
        texel (float): size of one texel in pixels.
        tex_origin (tuple[float, float]): texel ``(u, v)`` mapped to ``origin``.

    Returns:
        np.ndarray: (2, 3) texel-to-pixel affine matrix (a rotation and scale, never singular).
    """
    ax, ay = float(axis[0]), float(axis[1])
    norm = (ax * ax + ay * ay) ** 0.5
    vx, vy = (ax / norm, ay / norm) if norm > 1e-6 else (0.0, 1.0)
    # Columns: texel u axis (perpendicular to the rows) and texel v axis, scaled to pixels.
    ux, uy = -vy * texel, vx * texel
    vx, vy = vx * texel, vy * texel
    tu, tv = tex_origin
    return np.array([[ux, vx, float(origin[0]) - ux * tu - vx * tv],
                     [uy, vy, float(origin[1]) - uy * tu - vy * tv]])


def limb_shapes(a: Sequence[float], b: Sequence[float], width_a: float,
                width_b: float) -> Tuple[List[Shape], Box]:
    """A tapered capsule from ``a`` to ``b`` (widths at each end) and its box."""
    shape = ('capsule', (a[0], a[1]), (b[0], b[1]), width_a / 2, width_b / 2)
    return [shape], shape_box(shape)
