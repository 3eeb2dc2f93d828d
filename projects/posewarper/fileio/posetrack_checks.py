"""Validation of PoseTrack18 documents: bad input is refused with the file, the id and the field.

xtcocotools, MMPose and poseval trust their input: a repeated image id silently hands one frame's
people to another, an annotation of an unknown image is dropped, a NaN coordinate or score is
ranked or matched as if it were a number. :func:`check_posetrack_document` refuses all of these
before anything is computed; the readers of :mod:`.posetrack` call it.
"""
import math
import numbers
import os.path as osp
from typing import Any, Dict, List, Optional

#: What a document is read as: a merged or per-video annotation file (``'annotations'``), a
#: per-video ground-truth file of the AP (``'gt'``) or a per-video prediction file
#: (``'prediction'``, whose third keypoint values are scores, not visibilities).
ROLES = ('annotations', 'gt', 'prediction')
#: Visibility flags of PoseTrack18 keypoints.
VISIBILITIES = (0, 1, 2)
#: Keypoints per person when the file's category does not list them.
DEFAULT_NUM_KEYPOINTS = 17


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _is_finite(value: Any) -> bool:
    return _is_number(value) and math.isfinite(value)


def _is_id(value: Any) -> bool:
    """Ids are ints or strings (a float id could not be matched reliably)."""
    return (isinstance(value, int) and not isinstance(value, bool)) or isinstance(value, str)


def _has_non_finite(value: Any) -> bool:
    """Whether a json value holds NaN or infinity anywhere (json itself has neither)."""
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, dict):
        return any(_has_non_finite(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_non_finite(v) for v in value)
    return False


class _Checker:
    """Raises the first violation of a document, naming the file, the id and the field."""

    def __init__(self, path: str, role: str) -> None:
        if role not in ROLES:
            raise ValueError(f'role must be one of {ROLES}, got {role!r}')
        self.path, self.role = path, role

    def fail(self, where: str, field: str, msg: str) -> ValueError:
        return ValueError(f'{self.path}: {where}: field "{field}": {msg}')

    def numbers(self, values: Any, where: str, field: str, length: Optional[int] = None,
                allow_empty: bool = False) -> List[float]:
        """``values`` as a list of finite numbers (of ``length``)."""
        if not isinstance(values, list):
            raise self.fail(where, field, f'expected a list of numbers, got {values!r:.60}')
        if allow_empty and not values:
            return values
        if length is not None and len(values) != length:
            raise self.fail(where, field, f'expected {length} numbers, got {len(values)}')
        for i, value in enumerate(values):
            if not _is_finite(value):
                what = 'not finite' if _is_number(value) else 'not a number'
                raise self.fail(where, field, f'value {i} is {what}: {value!r:.40}')
        return values

    def finite_fields(self, record: dict, where: str) -> None:
        """No NaN or infinity in any field of ``record`` (strict json has none)."""
        for field, value in record.items():
            if _has_non_finite(value):
                raise self.fail(where, field, 'holds NaN or infinity')

    def top_level(self, doc: Any, key: str) -> list:
        value = doc.get(key)
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise ValueError(f'{self.path}: top-level field "{key}" must be a list of objects')
        return value

    def num_keypoints(self, categories: list) -> int:
        if not categories:
            return DEFAULT_NUM_KEYPOINTS
        names = categories[0].get('keypoints')
        if not isinstance(names, list) or not names:
            raise self.fail('categories[0]', 'keypoints', 'expected a list of keypoint names')
        return len(names)

    def images(self, images: list) -> Dict[Any, int]:
        """Check ``images``; returns ``id -> position``."""
        seen: Dict[Any, int] = {}
        frames: Dict[tuple, int] = {}  # (video folder, frame file) -> position
        for i, image in enumerate(images):
            where = f'images[{i}]'
            image_id = image.get('id')
            if not _is_id(image_id):
                raise self.fail(where, 'id', f'expected an int or string id, got {image_id!r}')
            where = f'image id={image_id}'
            if image_id in seen:
                raise self.fail(where, 'id', f'images[{i}] repeats the id of '
                                f'images[{seen[image_id]}]: image ids must be unique')
            seen[image_id] = i
            self.finite_fields(image, where)
            labelled = image.get('is_labeled', False)
            if self.role != 'prediction' and not isinstance(labelled, bool):
                # the datasets and propagation read its truth: "false" (a string) made a frame
                # without persons a labelled frame with none, and nothing was propagated to it
                raise self.fail(where, 'is_labeled', f'expected true or false, got {labelled!r}')
            if self.role == 'annotations':  # the datasets and propagation clip boxes to them
                for field in ('width', 'height'):
                    size = image.get(field)
                    if not _is_finite(size) or size <= 0:
                        raise self.fail(where, field, f'expected a positive number, got {size!r}')
            name = image.get('file_name')
            # a prediction needs no file name: its frames are paired with the GT by image id
            if self.role != 'prediction' and (not isinstance(name, str)
                                              or not osp.basename(osp.dirname(name))):
                raise self.fail(where, 'file_name', f'{name!r} is not <video folder>/<frame '
                                'file>: the folder names the video')
            # a frame listed twice would be read (or paired with a prediction) twice, and the
            # evaluation pairs frames by this key when the ids differ
            frame = (osp.basename(osp.dirname(name)), osp.basename(name)) \
                if isinstance(name, str) else None
            if frame in frames:
                raise self.fail(where, 'file_name', f'images[{i}] repeats the frame {name!r} '
                                f'of images[{frames[frame]}]: each frame is listed once')
            if frame is not None:
                frames[frame] = i
        return seen

    def indexed_fields(self, ann: dict, where: str, k: int, ann_ids: Dict[Any, int]) -> None:
        """What xtcocotools' index (datasets, propagation) needs of an annotation."""
        ann_id = ann.get('id')
        if not _is_id(ann_id):
            raise self.fail(where, 'id', f'expected an int or string id, got {ann_id!r}')
        if ann_id in ann_ids:
            raise self.fail(where, 'id', f'annotations[{k}] repeats the id of '
                            f'annotations[{ann_ids[ann_id]}]: annotation ids must be unique')
        ann_ids[ann_id] = k
        for field, kinds in (('category_id', (int, )), ('iscrowd', (bool, int))):
            if not isinstance(ann.get(field), kinds) or isinstance(ann.get(field), float):
                raise self.fail(where, field, f'expected {" or ".join(t.__name__ for t in kinds)},'
                                f' got {ann.get(field)!r}')

    def annotation(self, ann: dict, k: int, image_ids: Dict[Any, int], num_keypoints: int,
                   ann_ids: Dict[Any, int]) -> None:
        where = f'annotation id={ann["id"]}' if _is_id(ann.get('id')) else f'annotations[{k}]'
        if self.role == 'annotations':
            self.indexed_fields(ann, where, k, ann_ids)
        elif self.role == 'gt' and _is_id(ann.get('id')):
            # a repeated GT person would be counted twice: ids, where given, are unique here too
            if ann['id'] in ann_ids:
                raise self.fail(where, 'id', f'annotations[{k}] repeats the id of '
                                f'annotations[{ann_ids[ann["id"]]}]: annotation ids must be '
                                'unique')
            ann_ids[ann['id']] = k
        image_id = ann.get('image_id')
        if not _is_id(image_id) or image_id not in image_ids:
            raise self.fail(where, 'image_id', f'{image_id!r} is not the id of an image of '
                            'this file')
        where += f' (image {image_id})'
        self.finite_fields(ann, where)
        if 'keypoints' in ann:
            kpts = self.numbers(ann['keypoints'], where, 'keypoints', 3 * num_keypoints)
            if self.role != 'prediction':
                flags = kpts[2::3]
                bad = next((v for v in flags if v not in VISIBILITIES), None)
                if bad is not None:
                    raise self.fail(where, 'keypoints', f'visibility {bad!r} is not one of '
                                    f'{VISIBILITIES}')
        elif self.role != 'annotations':
            raise self.fail(where, 'keypoints', 'missing')
        if 'scores' in ann:
            self.numbers(ann['scores'], where, 'scores', num_keypoints, allow_empty=True)
        if 'track_id' in ann:
            track_id = ann['track_id']
            if not _is_finite(track_id) or track_id != int(track_id):
                raise self.fail(where, 'track_id', f'expected an integer, got {track_id!r}')
        for field, length in (('bbox', 4), ('bbox_head', 4)):
            if field in ann:
                self.numbers(ann[field], where, field, length, allow_empty=field == 'bbox')


def check_posetrack_document(doc: Any, path: str, role: str = 'annotations') -> dict:
    """Validate a PoseTrack18 document before it is used.

    Checked: the root is an object with lists ``images``, ``annotations`` (and ``categories``,
    whose keypoint names give K); image ids are ints or strings and unique; every image's
    ``file_name`` is ``<video folder>/<frame file>`` (not checked in predictions) and names
    another frame than the others (video folder and frame file); every
    annotation's ``image_id`` is an image of the file; ``keypoints`` are ``3K`` finite numbers
    with visibilities 0, 1 or 2 (scores in predictions; required in GT and predictions);
    ``scores`` (if not empty) are K finite numbers; ``track_id`` is an integer; ``bbox`` and
    ``bbox_head`` are 4 finite numbers.

    Args:
        doc: The parsed json.
        path (str): Its file, named in every message.
        role (str): One of :data:`ROLES`.

    Returns:
        dict: ``doc``.

    Raises:
        ValueError: At the first violation: ``<file>: <image or annotation id>: field "<field>":
            <what is wrong>``.
    """
    check = _Checker(path, role)
    if not isinstance(doc, dict):
        raise ValueError(f'{path}: expected a json object, got {type(doc).__name__}')
    if 'annolist' in doc:
        raise ValueError(f'{path}: field "annolist": PoseTrack17 format is not supported; use '
                         'PoseTrack18 files (images/annotations/categories)')
    categories = check.top_level(doc, 'categories') if 'categories' in doc or \
        role != 'prediction' else []
    images = check.images(check.top_level(doc, 'images'))
    for i, category in enumerate(categories):
        check.finite_fields(category, f'categories[{i}]')
        if role == 'annotations' and not _is_id(category.get('id')):
            raise check.fail(f'categories[{i}]', 'id',
                             f'expected an int or string id, got {category.get("id")!r}')
    num_keypoints = check.num_keypoints(categories)
    ann_ids: Dict[Any, int] = {}
    for k, ann in enumerate(check.top_level(doc, 'annotations')):
        check.annotation(ann, k, images, num_keypoints, ann_ids)
    return doc
