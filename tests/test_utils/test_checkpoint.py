"""Checkpoint loading: torch's safe unpickler for mmengine's checkpoints, only while one is read
(``safe_checkpoint_loading``, ``SafeCheckpointLoadingHook``), and the strict ``load_pose_weights``.
"""
import argparse
import pickle
from collections import OrderedDict
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn as nn
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.logging import HistoryBuffer
from mmengine.model import BaseModel
from mmengine.runner import Runner, load_checkpoint
from mmpose.registry import HOOKS

from posewarper.engine import SafeCheckpointLoadingHook
from posewarper.utils import (UnsafeCheckpointError, checkpoint_safe_globals, load_pose_weights,
                              read_checkpoint, safe_checkpoint_loading)

REPO_ROOT = Path(__file__).resolve().parents[2]


class _ToyModel(BaseModel):

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(2, 1)

    def forward(self, inputs, data_samples=None, mode='tensor'):
        out = self.linear(torch.stack(inputs))
        if mode == 'loss':
            return dict(loss=(out - torch.stack(data_samples)).pow(2).mean())
        return out


class _ToyDataset(torch.utils.data.Dataset):
    # dataset_meta with numpy arrays, as MMPose datasets have (sigmas, joint weights, colours)
    metainfo = dict(sigmas=np.linspace(0.1, 1, 17, dtype=np.float32),
                    colors=np.zeros((17, 3), dtype=np.uint8), flip_indices=list(range(17)))

    def __len__(self):
        return 8

    def __getitem__(self, i):
        return dict(inputs=torch.tensor([float(i), 1.0]), data_samples=torch.tensor([i * 0.5]))


def _runner(work_dir, **kwargs):
    return Runner(
        model=_ToyModel(),
        work_dir=str(work_dir),
        train_dataloader=dict(dataset=_ToyDataset(), sampler=dict(type='DefaultSampler'),
                              batch_size=4, collate_fn=pseudo_collate),
        optim_wrapper=dict(optimizer=dict(type='Adam', lr=0.01)),
        param_scheduler=dict(type='MultiStepLR', milestones=[2], by_epoch=False),
        train_cfg=dict(by_epoch=False, max_iters=3),
        default_hooks=dict(checkpoint=dict(type='CheckpointHook', interval=2, by_epoch=False)),
        # what posewarper's configs add to their custom_hooks
        custom_hooks=[dict(type='SafeCheckpointLoadingHook')],
        default_scope='mmpose',
        **kwargs)


def _mmengine_like_checkpoint(path: Path) -> Path:
    """What mmengine pickles besides tensors: a message hub's HistoryBuffer (numpy arrays, its
    statistics methods pickled as ``getattr``) and numpy arrays in ``dataset_meta``."""
    buffer = HistoryBuffer()
    buffer.update(0.01)
    buffer.update(0.02)
    torch.save(dict(state_dict=dict(w=torch.zeros(1)),
                    meta=dict(iter=2, dataset_meta=_ToyDataset.metainfo),
                    message_hub=dict(log_scalars={'train/lr': buffer})), str(path))
    return path


def _allow_list() -> set:
    """Torch's ``weights_only`` allow-list now (its order is not meaningful)."""
    return set(torch.serialization.get_safe_globals())


def _ours_allowed() -> bool:
    """Whether posewarper's allow-list is in torch's ``weights_only`` allow-list now."""
    return HistoryBuffer in _allow_list()


# ----------------------------------------------------------------------------- the allow-list
def test_import_posewarper_changes_nothing(tmp_path):
    """``import posewarper`` (done by conftest.py) leaves torch's allow-list alone: outside our
    loaders and runs, torch refuses mmengine's checkpoints as it always does."""
    assert not _ours_allowed()
    ckpt = _mmengine_like_checkpoint(tmp_path / 'iter_2.pth')
    with pytest.raises(pickle.UnpicklingError, match='Unsupported global'):
        torch.load(str(ckpt), map_location='cpu')  # default weights_only=True


def test_safe_checkpoint_loading_is_active_inside_and_restored_after(tmp_path):
    ckpt = _mmengine_like_checkpoint(tmp_path / 'iter_2.pth')
    before = _allow_list()
    with safe_checkpoint_loading():
        assert _ours_allowed()
        allowed = _allow_list()
        assert all(g in allowed for g in checkpoint_safe_globals())
        saved = torch.load(str(ckpt), map_location='cpu')
    assert _allow_list() == before
    lr_buffer = saved['message_hub']['log_scalars']['train/lr']
    assert isinstance(lr_buffer, HistoryBuffer)
    assert lr_buffer.statistics('mean') == pytest.approx(0.015)
    np.testing.assert_array_equal(saved['meta']['dataset_meta']['sigmas'],
                                  _ToyDataset.metainfo['sigmas'])
    # restored after an error in the block too
    with pytest.raises(RuntimeError, match='boom'):
        with safe_checkpoint_loading():
            raise RuntimeError('boom')
    assert _allow_list() == before


def test_hook_allows_exactly_while_the_runner_loads():
    """mmengine's Runner calls ``before_run``, then ``load_or_resume``, then the loop's
    ``before_train`` / ``before_val`` / ``before_test``; ``after_run`` if no loop starts."""
    assert HOOKS.get('SafeCheckpointLoadingHook') is SafeCheckpointLoadingHook
    before = _allow_list()
    for end in ('before_train', 'before_val', 'before_test', 'after_run'):
        hook = SafeCheckpointLoadingHook()
        hook.before_run(None)
        assert _ours_allowed(), end
        getattr(hook, end)(None)
        assert _allow_list() == before, end
        hook.after_run(None)  # a second close changes nothing
        assert _allow_list() == before, end
    hook = SafeCheckpointLoadingHook()
    hook.before_run(None)
    hook.before_run(None)  # a runner reused: the first widening is closed, not stacked
    hook.before_train(None)
    assert _allow_list() == before


@pytest.mark.parametrize('config', [
    'configs/tiny/posewarper_hrnet-tiny_1xb8-4e_synthetic-128x96.py',
    'configs/tiny/td-hm_hrnet-tiny_1xb16-4e_synthetic-128x96.py',
    'configs/posewarper/posewarper_hrnet-w48_8xb8-20e_posetrack18-384x288.py',
    'configs/posewarper/td-hm_hrnet-w48_8xb16-10e_posetrack18-384x288.py',
])
def test_configs_load_checkpoints_through_the_hook(config):
    hooks = [h['type'] for h in Config.fromfile(str(REPO_ROOT / config)).custom_hooks]
    assert 'SafeCheckpointLoadingHook' in hooks and 'SyncBuffersHook' in hooks


@pytest.mark.slow  # trains a (toy) model twice
def test_runner_resumes_from_mmengine_checkpoint_under_weights_only(tmp_path):
    """mmengine 0.10.7 calls torch.load without weights_only; the hook makes resuming work."""
    _runner(tmp_path).train()
    ckpt = tmp_path / 'iter_2.pth'
    assert ckpt.exists()
    assert not _ours_allowed()  # the run closed the allow-list again
    with safe_checkpoint_loading():
        saved = torch.load(str(ckpt), map_location='cpu')  # default weights_only=True
    assert saved['meta']['iter'] == 2
    # what torch refuses without the allow-list: the message hub's HistoryBuffer (with numpy
    # arrays and its statistics methods pickled as getattr) and numpy arrays in dataset_meta
    lr_buffer = saved['message_hub']['log_scalars']['train/lr']
    assert isinstance(lr_buffer, HistoryBuffer)
    assert len(lr_buffer.data[0]) == 2 and lr_buffer.statistics('mean') == pytest.approx(0.01)

    runner = _runner(tmp_path / 'resumed', resume=True, load_from=str(ckpt))
    runner.train()
    assert runner.iter == 3
    assert not _ours_allowed()
    with safe_checkpoint_loading():
        state = load_checkpoint(nn.Linear(2, 1), str(ckpt), map_location='cpu',
                                revise_keys=[(r'^linear\.', '')])
    assert set(state) >= {'meta', 'state_dict', 'optimizer', 'param_schedulers', 'message_hub'}


class _Evil:

    def __reduce__(self):  # a pickled call that safe loading must never run
        return (print, ('pwned', ))


class _GetattrEscape:

    def __reduce__(self):  # getattr on an allowed class, but not a statistics method
        from mmengine.logging import HistoryBuffer
        return (getattr, (HistoryBuffer, '__init__'))


@pytest.mark.parametrize('payload,refused', [(_Evil(), 'the global print'),
                                             (argparse.Namespace(a=1),
                                              'the global argparse.Namespace'),
                                             (_GetattrEscape(), "the call getattr(")])
def test_unexpected_pickled_objects_are_still_refused(tmp_path, payload, refused):
    path = tmp_path / 'bad.pth'
    torch.save(dict(state_dict=dict(w=torch.zeros(1)), meta=dict(extra=payload)), str(path))
    with safe_checkpoint_loading():
        with pytest.raises(pickle.UnpicklingError):
            torch.load(str(path), map_location='cpu')
        with pytest.raises(pickle.UnpicklingError):
            load_checkpoint(nn.Linear(1, 1), str(path), map_location='cpu')
    with pytest.raises(UnsafeCheckpointError, match="bad.pth was refused by torch's safe loader"
                       ) as exc:
        read_checkpoint(str(path))
    assert isinstance(exc.value.__cause__, pickle.UnpicklingError)
    assert refused in str(exc.value) and exc.value.refused.startswith(refused)
    # never torch's advice to switch safe loading off
    assert 'weights_only' not in str(exc.value)


# ----------------------------------------------------------------------------- load_pose_weights
class _Pose(nn.Module):
    """Stands in for a pose model: a 'backbone' and a 'head'."""

    def __init__(self, head: bool = True, width: int = 3):
        super().__init__()
        self.backbone = nn.Linear(2, width)
        if head:
            self.head = nn.Linear(width, 1)


def test_read_checkpoint(tmp_path):
    with pytest.raises(FileNotFoundError, match='checkpoint not found: .*nowhere.pth'):
        read_checkpoint(str(tmp_path / 'nowhere.pth'))
    (tmp_path / 'junk.pth').write_bytes(b'not a checkpoint')
    with pytest.raises(ValueError, match=r'not a checkpoint \(corrupt or truncated\): .*junk.pth'):
        read_checkpoint(str(tmp_path / 'junk.pth'))
    torch.save([torch.zeros(1)], str(tmp_path / 'list.pth'))
    with pytest.raises(ValueError, match='list.pth holds no state dict'):
        read_checkpoint(str(tmp_path / 'list.pth'))
    # mmengine's checkpoints are read under the allow-list, which is closed again afterwards
    ckpt = read_checkpoint(str(_mmengine_like_checkpoint(tmp_path / 'iter_2.pth')))
    assert ckpt['meta']['iter'] == 2 and not _ours_allowed()


def test_load_pose_weights_loads_matching_weights(tmp_path):
    source = _Pose()
    path = tmp_path / 'model.pth'
    # saved from a wrapped (DDP) model: mmengine's revise_keys removes the prefix
    torch.save(dict(state_dict=OrderedDict(('module.' + k, v)
                                           for k, v in source.state_dict().items()),
                    meta=dict(dataset_meta=dict(num_keypoints=1))), str(path))
    model = _Pose()
    ckpt = load_pose_weights(model, str(path))
    assert ckpt['meta']['dataset_meta'] == dict(num_keypoints=1)
    for key, value in source.state_dict().items():
        assert torch.equal(model.state_dict()[key], value), key
    # an already read checkpoint too, bare state dict
    model = _Pose()
    load_pose_weights(model, source.state_dict())
    assert torch.equal(model.head.weight, source.head.weight)


def test_load_pose_weights_refuses_what_does_not_match(tmp_path):
    """MMPose and mmengine only log these; a model left partly random is refused here."""
    path = tmp_path / 'stage1.pth'
    torch.save(dict(state_dict=_Pose(head=False).state_dict()), str(path))
    model = _Pose()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    with pytest.raises(ValueError, match=r'checkpoint .*stage1.pth does not match the _Pose model '
                                         r'of config cfg.py: 2 weight\(s\) of the model are '
                                         r'missing \(head.weight, head.bias\)'):
        load_pose_weights(model, str(path), config_name='cfg.py')
    # unexpected weights (e.g. a stage-2 checkpoint for a stage-1 model) are refused as well
    with pytest.raises(ValueError, match=r'2 weight\(s\) the model does not have \(head.weight'):
        load_pose_weights(_Pose(head=False), _Pose().state_dict(), name='stage2.pth')
    with pytest.raises(ValueError, match=r'weight\(s\) have another shape \(backbone.weight'):
        load_pose_weights(model, _Pose(width=4).state_dict())
    # nothing was loaded by the refused calls
    for key, value in before.items():
        assert torch.equal(model.state_dict()[key], value), key
