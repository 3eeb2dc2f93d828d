"""The stages of the demo (``tools/demo.py``): data, training, testing, propagation, scoring.

Each stage is a plain function over paths, so ``tools/demo.py`` only chains them. Training and
testing go through mmengine's Runner built from the tiny configs (``configs/tiny``) with the
demo's data root, work dir, schedule and seed; propagation reuses
:func:`posewarper.propagation.propagate_annotations`; scores come from
:func:`posewarper.evaluation.functional.evaluate_posetrack_ap` or ``PoseTrackAPMetric``.
"""
import contextlib
import math
import os.path as osp
import time
from dataclasses import asdict, dataclass
from typing import Dict, Iterator, Optional, Sequence

from mmengine.config import Config
from mmengine.registry import DefaultScope

import posewarper
from posewarper.evaluation.functional import AP_KEYS, compute_ap, evaluate_posetrack_ap
from posewarper.fileio import load_posetrack_dirs
from posewarper.propagation import propagate_annotations
from posewarper.utils.cpu_threads import fitted_cpu_threads
from posewarper_synthetic import make_synthetic_posetrack


def config_file(name: str) -> str:
    """A config installed with posewarper, where ``mim`` finds packages' configs
    (``<package>/.mim/configs/<name>``).

    Raises:
        FileNotFoundError: If the installed package has no such config.
    """
    path = osp.join(osp.dirname(posewarper.__file__), '.mim', 'configs', name)
    if not osp.isfile(path):
        raise FileNotFoundError(f'config {name} is not installed with posewarper ({path})')
    return path


#: The tiny configs the demo trains, by role.
CONFIGS = dict(
    stage1='tiny/td-hm_hrnet-tiny_1xb16-4e_synthetic-128x96.py',
    posewarper='tiny/posewarper_hrnet-tiny_1xb8-4e_synthetic-128x96.py',
    posewarper_cycle='tiny/posewarper-cycle_hrnet-tiny_1xb8-4e_synthetic-128x96.py',
    gt7x='tiny/td-hm_hrnet-tiny_1xb16-4e_synthetic-gt7x-128x96.py',
    gt1x_pgt6x='tiny/td-hm_hrnet-tiny_1xb16-4e_synthetic-gt1x-pgt6x-128x96.py')
TRAIN_ANN = 'annotations/posetrack18_train.json'
TEST_ANN = 'annotations/posetrack18_val.json'
PSEUDO_ANN = 'annotations/posetrack18_train_pseudo-posewarper.json'
# the test videos are drawn from another seed than the training videos (offset kept far from
# any seed a user would pick next)
TEST_SEED_OFFSET = 1_000_003


@dataclass(frozen=True)
class DemoSettings:
    """Sizes of a demo run: data, schedules and the propagation protocol (the ``demo`` dict of
    a ``configs/demo`` file, :func:`demo_settings`).

    Attributes:
        train_videos (int): Generated training videos.
        train_frames (int): Frames per training video (every ``label_interval``-th labelled).
        test_videos (int): Generated test videos (all frames labelled: the ground truth).
        test_frames (int): Frames per test video.
        width (int): Frame width in pixels.
        height (int): Frame height in pixels.
        stage1_epochs (int): Epochs of the single-frame model (and the augmentation models).
        stage2_epochs (int): Epochs of each PoseWarper.
        label_interval (int): One labelled frame in this many (the paper: 7).
        max_offset (int): Propagate to frames this far from a labelled frame (the paper: 3).
    """
    train_videos: int
    train_frames: int
    test_videos: int
    test_frames: int
    width: int
    height: int
    stage1_epochs: int
    stage2_epochs: int
    label_interval: int
    max_offset: int

    def as_dict(self) -> dict:
        return asdict(self)


def demo_settings(name: str) -> DemoSettings:
    """The settings of ``configs/demo/<name>.py`` (``default``, ``quick``, ``scratch``)."""
    return DemoSettings(**Config.fromfile(config_file(f'demo/{name}.py')).demo)


#: the pretrained tiny HRNet that stage 1 is fine-tuned from by default (the demo's analogue of the
#: paper's COCO-pretrained HRNet-W48), with its sidecar ``.json`` (command, commit, sha256, AP)
PRETRAINED = osp.join(osp.dirname(__file__), 'checkpoints', 'hrnet-tiny_synthetic-pretrain2000.pth')
#: the tiny PoseWarper trained to its plateau on that stage 1 (the analogue of the paper's full
#: PoseTrack training run), which both demo PoseWarpers start from by default; sidecar beside it
STAGE2_PRETRAINED = osp.join(osp.dirname(PRETRAINED), 'posewarper-tiny_synthetic-pretrain2000.pth')
#: ``tools/demo.py --quick``, the default run and ``--from-scratch`` (configs/demo/ says why)
QUICK, DEFAULT, SCRATCH = (demo_settings(name) for name in ('quick', 'default', 'scratch'))


class StageTimer:
    """Wall-clock seconds of the demo's stages, printed as each one ends."""

    def __init__(self) -> None:
        self.seconds: Dict[str, float] = {}

    @contextlib.contextmanager
    def stage(self, name: str) -> Iterator[None]:
        print(f'\n== [{name}] start', flush=True)
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = round(time.perf_counter() - start, 2)
            print(f'== [{name}] done in {self.seconds[name]:.1f} s', flush=True)


def make_demo_data(data_root: str, settings: DemoSettings, seed: int) -> Dict[str, dict]:
    """Generate the training videos (``seed``) and the test videos (another seed).

    The test videos go to the ``val`` split, which the tiny configs test on.

    Returns:
        dict[str, dict]: The generator's summary per split.
    """
    common = dict(width=settings.width, height=settings.height)
    summary = make_synthetic_posetrack(
        data_root, videos=settings.train_videos, frames=settings.train_frames, seed=seed,
        splits='train', **common)
    summary.update(make_synthetic_posetrack(
        data_root, videos=settings.test_videos, frames=settings.test_frames,
        seed=seed + TEST_SEED_OFFSET, splits='val', **common))
    return summary


def iters_per_epoch(cfg: Config) -> int:
    """Training iterations of one epoch of a config's training set (its dataset is built)."""
    from mmpose.registry import DATASETS
    with DefaultScope.overwrite_default_scope(cfg.get('default_scope', 'mmpose')):
        dataset = DATASETS.build(cfg.train_dataloader.dataset)
    return max(1, math.ceil(len(dataset) / cfg.train_dataloader.batch_size))


def demo_config(config: str,
                data_root: str,
                work_dir: str,
                epochs: Optional[int],
                seed: int,
                load_from: Optional[str] = None,
                train_ann_file: Optional[str] = None,
                iters: Optional[int] = None,
                init_from: Optional[str] = None) -> Config:
    """A tiny config made a demo run: the demo's data, work dir, schedule and seed.

    The run is iteration-based: ``epochs`` of the training set (or exactly ``iters``
    iterations), with the config's learning-rate milestones at the same fractions of the run,
    so that runs of any length decay their learning rate alike (epoch milestones rounded to
    whole epochs would not decay at all in a one-epoch run). ``configs/demo/demo_run.py`` is
    merged in: no validation during training (the demo tests each model once afterwards), and
    only the last checkpoint, ``iter_<N>.pth``, is kept.

    Args:
        config (str): A config file, e.g. ``config_file(CONFIGS['stage1'])``.
        data_root (str): Root of the generated data (already generated).
        work_dir (str): Work dir of the run.
        epochs (int, optional): Training epochs; ignored when ``iters`` is given.
        seed (int): Random seed of the runner.
        load_from (str, optional): Checkpoint to start from (stage 2: the stage-1 model).
        train_ann_file (str, optional): Training json relative to ``data_root``.
        iters (int, optional): Training iterations (the Fig. 4a models: as many as stage 1).
        init_from (str, optional): A checkpoint of the whole model to initialise it from
            before ``load_from`` is loaded over it (mmengine applies a model's ``Pretrained``
            init first): stage 2 takes the pretrained PoseWarper's warping head this way and
            the fine-tuned stage 1 from ``load_from``.

    Returns:
        Config: The edited config.
    """
    cfg = Config.fromfile(config)
    data_root = osp.abspath(data_root) + osp.sep
    cfg.work_dir = osp.abspath(work_dir)
    # distinct names: several runners live in one process and share mmengine's global instances
    cfg.experiment_name = f'{osp.basename(osp.normpath(work_dir))}_{seed}'
    cfg.randomness = dict(seed=seed)
    cfg.load_from = load_from
    if init_from is not None:
        cfg.model.init_cfg = dict(type='Pretrained', checkpoint=init_from)
    for name in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[name].dataset.data_root = data_root
    if train_ann_file is not None:
        cfg.train_dataloader.dataset.ann_file = train_ann_file
    for name in ('val_evaluator', 'test_evaluator'):
        cfg[name].ann_file = data_root + TEST_ANN
    if iters is None:
        iters = epochs * iters_per_epoch(cfg)
    base_epochs = cfg.train_cfg.max_epochs
    cfg.train_cfg = dict(by_epoch=False, max_iters=iters, val_interval=iters + 1)
    if iters == 0:  # the model as initialised (train_model saves it): no schedule to scale
        cfg.param_scheduler = []
    for sched in cfg.param_scheduler:
        if 'milestones' in sched:
            sched.milestones = sorted({max(1, round(m * iters / base_epochs))
                                       for m in sched.milestones})
        sched.update(by_epoch=False, begin=0, end=iters)
    # what every demo run changes (no validation, iteration logs, the last checkpoint only)
    cfg.merge_from_dict(Config.fromfile(config_file('demo/demo_run.py')).to_dict())
    cfg.default_hooks.checkpoint.interval = max(iters, 1)
    return cfg


def train_model(cfg: Config) -> str:
    """Train with the config's runner; returns the last checkpoint, ``iter_<max_iters>.pth``.

    With ``max_iters = 0`` the model is only initialised (``init_cfg``, then ``load_from``)
    and saved as ``iter_0.pth``: a pretrained model evaluated without fine-tuning.
    """
    from posewarper.engine import build_runner
    runner = build_runner(cfg)
    runner.train()
    name = f'iter_{cfg.train_cfg.max_iters}.pth'
    if cfg.train_cfg.max_iters == 0:  # no iteration ran, so the checkpoint hook saved nothing
        runner.save_checkpoint(cfg.work_dir, name, save_optimizer=False, save_param_scheduler=False)
    return osp.join(cfg.work_dir, name)


def test_model(cfg: Config, checkpoint: str, pred_dir: Optional[str] = None,
               scorings: Sequence[str] = ('mmpose', )) -> Dict[str, Dict[str, float]]:
    """Run the config's test loop (``PoseTrackAPMetric``) on a checkpoint.

    Args:
        cfg (Config): A config from :func:`demo_config`.
        checkpoint (str): The checkpoint to test.
        pred_dir (str, optional): Keep the per-video prediction files of the first scoring there
            (by default the metric writes them to a temporary folder).
        scorings (Sequence[str]): The metric's ``scoring`` values to report; all are computed
            from the same predictions (one test loop).

    Returns:
        dict[str, dict[str, float]]: Per scoring, AP per key of :data:`AP_KEYS` (percent).
    """
    from posewarper.engine import build_runner
    cfg = cfg.copy()
    cfg.load_from = checkpoint
    cfg.work_dir = cfg.work_dir + '_test'
    cfg.experiment_name = cfg.experiment_name + '_test'
    evaluators = []
    for k, scoring in enumerate(scorings):
        evaluator = dict(cfg.test_evaluator, scoring=scoring, prefix=f'posetrack_{scoring}')
        if pred_dir is not None and k == 0:
            # PoseTrackAPMetric writes next to the prefix, as MMPose's PoseTrack18Metric does
            evaluator['outfile_prefix'] = osp.join(pred_dir, 'results')
        evaluators.append(evaluator)
    cfg.test_evaluator = evaluators
    metrics = build_runner(cfg).test()
    return {scoring: {key: float(metrics[f'posetrack_{scoring}/{key}']) for key in AP_KEYS}
            for scoring in scorings}


def propagate_and_score(method: str,
                        data_root: str,
                        out_dir: str,
                        settings: DemoSettings,
                        seed: int,
                        config: Optional[str] = None,
                        checkpoint: Optional[str] = None,
                        ann_file: str = TEST_ANN,
                        name: Optional[str] = None,
                        score: bool = True,
                        method_options: Optional[dict] = None) -> Optional[Dict[str, float]]:
    """Propagate the labelled frames of a split with one method; score it on the full GT.

    Writes ``out_dir/<name>.json`` (merged) and ``out_dir/<name>/`` (per-video files).
    ``method_options`` go to the method's class (``propagate_annotations``).

    Returns:
        dict[str, float] | None: AP per key of :data:`AP_KEYS` (with ``score``).
    """
    name = name or method
    per_video = osp.join(out_dir, name)
    with fitted_cpu_threads() as fit_threads:  # the demo runs on the CPU
        propagate_annotations(
            osp.join(data_root, ann_file), osp.join(out_dir, f'{name}.json'), method,
            data_root=data_root, config=config, checkpoint=checkpoint,
            max_offset=settings.max_offset, label_interval=settings.label_interval,
            per_video_dir=per_video, seed=seed, before_video=fit_threads,
            method_options=method_options)
    if not score:
        return None
    return evaluate_posetrack_ap(osp.join(data_root, 'annotations', 'val'), per_video)


def ap_on_frames(gt_videos: Dict[str, dict], pred_videos: Dict[str, dict],
                 frames: Dict[str, Sequence[int]]) -> Optional[Dict[str, float]]:
    """PoseTrack AP restricted to some frames of each video.

    The ground truth of the other frames is left out, so the evaluation skips them as it skips
    any frame without GT persons (their predictions are not counted either). The inputs are not
    modified.

    Args:
        gt_videos (dict[str, dict]): Per-video GT json objects keyed by file name, as returned by
            :func:`~posewarper.fileio.load_posetrack_dirs`.
        pred_videos (dict[str, dict]): Per-video prediction json objects, same keys.
        frames (dict[str, Sequence[int]]): Video name (file name without ``.json``) -> indices
            of the frames to keep, in the order of the GT file's ``images``.

    Returns:
        dict[str, float] | None: AP per key of :data:`AP_KEYS`, or None when no frame is kept.
    """
    if not any(frames.values()):
        return None
    kept_gt = {}
    for name, doc in gt_videos.items():
        keep = set(frames.get(osp.splitext(name)[0], ()))
        kept_ids = {image['id'] for k, image in enumerate(doc.get('images', [])) if k in keep}
        kept_gt[name] = dict(doc, annotations=[a for a in doc.get('annotations', [])
                                               if a.get('image_id') in kept_ids])
    return compute_ap(kept_gt, pred_videos)


def ap_by_frame_kind(gt_dir: str, pred_dirs: Dict[str, str], num_frames: int,
                     defocused: Dict[str, Sequence[int]]) -> Dict[str, dict]:
    """Score models' test predictions separately on defocused and on sharp frames.

    Args:
        gt_dir (str): Folder of per-video GT files.
        pred_dirs (dict[str, str]): Model name -> folder of its per-video prediction files.
        num_frames (int): Frames per test video.
        defocused (dict[str, Sequence[int]]): Video name -> indices of its defocused frames (the
            generator's ``defocused_frames``).

    Returns:
        dict[str, dict]: ``defocused`` and ``sharp`` -> ``frames`` (how many) and, per model,
        the AP of :func:`ap_on_frames` (None where there is no such frame).
    """
    sharp = {name: sorted(set(range(num_frames)) - set(frames))
             for name, frames in defocused.items()}
    # the GT and every prediction folder are read once, then scored on both frame sets
    loaded = {model: load_posetrack_dirs(gt_dir, pred_dir) for model, pred_dir in pred_dirs.items()}
    return {kind: dict(frames=sum(map(len, frames.values())),
                       **{model: ap_on_frames(gt, pred, frames)
                          for model, (gt, pred) in loaded.items()})
            for kind, frames in (('defocused', defocused), ('sharp', sharp))}
