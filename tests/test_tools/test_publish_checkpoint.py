"""tools/publish_checkpoint.py: weights only, fp16 on request, a sidecar that matches the file."""
import json
from pathlib import Path

import pytest
import torch
import torch.nn as nn

from posewarper.fileio import sha256_file
from posewarper.utils import load_pose_weights


@pytest.fixture(scope='module')
def tool(load_tool):
    return load_tool('publish_checkpoint')


def small_model() -> nn.Module:
    return nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4))


@pytest.fixture
def trained(tmp_path) -> Path:
    """An mmengine-style checkpoint with optimizer state and meta."""
    torch.manual_seed(0)
    model = small_model()
    path = tmp_path / 'epoch_3.pth'
    torch.save(dict(meta=dict(epoch=3, iter=30, seed=7, experiment_name='x', time='now'),
                    state_dict=model.state_dict(),
                    optimizer=dict(state={}, param_groups=[dict(lr=0.1)])), path)
    return path


def test_fp16_weights_and_sidecar(tool, trained, tmp_path, capsys):
    out = tmp_path / 'published.pth'
    rc = tool.main([str(trained), str(out), '--fp16', '--info', 'data={"seed": 5}',
                    'commands=["python tools/train.py x.py"]', 'note=plain text'])
    assert rc == 0
    sidecar = json.loads((tmp_path / 'published.json').read_text())
    assert sidecar['sha256'] == sha256_file(str(out)) and sidecar['bytes'] == out.stat().st_size
    assert sidecar['source'] == dict(file='epoch_3.pth', epoch=3, iter=30, seed=7)
    assert sidecar['data'] == {'seed': 5} and sidecar['note'] == 'plain text'
    assert 'commit' in sidecar and sidecar['dtype'] == 'float16'
    published = torch.load(out, weights_only=True)
    assert set(published) == {'meta', 'state_dict'}  # no optimizer
    assert 'time' not in published['meta']
    weights = published['state_dict']
    assert weights['0.weight'].dtype == torch.float16
    assert weights['1.num_batches_tracked'].dtype == torch.int64  # integers untouched
    model = small_model()
    load_pose_weights(model, str(out))  # strict: every weight, every shape
    original = torch.load(trained, weights_only=True)['state_dict']['0.weight']
    assert torch.allclose(model[0].weight, original, atol=1e-3)
    assert 'MiB, sha256' in capsys.readouterr().out


@pytest.mark.parametrize('args, message', [
    (['OUT.pt'], 'OUT must end with .pth'),
    (['OUT.pth', '--info', 'novalue'], "expected KEY=VALUE"),
])
def test_bad_arguments_one_line(tool, trained, tmp_path, capsys, args, message):
    args = [str(tmp_path / args[0])] + args[1:]
    assert tool.main([str(trained)] + args) == 1
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ['epoch_3.pth']  # nothing written


def test_meta_is_kept_and_a_nan_epoch_left_out_of_the_sidecar(tmp_path, load_tool):
    """``dataset_meta`` (numpy inside, not json) stays in the published checkpoint; a meta
    value strict json cannot hold is left out of the sidecar, never written as NaN."""
    import numpy as np
    src = tmp_path / 'src.pth'
    torch.save(dict(state_dict={'w': torch.ones(2)},
                    meta=dict(epoch=float('nan'), dataset_meta=dict(ids=np.arange(3)))), src)
    assert load_tool('publish_checkpoint').main([str(src), str(tmp_path / 'p.pth')]) == 0
    published = torch.load(tmp_path / 'p.pth', weights_only=False)
    assert list(published['meta']['dataset_meta']['ids']) == [0, 1, 2]
    sidecar = json.loads((tmp_path / 'p.json').read_text())
    assert sidecar['source']['epoch'] is None
