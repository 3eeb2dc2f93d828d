"""The articulated figure: PoseTrack18 keypoint metadata, body proportions and forward kinematics.

A figure is a 3D stick model in body units (its standing height is 1). Its local axes are
``(lat, up, fwd)``: ``lat`` points to the figure's own left, ``up`` upwards and ``fwd`` in the
direction it faces. :func:`forward_kinematics` turns per-frame joint angles into local 3D points;
:mod:`.motion` places and orients them in the scene.
"""
from dataclasses import dataclass
from typing import Dict

import numpy as np

# the PoseTrack18 keypoints and limbs (1-based) the figures are labelled with
from posewarper.fileio import PT18_KEYPOINT_NAMES as KEYPOINT_NAMES
from posewarper.fileio import PT18_SKELETON as SKELETON  # noqa: F401 (re-exported)

NUM_KEYPOINTS = len(KEYPOINT_NAMES)

# Indices of the render-only points appended after the 17 keypoints.
HEAD_CENTER, LEFT_HAND, RIGHT_HAND, LEFT_TOE, RIGHT_TOE, NECK_BASE, MID_HIP = range(17, 24)
# Torso box corners: (shoulder|hip) x (left|right) x (front|back), used for its silhouette.
TORSO_CORNERS = tuple(range(24, 32))
NUM_POINTS = 32

# Sides: the sign of the lateral axis (the figure's left is +lat).
LEFT, RIGHT = 0, 1
SIDE_SIGN = (1.0, -1.0)


@dataclass(frozen=True)
class BodyShape:
    """Proportions of one figure, as fractions of its standing height.

    The defaults follow average adult anthropometry (hips at ~0.53, shoulders at ~0.82, head
    length ~0.135); :meth:`sample` perturbs them per person.
    """

    ankle_height: float = 0.04
    thigh: float = 0.245
    shin: float = 0.245
    foot: float = 0.12
    hip_half_width: float = 0.085
    shoulder_half_width: float = 0.13
    spine: float = 0.29
    neck: float = 0.045
    head_length: float = 0.135
    head_half_width: float = 0.058
    upper_arm: float = 0.17
    forearm: float = 0.15
    hand: float = 0.06
    torso_half_depth: float = 0.055
    build: float = 1.0

    @classmethod
    def sample(cls, rng: np.random.Generator, build_range=(0.85, 1.2),
               length_jitter: float = 0.05) -> 'BodyShape':
        """Draw a slightly varied body.

        Args:
            rng (np.random.Generator): random source.
            build_range (tuple[float, float]): range of the width multiplier (slim to broad).
            length_jitter (float): relative jitter of the limb lengths.

        Returns:
            BodyShape: the sampled proportions.
        """
        base = cls()

        def jit(value: float) -> float:
            return float(value * (1.0 + rng.uniform(-length_jitter, length_jitter)))

        build = float(rng.uniform(*build_range))
        return cls(
            thigh=jit(base.thigh), shin=jit(base.shin), upper_arm=jit(base.upper_arm),
            forearm=jit(base.forearm), spine=jit(base.spine),
            hip_half_width=base.hip_half_width * build,
            shoulder_half_width=base.shoulder_half_width * build,
            torso_half_depth=base.torso_half_depth * build, build=build)


def _normalize(vec: np.ndarray, fallback: np.ndarray) -> np.ndarray:
    """Row-wise unit vectors; rows too short to have a direction take ``fallback``."""
    norm = np.linalg.norm(vec, axis=-1, keepdims=True)
    safe = norm > 1e-6
    return np.where(safe, vec / np.where(safe, norm, 1.0), fallback)


def _bend(direction: np.ndarray, toward: np.ndarray, angle: np.ndarray) -> np.ndarray:
    """Rotate unit ``direction`` (T, 3) by ``angle`` (T,) in its plane with ``toward`` (3,)."""
    perp = toward - np.sum(direction * toward, axis=-1, keepdims=True) * direction
    # A limb parallel to ``toward`` has no bending plane: bend it towards ``up`` instead.
    perp = _normalize(perp, np.array([0.0, 1.0, 0.0]))
    angle = angle[:, None]
    return np.cos(angle) * direction + np.sin(angle) * perp


def limb_direction(flex: np.ndarray, abduct: np.ndarray, side: int) -> np.ndarray:
    """Unit direction of a limb hanging from its root joint.

    Args:
        flex (np.ndarray): (T,) rotation towards ``fwd`` in radians (0 hangs straight down).
        abduct (np.ndarray): (T,) outward rotation away from the body in radians.
        side (int): :data:`LEFT` or :data:`RIGHT`.

    Returns:
        np.ndarray: (T, 3) directions in ``(lat, up, fwd)``.
    """
    sign = SIDE_SIGN[side]
    return np.stack([sign * np.sin(abduct), -np.cos(abduct) * np.cos(flex),
                     np.cos(abduct) * np.sin(flex)], axis=-1)


def forward_kinematics(shape: BodyShape, angles: Dict[str, np.ndarray]) -> np.ndarray:
    """Local 3D points of the figure for a batch of poses.

    Args:
        shape (BodyShape): body proportions.
        angles (dict[str, np.ndarray]): per-pose joint angles in radians, each of shape (T,) or
            (T, 2) (``[:, LEFT]``, ``[:, RIGHT]``): ``shoulder_flex``, ``shoulder_abduct``,
            ``elbow``, ``hip_flex``, ``hip_abduct``, ``knee`` (T, 2) and ``lean`` (T,) (forward
            pitch of the upper body).

    Returns:
        np.ndarray: (T, NUM_POINTS, 3) points in ``(lat, up, fwd)``; the ground is at ``up == 0``
        and the lower foot touches it.
    """
    lean = np.asarray(angles['lean'], dtype=np.float64)
    num = lean.shape[0]
    pts = np.zeros((num, NUM_POINTS, 3))
    fwd = np.array([0.0, 0.0, 1.0])

    # Legs first, relative to the hip centre; the pelvis height follows from the lower ankle.
    for side in (LEFT, RIGHT):
        hip = np.array([SIDE_SIGN[side] * shape.hip_half_width, 0.0, 0.0])
        thigh = limb_direction(angles['hip_flex'][:, side], angles['hip_abduct'][:, side], side)
        shin = _bend(thigh, -fwd, angles['knee'][:, side])
        knee = hip + shape.thigh * thigh
        ankle = knee + shape.shin * shin
        # The sole stays roughly perpendicular to the shin, toes forward.
        foot = _bend(shin, fwd, np.full(num, np.pi / 2))
        pts[:, 11 + side] = hip
        pts[:, 13 + side] = knee
        pts[:, 15 + side] = ankle
        pts[:, LEFT_TOE + side] = ankle + shape.foot * foot
    pelvis_height = shape.ankle_height - np.min(pts[:, [15, 16], 1], axis=1)

    # Upper body: built upright, then pitched forward by ``lean`` about the hip centre.
    cos_l, sin_l = np.cos(lean)[:, None], np.sin(lean)[:, None]

    def upper(lat: float, up: float, fwd_off: float = 0.0) -> np.ndarray:
        return np.concatenate([np.full((num, 1), lat), up * cos_l - fwd_off * sin_l,
                               up * sin_l + fwd_off * cos_l], axis=1)

    chin = shape.spine + shape.neck
    head_mid = chin + shape.head_length / 2
    pts[:, NECK_BASE] = upper(0.0, shape.spine)
    pts[:, 1] = upper(0.0, chin)
    pts[:, 2] = upper(0.0, chin + shape.head_length)
    pts[:, HEAD_CENTER] = upper(0.0, head_mid)
    pts[:, 0] = upper(0.0, head_mid - 0.1 * shape.head_length, shape.head_half_width)
    for side in (LEFT, RIGHT):
        sign = SIDE_SIGN[side]
        pts[:, 3 + side] = upper(sign * shape.head_half_width, head_mid, -0.1 * shape.head_length)
        for level, (height, half) in enumerate(((shape.spine, shape.shoulder_half_width),
                                                (0.0, shape.hip_half_width))):
            for face, depth in enumerate((shape.torso_half_depth, -shape.torso_half_depth)):
                corner = TORSO_CORNERS[level * 4 + side * 2 + face]
                pts[:, corner] = upper(sign * half, height, depth)
        shoulder = upper(sign * shape.shoulder_half_width, shape.spine)
        upper_arm = limb_direction(angles['shoulder_flex'][:, side],
                                   angles['shoulder_abduct'][:, side], side)
        forearm = _bend(upper_arm, fwd, angles['elbow'][:, side])
        elbow = shoulder + shape.upper_arm * upper_arm
        wrist = elbow + shape.forearm * forearm
        pts[:, 5 + side] = shoulder
        pts[:, 7 + side] = elbow
        pts[:, 9 + side] = wrist
        pts[:, LEFT_HAND + side] = wrist + shape.hand * forearm
    # Hips stay on the pelvis (the lean rotates the upper body only).
    pts[:, 11] = [shape.hip_half_width, 0.0, 0.0]
    pts[:, 12] = [-shape.hip_half_width, 0.0, 0.0]
    pts[:, MID_HIP] = 0.0
    pts[:, :, 1] += pelvis_height[:, None]
    return pts
