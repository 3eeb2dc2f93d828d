"""PoseWarperInferencer on videos, frame folders and a (simulated) webcam, with random weights."""
import json
import logging
import os
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmpose.apis.inferencers import base_mmpose_inferencer
from mmpose.registry import INFERENCERS, MODELS

from posewarper.apis import PoseWarperInferencer
from posewarper.apis.inferencers import person_boxes
from posewarper_synthetic import make_synthetic_posetrack

REPO_ROOT = Path(__file__).resolve().parents[2]
TINY_CFG = str(REPO_ROOT / 'configs' / 'tiny' / 'posewarper_hrnet-tiny_1xb8-4e_synthetic-128x96.py')
STAGE1_CFG = str(REPO_ROOT / 'configs' / 'tiny' / 'td-hm_hrnet-tiny_1xb16-4e_synthetic-128x96.py')
MINI_VIDEO = '000001_mpiinew_test'


pytestmark = pytest.mark.usefixtures('one_torch_thread')


@pytest.fixture(scope='module')
def inferencer():
    """Tiny PoseWarper, random weights, fresh (identity) warp, whole-frame boxes."""
    torch.manual_seed(0)
    return PoseWarperInferencer(TINY_CFG, det_model='whole_image', device='cpu')


@pytest.fixture(scope='module')
def synthetic(tmp_path_factory):
    """One generated video of 10 frames (128x96): its frame folder, an mp4 and the GT boxes."""
    root = tmp_path_factory.mktemp('synthetic')
    info = make_synthetic_posetrack(str(root), videos=1, frames=10, width=128, height=96,
                                    splits='val', people_min=2, people_max=2)['val']
    folder = Path(info['img_dir']) / info['video_names'][0]
    gt = json.loads(Path(info['video_ann_files'][0]).read_text())
    boxes = []
    for image in sorted(gt['images'], key=lambda im: im['file_name']):
        xywh = [a['bbox'] for a in gt['annotations'] if a['image_id'] == image['id']]
        boxes.append(np.array([[x, y, x + w, y + h] for x, y, w, h in xywh], np.float32))
    video = root / 'synth.mp4'
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*'mp4v'), 10, (128, 96))
    for path in sorted(folder.glob('*.jpg')):
        writer.write(cv2.imread(str(path)))
    writer.release()
    return dict(folder=folder, video=video, boxes=boxes)


def _frame_count(path) -> int:
    cap = cv2.VideoCapture(str(path))
    count = 0
    while cap.read()[0]:
        count += 1
    cap.release()
    return count


def _check_posetrack_json(path, num_frames, width, height, people=None):
    pred = json.loads(Path(path).read_text())
    assert [im['id'] for im in pred['images']] == list(range(num_frames))
    assert all(im['nframes'] == num_frames for im in pred['images'])
    assert len(pred['categories'][0]['keypoints']) == 17
    for i, image in enumerate(pred['images']):
        anns = [a for a in pred['annotations'] if a['image_id'] == image['id']]
        if people is not None:
            assert len(anns) == people[i]
        track_ids = [a['track_id'] for a in anns]
        assert len(set(track_ids)) == len(track_ids)  # unique within the frame
        for a in anns:
            kpts = np.array(a['keypoints']).reshape(17, 3)
            assert np.allclose(kpts[:, 2], a['scores'])
            assert (kpts[:, 0] >= 0).all() and (kpts[:, 0] < width).all()
            assert (kpts[:, 1] >= 0).all() and (kpts[:, 1] < height).all()
            x, y, w, h = a['bbox']
            assert 0 <= x and 0 <= y and x + w <= width and y + h <= height and w > 0 and h > 0
    return pred


def _no_files(*folders):
    return all(not Path(f).exists() or not any(Path(f).rglob('*')) for f in folders)


def test_registered():
    assert INFERENCERS.get('posewarper') is PoseWarperInferencer
    assert INFERENCERS.get('PoseWarperInferencer') is PoseWarperInferencer


def test_building_keeps_the_callers_default_scope():
    """The inferencer builds in its own scope and restores the caller's afterwards."""
    with DefaultScope.overwrite_default_scope('mmengine'):
        inf = PoseWarperInferencer(TINY_CFG, det_model='whole_image', device='cpu')
        assert DefaultScope.get_current_instance().scope_name == 'mmengine'
    assert inf.model.__class__.__name__ == 'PoseWarper'


def test_posetrack_frame_folder(inferencer, posetrack_mini, tmp_path):
    folder = posetrack_mini / 'videos' / MINI_VIDEO
    results = list(inferencer(str(folder), pred_out_dir=str(tmp_path / 'preds'),
                              vis_out_dir=str(tmp_path / 'vis'), radius=2, thickness=1,
                              draw_bbox=True))
    assert [r['frame_id'] for r in results] == list(range(5))
    assert all(len(r['predictions'][0]) == 1 for r in results)  # the whole frame
    pred = _check_posetrack_json(tmp_path / 'preds' / f'{MINI_VIDEO}.json', 5, 1280, 720,
                                 [1] * 5)
    # named within the folder, wherever it lies (as the frames of a video: '<video>/000000.jpg')
    names = sorted(p.name for p in folder.iterdir() if p.suffix == '.jpg')
    assert [im['file_name'] for im in pred['images']] == [f'{MINI_VIDEO}/{n}' for n in names]
    # the whole frame every time: one track
    assert {a['track_id'] for a in pred['annotations']} == {0}
    assert _frame_count(tmp_path / 'vis' / f'{MINI_VIDEO}.mp4') == 5
    assert sorted(os.listdir(tmp_path / 'vis')) == [f'{MINI_VIDEO}.mp4']  # no temp file left


def test_posetrack_video_with_given_boxes(inferencer, posetrack_mini, tmp_path):
    video = posetrack_mini / 'videos' / MINI_VIDEO / f'{MINI_VIDEO}.mp4'
    boxes = [[[100, 50, 500, 700]], [], [[100, 60, 500, 700, 0.8], [600, 0, 1400, 800, 0.5]],
             [[120, 60, 520, 700]], [[130, 60, 530, 700]]]
    results = list(inferencer(str(video), bboxes=boxes, pred_out_dir=str(tmp_path),
                              temporal_window=1, draw_heatmap=True, pose_based_nms=True,
                              vis_out_dir=str(tmp_path / 'vis.mp4')))
    assert [len(r['predictions'][0]) for r in results] == [1, 0, 2, 1, 1]
    # heatmaps drawn under every frame, including the one without people
    assert _frame_count(tmp_path / 'vis.mp4') == 5
    assert cv2.VideoCapture(str(tmp_path / 'vis.mp4')).get(cv2.CAP_PROP_FRAME_HEIGHT) == 1440
    pred = _check_posetrack_json(tmp_path / f'{MINI_VIDEO}.json', 5, 1280, 720, [1, 0, 2, 1, 1])
    assert pred['images'][1]['file_name'] == f'{MINI_VIDEO}/000001.jpg'
    # boxes are clipped to the frame
    assert pred['annotations'][2]['bbox'] == [600.0, 0.0, 680.0, 720.0]


def test_synthetic_video(inferencer, synthetic, tmp_path):
    boxes = synthetic['boxes']
    people = [len(b) for b in boxes]
    results = list(inferencer(str(synthetic['video']), bboxes=boxes, out_dir=str(tmp_path)))
    assert [len(r['predictions'][0]) for r in results] == people
    _check_posetrack_json(tmp_path / 'predictions' / 'synth.json', 10, 128, 96, people)
    assert _frame_count(tmp_path / 'visualizations' / 'synth.mp4') == 10


def test_fresh_warp_head_is_weighted_sum_of_frame_heatmaps(inferencer, synthetic):
    """An untrained warp is the identity: window ±2 = official weighted sum of the neighbours'
    heatmaps, each cropped with the reference frame's box (clipped at the ends)."""
    frames = [cv2.imread(str(p)) for p in sorted(synthetic['folder'].glob('*.jpg'))][:6]
    boxes = [b[:1] for b in synthetic['boxes']][:6]
    results = list(inferencer(frames, bboxes=boxes, temporal_window=2, return_datasamples=True))
    model, pipeline = inferencer.model, inferencer.pipeline
    for t, result in enumerate(results):
        crops = [pipeline(dict(img=frames[min(max(t + o, 0), 5)], bbox=boxes[t][:, :4],
                               bbox_score=np.ones(1, np.float32), **model.dataset_meta))
                 for o in (0, -1, 1, -2, 2)]
        with torch.no_grad():
            data = model.data_preprocessor(dict(inputs=[c['inputs'] for c in crops],
                                                data_samples=[c['data_samples'] for c in crops]))
            heatmaps = model.head.forward(model.extract_feat(data['inputs'].flatten(0, 1)))
        weights = torch.tensor([0.3, 0.25, 0.25, 0.1, 0.1]).view(-1, 1, 1, 1)
        expected = model.head.decode((heatmaps * weights).sum(0, keepdim=True))[0]
        sample = model.add_pred_to_datasample([expected], None, [crops[0]['data_samples']])[0]
        kpts = sample.pred_instances.keypoints.copy()
        kpts[..., 0] = kpts[..., 0].clip(0, 127)
        kpts[..., 1] = kpts[..., 1].clip(0, 95)
        got = result['predictions'][0].pred_instances
        np.testing.assert_allclose(got.keypoints, kpts, atol=1e-3)
        np.testing.assert_allclose(got.keypoint_scores, sample.pred_instances.keypoint_scores,
                                   atol=1e-5)


def test_detector_and_frames_without_detections(synthetic, tmp_path, monkeypatch):
    """A random-weight RTMDet: the boxes are arbitrary; with an impossible threshold every frame
    is a logged skip with empty predictions, never a failure."""
    det_cfg = Config.fromfile(str(Path(base_mmpose_inferencer.__file__).parents[3] / 'mmdet' /
                                  '.mim' / 'configs' / 'rtmdet' / 'rtmdet_tiny_8xb32-300e_coco.py'))
    det_cfg.model.backbone.init_cfg = None
    det_cfg.model.test_cfg.update(score_thr=0.0, max_per_img=3)
    det_path = tmp_path / 'rtmdet_tiny.py'
    det_cfg.dump(str(det_path))
    scope = DefaultScope.get_current_instance().scope_name
    inf = PoseWarperInferencer(TINY_CFG, det_model=str(det_path), det_cat_ids=(0, ),
                               device='cpu')
    # building MMPose's and mmdet's inferencers left the caller's default scope alone
    assert DefaultScope.get_current_instance().scope_name == scope
    frames = [cv2.imread(str(p)) for p in sorted(synthetic['folder'].glob('*.jpg'))[:2]]
    results = list(inf(frames, bbox_thr=0.0, nms_thr=0.3, pred_out_dir=str(tmp_path / 'a')))
    assert len(results) == 2
    _check_posetrack_json(tmp_path / 'a' / 'video.json', 2, 128, 96)
    logged = []
    monkeypatch.setattr(person_boxes, 'print_log',
                        lambda msg, logger=None, level=logging.INFO: logged.append((level, msg)))
    results = list(inf(frames, bbox_thr=1.1, pred_out_dir=str(tmp_path / 'b'),
                       vis_out_dir=str(tmp_path / 'b')))
    assert [r['predictions'][0] for r in results] == [[], []]
    _check_posetrack_json(tmp_path / 'b' / 'video.json', 2, 128, 96, [0, 0])
    assert _frame_count(tmp_path / 'b' / 'video.mp4') == 2
    assert [m for lv, m in logged if lv == logging.WARNING] == [
        f'frame {i} ({i:06d}.jpg): no person box, skipped (empty predictions)' for i in (0, 1)]


def test_webcam(inferencer, synthetic, tmp_path, monkeypatch):
    """``webcam`` reads the camera through MMPose's reader (here the mp4 stands in for it)."""
    real_capture = cv2.VideoCapture
    monkeypatch.setattr(base_mmpose_inferencer.cv2, 'VideoCapture',
                        lambda cam_id: real_capture(str(synthetic['video'])))
    monkeypatch.setattr(base_mmpose_inferencer.cv2, 'waitKey', lambda delay: -1)
    shown = []
    monkeypatch.setattr(inferencer.visualizer, 'show', lambda img, **kw: shown.append(img.shape))
    results = list(inferencer('webcam:0', pred_out_dir=str(tmp_path)))
    assert len(results) == 10 and len(shown) == 10  # the display is turned on, as in MMPose
    _check_posetrack_json(tmp_path / 'webcam.json', 10, 128, 96, [1] * 10)


def test_single_frame_model(synthetic, tmp_path):
    inf = PoseWarperInferencer(STAGE1_CFG, det_model='whole_image', device='cpu')
    results = list(inf(str(synthetic['folder']), temporal_window=0, pred_out_dir=str(tmp_path)))
    assert len(results) == 10
    with pytest.raises(ValueError, match='temporal_window=0'):
        inf(str(synthetic['folder']), temporal_window=2)


def test_bad_inputs_leave_no_output(inferencer, synthetic, tmp_path):
    out = dict(pred_out_dir=str(tmp_path / 'preds'), vis_out_dir=str(tmp_path / 'vis'))
    bad = tmp_path / 'broken.mp4'
    bad.write_bytes(b'not a video at all' * 100)
    with pytest.raises(ValueError, match='broken.mp4'):
        inferencer(str(bad), **out)
    with pytest.raises(FileNotFoundError, match='missing.mp4'):
        inferencer(str(tmp_path / 'missing.mp4'), **out)
    with pytest.raises(ValueError, match='temporal_window must be an int >= 0'):
        inferencer(str(synthetic['video']), temporal_window=-1, **out)
    with pytest.raises(ValueError, match='needs 3 frame_weights'):
        inferencer(str(synthetic['video']), temporal_window=1, frame_weights=[1.0], **out)
    # An error after some frames were processed: nothing is left behind either.
    with pytest.raises(ValueError, match='bboxes has 4 entries'):
        list(inferencer(str(synthetic['video']), bboxes=synthetic['boxes'][:4], **out))
    # An abandoned run neither.
    next(inferencer(str(synthetic['video']), temporal_window=0, **out)).clear()
    assert _no_files(tmp_path / 'preds', tmp_path / 'vis')


def test_checkpoint_must_match_config(tmp_path):
    stage1 = MODELS.build(Config.fromfile(STAGE1_CFG).model)
    ckpt = tmp_path / 'stage1.pth'
    torch.save(dict(state_dict=stage1.state_dict(), meta=dict()), str(ckpt))
    with pytest.raises(ValueError, match=r'stage1.pth does not match the PoseWarper model of '
                                         r'config .*posewarper_hrnet-tiny.* weight\(s\) of the '
                                         r'model are missing \(head.offset'):
        PoseWarperInferencer(TINY_CFG, weights=str(ckpt), det_model='whole_image', device='cpu')
    with pytest.raises(FileNotFoundError, match='nowhere.pth'):
        PoseWarperInferencer(TINY_CFG, weights=str(tmp_path / 'nowhere.pth'),
                             det_model='whole_image', device='cpu')
    # The matching checkpoint loads.
    PoseWarperInferencer(STAGE1_CFG, weights=str(ckpt), det_model='whole_image', device='cpu')
    # Same keys, other shapes.
    other = Config.fromfile(TINY_CFG).model
    other.head.inner_channels = 16
    model = MODELS.build(other)
    torch.save(dict(state_dict=model.state_dict()), str(ckpt))
    with pytest.raises(ValueError, match=r'weight\(s\) have another shape \(head\.offset_feats'):
        PoseWarperInferencer(TINY_CFG, weights=str(ckpt), det_model='whole_image', device='cpu')
