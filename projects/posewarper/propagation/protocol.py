"""The propagation protocol: which labelled frame feeds which unlabelled frame.

As in the paper (§4.1) and the official ``video_pose_propagation.py``: every frame of a video
that is not labelled takes its poses from the nearest labelled frame, provided that frame is at
most ``max_offset`` frames away; at equal distance the earlier labelled frame wins. Labelled
frames keep their ground truth; frames farther than ``max_offset`` from every labelled frame get
nothing. :func:`official_labelled_frames` chooses the labelled frames as the official
evaluation script does.
"""
from collections import defaultdict
from typing import Collection, Dict, Iterable, List, Tuple


def check_max_offset(max_offset: int) -> int:
    """Validate the propagation range.

    Args:
        max_offset (int): Largest time gap ``|B - A|`` in frames.

    Returns:
        int: ``max_offset``.

    Raises:
        ValueError: If it is not an int >= 1.
    """
    if isinstance(max_offset, bool) or not isinstance(max_offset, int) or max_offset < 1:
        raise ValueError(f'max_offset must be an int >= 1, got {max_offset!r}')
    return max_offset


def assign_sources(frame_indices: Iterable[int], labelled: Collection[int],
                   max_offset: int) -> Dict[int, int]:
    """The labelled frame that feeds each unlabelled frame.

    Args:
        frame_indices (Iterable[int]): Indices (positions in the video) of the frames to fill.
        labelled (Collection[int]): Indices of the labelled frames.
        max_offset (int): Largest allowed ``|target - source|``.

    Returns:
        dict[int, int]: ``target -> source`` for every unlabelled frame within ``max_offset`` of
        a labelled frame, in ascending target order. Labelled frames are never targets.
    """
    check_max_offset(max_offset)
    labelled = set(labelled)
    assignment = {}
    for target in sorted(set(frame_indices) - labelled):
        # Distances 1, 2, ... with the earlier frame first at each distance: the first labelled
        # frame found is the nearest, ties going to the earlier one.
        for distance in range(1, max_offset + 1):
            source = next((s for s in (target - distance, target + distance) if s in labelled),
                          None)
            if source is not None:
                assignment[target] = source
                break
    return assignment


def group_by_source(assignment: Dict[int, int]) -> Dict[int, List[int]]:
    """Invert :func:`assign_sources`: the targets of each labelled frame.

    Args:
        assignment (dict[int, int]): ``target -> source``.

    Returns:
        dict[int, list[int]]: ``source -> ascending targets``, in ascending source order.
    """
    groups = defaultdict(list)
    for target, source in assignment.items():
        groups[source].append(target)
    return {source: sorted(groups[source]) for source in sorted(groups)}


def official_labelled_frames(annotated: Iterable[int], step: int = 7, first: int = 3,
                             min_last_gap: int = 3) -> Tuple[List[int], List[int]]:
    """The labelled frames of the official ``scripts/video_pose_propagation.py``.

    In the longest run of consecutive annotated frames (the first such run on ties), the
    labelled frames are the run's frame at position ``first``, every ``step``-th frame after it,
    and the run's last frame when it lies more than ``min_last_gap`` frames after the previous
    labelled one. Only the frames of that run are propagated to.

    Args:
        annotated (Iterable[int]): Indices of the annotated frames of a video.
        step (int): Gap between labelled frames (the official 7).
        first (int): Position in the run of the first labelled frame (the official 3).
        min_last_gap (int): The last frame is labelled beyond this gap (the official 3, the
            largest offset propagated to).

    Returns:
        tuple[list[int], list[int]]: The run and its labelled frames, ascending; both empty for
        a video whose run is too short to hold a labelled frame (the official script stops
        there).
    """
    frames = sorted(set(annotated))
    runs, start = [], 0
    for k in range(1, len(frames) + 1):
        if k == len(frames) or frames[k] != frames[k - 1] + 1:
            runs.append(frames[start:k])
            start = k
    run = max(runs, key=len, default=[])  # max keeps the first of equally long runs
    if len(run) <= first:
        return [], []
    labelled = run[first::step]
    if run[-1] - labelled[-1] > min_last_gap:
        labelled.append(run[-1])
    return run, labelled
