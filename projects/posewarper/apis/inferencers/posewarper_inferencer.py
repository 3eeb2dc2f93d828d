"""PoseWarperInferencer: MMPose's top-down inferencer with PoseWarper's temporal aggregation."""
import copy
import logging
from typing import Generator, Optional, Sequence, Tuple, Union

import mmcv
import numpy as np
import torch.nn as nn
from mmengine.config import Config, ConfigDict
from mmengine.infer.infer import ModelType
from mmengine.logging import print_log
from mmengine.registry import DefaultScope
from mmengine.structures import InstanceData, PixelData
from mmengine.visualization import Visualizer
from mmpose.apis.inference import dataset_meta_from_config
from mmpose.apis.inferencers import Pose2DInferencer
from mmpose.evaluation.functional import nearby_joints_nms
from mmpose.registry import INFERENCERS
from mmpose.structures import PoseDataSample, merge_data_samples
from mmpose.visualization import PoseLocalVisualizer
from rich.progress import track

from ...datasets.frame_window import temporal_window
from ...utils.checkpoint import load_pose_weights, read_checkpoint
from ...visualization import CompatPoseLocalVisualizer
from ..streaming_aggregator import StreamingAggregator, StreamingResult
from .frame_sources import DEFAULT_FPS, FrameSource, open_frame_source
from .person_boxes import frame_person_boxes
from .video_outputs import VideoOutputs

ConfigType = Union[Config, ConfigDict]
BBoxesType = Union[np.ndarray, Sequence]


@INFERENCERS.register_module(name='posewarper')
@INFERENCERS.register_module()
class PoseWarperInferencer(Pose2DInferencer):
    """Pose estimation on videos with PoseWarper's temporal aggregation.

    :class:`Pose2DInferencer` per frame (the same detector filtering and NMS, pipeline and
    visualiser), but each person's heatmaps are aggregated over the window of frames
    ``t - k .. t + k`` cropped with that person's box in frame ``t``, by a
    :class:`StreamingAggregator`: every crop runs the backbone once, frame ``t`` is emitted when
    frame ``t + k`` has been read (``k`` frames of latency), and windows are clipped at the video
    ends like the PoseTrack test set.

    Inputs: a video file, a folder of frames (sorted by name), ``'webcam'`` / ``'webcam:ID'``, a
    list of image paths or arrays (the frames of one video), or one image / array. Person boxes
    come from ``bboxes`` (one ``(P, 4|5)`` array per frame) when given, else from the detector
    (``det_model``), else the whole frame (``det_model='whole_image'``). A frame without any box
    is skipped with a warning: it gets empty predictions and never fails the run.

    Outputs (per input, written only when the whole input has been processed):
    ``pred_out_dir/<name>.json``, PoseTrack18 predictions of every frame (``images`` with one entry
    per frame, ``annotations`` with ``keypoints`` ``[x, y, score] × K``, per-joint ``scores``,
    ``score`` = box score × mean joint score, ``bbox`` as xywh and ``track_id`` = index within the
    frame); ``vis_out_dir/<name>.mp4``, the video rendered by MMPose's ``PoseLocalVisualizer``
    (``vis_out_dir`` may also be a file name). Keypoints and boxes are clipped to the frame.

    Args:
        model (str | dict | Config): PoseWarper config (path or object); a single-frame
            top-down config works with ``temporal_window=0``.
        weights (str, optional): Checkpoint; its keys and shapes must match the model exactly.
            Default: none (random weights, with a warning).
        device (str, optional): Device. Default: the available one.
        scope (str): Registry scope. Default: ``'mmpose'``.
        det_model (str | dict, optional): mmdet config (path or object) or alias,
            ``'whole_image'`` for no detector, or ``None`` for MMPose's default body detector.
        det_weights (str, optional): Detector checkpoint.
        det_cat_ids (int | Sequence[int]): Detector classes kept. Default: ``(0,)`` (COCO person).
        show_progress (bool): Show a progress bar. Default: False.
        max_batch (int): Most crops per backbone call and pairs per warp call. Default: 32.

    Call arguments (besides :class:`Pose2DInferencer`'s ``bbox_thr``, ``nms_thr``, ``bboxes``,
    ``pose_based_nms``, ``vis_out_dir``, ``pred_out_dir``, ``show``, ``radius``, ...):
        temporal_window (int): ``k``; 0 is single-frame. Default: 2.
        frame_weights (Sequence[float], optional): ``2k + 1`` weights for offsets
            ``0, -1, 1, ..., -k, k`` summing to 1. Default: the official ``0.3, 0.25, 0.25, 0.1,
            0.1`` for ``k = 2``, triangular ``(k + 1 - |δ|)`` normalised otherwise.
    """

    preprocess_kwargs: set = {'bbox_thr', 'nms_thr', 'bboxes'}
    # Predictions are always merged per frame, so ``merge_results`` is not an option here.
    forward_kwargs: set = {'pose_based_nms', 'temporal_window', 'frame_weights'}
    visualize_kwargs: set = set(Pose2DInferencer.visualize_kwargs)
    postprocess_kwargs: set = {'pred_out_dir', 'return_datasample'}

    def __init__(self,
                 model: Union[ModelType, str],
                 weights: Optional[str] = None,
                 device: Optional[str] = None,
                 scope: Optional[str] = 'mmpose',
                 det_model: Optional[Union[ModelType, str]] = None,
                 det_weights: Optional[str] = None,
                 det_cat_ids: Optional[Union[int, Tuple]] = (0, ),
                 show_progress: bool = False,
                 max_batch: int = 32) -> None:
        self.max_batch = max_batch
        # MMPose's and mmdet's inferencers switch the process-wide default scope (to mmpose,
        # then mmdet) while they are built; the caller's scopes are restored afterwards.
        with DefaultScope.overwrite_default_scope(scope):
            super().__init__(
                model=model,
                weights=weights,
                device=device,
                scope=scope,
                det_model=det_model,
                det_weights=det_weights,
                det_cat_ids=det_cat_ids,
                show_progress=show_progress)

    # ------------------------------------------------------------------ model loading
    def _init_model(self, cfg: ConfigType, weights: Optional[str], device: str = 'cpu'
                    ) -> nn.Module:
        # MMPose's inferencer reads these top-level keys, which training configs need not set:
        # PoseWarper is top-down, and MMPose's PoseTrack18 dataset selects its default (body)
        # person detector.
        if 'data_mode' not in cfg:
            cfg.data_mode = 'topdown'
        if 'dataset_type' not in cfg:
            cfg.dataset_type = 'PoseTrack18Dataset'
        # read once here, under torch's safe unpickler; loaded by _load_weights_to_model
        self._weights = weights
        self._checkpoint = read_checkpoint(weights) if weights is not None else None
        try:
            return super()._init_model(cfg, None, device)
        finally:
            self._checkpoint = None

    def _load_weights_to_model(self, model: nn.Module, checkpoint: Optional[dict],
                               cfg: Optional[ConfigType]) -> None:
        if self._checkpoint is None:  # MMPose's warning and config metainfo for random weights
            return super()._load_weights_to_model(model, None, cfg)
        # strict, unlike mmengine's loading: a checkpoint of another model is refused
        load_pose_weights(model, self._checkpoint, name=self._weights,
                          config_name=getattr(cfg, 'filename', None))
        meta = self._checkpoint.get('meta', {})
        model.dataset_meta = meta['dataset_meta'] if 'dataset_meta' in meta else \
            dataset_meta_from_config(cfg, dataset_mode='train')

    def _init_visualizer(self, cfg: ConfigType) -> Optional[Visualizer]:
        if cfg.get('visualizer') and cfg.visualizer.get('type') in ('PoseLocalVisualizer',
                                                                    PoseLocalVisualizer):
            cfg = copy.deepcopy(cfg)
            cfg.visualizer.type = CompatPoseLocalVisualizer
        return super()._init_visualizer(cfg)

    # ------------------------------------------------------------------ inputs
    def _open_source(self, inputs: Union[str, np.ndarray, Sequence]) -> FrameSource:
        """Open the input now (bad inputs fail before any output is created)."""
        if isinstance(inputs, str) and inputs.lower().startswith('webcam'):
            frames = self._get_webcam_inputs(inputs)
            if isinstance(frames, list):
                raise ValueError(f'cannot open the camera of {inputs!r}')
            named = ((img, f'webcam/{i:06d}.jpg') for i, img in enumerate(frames))
            return FrameSource(named, 'webcam', self.video_info['fps'] or DEFAULT_FPS)
        return open_frame_source(inputs)

    # ------------------------------------------------------------------ running
    def __call__(self,
                 inputs: Union[str, np.ndarray, Sequence],
                 return_datasamples: bool = False,
                 batch_size: int = 1,
                 out_dir: Optional[str] = None,
                 **kwargs) -> Generator[dict, None, None]:
        """Run on one input; returns a generator of per-frame results, in frame order.

        Arguments are checked and the input is opened before this returns, so bad arguments and
        unreadable inputs raise here. Results arrive ``max offset`` frames after their frame was
        read; each is a dict with ``predictions`` (a list with the frame's instances, or its
        ``PoseDataSample`` with ``return_datasamples``), ``visualization`` (with
        ``return_vis``) and ``frame_id`` (the frame's index). The json and video are written
        when the generator is exhausted.

        Args:
            inputs: See the class docstring.
            return_datasamples (bool): Return ``PoseDataSample`` s. Default: False.
            batch_size (int): Unused (frames are streamed); kept for MMPose's signature.
            out_dir (str, optional): Sets ``vis_out_dir`` to ``out_dir/visualizations`` and
                ``pred_out_dir`` to ``out_dir/predictions`` unless they are given.
            **kwargs: See the class docstring.
        """
        if out_dir is not None:
            kwargs.setdefault('vis_out_dir', f'{out_dir}/visualizations')
            kwargs.setdefault('pred_out_dir', f'{out_dir}/predictions')
        pre_kwargs, fwd_kwargs, vis_kwargs, post_kwargs = self._dispatch_kwargs(**kwargs)
        window = fwd_kwargs.get('temporal_window')
        offsets, weights = temporal_window(2 if window is None else window,
                                           fwd_kwargs.get('frame_weights'))
        if len(offsets) > 1 and not hasattr(self.model.head, 'warp'):
            raise ValueError(f'{type(self.model).__name__} with {type(self.model.head).__name__} '
                             'cannot warp heatmaps (a single-frame model?): use '
                             'temporal_window=0 or a PoseWarper config')
        aggregator = StreamingAggregator(
            self.model, offsets, weights, pipeline=self.pipeline,
            dataset_meta=self.model.dataset_meta, max_batch=self.max_batch)
        self.update_model_visualizer_settings(**kwargs)
        webcam = isinstance(inputs, str) and inputs.lower().startswith('webcam')
        source = self._open_source(inputs)
        if webcam and not vis_kwargs.get('show', False):
            print_log('The display mode is closed when using webcam input. It will be turned on '
                      'automatically.', logger='current', level=logging.WARNING)
            vis_kwargs['show'] = True
        return self._stream(source, aggregator, return_datasamples, pre_kwargs,
                            fwd_kwargs.get('pose_based_nms', False), vis_kwargs, post_kwargs)

    def _stream(self, source: FrameSource, aggregator: StreamingAggregator,
                return_datasamples: bool, pre_kwargs: dict, pose_based_nms: bool,
                vis_kwargs: dict, post_kwargs: dict) -> Generator[dict, None, None]:
        # Every input is a sequence of video frames (MMPose's video mode: short display waits).
        self._video_input = True
        outputs = VideoOutputs(source.name, source.fps, post_kwargs.get('pred_out_dir', ''),
                               vis_kwargs.pop('vis_out_dir', ''),
                               list(self.model.dataset_meta['keypoint_id2name'].values()))
        frames = source.frames
        if self.show_progress:
            frames = track(frames, description='Inference')
        try:
            for index, (img, name) in enumerate(frames):
                # MMPose sets det_cat_ids only when it builds a detector
                boxes = frame_person_boxes(img, index, name, self.detector,
                                           getattr(self, 'det_cat_ids', ()), **pre_kwargs)
                for result in aggregator.push(img, boxes, img_path=name):
                    yield self._finish_frame(result, outputs, return_datasamples, pose_based_nms,
                                             vis_kwargs, post_kwargs)
            for result in aggregator.flush():
                yield self._finish_frame(result, outputs, return_datasamples, pose_based_nms,
                                         vis_kwargs, post_kwargs)
            outputs.commit()
        finally:
            outputs.close()
            aggregator.reset()

    def _frame_sample(self, result: StreamingResult, pose_based_nms: bool) -> PoseDataSample:
        """One data sample holding all people of a frame, clipped to the frame."""
        h, w = result.img.shape[:2]
        name = result.meta.get('img_path', f'{result.frame_idx:06d}.jpg')
        if result.data_samples:
            sample = merge_data_samples(result.data_samples)
        else:
            k = self.model.dataset_meta['num_keypoints']
            sample = PoseDataSample()
            sample.pred_instances = InstanceData(
                keypoints=np.zeros((0, k, 2), np.float32),
                keypoint_scores=np.zeros((0, k), np.float32),
                bboxes=np.zeros((0, 4), np.float32),
                bbox_scores=np.zeros(0, np.float32))
            if self.model.test_cfg.get('output_heatmaps', False):
                # drawn like the other frames' (merged, in image space), so all have one size
                sample.pred_fields = PixelData(heatmaps=np.zeros((k, h, w), np.float32))
        sample.set_metainfo(dict(img_path=name, ori_shape=(h, w), frame_idx=result.frame_idx))
        inst = sample.pred_instances
        # The crop around a box extends past the frame (padding, aspect ratio): keypoints found
        # there are clipped to the frame, as are the boxes.
        inst.keypoints[..., 0] = inst.keypoints[..., 0].clip(0, w - 1)
        inst.keypoints[..., 1] = inst.keypoints[..., 1].clip(0, h - 1)
        inst.bboxes[:, [0, 2]] = inst.bboxes[:, [0, 2]].clip(0, w)
        inst.bboxes[:, [1, 3]] = inst.bboxes[:, [1, 3]].clip(0, h)
        if pose_based_nms and len(inst) > 1:
            # As Pose2DInferencer.forward.
            keep = nearby_joints_nms(
                [dict(keypoints=inst.keypoints[i], score=inst.bbox_scores[i])
                 for i in range(len(inst))],
                num_nearby_joints_thr=inst.keypoints.shape[-2] // 3)
            sample.pred_instances = inst[keep]
        return sample

    def _finish_frame(self, result: StreamingResult, outputs: VideoOutputs,
                      return_datasamples: bool, pose_based_nms: bool, vis_kwargs: dict,
                      post_kwargs: dict) -> dict:
        sample = self._frame_sample(result, pose_based_nms)
        want_vis = outputs.video_path is not None
        return_vis = vis_kwargs.get('return_vis', False)
        visualization = self.visualize([result.img], [sample], **dict(
            vis_kwargs, return_vis=return_vis or want_vis)) or []
        if want_vis:
            outputs.write_frame(mmcv.rgb2bgr(visualization[0]))
        outputs.add(result.frame_idx, sample.img_path, result.img.shape[:2], sample)
        # The json is written by ``outputs``; MMPose's per-image files are not wanted here.
        post = dict(post_kwargs, pred_out_dir='')
        results = self.postprocess([sample], visualization if return_vis else [],
                                   return_datasamples=return_datasamples, **post)
        results['frame_id'] = result.frame_idx
        return results
