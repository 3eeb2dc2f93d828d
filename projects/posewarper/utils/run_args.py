"""What ``tools/train.py`` and ``tools/test.py`` share beyond reading the config: the
visualisation flags, and what a run reads (the config's files, its datasets' files), checked
before a work dir exists."""
import multiprocessing
import os
import os.path as osp
from typing import List, Optional, Sequence

from mmengine.config import Config, ConfigDict

from ..fileio.posetrack import check_json_file, gt_dir_from_ann_file
from .cli_guards import Input

#: models whose samples are clips of several frames: MMPose's visualisation hook reads one image
MULTI_FRAME_MODELS = ('PoseWarper', )


def enable_visualization(cfg: Config, show: bool, show_dir: Optional[str], wait_time: float,
                         interval: int) -> str:
    """Switch on MMPose's ``PoseVisualizationHook`` for ``--show`` / ``--show-dir``.

    MMPose writes ``--show-dir`` under ``<work_dir>/<timestamp>/`` when it is relative (an
    absolute one as it is), so a relative one may not leave that folder with ``..``.

    Returns:
        str: The folder the drawings go to when it is outside the work dir (an output to guard),
        else empty.

    Raises:
        ValueError: One line: no hook in the config, a multi-frame model, or ``..``.
    """
    if not show and show_dir is None:
        return ''
    hooks = cfg.get('default_hooks', ConfigDict())
    if 'visualization' not in hooks:
        raise ValueError("--show/--show-dir need default_hooks.visualization="
                         "dict(type='PoseVisualizationHook') in the config")
    if (cfg.get('model') or {}).get('type') in MULTI_FRAME_MODELS:
        raise ValueError(f'--show/--show-dir draw single frames; a {cfg.model.type} sample is a '
                         'clip: draw its predictions with tools/infer.py --vis-out-dir')
    if show_dir and not osp.isabs(show_dir) and '..' in osp.normpath(show_dir).split(osp.sep):
        raise ValueError(f'--show-dir {show_dir}: a relative --show-dir lies in the run\'s '
                         '<work_dir>/<timestamp>/ (as in MMPose) and may not leave it with ..; '
                         'give an absolute path')
    hooks.visualization.update(enable=True, show=show, wait_time=wait_time, out_dir=show_dir,
                               interval=interval)
    return show_dir if show_dir and osp.isabs(show_dir) else ''


def dataset_inputs(cfg: Config, splits: Sequence[str]) -> List[Input]:
    """The annotation files and image folders the run's datasets read, as inputs of the tool:
    no output (work dir, drawings, metrics) may be written over or into them.

    Args:
        cfg (Config): The config.
        splits (Sequence[str]): The loops the run builds: ``train``, ``val``, ``test``.
    """
    inputs = []
    for split in splits:
        dataset = (cfg.get(f'{split}_dataloader') or {}).get('dataset') or {}
        root = dataset.get('data_root') or ''
        images = (dataset.get('data_prefix') or {}).get('img')
        if isinstance(images, str) and osp.isdir(osp.join(root, images)):
            inputs.append(Input(osp.join(root, images), f'{split} images'))
        ann_file = dataset.get('ann_file')
        if isinstance(ann_file, str) and ann_file and osp.isfile(osp.join(root, ann_file)):
            inputs.append(Input(osp.join(root, ann_file), f'{split} annotations'))
        inputs += _evaluator_inputs(cfg, split)
    return inputs


def _evaluator_inputs(cfg: Config, split: str) -> List[Input]:
    """The GT an evaluator of the split reads: its ``ann_file`` and the per-video GT folder
    (``gt_dir``, or the one beside ``ann_file``), which may lie apart from the dataset's."""
    evaluators = cfg.get(f'{split}_evaluator') or []
    inputs = []
    for evaluator in evaluators if isinstance(evaluators, (list, tuple)) else [evaluators]:
        if not isinstance(evaluator, dict):
            continue
        ann_file, gt_dir = evaluator.get('ann_file'), evaluator.get('gt_dir')
        if isinstance(ann_file, str) and osp.isfile(ann_file):
            inputs.append(Input(ann_file, f'{split}_evaluator.ann_file'))
            if not gt_dir:
                gt_dir = gt_dir_from_ann_file(ann_file)
        if isinstance(gt_dir, str) and osp.isdir(gt_dir):
            inputs.append(Input(gt_dir, f'{split} GT folder'))
    return inputs


def config_inputs(path: str) -> List[Input]:
    """A config file and the local files it inherits (``_base_``, recursively), as inputs of a
    tool: the work dir's copy of the config must not replace any of them. Package-scoped bases
    (``mmpose::...``) are installed files and skipped.

    Args:
        path (str): The config file (already read by :func:`load_config`).
    """
    inputs, todo, seen = [], [osp.abspath(path)], set()
    while todo:
        file = todo.pop()
        if file in seen or not osp.isfile(file):
            continue
        seen.add(file)
        inputs.append(Input(file, 'config' if not inputs else f'base config of {path}'))
        try:
            bases = Config._get_base_files(file)
        except Exception:  # read by load_config already; a base it could not list is skipped
            continue
        todo += [osp.abspath(osp.join(osp.dirname(file), b)) for b in bases if '::' not in b]
    return inputs


def check_data_files(cfg: Config, path: str, splits: Sequence[str]) -> None:
    """Refuse, before a work dir exists, an annotation file of the run that does not exist, is
    a folder, or is a json file that repeats a key in one object (the datasets and the
    evaluators would find the first two only once the loop starts, and MMPose's datasets read
    the last with xtcocotools' plain ``json.load``, which keeps the last value silently).

    Args:
        cfg (Config): The config (after ``--cfg-options``).
        path (str): The config file, for messages.
        splits (Sequence[str]): The loops the run builds: ``train``, ``val``, ``test``.

    Raises:
        ValueError: One line naming the key and the file (and the repeated json key).
    """
    for split in splits:
        dataset = (cfg.get(f'{split}_dataloader') or {}).get('dataset') or {}
        ann_file = dataset.get('ann_file')
        if isinstance(ann_file, str) and ann_file and '://' not in ann_file:
            _check_ann_file(osp.join(dataset.get('data_root') or '', ann_file),
                            f'config {path}: {split}_dataloader.dataset.ann_file')
        evaluators = cfg.get(f'{split}_evaluator') or []
        for i, evaluator in enumerate(
                evaluators if isinstance(evaluators, (list, tuple)) else [evaluators]):
            ann_file = evaluator.get('ann_file') if isinstance(evaluator, dict) else None
            if isinstance(ann_file, str) and ann_file and '://' not in ann_file:
                where = f'{split}_evaluator' + (f'.{i}' if isinstance(evaluators, list) else '')
                _check_ann_file(ann_file, f'config {path}: {where}.ann_file')


def _check_ann_file(file: str, key: str) -> None:
    """An annotation file named at ``key``: a file, and for json one that repeats no key."""
    if osp.isdir(file):
        raise ValueError(f'{key}: {file} is a folder, not a file')
    if not osp.isfile(file):
        raise ValueError(f'{key}: {file} not found')
    if file.lower().endswith('.json'):
        try:
            check_json_file(file, 'annotation file')
        except ValueError as e:
            raise ValueError(f'{key}: {e}') from e


#: what each launcher's process group reads from the environment (torch's ``env://``
#: rendezvous, mmengine's slurm and mpi set-ups)
LAUNCHER_VARIABLES = dict(
    pytorch=('RANK', 'WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT'),
    slurm=('SLURM_PROCID', 'SLURM_NTASKS', 'SLURM_NODELIST'),
    mpi=('OMPI_COMM_WORLD_LOCAL_RANK', 'OMPI_COMM_WORLD_SIZE', 'OMPI_COMM_WORLD_RANK'))


def check_run_settings(cfg: Config, path: str, launcher: str, splits: Sequence[str]) -> None:
    """Refuse, before a work dir exists, the runner settings mmengine checks only after it has
    created the work dir: the model section, the seed, the start method of worker processes,
    the data loaders' batch size and workers, and the launcher's environment.

    Args:
        cfg (Config): The config (after ``--cfg-options``).
        path (str): The config file, for messages.
        launcher (str): ``--launcher``.
        splits (Sequence[str]): The loops the run builds: ``train``, ``val``, ``test``.

    Raises:
        ValueError: One line naming the key (or the launcher) and the value.
    """
    check_model_section(cfg, path)
    seed = (cfg.get('randomness') or {}).get('seed')
    if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)
                             or not 0 <= seed < 2**32):
        raise ValueError(f'config {path}: randomness.seed: {seed!r} is not an integer in '
                         '[0, 2**32 - 1] (or None for a random one)')
    method = ((cfg.get('env_cfg') or {}).get('mp_cfg') or {}).get('mp_start_method')
    if method is not None and method not in multiprocessing.get_all_start_methods():
        raise ValueError(f'config {path}: env_cfg.mp_cfg.mp_start_method: {method!r} is not '
                         f'one of {multiprocessing.get_all_start_methods()}')
    for split in splits:
        loader = cfg.get(f'{split}_dataloader') or {}
        for key, least in (('batch_size', 1), ('num_workers', 0)):
            value = loader.get(key, least)
            if not isinstance(value, int) or isinstance(value, bool) or value < least:
                raise ValueError(f'config {path}: {split}_dataloader.{key}: {value!r} is not an '
                                 f'integer >= {least}')
    if 'train' in splits:
        _check_train_loop(cfg, path)
    missing = [v for v in LAUNCHER_VARIABLES.get(launcher, ()) if v not in os.environ]
    if missing:
        raise ValueError(f'--launcher {launcher}: the environment lacks {", ".join(missing)} '
                         f'(start the processes with tools/dist_train.sh or '
                         f'tools/slurm_train.sh, or use --launcher none)')


def check_model_section(cfg: Config, path: str) -> None:
    """Refuse a config without a ``model`` dict (mmengine's runner met its absence as a
    ``KeyError`` traceback; the checkpoint check, which builds the model, as an
    ``AttributeError``).

    Raises:
        ValueError: One line naming the config.
    """
    if not isinstance(cfg.get('model'), dict):
        raise ValueError(f'config {path}: model: the config defines no model (a dict with its '
                         'type); is it the config of a run?')


def _check_train_loop(cfg: Config, path: str) -> None:
    """The length of the training loop and the learning rate: ``train_cfg.max_epochs=-1``
    finished at once with status 0 and no checkpoint, and a negative ``lr`` failed in torch with
    a line naming neither the config nor the key."""
    train_cfg = cfg.get('train_cfg') or {}
    for key in ('max_epochs', 'max_iters', 'val_interval', 'val_begin'):
        value = train_cfg.get(key)
        least = 0 if key == 'val_begin' else 1
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)
                                  or value < least):
            raise ValueError(f'config {path}: train_cfg.{key}: {value!r} is not an integer '
                             f'>= {least}')
    optimizer = (cfg.get('optim_wrapper') or {}).get('optimizer') or {}
    lr = optimizer.get('lr') if isinstance(optimizer, dict) else None
    if isinstance(lr, (int, float)) and not isinstance(lr, bool) and not lr >= 0:
        raise ValueError(f'config {path}: optim_wrapper.optimizer.lr: {lr!r} is not a number '
                         '>= 0')
