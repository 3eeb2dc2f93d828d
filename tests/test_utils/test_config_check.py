"""``posewarper.utils.config_check``: every shipped config passes, and a keyword its class does
not take is found before any work (mmengine builds datasets and evaluators only in the loop)."""
from pathlib import Path

import pytest

from posewarper.utils.config_check import accepted_keywords, load_config

REPO_ROOT = Path(__file__).resolve().parents[2]
CONFIGS = sorted(p for p in (REPO_ROOT / 'configs').rglob('*.py') if '_base_' not in p.parts)
TINY = REPO_ROOT / 'configs' / 'tiny' / 'posewarper_hrnet-tiny_1xb8-4e_synthetic-128x96.py'


@pytest.mark.parametrize('config', CONFIGS, ids=lambda p: p.name)
def test_shipped_configs_pass(config):
    load_config(str(config))  # no unknown type, no keyword a class does not take


class _Base:

    def __init__(self, a, *, b=1):
        pass


class _Passes(_Base):

    def __init__(self, c, **kwargs):
        super().__init__(**kwargs)


class _Open:

    def __init__(self, **kwargs):
        pass


class _NoInit:
    pass


def test_accepted_keywords_follow_kwargs_up_the_mro():
    assert accepted_keywords(_Base) == {'self', 'a', 'b'}
    assert accepted_keywords(_Passes) == {'self', 'a', 'b', 'c'}
    assert accepted_keywords(_Open) is None  # the kwargs go nowhere we can read
    assert accepted_keywords(_NoInit) == set()
    assert accepted_keywords(lambda x, y=2: x) == {'x', 'y'}


@pytest.mark.parametrize('override, message', [
    ('train_dataloader = dict(dataset=dict(label_intervall=7))',
     "train_dataloader.dataset.label_intervall: PoseTrackSparseClipDataset takes no keyword "
     "'label_intervall' (did you mean label_interval?)"),
    ('train_dataloader = dict(batch_sise=3)',
     "train_dataloader.batch_sise: a data loader takes no keyword 'batch_sise' "
     '(did you mean batch_size?)'),
    ("val_evaluator = dict(outfile_prefx='x')",
     "val_evaluator.outfile_prefx: PoseTrackAPMetric takes no keyword 'outfile_prefx'"),
    ('optim_wrapper = dict(optimizer=dict(lrr=0.1))',
     "optim_wrapper.optimizer.lrr: Adam takes no keyword 'lrr' (did you mean lr?)"),
    ('model = dict(head=dict(num_blocks=3))',
     "model.head.num_blocks: PoseWarperHead takes no keyword 'num_blocks'"),
])
def test_misspelt_keyword_is_one_line(tmp_path, override, message):
    config = tmp_path / 'bad.py'
    config.write_text(f"_base_ = ['{TINY}']\n{override}\n")
    with pytest.raises(ValueError) as err:
        load_config(str(config))
    assert message in str(err.value) and str(config) in str(err.value)
