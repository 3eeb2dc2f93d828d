"""PoseTrack18 json output of propagation: pseudo-label records, merged and per-video files.

Output format (a PoseTrack18 merged json, COCO style):

- ``categories``: those of the input;
- ``images``: every image of the input, in input order; ``is_labeled`` is true for the labelled
  frames and for the frames propagated to, false otherwise;
- ``annotations``, frame by frame in image order: the ground truth of the labelled frames
  (``"is_pseudo": false``, per-joint ``scores`` of 1.0 where the input has none) and the
  pseudo-labels, each marked ``"is_pseudo": true`` with ``"source_frame_id"`` (``frame_id`` of
  the labelled frame it comes from), ``"offset"`` (its frame index minus the labelled frame's),
  ``"method"`` and per-joint ``"scores"`` (17 floats). Joints not propagated are ``0, 0, 0``.

Per-video files hold the images of one video and their annotations, the form
``tools/eval_posetrack.py --pred-dir`` reads (track ids made unique per frame and < 10000).
"""
from typing import Collection, Dict, List, Sequence

import numpy as np

from ..fileio import posetrack_document, video_name_of
from .structures import Pose

#: Decimals of written coordinates and scores: small files, byte-stable output.
COORD_DECIMALS = 2
SCORE_DECIMALS = 4
#: poseval offsets track ids by video index * 10000, so they must stay below it.
MAX_TRACK_ID = 10000


def pseudo_annotation(pose: Pose, image: dict, source_image: dict, offset: int,
                      method: str) -> dict:
    """The PoseTrack18 record of one propagated pose (without ``id``, set when merging).

    Args:
        pose (Pose): The propagated pose, with ``scores``.
        image (dict): ``images`` record of the frame it was propagated to.
        source_image (dict): ``images`` record of the labelled frame it comes from.
        offset (int): Frame index of ``image`` minus that of ``source_image``.
        method (str): Name of the method.

    Returns:
        dict: The annotation record.
    """
    keypoints = []
    for (x, y), v, e in zip(pose.keypoints.tolist(), pose.visible.tolist(), pose.exists):
        keypoints += ([round(x, COORD_DECIMALS), round(y, COORD_DECIMALS), int(v)]
                      if e else [0, 0, 0])
    x1, y1, x2, y2 = pose.bbox.tolist()
    record = {}
    if pose.bbox_head is not None:
        record['bbox_head'] = [round(v, COORD_DECIMALS) for v in pose.bbox_head.tolist()]
    record.update({
        'keypoints': keypoints,
        'track_id': int(pose.track_id),
        'image_id': image['id'],
        'bbox': [round(v, COORD_DECIMALS) for v in (x1, y1, x2 - x1, y2 - y1)],
        'scores': [round(float(s), SCORE_DECIMALS) for s in pose.scores.tolist()],
        'category_id': 1,
        'iscrowd': False,
        'num_keypoints': int(np.count_nonzero(pose.exists & (pose.visible > 0))),
        'is_pseudo': True,
        'source_frame_id': source_image.get('frame_id', source_image['id']),
        'offset': int(offset),
        'method': method,
    })
    return record


def merge_output(doc: dict, labelled_image_ids: Collection, propagated_image_ids: Collection,
                 pseudo: Sequence[dict]) -> dict:
    """The merged output json: all images, the labelled frames' GT and the pseudo-labels.

    Args:
        doc (dict): The input json.
        labelled_image_ids (Collection): Ids of the labelled images (their GT is kept).
        propagated_image_ids (Collection): Ids of the images a labelled frame was propagated
            to (even if it had no person to give).
        pseudo (Sequence[dict]): Pseudo-label records (see :func:`pseudo_annotation`).

    Returns:
        dict: The output json; pseudo-labels get ids above every input annotation id.
    """
    labelled, propagated = set(labelled_image_ids), set(propagated_image_ids)
    by_image: Dict[object, List[dict]] = {}
    for ann in doc['annotations']:
        if ann['image_id'] in labelled:
            gt = dict(ann, is_pseudo=False)
            if not ann.get('scores'):
                gt['scores'] = [1.0] * (len(ann.get('keypoints', [])) // 3)
            by_image.setdefault(ann['image_id'], []).append(gt)
    next_id = max([a['id'] for a in doc['annotations'] if isinstance(a.get('id'), int)],
                  default=0) + 1
    for record in pseudo:
        by_image.setdefault(record['image_id'], []).append(dict(record, id=next_id))
        next_id += 1
    images, annotations = [], []
    for img in doc['images']:
        images.append(dict(img, is_labeled=img['id'] in labelled or img['id'] in propagated))
        annotations.extend(by_image.get(img['id'], []))
    return posetrack_document(images, annotations, doc['categories'])


def per_video_documents(doc: dict) -> Dict[str, dict]:
    """Split a merged json into PoseTrack18 per-video files, keyed by ``<video>.json``.

    Within each frame, track ids that are missing, not below 10000 or repeated (poseval refuses
    them in predictions) are replaced by 0, 1, ... in annotation order.
    """
    anns: Dict[object, List[dict]] = {}
    for ann in doc['annotations']:
        anns.setdefault(ann['image_id'], []).append(ann)
    videos: Dict[str, dict] = {}
    for img in doc['images']:
        video = videos.setdefault(video_name_of(img) + '.json',
                                  posetrack_document([], [], doc['categories']))
        video['images'].append(img)
        frame = anns.get(img['id'], [])
        ids = [a.get('track_id') for a in frame]
        if any(not isinstance(i, int) or not 0 <= i < MAX_TRACK_ID for i in ids) \
                or len(set(ids)) != len(ids):
            frame = [dict(a, track_id=k) for k, a in enumerate(frame)]
        video['annotations'].extend(frame)
    return videos
