"""All frames of a sample get the same crop, flip, rotation, scale and half-body selection.

MMPose's top-down transforms take ``results['img']`` as a list and draw their parameters once per
sample; these tests check that this holds through the whole training pipeline, so Frame B is
augmented exactly as Frame A.
"""
import cv2
import numpy as np
import pytest
from mmcv.transforms import Compose
from mmpose.datasets.datasets.utils import parse_pose_metainfo
from mmpose.structures.bbox import get_warp_matrix

from posewarper.datasets.transforms import LoadMultiFrameImages

K = 17
IMG_W, IMG_H = 96, 128
INPUT_SIZE = (48, 64)
SHIFT = 3  # Frame B is Frame A moved SHIFT pixels to the right


def keypoints() -> np.ndarray:
    """17 keypoints on a grid with 16-pixel spacing inside the box (16, 16, 80, 112)."""
    grid = [(24 + 16 * c, 24 + 16 * r) for r in range(5) for c in range(4)]
    return np.array(grid[:K], dtype=np.float32)


def write_frame(path, kpts, shift=0):
    img = np.zeros((IMG_H, IMG_W, 3), np.uint8)
    for x, y in kpts:
        cx, cy = int(x) + shift, int(y)
        img[cy - 3:cy + 4, cx - 3:cx + 4] = 255
    cv2.imwrite(str(path), img)


def make_results(paths):
    meta = parse_pose_metainfo(dict(from_file='configs/_base_/datasets/posetrack18.py'))
    return dict(
        img_path=paths, bbox=np.array([[16, 16, 80, 112]], np.float32),
        bbox_score=np.ones(1, np.float32), keypoints=keypoints()[None],
        keypoints_visible=np.ones((1, K), np.float32), frame_offsets=[0, 1],
        frame_weights=[0.0, 1.0], flip_indices=meta['flip_indices'],
        upper_body_ids=meta['upper_body_ids'], lower_body_ids=meta['lower_body_ids'])


def pipeline(flip_prob=0.5):
    return Compose([
        LoadMultiFrameImages(),
        dict(type='mmpose.GetBBoxCenterScale'),
        dict(type='mmpose.RandomFlip', direction='horizontal', prob=flip_prob),
        dict(type='mmpose.RandomHalfBody', prob=0.3, min_total_keypoints=8),
        dict(type='mmpose.RandomBBoxTransform', rotate_factor=45, rotate_prob=0.8,
             scale_factor=(0.7, 1.35)),
        dict(type='mmpose.TopdownAffine', input_size=INPUT_SIZE),
    ])


def bright_at(img, pts):
    """Whether each point (inside the crop) lies on a bright dot."""
    ok = []
    for x, y in pts:
        xi, yi = int(round(x)), int(round(y))
        if 1 <= xi < INPUT_SIZE[0] - 1 and 1 <= yi < INPUT_SIZE[1] - 1:
            ok.append(img[yi - 1:yi + 2, xi - 1:xi + 2].max() > 100)
    return ok


def test_identical_frames_stay_identical(tmp_path):
    path = tmp_path / '000000.jpg'
    write_frame(path, keypoints())
    flips = set()
    for seed in range(12):
        np.random.seed(seed)
        res = pipeline()(make_results([str(path), str(path)]))
        a, b = res['img']
        np.testing.assert_array_equal(a, b)
        flips.add(res['flip'])
        inside = bright_at(a, res['transformed_keypoints'][0])
        assert inside and all(inside)
    assert flips == {True, False}


@pytest.mark.parametrize('flip_prob', [0.0, 1.0])
def test_shifted_frame_gets_the_same_transform(tmp_path, flip_prob):
    a_path, b_path = tmp_path / '000000.jpg', tmp_path / '000001.jpg'
    write_frame(a_path, keypoints())
    write_frame(b_path, keypoints(), shift=SHIFT)
    for seed in range(8):
        np.random.seed(seed)
        res = pipeline(flip_prob)(make_results([str(a_path), str(b_path)]))
        a, b = res['img']
        rot = res['bbox_rotation'][0] if 'bbox_rotation' in res else 0.
        warp = get_warp_matrix(res['input_center'], res['input_scale'], rot,
                               output_size=INPUT_SIZE)
        # The shift seen in the crop: mirrored when flipped, then rotated and scaled.
        shift = np.array([-SHIFT if res['flip'] else SHIFT, 0.0])
        pts_a = res['transformed_keypoints'][0]
        pts_b = pts_a + warp[:, :2] @ shift
        inside_a, inside_b = bright_at(a, pts_a), bright_at(b, pts_b)
        assert inside_a and all(inside_a) and inside_b and all(inside_b)
        assert not np.array_equal(a, b)
