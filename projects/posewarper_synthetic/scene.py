"""One synthetic video: people, camera, background and crowd, rendered frame by frame.

Motion blur is rendered physically: each frame averages renders at several instants spread over
the exposure (``cfg.shutter``); their number grows with the fastest image motion, so slow frames
cost one render and fast limbs or whip pans get a smooth smear along their motion.
"""
from dataclasses import dataclass
from typing import List, Optional, Tuple

import cv2
import numpy as np

from .camera import CameraPath
from .config import SyntheticConfig
from .geometry import clip_polygon, polygon_area
from .motion import PersonMotion, SceneLayout, sample_people
from .render import (Appearance, draw_crowd, draw_person, muted_texture, random_blob,
                     render_background)
from .shapes import fill_shapes, frame_map
from .skeleton import HEAD_CENTER, MID_HIP, NUM_KEYPOINTS

# Extra canvas around the union of all camera views, in pixels (bilinear sampling margin).
CANVAS_MARGIN = 8
# Ignore-region candidates shrink by this factor until no person overlaps them.
IGNORE_SHRINK = 0.85
IGNORE_TRIES = 6
# People boxes used to keep the ignore region clear are padded by this many figure heights.
IGNORE_CLEARANCE = 0.08
# Ignore regions smaller than this many pixels after clipping to the frame are dropped.
MIN_IGNORE_AREA = 16.0
# Crowd head radius, as a fraction of the frame height.
CROWD_HEAD = 0.022


@dataclass
class FrameLabels:
    """Ground truth of one frame, before conversion to PoseTrack18 records.

    Args:
        keypoints (np.ndarray): (P, 17, 2) image coordinates at the frame's instant.
        occluded (np.ndarray): (P, 17) bool, joint hidden behind another person.
        boxes (np.ndarray): (P, 4) unclipped silhouette boxes ``(x0, y0, x1, y1)``.
        head_centres (np.ndarray): (P, 2) head centres in image pixels.
        head_lengths (np.ndarray): (P,) head lengths (chin to crown) in image pixels.
        ignore_polygons (list[np.ndarray]): (K, 2) ignore polygons clipped to the frame.
    """

    keypoints: np.ndarray
    occluded: np.ndarray
    boxes: np.ndarray
    head_centres: np.ndarray
    head_lengths: np.ndarray
    ignore_polygons: List[np.ndarray]


@dataclass
class Mover:
    """A textured shape drifting slowly across the background."""

    polygon: np.ndarray  # (K, 2) relative to its centre, scene pixels
    start: np.ndarray  # (2,) scene position at t = 0
    velocity: np.ndarray  # (2,) scene pixels per frame
    texture: np.ndarray


class SyntheticVideo:
    """A random scene with several textured, articulated people and a moving camera.

    Args:
        rng (np.random.Generator): random source; the whole video is a function of its state.
        frames (int): number of frames.
        width (int): frame width in pixels.
        height (int): frame height in pixels.
        num_people (int): number of people.
        cfg (SyntheticConfig): generator parameters.
        ignore_region (bool): whether to add a crowd ignore region in a corner (dropped when
            people leave no room for it).
    """

    def __init__(self, rng: np.random.Generator, frames: int, width: int, height: int,
                 num_people: int, cfg: SyntheticConfig, ignore_region: bool = False) -> None:
        self.frames = frames
        self.width = width
        self.height = height
        self.cfg = cfg
        self.layout = SceneLayout.sample(rng, width, height, cfg)
        self.people: List[PersonMotion] = sample_people(rng, num_people, frames, self.layout, cfg)
        self.looks = [Appearance.sample(rng, cfg.texture_size) for _ in self.people]
        self.camera = CameraPath.sample(rng, frames, width, height, cfg)
        self.ignore_polygon = self._place_ignore_region(rng) if ignore_region else None

        views = np.concatenate([self.camera.view_polygon(t) for t in self._exposure_times()])
        lo = np.floor(views.min(axis=0)) - CANVAS_MARGIN
        hi = np.ceil(views.max(axis=0)) + CANVAS_MARGIN
        self.canvas_origin = lo
        size = (int(hi[0] - lo[0]), int(hi[1] - lo[1]))
        self.canvas = render_background(rng, size, lo, self.layout.horizon, height, cfg)
        if self.ignore_polygon is not None:
            draw_crowd(self.canvas, self.ignore_polygon - lo, rng, CROWD_HEAD * height,
                       cfg.crowd_density)
        self.movers = [
            Mover(polygon=random_blob(rng, rng.uniform(0.05, 0.15) * height),
                  start=rng.uniform(lo, hi),
                  velocity=rng.normal(0.0, cfg.drift_speed * width, 2),
                  texture=muted_texture(rng, cfg.texture_size))
            for _ in range(int(rng.integers(cfg.moving_shapes[0], cfg.moving_shapes[1] + 1)))
        ]
        # Sensor noise gets its own stream so that frames can be rendered in any order.
        self.noise_seed = int(rng.integers(2**31))
        # drawn last, so that a video differs from its defocus-free twin only in these frames
        self.defocus = self._sample_defocus(rng)
        self._edges: Optional[np.ndarray] = None  # per-frame image motion over the exposure

    def _sample_defocus(self, rng: np.random.Generator) -> np.ndarray:
        """Per-frame defocus blur sigma ``(frames,)`` in pixels at 256 px width (0: in focus)."""
        if self.cfg.defocus_rate < 0:
            raise ValueError('SyntheticConfig.defocus_rate must be >= 0, '
                             f'got {self.cfg.defocus_rate}')
        sigma = np.zeros(self.frames)
        for _ in range(int(rng.poisson(self.cfg.defocus_rate * self.frames))):
            start = int(rng.integers(self.frames))
            length = max(1, int(round(rng.uniform(*self.cfg.defocus_frames))))
            sigma[start:start + length] = np.maximum(sigma[start:start + length],
                                                     rng.uniform(*self.cfg.defocus_sigma))
        return sigma

    def _exposure_times(self) -> np.ndarray:
        half = self.cfg.shutter / 2
        return np.concatenate([np.arange(self.frames) - half, np.arange(self.frames) + half])

    def _place_ignore_region(self, rng: np.random.Generator) -> Optional[np.ndarray]:
        """A convex polygon in a corner of the first view that no person ever overlaps."""
        times = np.linspace(-0.5, self.frames - 0.5, 4 * self.frames + 1)
        boxes = []
        for person in self.people:
            xy, _, fig_h, _ = person.scene_points(times, self.layout)
            pad = IGNORE_CLEARANCE * fig_h[:, None]
            boxes.append(np.concatenate([xy.min(axis=1) - pad, xy.max(axis=1) + pad], axis=1))
        boxes = np.concatenate(boxes) if boxes else np.zeros((0, 4))
        size = np.array([self.width, self.height], dtype=np.float64)
        # Reach beyond the first view so that a panning camera still sees the crowd.
        beyond = 0.5 * size
        for corner in rng.permutation(4):
            # Orientation of the corner: +1 where the frame extends in the positive direction.
            sign = np.array([1.0 if corner in (0, 3) else -1.0, 1.0 if corner < 2 else -1.0])
            anchor = np.where(sign > 0, 0.0, size)
            extent = rng.uniform(*self.cfg.ignore_size, 2) * size
            angles = np.linspace(0.0, np.pi / 2, 7)
            unit_arc = np.stack([np.cos(angles), np.sin(angles)], axis=1)
            unit_arc *= rng.uniform(0.8, 1.0, (angles.size, 1))
            for _ in range(IGNORE_TRIES):
                outside = np.array([[-beyond[0], -beyond[1]], [extent[0], -beyond[1]],
                                    [-beyond[0], extent[1]]])
                local = np.concatenate([unit_arc * extent, outside])
                hull = cv2.convexHull((anchor + sign * local).astype(np.float32))
                hull = hull[:, 0].astype(np.float64)
                lo, hi = hull.min(axis=0), hull.max(axis=0)
                # Cheap box test first; exact clipping only for the boxes that may overlap.
                near = boxes[(boxes[:, 0] < hi[0]) & (boxes[:, 2] > lo[0]) &
                             (boxes[:, 1] < hi[1]) & (boxes[:, 3] > lo[1])]
                if all(polygon_area(clip_polygon(hull, box)) <= 0 for box in near):
                    return hull
                extent = extent * IGNORE_SHRINK
        return None

    def _ignore_polygons(self, t: float) -> List[np.ndarray]:
        if self.ignore_polygon is None:
            return []
        img = self.camera.project(t, self.ignore_polygon)
        clipped = clip_polygon(img, (0.0, 0.0, self.width - 1.0, self.height - 1.0))
        if polygon_area(clipped) < MIN_IGNORE_AREA:
            return []
        return [clipped]

    def _people_at(self, times: np.ndarray) -> List[Tuple[np.ndarray, ...]]:
        """Per person: scene points (T, P, 2), depths (T, P), heights (T,), yaws (T,)."""
        return [p.scene_points(times, self.layout) for p in self.people]

    def _num_samples(self, frame: int) -> int:
        """Odd number of sub-frame renders keeping successive renders within a blur step."""
        if self.cfg.shutter <= 0 or self.cfg.max_blur_samples <= 1:
            return 1
        if self._edges is None:
            # Image positions of everything at the start and end of every exposure, computed
            # for all frames at once (one vectorised kinematics call per person).
            half = self.cfg.shutter / 2
            times = np.stack([np.arange(self.frames) - half, np.arange(self.frames) + half], 1)
            mats = self.camera.matrices(times.reshape(-1))
            corners = self.camera.view_polygon(0.0)
            pts = [corners[None].repeat(len(mats), 0)]
            pts += [xy for xy, *_ in self._people_at(times.reshape(-1))]
            pts = np.concatenate(pts, axis=1)  # (2F, N, 2) scene points
            img = np.einsum('tij,tnj->tni', mats[:, :, :2], pts) + mats[:, None, :, 2]
            img = img.reshape(self.frames, 2, -1, 2)
            self._edges = np.abs(img[:, 1] - img[:, 0]).max(axis=(1, 2))
        samples = int(np.ceil(self._edges[frame] / self.cfg.blur_step_px)) + 1
        # Odd, so that the middle render falls on the frame's instant (it provides the labels).
        return min(samples | 1, (self.cfg.max_blur_samples - 1) | 1)

    def _render_instant(self, t: float, mat: np.ndarray, states, index: int,
                        owner: Optional[np.ndarray]) -> Tuple[np.ndarray, np.ndarray]:
        """Render the scene at instant ``t`` with camera ``mat`` (2, 3).

        ``index`` selects the instant in ``states``; returns the image and silhouette boxes.
        """
        zoom = mat[0, 0]
        canvas_mat = mat.copy()
        canvas_mat[:, 2] += mat[:, :2] @ self.canvas_origin
        img = cv2.warpAffine(self.canvas, canvas_mat, (self.width, self.height),
                             flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
        lin, shift = mat[:, :2].T, mat[:, 2]
        for mover in self.movers:
            centre = mover.start + mover.velocity * t
            poly = (mover.polygon + centre) @ lin + shift
            half = mover.texture.shape[0] / 2
            tex_map = frame_map(centre @ lin + shift, (0.0, 1.0), zoom, (half, half))
            fill_shapes(img, [('poly', poly)], texture=mover.texture, tex_to_img=tex_map)

        boxes = np.zeros((len(self.people), 4))
        order = sorted(range(len(self.people)), key=lambda i: -states[i][1][index, MID_HIP])
        for pid in order:
            xy, depth, fig_h, yaw = states[pid]
            pts = xy[index] @ lin + shift
            boxes[pid] = draw_person(img, pts, depth[index], fig_h[index] * zoom,
                                     float(yaw[index]), self.people[pid].shape, self.looks[pid],
                                     self.cfg.texels_per_height, owner, pid + 1)
        return img, boxes

    def render(self, frame: int) -> Tuple[np.ndarray, FrameLabels]:
        """Render frame ``frame`` and its labels.

        Args:
            frame (int): frame index in ``[0, frames)``.

        Returns:
            tuple[np.ndarray, FrameLabels]: (H, W, 3) uint8 BGR image and the frame's labels.
        """
        if not 0 <= frame < self.frames:
            raise ValueError(f'frame must be in [0, {self.frames}), got {frame}')
        num = self._num_samples(frame)
        offsets = np.linspace(-0.5, 0.5, num) * self.cfg.shutter if num > 1 else np.zeros(1)
        times = frame + offsets
        states = self._people_at(times)
        mats = self.camera.matrices(times)
        mid = num // 2
        owner = np.zeros((self.height, self.width), dtype=np.uint8)
        acc = np.zeros((self.height, self.width, 3), dtype=np.float32)
        boxes = np.zeros((len(self.people), 4))
        for i, t in enumerate(times):
            img, sample_boxes = self._render_instant(float(t), mats[i], states, i,
                                                     owner if i == mid else None)
            if i == mid:
                boxes = sample_boxes
            acc += img
        img = acc / num

        # lens blur and a defocus burst compose as one Gaussian
        sigma = np.hypot(self.cfg.optics_sigma, self.defocus[frame]) * self.width / 256.0
        if sigma > 0:
            img = cv2.GaussianBlur(img, (0, 0), sigma)
        noise_rng = np.random.default_rng([self.noise_seed, frame])
        img += noise_rng.standard_normal(img.shape, dtype=np.float32) * self.cfg.noise_sigma
        image = np.clip(np.rint(img), 0, 255).astype(np.uint8)
        return image, self._labels(frame, mats[mid], states, mid, owner, boxes)

    def _labels(self, frame: int, mat: np.ndarray, states, mid: int, owner: np.ndarray,
                boxes: np.ndarray) -> FrameLabels:
        zoom = mat[0, 0]
        num = len(self.people)
        kpts = np.zeros((num, NUM_KEYPOINTS, 2))
        occluded = np.zeros((num, NUM_KEYPOINTS), dtype=bool)
        centres = np.zeros((num, 2))
        lengths = np.zeros(num)
        for pid, (xy, _, fig_h, _) in enumerate(states):
            pts = xy[mid] @ mat[:, :2].T + mat[:, 2]
            kpts[pid] = pts[:NUM_KEYPOINTS]
            centres[pid] = pts[HEAD_CENTER]
            lengths[pid] = self.people[pid].shape.head_length * fig_h[mid] * zoom
            ij = np.round(kpts[pid]).astype(int)
            inside = ((ij[:, 0] >= 0) & (ij[:, 0] < self.width) & (ij[:, 1] >= 0) &
                      (ij[:, 1] < self.height))
            who = np.zeros(NUM_KEYPOINTS, dtype=np.int32)
            who[inside] = owner[ij[inside, 1], ij[inside, 0]]
            # A joint on background or on its own body is visible; another person hides it.
            occluded[pid] = (who != 0) & (who != pid + 1)
        return FrameLabels(keypoints=kpts, occluded=occluded, boxes=boxes, head_centres=centres,
                           head_lengths=lengths,
                           ignore_polygons=self._ignore_polygons(float(frame)))
