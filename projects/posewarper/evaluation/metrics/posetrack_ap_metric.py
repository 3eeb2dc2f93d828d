"""PoseTrack AP metric for MMPose val/test loops, without the ``poseval`` package."""
import os.path as osp
from typing import Dict, List, Optional, Tuple

import numpy as np
from mmengine.logging import MMLogger
from mmpose.evaluation.metrics import CocoMetric
from mmpose.registry import METRICS

from ...fileio import (coco_index, gt_dir_from_ann_file, load_posetrack_json, person_category,
                       posetrack_document, prediction_record, video_json_files, write_json_atomic)
from ..functional.ap_table import format_ap_table
from ..functional.posetrack_ap import AP_KEYS, compute_ap

#: How predicted joints are scored for the AP (which ranks joints by their scores):
#: ``'mmpose'``, MMPose's PoseTrack18Metric (the heatmap maximum; people rescored and OKS-NMSed
#: by ``score_mode`` / ``nms_mode``); ``'official'``, the official PoseWarper evaluation
#: (``lib/dataset/posetrack.py``: heatmap maximum × person box score, no NMS).
SCORINGS = ('mmpose', 'official')


@METRICS.register_module()
class PoseTrackAPMetric(CocoMetric):
    """PoseTrack per-frame multi-person pose AP (poseval protocol), computed in-process.

    Predictions go through MMPose's :class:`CocoMetric` rescoring (``score_mode``,
    ``keypoint_score_thr``) and OKS-NMS (``nms_mode``, ``nms_thr``) like MMPose's
    ``PoseTrack18Metric``, are written as one PoseTrack18 json per GT video (every GT frame,
    per-joint ``scores``, ``track_id``) so that ``poseval`` could read them, and are scored with
    :func:`posewarper.evaluation.functional.compute_ap` instead of ``poseval``.

    Args:
        ann_file (str, optional): Merged PoseTrack18 annotation file of the split, e.g.
            ``data/posetrack18/annotations/posetrack18_val.json``. Its per-video GT folder
            (``.../annotations/val``) is used unless ``gt_dir`` is given.
        gt_dir (str, optional): Folder of per-video PoseTrack18 GT json files. Defaults to the
            one derived from ``ann_file``.
        scoring (str): ``'mmpose'`` (MMPose's joint scores, the heatmap maxima, after the
            rescoring and NMS below) or ``'official'`` (the official code's: heatmap maximum ×
            person box score, no NMS; ``nms_mode`` is then ignored). See :data:`SCORINGS`.
            Defaults to ``'mmpose'``.
        score_mode (str): Instance rescoring, ``'bbox'`` or ``'bbox_keypoint'``. It only affects
            the NMS (AP ranks joints by their own scores). Defaults to ``'bbox_keypoint'``.
        keypoint_score_thr (float): Keypoints above this score enter the ``'bbox_keypoint'``
            rescoring. Defaults to 0.2.
        nms_mode (str): ``'oks_nms'``, ``'soft_oks_nms'`` or ``'none'``. Defaults to
            ``'oks_nms'``.
        nms_thr (float): OKS threshold of the NMS. Defaults to 0.9.
        format_only (bool): Only write the prediction files (``outfile_prefix`` required).
            Defaults to False.
        outfile_prefix (str, optional): The prediction files are written into
            ``osp.dirname(outfile_prefix)``, one ``<video>.json`` per GT video. Defaults to a
            temporary folder that is removed after evaluation.
        collect_device (str): ``'cpu'`` or ``'gpu'``. Defaults to ``'cpu'``.
        prefix (str, optional): Metric name prefix. Defaults to ``'posetrack'``.
    """
    default_prefix: Optional[str] = 'posetrack'

    def __init__(self,
                 ann_file: Optional[str] = None,
                 gt_dir: Optional[str] = None,
                 scoring: str = 'mmpose',
                 score_mode: str = 'bbox_keypoint',
                 keypoint_score_thr: float = 0.2,
                 nms_mode: str = 'oks_nms',
                 nms_thr: float = 0.9,
                 format_only: bool = False,
                 outfile_prefix: Optional[str] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        if gt_dir is None:
            if ann_file is None:
                raise ValueError('PoseTrackAPMetric needs `ann_file` or `gt_dir`')
            gt_dir = gt_dir_from_ann_file(ann_file)
        if not osp.isdir(gt_dir):
            raise ValueError(f'PoseTrack GT folder not found: {gt_dir}')
        if scoring not in SCORINGS:
            raise ValueError(f'scoring must be one of {SCORINGS}, got {scoring!r}')
        if scoring == 'official':
            nms_mode = 'none'  # the official evaluation keeps every detected person
        # The merged ``ann_file`` is not loaded: the GT comes from the per-video files.
        super().__init__(
            ann_file=None,
            score_mode=score_mode,
            keypoint_score_thr=keypoint_score_thr,
            nms_mode=nms_mode,
            nms_thr=nms_thr,
            format_only=format_only,
            outfile_prefix=outfile_prefix,
            collect_device=collect_device,
            prefix=prefix)
        self.ann_file = ann_file
        self.gt_dir = gt_dir
        self.scoring = scoring
        # The per-video GT, read (and validated) once: every evaluation scores against it.
        self.gt_videos: Dict[str, dict] = {
            path: load_posetrack_json(path, 'gt') for path in video_json_files(gt_dir)}
        # CocoMetric's GT index: given one, it needs no GT from the data samples (their
        # ``raw_ann_info``); the AP itself is computed from the per-video files.
        videos = list(self.gt_videos.values())
        self.coco = coco_index(
            posetrack_document([im for v in videos for im in v.get('images', [])],
                               [a for v in videos for a in v.get('annotations', [])],
                               videos[0].get('categories', [])), self.gt_dir)

    @staticmethod
    def _pred_dir(outfile_prefix: str) -> str:
        # Same place as MMPose's PoseTrack18Metric: next to the prefix, not prefixed by it.
        return osp.dirname(outfile_prefix) or '.'

    def results2json(self, keypoints: Dict[int, list], outfile_prefix: str) -> str:
        """Write one PoseTrack18 prediction file per GT video.

        Args:
            keypoints (dict[int, list]): Instances kept after NMS per image id; each has
                ``keypoints`` (K, 3) with the score as third column, and ``score``.
            outfile_prefix (str): The files go to ``osp.dirname(outfile_prefix)``.

        Returns:
            str: The folder holding the prediction files.
        """
        pred_dir = self._pred_dir(outfile_prefix)
        if osp.realpath(pred_dir) == osp.realpath(self.gt_dir):
            # The prediction files carry the GT file names: never overwrite the GT.
            raise ValueError(f'outfile_prefix {outfile_prefix!r} would write the predictions '
                             f'into the GT folder {self.gt_dir}')
        categories = [person_category()]
        used = set()
        for gt_file, gt in self.gt_videos.items():
            images, annotations = [], []
            # Every GT frame is listed, in GT order: poseval pairs frames by position.
            for image in gt.get('images', []):
                images.append({'id': image['id'], 'file_name': image.get('file_name')})
                instances = keypoints.get(image['id'], [])
                if instances:
                    used.add(image['id'])
                # track ids unique within the frame, as poseval requires; no tracking here
                for track_id, instance in enumerate(instances):
                    kpts = np.asarray(instance['keypoints'], dtype=np.float64).reshape(-1, 3)
                    scores = kpts[:, 2]
                    if self.scoring == 'official':
                        scores = scores * float(instance['bbox_score'])
                    annotations.append(prediction_record(image['id'], kpts[:, :2], scores,
                                                         track_id, instance['score']))
            write_json_atomic(osp.join(pred_dir, osp.basename(gt_file)),
                              posetrack_document(images, annotations, categories))

        unused = [img_id for img_id, inst in keypoints.items() if inst and img_id not in used]
        if unused:
            MMLogger.get_current_instance().warning(
                f'{len(unused)} image ids with predictions are in no GT video of '
                f'{self.gt_dir} and are not evaluated (e.g. {unused[:3]})')
        return pred_dir

    def _do_python_keypoint_eval(self, outfile_prefix: str) -> List[Tuple[str, float]]:
        """Score the written prediction files against the GT folder.

        Args:
            outfile_prefix (str): The prefix given to :meth:`results2json`.

        Returns:
            list[tuple[str, float]]: ``(name, AP)`` for ``Head, Shou, Elb, Wri, Hip, Knee,
            Ankl, Total``.
        """
        pred_dir = self._pred_dir(outfile_prefix)
        gt_videos, pred_videos, gt_paths, pred_paths = {}, {}, {}, {}
        for gt_file, gt in self.gt_videos.items():
            name = osp.basename(gt_file)
            gt_paths[name] = gt_file
            pred_paths[name] = osp.join(pred_dir, name)
            gt_videos[name] = gt
            # Read back what was written, so the numbers are those of the files on disk.
            pred_videos[name] = load_posetrack_json(pred_paths[name], 'prediction')
        results = compute_ap(gt_videos, pred_videos, gt_paths, pred_paths)

        logger: MMLogger = MMLogger.get_current_instance()
        logger.info(f'PoseTrack AP ({len(gt_videos)} videos):\n'
                    + format_ap_table({'AP': results}, first=''))
        return [(k, results[k]) for k in AP_KEYS]
