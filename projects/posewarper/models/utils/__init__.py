from .deform_conv import DEFORM_CONV_BACKENDS, DeformConv2d, resolve_deform_conv_backend

__all__ = ['DEFORM_CONV_BACKENDS', 'DeformConv2d', 'resolve_deform_conv_backend']

#: Moved to :mod:`posewarper.apis.inference` (the one top-down inference path); still found
#: here, lazily (``apis`` imports ``models``), for code written against the old place.
_MOVED_TO_APIS = ('crop_heatmaps', 'images_to_inputs')


def __getattr__(name: str):
    if name in _MOVED_TO_APIS:
        from ...apis import inference
        return getattr(inference, name)
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')
