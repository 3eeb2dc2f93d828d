"""The propagation methods on videos whose answer is known."""
import numpy as np
import pytest
import torch
from mmpose.apis import inference_topdown
from mmpose.registry import KEYPOINT_CODECS

from posewarper.apis.inference import input_to_image
from posewarper.evaluation.functional import evaluate_posetrack_ap
from posewarper.propagation import (METHODS, MODEL_METHODS, BasePropagator, CopyPropagator,
                                    FarnebackPropagator, FrameLoader, Pose, build_propagator,
                                    load_sparse_videos, propagate_annotations, propagate_video,
                                    sample_bilinear, video_tasks)
from posewarper.propagation.posewarper_propagator import PoseWarperPropagator
from posewarper.propagation.single_frame import SingleFramePropagator
from posewarper.registry import PROPAGATORS
from tests.helpers.propagation import (TINY_STAGE1, TINY_STAGE2, edited_video, keypoints_by_track,
                                       load_json, make_dataset, pseudo_annotations, record_warps)


@pytest.fixture(scope='module')
def big_frame(tmp_path_factory):
    """One generated video at 256×192 (Farneback needs some texture around the joints)."""
    root = tmp_path_factory.mktemp('big')
    make_dataset(root, videos=1, frames=2, width=256, height=192)
    return root


def _pairs(pred_doc: dict, gt_doc: dict):
    """(predicted, GT) keypoints ``(K, 3)`` of every pseudo-label, matched by track id."""
    for ann in pseudo_annotations(pred_doc):
        gt = keypoints_by_track(gt_doc, ann['image_id'])[ann['track_id']]
        yield ann, np.array(ann['keypoints'], dtype=np.float64).reshape(-1, 3), gt


def test_sample_bilinear():
    field = np.stack(np.meshgrid(np.arange(5.0), np.arange(4.0)), -1) * [1, 10]  # (4, 5, 2)
    pts = np.array([[1.5, 2.25], [0, 0], [4, 3], [10, -3]])
    np.testing.assert_allclose(sample_bilinear(field, pts),
                               [[1.5, 22.5], [0, 0], [4, 30], [4, 0]])


def test_copy_on_static_video_gives_100_ap(big_frame, tmp_path):
    ann_file = edited_video(big_frame, tmp_path / 'static', frames=15)
    propagate_annotations(str(ann_file), str(tmp_path / 'copy.json'), 'copy',
                          data_root=str(tmp_path / 'static'), label_interval=7,
                          per_video_dir=str(tmp_path / 'pred'), progress=False)
    assert len(pseudo_annotations(load_json(tmp_path / 'copy.json'))) > 0
    ap = evaluate_posetrack_ap(str(tmp_path / 'static' / 'annotations' / 'val'),
                               str(tmp_path / 'pred'))
    assert ap['Total'] == pytest.approx(100.0)


def test_farneback_follows_a_global_translation(big_frame, tmp_path):
    shift = np.array([2.0, 1.0])  # pixels per frame
    ann_file = edited_video(big_frame, tmp_path / 'shift', frames=8, shift=tuple(shift))
    propagate_annotations(str(ann_file), str(tmp_path / 'fb.json'), 'farneback',
                          data_root=str(tmp_path / 'shift'), label_interval=7, progress=False)
    pairs = list(_pairs(load_json(tmp_path / 'fb.json'), load_json(ann_file)))
    assert {a['offset'] for a, _, _ in pairs} == {1, 2, 3, -1, -2, -3}
    for ann, pred, gt in pairs:
        exists = (gt != 0).any(1)
        assert ((pred != 0).any(1) == exists).all()
        err = np.linalg.norm(pred[exists, :2] - gt[exists, :2], axis=1)
        visible = gt[exists, 2] > 0
        # moved by offset × shift: the GT; within a pixel on visible joints
        assert err[visible].max() < 1.0, (ann['offset'], err)
        assert err.max() < 2.0 and np.median(err) < 0.2
        assert ann['scores'] == [1.0] * 17


def test_farneback_chains_frame_to_frame():
    """Pose B after d steps = sum of the d consecutive flows sampled along the way."""
    calls = []

    class Stub(FarnebackPropagator):
        def flow(self, src, dst):
            calls.append((int(src[0, 0, 0]), int(dst[0, 0, 0])))
            return np.full(src.shape[:2] + (2, ), float(dst[0, 0, 0]) - float(src[0, 0, 0]))

    frames = {i: np.full((10, 10, 3), i, dtype=np.uint8) for i in range(8)}
    persons = _poses(1)
    tasks = video_tasks(range(8), {3: persons}, 3)
    out = propagate_video(tasks, Stub(), frames.__getitem__)
    for target in (0, 1, 2, 4, 5, 6):
        np.testing.assert_allclose(out[target][1][0].keypoints[0], [10 + target - 3] * 2)
    assert sorted(calls) == sorted([(3, 4), (4, 5), (5, 6), (3, 2), (2, 1), (1, 0)])


def _poses(n: int):
    return [Pose(keypoints=np.full((17, 2), 10.0), visible=np.ones(17, dtype=int),
                 exists=np.ones(17, dtype=bool), bbox=np.array([0, 0, 9, 9.0]), track_id=i)
            for i in range(n)]


def _unbiased_config(tmp_path):
    cfg = tmp_path / 'posewarper_unbiased.py'
    cfg.write_text(f"_base_ = ['{TINY_STAGE2}']\n"
                   'model = dict(head=dict(decoder=dict(unbiased=True)))\n')
    return cfg


def test_posewarper_identity_head_reproduces_the_labelled_pose(tiny_data, stage2_ckpt, tmp_path):
    """A fresh head warps y_A to itself: decode(encode(Pose A)) comes back, in image pixels."""
    ann_file = tiny_data / 'annotations' / 'posetrack18_val.json'
    kwargs = dict(data_root=str(tiny_data), label_interval=7, progress=False)
    propagate_annotations(str(ann_file), str(tmp_path / 'copy.json'), 'copy', **kwargs)
    copy = {(a['image_id'], a['track_id']): a for a in
            pseudo_annotations(load_json(tmp_path / 'copy.json'))}
    # DARK (unbiased) codec: the encode/decode round trip is sub-pixel
    propagate_annotations(str(ann_file), str(tmp_path / 'pw.json'), 'posewarper',
                          config=str(_unbiased_config(tmp_path)), checkpoint=str(stage2_ckpt),
                          **kwargs)
    pw = pseudo_annotations(load_json(tmp_path / 'pw.json'))
    assert len(pw) == len(copy) > 0
    for ann in pw:
        ref = copy[ann['image_id'], ann['track_id']]
        pred = np.array(ann['keypoints']).reshape(-1, 3)
        gt = np.array(ref['keypoints']).reshape(-1, 3)
        exists = (gt != 0).any(1)
        assert ((pred != 0).any(1) == exists).all()
        np.testing.assert_allclose(pred[exists, :2], gt[exists, :2], atol=0.25)
        np.testing.assert_array_equal(pred[:, 2], gt[:, 2])  # A's visibility flags
        assert min(np.array(ann['scores'])[exists]) > 0.9  # Gaussian peaks of y_A
        np.testing.assert_allclose(ann['bbox'], ref['bbox'], atol=0.25)


def test_posewarper_identity_head_equals_the_codec_round_trip(tiny_data, stage2_ckpt):
    """Default (biased) codec: Pose B = Pose A through MMPose's crop, encode, decode and
    back-mapping, computed here independently of the model."""
    ann_file = tiny_data / 'annotations' / 'posetrack18_val.json'
    _, videos = load_sparse_videos(str(ann_file), str(tiny_data), label_interval=7)
    propagator = build_propagator('posewarper', str(TINY_STAGE2), str(stage2_ckpt))
    codec, cropper = propagator.codec, propagator.cropper
    video = videos[0]
    tasks = video_tasks(sorted(video.frame_index.values()), video.persons, 3)
    get_frame = FrameLoader(video)
    out = propagate_video(tasks, propagator, get_frame)
    checked = 0
    for target, (source, poses) in out.items():
        for person, pose in zip(video.persons[source], poses):
            res = cropper([get_frame(source)], person.bbox, person.keypoints,
                          person.exists.astype(np.float32))
            enc = codec.encode(res['transformed_keypoints'], person.exists[None].astype(float))
            kpts, _ = codec.decode(enc['heatmaps'])
            expected = input_to_image(kpts[0], res['input_center'], res['input_scale'],
                                      res['input_size'])
            ok = pose.exists
            np.testing.assert_allclose(pose.keypoints[ok], expected[ok], atol=1e-3)
            # the round trip of this codec is within its quantisation (4 input pixels)
            scale = res['input_scale'] / np.array(res['input_size'])
            assert (np.abs(pose.keypoints[ok] - person.keypoints[ok]) <= 2 * scale + 1e-3).all()
            checked += 1
    assert checked > 10


def test_posewarper_warps_y_a_with_offsets_from_f_b_minus_f_a(tiny_data, stage2_ckpt):
    """The reverse application: warp(ref=f_B, sup=f_A, source=y_A)."""
    ann_file = tiny_data / 'annotations' / 'posetrack18_val.json'
    _, videos = load_sparse_videos(str(ann_file), str(tiny_data), label_interval=7)
    propagator = build_propagator('posewarper', str(TINY_STAGE2), str(stage2_ckpt),
                                  batch_size=4)
    calls = record_warps(propagator)
    video = videos[0]
    task = video_tasks(sorted(video.frame_index.values()), video.persons, 3)[0]
    get_frame = FrameLoader(video)
    propagate_video([task], propagator, get_frame)
    ref, sup, source = (torch.cat(x) for x in zip(*calls))
    n = len(task.targets)
    assert len(ref) == n * len(task.persons)  # one pair per (person, target), batched by 4
    person = task.persons[0]
    res = propagator.cropper([get_frame(task.source), get_frame(task.targets[0])],
                             person.bbox, person.keypoints, person.exists.astype(np.float32))
    f_a, f_b = propagator.frame_heatmaps(res['img'])
    torch.testing.assert_close(ref[0], f_b)
    torch.testing.assert_close(sup[0], f_a)
    y_a = propagator.codec.encode(res['transformed_keypoints'],
                                  person.exists[None].astype(float))['heatmaps']
    torch.testing.assert_close(source[0], torch.from_numpy(y_a))
    assert not torch.equal(f_a, f_b)


def test_posewarper_batching_does_not_change_results(tiny_data, stage2_ckpt):
    ann_file = tiny_data / 'annotations' / 'posetrack18_val.json'
    _, videos = load_sparse_videos(str(ann_file), str(tiny_data), label_interval=7)
    video = videos[1]
    tasks = video_tasks(sorted(video.frame_index.values()), video.persons, 3)
    outs = [propagate_video(tasks, build_propagator('posewarper', str(TINY_STAGE2),
                                                    str(stage2_ckpt), batch_size=bs),
                            FrameLoader(video)) for bs in (1, 64)]
    for target in outs[0]:
        for a, b in zip(outs[0][target][1], outs[1][target][1]):
            np.testing.assert_allclose(a.keypoints, b.keypoints, atol=1e-4)
            np.testing.assert_allclose(a.scores, b.scores, atol=1e-5)


def test_single_frame_is_mmpose_inference_in_frame_b_with_box_a(tiny_data, stage1_ckpt):
    ann_file = tiny_data / 'annotations' / 'posetrack18_val.json'
    _, videos = load_sparse_videos(str(ann_file), str(tiny_data), label_interval=7)
    propagator = build_propagator('single-frame', str(TINY_STAGE1), str(stage1_ckpt),
                                  batch_size=5)
    # MSRA's decoding for both sides: DARK's Newton step on this barely trained model's flat
    # heatmaps turns float noise between batch sizes (1e-6) into ~0.1 px; the heatmaps and
    # scores are what this test compares
    dark = propagator.model.head.decoder
    propagator.model.head.decoder = KEYPOINT_CODECS.build(
        dict(type='MSRAHeatmap', input_size=dark.input_size, heatmap_size=dark.heatmap_size,
             sigma=dark.sigma))
    video = videos[0]
    tasks = video_tasks(sorted(video.frame_index.values()), video.persons, 3)
    get_frame = FrameLoader(video)
    out = propagate_video(tasks, propagator, get_frame)
    assert sorted(out) == [i for i in range(15) if i not in (0, 7, 14)]
    for target in (1, 6, 13):
        source, poses = out[target]
        boxes = np.stack([p.bbox for p in video.persons[source]])
        # MMPose's own top-down inference on Frame B with Frame A's boxes
        expected = inference_topdown(propagator.model, get_frame(target), boxes, 'xyxy')
        for person, pose, ref in zip(video.persons[source], poses, expected):
            ok = person.exists
            assert (pose.exists == ok).all()
            np.testing.assert_allclose(pose.keypoints[ok], ref.pred_instances.keypoints[0][ok],
                                       atol=1e-3)
            np.testing.assert_allclose(pose.scores[ok],
                                       ref.pred_instances.keypoint_scores[0][ok], atol=1e-5)


def test_methods_need_only_get_frame():
    """The core runs on frames held in memory (what a demo has), here with the copy method."""
    frames = {}
    tasks = video_tasks(range(5), {2: _poses(2)}, 3)
    out = propagate_video(tasks, build_propagator('copy'), frames.__getitem__)
    assert sorted(out) == [0, 1, 3, 4] and all(s == 2 for s, _ in out.values())
    assert isinstance(build_propagator('farneback'), BasePropagator)
    assert isinstance(build_propagator('copy'), BasePropagator)
    assert PoseWarperPropagator.name == 'posewarper'


def test_methods_are_registered_by_name():
    """The methods of tools/propagate.py are the classes registered in PROPAGATORS (other
    packages may register more, as the demo does: the built-in ones are checked)."""
    assert {name: PROPAGATORS.module_dict[name] for name in METHODS} == {
        'copy': CopyPropagator, 'farneback': FarnebackPropagator,
        'posewarper': PoseWarperPropagator, 'single-frame': SingleFramePropagator}
    assert sorted(METHODS) == ['copy', 'farneback', 'posewarper', 'single-frame']
    assert sorted(MODEL_METHODS) == ['posewarper', 'single-frame']
    for name in METHODS:
        cls = PROPAGATORS.module_dict[name]
        assert issubclass(cls, BasePropagator) and cls.name == name
        assert cls.needs_model == (name in MODEL_METHODS)
    assert type(build_propagator('farneback')) is FarnebackPropagator
    with pytest.raises(ValueError, match='runs a model: give its config and checkpoint'):
        build_propagator('single-frame')
    with pytest.raises(ValueError, match="unknown method 'flow'"):
        build_propagator('flow')


def test_a_method_registered_elsewhere_with_its_own_options(tiny_data, tmp_path):
    """A class another package registers is a method too, built with ``method_options``."""

    class Shifted(CopyPropagator):
        name = 'shifted-copy'

        def __init__(self, dx: float):
            self.dx = dx

        def propagate(self, tasks, get_frame):
            return [{t: [p.moved(p.keypoints + [self.dx, 0.0], np.ones(p.num_keypoints))
                         for p in poses] for t, poses in result.items()}
                    for result in super().propagate(tasks, get_frame)]

    PROPAGATORS.register_module(name=Shifted.name, module=Shifted)
    try:
        ann_file = tiny_data / 'annotations' / 'posetrack18_val.json'
        kwargs = dict(data_root=str(tiny_data), label_interval=7, progress=False)
        propagate_annotations(str(ann_file), str(tmp_path / 'copy.json'), 'copy', **kwargs)
        propagate_annotations(str(ann_file), str(tmp_path / 'shifted.json'), Shifted.name,
                              method_options=dict(dx=3.0), **kwargs)
        copy = {(a['image_id'], a['track_id']): np.array(a['keypoints']).reshape(-1, 3)
                for a in pseudo_annotations(load_json(tmp_path / 'copy.json'))}
        shifted = pseudo_annotations(load_json(tmp_path / 'shifted.json'))
        assert len(shifted) == len(copy) > 0
        for ann in shifted:
            ref = copy[ann['image_id'], ann['track_id']]
            kpts = np.array(ann['keypoints']).reshape(-1, 3)
            exists = (ref != 0).any(1)
            np.testing.assert_allclose(kpts[exists, 0], ref[exists, 0] + 3.0)
        with pytest.raises(TypeError, match='dx'):
            build_propagator(Shifted.name)  # its option is required
    finally:
        PROPAGATORS.module_dict.pop(Shifted.name)
    assert Shifted.name not in METHODS
