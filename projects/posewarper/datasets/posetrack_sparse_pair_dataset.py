"""PoseTrack18 with sparse labels: (Frame A, Frame B) training pairs and test windows."""
import json
import os.path as osp
from collections import defaultdict
from typing import Callable, Dict, List, Optional, Sequence, Set, Tuple, Union

import numpy as np
from mmengine.logging import MMLogger
from mmpose.datasets.datasets.base import BaseCocoStyleDataset
from mmpose.registry import DATASETS
from mmpose.structures.bbox import bbox_xywh2xyxy
from xtcocotools.coco import COCO

# Fields of a PoseTrack18 ``images`` entry needed to find a frame's neighbours.
_VIDEO_FIELDS = ('file_name', 'frame_id', 'vid_id', 'nframes')


def _load_json(path: str, what: str) -> Union[dict, list]:
    """Read a json file; errors name the file (xtcocotools' own errors do not)."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'{what} not found: {path}')
    try:
        with open(path, encoding='utf-8') as f:
            return json.load(f)
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ValueError(f'{what} {path} is not valid JSON: {e}') from e


def _coco_from_dict(dataset: dict, path: str) -> COCO:
    """Build an xtcocotools index from an already parsed COCO-style dict."""
    for key in ('images', 'annotations', 'categories'):
        if not isinstance(dataset.get(key), list):
            raise ValueError(f'{path}: top-level field "{key}" is missing or not a list')
    coco = COCO()
    coco.dataset = dataset
    coco.createIndex()
    return coco


@DATASETS.register_module()
class PoseTrackSparsePairDataset(BaseCocoStyleDataset):
    """PoseTrack18 for PoseWarper: sparse labels, per-sample frame pairs, test windows.

    Reads the merged PoseTrack18 json (``posetrack18_{train,val}.json``, COCO style) and turns
    every kept person annotation (or detected box) into a multi-frame sample whose frames are
    resolved from the image fields ``file_name``, ``frame_id``, ``vid_id`` and ``nframes``: the
    neighbour at offset ``d`` of ``<dir>/<idx>.jpg`` is ``<dir>/<idx + d>.jpg`` (zero-padded to
    ``ph_fill_len`` digits) with ``idx + d`` clipped to ``[0, nframes - 1]``.

    Sparse labels. Only every ``label_interval``-th annotated frame of each video (ordered by
    frame index, starting at position ``label_phase``), or only the frames annotated in
    ``labeled_ann_file``, stay labelled. The annotations of all other frames are dropped while
    loading, so no pipeline or model can see them; their images are still used as supporting
    frames. A frame counts as annotated when it has ``is_labeled: true`` or any annotation. This
    filter applies to ground-truth annotations only: with ``bbox_file`` the samples are the
    detections of every frame.

    Training (``test_mode=False``): sample ``i`` is Frame A (a labelled person) plus Frame B at
    offset ``δ``, drawn uniformly from ``frame_range`` in every :meth:`get_data_info` call, so
    each epoch sees new pairs (MMPose's ``PoseTrack18VideoDataset`` draws once at load time).
    Draws use numpy's global RNG, which ``randomness=dict(seed=...)`` and mmengine's worker
    seeding make reproducible. As in the official code the index is clipped at the video ends,
    so the effective offset there may be smaller than ``δ``, or 0. With ``allow_zero_offset=False``
    only non-zero offsets that stay inside the video are drawn instead.

    Test (``test_mode=True``): sample ``i`` is the window ``t + frame_offsets`` around the
    annotated (or detected) person's frame ``t``, with ``frame_weights``; indices are clipped at
    the video ends (the clipped frame is loaded twice).

    Every sample follows the multi-frame contract of ``docs/design.md``: the reference frame
    comes first and ``frame_offsets`` holds the effective (clipped) offsets, so
    ``frame_offsets[0] == 0``.

    Args:
        ann_file (str): Merged PoseTrack18 annotation file. Default: ``''``.
        bbox_file (str, optional): Detection results (json list of ``image_id`` or
            ``image_name``, ``category_id``, ``bbox`` as xywh, ``score``), test mode only.
            Filter low scores with ``filter_cfg=dict(bbox_score_thr=...)``. Default: ``None``.
        label_interval (int, optional): Keep every ``label_interval``-th annotated frame of
            each video as labelled; ``1`` or ``None`` keeps all. Default: 7.
        label_phase (int): Position, in ``[0, label_interval)``, of the first labelled frame
            among each video's annotated frames. Default: 0.
        labeled_ann_file (str, optional): COCO-style json whose annotated frames (matched by
            ``file_name``) are the labelled ones, e.g. the official ``N per video`` subsets.
            Excludes ``label_interval > 1``. Default: ``None``.
        frame_range (int | Sequence[int]): Training offset range ``(low, high)``, both ends
            included; an int ``r`` means ``(-r, r)``. Default: ``(-3, 3)``.
        allow_zero_offset (bool): Whether training may draw ``δ = 0`` (Frame B = Frame A), as
            the official code does. Default: ``True``.
        frame_offsets (Sequence[int], optional): Test-window offsets, reference first (``0``).
            Default: ``(0, -1, 1, -2, 2)`` in test mode; must be ``None`` in training.
        frame_weights (Sequence[float], optional): Aggregation weight of each frame, summing
            to 1. Default: ``(0.0, 1.0)`` in training, ``(0.3, 0.25, 0.25, 0.1, 0.1)`` in test
            mode (the official ±2 window).
        ph_fill_len (int): Digits of the zero-padded frame file names. Default: 6.
        **kwargs: The other arguments of :class:`BaseCocoStyleDataset` (``data_root``,
            ``data_prefix``, ``pipeline``, ``test_mode``, ``filter_cfg``, ...).

    Data info of a sample (on top of MMPose's top-down keys ``img_id``, ``bbox``,
    ``bbox_score``, ``keypoints`` of shape ``(1, K, 2)``, ``keypoints_visible``, ``id``, ...):

        - ``img_path`` (List[str]): T frame paths, reference first.
        - ``frame_offsets`` (List[int]): T effective offsets, ``frame_offsets[0] == 0``.
        - ``frame_weights`` (List[float]): T weights.
        - ``vid_id`` (str), ``frame_id`` (int), ``frame_idx`` (int, index in the video),
          ``nframes`` (int), ``track_id`` (int, ``-1`` for detections).
    """

    METAINFO: dict = dict(from_file='configs/_base_/datasets/posetrack18.py')

    def __init__(self,
                 ann_file: str = '',
                 bbox_file: Optional[str] = None,
                 label_interval: Optional[int] = 7,
                 label_phase: int = 0,
                 labeled_ann_file: Optional[str] = None,
                 frame_range: Union[int, Sequence[int]] = (-3, 3),
                 allow_zero_offset: bool = True,
                 frame_offsets: Optional[Sequence[int]] = None,
                 frame_weights: Optional[Sequence[float]] = None,
                 ph_fill_len: int = 6,
                 data_mode: str = 'topdown',
                 test_mode: bool = False,
                 pipeline: List[Union[dict, Callable]] = [],
                 **kwargs) -> None:
        if data_mode != 'topdown':
            raise ValueError(f'{self.__class__.__name__} supports only data_mode="topdown", '
                             f'got {data_mode!r}')
        self.label_interval, self.label_phase = self._check_labels(
            label_interval, label_phase, labeled_ann_file)
        self.labeled_ann_file = labeled_ann_file
        self.allow_zero_offset = bool(allow_zero_offset)
        self.frame_range = self._check_frame_range(frame_range, self.allow_zero_offset)
        self.frame_offsets, self.frame_weights = self._check_window(
            frame_offsets, frame_weights, test_mode)
        if not isinstance(ph_fill_len, int) or ph_fill_len < 1:
            raise ValueError(f'ph_fill_len must be a positive int, got {ph_fill_len!r}')
        self.ph_fill_len = ph_fill_len
        # Like ``ann_file``, a relative ``labeled_ann_file`` lives under ``data_root``.
        data_root = kwargs.get('data_root')
        if labeled_ann_file and data_root and not osp.isabs(labeled_ann_file):
            self.labeled_ann_file = osp.join(data_root, labeled_ann_file)
        super().__init__(
            ann_file=ann_file,
            bbox_file=bbox_file,
            data_mode=data_mode,
            test_mode=test_mode,
            pipeline=pipeline,
            **kwargs)

    # ------------------------------------------------------------------ argument checks
    @staticmethod
    def _check_labels(label_interval: Optional[int], label_phase: int,
                      labeled_ann_file: Optional[str]) -> Tuple[int, int]:
        interval = 1 if label_interval is None else label_interval
        if isinstance(interval, bool) or not isinstance(interval, int) or interval < 1:
            raise ValueError(
                f'label_interval must be an int >= 1 (or None), got {label_interval!r}')
        if isinstance(label_phase, bool) or not isinstance(label_phase, int) \
                or not 0 <= label_phase < interval:
            raise ValueError(f'label_phase must be an int in [0, label_interval={interval}), '
                             f'got {label_phase!r}')
        if labeled_ann_file and interval != 1:
            raise ValueError('labeled_ann_file and label_interval are exclusive ways of choosing '
                             f'the labelled frames: set label_interval=1 (got {label_interval})')
        return interval, label_phase

    @staticmethod
    def _check_frame_range(frame_range: Union[int, Sequence[int]],
                           allow_zero_offset: bool) -> Tuple[int, int]:
        def is_int(x) -> bool:
            return isinstance(x, (int, np.integer)) and not isinstance(x, bool)

        if is_int(frame_range):
            if frame_range < 0:
                raise ValueError(f'frame_range must be >= 0 when an int, got {frame_range}')
            low, high = -int(frame_range), int(frame_range)
        elif isinstance(frame_range, Sequence) and len(frame_range) == 2 \
                and all(is_int(x) for x in frame_range):
            low, high = int(frame_range[0]), int(frame_range[1])
            if low > high:
                raise ValueError(f'frame_range must be (low, high) with low <= high, '
                                 f'got {tuple(frame_range)}')
        else:
            raise ValueError(f'frame_range must be an int or a pair of ints, got {frame_range!r}')
        if not allow_zero_offset and low == high == 0:
            raise ValueError('frame_range=(0, 0) leaves no offset when allow_zero_offset=False')
        return low, high

    @staticmethod
    def _check_window(frame_offsets: Optional[Sequence[int]],
                      frame_weights: Optional[Sequence[float]],
                      test_mode: bool) -> Tuple[Optional[List[int]], List[float]]:
        if not test_mode:
            if frame_offsets is not None:
                raise ValueError('frame_offsets applies to test_mode=True only; training draws '
                                 'the supporting frame from frame_range')
            weights = [0.0, 1.0] if frame_weights is None else [float(w) for w in frame_weights]
            if len(weights) != 2:
                raise ValueError(f'frame_weights must have 2 entries (Frame A, Frame B) in '
                                 f'training, got {list(frame_weights)}')
            offsets = None
        else:
            offsets = [0, -1, 1, -2, 2] if frame_offsets is None else list(frame_offsets)
            if not offsets or not all(isinstance(o, (int, np.integer)) and not isinstance(o, bool)
                                      for o in offsets):
                raise ValueError(f'frame_offsets must be a non-empty list of ints, '
                                 f'got {frame_offsets!r}')
            if offsets[0] != 0:
                raise ValueError(f'frame_offsets must start with 0 (the reference frame comes '
                                 f'first), got {offsets}')
            offsets = [int(o) for o in offsets]
            if frame_weights is not None:
                weights = [float(w) for w in frame_weights]
            elif frame_offsets is None:
                weights = [0.3, 0.25, 0.25, 0.1, 0.1]
            else:
                raise ValueError('frame_weights must be given together with frame_offsets')
            if len(weights) != len(offsets):
                raise ValueError(f'frame_weights ({len(weights)} entries) must match '
                                 f'frame_offsets ({len(offsets)} entries)')
        if any(w < 0 for w in weights) or not np.isclose(sum(weights), 1.0):
            raise ValueError(f'frame_weights must be >= 0 and sum to 1, got {weights}')
        return offsets, weights

    # ------------------------------------------------------------------ loading
    def _video_info(self, img: dict, source: str) -> Dict:
        """Validate an ``images`` entry and return its video fields."""
        missing = [k for k in _VIDEO_FIELDS if k not in img]
        if missing:
            raise ValueError(f'{source}: image id={img.get("id")} lacks field(s) {missing}; '
                             f'PoseTrack18 images need {list(_VIDEO_FIELDS)}')
        stem = osp.splitext(osp.basename(img['file_name']))[0]
        try:
            frame_idx = int(stem)
            nframes = int(img['nframes'])
            frame_id = int(img['frame_id'])
        except (TypeError, ValueError) as e:
            raise ValueError(f'{source}: image id={img.get("id")} has a non-integer frame index '
                             f'in "file_name" ({img["file_name"]!r}), "nframes" or "frame_id": '
                             f'{e}') from e
        if nframes < 1:
            raise ValueError(f'{source}: image {img["file_name"]!r} has "nframes"={nframes} < 1')
        if not 0 <= frame_idx < nframes:
            raise ValueError(f'{source}: image {img["file_name"]!r}: frame index {frame_idx} from '
                             f'"file_name" is outside [0, nframes={nframes})')
        return dict(vid_id=str(img['vid_id']), frame_id=frame_id, frame_idx=frame_idx,
                    nframes=nframes)

    @staticmethod
    def _annotated_img_ids(coco: COCO) -> Set[int]:
        """Images that carry labels: ``is_labeled`` or at least one annotation."""
        return {img_id for img_id, img in coco.imgs.items()
                if img.get('is_labeled', False) or coco.getAnnIds(imgIds=img_id)}

    def _labelled_img_ids(self, coco: COCO) -> Set[int]:
        """Ids of the frames kept as labelled (sparse labels)."""
        annotated = self._annotated_img_ids(coco)
        if self.labeled_ann_file:
            subset = _coco_from_dict(_load_json(self.labeled_ann_file, 'labeled_ann_file'),
                                     self.labeled_ann_file)
            names = {subset.imgs[i]['file_name'] for i in self._annotated_img_ids(subset)}
            by_name = {coco.imgs[i]['file_name']: i for i in annotated}
            unknown = sorted(names - set(by_name))
            if unknown:
                raise ValueError(f'labeled_ann_file {self.labeled_ann_file} names '
                                 f'{len(unknown)} frame(s) that are not annotated in '
                                 f'{self.ann_file}, e.g. {unknown[0]!r}')
            return {by_name[n] for n in names}
        per_video = defaultdict(list)
        for img_id in annotated:
            info = self._video_info(coco.imgs[img_id], self.ann_file)
            per_video[info['vid_id']].append((info['frame_idx'], img_id))
        labelled = set()
        for frames in per_video.values():
            frames.sort()
            labelled.update(img_id for pos, (_, img_id) in enumerate(frames)
                            if pos % self.label_interval == self.label_phase)
        return labelled

    def load_data_list(self) -> List[dict]:
        """Load the labelled person annotations, or the detections with ``bbox_file``."""
        if self.bbox_file:
            return self._load_detection_results()
        data_list, labelled = self._load_labelled_annotations()
        data_list = self._get_topdown_data_infos(data_list)
        empty = len(labelled - {d['img_id'] for d in data_list})
        logger = MMLogger.get_current_instance()
        logger.info(f'{self.__class__.__name__}: {len(labelled)} labelled frames '
                    f'(label_interval={self.label_interval}, label_phase={self.label_phase}, '
                    f'labeled_ann_file={self.labeled_ann_file}), {len(data_list)} person '
                    f'samples from {self.ann_file}')
        if empty:
            # Frames labelled as having no (valid) person give no top-down sample.
            logger.info(f'{self.__class__.__name__}: skipped {empty} labelled frame(s) '
                        'without a valid person annotation')
        return data_list

    def _load_labelled_annotations(self) -> Tuple[List[dict], Set[int]]:
        """Parse the annotations of the labelled frames; the others are never parsed.

        Returns:
            tuple: the parsed instances and the set of labelled image ids.
        """
        coco = _coco_from_dict(_load_json(self.ann_file, 'ann_file'), self.ann_file)
        self._metainfo['CLASSES'] = coco.loadCats(coco.getCatIds())
        labelled = self._labelled_img_ids(coco)
        data_list = []
        for img_id in sorted(labelled):
            img = dict(coco.imgs[img_id], img_id=img_id,
                       img_path=osp.join(self.data_prefix['img'], coco.imgs[img_id]['file_name']))
            for ann in coco.loadAnns(coco.getAnnIds(imgIds=img_id, iscrowd=False)):
                data_info = self.parse_data_info(dict(raw_ann_info=ann, raw_img_info=img))
                if data_info:
                    data_list.append(data_info)
        return data_list, labelled

    def parse_data_info(self, raw_data_info: dict) -> Optional[dict]:
        """Parse one person annotation, adding its video fields.

        Args:
            raw_data_info (dict): ``raw_ann_info`` and ``raw_img_info`` of the instance.

        Returns:
            dict | None: The instance, ``None`` if it has no box or no keypoint.
        """
        ann, img = raw_data_info['raw_ann_info'], raw_data_info['raw_img_info']
        num_keypoints = self.metainfo['num_keypoints']
        if 'keypoints' in ann and len(ann['keypoints']) != 3 * num_keypoints:
            raise ValueError(f'{self.ann_file}: annotation id={ann.get("id")} field "keypoints" '
                             f'has {len(ann["keypoints"])} values, expected 3 x '
                             f'{num_keypoints} = {3 * num_keypoints}')
        data_info = super().parse_data_info(raw_data_info)
        if data_info is None:
            return None
        # PoseTrack's ``image_id`` equals the frame's ``id``; the metric keys frames by it.
        data_info.update(self._video_info(img, self.ann_file))
        data_info.update(track_id=int(ann.get('track_id', -1)),
                         img_shape=(img['height'], img['width']))
        return data_info

    def _load_detection_results(self) -> List[dict]:
        """Load person detections as samples with dummy keypoints (test mode)."""
        coco = _coco_from_dict(_load_json(self.ann_file, 'ann_file'), self.ann_file)
        self._metainfo['CLASSES'] = coco.loadCats(coco.getCatIds())
        dets = _load_json(self.bbox_file, 'bbox_file')
        if not isinstance(dets, list):
            raise ValueError(f'bbox_file {self.bbox_file} must hold a json list of detections')
        by_name = {img['file_name']: img for img in coco.imgs.values()}
        num_keypoints = self.metainfo['num_keypoints']
        data_list = []
        for i, det in enumerate(dets):
            if det.get('category_id', 1) != 1:
                continue
            for key in ('bbox', 'score'):
                if key not in det:
                    raise ValueError(f'bbox_file {self.bbox_file}: detection #{i} lacks "{key}"')
            if 'image_name' in det:
                img = by_name.get(det['image_name'])
                ref = f'image_name={det["image_name"]!r}'
            elif 'image_id' in det:
                img = coco.imgs.get(det['image_id'])
                ref = f'image_id={det["image_id"]}'
            else:
                raise ValueError(f'bbox_file {self.bbox_file}: detection #{i} has neither '
                                 '"image_id" nor "image_name"')
            if img is None:
                raise ValueError(f'bbox_file {self.bbox_file}: detection #{i} refers to '
                                 f'{ref}, which is not an image of {self.ann_file}')
            bbox = bbox_xywh2xyxy(np.array(det['bbox'][:4], dtype=np.float32).reshape(1, 4))
            data_info = dict(
                img_id=img['id'],
                img_path=osp.join(self.data_prefix['img'], img['file_name']),
                img_shape=(img['height'], img['width']),
                bbox=bbox,
                bbox_score=np.array(det['score'], dtype=np.float32).reshape(1),
                keypoints=np.zeros((1, num_keypoints, 2), dtype=np.float32),
                keypoints_visible=np.ones((1, num_keypoints), dtype=np.float32),
                id=len(data_list),
                track_id=-1)
            data_info.update(self._video_info(img, self.ann_file))
            data_list.append(data_info)
        return data_list

    # ------------------------------------------------------------------ sampling
    def _draw_offset(self, frame_idx: int, nframes: int) -> int:
        """Draw the training offset of Frame B and return it after clipping to the video."""
        low, high = self.frame_range
        if self.allow_zero_offset:
            delta = int(np.random.randint(low, high + 1))
            return int(np.clip(frame_idx + delta, 0, nframes - 1)) - frame_idx
        # Clipping could turn a non-zero draw into 0: draw among the offsets that stay inside.
        candidates = [d for d in range(low, high + 1)
                      if d != 0 and 0 <= frame_idx + d < nframes]
        if not candidates:
            # A single-frame video (or a range that lies outside the video): pair A with itself.
            return 0
        return int(candidates[np.random.randint(len(candidates))])

    def get_data_info(self, idx: int) -> dict:
        """Get sample ``idx`` with its frames; training draws Frame B anew on every call.

        Args:
            idx (int): Sample index.

        Returns:
            dict: The data info, ``img_path`` being the list of T frame paths (reference first).
        """
        data_info = super().get_data_info(idx)
        frame_idx, nframes = data_info['frame_idx'], data_info['nframes']
        if self.test_mode:
            offsets = [int(np.clip(frame_idx + o, 0, nframes - 1)) - frame_idx
                       for o in self.frame_offsets]
        else:
            offsets = [0, self._draw_offset(frame_idx, nframes)]
        ref_path = data_info['img_path']
        folder, ext = osp.dirname(ref_path), osp.splitext(ref_path)[1]
        data_info['img_path'] = [ref_path] + [
            osp.join(folder, f'{frame_idx + o:0{self.ph_fill_len}d}{ext}') for o in offsets[1:]]
        data_info['frame_offsets'] = offsets
        data_info['frame_weights'] = list(self.frame_weights)
        return data_info
