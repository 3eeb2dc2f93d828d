"""Let torch's safe (``weights_only``) unpickler read the checkpoints that mmengine writes.

Since torch 2.6 ``torch.load`` defaults to ``weights_only=True``; mmengine 0.10.7 calls it without
the argument, and its checkpoints pickle a few non-tensor objects (the message hub's
``HistoryBuffer`` with numpy arrays and dtypes inside), so resuming or ``load_from`` fails with
"Unsupported global". Instead of disabling safe loading (``weights_only=False`` or
``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD``), we allow-list exactly those types; anything else pickled in
a checkpoint is still refused.

``HistoryBuffer.__getstate__`` also pickles its statistics methods (``HistoryBuffer.min`` ...),
which pickle writes as ``getattr(HistoryBuffer, 'min')``. Allowing ``builtins.getattr`` itself
would let a crafted checkpoint reach arbitrary attributes (``__globals__`` ...), so the name
``builtins.getattr`` is bound, for the safe unpickler only, to :func:`_history_buffer_getattr`,
which resolves those statistics methods and refuses everything else.
"""
import pickle
from typing import Any, List

import numpy as np
import torch


def _numpy_globals() -> List[object]:
    # numpy arrays pickle as _reconstruct(ndarray, shape, dtype) + state; numpy >= 1.25 pickles
    # each dtype through its own class in numpy.dtypes (e.g. Float64DType), and scalars through
    # multiarray.scalar.
    try:
        multiarray = np._core.multiarray  # numpy >= 2
    except AttributeError:  # pragma: no cover - numpy 1.x
        multiarray = np.core.multiarray
    allowed = [multiarray._reconstruct, multiarray.scalar, np.ndarray, np.dtype]
    dtypes = getattr(np, 'dtypes', None)
    if dtypes is not None:
        allowed += [getattr(dtypes, name) for name in dir(dtypes) if name.endswith('DType')]
    return allowed


_HISTORY_BUFFER_STATISTICS = frozenset({'min', 'max', 'current', 'mean'})


def _history_buffer_getattr(obj: Any, name: str) -> Any:
    """``getattr`` limited to the statistics methods of mmengine's ``HistoryBuffer``."""
    from mmengine.logging import HistoryBuffer

    # the defaults are registered only when the first buffer is built, hence the explicit names
    allowed = _HISTORY_BUFFER_STATISTICS.union(HistoryBuffer._statistics_methods)
    if obj is HistoryBuffer and name in allowed:
        return getattr(HistoryBuffer, name)
    raise pickle.UnpicklingError(
        f'checkpoint asks for getattr({obj!r}, {name!r}); only the statistics methods of '
        "mmengine's HistoryBuffer are allowed under weights_only loading")


def checkpoint_safe_globals() -> List[object]:
    """The globals, besides tensors and builtins, found in mmengine checkpoints."""
    from mmengine.logging import HistoryBuffer
    return [HistoryBuffer, (_history_buffer_getattr, 'builtins.getattr')] + _numpy_globals()


def register_checkpoint_safe_globals() -> None:
    """Allow-list :func:`checkpoint_safe_globals` for ``torch.load(weights_only=True)``.

    Called when ``posewarper`` is imported (configs import it through ``custom_imports``), so
    ``Runner.resume``/``load_from`` and ``mmengine.runner.load_checkpoint`` work unchanged.
    """
    add_safe_globals = getattr(torch.serialization, 'add_safe_globals', None)
    if add_safe_globals is None:  # pragma: no cover - torch < 2.4 loads with weights_only=False
        return
    add_safe_globals(checkpoint_safe_globals())
