"""docs/fidelity.md cannot drift from the configs: every ``config: key = value`` it states is
checked against the loaded config."""
import ast
import re
from pathlib import Path

import numpy as np
import pytest
from mmengine.config import Config

REPO_ROOT = Path(__file__).resolve().parents[2]
DOC = REPO_ROOT / 'docs' / 'fidelity.md'
ENTRY = re.compile(r'`(\w+)\.py`: `([\w.\[\]]+)` = `([^`]+)`')


def _configs() -> dict:
    """Short name (as the doc's introduction defines them) -> config file."""
    text = DOC.read_text()
    return {short: REPO_ROOT / 'configs' / 'posewarper' / name
            for short, name in re.findall(r'`(\w+)` is\s+`([\w.-]+\.py)`', text)}


def _entries():
    for line in DOC.read_text().splitlines():
        if line.startswith('| ') and not line.startswith('| knob'):
            knob = line.split('|')[1].strip()
            for config, key, value in ENTRY.findall(line):
                yield pytest.param(config, key, value, id=f'{knob}:{config}:{key}')


def _lookup(cfg, key: str):
    value = cfg
    for part in re.findall(r'\w+|\[\d+\]', key):
        value = value[int(part[1:-1])] if part.startswith('[') else value[part]
    return value


def test_doc_names_its_configs_and_values():
    configs = _configs()
    assert set(configs) == {'stage1', 'stage2', 'sparse2', 'gt1x', 'cycle', 'finetune'}
    assert all(path.is_file() for path in configs.values())
    assert len(list(_entries())) >= 25


@pytest.fixture(scope='module')
def loaded():
    cache = {}

    def load(short: str):
        if short not in cache:
            cache[short] = Config.fromfile(str(_configs()[short]))
        return cache[short]
    return load


@pytest.mark.parametrize('config,key,value', list(_entries()))
def test_config_value_is_the_documented_one(loaded, config, key, value):
    actual = _lookup(loaded(config), key)
    expected = ast.literal_eval(value)
    if isinstance(expected, (list, tuple)):
        assert list(actual) == list(expected)
    else:
        assert actual == expected


# ----------------------------------------------------------------- statements checked at source
def _row(knob: str) -> list:
    """The cells of the table row of ``knob``: knob, paper, official, 0.x, ours, why."""
    for line in DOC.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip('|').split('|')]
        if line.startswith('| ') and cells[0] == knob:
            return cells
    raise AssertionError(f'no row {knob!r} in {DOC}')


def test_rotation_spread_is_the_same():
    """Both standard deviations the row states: the official clip(45·N(0,1), ±90) and MMPose's
    rotate_factor × a normal truncated to [-1, 1] (sampled with MMPose's own draw)."""
    from mmpose.datasets.transforms import RandomBBoxTransform
    z = np.linspace(-12, 12, 2_400_001)
    pdf = np.exp(-z**2 / 2) / np.sqrt(2 * np.pi)
    dz = z[1] - z[0]
    clipped = 45 * np.sqrt((np.minimum(z**2, 4) * pdf).sum() * dz)
    inside = np.abs(z) <= 1
    truncated = 80 * np.sqrt((z[inside]**2 * pdf[inside]).sum() / pdf[inside].sum())
    assert round(clipped, 1) == round(truncated, 1) == 43.2
    np.random.seed(0)
    sampled = 80 * RandomBBoxTransform._truncnorm(size=(400_000, )).std()
    assert abs(sampled - truncated) < 0.2
    cells = _row('stage-1 rotation')
    assert cells[5].count('43.2°') == 2 and '44°' not in cells[5]


PAPER = REPO_ROOT.parent / 'shared' / 'paper.md'


def _paper_sections() -> dict:
    """Section number -> text of the paper (``3``, ``4.1`` ...)."""
    sections, current = {}, None
    for line in PAPER.read_text().splitlines():
        heading = re.match(r'#+ \**(\d+(?:\.\d+)?)\**\s', line)
        if heading:
            current = heading.group(1)
            sections[current] = ''
        elif current:
            sections[current] += line + '\n'
    return sections


def test_paper_column_cites_only_what_the_paper_says():
    # the paper does not describe a frozen stage 2, nor what happens to the labelled frames
    assert _row('frozen BatchNorm in stage 2')[1].startswith('—')
    assert _row('labelled frames in propagation')[1].startswith('—')
    paper_cells = [_row(knob)[1] for knob in ('frozen BatchNorm in stage 2',
                                              'labelled frames in propagation')]
    assert not any('fixed' in cell or 'keep their GT' in cell for cell in paper_cells)
    assert '(§4.1, Fig. 3)' in _row('cycle consistency')[1]
    if not PAPER.is_file():
        pytest.skip(f'{PAPER} (the paper) is not here')
    sections = _paper_sections()
    assert 'cycle' not in sections['3'].lower()
    assert 'Figure 3' in sections['4.1'] and 'cycle-consistency' in sections['4.1']
    assert not re.search(r'fixed|froz|freez', sections['3'])
    for knob in ('frozen BatchNorm in stage 2', 'labelled frames in propagation'):
        for cited in re.findall(r'§(\d+(?:\.\d+)?)', _row(knob)[1]):
            assert cited in sections, (knob, cited)


def test_propagation_frames_follow_the_official_rule():
    """The row's rule (4th frame of the longest run, every 7th after it, the last frame only
    more than 3 frames after the previous labelled one; runs of 3 frames or fewer get none) is
    what ``--frame-selection official`` does."""
    from posewarper.propagation.protocol import official_labelled_frames
    cells = _row('propagation frames')
    assert 'more than 3 frames after the previous labelled one' in cells[2]
    assert '3 frames or fewer' in cells[2] and '3 frames or fewer' in cells[5]
    assert official_labelled_frames(range(11))[1] == [3, 10]
    assert official_labelled_frames(range(7))[1] == [3]  # 6 is 3 after 3: not added
    assert official_labelled_frames(range(8))[1] == [3, 7]
    assert official_labelled_frames([0, 1, 2, 3, 9, 10, 11, 12, 13])[0] == [9, 10, 11, 12, 13]
    assert official_labelled_frames([0, 1, 2, 5, 6]) == ([], [])


def test_finetune_trains_the_deformable_convs_only(loaded):
    """As the official CYCLE_CONSISTENCY_FINETUNE with FREEZE_WEIGHTS: the five deformable-conv
    weights are the only parameters that train."""
    from mmengine.registry import init_default_scope
    from mmpose.registry import MODELS

    import posewarper  # noqa: F401
    init_default_scope('mmpose')
    model = MODELS.build(loaded('finetune').model).train()
    trainable = [name for name, p in model.named_parameters() if p.requires_grad]
    assert trainable == [f'head.deform_conv_layers.{i}.weight' for i in range(5)]
    stage2 = MODELS.build(loaded('stage2').model)
    assert sum(p.numel() for p in stage2.parameters() if p.requires_grad) == 7_558_605


def test_loss_scale_and_adam():
    """MMPose's KeypointMSELoss is twice the official 0.5-factor loss; Adam takes the same step
    from either (up to its eps)."""
    import torch
    from mmpose.models.losses import KeypointMSELoss
    gen = torch.Generator().manual_seed(0)
    pred, target = torch.rand(4, 17, 24, 18, generator=gen), torch.rand(4, 17, 24, 18,
                                                                        generator=gen)
    weight = (torch.rand(4, 17, generator=gen) > 0.3).float()
    w = weight[:, :, None, None]
    official = sum(0.5 * ((pred[:, j] * w[:, j] - target[:, j] * w[:, j])**2).mean()
                   for j in range(17)) / 17
    ours = KeypointMSELoss(use_target_weight=True)(pred, target, weight)
    assert torch.allclose(ours, 2 * official, rtol=1e-6)

    # Adam's step is m / (sqrt(v) + eps): without eps it does not depend on the loss scale; the
    # default eps (1e-8) only matters where a gradient is within a few orders of it
    params = [torch.nn.Parameter(pred.clone()) for _ in range(2)]
    optims = [torch.optim.Adam([p], lr=1e-4, eps=1e-20) for p in params]
    for _ in range(3):
        for scale, p, optim in zip((1.0, 0.5), params, optims):
            optim.zero_grad()
            (scale * KeypointMSELoss(use_target_weight=True)(p, target, weight)).backward()
            optim.step()
    steps = [(p - pred).detach() for p in params]
    assert steps[0].abs().max() > 2e-4  # the parameters moved
    assert (steps[0] - steps[1]).abs().max() < 1e-4 * steps[0].abs().max()
    assert 'twice' in _row('loss scale')[5]
