"""PoseTrack18 with sparse labels: the labelled frames, one person per sample."""
import os.path as osp
from collections import defaultdict
from typing import Callable, Dict, List, Optional, Set, Tuple, Union

import numpy as np
from mmengine.logging import MMLogger
from mmpose.datasets.datasets.base import BaseCocoStyleDataset
from mmpose.registry import DATASETS
from mmpose.structures.bbox import bbox_xywh2xyxy
from xtcocotools.coco import COCO

from ..fileio import coco_index, frame_info, load_detections, load_posetrack_json, video_name_of


def check_label_selection(label_interval: Optional[int], label_phase: int,
                          labeled_ann_file: Optional[str]) -> Tuple[int, int]:
    """Validate how the labelled frames are chosen.

    Args:
        label_interval (int, optional): Every ``label_interval``-th annotated frame of each
            video is labelled; ``None`` means 1.
        label_phase (int): Position of the first labelled frame, in ``[0, label_interval)``.
        labeled_ann_file (str, optional): A file naming the labelled frames instead.

    Returns:
        tuple[int, int]: ``(label_interval, label_phase)``.
    """
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


def annotated_image_ids(coco: COCO) -> Set[int]:
    """Images that carry labels: ``is_labeled`` or at least one annotation."""
    return {img_id for img_id, img in coco.imgs.items()
            if img.get('is_labeled', False) or coco.getAnnIds(imgIds=img_id)}


def labelled_image_ids(coco: COCO,
                       ann_file: str,
                       label_interval: int = 1,
                       label_phase: int = 0,
                       labeled_ann_file: Optional[str] = None) -> Set[int]:
    """Ids of the frames kept as labelled: the sparse-label selection of the datasets, also
    used by propagation so that both see the same labels.

    Args:
        coco (COCO): Index of the annotation file (:func:`~posewarper.fileio.coco_index`).
        ann_file (str): Its path, for error messages.
        label_interval (int): Every K-th annotated frame of each video (by frame index).
        label_phase (int): Position of the first labelled frame among the annotated ones.
        labeled_ann_file (str, optional): A COCO-style json whose annotated frames (matched by
            ``file_name``) are the labelled ones; excludes ``label_interval > 1``.

    Returns:
        set[int]: The labelled image ids.
    """
    label_interval, label_phase = check_label_selection(label_interval, label_phase,
                                                        labeled_ann_file)
    annotated = annotated_image_ids(coco)
    if labeled_ann_file:
        subset = coco_index(load_posetrack_json(labeled_ann_file), labeled_ann_file)
        names = {subset.imgs[i]['file_name'] for i in annotated_image_ids(subset)}
        by_name = {coco.imgs[i]['file_name']: i for i in annotated}
        unknown = sorted(names - set(by_name))
        if unknown:
            raise ValueError(f'labeled_ann_file {labeled_ann_file} names {len(unknown)} '
                             f'frame(s) that are not annotated in {ann_file}, e.g. '
                             f'{unknown[0]!r}')
        return {by_name[n] for n in names}
    per_video = defaultdict(list)
    folders: Dict[str, str] = {}
    for img_id in annotated:
        info = frame_info(coco.imgs[img_id], ann_file)
        # frames are grouped by vid_id: two videos sharing one would be labelled as one
        folder = video_name_of(coco.imgs[img_id])
        if folders.setdefault(info['vid_id'], folder) != folder:
            raise ValueError(f'{ann_file}: image id={img_id}: field "vid_id": videos '
                             f'{folders[info["vid_id"]]!r} and {folder!r} share vid_id '
                             f'{info["vid_id"]}: each video needs its own')
        per_video[info['vid_id']].append((info['frame_idx'], img_id))
    labelled = set()
    for frames in per_video.values():
        frames.sort()
        labelled.update(img_id for pos, (_, img_id) in enumerate(frames)
                        if pos % label_interval == label_phase)
    return labelled


@DATASETS.register_module()
class PoseTrackSparseDataset(BaseCocoStyleDataset):
    """PoseTrack18 with sparse labels: every labelled person (or detected box) is a sample.

    Reads the merged PoseTrack18 json (``posetrack18_{train,val}.json``, COCO style) and keeps
    only the labels of the paper's sparse setting: every ``label_interval``-th annotated frame of
    each video (ordered by frame index, starting at position ``label_phase``), or the frames
    annotated in ``labeled_ann_file``. The annotations of all other frames are dropped while
    loading, so no pipeline or model can see them. A frame counts as annotated when it has
    ``is_labeled: true`` or any annotation. With ``bbox_file`` (test mode) the samples are the
    detections of every frame instead.

    Samples are MMPose's ordinary single-frame top-down samples (``img_path`` a string), which
    ``TopdownPoseEstimator`` and its pipelines consume unchanged: the paper's stage 1 and the
    augmentation models train on them. :class:`PoseTrackSparseClipDataset` adds the frames around
    each sample for PoseWarper.

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
        **kwargs: The other arguments of :class:`BaseCocoStyleDataset` (``data_root``,
            ``data_prefix``, ``pipeline``, ``test_mode``, ``filter_cfg``, ...).

    Data info of a sample: MMPose's top-down keys (``img_id``, ``img_path``, ``bbox``,
    ``bbox_score``, ``keypoints`` of shape ``(1, K, 2)``, ``keypoints_visible``, ``id``, ...) plus
    ``vid_id`` (str), ``frame_id`` (int), ``frame_idx`` (int, index in the video), ``nframes``
    (int) and ``track_id`` (int, ``-1`` for detections).
    """

    METAINFO: dict = dict(from_file='configs/_base_/datasets/posetrack18.py')

    def __init__(self,
                 ann_file: str = '',
                 bbox_file: Optional[str] = None,
                 label_interval: Optional[int] = 7,
                 label_phase: int = 0,
                 labeled_ann_file: Optional[str] = None,
                 data_mode: str = 'topdown',
                 test_mode: bool = False,
                 pipeline: List[Union[dict, Callable]] = [],
                 **kwargs) -> None:
        if data_mode != 'topdown':
            raise ValueError(f'{self.__class__.__name__} supports only data_mode="topdown", '
                             f'got {data_mode!r}')
        self.label_interval, self.label_phase = check_label_selection(
            label_interval, label_phase, labeled_ann_file)
        self.labeled_ann_file = labeled_ann_file
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

    def _load_coco(self) -> COCO:
        coco = coco_index(load_posetrack_json(self.ann_file), self.ann_file)
        self._metainfo['CLASSES'] = coco.loadCats(coco.getCatIds())
        return coco

    def load_data_list(self) -> List[dict]:
        """Load the labelled person annotations, or the detections with ``bbox_file``."""
        if self.bbox_file:
            return self._load_detection_results()
        coco = self._load_coco()
        labelled = labelled_image_ids(coco, self.ann_file, self.label_interval,
                                      self.label_phase, self.labeled_ann_file)
        data_list = []
        # only the labelled frames' annotations are parsed; the others never enter the dataset
        for img_id in sorted(labelled):
            img = dict(coco.imgs[img_id], img_id=img_id,
                       img_path=osp.join(self.data_prefix['img'], coco.imgs[img_id]['file_name']))
            for ann in coco.loadAnns(coco.getAnnIds(imgIds=img_id, iscrowd=False)):
                data_info = self.parse_data_info(dict(raw_ann_info=ann, raw_img_info=img))
                if data_info:
                    data_list.append(data_info)
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
        data_info.update(frame_info(img, self.ann_file))
        data_info.update(track_id=int(ann.get('track_id', -1)),
                         img_shape=(img['height'], img['width']))
        return data_info

    def _load_detection_results(self) -> List[dict]:
        """Load person detections as samples with dummy keypoints (test mode)."""
        coco = self._load_coco()
        dets = load_detections(self.bbox_file)
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
            data_info.update(frame_info(img, self.ann_file))
            data_list.append(data_info)
        return data_list
