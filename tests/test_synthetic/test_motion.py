"""Motion is fast and varied enough that copying a pose to the next frame is clearly wrong."""
import json
import os
from dataclasses import replace

import cv2
import numpy as np
import pytest

from posewarper_synthetic import SyntheticConfig, SyntheticVideo, make_synthetic_posetrack
from posewarper_synthetic.motion import ACTIONS, SceneLayout, sample_person_motion

WRISTS_ANKLES = (9, 10, 15, 16)
TORSO = (5, 6, 11, 12)


@pytest.fixture(scope='module')
def val_videos(tmp_path_factory):
    root = tmp_path_factory.mktemp('synth_motion')
    summary = make_synthetic_posetrack(str(root), videos=4, frames=10, seed=11, splits='val',
                                       width=192, height=144)
    docs = []
    for path in summary['val']['video_ann_files']:
        with open(path) as fh:
            docs.append(json.load(fh))
    return str(root), docs


def _frame_pairs(doc):
    """(keypoints t, keypoints t+1, head size at t+1) for every track in consecutive frames."""
    by_track = {}
    for ann in doc['annotations']:
        by_track.setdefault(ann['track_id'], {})[ann['image_id']] = ann
    for frames in by_track.values():
        for image_id, ann in frames.items():
            nxt = frames.get(image_id + 1)
            if nxt is not None:
                _, _, w, h = nxt['bbox_head']
                yield (np.array(ann['keypoints'], dtype=np.float64).reshape(17, 3),
                       np.array(nxt['keypoints'], dtype=np.float64).reshape(17, 3),
                       0.6 * np.hypot(w, h))


def test_wrists_and_ankles_move_fast(val_videos):
    for doc in val_videos[1]:
        absolute, relative, copy_hits = [], [], []
        for k0, k1, head in _frame_pairs(doc):
            hips_ok = (k0[[11, 12], 2] > 0).all() and (k1[[11, 12], 2] > 0).all()
            hip0, hip1 = k0[[11, 12], :2].mean(0), k1[[11, 12], :2].mean(0)
            for j in WRISTS_ANKLES:
                if k0[j, 2] > 0 and k1[j, 2] > 0:
                    step = np.linalg.norm(k1[j, :2] - k0[j, :2]) / head
                    absolute.append(step)
                    copy_hits.append(step <= 0.5)  # PCKh@0.5 of the copy-last-pose baseline
                    if hips_ok:
                        relative.append(np.linalg.norm((k1[j, :2] - hip1) -
                                                       (k0[j, :2] - hip0)) / head)
        assert len(absolute) > 20
        assert np.mean(absolute) > 0.3, 'wrists/ankles move too slowly for propagation tests'
        # Not just the whole body drifting or the camera panning: the limbs articulate.
        assert np.mean(relative) > 0.2
        assert np.mean(copy_hits) < 0.8


def test_farneback_flow_misses_wrists_and_ankles(val_videos):
    """Warping a joint with dense optical flow works on the torso, much less on the extremities."""
    root, docs = val_videos
    hits = {'extremities': [], 'torso': []}
    for doc in docs:
        gray = {img['id']: cv2.imread(os.path.join(root, img['file_name']), cv2.IMREAD_GRAYSCALE)
                for img in doc['images']}
        flows = {}
        by_track = {}
        for ann in doc['annotations']:
            by_track.setdefault(ann['track_id'], {})[ann['image_id']] = ann
        for frames in by_track.values():
            for image_id, ann in frames.items():
                nxt = frames.get(image_id + 1)
                if nxt is None:
                    continue
                if image_id not in flows:
                    flows[image_id] = cv2.calcOpticalFlowFarneback(
                        gray[image_id], gray[image_id + 1], None, 0.5, 3, 15, 3, 5, 1.2, 0)
                k0 = np.array(ann['keypoints'], dtype=np.float64).reshape(17, 3)
                k1 = np.array(nxt['keypoints'], dtype=np.float64).reshape(17, 3)
                head = 0.6 * np.hypot(*nxt['bbox_head'][2:])
                for group, joints in (('extremities', WRISTS_ANKLES), ('torso', TORSO)):
                    for j in joints:
                        if k0[j, 2] > 0 and k1[j, 2] > 0:
                            x, y = np.round(k0[j, :2]).astype(int)
                            pred = k0[j, :2] + flows[image_id][y, x]
                            hits[group].append(np.linalg.norm(pred - k1[j, :2]) <= 0.5 * head)
    assert min(len(v) for v in hits.values()) > 50
    assert np.mean(hits['extremities']) < 0.85
    assert np.mean(hits['extremities']) < np.mean(hits['torso']) - 0.1


def test_people_turn_and_change_scale():
    cfg = SyntheticConfig()
    layout = SceneLayout.sample(np.random.default_rng(0), 256, 192, cfg)
    rng = np.random.default_rng(1)
    yaw_spans, scale_ratios, actions = [], [], set()
    times = np.arange(30.0)
    for _ in range(12):
        person = sample_person_motion(rng, 30, layout, cfg)
        _, depth, yaw = person.root(times)
        yaw_spans.append(np.ptp(yaw))
        scale_ratios.append(depth.max() / depth.min())
        actions.add(person.action)
    assert max(yaw_spans) > np.pi / 2  # someone turns round (left/right swap in the image)
    assert max(scale_ratios) > 1.15  # someone walks towards or away from the camera
    assert len(actions) >= 3 and actions <= set(ACTIONS)


def test_motion_blur_only_changes_pixels_not_labels():
    cfg = SyntheticConfig()
    sharp_cfg = replace(cfg, shutter=0.0)
    blurred = SyntheticVideo(np.random.default_rng(5), 6, 160, 120, 3, cfg)
    sharp = SyntheticVideo(np.random.default_rng(5), 6, 160, 120, 3, sharp_cfg)
    assert max(blurred._num_samples(f) for f in range(6)) > 1
    img_b, lab_b = blurred.render(3)
    img_s, lab_s = sharp.render(3)
    assert np.array_equal(lab_b.keypoints, lab_s.keypoints)
    assert np.abs(img_b.astype(int) - img_s.astype(int)).mean() > 0.5


def _sharpness(img: np.ndarray) -> float:
    return float(cv2.Laplacian(cv2.cvtColor(img, cv2.COLOR_BGR2GRAY), cv2.CV_64F).var())


def test_defocus_bursts_blur_whole_frames_not_labels():
    cfg = replace(SyntheticConfig(), defocus_rate=0.3)
    focused_cfg = replace(cfg, defocus_rate=0.0)
    video = SyntheticVideo(np.random.default_rng(2), 12, 160, 120, 2, cfg)
    focused = SyntheticVideo(np.random.default_rng(2), 12, 160, 120, 2, focused_cfg)
    assert not focused.defocus.any()
    bursts = np.flatnonzero(video.defocus)
    assert 0 < len(bursts) < 12
    assert np.all((video.defocus[bursts] >= cfg.defocus_sigma[0])
                  & (video.defocus[bursts] <= cfg.defocus_sigma[1]))
    for frame in range(12):
        img, labels = video.render(frame)
        ref, ref_labels = focused.render(frame)
        assert np.array_equal(labels.keypoints, ref_labels.keypoints)
        if video.defocus[frame]:
            assert _sharpness(img) < 0.5 * _sharpness(ref)
        else:
            assert np.array_equal(img, ref)


def test_negative_defocus_rate_is_refused():
    with pytest.raises(ValueError, match='defocus_rate'):
        SyntheticVideo(np.random.default_rng(0), 4, 64, 48, 1,
                       replace(SyntheticConfig(), defocus_rate=-1.0))


def test_summary_lists_the_defocused_frames(tmp_path):
    cfg = replace(SyntheticConfig(), defocus_rate=0.3)
    common = dict(videos=2, frames=10, seed=4, splits='val', width=160, height=120)
    summary = make_synthetic_posetrack(str(tmp_path / 'a'), config=cfg, **common)['val']
    focused = make_synthetic_posetrack(str(tmp_path / 'b'), config=replace(cfg, defocus_rate=0),
                                       **common)['val']
    assert set(summary['defocused_frames']) == set(summary['video_names'])
    assert any(summary['defocused_frames'].values())
    assert not any(focused['defocused_frames'].values())
    for name, frames in summary['defocused_frames'].items():
        for frame in range(10):
            rel = os.path.join('images', 'val', name, f'{frame:06d}.jpg')
            a = cv2.imread(str(tmp_path / 'a' / rel))
            b = cv2.imread(str(tmp_path / 'b' / rel))
            assert np.array_equal(a, b) == (frame not in frames), (name, frame)
