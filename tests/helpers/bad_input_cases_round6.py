"""The runs of docs/bad_input.md's cases found in issue #21's sixth round (called from
:func:`tests.helpers.bad_input_cases.case_runs`)."""
from pathlib import Path

import torch

from tests.helpers.propagation import TINY_STAGE1


def round6_runs(case: str, data: Path, tmp: Path):
    """Inputs that are folders or empty, options given twice or out of range, annotation files
    that repeat a key, configs without a model, weights that cannot be a model's values."""
    work = ['--work-dir', str(tmp / 'out' / 'work')]
    ann = data / 'annotations' / 'posetrack18_val.json'
    if case == 'input-file-is-a-folder':
        folder = tmp / 'in' / 'config'
        folder.mkdir(parents=True)
        return [('propagate', ['--ann-file', str(data / 'annotations'), '--method', 'copy',
                               '--out', str(tmp / 'out' / 'p.json'), '--no-progress']),
                ('train', [str(folder)] + work),
                ('train', [str(TINY_STAGE1), '--cfg-options',
                           *_train_data(data, 'annotations/val')] + work)]
    if case == 'synthetic-option-out-of-range':
        out = ['--out', str(tmp / 'out' / 'synth')]
        return [('make_synthetic_posetrack', out + ['--videos', '0']),
                ('make_synthetic_posetrack', out + ['--people-min', '3', '--people-max', '2'])]
    if case == 'run-annotations-repeat-a-key':
        path = tmp / 'in' / 'dup.json'
        path.parent.mkdir(parents=True)
        # json (and xtcocotools, which MMPose's datasets read with) keeps the last: no persons
        path.write_text(ann.read_text().rstrip()[:-1] + ', "annotations": []}')
        return [('train', [str(TINY_STAGE1), '--cfg-options', *_train_data(data, str(path))]
                 + work),
                ('test', [str(TINY_STAGE1), str(data / 'stage1.pth'), '--cfg-options',
                          f'test_dataloader.dataset.data_root={data}/',
                          f'test_dataloader.dataset.ann_file={path}',
                          f'test_evaluator.ann_file={ann}'] + work)]
    if case == 'empty-value':
        dirs = []
        for name in ('gt', 'pred'):  # a valid pair: only the output is wrong
            (tmp / 'in' / name).mkdir(parents=True)
            (tmp / 'in' / name / 'v.json').write_text(
                (data / 'annotations' / 'val' / '000001_synth.json').read_text())
            dirs += [f'--{name}-dir', str(tmp / 'in' / name)]
        # the rename to '' failed after the evaluation, naming the temporary file
        return [('eval_posetrack', dirs + ['--out', '']),
                ('train', ['', '--work-dir', str(tmp / 'out' / 'work')])]
    if case == 'cfg-options-key-twice':
        return [('train', [str(TINY_STAGE1), '--cfg-options', 'train_cfg.max_epochs=1',
                           'train_cfg.max_epochs=3'] + work),
                ('train', [str(TINY_STAGE1), '--cfg-options', 'train_cfg=None',
                           '--cfg-options', 'train_cfg.max_epochs=3'] + work)]
    if case == 'config-without-model':
        config = tmp / 'in' / 'empty.py'
        config.parent.mkdir(parents=True)
        config.write_text('')
        return [('train', [str(config)] + work),
                ('test', [str(config), str(data / 'stage1.pth')] + work)]
    if case == 'checkpoint-with-unusable-weights':
        return _unusable_weight_runs(data, tmp, work)
    if case == 'negative-class-id':
        frames = str(data / 'images' / 'val' / '000001_synth')
        argv = [frames, '--pose2d', str(TINY_STAGE1), '--device', 'cpu', '--det-cat-ids', '0',
                '-1', '--pred-out-dir', str(tmp / 'out')]
        return [('infer', argv), ('inferencer_demo', argv)]
    return None


def _train_data(data: Path, ann_file: str) -> list:
    """``--cfg-options`` pointing a tiny config's training at ``ann_file`` (under the data)."""
    return [f'train_dataloader.dataset.data_root={data}/',
            f'train_dataloader.dataset.ann_file={ann_file}',
            f'val_dataloader.dataset.data_root={data}/',
            f'val_evaluator.ann_file={data}/annotations/posetrack18_val.json']


def _unusable_weight_runs(data: Path, tmp: Path, work: list) -> list:
    """A stage-1 checkpoint whose first convolution is NaN, integer, or without data."""
    ckpt = torch.load(data / 'stage1.pth', weights_only=True)
    key = 'backbone.conv1.weight'
    weight = ckpt['state_dict'][key]
    paths = {}
    for name, value in (('nan', torch.full_like(weight, float('nan'))),
                        ('int', (weight * 100).long()),
                        ('meta', torch.empty(weight.shape, device='meta'))):
        paths[name] = tmp / 'in' / f'{name}.pth'
        paths[name].parent.mkdir(parents=True, exist_ok=True)
        torch.save(dict(ckpt, state_dict=dict(ckpt['state_dict'], **{key: value})), paths[name])
    frames = data / 'images' / 'val' / '000001_synth'
    return [('infer', [str(frames), '--pose2d', str(TINY_STAGE1), '--pose2d-weights',
                       str(paths['nan']), '--det-model', 'whole_image', '--device', 'cpu',
                       '--pred-out-dir', str(tmp / 'out')]),
            ('test', [str(TINY_STAGE1), str(paths['int'])] + work),
            ('publish_checkpoint', [str(paths['nan']), str(tmp / 'out' / 'p.pth')]),
            ('convert_mmpose0x', [str(paths['meta']), str(tmp / 'out' / 'c.pth')])]
