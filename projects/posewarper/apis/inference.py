"""The one top-down inference path of posewarper, as MMPose's ``mmpose.apis.inference``.

- :func:`init_model`: a model from a config and a checkpoint, loaded strictly (MMPose's
  ``init_model`` loads non-strictly and only logs mismatches, which would silently leave layers
  random);
- :func:`images_to_inputs` → :func:`crop_heatmaps` → :func:`heatmaps_to_image`: person crops to
  per-crop heatmaps (backbone, neck and heatmap layers: the heatmaps PoseWarper warps), and
  heatmaps back to keypoints in image pixels.

The streaming aggregator, the inferencer, the propagators, the checkpoint converter and the demo
all go through these functions.
"""
import os.path as osp
from typing import List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
import torch.nn as nn
from mmengine.config import Config
from mmpose.apis import init_model as mmpose_init_model
from mmpose.apis.inference import dataset_meta_from_config
from mmpose.structures import PoseDataSample
from torch import Tensor

from ..utils.checkpoint import load_pose_weights, read_checkpoint


def _load_config(config: Union[str, Config]) -> Tuple[Config, str]:
    if not isinstance(config, str):
        return config, config.filename or '<config>'
    if not osp.isfile(config):
        raise FileNotFoundError(f'config not found: {config}')
    try:
        return Config.fromfile(config), config
    except Exception as e:  # syntax errors, missing _base_ files, ...
        raise ValueError(f'cannot load config {config}: {e}') from e


def init_model(config: Union[str, Config],
               checkpoint: Optional[str] = None,
               device: str = 'cpu',
               cfg_options: Optional[dict] = None) -> nn.Module:
    """An MMPose model in eval mode with the weights of ``checkpoint``, loaded strictly.

    The model, its ``cfg`` and ``dataset_meta`` come from MMPose's ``init_model``; the weights
    are loaded by :func:`~posewarper.utils.load_pose_weights`, which refuses a checkpoint that
    does not fit the model (every weight present, every shape equal; the MMPose 0.x and official
    layouts are renamed). The checkpoint's ``meta['dataset_meta']`` is used when it has one.

    Args:
        config (str | Config): Model config (file or object).
        checkpoint (str, optional): Checkpoint file or URL; ``None`` keeps the random weights.
        device (str): Device of the model, e.g. ``'cpu'`` or ``'cuda:0'``.
        cfg_options (dict, optional): Options merged into the config.

    Returns:
        nn.Module: The model, with ``cfg`` and ``dataset_meta``.

    Raises:
        FileNotFoundError: If the config or the checkpoint does not exist.
        ValueError: If the config cannot be loaded or built, or the checkpoint cannot be read
            or does not match the model.
    """
    config, config_name = _load_config(config)
    ckpt = read_checkpoint(checkpoint) if checkpoint is not None else None
    try:
        model = mmpose_init_model(config, checkpoint=None, device='cpu', cfg_options=cfg_options)
    except Exception as e:
        raise ValueError(f'cannot build the model of config {config_name}: {e}') from e
    if ckpt is not None:
        load_pose_weights(model, ckpt, name=checkpoint, config_name=config_name)
        meta = ckpt.get('meta') or {}
        if 'dataset_meta' in meta:
            model.dataset_meta = meta['dataset_meta']
    model.to(device)
    model.eval()
    return model


def load_weights(model: nn.Module, checkpoint: Optional[str], cfg: Config) -> None:
    """Load a checkpoint strictly into a model built by MMPose, and set its ``dataset_meta``
    (from the checkpoint's meta, else from the config) — what an inferencer's
    ``_load_weights_to_model`` does.

    Args:
        model (nn.Module): The model.
        checkpoint (str, optional): Checkpoint file or URL; ``None`` keeps random weights.
        cfg (Config): Its config.
    """
    meta = {}
    if checkpoint is not None:
        meta = load_pose_weights(model, checkpoint, config_name=getattr(cfg, 'filename', None)
                                 ).get('meta') or {}
    model.dataset_meta = meta['dataset_meta'] if 'dataset_meta' in meta else \
        dataset_meta_from_config(cfg, dataset_mode='train')


def images_to_inputs(model: nn.Module, crops: List[np.ndarray]) -> Tensor:
    """Normalise ``(h, w, 3)`` BGR crops with the model's data preprocessor.

    Args:
        model (nn.Module): A top-down MMPose model.
        crops (list[np.ndarray]): N crops of the model's input size.

    Returns:
        Tensor: ``(N, 3, h, w)`` (or ``(N, 1, 3, h, w)`` for a PoseWarper) on the model's device.
    """
    inputs = [torch.from_numpy(np.ascontiguousarray(c.transpose(2, 0, 1))) for c in crops]
    # MMPose's preprocessor records the padded shape in data samples: give it empty ones
    data = dict(inputs=inputs, data_samples=[PoseDataSample() for _ in inputs])
    # (N, 3, h, w), or clips of one frame (N, 1, 3, h, w) from PoseWarperDataPreprocessor,
    # which crop_heatmaps takes as they are
    return model.data_preprocessor(data, False)['inputs']


def crop_heatmaps(model: nn.Module, inputs: Tensor, flip: bool = False) -> Tensor:
    """Per-crop heatmaps of a top-down heatmap model: backbone, neck and head layers.

    For a PoseWarper these are the per-frame heatmaps ``f`` its head warps; for a single-frame
    model, its ordinary output. With ``flip`` the horizontally flipped crops give a second view
    (still flipped), to be merged by :meth:`~posewarper.models.PoseWarperHead.merge_flip`.

    Args:
        model (nn.Module): A top-down MMPose model whose head maps features to heatmaps.
        inputs (Tensor): Normalised crops ``(N, 3, H, W)`` (or clips ``(N, T, 3, H, W)``, taken
            as ``N·T`` crops).
        flip (bool): Add the flipped view. Default: False.

    Returns:
        Tensor: ``(N, V, K, h, w)``, ``V = 2`` with ``flip``, else 1.
    """
    if inputs.dim() == 5:
        inputs = inputs.flatten(0, 1)
    views = [model.head.forward(model.extract_feat(inputs))]
    if flip:
        views.append(model.head.forward(model.extract_feat(inputs.flip(-1))))
    return torch.stack(views, dim=1)


def input_to_image(keypoints: np.ndarray, input_center: np.ndarray, input_scale: np.ndarray,
                   input_size: Sequence[int]) -> np.ndarray:
    """Map crop (model input) coordinates back to the image, as MMPose's
    ``TopdownPoseEstimator.add_pred_to_datasample`` does.

    Args:
        keypoints (np.ndarray): ``(..., 2)`` points in input pixels.
        input_center (np.ndarray): ``(2, )`` crop centre in the image.
        input_scale (np.ndarray): ``(2, )`` crop size in the image.
        input_size (Sequence[int]): ``(w, h)`` model input size.

    Returns:
        np.ndarray: ``(..., 2)`` points in image pixels.
    """
    input_size = np.asarray(input_size, dtype=np.float64)
    input_scale = np.asarray(input_scale, dtype=np.float64)
    return keypoints / input_size * input_scale + np.asarray(input_center) - 0.5 * input_scale


def heatmaps_to_image(model: nn.Module, heatmaps: Tensor,
                      crops: Sequence[Tuple[np.ndarray, np.ndarray, Sequence[int]]]
                      ) -> List[Tuple[np.ndarray, np.ndarray]]:
    """Decode heatmaps with the model's codec and map the keypoints to image pixels.

    Args:
        model (nn.Module): A top-down heatmap model (its head has ``decode``).
        heatmaps (Tensor): ``(N, K, h, w)``.
        crops (Sequence[tuple]): Per heatmap, its crop's ``(input_center, input_scale,
            input_size)`` (what MMPose's ``TopdownAffine`` records).

    Returns:
        list[tuple[np.ndarray, np.ndarray]]: Per heatmap, keypoints ``(K, 2)`` in image pixels
        and their scores ``(K, )`` (the heatmap maxima).
    """
    preds = model.head.decode(heatmaps)
    return [(input_to_image(pred.keypoints[0], *crop), pred.keypoint_scores[0])
            for pred, crop in zip(preds, crops)]
