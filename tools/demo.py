"""The paper's three applications in miniature, offline on CPU (the README's ``make demo``).

On generated sparsely-labelled videos (training and test videos from different seeds):

1. train the tiny single-frame model (stage 1) on the labelled frames (every 7th);
2. train PoseWarper (stage 2, frozen backbone) plain and with cycle consistency;
3. Table 1: propagate the test videos' labelled frames to ±3 with copy, Farneback, the
   single-frame model, PoseWarper and PoseWarper + cycle, scored with PoseTrack mAP;
4. aggregation: single-frame vs PoseWarper's ±2 temporal aggregation (mmengine test loop), also
   split into the test frames a defocus burst blurred and the sharp ones;
5. with ``--augmentation``, Fig. 4a: GT (1x) vs GT (1x) + pGT (6x) vs GT (7x), trained for as
   many iterations as GT (1x) (off by default: two more stage-1 trainings, which would take the
   default run past its 20-minute budget).

Writes ``report.md``, ``results.json``, ``tables.png``, ``poses.gif`` and
``offsets_vs_flow.png`` to ``--work-dir``. Example::

    python tools/demo.py                 # about 11 minutes on 2 CPU cores
    python tools/demo.py --quick         # a minute or two: checks every stage and output
"""
import argparse
import os
import os.path as osp
import shlex
import sys
import time
from typing import List, Optional

import numpy as np

from posewarper.fileio import check_output_path, load_posetrack_json
from posewarper.utils.cli import add_debug_argument, cli_main
from posewarper_demo import (CONFIGS, DEFAULT, QUICK, StageTimer, check_targets, config_file,
                             demo_config, figures, make_demo_data, propagate_and_score, test_model,
                             train_model, write_report, write_results)
from posewarper_demo.pipeline import (PSEUDO_ANN, TEST_ANN, TEST_SEED_OFFSET, TRAIN_ANN,
                                      ap_by_frame_kind, augmentation_epochs)

TABLE1 = ('copy', 'farneback', 'single-frame', 'posewarper', 'posewarper + cycle')


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='PoseWarper demo: propagation, aggregation (and augmentation) on '
        'generated videos, with a report.')
    parser.add_argument('--quick', action='store_true',
                        help='tiny data and one epoch per model: checks the plumbing only')
    parser.add_argument('--augmentation', action='store_true',
                        help='also train the GT (7x) and GT (1x) + pGT (6x) models (Fig. 4a)')
    parser.add_argument('--seed', type=int, default=0, help='random seed (data and training)')
    parser.add_argument('--work-dir', default='work_dirs/demo', help='output folder')
    add_debug_argument(parser)
    return parser.parse_args(argv)


@cli_main
def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    command = 'python tools/demo.py ' + ' '.join(shlex.quote(a) for a in (argv or sys.argv[1:]))
    settings = QUICK if args.quick else DEFAULT
    work = osp.abspath(args.work_dir)
    check_output_path(work, '--work-dir', folder=True)
    data = osp.join(work, 'data')
    models = osp.join(work, 'models')
    prop = osp.join(work, 'propagation')
    os.makedirs(work, exist_ok=True)
    timer = StageTimer()
    start = time.perf_counter()
    s = settings

    with timer.stage('data'):
        defocused = make_demo_data(data, s, args.seed)['val']['defocused_frames']

    def cfg(key, name, epochs, **kw):
        # dumped next to the model: the propagators read configs from files, and the report's
        # commands rerun the stages with them
        c = demo_config(config_file(CONFIGS[key]), data, osp.join(models, name), epochs, args.seed,
                        **kw)
        os.makedirs(c.work_dir, exist_ok=True)
        c.dump(osp.join(c.work_dir, 'demo_config.py'))
        return c

    stage1_cfg = cfg('stage1', 'stage1', s.stage1_epochs)
    with timer.stage('train stage 1 (single frame)'):
        stage1 = train_model(stage1_cfg)
    pw_cfgs, pw_ckpts = {}, {}
    for key, name in (('posewarper', 'posewarper'), ('posewarper_cycle', 'posewarper + cycle')):
        pw_cfgs[name] = cfg(key, key, s.stage2_epochs, load_from=stage1)
        with timer.stage(f'train stage 2 ({name})'):
            pw_ckpts[name] = train_model(pw_cfgs[name])
    cfg_files = {name: osp.join(c.work_dir, 'demo_config.py')
                 for name, c in [('single-frame', stage1_cfg)] + list(pw_cfgs.items())}

    propagation = {}
    for method in TABLE1:
        model = dict(config=cfg_files[method], checkpoint=pw_ckpts.get(method, stage1)) \
            if method in cfg_files else {}
        with timer.stage(f'propagate: {method}'):
            propagation[method] = propagate_and_score(
                method.split(' ')[0], data, prop, s, args.seed, name=method.replace(' ', ''),
                **model)

    aggregation = {}
    preds = {name: osp.join(work, 'aggregation', name) for name in ('single', 'temporal')}
    # both scorings from one test loop: MMPose's (the tables) and the official code's
    aggregation_official = {}
    for name, (cfg_, ckpt) in (('single', (stage1_cfg, stage1)),
                               ('temporal', (pw_cfgs['posewarper'], pw_ckpts['posewarper']))):
        title = 'single frame' if name == 'single' else 'temporal aggregation (±2)'
        with timer.stage(f'test: {title}'):
            scores = test_model(cfg_, ckpt, preds[name], scorings=('mmpose', 'official'))
        aggregation[name], aggregation_official[name] = scores['mmpose'], scores['official']
    by_frame = ap_by_frame_kind(osp.join(data, 'annotations', 'val'), preds, s.test_frames,
                                defocused)

    augmentation = {}
    if args.augmentation:
        augmentation['GT (1x)'] = aggregation['single']
        with timer.stage('pseudo-labels: propagate training set'):
            propagate_and_score('posewarper', data, osp.join(work, 'pseudo'), s, args.seed,
                                ann_file=TRAIN_ANN, name='train', score=False,
                                config=cfg_files['posewarper'],
                                checkpoint=pw_ckpts['posewarper'])
            os.replace(osp.join(work, 'pseudo', 'train.json'), osp.join(data, PSEUDO_ANN))
        for key, name, kw in (('gt1x_pgt6x', 'GT (1x) + pGT (6x)', dict(train_ann_file=PSEUDO_ANN)),
                              ('gt7x', 'GT (7x)', {})):
            aug_cfg = cfg(key, key, augmentation_epochs(s), **kw)
            with timer.stage(f'train + test: {name}'):
                augmentation[name] = test_model(aug_cfg, train_model(aug_cfg))['mmpose']

    with timer.stage('figures'):
        fig = {}
        fig['Bar plot of the tables'] = osp.basename(figures.plot_tables(
            {'Table 1: propagation (±3 from every 7th frame)': propagation,
             'Aggregation: single frame vs ±2 temporal': aggregation,
             'Fig. 4a: augmentation with pseudo-labels': augmentation},
            osp.join(work, 'tables.png')))
        gt = load_posetrack_json(osp.join(data, TEST_ANN))
        docs = dict(GT=gt, Farneback=load_posetrack_json(osp.join(prop, 'farneback.json')),
                    PoseWarper=load_posetrack_json(osp.join(prop, 'posewarper.json')))
        fig['Test video: GT | Farneback | PoseWarper'] = osp.basename(
            figures.pose_video(data, docs, osp.join(work, 'poses.gif')))
        offsets = offsets_figure(data, gt, s, cfg_files['posewarper'], pw_ckpts['posewarper'],
                                 osp.join(work, 'offsets_vs_flow.png'))
        fig['Learned offsets vs Farneback flow (Fig. 5)'] = 'offsets_vs_flow.png'

    timer.seconds['total'] = round(time.perf_counter() - start, 2)
    results = dict(seed=args.seed, quick=args.quick, settings=s.as_dict(),
                   propagation=propagation, aggregation=aggregation,
                   aggregation_official_scoring=aggregation_official,
                   aggregation_by_frame=by_frame, augmentation=augmentation,
                   offsets_vs_flow=offsets, seconds=timer.seconds)
    results['targets'] = check_targets(results)
    results['commands'] = stage_commands(args.work_dir, args.seed, s, args.augmentation)
    write_results(results, osp.join(work, 'results.json'))
    write_report(results, osp.join(work, 'report.md'), command, s.as_dict(), args.quick, fig,
                 offsets)
    print(f'\nreport: {osp.join(args.work_dir, "report.md")} '
          f'(total {timer.seconds["total"]:.0f} s)')
    for t in results['targets']:
        print(f'target {t["row"]} >= {t["baseline"]} + {t["target"]:g}: '
              f'{t["margin"]:+.1f} ({"met" if t["met"] else "NOT met"})')
    return 0


def offsets_figure(data: str, gt: dict, s, config: str, checkpoint: str, out: str) -> dict:
    """Offsets vs Farneback flow for the first person of the first test video, from its first
    labelled frame A to B = A + max_offset."""
    import cv2

    from posewarper.propagation.model_loading import init_pose_model
    from posewarper.synthetic import KEYPOINT_NAMES
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
    model = init_pose_model(config, checkpoint, 'cpu')
    read = lambda img: cv2.imread(osp.join(data, img['file_name']), cv2.IMREAD_COLOR)  # noqa
    return figures.offsets_vs_flow(model, read(img_a), read(img_b),
                                   np.array([x, y, x + w, y + h]), kp_a[:, :2], kp_b[:, :2],
                                   out, joint_names=KEYPOINT_NAMES, valid=valid)


def stage_commands(work_dir: str, seed: int, s, augmentation: bool) -> List[str]:
    """The repository commands equivalent to the demo's stages (for the report); the models'
    configs are the tiny ones with the demo's overrides, dumped as ``demo_config.py``."""
    d, m, p = f'{work_dir}/data', f'{work_dir}/models', f'{work_dir}/propagation'
    e1, e2 = s.stage1_epochs, s.stage2_epochs
    size = f'--width {s.width} --height {s.height}'
    lines = [
        f'python tools/make_synthetic_posetrack.py --out {d} --split train --videos '
        f'{s.train_videos} --frames {s.train_frames} {size} --seed {seed}',
        f'python tools/make_synthetic_posetrack.py --out {d} --split val --videos '
        f'{s.test_videos} --frames {s.test_frames} {size} --seed {seed + TEST_SEED_OFFSET}',
        f'python tools/train.py {m}/stage1/demo_config.py',
        f'python tools/train.py {m}/posewarper/demo_config.py',
        f'python tools/train.py {m}/posewarper_cycle/demo_config.py',
    ]
    for method, cfg, ckpt in (('copy', None, None), ('farneback', None, None),
                              ('single-frame', 'stage1', f'stage1/epoch_{e1}.pth'),
                              ('posewarper', 'posewarper', f'posewarper/epoch_{e2}.pth'),
                              ('posewarper', 'posewarper_cycle',
                               f'posewarper_cycle/epoch_{e2}.pth')):
        name = 'posewarper+cycle' if cfg == 'posewarper_cycle' else method
        model = (f' --config {m}/{cfg}/demo_config.py --checkpoint {m}/{ckpt}' if cfg else '')
        lines += [
            f'python tools/propagate.py --ann-file {d}/{TEST_ANN} --data-root {d} '
            f'--label-interval {s.label_interval} --max-offset {s.max_offset} --method {method}'
            f'{model} --out {p}/{name}.json --per-video-dir {p}/{name}',
            f'python tools/eval_posetrack.py --gt-dir {d}/annotations/val --pred-dir {p}/{name} '
            f'--out {p}/{name}_ap.json'
        ]
    lines += [f'python tools/test.py {m}/stage1/demo_config.py {m}/stage1/epoch_{e1}.pth',
              f'python tools/test.py {m}/posewarper/demo_config.py '
              f'{m}/posewarper/epoch_{e2}.pth']
    if augmentation:
        lines += [
            f'python tools/propagate.py --ann-file {d}/{TRAIN_ANN} --data-root {d} '
            f'--label-interval {s.label_interval} --method posewarper '
            f'--config {m}/posewarper/demo_config.py --checkpoint {m}/posewarper/epoch_{e2}.pth '
            f'--out {d}/{PSEUDO_ANN}']
        ea = augmentation_epochs(s)
        for key in ('gt1x_pgt6x', 'gt7x'):
            lines += [f'python tools/train.py {m}/{key}/demo_config.py',
                      f'python tools/test.py {m}/{key}/demo_config.py {m}/{key}/epoch_{ea}.pth']
    return lines


if __name__ == '__main__':
    sys.exit(main())
