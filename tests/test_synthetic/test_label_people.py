"""Visibility conventions: occluded joints keep coordinates, joints off the frame are 0, 0, 0."""
import numpy as np

from posewarper_synthetic import FrameLabels, label_people


def _labels(keypoints, occluded):
    num = keypoints.shape[0]
    return FrameLabels(keypoints=keypoints, occluded=occluded,
                       boxes=np.tile([[20.0, 10.0, 60.0, 130.0]], (num, 1)),
                       head_centres=np.tile([[40.0, 20.0]], (num, 1)),
                       head_lengths=np.full(num, 12.0), ignore_polygons=[])


def test_visibility_and_boxes():
    kpts = np.linspace([30.0, 15.0], [50.0, 95.0], 17)[None]
    kpts[0, 16] = [-5.0, 60.0]  # left of the frame
    kpts[0, 15] = [50.0, 100.0]  # below the frame (rows 0..99)
    occluded = np.zeros((1, 17), dtype=bool)
    occluded[0, 9] = True  # hidden by another person
    (person, ) = label_people(_labels(kpts, occluded), width=100, height=100, bbox_pad=0.0)
    assert person.track_id == 0
    assert list(person.keypoints[16]) == [0.0, 0.0, 0.0]
    assert list(person.keypoints[15]) == [0.0, 0.0, 0.0]
    assert person.keypoints[9, 2] == 0 and np.allclose(person.keypoints[9, :2], kpts[0, 9])
    assert person.num_keypoints == 14
    # The box is clipped to the frame.
    x, y, w, h = person.bbox
    assert (x, y) == (20.0, 10.0) and x + w == 60.0 and y + h == 99.0
    # Head box: 1.0 x 1.2 head lengths around the head centre.
    assert person.bbox_head == (34, 13, 12, 14)


def test_people_without_visible_joints_are_left_out():
    kpts = np.full((2, 17, 2), 50.0)
    kpts[1] = -10.0  # entirely off the frame
    occluded = np.zeros((2, 17), dtype=bool)
    occluded[0] = True  # entirely hidden
    assert label_people(_labels(kpts, occluded), width=100, height=100) == []
    occluded[0, 3] = False
    people = label_people(_labels(kpts, occluded), width=100, height=100)
    assert [p.track_id for p in people] == [0] and people[0].num_keypoints == 1
