"""The articulated figure: PoseTrack18 metadata, proportions and left/right under rotation."""
import numpy as np

from posewarper.fileio import PT18_KEYPOINT_NAMES, PT18_SKELETON, posetrack18_categories
from posewarper_synthetic import KEYPOINT_NAMES, SKELETON, BodyShape
from posewarper_synthetic.config import SyntheticConfig
from posewarper_synthetic.motion import Oscillator, PersonMotion, SceneLayout
from posewarper_synthetic.skeleton import forward_kinematics

OFFICIAL_SKELETON = [[16, 14], [14, 12], [17, 15], [15, 13], [12, 13], [6, 12], [7, 13], [6, 7],
                     [6, 8], [7, 9], [8, 10], [9, 11], [2, 3], [1, 2], [1, 3], [2, 4], [3, 5],
                     [4, 6], [5, 7]]


def _still_angles(num=1, **overrides):
    zeros2 = np.zeros((num, 2))
    angles = dict(shoulder_flex=zeros2, shoulder_abduct=zeros2, elbow=zeros2, hip_flex=zeros2,
                  hip_abduct=zeros2, knee=zeros2, lean=np.zeros(num))
    angles.update(overrides)
    return angles


def test_categories_match_posetrack18():
    cats = posetrack18_categories()
    assert len(cats) == 1
    cat = cats[0]
    assert cat['id'] == 1 and cat['name'] == 'person' and cat['supercategory'] == 'person'
    assert cat['keypoints'][:3] == ['nose', 'head_bottom', 'head_top']
    assert len(cat['keypoints']) == 17 == len(KEYPOINT_NAMES)
    assert cat['skeleton'] == OFFICIAL_SKELETON == [list(s) for s in SKELETON]
    # the generator's skeleton is the PoseTrack18 one of posewarper.fileio, not a copy of it
    assert KEYPOINT_NAMES is PT18_KEYPOINT_NAMES and SKELETON is PT18_SKELETON
    assert cat['keypoints'] == list(KEYPOINT_NAMES)


def test_standing_pose_proportions():
    shape = BodyShape()
    pts = forward_kinematics(shape, _still_angles())[0]
    up = pts[:, 1]
    name = {n: i for i, n in enumerate(KEYPOINT_NAMES)}
    assert np.isclose(up[name['head_top']], 1.0, atol=0.02)  # standing height is 1
    assert np.isclose(up[name['left_ankle']], shape.ankle_height)
    assert up[name['head_top']] > up[name['nose']] > up[name['head_bottom']] > \
        up[name['left_shoulder']] > up[name['left_elbow']] > up[name['left_hip']] > \
        up[name['left_knee']] > up[name['left_ankle']]
    # The figure's left is +lat, and the nose points forward.
    assert pts[name['left_shoulder'], 0] > 0 > pts[name['right_shoulder'], 0]
    assert pts[name['nose'], 2] > 0


def test_raised_arm_and_bent_knee():
    raise_left = np.array([[np.pi, 0.0]])
    pts = forward_kinematics(BodyShape(), _still_angles(shoulder_flex=raise_left,
                                                        knee=np.array([[1.2, 0.0]])))[0]
    assert pts[9, 1] > pts[2, 1]  # left wrist above the head top
    assert pts[10, 1] < pts[6, 1]  # right wrist still hanging
    assert pts[15, 2] < pts[13, 2]  # the knee bends backwards: ankle behind the knee


def _projected_shoulders(yaw):
    layout = SceneLayout(width=256, height=192, horizon=50.0, camera_height=0.9, focal=1.6,
                         depth_range=(2.0, 4.0), x_range=(30.0, 226.0))
    still = {name: (Oscillator(0.0), Oscillator(0.0)) for name in _still_angles()}
    still['lean'] = (Oscillator(0.0), )
    motion = PersonMotion(shape=BodyShape(), action='walk', channels=still,
                          path_t=np.array([0.0, 1.0]), path_x=np.array([128.0, 128.0]),
                          path_depth=np.array([3.0, 3.0]), path_yaw=np.array([yaw, yaw]))
    xy, depth, height, _ = motion.scene_points(np.array([0.5]), layout)
    return xy[0], depth[0], height[0], layout


def test_turning_swaps_left_and_right_in_the_image():
    facing, depth, height, layout = _projected_shoulders(0.0)
    # Facing the camera, the person's left shoulder appears on the image right...
    assert facing[5, 0] > facing[6, 0]
    # ...and facing away it appears on the image left.
    away, depth_away, _, _ = _projected_shoulders(np.pi)
    assert away[5, 0] < away[6, 0]
    # The nose is nearer the camera than the ears only when facing it.
    assert depth[0] < depth[3] and depth_away[0] > depth_away[3]
    assert np.isclose(height, layout.figure_height(3.0))
    assert np.isclose(facing[15, 1], layout.ground_y(3.0) - height * BodyShape().ankle_height)


def test_default_config_is_consistent():
    cfg = SyntheticConfig()
    assert cfg.person_size[0] < cfg.person_size[1]
    assert np.isclose(sum(cfg.action_probs), 1.0)
    assert cfg.max_blur_samples >= 1
