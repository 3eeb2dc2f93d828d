"""Config errors in one line: the config file, and the line or key where mmengine gives it.

mmengine reports a config's mistakes as they surface: a syntax error from ``ast``, an unknown
``type`` as a registry ``KeyError`` when (and if) that part is built, a misspelt keyword as a
``TypeError`` from deep inside the runner, after the work dir was created. :func:`load_config`
and :func:`check_config_types` find them before a tool starts work and raise a one-line
``ValueError`` (the tools' expected error, :mod:`.cli`); :func:`config_build_errors` turns the
ones that can only surface while the runner builds its parts into the same one line.
"""
import argparse
import contextlib
import difflib
import inspect
import math
import os.path as osp
import re
from typing import Any, Iterator, List, Optional, Set

from mmengine.config import Config, DictAction
from mmengine.registry import Registry
from torch.utils.data import DataLoader

from .config_values import check_quoted_scalars, check_read_key

_REGISTRY_MISS = re.compile(r'`?([\w.]+)`? is not in the ([\w:]+) registry')


def load_config(path: str, cfg_options: Optional[dict] = None) -> Config:
    """Read a config file and merge ``--cfg-options`` into it, checking both.

    Args:
        path (str): The config file.
        cfg_options (dict, optional): ``--cfg-options`` (merged last).

    Returns:
        Config: The config.

    Raises:
        FileNotFoundError: If the file does not exist.
        IsADirectoryError: If it is a folder.
        ValueError: One line for a syntax error (with its line), a config mmengine cannot
            read, a ``--cfg-options`` value of another type than the config's, or an unknown
            ``type`` (:func:`check_config_types`).
    """
    if osp.isdir(path):  # say so: "not found" would send the user looking for a lost file
        raise IsADirectoryError(f'config {path} is a folder, not a config file')
    if not osp.isfile(path):
        raise FileNotFoundError(f'config not found: {path}')
    _check_base_cycle(path)
    try:
        cfg = Config.fromfile(path)
    except SyntaxError as e:
        where = f'line {e.lineno}: ' if e.lineno else ''
        raise ValueError(f'config {path}: {where}syntax error: {e.msg}') from e
    except (ImportError, OSError) as e:
        raise ValueError(f'config {path}: {e}') from e
    except Exception as e:  # mmengine raises many types for a config it cannot evaluate
        raise ValueError(f'cannot read config {path}: {type(e).__name__}: {e}') from e
    check_config_types(cfg, path)
    if cfg_options:
        merge_cfg_options(cfg, cfg_options, path)
    return cfg


def _check_base_cycle(path: str, chain: tuple = ()) -> None:
    """Refuse a config that inherits itself through ``_base_`` (mmengine recurses until
    Python's recursion limit, a ``RecursionError`` that names no file)."""
    path = osp.realpath(path)
    if path in chain:
        raise ValueError(f'config {chain[0]}: circular _base_: '
                         f'{" -> ".join(chain[chain.index(path):] + (path, ))}')
    try:
        bases = Config._get_base_files(path)
    except Exception:  # unreadable here: Config.fromfile reports it in one line
        return
    for base in bases:
        if '::' not in base:  # package-scoped bases are installed files
            base = osp.join(osp.dirname(path), base)
            if osp.isfile(base):
                _check_base_cycle(base, chain + (path, ))


def merge_cfg_options(cfg: Config, cfg_options: Optional[dict], path: str) -> Config:
    """Merge ``--cfg-options`` into ``cfg`` after :func:`check_cfg_options`, then check the
    types again (an option may name a new ``type``).

    Raises:
        ValueError: One line naming the option.
    """
    if not cfg_options:
        return cfg
    check_cfg_options(cfg, cfg_options)
    try:
        cfg.merge_from_dict(cfg_options)
    except Exception as e:  # mmengine: KeyError, TypeError, ValueError by case
        raise ValueError(f'--cfg-options {cfg_options}: {type(e).__name__}: {e}') from e
    check_config_types(cfg, f'{path} with --cfg-options')
    return cfg


_NO_DICTS = ('cannot parse this value (dicts inside lists are not supported here; set them in a '
             'config file)')


def _holds_dict_text(value: Any) -> bool:
    if isinstance(value, str):
        return value.lstrip().startswith('dict(')
    return isinstance(value, (list, tuple)) and any(_holds_dict_text(v) for v in value)


class CfgOptionsAction(DictAction):
    """mmengine's ``DictAction`` for ``--cfg-options``, its parse errors as usage errors (one
    line, status 1, with :class:`~posewarper.utils.cli.ArgumentParser`): mmengine unpacks
    ``KEY=VALUE`` unchecked and asserts balanced brackets, so a typo (``lr``, ``=1``, ``[1,2``)
    ended in a traceback."""

    def __call__(self, parser, namespace, values, option_string=None):
        # keys of earlier --cfg-options on the command line: mmengine merges them all
        keys = list(getattr(namespace, self.dest, None) or {})
        for kv in values or ():
            key, sep, _ = kv.partition('=')
            if not sep or not key.strip():
                raise argparse.ArgumentError(self, f'{kv!r} is not KEY=VALUE')
            key = key.strip()
            for other in keys:
                # the last value would win silently, or the order would decide what a section
                # set as a whole and a key inside it give
                if key == other or key.startswith(other + '.') or other.startswith(key + '.'):
                    what = 'is given twice' if key == other else f'overlaps {other}'
                    raise argparse.ArgumentError(self, f'{key} {what}; give each key once')
            keys.append(key)
        try:
            super().__call__(parser, namespace, values, option_string)
        except (AssertionError, ValueError) as e:
            raise argparse.ArgumentError(self, f'{" ".join(values)}: {e}') from None
        except RecursionError:  # mmengine's parser on some dict(...) inside a list
            raise argparse.ArgumentError(self, f'{" ".join(values)}: {_NO_DICTS}') from None
        # mmengine keeps the other dict(...) inside a list as strings
        parsed = getattr(namespace, self.dest) or {}
        if any(_holds_dict_text(v) for v in parsed.values()):
            raise argparse.ArgumentError(self, f'{" ".join(values)}: {_NO_DICTS}')


def _non_finite(value: Any) -> bool:
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, (list, tuple)):
        return any(_non_finite(v) for v in value)
    if isinstance(value, dict):
        return any(_non_finite(v) for v in value.values())
    return False


def _lookup(cfg: Any, key: str) -> Any:
    node = cfg.to_dict() if isinstance(cfg, Config) else cfg  # a Config is no dict
    for part in key.split('.'):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, (list, tuple)) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            raise LookupError(key)
    return node


def check_cfg_options(cfg: Config, cfg_options: dict) -> None:
    """Refuse a ``--cfg-options`` value whose type differs from the config's value it replaces
    (a number replaced by a string, a list by a scalar, ...), or a top-level key the runner does
    not read (:func:`~.config_values.check_read_key`); ``None`` passes.

    A NaN or infinite number is refused anywhere (``lr=nan`` trained on silently).

    Raises:
        ValueError: Naming the key, the value given and the type expected.
    """
    for key, value in cfg_options.items():
        if _non_finite(value):
            raise ValueError(f'--cfg-options {key}={value!r}: NaN and infinity are not '
                             'accepted; give a finite number')
        check_read_key(cfg, key, value)
        try:
            old = _lookup(cfg, key)
        except LookupError:
            continue
        if old is None or value is None:
            continue
        expected = None
        if isinstance(old, bool):
            expected = None if isinstance(value, bool) else 'true or false'
        elif isinstance(old, int):
            expected = None if isinstance(value, int) and not isinstance(value, bool) \
                else 'an integer'
        elif isinstance(old, float):
            expected = None if isinstance(value, (int, float)) and not isinstance(value, bool) \
                else 'a number'
        elif isinstance(old, (list, tuple)):
            expected = None if isinstance(value, (list, tuple)) else 'a list'
        elif isinstance(old, dict):
            expected = None if isinstance(value, dict) else 'a dict'
        if expected:
            raise ValueError(f'--cfg-options {key}={value!r}: expected {expected}, like the '
                             f"config's value {old!r}")


def _registries() -> List[Registry]:
    """Every registry of the OpenMMLab stack loaded here, children (scopes) included."""
    import mmengine.registry as engine_registry
    import mmpose.registry as pose_registry
    found, todo = [], []
    for module in (engine_registry, pose_registry):
        todo += [v for v in vars(module).values() if isinstance(v, Registry)]
    seen: Set[int] = set()
    while todo:
        registry = todo.pop()
        if id(registry) in seen:
            continue
        seen.add(id(registry))
        found.append(registry)
        todo += list(registry.children.values())
    return found


def registered_names() -> Set[str]:
    """The names registered in any registry (any scope)."""
    registries = _registries()
    for registry in registries:  # OpenMMLab registers lazily, on the first build
        registry.import_from_location()
    return {name for registry in _registries() for name in registry.module_dict}


def _types(node: Any, key: str = '') -> Iterator[tuple]:
    if isinstance(node, dict):
        if isinstance(node.get('type'), str):
            yield key or '<root>', node['type']
        for k, v in node.items():
            yield from _types(v, f'{key}.{k}' if key else str(k))
    elif isinstance(node, (list, tuple)):
        for i, v in enumerate(node):
            yield from _types(v, f'{key}.{i}')


def closest_name(name: str, names: Set[str]) -> str:
    """`` (did you mean X?)`` for the closest registered name, or empty."""
    close = difflib.get_close_matches(name, sorted(names), n=1, cutoff=0.6)
    return f' (did you mean {close[0]}?)' if close else ''


def check_config_types(cfg: Config, path: str) -> None:
    """Refuse a ``type`` that no registry knows, naming its key and the closest registered name,
    then a keyword its class does not take (:func:`check_config_keywords`).

    Raises:
        ValueError: One line: the config, the key, the unknown type and a suggestion.
    """
    names = None
    for key, type_name in _types(cfg.to_dict()):
        name = type_name.rsplit('.', 1)[-1]  # 'mmdet.X' names X in another scope
        if names is None:
            names = registered_names()
        if name not in names:
            raise ValueError(f'config {path}: {key}.type: {type_name!r} is not registered'
                             f'{closest_name(name, names)}')
    check_config_keywords(cfg, path)


# Keys a builder takes out of a typed dict before it calls the class (mmengine's hook priority,
# optimizer constructor and scheduler conversion, weight-init overrides, mmcv's norm layers).
_BUILDER_KEYS = {
    'type', '_scope_', 'priority', 'constructor', 'paramwise_cfg', 'convert_to_iter_based',
    'override', 'requires_grad'
}
# What mmengine's Runner.build_dataloader takes besides torch's DataLoader arguments.
_DATALOADER_KEYS = {'num_batch_per_epoch', 'disable_subprocess_warning'}
_KEYWORD = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)


def accepted_keywords(obj: Any) -> Optional[Set[str]]:
    """The keywords a registered class (or function) takes, or None where that cannot be known.

    A constructor with ``**kwargs`` is followed up the MRO, as ``super().__init__(**kwargs)``
    passes them on, until one without ``**kwargs``; None if the chain stays open.
    """
    inits = ([c.__dict__['__init__'] for c in obj.__mro__
              if '__init__' in c.__dict__] if inspect.isclass(obj) else [obj])
    names: Set[str] = set()
    for i, init in enumerate(inits):
        if init is object.__init__:  # no constructor of its own: no keyword; else **kwargs open
            return names if i == 0 and type(obj).__call__ is type.__call__ else None
        try:
            params = inspect.signature(init).parameters.values()
        except (TypeError, ValueError):  # builtins without a signature
            return None
        names |= {p.name for p in params if p.kind in _KEYWORD}
        if not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params):
            return names
    return None


def _typed_dicts(node: Any, key: str = '') -> Iterator[tuple]:
    if isinstance(node, dict):
        if isinstance(node.get('type'), str):
            yield key or '<root>', node
        for k, v in node.items():
            yield from _typed_dicts(v, f'{key}.{k}' if key else str(k))
    elif isinstance(node, (list, tuple)):
        for i, v in enumerate(node):
            yield from _typed_dicts(v, f'{key}.{i}')


def _keyword_error(path: str, key: str, what: str, given: Set[str], accepted: Set[str]) -> None:
    wrong = sorted(given - accepted)
    if wrong:
        raise ValueError(f'config {path}: {key}.{wrong[0]}: {what} takes no keyword '
                         f'{wrong[0]!r}{closest_name(wrong[0], accepted)}')


def check_config_keywords(cfg: Config, path: str) -> None:
    """Refuse a keyword that the class of its ``type`` (or a data loader) does not take, and a
    number or bool written as a string where the class's default is one (``lr='0.001'``).

    mmengine builds datasets, loaders and evaluators only when the loop starts, after the work
    dir exists, and a misspelt keyword then ends in a ``TypeError`` from deep inside the
    runner; reading the classes' signatures finds it before any work. A name registered in
    several registries passes if any of its classes takes the keywords.

    Raises:
        ValueError: One line: the config, the key, the class and the closest keyword.
    """
    tree = cfg.to_dict()
    registries = _registries()
    for key, node in _typed_dicts(tree):
        name = node['type'].rsplit('.', 1)[-1]
        candidates = [r.module_dict[name] for r in registries if name in r.module_dict]
        accepted = [accepted_keywords(c) for c in candidates]
        if not candidates or any(a is None for a in accepted):
            continue
        given = set(node) - _BUILDER_KEYS
        if all(given - a for a in accepted):
            _keyword_error(path, key, name, given, accepted[0])
        check_quoted_scalars(path, key, node, candidates, _BUILDER_KEYS)
    loader_keys = set(inspect.signature(DataLoader).parameters) | _DATALOADER_KEYS
    for split in ('train', 'val', 'test'):
        loader = tree.get(f'{split}_dataloader')
        if isinstance(loader, dict) and 'type' not in loader:
            _keyword_error(path, f'{split}_dataloader', 'a data loader', set(loader), loader_keys)
    for key, part, callee in _untyped_parts(tree):
        accepted = accepted_keywords(callee)
        if accepted is not None:
            _keyword_error(path, key, callee.__name__, set(part) - {'type', 'by_epoch'},
                           accepted - {'runner', 'dataloader', 'evaluator', 'parameters'})


def _untyped_parts(tree: dict) -> Iterator[tuple]:
    """The parts without a ``type`` that mmengine still passes to a known callable: the loops
    (``train_cfg`` by epoch or by iteration, ``val_cfg``, ``test_cfg``) and gradient clipping.
    Yields ``(key, part, callable)``."""
    from mmengine.runner import EpochBasedTrainLoop, IterBasedTrainLoop, TestLoop, ValLoop
    from torch.nn.utils import clip_grad_norm_, clip_grad_value_
    loops = dict(val_cfg=ValLoop, test_cfg=TestLoop,
                 train_cfg=EpochBasedTrainLoop if (tree.get('train_cfg') or {}).get('by_epoch')
                 else IterBasedTrainLoop)
    for key, loop in loops.items():
        if isinstance(tree.get(key), dict) and 'type' not in tree[key]:
            yield key, tree[key], loop
    clip = (tree.get('optim_wrapper') or {}).get('clip_grad')
    if isinstance(clip, dict):
        yield ('optim_wrapper.clip_grad', clip,
               clip_grad_value_ if clip.get('type') == 'value' else clip_grad_norm_)


@contextlib.contextmanager
def config_build_errors(path: str) -> Iterator[None]:
    """Turn the config mistakes that surface while a runner builds its parts (an unknown
    ``type``, a keyword the class does not take) into one-line ``ValueError`` s."""
    try:
        yield
    except KeyError as e:
        text = str(e.args[0]) if e.args else ''
        found = _REGISTRY_MISS.search(text)
        if not found:
            raise
        raise ValueError(f'config {path}: {found.group(1)!r} is not in the {found.group(2)} '
                         f'registry{closest_name(found.group(1), registered_names())}') from e
    except TypeError as e:
        if 'unexpected keyword argument' not in str(e) and 'required positional' not in str(e):
            raise
        raise ValueError(f'config {path}: {e}') from e
