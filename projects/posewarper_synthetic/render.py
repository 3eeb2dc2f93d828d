"""Drawing people and scenes: the textured figure, the background canvas and the crowd.

The figures and the background are made of the textured shapes of :mod:`.shapes`.
"""
import math
from dataclasses import dataclass
from typing import Optional, Tuple

import cv2
import numpy as np

from .config import SyntheticConfig
from .shapes import Box, draw_mask, fill_shapes, frame_map, limb_shapes, shape_box
from .skeleton import HEAD_CENTER, LEFT_HAND, LEFT_TOE, MID_HIP, NECK_BASE, TORSO_CORNERS, BodyShape
from .textures import (HAIR_COLORS, SKIN_TONES, Color, jitter_color, make_cloth, make_skin,
                       make_texture, random_color)

# Limb widths at the (proximal, distal) joint, in figure heights (before the body build factor).
LIMB_WIDTHS = {
    'upper_arm': (0.055, 0.045), 'forearm': (0.045, 0.036), 'hand': (0.036, 0.03),
    'thigh': (0.085, 0.065), 'shin': (0.062, 0.045), 'foot': (0.042, 0.03), 'neck': (0.05, 0.05),
}
# Limb textures start in this part of the texture (fractions of its side), so that a limb
# (at most ~0.3 figure heights long) maps inside it and the fast constant-border lookup applies.
LIMB_TEX_LOW, LIMB_TEX_HIGH = 0.15, 0.5
MAX_LIMB_LENGTH = 0.3
# Head half depth (figure heights): the head looks wider in profile than from the front.
HEAD_HALF_DEPTH = 0.07
# The face shows while cos(yaw) is above this (a head seen from behind is all hair).
FACE_VISIBLE_COS = -0.35
# Brightness gain per figure height of depth in front of the hips: far limbs look darker,
# which also tells left from right in side views.
DEPTH_SHADE = 1.2
SHADE_LIMITS = (0.75, 1.2)


@dataclass
class Appearance:
    """Clothes and colours of one figure (the appearance cue for the network).

    Args:
        shirt (np.ndarray): (S, S, 3) torso/sleeve texture.
        pants (np.ndarray): (S, S, 3) leg texture.
        skin (np.ndarray): (S, S, 3) skin texture.
        skin_tone (Color): mean skin colour (face).
        hair (Color): hair colour.
        shoes (Color): shoe colour.
        long_sleeves (bool): forearms covered by the shirt.
        shorts (bool): shins bare.
        tex_shift (np.ndarray): (8, 2) texels where the limbs start in their texture, which
            decorrelates the limbs' patterns (and keeps them inside the texture).
    """

    shirt: np.ndarray
    pants: np.ndarray
    skin: np.ndarray
    skin_tone: Color
    hair: Color
    shoes: Color
    long_sleeves: bool
    shorts: bool
    tex_shift: np.ndarray

    @classmethod
    def sample(cls, rng: np.random.Generator, size: int) -> 'Appearance':
        """Draw random clothes with textures of ``size`` texels."""
        skin, tone = make_skin(rng, size)
        return cls(shirt=make_cloth(rng, size), pants=make_cloth(rng, size), skin=skin,
                   skin_tone=tone,
                   hair=jitter_color(rng, HAIR_COLORS[int(rng.integers(len(HAIR_COLORS)))], 10),
                   shoes=random_color(rng, val=(0.1, 0.6)), long_sleeves=bool(rng.random() < 0.5),
                   shorts=bool(rng.random() < 0.25),
                   tex_shift=rng.uniform(LIMB_TEX_LOW, LIMB_TEX_HIGH, (8, 2)) * size)


def draw_person(dst: np.ndarray, pts: np.ndarray, depth: np.ndarray, scale: float, yaw: float,
                shape: BodyShape, look: Appearance, texels_per_height: float,
                owner: Optional[np.ndarray] = None, owner_id: int = 0) -> Box:
    """Draw one textured figure, far parts first.

    Args:
        dst (np.ndarray): (H, W, 3) uint8 image, modified in place.
        pts (np.ndarray): (NUM_POINTS, 2) image coordinates of the figure's points.
        depth (np.ndarray): (NUM_POINTS,) depths in figure heights (smaller is nearer).
        scale (float): figure height in image pixels.
        yaw (float): facing angle (0 faces the camera).
        shape (BodyShape): body proportions (limb widths scale with its build).
        look (Appearance): textures and colours.
        texels_per_height (float): texture density.
        owner (np.ndarray, optional): (H, W) int map receiving ``owner_id`` where drawn.
        owner_id (int): label for ``owner``.

    Returns:
        tuple[float, float, float, float]: unclipped silhouette box ``(x0, y0, x1, y1)``.
    """
    texel = scale / texels_per_height
    xy = pts.tolist()
    dep = depth.tolist()
    ref_depth = dep[MID_HIP]
    parts = []  # (depth, shapes, box, fill_shapes keyword arguments)
    width_scale = scale * shape.build
    tex_size = look.shirt.shape[0]
    fits = MAX_LIMB_LENGTH * texels_per_height <= (1.0 - LIMB_TEX_HIGH) * tex_size
    limb_border = cv2.BORDER_CONSTANT if fits else cv2.BORDER_REFLECT_101

    def add_limb(a: int, b: int, kind: str, tex: Optional[np.ndarray], idx: int,
                 color: Optional[Color] = None) -> None:
        w_a, w_b = LIMB_WIDTHS[kind]
        shapes, box = limb_shapes(xy[a], xy[b], w_a * width_scale, w_b * width_scale)
        axis = (xy[b][0] - xy[a][0], xy[b][1] - xy[a][1])
        tex_map = frame_map(xy[a], axis, texel, look.tex_shift[idx % 8])
        parts.append(((dep[a] + dep[b]) / 2, shapes, box,
                      dict(texture=tex, tex_to_img=tex_map, color=color, border=limb_border)))

    sleeve = look.shirt if look.long_sleeves else look.skin
    legs = look.skin if look.shorts else look.pants
    for side in (0, 1):
        add_limb(5 + side, 7 + side, 'upper_arm', look.shirt, side)
        add_limb(7 + side, 9 + side, 'forearm', sleeve, 2 + side)
        add_limb(9 + side, LEFT_HAND + side, 'hand', None, 0, look.skin_tone)
        add_limb(11 + side, 13 + side, 'thigh', look.pants, 6 + side)
        add_limb(13 + side, 15 + side, 'shin', legs, side)
        add_limb(15 + side, LEFT_TOE + side, 'foot', None, 0, look.shoes)
    add_limb(NECK_BASE, 1, 'neck', None, 0, look.skin_tone)

    # The torso is the hull of a box; its texture scrolls with the yaw like a turning cylinder.
    corners = pts[list(TORSO_CORNERS)]
    hull = cv2.convexHull(corners.astype(np.float32))[:, 0].astype(np.float64)
    scroll = yaw * shape.shoulder_half_width * texels_per_height
    torso_axis = (xy[NECK_BASE][0] - xy[MID_HIP][0], xy[NECK_BASE][1] - xy[MID_HIP][1])
    torso_map = frame_map(xy[MID_HIP], torso_axis, texel, (scroll, 0.0))
    parts.append((sum(dep[i] for i in TORSO_CORNERS) / len(TORSO_CORNERS), [('poly', hull)],
                  shape_box(('poly', hull)), dict(texture=look.shirt, tex_to_img=torso_map)))

    # Head: a hair-coloured ellipse with the face drawn on the side facing the camera.
    tilt = math.degrees(math.atan2(xy[2][0] - xy[1][0], xy[1][1] - xy[2][1]))
    facing, sideways = math.cos(yaw), math.sin(yaw)
    half_x = scale * (shape.head_half_width * abs(facing) + HEAD_HALF_DEPTH * abs(sideways))
    half_y = scale * shape.head_length / 2
    cx, cy = xy[HEAD_CENTER]
    head = [('ellipse', (cx, cy), (half_x, half_y), tilt)]
    head_box = shape_box(head[0])
    parts.append((dep[HEAD_CENTER], head, head_box, dict(color=look.hair)))
    if facing > FACE_VISIBLE_COS:
        # The face slides towards the side the figure faces and sits a little low on the head.
        face = ('ellipse', (cx + sideways * 0.45 * half_x, cy + 0.15 * half_y),
                (half_x * (0.55 + 0.3 * max(facing, 0.0)), half_y * 0.8), tilt)
        parts.append((dep[HEAD_CENTER] - 1e-3, [face], shape_box(face),
                      dict(color=look.skin_tone, clip=head)))

    boxes = [p[2] for p in parts]
    silhouette = (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes),
                  max(b[3] for b in boxes))
    lo, hi = SHADE_LIMITS
    # Painter's algorithm; the stable sort keeps the face right after its head.
    for part_depth, shapes, box, kwargs in sorted(parts, key=lambda p: -p[0]):
        shade = min(max(1.0 + DEPTH_SHADE * (ref_depth - part_depth), lo), hi)
        fill_shapes(dst, shapes, shade=shade, owner=owner, owner_id=owner_id, box=box, **kwargs)
    return silhouette


def muted_texture(rng: np.random.Generator, size: int) -> np.ndarray:
    """A texture in the desaturated colours of man-made clutter."""
    base = random_color(rng, sat=(0.05, 0.5), val=(0.25, 0.9))
    return make_texture(rng, size, base, jitter_color(rng, base, 60.0))


def random_blob(rng: np.random.Generator, radius: float) -> np.ndarray:
    """A random convex polygon of about ``radius`` pixels around the origin, (K, 2)."""
    kind = int(rng.integers(3))
    if kind == 0:  # axis-aligned box (walls, signs, crates)
        half = radius * rng.uniform(0.3, 1.0, 2)
        return np.array([[-half[0], -half[1]], [half[0], -half[1]], [half[0], half[1]],
                         [-half[0], half[1]]])
    count = 24 if kind == 1 else int(rng.integers(3, 8))
    angles = np.sort(rng.uniform(0, 2 * np.pi, count)) if kind == 2 else \
        np.linspace(0, 2 * np.pi, count, endpoint=False)
    radii = radius * (rng.uniform(0.6, 1.0, count) if kind == 2 else 1.0)
    pts = np.stack([np.cos(angles) * radii, np.sin(angles) * radii], axis=1)
    return cv2.convexHull(pts.astype(np.float32))[:, 0].astype(np.float64)


def draw_crowd(canvas: np.ndarray, polygon: np.ndarray, rng: np.random.Generator,
               head_radius: float, density: float) -> None:
    """Fill ``polygon`` (canvas pixels, convex) with rows of small people (an ignore region).

    Args:
        canvas (np.ndarray): (H, W, 3) uint8 image, modified in place.
        polygon (np.ndarray): (K, 2) convex polygon in canvas pixels.
        rng (np.random.Generator): random source.
        head_radius (float): head radius of the crowd members in pixels.
        density (float): crowd members per ``(2 * head_radius)^2`` of area.
    """
    h, w = canvas.shape[:2]
    x0, y0 = np.floor(polygon.min(axis=0)).astype(int)
    x1, y1 = np.ceil(polygon.max(axis=0)).astype(int) + 1
    x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
    if x1 <= x0 or y1 <= y0:
        return
    crowd = np.empty((y1 - y0, x1 - x0, 3), dtype=np.uint8)
    crowd[:] = random_color(rng, sat=(0.0, 0.3), val=(0.1, 0.35))
    count = int(density * (x1 - x0) * (y1 - y0) / (2 * head_radius) ** 2)
    # Back rows first so nearer heads overlap them.
    for cy in np.sort(rng.uniform(-head_radius, y1 - y0 + 3 * head_radius, count)):
        cx = rng.uniform(-head_radius, x1 - x0 + head_radius)
        r = head_radius * rng.uniform(0.8, 1.2)
        body = [('ellipse', (cx, cy + 2.2 * r), (1.7 * r, 1.6 * r), 0.0)]
        fill_shapes(crowd, body, color=random_color(rng))
        fill_shapes(crowd, [('circle', (cx, cy), r)],
                    color=jitter_color(rng, HAIR_COLORS[int(rng.integers(len(HAIR_COLORS)))]))
        face = [('circle', (cx + rng.uniform(-0.3, 0.3) * r, cy + 0.2 * r), 0.75 * r)]
        if rng.random() < 0.7:  # the others look away from the camera
            tone = SKIN_TONES[int(rng.integers(len(SKIN_TONES)))]
            fill_shapes(crowd, face, color=jitter_color(rng, tone))
    mask = np.zeros(crowd.shape[:2], dtype=np.uint8)
    draw_mask(mask, [('poly', polygon)], (x0, y0))
    roi = canvas[y0:y1, x0:x1]
    roi[mask > 0] = crowd[mask > 0]


def render_background(rng: np.random.Generator, size: Tuple[int, int], origin: np.ndarray,
                      horizon: float, frame_height: int, cfg: SyntheticConfig) -> np.ndarray:
    """Static background canvas: sky or wall, textured ground and random clutter shapes.

    Args:
        rng (np.random.Generator): random source.
        size (tuple[int, int]): canvas ``(width, height)`` in pixels.
        origin (np.ndarray): (2,) scene coordinates of the canvas' top-left pixel.
        horizon (float): scene y of the horizon.
        frame_height (int): output frame height (sets the clutter size).
        cfg (SyntheticConfig): generator parameters.

    Returns:
        np.ndarray: (height, width, 3) uint8 canvas.
    """
    width, height = size
    horizon_c = horizon - origin[1]
    top = np.asarray(random_color(rng, sat=(0.0, 0.5), val=(0.4, 0.95)), dtype=np.float64)
    low = np.asarray(jitter_color(rng, top, 60.0), dtype=np.float64)
    ramp = np.clip(np.arange(height, dtype=np.float64) / max(horizon_c, 1.0), 0.0, 1.0)
    canvas = (top * (1 - ramp[:, None]) + low * ramp[:, None])[:, None, :].repeat(width, axis=1)
    canvas = canvas.astype(np.uint8)

    ground = [('poly', np.array([[0.0, horizon_c], [width, horizon_c], [width, height + 1.0],
                                 [0.0, height + 1.0]]))]
    # One texture covering the whole ground: tiling a small one would show seams or mirroring.
    texel = rng.uniform(0.6, 1.5)
    ground_size = int(np.ceil(max(width, height) / texel)) + 2
    ground_map = frame_map((width / 2, (horizon_c + height) / 2), (0.0, 1.0), texel,
                           (ground_size / 2, ground_size / 2))
    fill_shapes(canvas, ground, texture=muted_texture(rng, ground_size), tex_to_img=ground_map)

    count = int(cfg.clutter_density * width * height / 1e4)
    for _ in range(count):
        radius = rng.uniform(0.04, 0.22) * frame_height
        centre = np.array([rng.uniform(0, width), rng.uniform(0, height)])
        if rng.random() < 0.3:  # tall things standing on the horizon (buildings, trees)
            centre[1] = horizon_c - radius * rng.uniform(0.3, 1.0)
        poly = random_blob(rng, radius) + centre
        angle = rng.uniform(0, np.pi)
        half = cfg.texture_size / 2
        tex_map = frame_map(centre, (np.sin(angle), np.cos(angle)), rng.uniform(0.7, 1.3),
                            (half, half))
        fill_shapes(canvas, [('poly', poly)], texture=muted_texture(rng, cfg.texture_size),
                    tex_to_img=tex_map, border=cv2.BORDER_WRAP)
    return canvas
