"""Videos of a sparse PoseTrack18 json: where their frames are."""
import pytest

from posewarper.propagation import SparseVideo
from posewarper.propagation.sparse_videos import load_sparse_videos


def test_unlisted_frames_are_named_like_the_listed_ones():
    """A frame the json does not list (propagation reads every frame between labelled ones) is
    found next to the listed frames, zero-padded to the same width."""
    video = SparseVideo('v', paths={0: 'images/val/v/000000.jpg', 4: 'images/val/v/000004.jpg'})
    assert video.frame_path(4) == 'images/val/v/000004.jpg'
    assert video.frame_path(2) == 'images/val/v/000002.jpg'
    wide = SparseVideo('w', paths={10: 'frames/w/00000010.png'})
    assert wide.frame_path(12) == 'frames/w/00000012.png'


def test_an_annotation_folder_is_called_a_folder(tmp_path):
    with pytest.raises(ValueError, match=f'^{tmp_path}: PoseTrack json is a folder, not a file$'):
        load_sparse_videos(str(tmp_path))
    with pytest.raises(FileNotFoundError, match='annotation file not found'):
        load_sparse_videos(str(tmp_path / 'none.json'))
