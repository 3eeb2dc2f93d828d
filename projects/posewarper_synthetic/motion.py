"""Person motion: joint-angle programs (walk, run, wave, ...) and the root path through the scene.

Everything is a function of continuous time (in frames), so poses can be evaluated between frames
for motion blur. Scene coordinates are pixels of the output frame at zoom 1 (the camera in
:mod:`.camera` pans and zooms over them); depth is counted in figure heights from the camera.
"""
from dataclasses import dataclass
from typing import Dict, List, Tuple

import numpy as np

from .config import SyntheticConfig
from .skeleton import LEFT, RIGHT, BodyShape, forward_kinematics

ACTIONS = ('walk', 'run', 'wave', 'jacks', 'dance')
# Actions performed (almost) on the spot; their actors drift slowly and turn more often.
IN_PLACE_ACTIONS = ('wave', 'jacks', 'dance')
TWO_PI = 2.0 * np.pi
# Sub-steps per frame of the root-path integration (fine enough for smooth steering).
PATH_SUBSTEPS = 8


@dataclass(frozen=True)
class SceneLayout:
    """Ground-plane geometry shared by all people of a video.

    Args:
        width (int): frame width in pixels.
        height (int): frame height in pixels.
        horizon (float): horizon height in pixels.
        camera_height (float): camera height in figure heights.
        focal (float): focal length in frame heights.
        depth_range (tuple[float, float]): walkable depths (near, far) in figure heights.
        x_range (tuple[float, float]): walkable scene x range in pixels.
    """

    width: int
    height: int
    horizon: float
    camera_height: float
    focal: float
    depth_range: Tuple[float, float]
    x_range: Tuple[float, float]

    @classmethod
    def sample(cls, rng: np.random.Generator, width: int, height: int,
               cfg: SyntheticConfig) -> 'SceneLayout':
        """Draw the horizon and camera height of a video."""
        near = cfg.focal / cfg.person_size[1]
        far = cfg.focal / cfg.person_size[0]
        margin = cfg.walk_margin * width
        return cls(width=width, height=height,
                   horizon=float(rng.uniform(*cfg.horizon) * height),
                   camera_height=float(rng.uniform(*cfg.camera_height)), focal=cfg.focal,
                   depth_range=(near, far), x_range=(margin, width - margin))

    def figure_height(self, depth: np.ndarray) -> np.ndarray:
        """Figure height in scene pixels at ``depth`` (figure heights from the camera)."""
        return self.focal * self.height / depth

    def ground_y(self, depth: np.ndarray) -> np.ndarray:
        """Scene y of the feet of a figure at ``depth``."""
        return self.horizon + self.camera_height * self.figure_height(depth)


@dataclass(frozen=True)
class Oscillator:
    """``offset + sum_k amps[k] * f(freqs[k] * t + phases[k])`` with f = sin or max(0, sin).

    Rectified oscillators model joints that only bend one way (knees, elbows) during a cycle.
    """

    offset: float
    amps: Tuple[float, ...] = ()
    freqs: Tuple[float, ...] = ()
    phases: Tuple[float, ...] = ()
    rectify: bool = False

    def __call__(self, t: np.ndarray) -> np.ndarray:
        out = np.full(np.shape(t), self.offset, dtype=np.float64)
        for amp, freq, phase in zip(self.amps, self.freqs, self.phases):
            wave = np.sin(freq * t + phase)
            out += amp * (np.maximum(wave, 0.0) if self.rectify else wave)
        return out


# A joint-angle channel: one oscillator per side, or a single one for ``lean``.
Channels = Dict[str, Tuple[Oscillator, ...]]


def _gait(rng: np.random.Generator, period: float, hip_amp: float, knee_amp: float,
          arm_amp: float, elbow: Tuple[float, float], lean: float) -> Channels:
    """Alternating leg swing with counter-swinging arms (walking, running, marching)."""
    omega = TWO_PI / period
    phase = rng.uniform(0.0, TWO_PI)
    chans: Channels = {k: () for k in ('hip_flex', 'knee', 'shoulder_flex', 'elbow',
                                       'hip_abduct', 'shoulder_abduct')}
    arm_out = rng.uniform(0.05, 0.2)
    for side in (LEFT, RIGHT):
        ph = phase + side * np.pi
        chans['hip_flex'] += (Oscillator(0.0, (hip_amp, ), (omega, ), (ph, )), )
        # The knee flexes most in mid swing, when the hip angle crosses zero going forward.
        chans['knee'] += (Oscillator(0.08, (knee_amp, ), (omega, ), (ph + np.pi / 2, ), True), )
        chans['shoulder_flex'] += (Oscillator(0.05, (arm_amp, ), (omega, ), (ph + np.pi, )), )
        chans['elbow'] += (Oscillator(elbow[0], (elbow[1], ), (omega, ), (ph + np.pi, ), True), )
        chans['hip_abduct'] += (Oscillator(0.03), )
        chans['shoulder_abduct'] += (Oscillator(arm_out), )
    chans['lean'] = (Oscillator(lean, (0.03, ), (2 * omega, ), (phase, )), )
    return chans


def sample_action(rng: np.random.Generator, action: str,
                  cfg: SyntheticConfig) -> Tuple[Channels, float]:
    """Joint-angle programme and walking speed of one action.

    Args:
        rng (np.random.Generator): random source.
        action (str): one of :data:`ACTIONS`.
        cfg (SyntheticConfig): generator parameters.

    Returns:
        tuple[Channels, float]: the angle channels and the speed in figure heights per frame.
    """
    if action in ('walk', 'run'):
        running = action == 'run'
        period = rng.uniform(*(cfg.run_period if running else cfg.walk_period))
        hip_amp = rng.uniform(0.5, 0.75) if running else rng.uniform(0.35, 0.5)
        chans = _gait(rng, period, hip_amp,
                      knee_amp=rng.uniform(0.9, 1.4) if running else rng.uniform(0.5, 0.8),
                      arm_amp=rng.uniform(0.5, 0.8) if running else rng.uniform(0.4, 0.65),
                      elbow=((rng.uniform(1.2, 1.7), 0.3) if running else
                             (rng.uniform(0.15, 0.5), rng.uniform(0.2, 0.5))),
                      lean=rng.uniform(0.12, 0.25) if running else rng.uniform(0.0, 0.08))
        # Two steps per cycle, each about twice the leg length times sin(swing).
        leg = BodyShape().thigh + BodyShape().shin
        speed = 4.0 * leg * np.sin(hip_amp) / period * rng.uniform(0.8, 1.05)
        return chans, float(speed)

    period = rng.uniform(*cfg.action_period)
    omega = TWO_PI / period
    # In-place actors march or bounce so their ankles move too.
    chans = _gait(rng, rng.uniform(*cfg.walk_period), rng.uniform(0.2, 0.35),
                  knee_amp=rng.uniform(0.4, 0.7), arm_amp=rng.uniform(0.2, 0.4),
                  elbow=(0.3, 0.3), lean=rng.uniform(-0.03, 0.06))
    phase = rng.uniform(0.0, TWO_PI)
    if action == 'wave':
        wavers = [LEFT, RIGHT] if rng.random() < 0.4 else [int(rng.integers(2))]
        for side in wavers:
            ph = phase + side * rng.uniform(0.0, np.pi)
            abduct = Oscillator(rng.uniform(1.9, 2.4), (rng.uniform(0.45, 0.7), ), (omega, ),
                                (ph, ))
            elbow = Oscillator(0.6, (rng.uniform(0.3, 0.55), ), (omega, ), (ph + np.pi / 2, ))
            flex = Oscillator(rng.uniform(0.0, 0.5))
            for name, osc in (('shoulder_abduct', abduct), ('elbow', elbow),
                              ('shoulder_flex', flex)):
                chans[name] = tuple(osc if s == side else chans[name][s] for s in (LEFT, RIGHT))
    elif action == 'jacks':
        arms = Oscillator(1.45, (rng.uniform(1.0, 1.3), ), (omega, ), (phase, ))
        legs = Oscillator(0.17, (0.15, ), (omega, ), (phase, ))
        knees = Oscillator(0.1, (0.35, ), (2 * omega, ), (phase, ), True)
        chans.update(shoulder_abduct=(arms, arms), hip_abduct=(legs, legs),
                     shoulder_flex=(Oscillator(0.1), ) * 2, elbow=(Oscillator(0.25), ) * 2,
                     hip_flex=(Oscillator(0.0), ) * 2, knee=(knees, knees))
    else:  # dance: two incommensurate rhythms per arm channel
        for name, base, amp in (('shoulder_flex', (0.2, 1.2), (0.4, 0.9)),
                                ('shoulder_abduct', (0.3, 1.5), (0.4, 0.9)),
                                ('elbow', (0.9, 1.3), (0.4, 0.8))):
            chans[name] = tuple(
                Oscillator(rng.uniform(*base), (rng.uniform(*amp), rng.uniform(*amp) / 2),
                           (omega, omega * rng.uniform(1.4, 2.2)),
                           (rng.uniform(0, TWO_PI), rng.uniform(0, TWO_PI)))
                for _ in (LEFT, RIGHT))
    return chans, float(rng.uniform(0.0, 0.012))


@dataclass
class PersonMotion:
    """Motion of one figure: body, joint-angle programme and root path.

    Args:
        shape (BodyShape): body proportions.
        action (str): the action name (one of :data:`ACTIONS`).
        channels (Channels): joint-angle oscillators.
        path_t (np.ndarray): (N,) times of the integrated root path.
        path_x (np.ndarray): (N,) scene x of the root.
        path_depth (np.ndarray): (N,) depth in figure heights.
        path_yaw (np.ndarray): (N,) facing angle: 0 faces the camera, +pi/2 faces scene +x.
    """

    shape: BodyShape
    action: str
    channels: Channels
    path_t: np.ndarray
    path_x: np.ndarray
    path_depth: np.ndarray
    path_yaw: np.ndarray

    def angles(self, t: np.ndarray) -> Dict[str, np.ndarray]:
        """Joint angles at times ``t`` (T,), in the layout of :func:`forward_kinematics`."""
        out = {}
        for name, oscs in self.channels.items():
            vals = [osc(t) for osc in oscs]
            out[name] = vals[0] if name == 'lean' else np.stack(vals, axis=-1)
        # Knees and elbows only bend one way.
        out['knee'] = np.clip(out['knee'], 0.0, 2.4)
        out['elbow'] = np.clip(out['elbow'], 0.0, 2.5)
        return out

    def root(self, t: np.ndarray) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Scene x, depth and yaw of the root at times ``t`` (each (T,))."""
        return (np.interp(t, self.path_t, self.path_x),
                np.interp(t, self.path_t, self.path_depth),
                np.interp(t, self.path_t, self.path_yaw))

    def scene_points(self, t: np.ndarray,
                     layout: SceneLayout) -> Tuple[np.ndarray, np.ndarray, np.ndarray,
                                                   np.ndarray]:
        """All figure points in scene coordinates.

        Args:
            t (np.ndarray): (T,) times in frames.
            layout (SceneLayout): ground geometry.

        Returns:
            tuple: ``xy`` (T, P, 2) scene pixels, ``depth`` (T, P) in figure heights (smaller is
            nearer), ``height`` (T,) figure height in scene pixels, ``yaw`` (T,).
        """
        t = np.asarray(t, dtype=np.float64)
        local = forward_kinematics(self.shape, self.angles(t))
        x, depth, yaw = self.root(t)
        height = layout.figure_height(depth)
        cos_y, sin_y = np.cos(yaw)[:, None], np.sin(yaw)[:, None]
        lat, up, fwd = local[..., 0], local[..., 1], local[..., 2]
        # Weak perspective: one scale per figure, orthographic within it.
        sx = x[:, None] + height[:, None] * (lat * cos_y + fwd * sin_y)
        sy = layout.ground_y(depth)[:, None] - height[:, None] * up
        pdepth = depth[:, None] - (fwd * cos_y - lat * sin_y)
        return np.stack([sx, sy], axis=-1), pdepth, height, yaw


def _wrap(angle: float) -> float:
    return float((angle + np.pi) % TWO_PI - np.pi)


def simulate_root_path(rng: np.random.Generator, speed: float, in_place: bool, frames: int,
                       layout: SceneLayout,
                       cfg: SyntheticConfig) -> Tuple[np.ndarray, np.ndarray, np.ndarray,
                                                      np.ndarray]:
    """Integrate a heading-driven walk with random turns that stays inside the walkable area.

    Args:
        rng (np.random.Generator): random source.
        speed (float): walking speed in figure heights per frame.
        in_place (bool): whether the actor mostly stays on the spot (turns more often).
        frames (int): number of frames of the video.
        layout (SceneLayout): walkable area.
        cfg (SyntheticConfig): generator parameters.

    Returns:
        tuple[np.ndarray, ...]: times, scene x, depth and yaw, each (N,), covering one frame
        before the first and after the last frame so that blurred frames can be evaluated.
    """
    steps = (frames + 2) * PATH_SUBSTEPS + 1
    times = np.arange(steps) / PATH_SUBSTEPS - 1.0
    dt = 1.0 / PATH_SUBSTEPS
    near, far = layout.depth_range
    x_lo, x_hi = layout.x_range

    rate = cfg.turn_rate * (2.0 if in_place else 1.0)
    num_turns = rng.poisson(rate * (frames + 2))
    turns = [(rng.uniform(-1.0, frames), rng.uniform(*cfg.turn_frames),
              rng.choice([-1.0, 1.0]) * rng.uniform(*cfg.turn_angle)) for _ in range(num_turns)]

    x = rng.uniform(x_lo, x_hi)
    depth = rng.uniform(near, far)
    yaw = rng.uniform(-np.pi, np.pi)
    xs, ds, yaws = np.empty(steps), np.empty(steps), np.empty(steps)
    for i, t in enumerate(times):
        xs[i], ds[i], yaws[i] = x, depth, yaw
        turn = sum(delta / dur for start, dur, delta in turns if start <= t < start + dur)
        # Steer back towards the walkable area: the wanted heading points inwards.
        want = np.zeros(2)  # (scene x, towards camera)
        if x < x_lo:
            want[0] += 1.0
        elif x > x_hi:
            want[0] -= 1.0
        if depth > far:
            want[1] += 1.0
        elif depth < near:
            want[1] -= 1.0
        if want.any() and speed > 0:
            diff = _wrap(np.arctan2(want[0], want[1]) - yaw)
            turn += np.clip(diff, -cfg.max_steer, cfg.max_steer)
        yaw += turn * dt
        height = float(layout.figure_height(depth))
        x += speed * np.sin(yaw) * height * dt
        depth -= speed * np.cos(yaw) * dt
    return times, xs, ds, yaws


def sample_person_motion(rng: np.random.Generator, frames: int, layout: SceneLayout,
                         cfg: SyntheticConfig) -> PersonMotion:
    """Draw a complete motion (body, action, path) for one person.

    Args:
        rng (np.random.Generator): random source.
        frames (int): number of frames of the video.
        layout (SceneLayout): walkable area.
        cfg (SyntheticConfig): generator parameters.

    Returns:
        PersonMotion: the person's motion.
    """
    probs = np.asarray(cfg.action_probs, dtype=np.float64)
    action = ACTIONS[int(rng.choice(len(ACTIONS), p=probs / probs.sum()))]
    shape = BodyShape.sample(rng)
    channels, speed = sample_action(rng, action, cfg)
    times, xs, depths, yaws = simulate_root_path(rng, speed, action in IN_PLACE_ACTIONS, frames,
                                                 layout, cfg)
    return PersonMotion(shape=shape, action=action, channels=channels, path_t=times, path_x=xs,
                        path_depth=depths, path_yaw=yaws)


def sample_people(rng: np.random.Generator, num: int, frames: int, layout: SceneLayout,
                  cfg: SyntheticConfig) -> List[PersonMotion]:
    """Draw ``num`` independent person motions."""
    return [sample_person_motion(rng, frames, layout, cfg) for _ in range(num)]
