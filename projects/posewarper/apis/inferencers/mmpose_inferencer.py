"""MMPoseInferencer: MMPose's unified inferencer, running PoseWarper configs temporally."""
import os.path as osp
from typing import Generator, List, Optional, Sequence, Type, Union
from urllib.error import URLError

from mmengine.config import Config, ConfigDict
from mmengine.infer.infer import ModelType
from mmpose.apis.inferencers import MMPoseInferencer as _MMPoseInferencer
from mmpose.registry import INFERENCERS

from .posewarper_inferencer import PoseWarperInferencer


def config_inferencer(pose2d: Union[ModelType, str, None]) -> Optional[Type]:
    """The inferencer a 2D config asks for, if not MMPose's ``Pose2DInferencer``.

    A config names it with a top-level ``inferencer`` (a name or class of MMPose's
    ``INFERENCERS``); a config whose model is a ``PoseWarper`` gets
    :class:`PoseWarperInferencer`. Model aliases and metafile names (not config files) get
    ``None``.

    Args:
        pose2d (str | dict | Config, optional): The ``pose2d`` argument of the inferencer.

    Returns:
        type, optional: The inferencer class, or ``None`` for MMPose's choice.
    """
    if isinstance(pose2d, str):
        if not osp.isfile(pose2d):
            return None
        cfg = Config.fromfile(pose2d)
    elif isinstance(pose2d, (Config, ConfigDict, dict)):
        cfg = pose2d
    else:
        return None
    name = cfg.get('inferencer')
    if name is not None:
        return INFERENCERS.get(name) if isinstance(name, str) else name
    model_type = (cfg.get('model') or {}).get('type')
    name = model_type if isinstance(model_type, str) else getattr(model_type, '__name__', '')
    return PoseWarperInferencer if name.split('.')[-1] == 'PoseWarper' else None


class MMPoseInferencer(_MMPoseInferencer):
    """MMPose's ``MMPoseInferencer``, with the inferencer a 2D config asks for.

    A drop-in for ``mmpose.apis.MMPoseInferencer``: the same arguments and results, but a
    PoseWarper config (see :func:`config_inferencer`) is run by :class:`PoseWarperInferencer`
    (temporal aggregation over ``temporal_window`` frames on each side, people tracked across
    frames) instead of MMPose's ``Pose2DInferencer``, which would run it on single frames.
    MMPose drives the wrapped inferencer step by step: its ``preprocess`` (which buffers the
    frames), ``forward`` and ``visualize``, but MMPose's own ``postprocess`` and end of video;
    this class hands those two to the wrapped inferencer too, which writes its own outputs
    (the PoseTrack json and the video, atomically).

    Call arguments besides MMPose's: ``temporal_window``, ``frame_weights`` (see
    :class:`PoseWarperInferencer`); given to the constructor, they are the defaults of every
    call. Given for a model that cannot aggregate frames (a single-frame config), a window other
    than 0 is an error, not silently dropped.

    Args:
        pose2d, pose2d_weights, pose3d, pose3d_weights, device, scope, det_model,
            det_weights, det_cat_ids, show_progress: As MMPose's ``MMPoseInferencer``.
        temporal_window (int, optional): Default window ``-k..k`` of the calls; default: the
            config's test window.
        frame_weights (Sequence[float], optional): Default weights of that window.
    """

    preprocess_kwargs: set = (_MMPoseInferencer.preprocess_kwargs
                              | PoseWarperInferencer.preprocess_kwargs)
    forward_kwargs: set = _MMPoseInferencer.forward_kwargs | PoseWarperInferencer.forward_kwargs
    visualize_kwargs: set = (_MMPoseInferencer.visualize_kwargs
                             | PoseWarperInferencer.visualize_kwargs)
    postprocess_kwargs: set = (_MMPoseInferencer.postprocess_kwargs
                               | PoseWarperInferencer.postprocess_kwargs)

    def __init__(self,
                 pose2d: Optional[str] = None,
                 pose2d_weights: Optional[str] = None,
                 pose3d: Optional[str] = None,
                 pose3d_weights: Optional[str] = None,
                 device: Optional[str] = None,
                 scope: str = 'mmpose',
                 det_model: Optional[Union[ModelType, str]] = None,
                 det_weights: Optional[str] = None,
                 det_cat_ids: Optional[Union[int, List]] = None,
                 show_progress: bool = False,
                 temporal_window: Optional[int] = None,
                 frame_weights: Optional[Sequence[float]] = None) -> None:
        self._window = {k: v for k, v in (('temporal_window', temporal_window),
                                          ('frame_weights', frame_weights)) if v is not None}
        inferencer = config_inferencer(pose2d) if pose3d is None else None
        if inferencer is None:
            self._check_single_frame(self._window)
            try:
                super().__init__(pose2d, pose2d_weights, pose3d, pose3d_weights, device, scope,
                                 det_model, det_weights, det_cat_ids, show_progress)
            except URLError as e:  # urllib names the reason, not what it was downloading
                models = ', '.join(f'{k}={v!r}' for k, v in (
                    ('pose2d', pose2d), ('pose3d', pose3d), ('det_model', det_model)) if v)
                raise OSError(f'cannot download the weights of the model zoo for {models}: '
                              f'{e.reason}. Give a config and a local checkpoint (--pose2d, '
                              '--pose2d-weights; --det-weights or --det-model whole_image)'
                              ) from e
            return
        # what MMPose's __init__ sets, with the config's inferencer
        self.visualizer = None
        self.show_progress = show_progress
        self.inferencer = inferencer(
            pose2d, pose2d_weights, device, scope, det_model, det_weights,
            det_cat_ids if det_cat_ids is not None else (0, ), show_progress=show_progress)

    @property
    def _temporal(self) -> bool:
        return isinstance(self.inferencer, PoseWarperInferencer)

    @staticmethod
    def _check_single_frame(kwargs: dict) -> None:
        """A window other than the single frame for a model that cannot aggregate frames is an
        error (MMPose would drop the option without a word)."""
        window, weights = kwargs.get('temporal_window'), kwargs.get('frame_weights')
        if window not in (None, 0) or (weights is not None and len(weights) > 1):
            raise ValueError(f'temporal_window={window}, frame_weights={weights}: only a '
                             'PoseWarper config aggregates frames; this model runs single frames')

    def postprocess(self, *args, **kwargs) -> dict:
        """The wrapped inferencer's (it records the frame for its json)."""
        if self._temporal:
            return self.inferencer.postprocess(*args, **kwargs)
        return super().postprocess(*args, **kwargs)

    def _finalize_video_processing(self, pred_out_dir: str = '') -> None:
        """The wrapped inferencer's (it writes its json and video)."""
        if self._temporal:
            return self.inferencer._finalize_video_processing(pred_out_dir)
        return super()._finalize_video_processing(pred_out_dir)

    def __call__(self, inputs, return_datasamples: bool = False, batch_size: int = 1,
                 out_dir: Optional[str] = None, **kwargs) -> Generator[dict, None, None]:
        kwargs = {**self._window, **kwargs}
        if not self._temporal:
            self._check_single_frame(kwargs)
            kwargs.pop('temporal_window', None)
            kwargs.pop('frame_weights', None)
            yield from super().__call__(inputs, return_datasamples, batch_size, out_dir,
                                        **kwargs)
            return
        try:
            yield from super().__call__(inputs, return_datasamples, batch_size, out_dir,
                                        **kwargs)
        finally:  # an abandoned or failed run leaves no partial output
            self.inferencer.close_outputs()
