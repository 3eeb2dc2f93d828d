"""The demo's oracle-cue propagator (``posewarper_demo.oracle_cue``): PoseWarper propagation whose
offsets come from the ground truth of both frames, on a video whose motion is known."""
import numpy as np
import pytest
import torch

from posewarper.propagation import (FrameLoader, build_propagator, load_sparse_videos,
                                    propagate_annotations, propagate_video, video_tasks)
from posewarper_demo.oracle_cue import ORACLE_CUE, OracleCuePropagator
from tests.helpers.propagation import (TINY_STAGE2, edited_video, load_json, make_dataset,
                                       pseudo_annotations, record_warps, save_random_checkpoint,
                                       write_json)

FRAMES = 6
SHIFT = (5.0, 2.0)  # image pixels per frame


@pytest.fixture(scope='module')
def moving(tmp_path_factory):
    """One generated frame translated by ``t · SHIFT`` in frame ``t``; every frame labelled."""
    root = tmp_path_factory.mktemp('oracle_cue')
    make_dataset(root / 'src', videos=1, frames=1, width=256, height=192, seed=5)
    ann = edited_video(root / 'src', root / 'video', FRAMES, shift=SHIFT)
    ckpt = save_random_checkpoint(TINY_STAGE2, root / 'posewarper.pth')
    return ann, root / 'video', ckpt


def _propagator(ann, root, ckpt, **kw):
    return build_propagator(ORACLE_CUE, str(TINY_STAGE2), str(ckpt),
                            options=dict(gt_ann_file=str(ann), data_root=str(root)), **kw)


def test_offsets_come_from_the_ground_truth_of_a_and_b(moving):
    """warp(ref=y_B, sup=y_A, source=y_A): B's labels of the same track, in A's crop."""
    ann, root, ckpt = moving
    propagator = _propagator(ann, root, ckpt, batch_size=3)
    assert isinstance(propagator, OracleCuePropagator)
    calls = record_warps(propagator)
    _, videos = load_sparse_videos(str(ann), str(root), label_interval=FRAMES)
    _, full = load_sparse_videos(str(ann), str(root))
    video = videos[0]
    tasks = video_tasks(sorted(video.frame_index.values()), video.persons, 3)
    get_frame = FrameLoader(video)
    propagate_video(tasks, propagator, get_frame)
    ref, sup, source = (torch.cat(x) for x in zip(*calls))
    task = tasks[0]
    assert len(ref) == len(task.targets) * len(task.persons) > 1
    # the first pair: the first person of A and the first target frame, encoded here
    person = task.persons[0]
    target = task.targets[0]
    same = [p for p in full[0].persons[target] if p.track_id == person.track_id]
    assert len(same) == 1

    def encode(pose):
        res = propagator.cropper([get_frame(task.source)], person.bbox, pose.keypoints,
                                 pose.exists.astype(np.float32))
        return torch.from_numpy(propagator.codec.encode(
            res['transformed_keypoints'], pose.exists[None].astype(float))['heatmaps'])

    y_a, y_b = encode(person), encode(same[0])
    torch.testing.assert_close(sup[0], y_a.float())
    torch.testing.assert_close(source[0], y_a)
    torch.testing.assert_close(ref[0], y_b.float())
    assert not torch.equal(y_a, y_b)  # the person moved: the cue carries the motion


def test_whole_file_run_and_a_missing_video(moving, tmp_path):
    """Through ``propagate_annotations`` with the method's options; a video the ground truth
    lacks is one line naming the file and the video."""
    ann, root, ckpt = moving
    out = tmp_path / 'oracle.json'
    propagate_annotations(str(ann), str(out), ORACLE_CUE, data_root=str(root),
                          config=str(TINY_STAGE2), checkpoint=str(ckpt), label_interval=FRAMES,
                          progress=False,
                          method_options=dict(gt_ann_file=str(ann), data_root=str(root)))
    pseudo = pseudo_annotations(load_json(out))
    assert len(pseudo) > 0 and {a['method'] for a in pseudo} == {ORACLE_CUE}

    # the same labels under another video's name
    doc = load_json(ann)
    for img in doc['images']:
        img['file_name'] = 'images/val/another_video/' + img['file_name'].rsplit('/', 1)[1]
    other_ann = tmp_path / 'other.json'
    write_json(other_ann, doc)
    with pytest.raises(ValueError, match="other.json: no ground truth for video '"):
        propagate_annotations(str(ann), str(tmp_path / 'bad.json'), ORACLE_CUE,
                              data_root=str(root), config=str(TINY_STAGE2),
                              checkpoint=str(ckpt), label_interval=FRAMES, progress=False,
                              method_options=dict(gt_ann_file=str(other_ann),
                                                  data_root=str(root)))
    assert not (tmp_path / 'bad.json').exists()
