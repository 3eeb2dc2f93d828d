"""Procedural colours and tileable-looking texture patterns for clothes and background clutter."""
from typing import Optional, Sequence, Tuple

import cv2
import numpy as np

Color = Tuple[int, int, int]
PATTERNS = ('plain', 'stripes', 'checker', 'dots', 'blotches', 'plaid')

# BGR skin and hair palettes: plausible tones so that heads read as heads.
SKIN_TONES = ((189, 224, 255), (160, 200, 240), (120, 170, 225), (95, 140, 198),
              (70, 105, 160), (50, 75, 115))
HAIR_COLORS = ((20, 20, 25), (30, 45, 70), (40, 70, 110), (90, 150, 200), (140, 140, 150))
# Fine per-texel grain, in grey levels: keeps even plain cloth from being a flat colour.
GRAIN = 10.0


def random_color(rng: np.random.Generator, sat: Tuple[float, float] = (0.35, 1.0),
                 val: Tuple[float, float] = (0.3, 1.0)) -> Color:
    """A random BGR colour drawn in HSV space.

    Args:
        rng (np.random.Generator): random source.
        sat (tuple[float, float]): saturation range in [0, 1].
        val (tuple[float, float]): value (brightness) range in [0, 1].

    Returns:
        tuple[int, int, int]: BGR colour.
    """
    hsv = np.array([[[rng.uniform(0, 180), rng.uniform(*sat) * 255, rng.uniform(*val) * 255]]],
                   dtype=np.uint8)
    bgr = cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR)[0, 0]
    return int(bgr[0]), int(bgr[1]), int(bgr[2])


def jitter_color(rng: np.random.Generator, color: Sequence[int], amount: float = 20.0) -> Color:
    """``color`` with a small random offset per channel (clipped to [0, 255])."""
    out = np.clip(np.asarray(color, dtype=np.float64) + rng.uniform(-amount, amount, 3), 0, 255)
    return int(out[0]), int(out[1]), int(out[2])


def make_texture(rng: np.random.Generator, size: int, base: Color, accent: Color,
                 pattern: Optional[str] = None) -> np.ndarray:
    """A square texture mixing two colours in a random pattern.

    Args:
        rng (np.random.Generator): random source.
        size (int): side length in texels.
        base (Color): main BGR colour.
        accent (Color): second BGR colour of the pattern.
        pattern (str, optional): one of :data:`PATTERNS`; random when None.

    Returns:
        np.ndarray: (size, size, 3) uint8 BGR texture.
    """
    if pattern is None:
        pattern = PATTERNS[int(rng.integers(len(PATTERNS)))]
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float64)
    if pattern == 'plain':
        mix = np.zeros((size, size))
    elif pattern in ('stripes', 'plaid'):
        angle = rng.uniform(0.0, np.pi)
        period = rng.uniform(6.0, 22.0)
        proj = xx * np.cos(angle) + yy * np.sin(angle)
        mix = ((proj % period) < period * rng.uniform(0.3, 0.6)).astype(np.float64)
        if pattern == 'plaid':
            period2 = rng.uniform(8.0, 24.0)
            proj2 = -xx * np.sin(angle) + yy * np.cos(angle)
            mix = 0.6 * mix + 0.4 * ((proj2 % period2) < period2 * 0.4)
    elif pattern == 'checker':
        cell = rng.uniform(8.0, 20.0)
        mix = ((np.floor(xx / cell) + np.floor(yy / cell)) % 2).astype(np.float64)
    elif pattern == 'dots':
        mix = np.zeros((size, size), dtype=np.uint8)
        radius = rng.uniform(2.0, 5.0)
        for _ in range(int(size * size / (radius * radius * 12))):
            centre = (int(rng.integers(size)), int(rng.integers(size)))
            cv2.circle(mix, centre, int(round(radius)), 1, -1, cv2.LINE_8)
        mix = mix.astype(np.float64)
    elif pattern == 'blotches':
        cells = int(rng.integers(3, 7))
        coarse = rng.random((cells, cells))
        mix = cv2.resize(coarse, (size, size), interpolation=cv2.INTER_CUBIC)
        mix = (mix > 0.5).astype(np.float64) * 0.8 + 0.2 * mix
    else:
        raise ValueError(f'unknown texture pattern {pattern!r}')
    base_arr = np.asarray(base, dtype=np.float64)
    accent_arr = np.asarray(accent, dtype=np.float64)
    tex = base_arr * (1.0 - mix[..., None]) + accent_arr * mix[..., None]
    tex += rng.normal(0.0, GRAIN, (size, size, 1))
    return np.clip(tex, 0, 255).astype(np.uint8)


def make_cloth(rng: np.random.Generator, size: int, pattern: Optional[str] = None) -> np.ndarray:
    """A clothing texture with a random colour pair."""
    base = random_color(rng)
    accent = random_color(rng) if rng.random() < 0.5 else jitter_color(rng, base, 70.0)
    return make_texture(rng, size, base, accent, pattern)


def make_skin(rng: np.random.Generator, size: int) -> Tuple[np.ndarray, Color]:
    """A faintly mottled skin texture and its mean colour."""
    tone = jitter_color(rng, SKIN_TONES[int(rng.integers(len(SKIN_TONES)))], 12.0)
    return make_texture(rng, size, tone, jitter_color(rng, tone, 15.0), 'blotches'), tone
