"""Camera path: a smooth pan and zoom over the scene plus optional fast "whip" pans."""
from dataclasses import dataclass
from typing import Tuple

import numpy as np

from .config import SyntheticConfig

# Number of sinusoids summed for the smooth pan and zoom (enough to look irregular).
NUM_WAVES = 2


def _smoothstep(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3.0 - 2.0 * x)


@dataclass(frozen=True)
class CameraPath:
    """Scene-to-image similarity ``image = zoom * (scene - centre) + frame_centre``.

    At ``t == 0`` the camera looks at the frame centre with zoom 1, so scene pixels equal image
    pixels in the first frame.

    Args:
        width (int): frame width.
        height (int): frame height.
        pan (np.ndarray): (2, NUM_WAVES, 3) amplitude, angular frequency and phase per axis.
        zoom (np.ndarray): (NUM_WAVES, 3) amplitude (log scale), frequency and phase.
        whips (tuple): fast pans as ``(start, duration, dx, dy)`` in frames and scene pixels.
    """

    width: int
    height: int
    pan: np.ndarray
    zoom: np.ndarray
    whips: Tuple[Tuple[float, float, float, float], ...] = ()

    @classmethod
    def sample(cls, rng: np.random.Generator, frames: int, width: int, height: int,
               cfg: SyntheticConfig) -> 'CameraPath':
        """Draw a camera path for a video of ``frames`` frames.

        Args:
            rng (np.random.Generator): random source.
            frames (int): number of frames.
            width (int): frame width.
            height (int): frame height.
            cfg (SyntheticConfig): generator parameters.

        Returns:
            CameraPath: the sampled path (static with probability ``cfg.static_camera_prob``).
        """
        def waves(amp: float, size: Tuple[int, ...]) -> np.ndarray:
            out = np.empty(size + (3, ))
            out[..., 0] = amp * rng.uniform(0.3, 1.0, size) * rng.choice([-1.0, 1.0], size)
            out[..., 1] = 2 * np.pi / rng.uniform(*cfg.pan_period, size)
            out[..., 2] = rng.uniform(0.0, 2 * np.pi, size)
            return out

        static = rng.random() < cfg.static_camera_prob
        scale = 0.0 if static else 1.0
        pan = waves(scale * cfg.pan_amplitude * width, (2, NUM_WAVES))
        pan[1, :, 0] *= 0.3  # cameras mostly pan horizontally
        zoom = waves(scale * cfg.zoom_amplitude, (NUM_WAVES, ))
        whips = []
        if not static and rng.random() < cfg.whip_prob:
            direction = rng.uniform(-0.3, 0.3) + rng.choice([0.0, np.pi])
            shift = rng.uniform(*cfg.whip_shift) * width
            whips.append((float(rng.uniform(0.0, max(frames - 4.0, 0.0))),
                          float(rng.uniform(*cfg.whip_frames)), float(shift * np.cos(direction)),
                          float(shift * np.sin(direction))))
        return cls(width=width, height=height, pan=pan, zoom=zoom, whips=tuple(whips))

    def params(self, t: np.ndarray) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Centre x, centre y and zoom at times ``t`` (each of shape ``t.shape``)."""
        t = np.asarray(t, dtype=np.float64)
        centre = []
        for axis, mid in enumerate((self.width / 2.0, self.height / 2.0)):
            val = np.full(t.shape, mid)
            for amp, freq, phase in self.pan[axis]:
                # Subtract the value at t=0 so that the first frame is centred.
                val += amp * (np.sin(freq * t + phase) - np.sin(phase))
            for start, dur, dx, dy in self.whips:
                val += (dx, dy)[axis] * _smoothstep((t - start) / dur)
            centre.append(val)
        log_zoom = np.zeros(t.shape)
        for amp, freq, phase in self.zoom:
            log_zoom += amp * (np.sin(freq * t + phase) - np.sin(phase))
        return centre[0], centre[1], np.exp(log_zoom)

    def matrices(self, times: np.ndarray) -> np.ndarray:
        """(T, 2, 3) affine matrices mapping scene to image coordinates at ``times`` (T,)."""
        cx, cy, zoom = self.params(np.asarray(times, dtype=np.float64).reshape(-1))
        mats = np.zeros((zoom.size, 2, 3))
        mats[:, 0, 0] = mats[:, 1, 1] = zoom
        mats[:, 0, 2] = self.width / 2.0 - zoom * cx
        mats[:, 1, 2] = self.height / 2.0 - zoom * cy
        return mats

    def matrix(self, t: float) -> np.ndarray:
        """2x3 affine matrix mapping scene to image coordinates at time ``t``."""
        return self.matrices(np.array([t]))[0]

    def project(self, t: float, points: np.ndarray) -> np.ndarray:
        """Map scene points (..., 2) to image points at time ``t``."""
        mat = self.matrix(t)
        return points @ mat[:, :2].T + mat[:, 2]

    def view_polygon(self, t: float) -> np.ndarray:
        """(4, 2) scene coordinates of the image corners at time ``t``."""
        mat = self.matrix(t)
        corners = np.array([[0.0, 0.0], [self.width, 0.0], [self.width, self.height],
                            [0.0, self.height]])
        return (corners - mat[:, 2]) / mat[0, 0]
