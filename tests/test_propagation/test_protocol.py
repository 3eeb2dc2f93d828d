"""The propagation protocol: nearest labelled frame, ties to the earlier one, ±max_offset only."""
import pytest

from posewarper.datasets import PoseTrackSparseDataset
from posewarper.propagation import (assign_sources, check_max_offset, group_by_source,
                                    propagate_annotations)
from posewarper.propagation.protocol import official_labelled_frames
from tests.helpers.propagation import frame_index, load_json, pseudo_annotations


def test_nearest_labelled_frame_wins():
    # labelled 0 and 7: 1-3 from 0, 4-6 from 7 (4 is nearer to 7: 3 vs 4)
    assert assign_sources(range(8), {0, 7}, 3) == {1: 0, 2: 0, 3: 0, 4: 7, 5: 7, 6: 7}


def test_ties_go_to_the_earlier_frame():
    # 3 is 3 frames from both 0 and 6
    assert assign_sources(range(7), {0, 6}, 3)[3] == 0
    assert assign_sources([1, 2, 3], {0, 4}, 5) == {1: 0, 2: 0, 3: 4}


def test_only_within_max_offset():
    assignment = assign_sources(range(20), {5}, 2)
    assert assignment == {3: 5, 4: 5, 6: 5, 7: 5}
    assert assign_sources(range(10), {0, 9}, 1) == {1: 0, 8: 9}


def test_labelled_frames_are_never_targets():
    assignment = assign_sources(range(10), {2, 3, 4}, 3)
    assert not set(assignment) & {2, 3, 4}
    assert assignment == {0: 2, 1: 2, 5: 4, 6: 4, 7: 4}


def test_only_listed_frames_are_targets():
    # frames missing from the video's images get nothing, but do not stop the search
    assert assign_sources([0, 2, 5], {0, 5}, 3) == {2: 0}


def test_group_by_source():
    groups = group_by_source(assign_sources(range(15), {0, 7, 14}, 3))
    assert groups == {0: [1, 2, 3], 7: [4, 5, 6, 8, 9, 10], 14: [11, 12, 13]}


@pytest.mark.parametrize('bad', [0, -1, 1.5, True, None])
def test_bad_max_offset(bad):
    with pytest.raises(ValueError, match='max_offset'):
        check_max_offset(bad)
    with pytest.raises(ValueError, match='max_offset'):
        assign_sources(range(3), {0}, bad)


def test_output_follows_the_protocol(tiny_data, tmp_path):
    """Whole-file run: labelled frames = the dataset's selection with their GT unchanged; every
    pseudo-label comes from the frame the protocol assigns, with the right offset."""
    ann_file = tiny_data / 'annotations' / 'posetrack18_val.json'
    out = tmp_path / 'copy.json'
    propagate_annotations(str(ann_file), str(out), 'copy', data_root=str(tiny_data),
                          max_offset=2, label_interval=7, label_phase=1, progress=False)
    full, doc = load_json(ann_file), load_json(out)

    # the labelled frames are exactly those the sparse-label dataset trains on
    dataset = PoseTrackSparseDataset(ann_file=str(ann_file), label_interval=7, label_phase=1,
                                     data_prefix=dict(img=''), test_mode=True)
    labelled_ids = {dataset.get_data_info(i)['img_id'] for i in range(len(dataset))}
    assert {frame_index(img) for img in full['images'] if img['id'] in labelled_ids} == {1, 8}
    gt = [a for a in doc['annotations'] if not a.get('is_pseudo')]
    assert {a['image_id'] for a in gt} == labelled_ids
    expected_gt = [dict(a, is_pseudo=False, scores=[1.0] * 17) for a in full['annotations']
                   if a['image_id'] in labelled_ids]
    assert gt == expected_gt

    images = {img['id']: img for img in full['images']}
    seen = set()
    for ann in pseudo_annotations(doc):
        img = images[ann['image_id']]
        video = img['file_name'].rsplit('/', 1)[0]
        target = frame_index(img)
        source = assign_sources(range(15), {1, 8}, 2)[target]
        assert ann['offset'] == target - source
        src_img = next(i for i in full['images']
                       if i['file_name'] == f'{video}/{source:06d}.jpg')
        assert ann['source_frame_id'] == src_img['frame_id']
        assert ann['method'] == 'copy'
        seen.add(target)
    # ±2 around frames 1 and 8: 0, 2, 3 and 6, 7, 9, 10; nothing else
    assert seen == {0, 2, 3, 6, 7, 9, 10}
    labelled = {i['id']: i['is_labeled'] for i in doc['images']}
    assert {frame_index(images[i]) for i, v in labelled.items() if v} == \
        {0, 1, 2, 3, 6, 7, 8, 9, 10}


@pytest.mark.parametrize('annotated,run,labelled', [
    (range(15), list(range(15)), [3, 10, 14]),  # the last frame: 4 > 3 frames after 10
    (range(12), list(range(12)), [3, 10]),  # the last frame 11 is within 3 of 10
    ([0, 1, 2, 5, 6, 7, 8, 9, 10, 11], [5, 6, 7, 8, 9, 10, 11], [8]),  # the longest run
    ([0, 1, 2, 3, 7, 8, 9, 10], [0, 1, 2, 3], [3]),  # equally long runs: the first
    ([0, 1, 2], [], []),  # too short for a 4th frame
])
def test_official_labelled_frames(annotated, run, labelled):
    assert official_labelled_frames(annotated) == (run, labelled)


def test_official_frame_selection_end_to_end(tiny_data, tmp_path):
    # 15 annotated frames per video: labelled 3, 10 and 14; every other frame propagated to
    out = tmp_path / 'prop.json'
    summary = propagate_annotations(str(tiny_data / 'annotations' / 'posetrack18_val.json'),
                                    str(out), 'copy', label_interval=7, progress=False,
                                    frame_selection='official')
    doc = load_json(out)
    images = {img['id']: img for img in doc['images']}
    gt_frames = {frame_index(images[a['image_id']]) for a in doc['annotations']
                 if not a['is_pseudo']}
    sources = {(frame_index(images[a['image_id']]), a['offset']) for a in pseudo_annotations(doc)}
    assert gt_frames == {3, 10, 14}
    assert {t - o for t, o in sources} == {3, 10, 14}
    assert {t for t, _ in sources} == set(range(15)) - {3, 10, 14}
    assert summary['labelled_frames'] == 2 * 3  # two videos
    with pytest.raises(ValueError, match='frame_selection must be one of'):
        propagate_annotations(str(tiny_data / 'annotations' / 'posetrack18_val.json'),
                              str(tmp_path / 'x.json'), 'copy', frame_selection='paper')
