"""The runs of docs/bad_input.md's cases found in issue #21's fifth round (called from
:func:`tests.helpers.bad_input_cases.case_runs`)."""
from pathlib import Path

import torch

from tests.helpers.propagation import TINY_STAGE2


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
    return None
