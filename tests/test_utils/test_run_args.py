"""``posewarper.utils.run_args``: the visualisation flags and the dataset inputs of a run."""
import pytest
from mmengine.config import Config

from posewarper.utils.run_args import dataset_inputs, enable_visualization


def _cfg(model_type='TopdownPoseEstimator'):
    return Config(dict(model=dict(type=model_type), default_hooks=dict(
        visualization=dict(type='PoseVisualizationHook', enable=False))))


def test_show_dir_outside_the_work_dir_is_an_output_to_guard(tmp_path):
    cfg = _cfg()
    assert enable_visualization(cfg, False, str(tmp_path / 'vis'), 0, 1) == str(tmp_path / 'vis')
    assert cfg.default_hooks.visualization.enable
    assert enable_visualization(_cfg(), False, 'vis', 0, 1) == ''  # under the work dir
    assert enable_visualization(_cfg(), False, None, 0, 1) == ''


@pytest.mark.parametrize('model_type, show_dir, message', [
    ('PoseWarper', 'vis', 'draw single frames'),
    ('TopdownPoseEstimator', '../../vis', 'may not leave it with ..')])
def test_refused(model_type, show_dir, message):
    with pytest.raises(ValueError, match=message):
        enable_visualization(_cfg(model_type), False, show_dir, 0, 1)


def test_dataset_inputs(tmp_path):
    (tmp_path / 'images').mkdir()
    (tmp_path / 'ann.json').write_text('{}')
    cfg = Config(dict(test_dataloader=dict(dataset=dict(
        data_root=f'{tmp_path}/', ann_file='ann.json', data_prefix=dict(img='images/')))))
    inputs = dataset_inputs(cfg, ['test', 'train'])  # no train loader: nothing for it
    assert [i.what for i in inputs] == ['test images', 'test annotations']
