from .deform_conv import DEFORM_CONV_BACKENDS, DeformConv2d, resolve_deform_conv_backend

__all__ = ['DEFORM_CONV_BACKENDS', 'DeformConv2d', 'resolve_deform_conv_backend']
