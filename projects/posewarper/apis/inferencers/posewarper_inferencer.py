"""PoseWarperInferencer: MMPose's top-down inferencer with PoseWarper's temporal aggregation."""
import copy
import logging
from typing import Generator, Iterable, List, Optional, Sequence, Tuple, Union
from urllib.error import URLError

import mmcv
import numpy as np
import torch.nn as nn
from mmengine.config import Config, ConfigDict
from mmengine.infer.infer import ModelType
from mmengine.logging import print_log
from mmengine.registry import DefaultScope
from mmengine.visualization import Visualizer
from mmpose.apis.inferencers import Pose2DInferencer
from mmpose.registry import INFERENCERS
from mmpose.structures import PoseDataSample
from mmpose.visualization import PoseLocalVisualizer
from rich.progress import track

from ...visualization import CompatPoseLocalVisualizer
from ..frame_window_buffer import FrameWindow, FrameWindowBuffer
from ..inference import load_weights
from ..streaming_aggregator import StreamingAggregator
from .frame_sample import frame_sample
from .frame_sources import DEFAULT_FPS, FrameSource, open_frame_source, read_image
from .person_boxes import default_detector_weights, frame_person_boxes
from .pose_tracker import PoseTracker
from .video_outputs import VideoOutputs
from .window_options import config_frame_window, frame_window

ConfigType = Union[Config, ConfigDict]
InputsType = Union[str, np.ndarray, Sequence]


@INFERENCERS.register_module(name='posewarper')
@INFERENCERS.register_module()
class PoseWarperInferencer(Pose2DInferencer):
    """Pose estimation on videos with PoseWarper's temporal aggregation.

    :class:`Pose2DInferencer` per frame (the same detector filtering and NMS, pipeline and
    visualiser), but each person's heatmaps are aggregated over the window of frames
    ``t + δ`` cropped with that person's box in frame ``t``. It follows MMPose's inferencer
    contract, so MMPose's ``MMPoseInferencer`` can drive it step by step:

    - :meth:`preprocess` buffers frames and boxes ``max δ`` frames ahead and yields frame
      ``t``'s :class:`FrameWindow` once complete (the remaining frames at the end);
    - :meth:`forward` aggregates one window (:class:`StreamingAggregator`, each crop's backbone
      once) and links people across frames (:class:`PoseTracker`): one result per frame;
    - :meth:`visualize` / :meth:`postprocess` draw the frame and record its predictions;
      :meth:`_finalize_video_processing` writes them when the input ends.

    Inputs: a video, a folder of frames, ``'webcam[:ID]'``, frames, or an image; boxes: ``bboxes``
    (``(P, 4|5)`` per frame), else ``det_model``. Outputs, written when the input ends
    (:class:`VideoOutputs`): PoseTrack18 json in ``pred_out_dir``, a video in ``vis_out_dir``.

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
        temporal_window (int, optional): ``k``, the window ``-k..k``; 0 is single-frame.
            Default: the config's test window (single frame without one).
        frame_weights (Sequence[float], optional): ``2k + 1`` weights for offsets
            ``0, -1, 1, ..., -k, k`` summing to 1. Default: see :func:`frame_window`.
        use_oks_tracking (bool): Link people across frames by keypoint OKS instead of box IoU.
            Default: False.
        tracking_thr (float): Smallest IoU / OKS that continues a track. Default: 0.3.
    """

    preprocess_kwargs: set = {
        'bbox_thr', 'nms_thr', 'bboxes', 'temporal_window', 'frame_weights', 'use_oks_tracking',
        'tracking_thr'
    }
    forward_kwargs: set = {'merge_results', 'pose_based_nms'}
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
        self._aggregator: Optional[StreamingAggregator] = None
        self._tracker = PoseTracker()
        self._outputs: Optional[VideoOutputs] = None
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

    # ------------------------------------------------------------------ building
    def _init_model(self, cfg: ConfigType, weights: Optional[str], device: str = 'cpu'
                    ) -> nn.Module:
        # MMPose's inferencer reads these top-level keys, which training configs need not set:
        # PoseWarper is top-down, and MMPose's PoseTrack18 dataset selects its default (body)
        # person detector.
        if 'data_mode' not in cfg:
            cfg.data_mode = 'topdown'
        if 'dataset_type' not in cfg:
            cfg.dataset_type = 'PoseTrack18Dataset'
        self._weights = weights  # loaded by _load_weights_to_model, strictly
        return super()._init_model(cfg, None, device)

    def _load_weights_to_model(self, model: nn.Module, checkpoint: Optional[dict],
                               cfg: Optional[ConfigType]) -> None:
        if self._weights is None:  # MMPose's warning and config metainfo for random weights
            return super()._load_weights_to_model(model, None, cfg)
        # strict, unlike mmengine's loading: a checkpoint of another model is refused
        load_weights(model, self._weights, cfg)

    def _init_detector(self, det_model: Optional[Union[ModelType, str]] = None,
                       det_weights: Optional[str] = None,
                       det_cat_ids: Optional[Union[int, Tuple]] = None,
                       device: Optional[str] = None) -> None:
        try:
            super()._init_detector(det_model, det_weights, det_cat_ids, device)
        except URLError as e:  # urllib names the reason, not the URL
            url = det_weights or default_detector_weights(self.cfg)
            raise OSError(f'cannot download the person detector\'s weights {url}: {e.reason}. '
                          'Give a local file (det_weights / --det-weights), or no detector '
                          "(det_model='whole_image')") from e

    def _init_visualizer(self, cfg: ConfigType) -> Optional[Visualizer]:
        if cfg.get('visualizer') and cfg.visualizer.get('type') in ('PoseLocalVisualizer',
                                                                    PoseLocalVisualizer):
            cfg = copy.deepcopy(cfg)
            cfg.visualizer.type = CompatPoseLocalVisualizer
        return super()._init_visualizer(cfg)

    def update_model_visualizer_settings(self, draw_heatmap: bool = False,
                                         skeleton_style: str = 'mmpose', **kwargs) -> None:
        try:
            super().update_model_visualizer_settings(draw_heatmap, skeleton_style, **kwargs)
        except NotImplementedError as e:  # MMPose's openpose style knows COCO's keypoints only
            raise ValueError(f"skeleton_style='{skeleton_style}' is not available for "
                             f"{self.model.dataset_meta.get('dataset_name')} keypoints ({e}); "
                             "use 'mmpose'") from e

    # ------------------------------------------------------------------ inputs
    def _inputs_to_list(self, inputs: Union[InputsType, FrameSource]) -> Iterable:
        """Open the input now (bad inputs fail before any output is created).

        Every input is the sequence of frames of one video, so MMPose's video mode is set
        (``video_info``; short display waits).

        Returns:
            Iterable[tuple[np.ndarray, str]]: The frames and their names, read lazily.
        """
        source = inputs if isinstance(inputs, FrameSource) else open_frame_source(inputs)
        self._video_input = True
        self.video_info = dict(fps=source.fps, name=source.name, writer=None, predictions=[])
        if self._outputs is not None:
            self._outputs.close()
        self._outputs = VideoOutputs(source.name, source.fps, '', '',
                                     list(self.model.dataset_meta['keypoint_id2name'].values()))
        return source.frames

    def _get_webcam_inputs(self, inputs: str) -> Iterable:
        frames = super()._get_webcam_inputs(inputs)
        if isinstance(frames, list):  # MMPose only warns, then runs on nothing
            raise ValueError(f'cannot open the camera of {inputs!r}')
        named = ((img, f'webcam/{i:06d}.jpg') for i, img in enumerate(frames))
        return self._inputs_to_list(FrameSource(named, 'webcam', self.video_info['fps']
                                                or DEFAULT_FPS))

    @staticmethod
    def _frame_and_name(item: Union[Tuple[np.ndarray, str], str, np.ndarray],
                        index: int) -> Tuple[np.ndarray, str]:
        """A frame of :meth:`_inputs_to_list` (or of MMPose's lists: paths, arrays)."""
        if isinstance(item, tuple):
            return item
        if isinstance(item, str):
            return read_image(item), item
        return item, f'{index:06d}.jpg'

    # ------------------------------------------------------------------ the four steps
    def preprocess(self,
                   inputs: Iterable,
                   batch_size: int = 1,
                   bboxes: Optional[Sequence] = None,
                   bbox_thr: float = 0.3,
                   nms_thr: float = 0.3,
                   temporal_window: Optional[int] = None,
                   frame_weights: Optional[Sequence[float]] = None,
                   use_oks_tracking: bool = False,
                   tracking_thr: float = 0.3,
                   **kwargs) -> Generator[Tuple[FrameWindow, List[np.ndarray]], None, None]:
        """Buffer the frames and yield each frame's window once it is complete.

        The window is checked and the aggregator and tracker of this input are set up when this
        is called, before any frame is read.

        Args:
            inputs (Iterable): The frames, as :meth:`_inputs_to_list` returns them.
            batch_size (int): Unused: frames are streamed one at a time, as in MMPose.
            bboxes, bbox_thr, nms_thr: Person boxes, see :func:`frame_person_boxes`.
            temporal_window, frame_weights, use_oks_tracking, tracking_thr: See the class
                docstring.

        Yields:
            tuple: The :class:`FrameWindow` of frame ``t`` (with its reference crops packed)
            and ``[frame t]``, in frame order, one per input frame.
        """
        if temporal_window is None and frame_weights is None:
            offsets, weights = config_frame_window(self.cfg)
        else:
            offsets, weights = frame_window(temporal_window, frame_weights)
        if len(offsets) > 1 and not hasattr(self.model.head, 'warp'):
            raise ValueError(f'{type(self.model).__name__} with {type(self.model.head).__name__} '
                             'cannot warp heatmaps (a single-frame model?): use '
                             'temporal_window=0 or a PoseWarper config')
        self._aggregator = StreamingAggregator(
            self.model, offsets, weights, pipeline=self.pipeline,
            dataset_meta=self.model.dataset_meta, max_batch=self.max_batch)
        self._tracker = PoseTracker(use_oks_tracking, tracking_thr)
        return self._windows(inputs, self._aggregator.buffer,
                             dict(bboxes=bboxes, bbox_thr=bbox_thr, nms_thr=nms_thr))

    def _windows(self, inputs: Iterable, buffer: FrameWindowBuffer,
                 box_kwargs: dict) -> Generator[Tuple[FrameWindow, List[np.ndarray]], None, None]:
        for index, item in enumerate(inputs):
            img, name = self._frame_and_name(item, index)
            # MMPose sets det_cat_ids only when it builds a detector
            boxes = frame_person_boxes(img, index, name, self.detector,
                                       getattr(self, 'det_cat_ids', ()), **box_kwargs)
            for window in buffer.push(img, boxes, img_path=name):
                yield self._aggregator.pack(window), [window.img]
        for window in buffer.flush():
            yield self._aggregator.pack(window), [window.img]

    def forward(self,
                inputs: FrameWindow,
                merge_results: bool = True,
                bbox_thr: float = -1,
                pose_based_nms: bool = False) -> List[PoseDataSample]:
        """Aggregate one frame's window: the frame's people in one data sample.

        Args:
            inputs (FrameWindow): A window from :meth:`preprocess`.
            merge_results (bool): Must be True: the people of a frame are always merged (one
                result per frame, as the json and the tracker need).
            bbox_thr (float): Keep people whose box score exceeds it (MMPose's option).
            pose_based_nms (bool): Remove duplicate poses (MMPose's ``nearby_joints_nms``).

        Returns:
            list[PoseDataSample]: One sample with ``pred_instances`` ``(P, K, 2)`` keypoints in
            image pixels, ``track_ids`` ``(P, )``, and metainfo ``frame_idx``.
        """
        if not isinstance(inputs, FrameWindow):
            raise TypeError(f'{type(self).__name__}.forward takes the FrameWindow that its own '
                            f'preprocess yields, got {type(inputs).__name__}')
        if not merge_results:
            raise ValueError(f'{type(self).__name__} always merges the people of a frame')
        sample = frame_sample(self._aggregator.emit(inputs),
                              self.model.dataset_meta['num_keypoints'],
                              self.model.test_cfg.get('output_heatmaps', False), bbox_thr,
                              pose_based_nms)
        self._tracker.update(sample)
        return [sample]

    def visualize(self, inputs: list, preds: List[PoseDataSample], return_vis: bool = False,
                  vis_out_dir: str = '', **kwargs) -> List[np.ndarray]:
        """Draw the frame with MMPose's visualiser; with ``vis_out_dir``, add it to the video.

        The video is written by :class:`VideoOutputs` (atomically, once the input ends) rather
        than MMPose's ``video_info['writer']``.
        """
        if vis_out_dir:
            self._outputs.set_vis_out_dir(vis_out_dir)
        want_video = self._outputs is not None and self._outputs.video_path is not None
        visualization = super().visualize(
            inputs, preds, return_vis=return_vis or want_video, vis_out_dir='', **kwargs) or []
        if want_video:
            for vis in visualization:
                self._outputs.write_frame(mmcv.rgb2bgr(vis))
        return visualization if return_vis else []

    def postprocess(self,
                    preds: List[PoseDataSample],
                    visualization: List[np.ndarray],
                    return_datasample: Optional[bool] = None,
                    return_datasamples: bool = False,
                    pred_out_dir: str = '') -> dict:
        """MMPose's result dict of a frame, plus ``frame_id``; records the frame for the json.

        ``predictions`` holds one list with the frame's people (each with its ``track_id``),
        or the frame's ``PoseDataSample`` with ``return_datasamples``.
        """
        if return_datasample is not None:  # MMPose's older spelling
            return_datasamples = return_datasample
        if pred_out_dir:
            self._outputs.set_pred_out_dir(pred_out_dir)
        sample = preds[0]
        self._outputs.add(sample.frame_idx, sample.img_path, sample.ori_shape, sample)
        # the json is written by VideoOutputs; MMPose's per-image files are not wanted here
        results = super().postprocess(preds, visualization,
                                      return_datasamples=return_datasamples, pred_out_dir='')
        if not return_datasamples:
            for person, track_id in zip(results['predictions'][0],
                                        sample.pred_instances.track_ids):
                person['track_id'] = int(track_id)
        results['frame_id'] = sample.frame_idx
        return results

    def _finalize_video_processing(self, pred_out_dir: str = '') -> None:
        """Write the json and the video of the input that just ended."""
        if pred_out_dir:
            self._outputs.set_pred_out_dir(pred_out_dir)
        try:
            self._outputs.commit()
        finally:
            self.close_outputs()

    def close_outputs(self) -> None:
        """Drop the outputs of an input that was not finished, and the stream state."""
        if self._outputs is not None:
            self._outputs.close()
        if self._aggregator is not None:
            self._aggregator.reset()
        self._tracker.reset()

    # ------------------------------------------------------------------ running
    def __call__(self,
                 inputs: InputsType,
                 return_datasamples: bool = False,
                 batch_size: int = 1,
                 out_dir: Optional[str] = None,
                 **kwargs) -> Generator[dict, None, None]:
        """Run on one input; returns a generator of per-frame results, in frame order.

        The steps are MMPose's (``preprocess``, ``forward``, ``visualize``, ``postprocess``), but
        arguments are checked and the input is opened before this returns, so bad arguments and
        unreadable inputs raise here. Results arrive ``max δ`` frames after their frame was read;
        each is a dict with ``predictions``, ``visualization`` (with ``return_vis``) and
        ``frame_id``. The json and video are written when the generator is exhausted.

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
        self.update_model_visualizer_settings(**kwargs)
        if isinstance(inputs, str) and inputs.lower().startswith('webcam'):
            frames = self._get_webcam_inputs(inputs)
            if not vis_kwargs.get('show', False):
                print_log('The display mode is closed when using webcam input. It will be turned '
                          'on automatically.', logger='current', level=logging.WARNING)
            vis_kwargs['show'] = True
        else:
            frames = self._inputs_to_list(inputs)
        windows = self.preprocess(frames, batch_size=batch_size, **pre_kwargs)
        return self._run(windows, return_datasamples, fwd_kwargs, vis_kwargs, post_kwargs)

    def _run(self, windows: Iterable, return_datasamples: bool, fwd_kwargs: dict,
             vis_kwargs: dict, post_kwargs: dict) -> Generator[dict, None, None]:
        if self.show_progress:
            windows = track(windows, description='Inference')
        try:
            for proc_inputs, ori_inputs in windows:
                preds = self.forward(proc_inputs, **fwd_kwargs)
                visualization = self.visualize(ori_inputs, preds,
                                               window_name=self.video_info['name'], **vis_kwargs)
                yield self.postprocess(preds, visualization, return_datasamples=return_datasamples,
                                       **post_kwargs)
            self._finalize_video_processing(post_kwargs.get('pred_out_dir', ''))
        finally:
            self.close_outputs()
