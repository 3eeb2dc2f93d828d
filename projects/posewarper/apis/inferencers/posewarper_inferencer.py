"""PoseWarperInferencer: MMPose's top-down inferencer with PoseWarper's temporal aggregation."""
import copy
import logging
import mimetypes
import os
import os.path as osp
import tempfile
from collections import OrderedDict
from typing import Generator, Iterator, List, NamedTuple, Optional, Sequence, Tuple, Union

import cv2
import mmcv
import numpy as np
import torch.nn as nn
from mmengine.config import Config, ConfigDict
from mmengine.infer.infer import ModelType
from mmengine.logging import print_log
from mmengine.registry import init_default_scope
from mmengine.structures import InstanceData, PixelData
from mmengine.visualization import Visualizer
from mmpose.apis.inferencers import Pose2DInferencer
from mmpose.evaluation.functional import nearby_joints_nms, nms
from mmpose.registry import INFERENCERS
from mmpose.structures import PoseDataSample, merge_data_samples
from mmpose.visualization import PoseLocalVisualizer
from rich.progress import track

from ...synthetic.posetrack_writer import write_json_atomic
from ..streaming_aggregator import StreamingAggregator, StreamingResult, as_bboxes, temporal_window

ConfigType = Union[Config, ConfigDict]
BBoxesType = Union[np.ndarray, Sequence]

#: Frame rate of the rendered video when the input (an image folder) has none.
DEFAULT_FPS = 25.0


class _FrameSource(NamedTuple):
    """Frames of one input: ``frames`` yields ``(image, name)``; ``name`` names the outputs."""
    frames: Iterator[Tuple[np.ndarray, str]]
    name: str
    fps: float


def _is_video(path: str) -> bool:
    kind = mimetypes.guess_type(path)[0]
    return kind is not None and kind.startswith('video')


def _is_image(path: str) -> bool:
    kind = mimetypes.guess_type(path)[0]
    return kind is not None and kind.startswith('image')


def _read_image(path: str) -> np.ndarray:
    img = mmcv.imread(path)
    if img is None:
        raise ValueError(f'cannot read image {path}')
    return img


def _open_video(path: str) -> Tuple[Iterator[Tuple[np.ndarray, str]], float]:
    """Open a video file and read its first frame now, so that a bad file fails at once."""
    cap = cv2.VideoCapture(path)
    if not cap.isOpened():
        raise ValueError(f'cannot open video file {path} (not a video, or a codec OpenCV lacks)')
    ok, first = cap.read()
    if not ok:
        cap.release()
        raise ValueError(f'cannot read any frame from video file {path}')
    fps = cap.get(cv2.CAP_PROP_FPS) or DEFAULT_FPS
    stem = osp.splitext(osp.basename(path))[0]

    def frames() -> Iterator[Tuple[np.ndarray, str]]:
        try:
            img, idx = first, 0
            while True:
                yield img, f'{stem}/{idx:06d}.jpg'
                ok, img = cap.read()
                if not ok:
                    return
                idx += 1
        finally:
            cap.release()

    return frames(), fps


class _PoseLocalVisualizer(PoseLocalVisualizer):
    """MMPose's visualiser, drawing keypoints under NumPy >= 2.4 too.

    MMPose 1.3.2 passes each keypoint's radius as a one-element array, which its OpenCV backend
    turns into an int with ``int()``; NumPy 2.4 no longer converts arrays with ``ndim > 0`` to
    scalars, so every keypoint drawing fails. The radius is made a scalar for that backend.
    """

    def draw_circles(self, center, radius, *args, **kwargs):
        if self.backend == 'opencv' and np.size(radius) == 1:
            radius = float(np.asarray(radius).reshape(-1)[0])
        return super().draw_circles(center, radius, *args, **kwargs)


class _Outputs:
    """The PoseTrack18 json and the rendered video of one input, written atomically.

    Both go to temporary files in their target folders and are moved into place by
    :meth:`commit` only when the whole input was processed; :meth:`close` removes what was not
    committed, so an error or an abandoned run leaves no partial output.
    """

    def __init__(self, name: str, fps: float, pred_out_dir: str, vis_out_dir: str,
                 keypoint_names: List[str]) -> None:
        self.json_path = osp.join(pred_out_dir, f'{name}.json') if pred_out_dir else None
        if vis_out_dir and osp.splitext(vis_out_dir)[1]:
            self.video_path: Optional[str] = vis_out_dir  # a file name, as MMPose allows
        else:
            self.video_path = osp.join(vis_out_dir, f'{name}.mp4') if vis_out_dir else None
        self.fps = fps
        self.images: List[dict] = []
        self.annotations: List[dict] = []
        self.category = dict(supercategory='person', id=1, name='person',
                             keypoints=list(keypoint_names))
        self._writer: Optional[cv2.VideoWriter] = None
        self._tmp_video: Optional[str] = None
        self._size: Tuple[int, int] = (0, 0)

    def add(self, frame_idx: int, name: str, shape: Tuple[int, int],
            sample: PoseDataSample) -> None:
        """Record the predictions of one frame (every frame gets an ``images`` entry)."""
        h, w = shape
        self.images.append(dict(id=frame_idx, file_name=name, frame_id=frame_idx, width=w,
                                height=h))
        inst = sample.pred_instances
        for track_id in range(len(inst)):
            kpts = np.asarray(inst.keypoints[track_id], dtype=np.float64)
            scores = np.asarray(inst.keypoint_scores[track_id], dtype=np.float64)
            x1, y1, x2, y2 = (float(v) for v in inst.bboxes[track_id][:4])
            bbox_score = float(inst.bbox_scores[track_id])
            self.annotations.append(dict(
                image_id=frame_idx,
                category_id=1,
                bbox=[x1, y1, x2 - x1, y2 - y1],
                keypoints=np.concatenate([kpts, scores[:, None]], axis=1).reshape(-1).tolist(),
                scores=scores.tolist(),
                score=bbox_score * float(scores.mean()),
                # PoseTrack needs ids unique within the frame; no tracking is done here.
                track_id=track_id))

    def write_frame(self, frame_bgr: np.ndarray) -> None:
        if self.video_path is None:
            return
        if self._writer is None:
            folder = osp.dirname(osp.abspath(self.video_path))
            os.makedirs(folder, exist_ok=True)
            fd, self._tmp_video = tempfile.mkstemp(prefix='.tmp_', suffix='.mp4', dir=folder)
            os.close(fd)
            h, w = frame_bgr.shape[:2]
            self._writer = cv2.VideoWriter(self._tmp_video, cv2.VideoWriter_fourcc(*'mp4v'),
                                           self.fps, (w, h))
            if not self._writer.isOpened():
                raise OSError(f'OpenCV cannot write the video {self.video_path}')
            self._size = (w, h)
        if frame_bgr.shape[1::-1] != self._size:
            # OpenCV silently drops frames of another size than the first one
            frame_bgr = cv2.resize(frame_bgr, self._size)
        self._writer.write(frame_bgr)

    def commit(self) -> None:
        """Move the finished outputs into place."""
        if self._writer is not None:
            self._writer.release()
            self._writer = None
            os.replace(self._tmp_video, self.video_path)
            self._tmp_video = None
            print_log(f'the rendered video has been saved at {self.video_path}',
                      logger='current', level=logging.INFO)
        if self.json_path is not None:
            os.makedirs(osp.dirname(osp.abspath(self.json_path)), exist_ok=True)
            for image in self.images:
                image['nframes'] = len(self.images)
            write_json_atomic(self.json_path, dict(images=self.images,
                                                   annotations=self.annotations,
                                                   categories=[self.category]))
            print_log(f'the predictions have been saved at {self.json_path}', logger='current',
                      level=logging.INFO)

    def close(self) -> None:
        """Drop whatever was not committed."""
        if self._writer is not None:
            self._writer.release()
            self._writer = None
        if self._tmp_video is not None and osp.exists(self._tmp_video):
            os.remove(self._tmp_video)
        self._tmp_video = None


def _state_dict_mismatch(own: dict, state: dict, shown: int = 3) -> str:
    """A short summary of how a state dict differs from a model's."""
    parts = []
    missing = [k for k in own if k not in state]
    unexpected = [k for k in state if k not in own]
    shapes = [f'{k} {tuple(state[k].shape)} vs {tuple(own[k].shape)}' for k in state
              if k in own and getattr(state[k], 'shape', None) != own[k].shape]
    for what, keys in (('missing keys', missing), ('unexpected keys', unexpected),
                       ('shape mismatches (checkpoint vs model)', shapes)):
        if keys:
            more = f', ... ({len(keys)} in all)' if len(keys) > shown else ''
            parts.append(f'{what}: {", ".join(keys[:shown])}{more}')
    return '; '.join(parts)


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
        super().__init__(
            model=model,
            weights=weights,
            device=device,
            scope=scope,
            det_model=det_model,
            det_weights=det_weights,
            det_cat_ids=det_cat_ids,
            show_progress=show_progress)
        # mmdet's inferencer switches the default scope to mmdet; registry look-ups made after
        # building this inferencer (configs, transforms) belong to MMPose's scope.
        init_default_scope(scope)

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
        if weights is not None and '://' not in weights and not osp.isfile(weights):
            raise FileNotFoundError(f'checkpoint not found: {weights}')
        self._weights = weights
        return super()._init_model(cfg, weights, device)

    def _load_weights_to_model(self, model: nn.Module, checkpoint: Optional[dict],
                               cfg: Optional[ConfigType]) -> None:
        if checkpoint is not None:
            state = checkpoint.get('state_dict', checkpoint)
            if not isinstance(state, dict):
                raise ValueError(f'checkpoint {self._weights} holds no state dict')
            metadata = getattr(state, '_metadata', None)
            state = OrderedDict((k[len('module.'):] if k.startswith('module.') else k, v)
                                for k, v in state.items())
            if metadata is not None:
                state._metadata = metadata  # module versions, read by load-state hooks
            # mmengine loads non-strictly and only warns: a checkpoint of another model would
            # silently leave random layers. Here every key and shape must match.
            try:
                model.load_state_dict(state, strict=True)
            except RuntimeError as e:
                raise ValueError(f'checkpoint {self._weights} does not match the '
                                 f'{type(model).__name__} model of the config: '
                                 f'{_state_dict_mismatch(model.state_dict(), state) or e}. Is it '
                                 'the checkpoint of another config (e.g. stage 1 for a '
                                 'PoseWarper config)?') from None
        super()._load_weights_to_model(model, checkpoint, cfg)

    def _init_visualizer(self, cfg: ConfigType) -> Optional[Visualizer]:
        if cfg.get('visualizer') and cfg.visualizer.get('type') in ('PoseLocalVisualizer',
                                                                    PoseLocalVisualizer):
            cfg = copy.deepcopy(cfg)
            cfg.visualizer.type = _PoseLocalVisualizer
        return super()._init_visualizer(cfg)

    # ------------------------------------------------------------------ inputs
    def _open_source(self, inputs: Union[str, np.ndarray, Sequence]) -> _FrameSource:
        """Open the input now (bad inputs fail before any output is created)."""
        if isinstance(inputs, str) and inputs.lower().startswith('webcam'):
            frames = self._get_webcam_inputs(inputs)
            if isinstance(frames, list):
                raise ValueError(f'cannot open the camera of {inputs!r}')
            named = ((img, f'webcam/{i:06d}.jpg') for i, img in enumerate(frames))
            return _FrameSource(named, 'webcam', self.video_info['fps'] or DEFAULT_FPS)
        if isinstance(inputs, str):
            if osp.isdir(inputs):
                paths = sorted(osp.join(inputs, f) for f in os.listdir(inputs) if _is_image(f))
                if not paths:
                    raise ValueError(f'no image file in folder {inputs}')
                name = osp.basename(osp.normpath(inputs))
                return _FrameSource(((_read_image(p), p) for p in paths), name, DEFAULT_FPS)
            if not osp.exists(inputs):
                raise FileNotFoundError(f'input not found: {inputs}')
            if _is_video(inputs):
                frames, fps = _open_video(inputs)
                return _FrameSource(frames, osp.splitext(osp.basename(inputs))[0], fps)
            if _is_image(inputs):
                return _FrameSource(iter([(_read_image(inputs), inputs)]),
                                    osp.splitext(osp.basename(inputs))[0], DEFAULT_FPS)
            raise ValueError(f'{inputs} is neither a video, an image nor a folder of images')
        if isinstance(inputs, np.ndarray):
            inputs = [inputs]
        if not isinstance(inputs, (list, tuple)) or not inputs:
            raise ValueError(f'inputs must be a path, an array or a non-empty list of them, got '
                             f'{type(inputs).__name__}')

        def frames() -> Iterator[Tuple[np.ndarray, str]]:
            for i, item in enumerate(inputs):
                if isinstance(item, str):
                    yield _read_image(item), item
                else:
                    yield item, f'{i:06d}.jpg'

        return _FrameSource(frames(), 'video', DEFAULT_FPS)

    def _frame_bboxes(self, img: np.ndarray, index: int, name: str, bbox_thr: float = 0.3,
                      nms_thr: float = 0.3, bboxes: Optional[Sequence[BBoxesType]] = None
                      ) -> np.ndarray:
        """Person boxes ``(P, 5)`` of one frame: given, detected (as Pose2DInferencer), or all."""
        if bboxes is not None and len(bboxes) > 0:
            if index >= len(bboxes):
                raise ValueError(f'bboxes has {len(bboxes)} entries (one per frame), but the '
                                 f'input has more frames (frame {index}: {name})')
            boxes = as_bboxes(bboxes[index], img)
        elif self.detector is None:
            h, w = img.shape[:2]
            boxes = np.array([[0, 0, w, h, 1]], dtype=np.float32)
        else:
            det = self.detector(img, return_datasamples=True)['predictions'][0]
            pred = det.pred_instances.cpu().numpy()
            boxes = np.concatenate([pred.bboxes, pred.scores[:, None]], axis=1)
            keep = np.isin(pred.labels, self.det_cat_ids) & (pred.scores > bbox_thr)
            boxes = boxes[keep]
            boxes = boxes[nms(boxes, nms_thr)] if len(boxes) else boxes
        h, w = img.shape[:2]
        boxes = boxes.astype(np.float32)
        boxes[:, [0, 2]] = boxes[:, [0, 2]].clip(0, w)
        boxes[:, [1, 3]] = boxes[:, [1, 3]].clip(0, h)
        boxes = boxes[(boxes[:, 2] > boxes[:, 0]) & (boxes[:, 3] > boxes[:, 1])]
        if len(boxes) == 0:
            print_log(f'frame {index} ({name}): no person box, skipped (empty predictions)',
                      logger='current', level=logging.WARNING)
        return boxes

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

    def _stream(self, source: _FrameSource, aggregator: StreamingAggregator,
                return_datasamples: bool, pre_kwargs: dict, pose_based_nms: bool,
                vis_kwargs: dict, post_kwargs: dict) -> Generator[dict, None, None]:
        # Every input is a sequence of video frames (MMPose's video mode: short display waits).
        self._video_input = True
        outputs = _Outputs(source.name, source.fps, post_kwargs.get('pred_out_dir', ''),
                           vis_kwargs.pop('vis_out_dir', ''),
                           list(self.model.dataset_meta['keypoint_id2name'].values()))
        frames = source.frames
        if self.show_progress:
            frames = track(frames, description='Inference')
        try:
            for index, (img, name) in enumerate(frames):
                boxes = self._frame_bboxes(img, index, name, **pre_kwargs)
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

    def _finish_frame(self, result: StreamingResult, outputs: _Outputs, return_datasamples: bool,
                      pose_based_nms: bool, vis_kwargs: dict, post_kwargs: dict) -> dict:
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
