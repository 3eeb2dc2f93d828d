"""Tunable knobs of the synthetic video generator, gathered in one frozen dataclass."""
from dataclasses import dataclass
from typing import Tuple

FloatRange = Tuple[float, float]


@dataclass(frozen=True)
class SyntheticConfig:
    """Appearance, motion, camera and labelling parameters of the synthetic videos.

    Lengths in pixels refer to the output frame; sizes given as fractions refer to the frame
    height unless stated otherwise. Angles are in radians, times in frames.

    Args:
        person_size (FloatRange): standing height of a figure at the far and near ends of the
            walkable depth range, as a fraction of the frame height.
        focal (float): focal length in frame heights; with ``person_size`` it fixes the depth
            range, so walking towards the camera changes the scale realistically.
        horizon (FloatRange): range of the horizon height (fraction of frame height).
        camera_height (FloatRange): camera height in figure heights; feet land at
            ``horizon + camera_height * figure_height``.
        walk_margin (float): fraction of the frame width kept free at each side of the walkable
            area at frame 0 (people steer back when they reach it).
        action_probs (Tuple[float, ...]): probabilities of the actions ``walk``, ``run``,
            ``wave``, ``jacks`` (jumping jacks) and ``dance``.
        walk_period (FloatRange): gait cycle of walkers, in frames. Shorter than a real gait so
            that wrists and ankles move several pixels per frame.
        run_period (FloatRange): gait cycle of runners, in frames.
        action_period (FloatRange): cycle of the in-place actions, in frames.
        turn_rate (float): expected number of spontaneous turns per frame.
        turn_angle (FloatRange): magnitude range of a spontaneous turn.
        turn_frames (FloatRange): duration range of a turn.
        max_steer (float): maximal heading change per frame when steering back into the scene.
        static_camera_prob (float): probability that a video's camera does not move at all.
        pan_amplitude (float): amplitude of the smooth pan, as a fraction of the frame width.
        pan_period (FloatRange): periods of the smooth pan and zoom components.
        zoom_amplitude (float): relative amplitude of the smooth zoom.
        whip_prob (float): probability of a fast pan (which produces whole-frame motion blur).
        whip_shift (FloatRange): size of a fast pan, as a fraction of the frame width.
        whip_frames (FloatRange): duration of a fast pan.
        shutter (float): exposure time as a fraction of the frame interval (sets blur length).
        blur_step_px (float): largest displacement between two sub-frame renders; the number
            of renders averaged per frame follows from it.
        max_blur_samples (int): cap on the sub-frame renders per frame.
        optics_sigma (float): Gaussian blur sigma of the lens, in pixels at 256 px width.
        noise_sigma (float): standard deviation of the sensor noise (grey levels).
        defocus_rate (float): expected number of defocus bursts per frame (autofocus hunting and
            camera shake of hand-held footage: PoseTrack's videos have such frames, and the
            paper motivates temporal aggregation by them). ``0`` disables them.
        defocus_sigma (FloatRange): Gaussian blur sigma of a burst, in pixels at 256 px width.
        defocus_frames (FloatRange): duration range of a burst, in frames (at least one frame).
        clutter_density (float): background shapes per 10^4 pixels of scene.
        moving_shapes (Tuple[int, int]): range of the number of slowly drifting shapes.
        drift_speed (float): speed of the drifting shapes, fraction of the frame width per frame.
        texture_size (int): side of the square texture images, in texels.
        texels_per_height (float): texture density on a figure (texels per figure height).
        ignore_size (FloatRange): size of the crowd ignore region relative to the frame.
        crowd_density (float): crowd figures per crowd-head area inside the ignore region.
        bbox_pad (float): padding of the person box, as a fraction of its larger side.
        head_box (FloatRange): width and height of ``bbox_head`` in head lengths; ``0.6`` times
            its diagonal is then about one head length, the PCKh head size.
    """

    person_size: FloatRange = (0.42, 0.72)
    focal: float = 1.6
    horizon: FloatRange = (0.2, 0.3)
    camera_height: FloatRange = (0.85, 0.95)
    walk_margin: float = 0.12
    action_probs: Tuple[float, ...] = (0.35, 0.2, 0.15, 0.1, 0.2)
    walk_period: FloatRange = (10.0, 14.0)
    run_period: FloatRange = (7.0, 10.0)
    action_period: FloatRange = (7.0, 12.0)
    turn_rate: float = 1.0 / 30.0
    turn_angle: FloatRange = (1.0, 3.1)
    turn_frames: FloatRange = (4.0, 10.0)
    max_steer: float = 0.3
    static_camera_prob: float = 0.2
    pan_amplitude: float = 0.1
    pan_period: FloatRange = (30.0, 90.0)
    zoom_amplitude: float = 0.12
    whip_prob: float = 0.4
    whip_shift: FloatRange = (0.1, 0.22)
    whip_frames: FloatRange = (3.0, 6.0)
    shutter: float = 0.5
    blur_step_px: float = 2.5
    max_blur_samples: int = 5
    optics_sigma: float = 0.5
    noise_sigma: float = 2.0
    defocus_rate: float = 1.0 / 12.0
    defocus_sigma: FloatRange = (2.0, 4.0)
    defocus_frames: FloatRange = (1.0, 3.0)
    clutter_density: float = 3.0
    moving_shapes: Tuple[int, int] = (1, 3)
    drift_speed: float = 0.004
    texture_size: int = 128
    texels_per_height: float = 128.0
    ignore_size: FloatRange = (0.2, 0.32)
    crowd_density: float = 0.6
    bbox_pad: float = 0.04
    head_box: FloatRange = (1.0, 1.2)
