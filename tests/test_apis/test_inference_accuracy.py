"""Accuracy of the whole inference path against the generator's ground truth.

``MMPoseInferencer`` (ours) with a PoseWarper config and the temporal option, on generated
videos, with the person boxes given or with the whole image as the box. (That ``tools/infer.py``
and ``tools/inferencer_demo.py`` write the same json: ``tests/test_tools/test_inferencer_demo.py``.)

The model is the shipped pretrained tiny stage 1 (``projects/posewarper_demo/checkpoints``,
trained on generated people) inside a PoseWarper whose warping head is untrained, the identity
warp (``tests/helpers/tiny_posewarper.py``): no trained PoseWarper is shipped, so the window
averages the neighbours' heatmaps, each cropped with the reference frame's box.

Error: distance of each visible joint to the ground truth, in units of the person's box size
``sqrt(w·h)``. Measured on this project's CPU machine (torch 2.14, 12 frames, 256×192):

- given boxes, 3 people (seed 0): mean 0.048 at ±2, 0.044 single-frame; PCK@0.2 0.959. Four
  more videos (1–3 people) gave 0.024–0.061 at ±2. Chance, every joint at its box centre: 0.40.
- the whole image, frames cropped around one person (seed 6): mean 0.082 at ±2, 0.080
  single-frame; PCK@0.2 0.912. (On the full 256×192 frames the person is too small for a
  whole-image crop of 128×96: 0.34–0.57, chance level; that is what boxes are for.)

Floors: mean error below 0.08 with boxes and 0.13 with the whole image (1.6× the measured
values, below a third of chance: a broken crop, coordinate mapping or aggregation lands near
chance), PCK@0.2 above 0.9 and 0.8, and the window not more than 0.01 worse than the single
frame (the identity warp only averages neighbours; a wrong window or weights would cost more).
"""
import cv2
import numpy as np
import pytest

from posewarper.apis import MMPoseInferencer
from tests.helpers.generated_video import generated_video
from tests.helpers.tiny_posewarper import TINY_POSEWARPER_CFG, save_tiny_posewarper

pytestmark = pytest.mark.usefixtures('one_torch_thread')


@pytest.fixture(scope='module')
def inferencer(tmp_path_factory):
    weights = save_tiny_posewarper(tmp_path_factory.mktemp('ckpt') / 'pw.pth')
    return MMPoseInferencer(pose2d=str(TINY_POSEWARPER_CFG), pose2d_weights=str(weights),
                            det_model='whole_image', device='cpu')


def _errors(video, results, offset=(0, 0)):
    """Normalised errors of the visible joints (predictions in box order) and chance."""
    errors, chance = [], []
    for t, result in enumerate(results):
        keypoints = result['predictions'][0].pred_instances.keypoints + np.asarray(offset)
        for i, (box, gt) in enumerate(zip(video['boxes'][t], video['keypoints'][t])):
            visible = gt[:, 2] > 0
            size = np.sqrt((box[2] - box[0]) * (box[3] - box[1]))
            errors += list(np.linalg.norm(keypoints[i][visible] - gt[visible, :2], axis=1) / size)
            centre = np.array([box[0] + box[2], box[1] + box[3]]) / 2
            chance += list(np.linalg.norm(centre - gt[visible, :2], axis=1) / size)
    return np.array(errors), np.array(chance)


def test_given_boxes(inferencer, tmp_path):
    video = generated_video(tmp_path, seed=0, frames=12, width=256, height=192, people=3)
    frames = [str(p) for p in video['paths']]
    runs = {k: _errors(video, list(inferencer(frames, temporal_window=k, bboxes=video['boxes'],
                                              return_datasamples=True)))
            for k in (0, 2)}
    errors, chance = runs[2]
    assert chance.mean() > 0.3  # the ground truth is where the floors assume
    assert errors.mean() < 0.08 and (errors < 0.2).mean() > 0.9
    assert errors.mean() <= runs[0][0].mean() + 0.01


def test_whole_image(inferencer, tmp_path):
    video = generated_video(tmp_path, seed=6, frames=12, width=256, height=192, people=1)
    boxes = np.concatenate(video['boxes'])
    x1, y1 = np.maximum(boxes[:, :2].min(0) - 4, 0).astype(int)
    x2, y2 = np.minimum(boxes[:, 2:].max(0) + 4, [256, 192]).astype(int)
    # the frames of a video in which one person fills the frame (what whole_image is for)
    frames = [cv2.imread(str(p))[y1:y2, x1:x2] for p in video['paths']]
    runs = {k: _errors(video, list(inferencer(frames, temporal_window=k,
                                              return_datasamples=True)), (x1, y1))
            for k in (0, 2)}
    errors, chance = runs[2]
    assert chance.mean() > 0.3  # the ground truth is where the floors assume
    assert errors.mean() < 0.13 and (errors < 0.2).mean() > 0.8
    assert errors.mean() <= runs[0][0].mean() + 0.01
