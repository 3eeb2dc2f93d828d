"""Person boxes of a frame for the top-down inferencer: given, detected, or the whole frame."""
import logging
from typing import Optional, Sequence

import numpy as np
from mmengine.config import Config
from mmengine.logging import print_log
from mmpose.apis.inferencers.utils import default_det_models
from mmpose.evaluation.functional import nms
from mmpose.registry import DATASETS

from ..bboxes import as_bboxes


def default_detector_weights(cfg: Config) -> Optional[str]:
    """The weights (URL) of the detector MMPose picks for a config's ``dataset_type``.

    As ``BaseMMPoseInferencer._init_detector``: the object type is the dataset's module folder
    (``body`` for ``mmpose.datasets.datasets.body.*``).
    """
    module = DATASETS.get(cfg.dataset_type).__module__
    object_type = module.split('datasets.')[-1].split('.')[0].lower()
    return default_det_models.get(object_type, {}).get('weights')


def detect_person_boxes(detector, img: np.ndarray, det_cat_ids: Sequence[int], bbox_thr: float,
                        nms_thr: float) -> np.ndarray:
    """Boxes ``(P, 5)`` of an mmdet ``DetInferencer``, filtered as ``Pose2DInferencer`` does.

    MMPose runs its detector inside ``Pose2DInferencer.preprocess_single``, fused with the
    single-frame pipeline and a whole-image fallback; the streaming inferencer needs the boxes
    alone (its windows are cropped later), so the same filtering (classes, score threshold, NMS)
    is done here.
    """
    det = detector(img, return_datasamples=True)['predictions'][0]
    pred = det.pred_instances.cpu().numpy()
    boxes = np.concatenate([pred.bboxes, pred.scores[:, None]], axis=1)
    boxes = boxes[np.isin(pred.labels, det_cat_ids) & (pred.scores > bbox_thr)]
    return boxes[nms(boxes, nms_thr)] if len(boxes) else boxes


def frame_person_boxes(img: np.ndarray,
                       index: int,
                       name: str,
                       detector=None,
                       det_cat_ids: Sequence[int] = (0, ),
                       bbox_thr: float = 0.3,
                       nms_thr: float = 0.3,
                       bboxes: Optional[Sequence] = None) -> np.ndarray:
    """Person boxes ``(P, 5)`` of one frame, clipped to it; empty boxes are dropped.

    Args:
        img (np.ndarray): The frame ``(H, W, 3)``.
        index (int): Its index in the input.
        name (str): Its name, for messages.
        detector: An mmdet ``DetInferencer``; ``None`` without one.
        det_cat_ids (Sequence[int]): Detector classes kept.
        bbox_thr (float): Detection score threshold.
        nms_thr (float): IoU threshold of the box NMS.
        bboxes (Sequence, optional): One ``(P, 4|5)`` array per frame, used instead of the
            detector when given; with neither, the whole frame.

    Returns:
        np.ndarray: ``(P, 5)`` float32 ``x1, y1, x2, y2, score``; a frame without boxes is
        reported with a warning.
    """
    if bboxes is not None and len(bboxes) > 0:
        if index >= len(bboxes):
            raise ValueError(f'bboxes has {len(bboxes)} entries (one per frame), but the '
                             f'input has more frames (frame {index}: {name})')
        boxes = as_bboxes(bboxes[index], img)
    elif detector is None:
        boxes = as_bboxes(None, img)
    else:
        boxes = detect_person_boxes(detector, img, det_cat_ids, bbox_thr, nms_thr)
    h, w = img.shape[:2]
    boxes = boxes.astype(np.float32)
    boxes[:, [0, 2]] = boxes[:, [0, 2]].clip(0, w)
    boxes[:, [1, 3]] = boxes[:, [1, 3]].clip(0, h)
    boxes = boxes[(boxes[:, 2] > boxes[:, 0]) & (boxes[:, 3] > boxes[:, 1])]
    if len(boxes) == 0:
        print_log(f'frame {index} ({name}): no person box, skipped (empty predictions)',
                  logger='current', level=logging.WARNING)
    return boxes
