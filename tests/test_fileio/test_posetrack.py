"""``posewarper.fileio.posetrack``: the one reader and writer of the PoseTrack18 format."""
import json

import numpy as np
import pytest

from posewarper.fileio import (PT18_KEYPOINT_NAMES, coco_index, frame_info, frame_path,
                               gt_dir_from_ann_file, load_detections, load_posetrack_dirs,
                               load_posetrack_json, person_category, posetrack18_categories,
                               posetrack_document, prediction_record, video_json_files,
                               video_name_of)

IMAGE = dict(id=10000010003, file_name='images/val/000001_mpii_test/000003.jpg',
             frame_id=10000010003, vid_id='000001', nframes=15)


def test_categories_and_document():
    assert person_category() == dict(supercategory='person', id=1, name='person',
                                     keypoints=list(PT18_KEYPOINT_NAMES))
    cats = posetrack18_categories()
    assert len(cats) == 1 and cats[0]['keypoints'] == list(PT18_KEYPOINT_NAMES)
    assert len(cats[0]['skeleton']) == 19
    doc = posetrack_document([IMAGE], [])
    assert list(doc) == ['categories', 'images', 'annotations']  # the official order
    assert doc['categories'] == cats
    assert posetrack_document([], [], [person_category()])['categories'] == [person_category()]


def test_prediction_record():
    kpts = np.arange(34, dtype=np.float32).reshape(17, 2)
    scores = np.linspace(0, 1, 17)
    rec = prediction_record(7, kpts, scores, track_id=2, score=0.5, bbox=np.array([1, 2, 3, 4]))
    assert list(rec) == ['image_id', 'category_id', 'bbox', 'keypoints', 'scores', 'score',
                         'track_id']
    assert rec['keypoints'][:3] == [0.0, 1.0, 0.0] and len(rec['keypoints']) == 51
    assert rec['keypoints'][2::3] == rec['scores'] == scores.tolist()
    assert rec['bbox'] == [1.0, 2.0, 3.0, 4.0] and rec['track_id'] == 2
    assert 'bbox' not in prediction_record(7, kpts, scores, 0, 1.0)
    json.dumps(rec, allow_nan=False)  # plain floats and ints only


@pytest.mark.parametrize('reader,what,wrong_root', [
    (load_posetrack_json, 'PoseTrack json', ('[]', 'a json object, got list')),
    (load_detections, 'bbox_file', ('{}', 'a json list of detections')),
])
def test_readers_name_the_file(tmp_path, reader, what, wrong_root):
    path = tmp_path / 'doc.json'
    with pytest.raises(ValueError, match=rf'doc\.json: {what} not found'):
        reader(str(path))
    path.write_text('{"images": [')
    with pytest.raises(ValueError, match=rf'doc\.json: cannot read {what}'):
        reader(str(path))
    path.write_text(wrong_root[0])
    with pytest.raises(ValueError, match=rf'doc\.json: expected {wrong_root[1]}'):
        reader(str(path))


def test_load_posetrack_json_validates(tmp_path):
    path = tmp_path / 'vid.json'
    path.write_text('{"images": []}')  # read, then validated
    with pytest.raises(ValueError, match=r'vid\.json: top-level field "categories"'):
        load_posetrack_json(str(path))
    path.write_text('{"images": [], "annotations": [], "categories": []}')
    assert load_posetrack_json(str(path)) == {'images': [], 'annotations': [], 'categories': []}


def test_load_detections(tmp_path):
    path = tmp_path / 'dets.json'
    path.write_text('[{"image_id": 1, "bbox": [0, 0, 1, 1], "score": 0.5}]')
    assert load_detections(str(path))[0]['score'] == 0.5


def test_coco_index_of_a_parsed_document():
    doc = posetrack_document([IMAGE], [dict(id=1, image_id=IMAGE['id'], category_id=1)])
    coco = coco_index(doc, 'x.json')
    assert coco.dataset is doc and coco.getAnnIds(imgIds=IMAGE['id']) == [1]
    with pytest.raises(ValueError, match='x.json: top-level field "annotations"'):
        coco_index(dict(images=[], categories=[]), 'x.json')


def test_gt_dir_from_ann_file():
    assert gt_dir_from_ann_file('data/pt18/annotations/posetrack18_val.json') == \
        'data/pt18/annotations/val'
    assert gt_dir_from_ann_file('a_b/annotations/test_posetrack18_val.json') == \
        'a_b/annotations/val'


def test_video_files_and_dirs(tmp_path):
    gt, pred = tmp_path / 'gt', tmp_path / 'pred'
    with pytest.raises(ValueError, match='not a directory'):
        video_json_files(str(gt))
    gt.mkdir()
    with pytest.raises(ValueError, match='no PoseTrack json files'):
        video_json_files(str(gt))
    for name in ('b.json', 'a.json'):
        (gt / name).write_text(json.dumps(posetrack_document([IMAGE], [])))
    (gt / 'notes.txt').write_text('')
    assert [p.rsplit('/', 1)[1] for p in video_json_files(str(gt))] == ['a.json', 'b.json']
    pred.mkdir()
    (pred / 'a.json').write_text(json.dumps(posetrack_document([], [])))
    with pytest.raises(ValueError, match=r'b\.json: prediction file missing'):
        load_posetrack_dirs(str(gt), str(pred))
    (pred / 'b.json').write_text(json.dumps(posetrack_document([], [])))
    gt_videos, pred_videos = load_posetrack_dirs(str(gt), str(pred))
    assert list(gt_videos) == list(pred_videos) == ['a.json', 'b.json']
    (pred / 'c.json').write_text('{}')
    with pytest.raises(ValueError, match=r'c\.json: prediction file for a video with no GT'):
        load_posetrack_dirs(str(gt), str(pred))
    (pred / 'c.json').unlink()
    (gt / 'b.json').write_text(json.dumps(posetrack_document([], [])))  # a video of no frame
    with pytest.raises(ValueError, match=r'b\.json: field "images" is empty'):
        load_posetrack_dirs(str(gt), str(pred))


def test_video_layout():
    assert video_name_of(IMAGE) == '000001_mpii_test'
    assert frame_info(IMAGE, 'ann.json') == dict(vid_id='000001', frame_id=10000010003,
                                                 frame_idx=3, nframes=15)
    ref = IMAGE['file_name']
    assert frame_path(ref, 12) == 'images/val/000001_mpii_test/000012.jpg'
    assert frame_path(ref, 12, digits=8) == 'images/val/000001_mpii_test/00000012.jpg'
    with pytest.raises(ValueError, match=r"ann\.json: image id=.* lacks field\(s\) \['nframes'\]"):
        frame_info({k: v for k, v in IMAGE.items() if k != 'nframes'}, 'ann.json')
    with pytest.raises(ValueError, match=r'outside \[0, nframes=3\)'):
        frame_info(dict(IMAGE, nframes=3), 'ann.json')
