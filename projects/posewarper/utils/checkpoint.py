"""Let torch's safe (``weights_only``) unpickler read the checkpoints that mmengine writes.

Since torch 2.6 ``torch.load`` defaults to ``weights_only=True``; mmengine 0.10.7 calls it without
the argument, and its checkpoints pickle a few non-tensor objects (the message hub's
``HistoryBuffer`` with numpy arrays and dtypes inside), so resuming or ``load_from`` fails with
"Unsupported global". Instead of disabling safe loading (``weights_only=False`` or
``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD``), we allow-list exactly those types; anything else pickled in
a checkpoint is still refused.
"""
from typing import List

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


def checkpoint_safe_globals() -> List[object]:
    """The types, besides tensors and builtins, found in mmengine checkpoints."""
    from mmengine.logging import HistoryBuffer
    return [HistoryBuffer] + _numpy_globals()


def register_checkpoint_safe_globals() -> None:
    """Allow-list :func:`checkpoint_safe_globals` for ``torch.load(weights_only=True)``.

    Called when ``posewarper`` is imported (configs import it through ``custom_imports``), so
    ``Runner.resume``/``load_from`` and ``mmengine.runner.load_checkpoint`` work unchanged.
    """
    add_safe_globals = getattr(torch.serialization, 'add_safe_globals', None)
    if add_safe_globals is None:  # pragma: no cover - torch < 2.4 loads with weights_only=False
        return
    add_safe_globals(checkpoint_safe_globals())
