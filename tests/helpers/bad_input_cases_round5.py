"""The runs of docs/bad_input.md's cases found in issue #21's fifth round (called from
:func:`tests.helpers.bad_input_cases.case_runs`)."""
import json
import shutil
from pathlib import Path

import cv2
import torch

from tests.helpers.propagation import TINY_STAGE1, TINY_STAGE2, load_json


def round5_runs(case: str, data: Path, tmp: Path):
    """Options checked only once the model was loaded, checkpoints of another layout."""
    work = ['--work-dir', str(tmp / 'out' / 'work')]
    frames = str(data / 'images' / 'val' / '000001_synth')
    infer = [frames, '--pose2d', str(TINY_STAGE2), '--device', 'cpu', '--pred-out-dir',
             str(tmp / 'out')]
    if case == 'frame-weights-count-or-sum':
        return [('infer', infer + ['--det-model', 'whole_image', '--frame-weights', '0.5', '0.5']),
                ('inferencer_demo', infer + ['--frame-weights', '0.3', '0.3', '0.3', '0.05',
                                             '0.1']),
                ('infer', infer + ['--temporal-window', '1', '--frame-weights', '1'])]
    if case == 'checkpoint-of-another-framework':
        path = tmp / 'in' / 'model.pth'
        path.parent.mkdir(parents=True)
        state = torch.load(data / 'stage1.pth', weights_only=True)['state_dict']
        torch.save({'model': state, 'epoch': 3}, path)
        return [('test', [str(TINY_STAGE2), str(path)] + work),
                ('publish_checkpoint', [str(path), str(tmp / 'out' / 'p.pth')])]
    if case == 'config-bad-training-length':
        from tests.helpers.bad_input_cases import _data_options  # imports this module
        return [('train', [str(TINY_STAGE1), '--cfg-options', option] + _data_options(data, 'train')
                 + work) for option in ('train_cfg.max_epochs=-1', 'optim_wrapper.optimizer.lr=-1')]
    if case in ('json-repeats-a-key', 'is-labeled-as-a-string'):
        return _document_runs(case, data, tmp)
    if case == 'frame-of-another-size':
        root = tmp / 'in'
        shutil.copytree(data / 'images', root / 'images')
        shutil.copytree(data / 'annotations', root / 'annotations')
        frame = root / 'images' / 'val' / '000001_synth' / '000002.jpg'
        img = cv2.imread(str(frame))
        cv2.imwrite(str(frame), cv2.resize(img, (img.shape[1] // 2, img.shape[0] // 2)))
        from tests.helpers.bad_input_cases import _propagate  # imports this module
        return [_propagate(root / 'annotations' / 'posetrack18_val.json', tmp, '--data-root',
                           str(root), '--method', 'farneback', '--label-interval', '7')]
    return None


def _document_runs(case: str, data: Path, tmp: Path):
    """PoseTrack files that json reads differently from the way a person reads them."""
    ann = load_json(data / 'annotations' / 'posetrack18_val.json')
    path = tmp / 'in' / 'ann.json'
    path.parent.mkdir(parents=True)
    propagate = ('propagate', ['--ann-file', str(path), '--method', 'copy', '--out',
                               str(tmp / 'out' / 'p.json'), '--no-progress'])
    if case == 'json-repeats-a-key':  # json keeps the last: no annotations
        path.write_text(json.dumps(ann)[:-1] + ', "annotations": []}')
        return [propagate]
    frame = ann['images'][3]
    frame['is_labeled'] = 'false'
    ann['annotations'] = [a for a in ann['annotations'] if a['image_id'] != frame['id']]
    path.write_text(json.dumps(ann))
    return [propagate]
