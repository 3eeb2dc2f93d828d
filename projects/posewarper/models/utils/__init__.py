from .crop_heatmaps import crop_heatmaps, images_to_inputs
from .deform_conv import DEFORM_CONV_BACKENDS, DeformConv2d, resolve_deform_conv_backend

__all__ = [
    'DEFORM_CONV_BACKENDS', 'DeformConv2d', 'resolve_deform_conv_backend', 'crop_heatmaps',
    'images_to_inputs'
]
