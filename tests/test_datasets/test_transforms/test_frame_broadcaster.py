"""Tests of FrameBroadcaster."""
import numpy as np
import pytest

from posewarper.datasets.transforms import FrameBroadcaster


def frames(num=3, seed=0):
    img = np.random.RandomState(seed).randint(0, 255, (16, 12, 3)).astype(np.uint8)
    return [img.copy() for _ in range(num)]


def test_photometric_distortion_is_shared():
    # PhotometricDistortion takes one image: on a list it fails, wrapped it is shared.
    from mmpose.datasets.transforms import PhotometricDistortion

    # each distortion is applied with probability 0.5: a fixed seed makes one of them run
    np.random.seed(0)
    with pytest.raises(Exception):
        PhotometricDistortion()(dict(img=frames()))
    wrapper = FrameBroadcaster([dict(type='PhotometricDistortion')])
    changed = False
    for seed in range(6):
        np.random.seed(seed)
        out = wrapper(dict(img=frames()))['img']
        assert len(out) == 3
        for img in out[1:]:
            np.testing.assert_array_equal(img, out[0])
        changed |= not np.array_equal(out[0], frames()[0])
    assert changed


def test_random_state_advances_as_one_run():
    wrapper = FrameBroadcaster([dict(type='PhotometricDistortion')])
    np.random.seed(3)
    single = wrapper(dict(img=frames(1)[0]))['img']
    after_single = np.random.rand()
    np.random.seed(3)
    multi = wrapper(dict(img=frames(4)))['img']
    assert np.random.rand() == after_single
    np.testing.assert_array_equal(multi[2], single)


def test_other_keys_come_from_the_reference_run():
    def mark(results):
        results['seen'] = results.get('seen', 0) + 1
        results['ref_level'] = int(results['img'][0, 0, 0])
        return results

    imgs = [np.full((4, 4, 3), level, np.uint8) for level in (10, 20, 30)]
    out = FrameBroadcaster([mark])(dict(img=imgs))
    assert out['seen'] == 1 and out['ref_level'] == 10
    assert [int(i[0, 0, 0]) for i in out['img']] == [10, 20, 30]


def test_dropped_sample_is_dropped():
    assert FrameBroadcaster([lambda r: None])(dict(img=frames())) is None
