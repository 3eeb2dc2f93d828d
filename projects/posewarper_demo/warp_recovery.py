"""How much of a joint's motion a trained PoseWarper recovers when it propagates a label.

For every person of a fully labelled video, every annotated Frame A and every Frame B within
``±max_offset`` where the same person (same ``track_id``) is labelled too, both frames are
cropped with the person's box in A, as the ``posewarper`` propagator crops them. Everything is
then measured in that crop's heatmap cells, where the warp works:

- ``p_A``, ``p_B``: the person's ground-truth joints in A and B; ``|p_B - p_A|`` is the motion;
- ``p̂``: the joint a method places in B; the fraction of the motion it recovers is the
  projection ``(p̂ - p_A)·(p_B - p_A) / |p_B - p_A|²`` (0: the joint stays where it was, as
  ``copy`` leaves it; 1: it lands on the motion's end);
- PCK: ``|p̂ - p_B|`` within half the PoseTrack head size (``0.6 ×`` the head box diagonal),
  the threshold of PoseTrack's AP.

Methods: ``copy``; ``single-frame`` (stage 1's heatmaps of B decoded, the propagation
baseline); ``stage-1 shift`` (A's ground truth moved by the shift of stage 1's peaks from A to
B: what the cue alone says); ``posewarper`` (A's ground-truth heatmaps warped with the offsets
predicted from stage 1's heatmaps ``f_B - f_A``, the paper's propagation) and ``posewarper
(oracle cue)`` (the same warp with the offsets predicted from the ground-truth heatmaps
``y_B - y_A``: how far this warp would go with a perfect stage 1).

This is the demo's diagnostic, not part of the plugin: nothing in ``posewarper`` needs it.
"""
from typing import Dict, Iterator, List, Sequence, Tuple

import numpy as np
import torch

from posewarper.apis.inference import crop_heatmaps, images_to_inputs, init_model
from posewarper.propagation import FrameLoader, load_sparse_videos
from posewarper.propagation.crop import TopdownCropper

METHODS = ('copy', 'single-frame', 'stage-1 shift', 'posewarper', 'posewarper (oracle cue)')
#: motion-size bins in heatmap cells (lower bound included); joints moving less than half a
#: cell have no direction to recover and are left out of every figure
MOTION_BINS = ((0.5, 1.0), (1.0, 2.0), (2.0, 4.0), (4.0, 8.0), (8.0, float('inf')))


def _units(video, max_offset: int, source_interval: int
           ) -> Iterator[Tuple[int, object, List[Tuple[int, object]]]]:
    """(frame A, person in A, [(frame B, the same person in B), ...]) for every labelled
    person of A (every ``source_interval``-th annotated frame) and the frames within
    ``±max_offset`` where it is labelled too."""
    for a in sorted(video.persons)[::source_interval]:
        by_track = {}
        for person in video.persons[a]:
            if person.track_id >= 0:
                by_track.setdefault(person.track_id, []).append(person)
        for track, persons in by_track.items():
            if len(persons) != 1:  # identity, never position: an ambiguous track is skipped
                continue
            targets = []
            for delta in range(-max_offset, max_offset + 1):
                matches = [p for p in video.persons.get(a + delta, ()) if p.track_id == track]
                if delta and len(matches) == 1:
                    targets.append((a + delta, matches[0]))
            if targets:
                yield a, persons[0], targets


class _Batch:
    """Crops and ground truth of up to ``size`` pairs, measured together."""

    def __init__(self) -> None:
        self.crops: List[np.ndarray] = []  # A and B crops of every pair
        self.ref: List[int] = []  # index of each pair's B crop
        self.sup: List[int] = []  # index of each pair's A crop
        self.gt: List[np.ndarray] = []  # (2, K, 2) joints of A and B in input pixels
        self.valid: List[np.ndarray] = []  # (K, ) joint exists in A and B, inside the heatmap
        self.heads: List[float] = []  # PCK threshold in input pixels
        self.y_a: List[np.ndarray] = []
        self.y_b: List[np.ndarray] = []
        self.deltas: List[int] = []

    def __len__(self) -> int:
        return len(self.deltas)


def _add_unit(batch: _Batch, cropper: TopdownCropper, codec, frames, a: int, person_a,
              targets: List[Tuple[int, object]]) -> None:
    """Crop A and its targets with A's box (one affine warp) and add the unit's pairs."""
    res = cropper([frames(a)] + [frames(b) for b, _ in targets], person_a.bbox)
    center, scale = np.asarray(res['input_center']), np.asarray(res['input_scale'])
    size = np.asarray(res['input_size'], dtype=np.float64)

    def to_input(points: np.ndarray) -> np.ndarray:
        # the test crop's affine transform (no rotation): the inverse of input_to_image
        return ((points - center + 0.5 * scale) / scale * size).astype(np.float32)

    first = len(batch.crops)
    batch.crops.extend(res['img'])
    kpt_a = to_input(person_a.keypoints)
    for k, (b, person_b) in enumerate(targets, start=1):
        both = (person_a.exists & person_b.exists).astype(np.float32)
        if not both.any() or person_b.bbox_head is None:
            continue
        kpt_b = to_input(person_b.keypoints)
        enc_a = codec.encode(kpt_a[None], both[None])
        enc_b = codec.encode(kpt_b[None], both[None])
        valid = (enc_a['keypoint_weights'][0] > 0) & (enc_b['keypoint_weights'][0] > 0)
        if not valid.any():
            continue
        # PoseTrack's PCKh threshold (half of 0.6 × the head box diagonal), in input pixels
        _, _, hw, hh = person_b.bbox_head
        batch.heads.append(0.5 * 0.6 * float(np.hypot(hw, hh)) * size[0] / scale[0])
        batch.sup.append(first)
        batch.ref.append(first + k)
        batch.gt.append(np.stack([kpt_a, kpt_b]))
        batch.valid.append(valid)
        batch.y_a.append(enc_a['heatmaps'])
        batch.y_b.append(enc_b['heatmaps'])
        batch.deltas.append(b - a)


def _decode(model, heatmaps: torch.Tensor) -> np.ndarray:
    """``(N, K, 2)`` joints in input pixels from heatmaps ``(N, K, h, w)``."""
    return np.stack([p.keypoints[0] for p in model.head.decode(heatmaps)])


@torch.no_grad()
def _measure(model, batch: _Batch) -> Dict[str, np.ndarray]:
    """Per method, the joints ``(N, K, 2)`` it places in B (input pixels)."""
    heatmaps = crop_heatmaps(model, images_to_inputs(model, batch.crops))[:, 0]
    f_a, f_b = heatmaps[batch.sup], heatmaps[batch.ref]
    y_a = torch.from_numpy(np.stack(batch.y_a)).to(heatmaps)
    y_b = torch.from_numpy(np.stack(batch.y_b)).to(heatmaps)
    gt = np.stack(batch.gt)
    peak_a, peak_b = _decode(model, f_a), _decode(model, f_b)
    return {
        'copy': gt[:, 0],
        'single-frame': peak_b,
        'stage-1 shift': gt[:, 0] + peak_b - peak_a,
        'posewarper': _decode(model, model.head.warp(ref=f_b, sup=f_a, source=y_a)),
        'posewarper (oracle cue)': _decode(model, model.head.warp(ref=y_b, sup=y_a,
                                                                  source=y_a)),
    }


def _summary(recovered: np.ndarray, correct: np.ndarray, error: np.ndarray) -> dict:
    if not len(recovered):
        return dict(joints=0)
    return dict(joints=int(len(recovered)), recovered=float(np.median(recovered)),
                pck=float(correct.mean()), error_cells=float(np.mean(error)))


def measure_warp_recovery(config: str,
                          checkpoint: str,
                          ann_file: str,
                          data_root: str = '',
                          max_offset: int = 3,
                          source_interval: int = 1,
                          batch_size: int = 32,
                          device: str = 'cpu') -> dict:
    """Warp recovery and PCK of a trained PoseWarper on fully labelled videos.

    Args:
        config (str): The PoseWarper config.
        checkpoint (str): Its trained checkpoint (warping head included).
        ann_file (str): Merged PoseTrack18 json whose frames are all labelled (the demo's test
            videos), persons linked by ``track_id``.
        data_root (str): Folder the image ``file_name`` s are relative to.
        max_offset (int): Largest ``|δ|`` measured.
        source_interval (int): Frame A is every ``source_interval``-th annotated frame of each
            video (7: the frames the demo's propagation labels); 1: every frame.
        batch_size (int): Pairs per forward pass.
        device (str): Device of the model.

    Returns:
        dict: ``by_offset`` (``'1'`` .. ``str(max_offset)``) and ``by_motion`` (bin labels such
        as ``'2-4'`` cells), each method -> ``joints``, ``recovered`` (median fraction of the
        motion), ``pck`` and ``error_cells`` (mean distance to B's joint); ``cell_px`` (input
        pixels per heatmap cell) and ``pairs``.
    """
    model = init_model(config, checkpoint, device=device)
    cropper = TopdownCropper.from_config(model.cfg)
    codec = model.head.decoder
    cell = float(codec.input_size[0]) / codec.heatmap_size[0]
    _, videos = load_sparse_videos(ann_file, data_root)
    rows: Dict[str, List[np.ndarray]] = {k: [] for k in ('delta', 'motion', *METHODS)}
    rows.update({f'{m}/error': [] for m in METHODS})
    rows['head'] = []
    pairs = 0

    def flush(batch: _Batch) -> None:
        if not len(batch):
            return
        preds = _measure(model, batch)
        gt = np.stack(batch.gt) / cell
        valid = np.stack(batch.valid)
        motion_vec = gt[:, 1] - gt[:, 0]
        motion = np.linalg.norm(motion_vec, axis=-1)
        keep = valid & (motion >= MOTION_BINS[0][0])
        rows['delta'].append(np.broadcast_to(np.abs(batch.deltas)[:, None], keep.shape)[keep])
        rows['motion'].append(motion[keep])
        rows['head'].append(np.broadcast_to((np.asarray(batch.heads) / cell)[:, None],
                                            keep.shape)[keep])
        for name, pred in preds.items():
            pred = pred / cell
            proj = ((pred - gt[:, 0]) * motion_vec).sum(-1) / np.maximum(motion**2, 1e-12)
            rows[name].append(proj[keep])
            rows[f'{name}/error'].append(np.linalg.norm(pred - gt[:, 1], axis=-1)[keep])

    for video in videos:
        frames = FrameLoader(video)
        batch = _Batch()
        for a, person_a, targets in _units(video, max_offset, source_interval):
            _add_unit(batch, cropper, codec, frames, a, person_a, targets)
            pairs += len(targets)
            if len(batch) >= batch_size:
                flush(batch)
                batch = _Batch()
        flush(batch)
    data = {k: np.concatenate(v) if v else np.zeros(0) for k, v in rows.items()}

    def table(mask: np.ndarray) -> dict:
        return {m: _summary(data[m][mask], data[f'{m}/error'][mask] <= data['head'][mask],
                            data[f'{m}/error'][mask]) for m in METHODS}

    by_offset = {str(d): table(data['delta'] == d) for d in range(1, max_offset + 1)}
    by_motion = {(f'{lo:g}-{hi:g}' if hi != float('inf') else f'>={lo:g}'):
                 table((data['motion'] >= lo) & (data['motion'] < hi)) for lo, hi in MOTION_BINS}
    return dict(by_offset=by_offset, by_motion=by_motion, cell_px=cell, pairs=pairs,
                median_motion_cells={str(d): float(np.median(data['motion'][data['delta'] == d]))
                                     for d in range(1, max_offset + 1)
                                     if (data['delta'] == d).any()})


#: the methods of the demo's warp-recovery table (copy recovers nothing by definition)
HEADLINE_METHODS = ('single-frame', 'stage-1 shift', 'posewarper', 'posewarper (oracle cue)')


def recovery_rows(result: dict, methods: Sequence[str] = HEADLINE_METHODS
                  ) -> Dict[str, Dict[str, float]]:
    """The headline of :func:`measure_warp_recovery` as the demo's tables are shaped: per
    method, ``recovered |δ|=d`` and ``PCK |δ|=d`` for each offset (``None`` where no joint
    was measured), so that ``posewarper_demo.seeds.summarise_seeds`` averages seeds."""
    rows = {}
    for method in methods:
        row = {}
        for delta, entry in result['by_offset'].items():
            stats = entry[method]
            row[f'recovered |δ|={delta}'] = stats.get('recovered')
            row[f'PCK |δ|={delta}'] = stats.get('pck')
        rows[method] = row
    return rows


def format_recovery(result: dict, methods: Sequence[str] = METHODS) -> str:
    """Markdown tables of :func:`measure_warp_recovery`'s result: motion recovered (median) and
    PCK per ``|δ|`` and per motion size."""
    lines = []
    for key, title in (('by_offset', '|δ|'), ('by_motion', 'motion (cells)')):
        lines += [f'| {title} | joints | ' + ' | '.join(methods) + ' |',
                  '|---|---:|' + '---:|' * len(methods)]
        for label, row in result[key].items():
            n = row[methods[0]]['joints']
            cells = [f"{row[m]['recovered']:.2f} / {row[m]['pck']:.2f}" if n else '–'
                     for m in methods]
            lines.append(f'| {label} | {n} | ' + ' | '.join(cells) + ' |')
        lines.append('')
    lines.append('Each cell: median fraction of the motion recovered / PCK (PoseTrack head '
                 'threshold).')
    return '\n'.join(lines)
