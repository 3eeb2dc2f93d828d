import argparse
import pickle

import numpy as np
import pytest
import torch
import torch.nn as nn
from mmengine.dataset import pseudo_collate
from mmengine.logging import HistoryBuffer
from mmengine.model import BaseModel
from mmengine.runner import Runner, load_checkpoint

import posewarper  # noqa: F401  (registers the allow-list)


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
        default_scope='mmpose',
        **kwargs)


def test_runner_resumes_from_mmengine_checkpoint_under_weights_only(tmp_path):
    """mmengine 0.10.7 calls torch.load without weights_only; the allow-list makes it work."""
    _runner(tmp_path).train()
    ckpt = tmp_path / 'iter_2.pth'
    assert ckpt.exists()
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


@pytest.mark.parametrize('payload', [_Evil(), argparse.Namespace(a=1), _GetattrEscape()])
def test_unexpected_pickled_objects_are_still_refused(tmp_path, payload):
    path = tmp_path / 'bad.pth'
    torch.save(dict(state_dict=dict(w=torch.zeros(1)), meta=dict(extra=payload)), str(path))
    with pytest.raises(pickle.UnpicklingError):
        torch.load(str(path), map_location='cpu')
    with pytest.raises(pickle.UnpicklingError):
        load_checkpoint(nn.Linear(1, 1), str(path), map_location='cpu')
