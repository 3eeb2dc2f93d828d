"""Config values that read as valid but do nothing, or do something else than written.

:mod:`.config_check` refuses unknown types and keywords; two mistakes pass both checks:

- a number or bool written as a string (``lr='0.001'``, ``with_cp='false'``), or a word where a
  number goes (``prob='high'``): mmengine passes it on, and the class meets it late (a
  ``TypeError`` traceback from torch's optimizer after the runner started, naming no key) or
  takes it as true;
- a ``--cfg-options`` key at the top level that the runner never reads: a misspelt section
  (``train_cfgg.max_epochs=1``) or a variable of the config file (``data_root=...``), which
  the file has already substituted where it is used. mmengine accepts both, and the run goes on
  with the config's values, silently.
"""
import difflib
import inspect
from typing import Any, Set

from mmengine.config import Config
from mmengine.runner import Runner

_KEYWORD = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
#: the top-level keys a run reads: the runner's arguments, the runner's class, and what the
#: runner reads from its config itself (when it wraps the model)
RUNNER_KEYS = frozenset(set(inspect.signature(Runner.__init__).parameters) - {'self', 'cfg'}
                        | {'runner_type', 'model_wrapper_cfg', 'find_unused_parameters',
                           'compile', 'sync_bn', 'efficient_conv_bn_eval',
                           'activation_checkpointing'})


def scalar_defaults(obj: Any) -> dict:
    """The keywords of a registered class (or function) whose default is a number or a bool,
    with that default and annotation (``inspect.Parameter.empty`` where there is none),
    following ``**kwargs`` up the MRO as :func:`accepted_keywords` does."""
    inits = ([c.__dict__['__init__'] for c in obj.__mro__
              if '__init__' in c.__dict__] if inspect.isclass(obj) else [obj])
    defaults: dict = {}
    for init in inits:
        if init is object.__init__:
            break
        try:
            params = inspect.signature(init).parameters.values()
        except (TypeError, ValueError):
            break
        for p in params:
            if p.kind in _KEYWORD and isinstance(p.default, (int, float)):
                defaults.setdefault(p.name, (p.default, p.annotation))
        if not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params):
            break
    return defaults


def _quoted_scalar(value: Any) -> bool:
    """A string that reads as a number or a bool (``'0.001'``, ``'false'``): a quoting
    mistake, which a class then compares with a number (a traceback) or takes as true."""
    if not isinstance(value, str):
        return False
    if value.strip().lower() in ('true', 'false'):
        return True
    try:
        float(value)
    except ValueError:
        return False
    return True


def _admits_str(annotation: Any) -> bool:
    """Whether a parameter's annotation lets a string in (``Union[str, int]``, ``'str'``);
    False for no annotation."""
    return annotation is not inspect.Parameter.empty and 'str' in str(annotation)


def check_quoted_scalars(path: str, key: str, node: dict, candidates: list,
                         builder_keys: Set[str]) -> None:
    """Refuse a string in the typed dict ``node`` at ``key`` where every class of its ``type``
    (``candidates``) has a number or bool as default and no annotation admitting a string:
    a quoted number (``lr='0.001'``), which the class meets late, as a traceback or as a true
    value, or a word (``prob='high'``), which fails deep inside the class without naming the
    key.

    Raises:
        ValueError: One line: the config, the key, the value and the class.
    """
    for field, value in node.items():
        if field in builder_keys or not isinstance(value, str):
            continue
        params = [scalar_defaults(c) for c in candidates]
        if not params or not all(field in d and not _admits_str(d[field][1]) for d in params):
            continue
        default = params[0][field][0]
        kind = 'True or False' if isinstance(default, bool) else 'a number'
        fix = 'write it without quotes' if _quoted_scalar(value) else f'give {kind}'
        raise ValueError(f'config {path}: {key}.{field}: {value!r} is a string; '
                         f'{node["type"]} takes {kind} here (default {default!r}): {fix}')


def check_read_key(cfg: Config, key: str, value: Any) -> None:
    """Refuse a ``--cfg-options`` key whose top level the runner does not read.

    Args:
        cfg (Config): The config the option is merged into.
        key (str): The option's key (``train_cfg.max_epochs``).
        value: Its value, for the message.

    Raises:
        ValueError: One line naming the option, and the closest key the runner reads, or the
            keys that use a variable of the config file.
    """
    top = key.split('.', 1)[0]
    if top in RUNNER_KEYS:
        return
    if top in cfg:
        raise ValueError(f'--cfg-options {key}={value!r}: {top} is a variable of the config '
                         'file, already substituted where the file uses it, so setting it '
                         'changes nothing; set the keys that use it (e.g. '
                         'train_dataloader.dataset.data_root)')
    close = difflib.get_close_matches(top, sorted(RUNNER_KEYS), n=1, cutoff=0.6)
    hint = f' (did you mean {close[0]}?)' if close else ''
    raise ValueError(f'--cfg-options {key}={value!r}: the run reads no key {top!r}{hint}, '
                     'so it would change nothing')
