"""Streaming temporal aggregation: PoseWarper on a video processed frame by frame.

``PoseWarper.predict`` aggregates one window at a time: every window runs the backbone on all of its
T frames and warps all of them, so a video of N frames costs ``N·T`` backbone passes and ``N·T``
warps. :class:`StreamingAggregator` produces the same heatmaps (equal within float rounding) for
frames that arrive in order, and reuses what the windows of neighbouring frames share:

- **Backbone heatmaps** are cached per *(frame, box)*: a crop of frame ``j`` with box ``b`` is
  computed once and kept while any pending window can still use it (a ring buffer over the last
  ``max_offset - min_offset + 1`` frames). Top-down, the window of person ``p`` in frame ``t`` crops
  its neighbours with ``p``'s box *in frame t* (as PoseWarper does), so a neighbour crop is shared
  with another window only when the two boxes are identical (a fixed region of interest, user-given
  static boxes, the whole frame). With moving boxes each window still needs its own neighbour crops:
  only the reference crop and the clipped duplicates at the video ends are saved.
- **The zero-difference warp.** The offsets of ``warp(f, f)`` come from ``offset_feats(f - f)`` =
  ``offset_feats(0)``, which does not depend on the frame for a model in eval mode, so they are
  computed once per video; the reference frame's own warp is then only the deformable resampling.
- **Clipped windows** at the video ends hold the same frame several times (``t + δ`` clipped to the
  video); each distinct frame is warped once with the summed weight.
- **Neighbours** of one frame (all its people × all its distinct supporting frames) are warped in
  one batched :meth:`PoseWarperHead.warp` call.

See ``docs/inference.md`` for the cost floor of each case.
"""
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
import torch.nn as nn
from mmengine.dataset import Compose, pseudo_collate
from mmengine.structures import PixelData
from mmpose.structures import PoseDataSample
from torch import Tensor

from ..datasets.frame_window import OFFICIAL_OFFSETS, OFFICIAL_WEIGHTS
from ..models.heads import PoseWarperHead
from .frame_window_buffer import FrameWindow, FrameWindowBuffer
from .inference import crop_heatmaps

__all__ = ['StreamingAggregator', 'StreamingResult']

# A crop is identified by its frame index and its box (x1, y1, x2, y2).
CropKey = Tuple[int, Tuple[float, float, float, float]]


def _box_key(box: np.ndarray) -> Tuple[float, float, float, float]:
    return tuple(float(v) for v in np.asarray(box, dtype=np.float32)[:4])  # type: ignore


@dataclass
class StreamingResult:
    """The aggregated pose of one frame.

    Attributes:
        frame_idx (int): Index of the frame in the stream.
        img (np.ndarray): The frame as pushed, ``(H, W, 3)``.
        data_samples (List[PoseDataSample]): One per box of the frame, in box order, with
            ``pred_instances`` in image coordinates (as ``PoseWarper.predict`` returns them) and
            ``pred_fields.heatmaps`` when the model's ``test_cfg`` has ``output_heatmaps``.
        heatmaps (Tensor): Aggregated heatmaps ``(P, K, h, w)`` (after flip averaging); an
            empty tensor for a frame without boxes.
        meta (dict): The keyword arguments given to :meth:`StreamingAggregator.push`.
    """
    frame_idx: int
    img: np.ndarray
    data_samples: List[PoseDataSample]
    heatmaps: Tensor
    meta: dict = field(default_factory=dict)


class StreamingAggregator:
    """Temporal aggregation of PoseWarper over a video whose frames arrive in order.

    Push frames (and their person boxes) one at a time with :meth:`push`; frame ``t`` is emitted
    as soon as frame ``t + max_offset`` has arrived, and the remaining frames by :meth:`flush`
    at the end of the video. The two halves can also be driven separately, as MMPose's
    inferencer contract wants (``preprocess`` buffers, ``forward`` computes): :attr:`buffer`
    (a :class:`FrameWindowBuffer`) releases each frame's :class:`FrameWindow`, and
    :meth:`emit` aggregates it. Supporting frames outside the video are clipped to it exactly like
    :class:`PoseTrackSparseClipDataset` does in test mode: a clipped index reads that frame's
    heatmaps. The emitted heatmaps equal those of ``PoseWarper.predict`` on the same windows
    up to float rounding (the tests compare them).

    What is computed per frame (``P`` people, ``J`` = distinct clipped supporting frames other
    than the reference, with a non-zero weight):

    - backbone + heatmap layers: every crop *(frame j, box b)* once while it is buffered. The
      reference crops ``(t, b_p)`` and the neighbour crops ``(j, b_p)`` (frame ``t``'s boxes
      applied to frame ``j``) are looked up in the cache first; with a box that does not move,
      ``(j, b)`` is frame ``j``'s own crop and each frame runs the backbone once per box.
    - one batched ``warp`` of the ``P·J`` (reference, neighbour) pairs.
    - the zero-difference warp of the reference crops: the deformable resampling only, with
      offsets ``offset_layers(offset_feats(0))`` computed once per video.

    Args:
        model (nn.Module): A :class:`PoseWarper` (or, with ``frame_offsets == (0,)``, any top-down
            heatmap estimator) in eval mode.
        frame_offsets (Sequence[int]): Window offsets, reference (``0``) first.
            Default: ``(0, -1, 1, -2, 2)``.
        frame_weights (Sequence[float]): Weight of each offset, summing to 1.
            Default: ``(0.3, 0.25, 0.25, 0.1, 0.1)``.
        pipeline (Callable | List[dict], optional): The model's test pipeline (it crops a frame
            to a box); default: ``model.cfg.test_dataloader.dataset.pipeline``.
        dataset_meta (dict, optional): Added to every sample (``flip_indices``, ...); default:
            ``model.dataset_meta``.
        max_batch (int): Most crops per backbone call and most pairs per warp call. Default: 32.

    Note:
        - P: boxes of a frame; K: keypoints; h, w: heatmap size; V: 2 views with
          ``flip_test``, else 1.
    """

    def __init__(self,
                 model: nn.Module,
                 frame_offsets: Sequence[int] = OFFICIAL_OFFSETS,
                 frame_weights: Sequence[float] = OFFICIAL_WEIGHTS,
                 pipeline: Optional[Union[Callable, List[dict]]] = None,
                 dataset_meta: Optional[dict] = None,
                 max_batch: int = 32) -> None:
        self.model = model
        self.head = model.head
        self.buffer = FrameWindowBuffer(frame_offsets, frame_weights)
        self.frame_offsets = self.buffer.frame_offsets
        self.frame_weights = self.buffer.frame_weights
        self.has_warp = hasattr(self.head, 'warp')
        if not self.has_warp and (self.frame_offsets != [0] or self.frame_weights != [1.0]):
            raise TypeError(f'{type(self.head).__name__} cannot warp heatmaps: a temporal window '
                            f'{self.frame_offsets} needs a PoseWarper model (PoseWarperHead); '
                            'use the single-frame window (0,) with weight 1')
        if pipeline is None:
            cfg = getattr(model, 'cfg', None)
            if cfg is None:
                raise ValueError('pass the test pipeline: the model has no cfg to read it from')
            pipeline = cfg.test_dataloader.dataset.pipeline
        self.pipeline = Compose(pipeline) if isinstance(pipeline, (list, tuple)) else pipeline
        self.dataset_meta = dict(dataset_meta if dataset_meta is not None else
                                 getattr(model, 'dataset_meta', None) or {})
        if max_batch < 1:
            raise ValueError(f'max_batch must be >= 1, got {max_batch}')
        self.max_batch = max_batch
        self.reset()

    # ------------------------------------------------------------------ stream state
    def reset(self) -> None:
        """Forget the current video (frames, boxes, cached heatmaps and zero-warp offsets)."""
        self.buffer.reset()
        self._cache: Dict[CropKey, Tensor] = {}
        self._zero_offsets: Dict[tuple, List[Tensor]] = {}
        #: Work counters of the current video: frames emitted, crops run through the backbone,
        #: crops found in the cache, full warps (pairs × views) and zero-difference
        #: resamplings (reference crops × views).
        self.stats = dict(frames=0, crops=0, cache_hits=0, warps=0, zero_warps=0)

    @property
    def num_pending(self) -> int:
        """Frames pushed but not emitted yet."""
        return self.buffer.num_pending

    def push(self,
             img: np.ndarray,
             bboxes: Optional[Union[np.ndarray, Sequence]] = None,
             **meta) -> List[StreamingResult]:
        """Add the next frame and return the frames whose windows are now complete.

        The same as :meth:`FrameWindowBuffer.push` followed by :meth:`emit` of every window it
        releases (what the inferencer does in its ``preprocess`` and ``forward``).

        Args:
            img (np.ndarray): The frame, ``(H, W, 3)`` BGR as read by OpenCV.
            bboxes (np.ndarray, optional): Person boxes of this frame, ``(P, 4)`` or ``(P, 5)``
                ``x1, y1, x2, y2[, score]``; ``None`` uses the whole frame, an empty array
                means nobody (the frame is emitted with no sample).
            **meta: Kept with the frame and returned in :attr:`StreamingResult.meta`; an
                ``img_path`` entry becomes the samples' ``img_path``.

        Returns:
            List[StreamingResult]: Zero or more frames, in order.
        """
        self._check_eval()
        return [self.emit(w) for w in self.buffer.push(img, bboxes, **meta)]

    def flush(self) -> List[StreamingResult]:
        """End the video: emit every pending frame (windows clipped at the end) and reset."""
        results = [self.emit(w) for w in self.buffer.flush()]
        stats = self.stats
        self.reset()
        self.stats = stats  # keep the finished video's counters readable
        return results

    def _check_eval(self) -> None:
        if self.model.training:
            raise RuntimeError('StreamingAggregator needs the model in eval mode: the cached '
                               'zero-difference offsets assume BatchNorm running statistics')

    # ------------------------------------------------------------------ computation
    def _crop(self, img: np.ndarray, box: np.ndarray, img_path: str) -> dict:
        """Run the test pipeline on one frame with one box: ``inputs`` and ``data_samples``."""
        data_info = dict(
            img=img,
            img_path=img_path,
            bbox=np.asarray(box[None, :4], dtype=np.float32),
            bbox_score=np.asarray(box[4:5], dtype=np.float32),
            **self.dataset_meta)
        return self.pipeline(data_info)

    @staticmethod
    def _img_path(window: FrameWindow) -> str:
        return window.meta.get('img_path', f'{window.frame_idx:06d}.jpg')

    def pack(self, window: FrameWindow) -> FrameWindow:
        """Run the test pipeline on the reference crops of a window (``window.samples``).

        Their data samples carry the crop geometry that maps the decoded keypoints back to the
        frame; :meth:`emit` packs them itself when this was not done.
        """
        if window.samples is None:
            window.samples = [self._crop(window.img, b, self._img_path(window))
                              for b in window.boxes]
        return window

    @property
    def _num_views(self) -> int:
        return 2 if self.model.test_cfg.get('flip_test', False) else 1

    def _frame_heatmaps(self, packed: List[dict]) -> Tensor:
        """Per-crop heatmaps ``(M, V, K, h, w)`` of packed single-frame samples."""
        data = self.model.data_preprocessor(pseudo_collate(packed), False)
        return crop_heatmaps(self.model, data['inputs'], flip=self._num_views == 2)

    def _fill_cache(self, keys: List[CropKey], window: FrameWindow,
                    packed: Dict[CropKey, dict]) -> None:
        """Compute the heatmaps of the keys not cached yet, ``max_batch`` crops per call."""
        missing = [k for k in dict.fromkeys(keys) if k not in self._cache]
        self.stats['cache_hits'] += len(set(keys)) - len(missing)
        for start in range(0, len(missing), self.max_batch):
            chunk = missing[start:start + self.max_batch]
            samples = [packed[k] if k in packed else
                       self._crop(window.frames[k[0]], np.array(k[1] + (1.0, ), np.float32),
                                  self._img_path(window))
                       for k in chunk]
            heatmaps = self._frame_heatmaps(samples)
            self.stats['crops'] += len(chunk)
            for key, hm in zip(chunk, heatmaps):
                self._cache[key] = hm

    def _zero_warp_offsets(self, like: Tensor) -> List[Tensor]:
        """Offsets of ``warp(f, f)``, one ``(1, 2·G·k·k, h, w)`` map per dilation."""
        key = (tuple(like.shape[-2:]), like.device, like.dtype)
        if key not in self._zero_offsets:
            # offset_feats(f - f) = offset_feats(0): the same for every frame (BN in eval mode).
            zeros = like.new_zeros(1, *like.shape[1:])
            self._zero_offsets[key] = self.head.predict_offsets(zeros, zeros)
        return self._zero_offsets[key]

    def _zero_warp(self, source: Tensor) -> Tensor:
        """``head.warp(source, source)`` without recomputing its offsets; ``(N, K, h, w)``."""
        self.stats['zero_warps'] += len(source)
        return self.head.resample(source, self._zero_warp_offsets(source))

    def _warp_pairs(self, ref: Tensor, sup: Tensor) -> Tensor:
        """``head.warp`` of ``(N, K, h, w)`` pairs, ``max_batch`` pairs per call."""
        self.stats['warps'] += len(ref)
        return torch.cat([
            self.head.warp(ref[i:i + self.max_batch], sup[i:i + self.max_batch])
            for i in range(0, len(ref), self.max_batch)
        ])

    @torch.no_grad()
    def emit(self, window: FrameWindow) -> StreamingResult:
        """The aggregated pose of a window's reference frame.

        Crops already computed for an earlier window are taken from the cache; afterwards the
        cache forgets the frames before ``window.keep_from``. Windows are meant to come in frame
        order (as :meth:`FrameWindowBuffer.push` releases them); in another order the result is
        the same, only less is reused.

        Args:
            window (FrameWindow): A window released by :attr:`buffer`.

        Returns:
            StreamingResult: The frame's poses.
        """
        self._check_eval()
        self.stats['frames'] += 1
        try:
            return self._emit(window)
        finally:
            for key in [k for k in self._cache if k[0] < window.keep_from]:
                del self._cache[key]

    def _emit(self, window: FrameWindow) -> StreamingResult:
        t, img, boxes, meta = window.frame_idx, window.img, window.boxes, window.meta
        if len(boxes) == 0:
            return StreamingResult(t, img, [], torch.zeros(0), meta)
        weights = window.weights
        neighbours = [j for j in weights if j != t]
        ref_keys = [(t, _box_key(b)) for b in boxes]
        own = self.pack(window).samples
        self._fill_cache(ref_keys + [(j, k[1]) for j in neighbours for k in ref_keys], window,
                         dict(zip(ref_keys, own)))

        ref = torch.stack([self._cache[k] for k in ref_keys])  # (P, V, K, h, w)
        P, V = ref.shape[:2]
        if not self.has_warp:
            agg = ref * weights[t]
        else:
            agg = torch.zeros_like(ref)
            if t in weights:
                agg += weights[t] * self._zero_warp(ref.flatten(0, 1)).view_as(ref)
            if neighbours:
                sup = torch.stack([torch.stack([self._cache[(j, k[1])] for j in neighbours])
                                   for k in ref_keys])  # (P, J, V, K, h, w)
                pairs = ref[:, None].expand_as(sup)
                warped = self._warp_pairs(pairs.flatten(0, 2), sup.flatten(0, 2)).view_as(sup)
                w = sup.new_tensor([weights[j] for j in neighbours]).view(1, -1, 1, 1, 1, 1)
                agg += (warped * w).sum(1)

        test_cfg = self.model.test_cfg
        heatmaps = agg[:, 0]
        if V == 2:
            heatmaps = PoseWarperHead.merge_flip(
                heatmaps, agg[:, 1], own[0]['data_samples'].metainfo['flip_indices'], test_cfg)
        preds = self.head.decode(heatmaps)
        fields = None
        if test_cfg.get('output_heatmaps', False):
            fields = [PixelData(heatmaps=hm) for hm in heatmaps]
        samples = self.model.add_pred_to_datasample(preds, fields,
                                                    [p['data_samples'] for p in own])
        return StreamingResult(t, img, samples, heatmaps, meta)
