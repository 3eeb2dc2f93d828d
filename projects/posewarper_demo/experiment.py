"""One seed of the demo: data, stage 1, stage 2, Table 1, aggregation and Fig. 4a.

:func:`run_seed` chains the stages of :mod:`.pipeline` in one work folder per seed;
``tools/demo.py`` runs it for each seed and summarises the seeds (:mod:`.seeds`).
"""
import os
import os.path as osp
from typing import Dict, List, Optional

import numpy as np

from posewarper.fileio import load_posetrack_json
from . import figures
from .oracle_cue import ORACLE_CUE
from .pipeline import (CONFIGS, PSEUDO_ANN, TEST_ANN, TEST_SEED_OFFSET, TRAIN_ANN, DemoSettings,
                       StageTimer, ap_by_frame_kind, config_file, demo_config, make_demo_data,
                       propagate_and_score, test_model, train_model)
from .seeds import ORACLE_ROW, ORACLE_TABLE
from .warp_recovery import measure_warp_recovery, recovery_rows

#: Table 1's rows, in the paper's order
TABLE1 = ('copy', 'farneback', 'single-frame', 'posewarper', 'posewarper + cycle')
#: Table 1's PoseWarper rows
PW_ROWS = ('posewarper', 'posewarper + cycle')


def run_seed(work: str, settings: DemoSettings, seed: int, stage1_init: Optional[str],
             augmentation: bool, timer: StageTimer, stage2_init: Optional[str] = None) -> dict:
    """Run every experiment of the demo for one seed in ``work``.

    Args:
        work (str): The seed's folder (``data``, ``models``, ``propagation``, ``aggregation``
            and ``pseudo`` go there).
        settings (DemoSettings): Data sizes and schedules.
        seed (int): Seed of the data and of every training.
        stage1_init (str, optional): Checkpoint stage 1 and the Fig. 4a models are fine-tuned
            from (the shipped pretrained tiny HRNet by default); None trains them from scratch.
        augmentation (bool): Also run Fig. 4a (GT 1x / GT 1x + pGT 6x / GT 7x).
        timer (StageTimer): Times the stages (names prefixed with the seed).
        stage2_init (str, optional): A trained PoseWarper both stage-2 models start from (its
            whole model; the fine-tuned stage 1 then replaces its stage-1 part, so the warping
            head is the pretrained one); None: the warping head starts untrained.

    Returns:
        dict: ``propagation``, ``propagation_oracle_cue`` (:data:`ORACLE_TABLE`: the
        diagnostic row), ``aggregation``, ``aggregation_official_scoring``,
        ``aggregation_by_frame``, ``augmentation`` (empty without ``augmentation``),
        ``warp_recovery`` (:func:`.warp_recovery.recovery_rows` of the PoseWarper on the test
        videos), the training iterations of each model (``iters``) and the paths the figures
        need (``paths``).
    """
    s = settings
    data, models, prop = (osp.join(work, name) for name in ('data', 'models', 'propagation'))
    os.makedirs(work, exist_ok=True)

    def stage(name):
        return timer.stage(f'seed {seed}: {name}')

    with stage('data'):
        defocused = make_demo_data(data, s, seed)['val']['defocused_frames']

    def cfg(key, name, epochs, **kw):
        # dumped next to the model: the propagators read configs from files, and the report's
        # commands rerun the stages with them
        c = demo_config(config_file(CONFIGS[key]), data, osp.join(models, name), epochs, seed,
                        **kw)
        os.makedirs(c.work_dir, exist_ok=True)
        # beside the work dir, not in it: mmengine dumps the config of a run into its work dir
        # under the config's own name, which would write over the file a tool was given
        c.dump(c.work_dir + '.py')
        return c

    stage1_cfg = cfg('stage1', 'stage1', s.stage1_epochs, load_from=stage1_init)
    with stage('train stage 1 (single frame)'):
        stage1 = train_model(stage1_cfg)
    # stage 2 as shipped, not fine-tuned: both rows are that one model, built and run once
    one_stage2 = s.stage2_epochs == 0 and stage2_init is not None
    stage2_models = (('posewarper', PW_ROWS[0]), ('posewarper_cycle', PW_ROWS[1]))
    pw_cfgs, pw_ckpts = {}, {}
    for key, name in stage2_models[:1] if one_stage2 else stage2_models:
        pw_cfgs[name] = cfg(key, key, s.stage2_epochs, load_from=stage1, init_from=stage2_init)
        with stage(f'train stage 2 ({name})'):
            pw_ckpts[name] = train_model(pw_cfgs[name])
    cfg_files = {name: c.work_dir + '.py'
                 for name, c in [('single-frame', stage1_cfg)] + list(pw_cfgs.items())}
    with stage('warp recovery'):
        recovery = measure_warp_recovery(
            cfg_files['posewarper'], pw_ckpts['posewarper'], osp.join(data, TEST_ANN),
            data_root=data, max_offset=s.max_offset, source_interval=s.label_interval)
    # training iterations per model (the report's commands name the checkpoints by them)
    iters = dict(stage1=stage1_cfg.train_cfg.max_iters,
                 posewarper=pw_cfgs['posewarper'].train_cfg.max_iters)
    if not one_stage2:
        iters['posewarper_cycle'] = pw_cfgs['posewarper + cycle'].train_cfg.max_iters

    propagation = {}
    for method in TABLE1:
        if one_stage2 and method == PW_ROWS[1]:
            propagation[method] = dict(propagation[PW_ROWS[0]])
            continue
        model = dict(config=cfg_files[method], checkpoint=pw_ckpts.get(method, stage1)) \
            if method in cfg_files else {}
        with stage(f'propagate: {method}'):
            propagation[method] = propagate_and_score(
                method.split(' ')[0], data, prop, s, seed, name=method.replace(' ', ''), **model)
    with stage(f'propagate: {ORACLE_ROW} (diagnostic)'):
        oracle = {ORACLE_ROW: propagate_and_score(
            ORACLE_CUE, data, prop, s, seed, name=ORACLE_CUE, config=cfg_files['posewarper'],
            checkpoint=pw_ckpts['posewarper'],
            method_options=dict(gt_ann_file=osp.join(data, TEST_ANN), data_root=data))}

    aggregation, aggregation_official = {}, {}
    preds = {name: osp.join(work, 'aggregation', name) for name in ('single', 'temporal')}
    for name, (cfg_, ckpt) in (('single', (stage1_cfg, stage1)),
                               ('temporal', (pw_cfgs['posewarper'], pw_ckpts['posewarper']))):
        title = 'single frame' if name == 'single' else 'temporal aggregation (±2)'
        with stage(f'test: {title}'):
            # both scorings from one test loop: MMPose's (the tables) and the official code's
            scores = test_model(cfg_, ckpt, preds[name], scorings=('mmpose', 'official'))
        aggregation[name], aggregation_official[name] = scores['mmpose'], scores['official']
    by_frame = ap_by_frame_kind(osp.join(data, 'annotations', 'val'), preds, s.test_frames,
                                defocused)

    augmentation_tables = {}
    if augmentation:
        augmentation_tables['GT (1x)'] = aggregation['single']
        with stage('pseudo-labels: propagate training set'):
            propagate_and_score('posewarper', data, osp.join(work, 'pseudo'), s, seed,
                                ann_file=TRAIN_ANN, name='train', score=False,
                                config=cfg_files['posewarper'],
                                checkpoint=pw_ckpts['posewarper'])
            os.replace(osp.join(work, 'pseudo', 'train.json'), osp.join(data, PSEUDO_ANN))
        for key, name, kw in (('gt1x_pgt6x', 'GT (1x) + pGT (6x)', dict(train_ann_file=PSEUDO_ANN)),
                              ('gt7x', 'GT (7x)', {})):
            # as many iterations as GT (1x): what the extra (pseudo-)labels are worth for the
            # same training time (the paper trains as many epochs, 7x the compute)
            aug_cfg = cfg(key, key, None, iters=stage1_cfg.train_cfg.max_iters,
                          load_from=stage1_init, **kw)
            iters[key] = aug_cfg.train_cfg.max_iters
            with stage(f'train + test: {name}'):
                augmentation_tables[name] = test_model(aug_cfg, train_model(aug_cfg))['mmpose']

    return dict(propagation=propagation, **{ORACLE_TABLE: oracle}, aggregation=aggregation,
                aggregation_official_scoring=aggregation_official,
                aggregation_by_frame=by_frame, augmentation=augmentation_tables,
                warp_recovery=recovery_rows(recovery), iters=iters,
                paths=dict(data=data, propagation=prop, posewarper_config=cfg_files['posewarper'],
                           posewarper_checkpoint=pw_ckpts['posewarper']))


def seed_figures(run: dict, settings: DemoSettings, out_dir: str) -> Dict[str, str]:
    """The figures of one seed's run: the pose video and the offsets vs flow.

    Returns:
        dict[str, str]: Figure title -> file name in ``out_dir``; the offsets summary under
        ``'offsets'`` is added to ``run``.
    """
    paths = run['paths']
    data, prop = paths['data'], paths['propagation']
    gt = load_posetrack_json(osp.join(data, TEST_ANN))
    docs = dict(GT=gt, Farneback=load_posetrack_json(osp.join(prop, 'farneback.json')),
                PoseWarper=load_posetrack_json(osp.join(prop, 'posewarper.json')))
    fig = {'Test video: GT | Farneback | PoseWarper': osp.basename(
        figures.pose_video(data, docs, osp.join(out_dir, 'poses.gif')))}
    run['offsets_vs_flow'] = offsets_figure(data, gt, settings, paths['posewarper_config'],
                                            paths['posewarper_checkpoint'],
                                            osp.join(out_dir, 'offsets_vs_flow.png'))
    fig['Learned offsets vs Farneback flow (Fig. 5)'] = 'offsets_vs_flow.png'
    return fig


def offsets_figure(data: str, gt: dict, s: DemoSettings, config: str, checkpoint: str,
                   out: str) -> dict:
    """Offsets vs Farneback flow for the first person of the first test video, from its first
    labelled frame A to B = A + max_offset."""
    import cv2

    from posewarper.apis import init_model
    from posewarper_synthetic import KEYPOINT_NAMES
    images = sorted(gt['images'], key=lambda img: img['file_name'])
    video = osp.dirname(images[0]['file_name'])
    frames = [img for img in images if osp.dirname(img['file_name']) == video]
    img_a, img_b = frames[0], frames[min(s.max_offset, len(frames) - 1)]
    anns = {a['image_id']: {} for a in gt['annotations']}
    for a in gt['annotations']:
        anns[a['image_id']][a['track_id']] = a
    track = sorted(set(anns[img_a['id']]) & set(anns[img_b['id']]))[0]
    ann_a, ann_b = anns[img_a['id']][track], anns[img_b['id']][track]
    kp_a = np.asarray(ann_a['keypoints'], dtype=np.float64).reshape(-1, 3)
    kp_b = np.asarray(ann_b['keypoints'], dtype=np.float64).reshape(-1, 3)
    valid = (kp_a != 0).any(1) & (kp_b != 0).any(1)
    x, y, w, h = ann_a['bbox']
    model = init_model(config, checkpoint, 'cpu')
    read = lambda img: cv2.imread(osp.join(data, img['file_name']), cv2.IMREAD_COLOR)  # noqa
    return figures.offsets_vs_flow(model, read(img_a), read(img_b),
                                   np.array([x, y, x + w, y + h]), kp_a[:, :2], kp_b[:, :2],
                                   out, joint_names=KEYPOINT_NAMES, valid=valid)


def stage_commands(work_dir: str, seed: int, s: DemoSettings, iters: Dict[str, int]) -> List[str]:
    """The repository commands equivalent to one seed's stages (for the report); the models'
    configs are the tiny ones with the demo's overrides (``load_from`` among them), dumped as
    ``models/<name>.py``."""
    d, m, p = f'{work_dir}/data', f'{work_dir}/models', f'{work_dir}/propagation'
    ckpt = {key: f'{key}/iter_{n}.pth' for key, n in iters.items()}
    size = f'--width {s.width} --height {s.height}'
    lines = [
        f'python tools/make_synthetic_posetrack.py --out {d} --split train --videos '
        f'{s.train_videos} --frames {s.train_frames} {size} --seed {seed}',
        f'python tools/make_synthetic_posetrack.py --out {d} --split val --videos '
        f'{s.test_videos} --frames {s.test_frames} {size} --seed {seed + TEST_SEED_OFFSET}',
        f'python tools/train.py {m}/stage1.py',
        f'python tools/train.py {m}/posewarper.py',
    ]
    models = [('copy', None, None), ('farneback', None, None),
              ('single-frame', 'stage1', ckpt['stage1']),
              ('posewarper', 'posewarper', ckpt['posewarper'])]
    if 'posewarper_cycle' in iters:  # else the cycle row is the plain PoseWarper's model
        lines.append(f'python tools/train.py {m}/posewarper_cycle.py')
        models.append(('posewarper', 'posewarper_cycle', ckpt['posewarper_cycle']))
    for method, cfg, model_ckpt in models:
        name = 'posewarper+cycle' if cfg == 'posewarper_cycle' else method
        model = (f' --config {m}/{cfg}.py --checkpoint {m}/{model_ckpt}'
                 if cfg else '')
        lines += [
            f'python tools/propagate.py --ann-file {d}/{TEST_ANN} --data-root {d} '
            f'--label-interval {s.label_interval} --max-offset {s.max_offset} --method {method}'
            f'{model} --out {p}/{name}.json --per-video-dir {p}/{name}',
            f'python tools/eval_posetrack.py --gt-dir {d}/annotations/val --pred-dir {p}/{name} '
            f'--out {p}/{name}_ap.json'
        ]
    lines += [f'python tools/test.py {m}/stage1.py {m}/{ckpt["stage1"]}',
              f'python tools/test.py {m}/posewarper.py {m}/{ckpt["posewarper"]}']
    if 'gt7x' in iters:
        lines += [
            f'python tools/propagate.py --ann-file {d}/{TRAIN_ANN} --data-root {d} '
            f'--label-interval {s.label_interval} --method posewarper '
            f'--config {m}/posewarper.py --checkpoint {m}/{ckpt["posewarper"]} '
            f'--out {d}/{PSEUDO_ANN}']
        for key in ('gt1x_pgt6x', 'gt7x'):
            lines += [f'python tools/train.py {m}/{key}.py',
                      f'python tools/test.py {m}/{key}.py {m}/{ckpt[key]}']
    return lines
