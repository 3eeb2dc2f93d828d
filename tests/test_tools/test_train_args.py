"""tools/train.py and tools/test.py: MMPose's command-line flags folded into the config."""
import os

import pytest
from mmengine.config import Config

from tests.helpers.scripts import load_tool

_load = load_tool


train_tool = _load('train')
test_tool = _load('test')


def _cfg(**extra) -> Config:
    return Config(
        dict(
            optim_wrapper=dict(optimizer=dict(type='Adam', lr=1e-3)),
            val_cfg=dict(),
            val_dataloader=dict(batch_size=1),
            val_evaluator=dict(type='PCKAccuracy'),
            test_evaluator=dict(type='PCKAccuracy'),
            default_hooks=dict(visualization=dict(type='PoseVisualizationHook', enable=False)),
            **extra))


def _train(argv, cfg=None):
    args = train_tool.parse_args(argv)
    return train_tool.merge_args(cfg or _cfg(), args)


def test_train_defaults():
    cfg = _train(['configs/tiny/some_config.py'])
    assert cfg.launcher == 'none'
    assert cfg.work_dir == './work_dirs/some_config'
    assert 'resume' not in cfg and cfg.optim_wrapper.get('type') is None


def test_train_work_dir_priority():
    assert _train(['c.py'], _cfg(work_dir='from_cfg')).work_dir == 'from_cfg'
    assert _train(['c.py', '--work-dir', 'cli'], _cfg(work_dir='from_cfg')).work_dir == 'cli'


@pytest.mark.parametrize('argv, load_from', [(['--resume'], None), (['--resume', 'auto'], None),
                                             (['--resume', 'w/iter_2.pth'], 'w/iter_2.pth')])
def test_train_resume(argv, load_from):
    cfg = _train(['c.py', *argv], _cfg(load_from='stage1.pth'))
    assert cfg.resume is True and cfg.load_from == load_from


def test_train_amp_no_validate_launcher():
    cfg = _train(['c.py', '--amp', '--no-validate', '--launcher', 'pytorch'])
    assert cfg.optim_wrapper.type == 'AmpOptimWrapper'
    assert cfg.optim_wrapper.loss_scale == 'dynamic'
    assert cfg.val_cfg is None and cfg.val_dataloader is None and cfg.val_evaluator is None
    assert cfg.launcher == 'pytorch'


def test_train_auto_scale_lr():
    with pytest.raises(ValueError, match='base_batch_size'):
        _train(['c.py', '--auto-scale-lr'])
    cfg = _train(['c.py', '--auto-scale-lr'], _cfg(auto_scale_lr=dict(base_batch_size=32)))
    assert cfg.auto_scale_lr.enable is True


def test_train_cfg_options_win():
    cfg = _train(['c.py', '--work-dir', 'cli', '--cfg-options', 'work_dir=opt',
                  'optim_wrapper.optimizer.lr=0.5', 'runner_type=None'])
    assert cfg.work_dir == 'opt' and cfg.optim_wrapper.optimizer.lr == 0.5
    assert cfg.runner_type is None


def test_train_show_dir():
    cfg = _train(['c.py', '--show-dir', 'vis', '--interval', '3'])
    vis = cfg.default_hooks.visualization
    assert vis.enable and vis.out_dir == 'vis' and vis.interval == 3 and not vis.show


@pytest.mark.parametrize('flag', ['--local_rank', '--local-rank'])
def test_local_rank_flags(flag, monkeypatch):
    monkeypatch.delenv('LOCAL_RANK', raising=False)
    train_tool.parse_args(['c.py', flag, '3'])
    assert os.environ['LOCAL_RANK'] == '3'
    monkeypatch.setenv('LOCAL_RANK', '1')  # torchrun's value is kept
    test_tool.parse_args(['c.py', 'x.pth', flag, '3'])
    assert os.environ['LOCAL_RANK'] == '1'


def test_test_args():
    args = test_tool.parse_args(
        ['configs/tiny/c.py', 'w/iter_4.pth', '--dump', 'preds.pkl', '--launcher', 'slurm'])
    cfg = test_tool.merge_args(_cfg(), args)
    assert cfg.load_from == 'w/iter_4.pth' and cfg.launcher == 'slurm'
    assert cfg.work_dir == './work_dirs/c'
    assert cfg.test_evaluator == [
        dict(type='PCKAccuracy'), dict(type='AtomicDumpResults', out_file_path='preds.pkl')]
    with pytest.raises(ValueError, match='pkl'):
        test_tool.merge_args(_cfg(), test_tool.parse_args(['c.py', 'x.pth', '--dump', 'p.json']))
    # --cfg-options names the config's evaluator: the dump is appended after them (as MMPose)
    args = test_tool.parse_args(['c.py', 'x.pth', '--dump', 'p.pkl', '--cfg-options',
                                 'test_evaluator.thr=0.1'])
    assert test_tool.merge_args(_cfg(), args).test_evaluator == [
        dict(type='PCKAccuracy', thr=0.1), dict(type='AtomicDumpResults', out_file_path='p.pkl')]
