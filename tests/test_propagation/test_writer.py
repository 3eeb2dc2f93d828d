"""The PoseTrack18 json written by propagation."""
import json

import numpy as np

from posewarper.propagation import Pose, merge_output, per_video_documents, pseudo_annotation


def _image(i: int, video: str = '000001_synth') -> dict:
    return dict(id=100 + i, frame_id=100 + i, file_name=f'images/val/{video}/{i:06d}.jpg',
                vid_id='000001', nframes=4, is_labeled=True, width=64, height=48)


def _pose(track_id: int = 3) -> Pose:
    exists = np.ones(17, dtype=bool)
    exists[4] = False
    return Pose(keypoints=np.arange(34, dtype=np.float64).reshape(17, 2) + 1 / 3,
                visible=np.where(np.arange(17) == 2, 0, 1), exists=exists,
                bbox=np.array([1.0, 2.0, 11.0, 22.0]), track_id=track_id,
                scores=np.linspace(0, 1, 17), bbox_head=np.array([1.0, 2.0, 5.0, 6.0]))


def test_pseudo_annotation_record():
    rec = pseudo_annotation(_pose(), _image(2), _image(0), 2, 'posewarper')
    assert rec['is_pseudo'] is True and rec['method'] == 'posewarper'
    assert rec['source_frame_id'] == 100 and rec['offset'] == 2 and rec['image_id'] == 102
    assert len(rec['keypoints']) == 51 and len(rec['scores']) == 17
    assert rec['keypoints'][12:15] == [0, 0, 0]  # joint 4 was not propagated
    assert rec['keypoints'][:3] == [0.33, 1.33, 1] and rec['keypoints'][8] == 0
    assert rec['bbox'] == [1.0, 2.0, 10.0, 20.0]  # xywh
    assert rec['num_keypoints'] == 15  # propagated and visible
    assert rec['track_id'] == 3 and rec['category_id'] == 1 and rec['iscrowd'] is False
    assert all(isinstance(s, float) for s in rec['scores'])
    json.dumps(rec, allow_nan=False)


def test_merge_output():
    images = [_image(i) for i in range(4)]
    gt = [dict(id=7, image_id=100, track_id=0, keypoints=[1, 2, 1] * 17, scores=[]),
          dict(id=9, image_id=103, track_id=0, keypoints=[1, 2, 1] * 17, scores=[])]
    doc = dict(categories=[dict(name='person')], images=images, annotations=gt)
    pseudo = [pseudo_annotation(_pose(0), images[1], images[0], 1, 'copy')]
    out = merge_output(doc, [100], [101, 102], pseudo)
    assert [a['id'] for a in out['annotations']] == [7, 10]  # frame 3 is not labelled
    assert out['annotations'][0]['is_pseudo'] is False
    assert out['annotations'][0]['scores'] == [1.0] * 17
    # labelled or propagated to (frame 2 got no person but was propagated to)
    assert [i['is_labeled'] for i in out['images']] == [True, True, True, False]
    assert doc['annotations'][0]['scores'] == []  # the input is not modified


def test_per_video_documents_make_track_ids_valid():
    images = [_image(0), _image(1), dict(_image(0, 'b'), id=555)]
    anns = [dict(image_id=100, track_id=1), dict(image_id=100, track_id=1),
            dict(image_id=101, track_id=12345), dict(image_id=101, track_id=2),
            dict(image_id=555, track_id=3)]
    docs = per_video_documents(dict(categories=[], images=images, annotations=anns))
    assert sorted(docs) == ['000001_synth.json', 'b.json']
    a = docs['000001_synth.json']['annotations']
    assert [x['track_id'] for x in a] == [0, 1, 0, 1]
    assert [x['track_id'] for x in docs['b.json']['annotations']] == [3]
