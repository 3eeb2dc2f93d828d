"""Tests of LoadMultiFrameImages."""
import cv2
import numpy as np
import pytest

from posewarper.datasets.transforms import LoadMultiFrameImages


def write_frames(tmp_path, levels, shape=(12, 16)):
    paths = []
    for i, level in enumerate(levels):
        path = tmp_path / f'{i:06d}.jpg'
        cv2.imwrite(str(path), np.full(shape + (3,), level, dtype=np.uint8))
        paths.append(str(path))
    return paths


def test_loads_all_frames_in_order(tmp_path):
    paths = write_frames(tmp_path, [20, 120, 220])
    results = LoadMultiFrameImages()(dict(img_path=paths))
    assert isinstance(results['img'], list) and len(results['img']) == 3
    for img, level in zip(results['img'], [20, 120, 220]):
        assert img.dtype == np.uint8 and img.shape == (12, 16, 3)
        assert abs(int(np.median(img)) - level) <= 2
    assert results['img_shape'] == results['ori_shape'] == (12, 16)


def test_single_path_and_float32(tmp_path):
    paths = write_frames(tmp_path, [50])
    results = LoadMultiFrameImages(to_float32=True)(dict(img_path=paths[0]))
    assert len(results['img']) == 1 and results['img'][0].dtype == np.float32


def test_arrays_given_in_results():
    frames = [np.zeros((8, 10, 3), np.uint8), np.ones((8, 10, 3), np.uint8)]
    results = LoadMultiFrameImages()(dict(img=frames))
    assert len(results['img']) == 2 and results['img_shape'] == (8, 10)
    assert results['img_path'] is None


def test_missing_frame_names_the_file(tmp_path):
    paths = write_frames(tmp_path, [20, 120])
    missing = str(tmp_path / 'gone' / '000007.jpg')
    with pytest.raises(FileNotFoundError, match='gone/000007.jpg'):
        LoadMultiFrameImages()(dict(img_path=[paths[0], missing, paths[1]]))


def test_unreadable_frame_names_the_file(tmp_path):
    paths = write_frames(tmp_path, [20])
    broken = tmp_path / 'broken.jpg'
    broken.write_bytes(b'not a jpeg')
    with pytest.raises(Exception, match='broken.jpg'):
        LoadMultiFrameImages()(dict(img_path=[paths[0], str(broken)]))


def test_frames_of_different_sizes_are_rejected(tmp_path):
    paths = write_frames(tmp_path, [20])
    other = tmp_path / 'big.jpg'
    cv2.imwrite(str(other), np.zeros((20, 16, 3), np.uint8))
    with pytest.raises(ValueError, match='big.jpg'):
        LoadMultiFrameImages()(dict(img_path=[paths[0], str(other)]))
