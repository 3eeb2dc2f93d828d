"""Checkpoint loading: torch's safe unpickler for mmengine's files, and one strict loader.

Since torch 2.6 ``torch.load`` defaults to ``weights_only=True``; mmengine 0.10.7 calls it without
the argument, and its checkpoints pickle a few non-tensor objects (the message hub's
``HistoryBuffer`` with numpy arrays and dtypes inside), so resuming or ``load_from`` fails with
"Unsupported global". Instead of disabling safe loading (``weights_only=False`` or
``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD``), we allow-list exactly those types, only while our code
loads a checkpoint (:func:`safe_checkpoint_loading`); anything else pickled in a checkpoint is
still refused.

``HistoryBuffer.__getstate__`` also pickles its statistics methods (``HistoryBuffer.min`` ...),
which pickle writes as ``getattr(HistoryBuffer, 'min')``. Allowing ``builtins.getattr`` itself
would let a crafted checkpoint reach arbitrary attributes (``__globals__`` ...), so the name
``builtins.getattr`` is bound, for the safe unpickler only, to :func:`_history_buffer_getattr`,
which resolves those statistics methods and refuses everything else.
"""
import contextlib
import importlib.util
import inspect
import os.path as osp
import pickle
import re
import sys
from collections import OrderedDict
from typing import Any, Collection, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np
import torch
import torch.nn as nn
from mmengine.runner.checkpoint import _load_checkpoint, _load_checkpoint_to_model

from ..fileio import AtomicFile, commit_together
from .mmpose0x import (convert_mmpose0x_state_dict, is_mmpose0x_state_dict, match_state_dict,
                       unwrap_checkpoint)
from .official import convert_official_state_dict, is_official_state_dict


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


#: mmengine's default ``revise_keys`` of ``load_checkpoint``: weights saved from a wrapped model.
REVISE_KEYS = ((r'^module\.', ''), )

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


@contextlib.contextmanager
def safe_checkpoint_loading() -> Iterator[None]:
    """Within the block, ``torch.load(weights_only=True)`` also accepts
    :func:`checkpoint_safe_globals`; the allow-list is restored when the block ends.

    Our loaders (:func:`load_pose_weights`) and the runs of our configs
    (:class:`~posewarper.engine.SafeCheckpointLoadingHook`) load checkpoints inside it, so that
    ``import posewarper`` changes nothing process-wide.
    """
    with torch.serialization.safe_globals(checkpoint_safe_globals()):
        yield


def _examples(keys: Sequence[str], limit: int = 3) -> str:
    keys = list(keys)
    more = f', ... ({len(keys)} in all)' if len(keys) > limit else ''
    return ', '.join(keys[:limit]) + more


class UnsafeCheckpointError(ValueError):
    """A checkpoint that torch's safe unpickler refused: it pickles objects that could run code.

    Attributes:
        refused (str): What was refused, e.g. ``posix.system``.
    """

    def __init__(self, filename: str, refused: str) -> None:
        super().__init__(f'checkpoint {filename} was refused by torch\'s safe loader: it pickles '
                         f'{refused}, which could run code when loaded; it was not loaded')
        self.refused = refused


def _refused_global(error: Exception) -> Optional[str]:
    """What torch's ``weights_only`` unpickler refused, from its message; None if it was not
    such a refusal."""
    text = str(error)
    if 'Weights only load failed' not in text:
        return None
    found = re.search(r'GLOBAL ([\w.]+)', text)
    if found:
        # A damaged file can spell a name that exists nowhere, or put one of torch's own
        # types (which a checkpoint may hold) where the unpickler does not take it: garbage,
        # not the refusal of a foreign object.
        name = found.group(1)
        ours = name.startswith('torch.') or name in _allowed_names()
        return f'the global {name}' if not ours and _may_exist(name) else None
    found = re.search(r'asks for (getattr\(.*?\));', text)  # from _history_buffer_getattr
    # any other complaint of the unpickler is about the structure of a damaged file
    return f'the call {found.group(1)}' if found else None


def _allowed_names() -> set:
    """``module.name`` of each global of :func:`checkpoint_safe_globals`."""
    names = set()
    for entry in checkpoint_safe_globals():
        if isinstance(entry, tuple):
            names.add(entry[1])
        else:
            names.add(f'{entry.__module__}.{entry.__qualname__}')
    return names


def _may_exist(name: str) -> bool:
    """Whether a pickled global ``module.attr`` may name a real class or function, decided
    without running a module that is not imported yet: imported modules must have the
    attributes, the first module not imported must be findable, and a module itself (which
    pickle never names) does not count."""
    parts = (name if '.' in name else f'builtins.{name}').split('.')
    if not all(part.isidentifier() for part in parts):
        return False
    obj = None
    for i in range(len(parts), 0, -1):  # the longest imported module prefix
        obj = sys.modules.get('.'.join(parts[:i]))
        if obj is not None:
            break
    try:
        if obj is None:
            return importlib.util.find_spec(parts[0]) is not None
        for j, part in enumerate(parts[i:], start=i):
            if hasattr(obj, part):
                obj = getattr(obj, part)
            else:  # a submodule not imported yet: findable through its imported parent?
                return inspect.ismodule(obj) and \
                    importlib.util.find_spec('.'.join(parts[:j + 1])) is not None
    except (ImportError, ValueError):
        return False
    return not inspect.ismodule(obj)


def _newer_torch_format(error: Exception) -> Optional[Tuple[int, int]]:
    """``(file's format version, newest this torch reads)`` when torch refused a zip checkpoint
    for being written by a newer torch (its message), else None."""
    found = re.search(r'PyTorch file with version (\d+), but the maximum supported version for '
                      r'reading is (\d+)', str(error))
    return (int(found.group(1)), int(found.group(2))) if found else None


def read_checkpoint(filename: str, map_location: str = 'cpu',
                    trust_pickle: bool = False) -> Mapping:
    """Read a checkpoint (path or URL, as mmengine does) under torch's safe unpickler.

    Args:
        filename (str): Local path, ``http(s)://`` URL or any prefix mmengine knows.
        map_location (str): Device of the tensors.
        trust_pickle (bool): Where the safe unpickler refused what a real pickle holds, load
            it with ``weights_only=False`` (runs pickled code: only for a trusted file). A
            damaged file is refused either way.

    Returns:
        Mapping: The checkpoint object.

    Raises:
        FileNotFoundError: If a local file does not exist.
        IsADirectoryError: If it is a folder.
        UnsafeCheckpointError: If the safe unpickler refused what the file pickles.
        ValueError: If it is not a checkpoint (empty, truncated, another format) or holds no
            state dict.
    """
    if '://' not in filename and osp.isdir(filename):  # say so: "not found" would mislead
        raise IsADirectoryError(f'checkpoint {filename} is a folder, not a checkpoint file')
    if '://' not in filename and not osp.isfile(filename):
        raise FileNotFoundError(f'checkpoint not found: {filename}')
    try:
        with safe_checkpoint_loading():
            checkpoint = _load_checkpoint(filename, map_location=map_location)
    except OSError as e:
        raise ValueError(f'cannot read checkpoint {filename}: {e}') from e
    except Exception as e:  # torch and pickle raise many types for a damaged file
        refused = _refused_global(e)
        if refused is not None and trust_pickle:
            checkpoint = torch.load(filename, map_location=map_location, weights_only=False)
            return _mapping(checkpoint, filename)
        if refused is not None:
            raise UnsafeCheckpointError(filename, refused) from e
        newer = _newer_torch_format(e)
        if newer is not None:
            raise ValueError(f'checkpoint {filename} was written by a newer torch than this one: '
                             f'serialization format version {newer[0]}, torch '
                             f'{torch.__version__} reads up to version {newer[1]}; upgrade '
                             'torch, or load and re-save it with the torch that wrote it') from e
        raise ValueError(f'not a checkpoint (corrupt or truncated): {filename}') from e
    return _mapping(checkpoint, filename)


def tensor_state_dict(checkpoint: Mapping, name: str) -> Mapping:
    """The state dict of a checkpoint (bare or under ``state_dict``), checked to be a non-empty
    mapping of weight names to tensors, each with data and finite
    (:func:`check_weight_values`).

    Raises:
        ValueError: One line naming the checkpoint.
    """
    state = unwrap_checkpoint(checkpoint)
    if (not isinstance(state, Mapping) or not state
            or not all(isinstance(k, str) and isinstance(v, torch.Tensor)
                       for k, v in state.items())):
        raise ValueError(f'checkpoint {name}: its state_dict is not a non-empty mapping of '
                         'weight names to tensors')
    check_weight_values(state, name)
    return state


def _mapping(checkpoint: Any, filename: str) -> Mapping:
    if not isinstance(checkpoint, Mapping):
        raise ValueError(f'checkpoint {filename} holds no state dict')
    if 'state_dict' in checkpoint and not isinstance(checkpoint['state_dict'], Mapping):
        raise ValueError(f"checkpoint {filename}: its 'state_dict' entry is a "
                         f"{type(checkpoint['state_dict']).__name__}, not a mapping of weight "
                         'names to tensors')
    if not isinstance(checkpoint.get('state_dict'), Mapping):
        # read as a bare state dict (mmengine too): another framework's layout ({'model': ...},
        # {'net': ...}) was then reported as a model that lacks every weight and has a weight
        # called 'model'
        others = [k for k, v in checkpoint.items() if not isinstance(v, torch.Tensor)]
        if others:
            shown = ', '.join(repr(k) for k in others[:3]) + (', ...' if len(others) > 3 else '')
            raise ValueError(f"checkpoint {filename} has no 'state_dict' entry and is not a "
                             f'bare state dict either: its top-level entries {shown} are not '
                             "tensors (another framework's layout? save its weights as "
                             "{'state_dict': weights})")
    return checkpoint


def stage_checkpoint(checkpoint: Mapping, path: str) -> AtomicFile:
    """``torch.save`` to a temporary file beside ``path``; the caller commits (with
    :func:`~posewarper.fileio.commit_together`) or discards it.

    Saved through a file object: given a path, torch names the archive's folder after the
    (random) temporary file, and equal checkpoints would be written as different bytes.
    """
    staged = AtomicFile(path)
    try:
        with open(staged.tmp, 'wb') as f:
            torch.save(checkpoint, f)
    except BaseException:
        staged.discard()
        raise
    return staged


def save_checkpoint_atomic(checkpoint: Mapping, path: str) -> None:
    """``torch.save`` that never leaves a truncated file at ``path`` (nor replaces an earlier
    one with it)."""
    commit_together(stage_checkpoint(checkpoint, path))


def check_weight_values(state_dict: Mapping, name: str,
                        model_state_dict: Optional[Mapping] = None) -> None:
    """Refuse weights that have the right names and shapes but cannot be a model's values.

    ``load_state_dict`` copies them all in: an integer, bool or complex tensor into a float
    weight is cast silently (complex with a warning only), a NaN or infinite weight makes
    every prediction NaN (refused only when the predictions were written, after the work,
    naming the output; ``publish_checkpoint.py`` published it), and a tensor without data
    (``meta``) or an array that is not a tensor ended in a ``RuntimeError`` traceback.

    Args:
        state_dict (Mapping): The weights.
        name (str): The checkpoint, for the message.
        model_state_dict (Mapping, optional): ``model.state_dict()`` of the model they are
            loaded into: only its weights are checked, and their dtypes against the model's.
            None: every tensor is checked, without dtypes.

    Raises:
        ValueError: One line naming the checkpoint and the first weights of each problem.
    """
    found = dict(not_tensor=[], no_data=[], dtype=[], non_finite=[])
    for key, value in state_dict.items():
        ours = None if model_state_dict is None else model_state_dict.get(key)
        if model_state_dict is not None and not isinstance(ours, torch.Tensor):
            continue
        if not isinstance(value, torch.Tensor):
            found['not_tensor'].append(key)
        elif value.is_meta:
            found['no_data'].append(key)
        elif ours is not None and ours.is_floating_point() and not value.is_floating_point():
            found['dtype'].append(f'{key}: {str(value.dtype).replace("torch.", "")}')
        elif value.is_floating_point() and not bool(torch.isfinite(value).all()):
            found['non_finite'].append(key)
    problems = [f'{len(found[kind])} {what} ({_examples(found[kind])})'
                for kind, what in (('not_tensor', 'weight(s) are not tensors'),
                                   ('no_data', "weight(s) hold no data (torch's meta device)"),
                                   ('dtype', 'weight(s) the model keeps as floating point are '
                                    'not'),
                                   ('non_finite', 'weight(s) hold NaN or infinity'))
                if found[kind]]
    if problems:
        raise ValueError(f'checkpoint {name}: ' + '; '.join(problems))


def load_pose_weights(model: nn.Module,
                      checkpoint: Union[str, Mapping],
                      name: Optional[str] = None,
                      config_name: Optional[str] = None,
                      allowed_missing: Collection[str] = ()) -> Mapping:
    """Load a checkpoint into a pose model, strictly: every weight present, with its shape.

    MMPose and mmengine load non-strictly and only log mismatches, which would leave layers at
    random (a stage-1 checkpoint given for a PoseWarper config, say). This loader refuses them.
    ``module.`` prefixes (wrapped models) are removed with mmengine's ``revise_keys`` rule
    (:data:`REVISE_KEYS`), and the two other layouts PoseWarper weights exist in are renamed:
    MMPose 0.x's (:func:`convert_mmpose0x_state_dict`) and the official code's
    (:func:`~.official.convert_official_state_dict`).

    Args:
        model (nn.Module): The model.
        checkpoint (str | Mapping): A path / URL, or an already read checkpoint.
        name (str, optional): How to call the checkpoint in errors; default its path.
        config_name (str, optional): The config the model was built from, for errors.
        allowed_missing (Collection[str]): Weights of the model the checkpoint may lack (they
            keep their current values), e.g. the warping head a stage-2 training learns from
            scratch (:func:`~.checkpoint_match.check_checkpoint_for_config`).

    Returns:
        Mapping: The checkpoint (its ``meta`` carries e.g. ``dataset_meta``).

    Raises:
        FileNotFoundError: If the checkpoint file does not exist.
        ValueError: If it cannot be read or does not match the model.
    """
    if isinstance(checkpoint, str):
        name = name or checkpoint
        checkpoint = read_checkpoint(checkpoint)
    name = name or 'checkpoint'
    state_dict = unwrap_checkpoint(checkpoint)
    if not isinstance(state_dict, Mapping):
        raise ValueError(f'checkpoint {name} holds no state dict')
    # mmengine's revise_keys rule, applied before the checks below so that they see final keys
    metadata = getattr(state_dict, '_metadata', None)  # module versions, read by load hooks
    for pattern, repl in REVISE_KEYS:
        state_dict = OrderedDict((re.sub(pattern, repl, k), v) for k, v in state_dict.items())
    if is_mmpose0x_state_dict(state_dict):
        state_dict, _ = convert_mmpose0x_state_dict(state_dict)
    elif is_official_state_dict(state_dict):
        state_dict, _ = convert_official_state_dict(state_dict)
    match = match_state_dict(state_dict, model.state_dict())
    match['missing'] = [k for k in match['missing'] if k not in allowed_missing]
    problems = [f'{len(match[kind])} {what} ({_examples(match[kind])})'
                for kind, what in (('missing', 'weight(s) of the model are missing'),
                                   ('shape_mismatch', 'weight(s) have another shape'),
                                   ('unexpected', 'weight(s) the model does not have'))
                if match[kind]]
    if problems:
        config = f' of config {config_name}' if config_name else ''
        raise ValueError(f'checkpoint {name} does not match the {type(model).__name__} model'
                         f'{config}: ' + '; '.join(problems))
    check_weight_values(state_dict, name, model.state_dict())
    if metadata is not None:
        state_dict._metadata = metadata
    _load_checkpoint_to_model(model, dict(state_dict=state_dict), strict=not allowed_missing)
    return checkpoint
