"""The runs of docs/bad_input.md's cases: for each case, the (tool, argv) pairs that
``tests/test_tools/test_bad_input.py`` runs and checks against the doc's message."""
import json
import re
import zipfile
from pathlib import Path
from typing import Callable, List, Tuple

import pytest
import torch

from tests.helpers.bad_input_cases_round5 import round5_runs
from tests.helpers.bad_input_cases_round6 import round6_runs
from tests.helpers.posetrack_docs import copy_with_scores, joints_at, person, video
from tests.helpers.propagation import TINY_STAGE1, TINY_STAGE2, load_json, make_dataset


def _edit_annotations(data: Path, tmp: Path, edit: Callable[[dict], None]) -> Path:
    doc = load_json(data / 'annotations' / 'posetrack18_val.json')
    edit(doc)
    path = tmp / 'in' / 'ann.json'
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc))
    return path


def _eval_dirs(tmp: Path, edit_gt=None, edit_pred=None) -> List[str]:
    gt = video([[person(joints_at(0)), person(joints_at(0, 500), track_id=1)],
                [person(joints_at(10))]])
    pred = copy_with_scores(gt)
    for doc, edit, name in ((gt, edit_gt, 'gt'), (pred, edit_pred, 'pred')):
        if edit:
            edit(doc)
        (tmp / 'in' / name).mkdir(parents=True, exist_ok=True)
        (tmp / 'in' / name / 'v.json').write_text(json.dumps(doc))
    return ['--gt-dir', str(tmp / 'in' / 'gt'), '--pred-dir', str(tmp / 'in' / 'pred')]


def _set(path: Tuple, value) -> Callable[[dict], None]:
    def edit(doc: dict) -> None:
        target = doc
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value(target[path[-1]]) if callable(value) else value
    return edit


def _propagate(ann: Path, tmp: Path, *extra: str) -> Tuple[str, List[str]]:
    return 'propagate', ['--ann-file', str(ann), '--method', 'copy', '--out',
                         str(tmp / 'out' / 'p.json'), '--no-progress', *extra]


def case_runs(case: str, data: Path, tmp: Path) -> List[Tuple[str, List[str]]]:
    """The (tool, argv) runs of a case."""
    nan = float('nan')
    out = ['--out', str(tmp / 'out' / 'ap.json')]
    edits = {
        'duplicate-image-id': (_set(('images', 1, 'id'), 1000), None),
        'nan-keypoint': (_set(('annotations', 0, 'keypoints', 0), nan), None),
        'nan-track-id': (_set(('annotations', 0, 'track_id'), nan), None),
        'nan-head-box': (_set(('annotations', 0, 'bbox_head', 2), nan), None),
        'nan-score': (None, _set(('annotations', 0, 'scores', 4), nan)),
        'unknown-image': (_set(('annotations', 1, 'image_id'), 4242), None),
        'gt-video-without-images': (lambda d: d.update(images=[], annotations=[]), None),
    }
    if case in edits:
        return [('eval_posetrack', _eval_dirs(tmp, *edits[case]) + out)]
    ann_edits = {
        'duplicate-image-id-propagate': lambda d: d['images'][1].update(id=d['images'][0]['id']),
        'no-video-folder': _set(('images', 1, 'file_name'), '000001.jpg'),
        'nan-keypoint-propagate': _set(('annotations', 0, 'keypoints', 3), nan),
        '16-keypoint-values': _set(('annotations', 2, 'keypoints'), lambda k: k[:16]),
        'string-keypoint': _set(('annotations', 2, 'keypoints', 3), '12'),
        'bad-visibility': _set(('annotations', 2, 'keypoints', 2), 7),
    }
    if case in ann_edits:
        return [_propagate(_edit_annotations(data, tmp, ann_edits[case]), tmp)]
    ann = data / 'annotations' / 'posetrack18_val.json'
    new_kinds = _new_kind_runs(case, data, tmp)
    if new_kinds is None:
        new_kinds = _overlap_runs(case, data, tmp)
    if new_kinds is None:
        new_kinds = _config_and_file_runs(case, data, tmp)
    if new_kinds is None:
        new_kinds = _round4_runs(case, data, tmp)
    if new_kinds is None:
        new_kinds = round5_runs(case, data, tmp)
    if new_kinds is None:
        new_kinds = round6_runs(case, data, tmp)
    if new_kinds is not None:
        return new_kinds
    if case == 'root-is-a-list':
        (tmp / 'in').mkdir()
        (tmp / 'in' / 'ann.json').write_text('[]')
        return [_propagate(tmp / 'in' / 'ann.json', tmp)]
    if case in ('out-is-a-folder', 'out-under-a-file'):
        (tmp / 'in').mkdir()
        target = tmp / 'in' / 'dir'
        if case == 'out-is-a-folder':
            target.mkdir()
        else:
            (tmp / 'in' / 'file').write_text('')
            target = tmp / 'in' / 'file' / 'sub' / 'out.json'
        return [('propagate', ['--ann-file', str(ann), '--method', 'copy', '--out', str(target),
                               '--no-progress']),
                ('eval_posetrack', _eval_dirs(tmp) + ['--out', str(target)])]
    if case == 'per-video-dir-is-a-file':
        (tmp / 'in').mkdir()
        (tmp / 'in' / 'file').write_text('')
        return [_propagate(ann, tmp, '--per-video-dir', str(tmp / 'in' / 'file'))]
    if case == 'out-not-writable':
        return [('eval_posetrack', _eval_dirs(tmp) + out)]
    if case == 'damaged-latest-checkpoint':
        work = tmp / 'in' / 'work'
        work.mkdir(parents=True)
        (work / 'epoch_1.pth').write_bytes((data / 'truncated.pth').read_bytes())
        (work / 'last_checkpoint').write_text(str(work / 'epoch_1.pth'))
        return [('train', [str(TINY_STAGE2), '--resume', '--work-dir', str(work)])]
    ckpt = data / {'empty-checkpoint': 'empty.pth', 'truncated-checkpoint': 'truncated.pth',
                   'unsafe-checkpoint': 'unsafe.pth', 'checkpoint-of-another-model':
                   'stage1.pth'}[case]
    infer = ('infer', [str(data / 'images' / 'val' / '000001_synth'), '--pose2d',
                       str(TINY_STAGE2), '--pose2d-weights', str(ckpt), '--det-model',
                       'whole_image', '--device', 'cpu', '--pred-out-dir', str(tmp / 'out')])
    propagate = ('propagate', ['--ann-file', str(ann), '--data-root', str(data), '--method',
                               'posewarper', '--config', str(TINY_STAGE2), '--checkpoint',
                               str(ckpt), '--out', str(tmp / 'out' / 'p.json'), '--no-progress'])
    if case == 'checkpoint-of-another-model':
        return [propagate, infer, ('test', [str(TINY_STAGE2), str(ckpt), '--work-dir',
                                            str(tmp / 'out' / 'work')])]
    work = ['--work-dir', str(tmp / 'out' / 'work')]
    return [('test', [str(TINY_STAGE2), str(ckpt)] + work),
            ('train', [str(TINY_STAGE2), '--resume', str(ckpt)] + work), infer, propagate,
            ('convert_mmpose0x', [str(ckpt), str(tmp / 'out' / 'c.pth')])]


def _new_kind_runs(case: str, data: Path, tmp: Path):
    """The runs of the kinds of issue #21 (outputs over inputs, identity, config errors ...)."""
    ann = data / 'annotations' / 'posetrack18_val.json'
    frames = data / 'images' / 'val' / '000001_synth'
    if case == 'out-over-an-input':
        argv = _eval_dirs(tmp)
        return [('eval_posetrack', argv + ['--out', str(tmp / 'in' / 'gt' / 'v.json')]),
                ('propagate', ['--ann-file', str(ann), '--method', 'copy', '--out', str(ann),
                               '--no-progress']),
                ('infer', [str(frames), '--pose2d', str(TINY_STAGE2), '--det-model',
                           'whole_image', '--vis-out-dir', str(frames)])]
    if case == 'prediction-misses-a-frame':
        def drop(doc):
            doc['images'].pop()
            doc['annotations'] = [a for a in doc['annotations'] if a['image_id'] == 1000]
        return [('eval_posetrack', _eval_dirs(tmp, None, drop)
                 + ['--out', str(tmp / 'out' / 'ap.json')])]
    if case == 'zero-size-head-box':
        return [('eval_posetrack', _eval_dirs(tmp, _set(('annotations', 0, 'bbox_head'),
                                                        [5, 5, 0, 0]))
                 + ['--out', str(tmp / 'out' / 'ap.json')])]
    if case == 'shared-vid-id':
        make_dataset(tmp / 'two', videos=2, frames=4, width=64, height=48)
        two = tmp / 'two' / 'annotations' / 'posetrack18_val.json'
        doc = load_json(two)
        for image in doc['images']:
            image['vid_id'] = '1'
        return [_propagate(_edit_annotations(data, tmp, lambda d: d.update(doc)), tmp,
                           '--label-interval', '2')]
    if case == 'cuda-without-gpu':
        if torch.cuda.is_available():
            pytest.skip('this machine has a GPU')
        return [_propagate(ann, tmp, '--device', 'cuda')]
    if case == 'newer-torch-checkpoint':
        newer = tmp / 'in' / 'newer.pth'
        newer.parent.mkdir(parents=True)
        with zipfile.ZipFile(data / 'good.pth') as src, zipfile.ZipFile(newer, 'w') as dst:
            for info in src.infolist():
                body = src.read(info.filename)
                dst.writestr(info, b'99\n' if info.filename.endswith('/version')
                             and '/.data/' not in info.filename else body)
        return [('test', [str(TINY_STAGE2), str(newer), '--work-dir',
                          str(tmp / 'out' / 'work')])]
    if case == 'official-checkpoint-for-mmpose-model':
        ckpt = torch.load(data / 'stage1.pth', weights_only=True)
        ckpt['state_dict'] = {re.sub(r'^(backbone|head)\.', '', k): v  # the official names
                              for k, v in ckpt['state_dict'].items()}
        old = tmp / 'in' / 'official.pth'
        old.parent.mkdir(parents=True)
        torch.save(ckpt, old)
        work = ['--work-dir', str(tmp / 'out' / 'work')]
        return [('test', [str(TINY_STAGE1), str(old)] + work),
                ('train', [str(TINY_STAGE1), '--load-from', str(old)] + work)]
    if case == 'usage-error':
        return [_propagate(ann, tmp, '--max-offset', 'nan'),
                ('train', [str(TINY_STAGE1), '--interval', '0'])]
    if case in ('config-syntax-error', 'config-unknown-type', 'cfg-options-wrong-type',
                'cfg-options-nan', 'config-misspelt-keyword'):
        config = tmp / 'in' / 'bad.py'
        config.parent.mkdir(parents=True)
        text = f"_base_ = ['{TINY_STAGE2}']\n"
        extra = []
        if case == 'config-syntax-error':
            text += 'model = dict(\n'
        elif case == 'config-unknown-type':
            text += "model = dict(type='PoseWarpr')\n"
        elif case == 'config-misspelt-keyword':
            text += 'train_dataloader = dict(dataset=dict(label_intervall=7))\n'
        elif case == 'cfg-options-nan':
            extra = ['--cfg-options', 'optim_wrapper.optimizer.lr=nan']
        else:
            extra = ['--cfg-options', 'train_cfg.max_epochs=four']
        config.write_text(text)
        return [('train', [str(config), '--work-dir', str(tmp / 'out' / 'work')] + extra)]
    return None


def _overlap_runs(case: str, data: Path, tmp: Path):
    """Outputs that would replace an input the tool reads, or another of its outputs."""
    ann = data / 'annotations' / 'posetrack18_val.json'
    if case == 'output-inside-a-replaced-output':
        return [_propagate(ann, tmp, '--per-video-dir', str(tmp / 'out'))]  # --out in it
    if case == 'output-over-a-frame':
        frame = data / 'images' / 'val' / '000001_synth' / '000003.jpg'
        return [('propagate', ['--ann-file', str(ann), '--data-root', str(data), '--method',
                               'farneback', '--label-interval', '7', '--out', str(frame),
                               '--no-progress'])]
    if case == 'per-video-dir-over-the-gt':
        return [_propagate(ann, tmp, '--per-video-dir', str(data / 'annotations' / 'val'))]
    if case == 'show-dir-in-the-test-images':
        return [('test', [str(TINY_STAGE1), str(data / 'stage1.pth'), '--work-dir',
                          str(tmp / 'out' / 'work'), '--show-dir',
                          str(data / 'images' / 'val' / '000001_synth'), '--cfg-options',
                          f'test_dataloader.dataset.data_root={data}/'])]
    if case == 'show-dir-with-a-clip-model':
        return [('test', [str(TINY_STAGE2), str(data / 'stage1.pth'), '--work-dir',
                          str(tmp / 'out' / 'work'), '--show-dir', str(tmp / 'out' / 'vis')])]
    if case == 'show-dir-leaving-the-run':
        return [('test', [str(TINY_STAGE1), str(data / 'stage1.pth'), '--work-dir',
                          str(tmp / 'out' / 'work'), '--show-dir', '../../vis'])]
    if case == 'work-dir-in-the-test-images':
        return [('test', [str(TINY_STAGE1), str(data / 'stage1.pth'), '--work-dir',
                          str(data / 'images' / 'val' / '000001_synth' / 'work'),
                          '--cfg-options', f'test_dataloader.dataset.data_root={data}/'])]
    if case == 'per-video-dir-is-the-cache':
        return [_propagate(ann, tmp, '--per-video-dir', str(tmp / 'out' / 'p.json.parts'))]
    if case == 'label-phase-with-official-frames':
        return [_propagate(ann, tmp, '--frame-selection', 'official', '--label-phase', '2')]
    if case == 'load-from-its-own-work-dir':
        work = tmp / 'in' / 'work'
        work.mkdir(parents=True)
        (work / 'epoch_1.pth').write_bytes((data / 'stage1.pth').read_bytes())
        return [('train', [str(TINY_STAGE1), '--work-dir', str(work), '--load-from',
                           str(work / 'epoch_1.pth')])]
    if case == 'work-dir-over-a-base-config':
        (tmp / 'in' / 'exp').mkdir(parents=True)
        (tmp / 'in' / 'base').mkdir()
        (tmp / 'in' / 'base' / 'model.py').write_text(f"_base_ = ['{TINY_STAGE1}']\n")
        (tmp / 'in' / 'exp' / 'model.py').write_text("_base_ = ['../base/model.py']\n")
        return [('train', [str(tmp / 'in' / 'exp' / 'model.py'), '--work-dir',
                           str(tmp / 'in' / 'base')])]
    return None


def _data_options(data: Path, tool: str) -> List[str]:
    """``--cfg-options`` values that point a tiny config's loops at the generated data."""
    ann = f'{data}/annotations/posetrack18_val.json'
    if tool == 'test':
        return [f'test_dataloader.dataset.data_root={data}/', f'test_evaluator.ann_file={ann}']
    return [f'train_dataloader.dataset.data_root={data}/',
            'train_dataloader.dataset.ann_file=annotations/posetrack18_val.json',
            f'val_dataloader.dataset.data_root={data}/', f'val_evaluator.ann_file={ann}']


def _config_and_file_runs(case: str, data: Path, tmp: Path):
    """Config keys mmengine checks late, and files that are not what they claim."""
    work = ['--work-dir', str(tmp / 'out' / 'work')]
    if case == 'config-misspelt-loop-keyword':
        return [('train', [str(TINY_STAGE1), '--cfg-options', 'train_cfg.max_epoch=1'] + work)]
    if case == 'config-missing-ann-file':
        return [('train', [str(TINY_STAGE1), '--cfg-options',
                           f'train_dataloader.dataset.data_root={tmp}/nowhere/'] + work)]
    settings = {'config-bad-seed': [('train', 'randomness.seed=-5')],
                'config-bad-start-method': [('train', 'env_cfg.mp_cfg.mp_start_method=bogus')],
                'config-zero-batch-size': [('test', 'test_dataloader.batch_size=0'),
                                           ('train', 'val_dataloader.num_workers=-1')]}
    if case in settings:
        checkpoint = {'test': [str(data / 'stage1.pth')], 'train': []}
        return [(tool, [str(TINY_STAGE1)] + checkpoint[tool] + work + ['--cfg-options', option] +
                 _data_options(data, tool)) for tool, option in settings[case]]
    if case == 'pred-dir-is-the-gt-dir':
        gt_pred = _eval_dirs(tmp)
        (tmp / 'in' / 'pred' / 'v.json').unlink()
        (tmp / 'in' / 'pred' / 'v.json').symlink_to(tmp / 'in' / 'gt' / 'v.json')
        out = ['--out', str(tmp / 'out' / 'ap.json')]
        return [('eval_posetrack', gt_pred[:3] + [gt_pred[1]] + out),
                ('eval_posetrack', gt_pred + out)]
    if case == 'launcher-without-its-environment':
        return [('train', [str(TINY_STAGE1), '--launcher', 'pytorch', '--cfg-options'] +
                 _data_options(data, 'train') + work)]
    if case == 'damaged-train-annotations':
        ann = _edit_annotations(data, tmp, _set(('annotations', 0, 'keypoints', 3), float('nan')))
        return [('train', [str(TINY_STAGE1), '--no-validate', '--cfg-options',
                           f'train_dataloader.dataset.data_root={data}/',
                           f'train_dataloader.dataset.ann_file={ann}'] + work)]
    if case == 'metrics-out-format':
        return [('test', [str(TINY_STAGE1), str(data / 'stage1.pth'), '--out',
                          str(tmp / 'out' / 'metrics.txt')] + work)]
    if case == 'same-video-twice':
        argv = _eval_dirs(tmp)
        twin = json.loads((tmp / 'in' / 'gt' / 'v.json').read_text())
        for image in twin['images']:
            image['vid_id'] = '9'
        (tmp / 'in' / 'gt' / 'w.json').write_text(json.dumps(twin))
        (tmp / 'in' / 'pred' / 'w.json').write_bytes((tmp / 'in' / 'pred' / 'v.json').read_bytes())
        return [('eval_posetrack', argv + ['--out', str(tmp / 'out' / 'ap.json')])]
    if case == 'repeated-gt-annotation-id':
        def repeat(doc):
            doc['annotations'][0]['id'] = doc['annotations'][1]['id'] = 7
        return [('eval_posetrack', _eval_dirs(tmp, repeat)
                 + ['--out', str(tmp / 'out' / 'ap.json')])]
    if case == 'deeply-nested-json':
        argv = _eval_dirs(tmp)
        (tmp / 'in' / 'gt' / 'v.json').write_text('[' * 100000 + ']' * 100000)
        return [('eval_posetrack', argv + ['--out', str(tmp / 'out' / 'ap.json')])]
    if case == 'cfg-options-dict-in-a-list':
        return [('train', [str(TINY_STAGE1), '--cfg-options',
                           "custom_hooks=[dict(type='EMAHook',momentum=0.1),dict(type='X')]"]
                 + work)]
    if case in ('checkpoint-without-tensors', 'fp16-overflow'):
        path = tmp / 'in' / 'odd.pth'
        path.parent.mkdir(parents=True)
        torch.save({'state_dict': {'a': 1.5}} if case == 'checkpoint-without-tensors' else
                   {'state_dict': {'w': torch.full((2, ), 1e6)}}, path)
        publish = ('publish_checkpoint', [str(path), str(tmp / 'out' / 'p.pth'), '--fp16'])
        if case == 'fp16-overflow':
            return [publish]
        return [publish, ('convert_mmpose0x', [str(path), str(tmp / 'out' / 'c.pth')])]
    if case in ('foreign-merged-json', 'split-folder-is-a-link'):
        root = tmp / 'in' / 'root'
        if case == 'foreign-merged-json':
            (root / 'annotations').mkdir(parents=True)
            (root / 'annotations' / 'posetrack18_val.json').write_text('{"real": true}')
        else:
            (root / 'images' / 'real').mkdir(parents=True)
            (root / 'images' / 'val').symlink_to(root / 'images' / 'real')
        return [('make_synthetic_posetrack', ['--out', str(root), '--videos', '1', '--frames',
                                              '2', '--width', '48', '--height', '48',
                                              '--split', 'val'])]
    if case == 'demo-curve-label-twice':
        (tmp / 'in').mkdir()
        (tmp / 'in' / 'r.json').write_text('{}')
        return [('demo_curve', [f'a={tmp}/in/r.json', f'a={tmp}/in/r.json', '--out',
                                str(tmp / 'out' / 'c.png')])]
    if case == 'sidecar-key-in-info':
        return [('publish_checkpoint', [str(data / 'stage1.pth'), str(tmp / 'out' / 'p.pth'),
                                        '--info', 'sha256=deadbeef'])]
    return None


def _round4_runs(case: str, data: Path, tmp: Path):
    """Trailing slashes, folders for files, the evaluator's GT, repeated frames, config values
    that change nothing or something else than written."""
    work = ['--work-dir', str(tmp / 'out' / 'work')]
    if case == 'out-ends-with-a-slash':
        return [('eval_posetrack', _eval_dirs(tmp) + ['--out', f'{tmp}/out/new/']),
                ('convert_mmpose0x', [str(data / 'good.pth'), f'{tmp}/out/new/'])]
    if case == 'checkpoint-is-a-folder':
        folder = tmp / 'in' / 'ckpt'
        folder.mkdir(parents=True)
        ann = data / 'annotations' / 'posetrack18_val.json'
        return [('test', [str(TINY_STAGE2), str(folder)] + work),
                _propagate(ann, tmp, '--data-root', str(data), '--method', 'single-frame',
                           '--config', str(TINY_STAGE1), '--checkpoint', str(folder)),
                ('publish_checkpoint', [str(folder), str(tmp / 'out' / 'p.pth')])]
    if case in ('out-over-the-evaluator-gt', 'dump-with-evaluator-options'):
        (tmp / 'in' / 'ev' / 'val').mkdir(parents=True)
        gt = tmp / 'in' / 'ev' / 'posetrack18_val.json'
        gt.write_bytes((data / 'annotations' / 'posetrack18_val.json').read_bytes())
        out = ['--out', str(tmp / 'in' / 'ev' / 'val' / 'v.json')] \
            if case == 'out-over-the-evaluator-gt' else ['--dump', str(tmp / 'in' / 'ev' / 'val'
                                                                       / 'd.pkl')]
        return [('test', [str(TINY_STAGE1), str(data / 'stage1.pth')] + out + work +
                 ['--cfg-options', f'test_dataloader.dataset.data_root={data}/',
                  f'test_evaluator.ann_file={gt}'])]
    if case == 'gt-repeats-a-frame':
        return [('eval_posetrack', _eval_dirs(tmp, _set(('images', 1, 'file_name'),
                                                        lambda _: '000001_mpii_test/000000.jpg'))
                 + ['--out', str(tmp / 'out' / 'ap.json')])]
    if case in ('config-quoted-number', 'config-word-for-number', 'config-circular-base'):
        (tmp / 'in').mkdir()
        config = tmp / 'in' / 'a.py'
        if case != 'config-circular-base':
            lr = '0.001' if case == 'config-quoted-number' else 'fast'
            config.write_text(f"_base_ = ['{TINY_STAGE2}']\n"
                              f"optim_wrapper = dict(optimizer=dict(lr='{lr}'))\n")
        else:
            config.write_text("_base_ = ['./b.py']\n")
            (tmp / 'in' / 'b.py').write_text("_base_ = ['./a.py']\n")
        return [('train', [str(config)] + work)]
    if case == 'demo-curve-no-image-extension':
        (tmp / 'in').mkdir()
        (tmp / 'in' / 'r.json').write_text('{}')
        return [('demo_curve', [f'a={tmp}/in/r.json', '--out', str(tmp / 'out' / 'curve')])]
    if case == 'label-phase-past-the-interval':
        ann = data / 'annotations' / 'posetrack18_val.json'
        return [_propagate(ann, tmp, '--label-interval', '3', '--label-phase', '5'),
                _propagate(ann, tmp, '--label-phase', '2')]
    if case == 'model-zoo-offline':  # the download fails in the test (see below)
        return [('inferencer_demo', [str(data / 'images' / 'val' / '000001_synth'), '--pose2d',
                                     'human', '--device', 'cpu', '--pred-out-dir',
                                     str(tmp / 'out')])]
    if case == 'cfg-options-read-by-nothing':
        return [('train', [str(TINY_STAGE1), '--cfg-options', 'train_cfgg.max_epochs=1'] + work),
                ('test', [str(TINY_STAGE1), str(data / 'stage1.pth'), '--cfg-options',
                          f'data_root={data}/'] + work)]
    if case == 'out-hard-linked-to-an-input':
        argv = _eval_dirs(tmp)
        (tmp / 'link').mkdir()
        (tmp / 'link' / 'ap.json').hardlink_to(tmp / 'in' / 'gt' / 'v.json')
        return [('eval_posetrack', argv + ['--out', str(tmp / 'link' / 'ap.json')])]
    return None
