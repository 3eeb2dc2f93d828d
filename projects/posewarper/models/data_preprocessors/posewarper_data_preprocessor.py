"""Data preprocessor for multi-frame samples (``T×3×H×W`` each)."""
from typing import List, Union

from mmpose.models.data_preprocessors import PoseDataPreprocessor
from mmpose.registry import MODELS
from torch import Tensor


@MODELS.register_module()
class PoseWarperDataPreprocessor(PoseDataPreprocessor):
    """Normalise, convert colour and pad every frame of multi-frame samples.

    MMPose's preprocessor accepts only ``3×H×W`` images per sample; here each sample is a clip of
    T frames. The frames are unrolled into one list of ``B·T`` images for the parent class (so its
    normalisation, BGR→RGB and padding apply unchanged) and the batch is folded back to
    ``(B, T, 3, H, W)``. Single images (``3×H×W``) are treated as clips of one frame.

    Args: as :class:`PoseDataPreprocessor`.
    """

    def forward(self, data: dict, training: bool = False) -> dict:
        inputs: Union[Tensor, List[Tensor]] = data['inputs']
        clips = [clip if clip.dim() == 4 else clip.unsqueeze(0) for clip in inputs]
        num_frames = {clip.shape[0] for clip in clips}
        if len(num_frames) != 1:
            raise ValueError('PoseWarperDataPreprocessor: all samples of a batch must have the '
                             f'same number of frames T, got {sorted(num_frames)}')
        frames = [frame for clip in clips for frame in clip.unbind(0)]
        data = super().forward(dict(data, inputs=frames), training=training)
        batch = data['inputs']
        data['inputs'] = batch.view(len(clips), num_frames.pop(), *batch.shape[1:])
        return data
