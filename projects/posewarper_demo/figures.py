"""The demo's figures: bar plots of the tables, a side-by-side pose video, offsets vs flow.

Matplotlib (Agg, no display) draws the plots; OpenCV draws the poses with the generated
skeleton; Pillow writes the animated GIF (no ffmpeg needed).
"""
import os.path as osp
import sys
from collections import defaultdict
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np
from mmengine.utils import ProgressBar

from posewarper.evaluation.functional import AP_KEYS
from posewarper.propagation import FarnebackPropagator
from posewarper_synthetic import SKELETON

# BGR colours of the three panels of the pose video
PANEL_COLOURS = dict(GT=(60, 200, 60), Farneback=(40, 160, 255), PoseWarper=(255, 120, 40))


def _pyplot():
    import matplotlib
    matplotlib.use('Agg')  # files only: works without a display
    import matplotlib.pyplot as plt
    return plt


def plot_tables(tables: Dict[str, Dict[str, Dict[str, float]]], out: str) -> str:
    """One grouped bar chart per table (rows: methods, bars: the PoseTrack AP keys).

    Args:
        tables (dict): ``{table title: {row name: {AP key: value}}}``; empty tables are skipped.
        out (str): PNG path.

    Returns:
        str: ``out``.
    """
    plt = _pyplot()
    tables = {title: rows for title, rows in tables.items() if rows}
    fig, axes = plt.subplots(len(tables), 1, figsize=(10, 3.2 * len(tables)), squeeze=False)
    for ax, (title, rows) in zip(axes[:, 0], tables.items()):
        width = 0.8 / len(rows)
        x = np.arange(len(AP_KEYS))
        for i, (row, values) in enumerate(rows.items()):
            heights = [np.nan_to_num(values.get(key, np.nan)) for key in AP_KEYS]
            ax.bar(x + (i - (len(rows) - 1) / 2) * width, heights, width, label=row)
        ax.set_xticks(x)
        ax.set_xticklabels(AP_KEYS)
        ax.set_ylabel('AP (%)')
        ax.set_ylim(0, 100)
        ax.set_title(title)
        ax.legend(fontsize=8, ncol=min(len(rows), 5), loc='upper left')
        ax.grid(axis='y', alpha=0.3)
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    plt.close(fig)
    return out


def _poses_by_image(doc: dict) -> Dict[int, List[np.ndarray]]:
    """``image id -> [(K, 3) keypoints]`` of a PoseTrack18 document."""
    out = defaultdict(list)
    for ann in doc['annotations']:
        out[ann['image_id']].append(np.asarray(ann['keypoints'], dtype=np.float64).reshape(-1, 3))
    return out


def draw_pose(img: np.ndarray, keypoints: np.ndarray, colour: Tuple[int, int, int],
              scale: float = 1.0) -> None:
    """Draw one ``(K, 3)`` PoseTrack pose (joints with ``x, y, v`` all 0 are absent) in place."""
    exists = (keypoints != 0).any(1)
    pts = keypoints[:, :2] * scale
    for a, b in SKELETON:  # 1-based COCO links
        if exists[a - 1] and exists[b - 1]:
            cv2.line(img, tuple(int(round(v)) for v in pts[a - 1]),
                     tuple(int(round(v)) for v in pts[b - 1]), colour, 2, cv2.LINE_AA)
    for j in np.flatnonzero(exists):
        cv2.circle(img, tuple(int(round(v)) for v in pts[j]), 3, colour, -1, cv2.LINE_AA)


def pose_video(data_root: str, docs: Dict[str, dict], out: str, video: Optional[str] = None,
               scale: float = 2.0, fps: float = 5.0) -> str:
    """An animated GIF of one test video: one panel per document (e.g. GT, Farneback,
    PoseWarper), side by side, the labelled frames marked.

    Args:
        data_root (str): Root of the frames (``file_name`` s are relative to it).
        docs (dict[str, dict]): Panel title -> PoseTrack18 document (GT or propagation output).
        out (str): GIF path.
        video (str, optional): Video folder (``images/val/<name>``); default the first one.
        scale (float): Upscaling of the frames, for legible skeletons.
        fps (float): Frames per second.

    Returns:
        str: ``out``.
    """
    from PIL import Image
    first = next(iter(docs.values()))
    folders = [osp.dirname(img['file_name']) for img in first['images']]
    video = video or folders[0]
    images = sorted((img for img in first['images'] if osp.dirname(img['file_name']) == video),
                    key=lambda img: img['file_name'])
    poses = {title: _poses_by_image(doc) for title, doc in docs.items()}
    # labelled frames: where a propagation output keeps the ground truth (no pseudo-label)
    pseudo = {a['image_id'] for doc in docs.values() for a in doc['annotations']
              if a.get('is_pseudo')}
    frames = []
    bar = ProgressBar(len(images), file=sys.stderr)
    for img in images:
        frame = cv2.imread(osp.join(data_root, img['file_name']), cv2.IMREAD_COLOR)
        frame = cv2.resize(frame, None, fx=scale, fy=scale, interpolation=cv2.INTER_LINEAR)
        panels = []
        for title in docs:
            panel = frame.copy()
            for kpts in poses[title].get(img['id'], []):
                draw_pose(panel, kpts, PANEL_COLOURS.get(title, (255, 255, 255)), scale)
            label = title if img['id'] in pseudo or title == 'GT' else f'{title} (labelled)'
            cv2.putText(panel, label, (6, 18), cv2.FONT_HERSHEY_SIMPLEX, 0.55, (255, 255, 255),
                        2, cv2.LINE_AA)
            panels.append(panel)
        strip = np.concatenate(panels, axis=1)
        cv2.putText(strip, osp.basename(img['file_name']), (6, strip.shape[0] - 8),
                    cv2.FONT_HERSHEY_SIMPLEX, 0.5, (255, 255, 255), 1, cv2.LINE_AA)
        frames.append(Image.fromarray(cv2.cvtColor(strip, cv2.COLOR_BGR2RGB)))
        bar.update()
    sys.stderr.write('\n')
    frames[0].save(out, save_all=True, append_images=frames[1:], duration=int(1000 / fps),
                   loop=0)
    return out


def centre_tap_offsets(head, f_ref, f_sup) -> np.ndarray:
    """Mean displacement of the centre tap of every offset field, per deformable group.

    The offsets of ``head.predict_offsets(f_ref, f_sup)`` (one field per dilation) have
    ``2·G·k·k`` channels: per group, per kernel tap, ``(dy, dx)``. The centre tap's offset is
    where the deformable conv samples the source around each output pixel, i.e. the learned
    motion; it is averaged over the dilations (one offset field per dilation).

    Args:
        head (PoseWarperHead): The trained head.
        f_ref (Tensor): ``(1, K, h, w)`` heatmaps of the frame warped to (Frame B).
        f_sup (Tensor): ``(1, K, h, w)`` heatmaps of the frame warped from (Frame A).

    Returns:
        np.ndarray: ``(G, 2, h, w)`` displacements ``(dx, dy)`` in heatmap pixels.
    """
    import torch
    with torch.no_grad():
        fields = []
        for off in head.predict_offsets(f_ref, f_sup):
            off = off[0]
            taps = off.shape[0] // 2
            groups = taps // 9 if taps % 9 == 0 else 1
            k2 = taps // groups
            off = off.view(groups, k2, 2, *off.shape[-2:])[:, k2 // 2]  # (G, (dy, dx), h, w)
            fields.append(off.flip(1))  # -> (dx, dy)
        return torch.stack(fields).mean(0).cpu().numpy()


def offsets_vs_flow(model, frame_a: np.ndarray, frame_b: np.ndarray, bbox: np.ndarray,
                    keypoints_a: np.ndarray, keypoints_b: np.ndarray, out: str,
                    joint: Optional[int] = None,
                    joint_names: Optional[Sequence[str]] = None,
                    valid: Optional[np.ndarray] = None) -> dict:
    """Paper Fig. 5 in miniature: PoseWarper's offsets for one joint next to Farneback flow.

    Frames A (labelled) and B are cropped with A's person box as propagation does; the offsets
    come from ``f_B - f_A`` (the direction of ``head.warp(ref=f_B, sup=f_A)``, which samples A's
    heatmap at ``p + offset`` for each pixel ``p`` of B), so they are compared with the
    Farneback flow from B to A on the same crops (``B(p) ≈ A(p + flow)``), both in crop pixels.

    Args:
        model (PoseWarper): Trained stage-2 model in eval mode (with ``cfg``).
        frame_a (np.ndarray): Frame A, BGR.
        frame_b (np.ndarray): Frame B, BGR.
        bbox (np.ndarray): Person box ``x1, y1, x2, y2`` in Frame A.
        keypoints_a (np.ndarray): ``(K, 2)`` joints in Frame A (image pixels).
        keypoints_b (np.ndarray): ``(K, 2)`` joints in Frame B (for the choice of joint).
        out (str): PNG path.
        joint (int, optional): Joint channel to show; default the joint that moves most.
        joint_names (Sequence[str], optional): Names for the title.
        valid (np.ndarray, optional): ``(K, )`` joints annotated in both frames (the default
            joint is chosen among them).

    Returns:
        dict: ``joint``, and the offset and flow vectors (crop pixels) averaged over the
        3×3 heatmap cells around the joint in B, with their end-point difference.
    """
    import torch

    from posewarper.apis.inference import crop_heatmaps, images_to_inputs
    from posewarper.propagation.crop import TopdownCropper
    cropper = TopdownCropper.from_config(model.cfg)
    res = cropper([frame_a, frame_b], bbox, np.vstack([keypoints_a, keypoints_b]),
                  np.ones(2 * len(keypoints_a), dtype=np.float32))
    crop_a, crop_b = res['img']
    num_k = len(keypoints_a)
    kp_crop = res['transformed_keypoints'][0]
    kp_a, kp_b = kp_crop[:num_k], kp_crop[num_k:]
    if joint is None:
        # the joint that moves most among those annotated in both frames and inside the crop
        size = np.array(crop_a.shape[1::-1])
        inside = ((kp_a >= 0) & (kp_a < size) & (kp_b >= 0) & (kp_b < size)).all(1)
        ok = inside if valid is None else inside & np.asarray(valid, dtype=bool)
        motion = np.where(ok, np.linalg.norm(kp_b - kp_a, axis=1), -1.0)
        joint = int(np.argmax(motion))
    with torch.no_grad():
        heatmaps = crop_heatmaps(model, images_to_inputs(model, [crop_a, crop_b]))[:, 0]
    offsets = centre_tap_offsets(model.head, heatmaps[1:2], heatmaps[0:1])
    group = joint if offsets.shape[0] > joint else 0
    h, w = offsets.shape[-2:]
    stride = crop_a.shape[1] / w
    offset_field = offsets[group] * stride  # (2, h, w) crop pixels

    flow = FarnebackPropagator().flow(crop_b, crop_a)  # the Table 1 baseline's flow
    flow_field = cv2.resize(flow, (w, h), interpolation=cv2.INTER_AREA).transpose(2, 0, 1)

    cx, cy = (np.clip(np.round(kp_b[joint] / stride), 0, [w - 1, h - 1])).astype(int)
    win = (slice(max(cy - 1, 0), cy + 2), slice(max(cx - 1, 0), cx + 2))
    off_vec = offset_field[(slice(None), ) + win].reshape(2, -1).mean(1)
    flow_vec = flow_field[(slice(None), ) + win].reshape(2, -1).mean(1)

    plt = _pyplot()
    ys, xs = (np.mgrid[0:h, 0:w] + 0.5) * stride
    fig, axes = plt.subplots(1, 4, figsize=(13, 4.4))
    name = joint_names[joint] if joint_names else f'joint {joint}'
    for ax, crop, kp, title in ((axes[0], crop_a, kp_a, 'Frame A (labelled)'),
                                (axes[1], crop_b, kp_b, 'Frame B')):
        ax.imshow(cv2.cvtColor(crop, cv2.COLOR_BGR2RGB))
        ax.plot(*kp[joint], 'o', color='yellow', ms=7, mec='k')
        ax.set_title(f'{title}: {name}')
    for ax, field, title in ((axes[2], offset_field, 'PoseWarper offsets (centre tap)'),
                             (axes[3], flow_field, 'Farneback flow B→A')):
        ax.imshow(cv2.cvtColor(crop_b, cv2.COLOR_BGR2RGB), alpha=0.5)
        mag = np.linalg.norm(field, axis=0)
        ax.imshow(mag, extent=(0, crop_b.shape[1], crop_b.shape[0], 0), cmap='magma', alpha=0.5)
        ax.quiver(xs, ys, field[0], field[1], color='cyan', angles='xy', scale_units='xy',
                  scale=1, width=0.004)
        ax.plot(*kp_b[joint], 'o', color='yellow', ms=7, mec='k')
        ax.set_title(title, fontsize=10)
    for ax in axes:
        ax.set_xlim(0, crop_b.shape[1])
        ax.set_ylim(crop_b.shape[0], 0)
        ax.axis('off')
    fig.suptitle(f'{name}: offset at the joint ({off_vec[0]:+.1f}, {off_vec[1]:+.1f}) px, '
                 f'Farneback ({flow_vec[0]:+.1f}, {flow_vec[1]:+.1f}) px, '
                 f'true A−B ({(kp_a - kp_b)[joint][0]:+.1f}, {(kp_a - kp_b)[joint][1]:+.1f}) px')
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    plt.close(fig)
    true = kp_a[joint] - kp_b[joint]
    return dict(joint=joint, joint_name=name, offset=_rounded(off_vec), flow=_rounded(flow_vec),
                true=_rounded(true),
                difference=round(float(np.linalg.norm(off_vec - flow_vec)), 2))


def _rounded(vector: np.ndarray) -> List[float]:
    """Plain floats to 0.01 px (json-friendly)."""
    return [round(float(x), 2) for x in vector]


#: the x axes of :func:`plot_margin_curve`: ``seed_margins`` key -> axis label
CURVE_AXES = {
    'cue_recovery': 'motion recovered by the warp at the largest |δ| with its cue (median; '
                    'mean ± sd over seeds)',
    'stage1_ap': 'stage-1 single-frame test AP (mean ± sd over seeds)',
}


def plot_margin_curve(points: Dict[str, dict], out: str, x: str = 'cue_recovery') -> str:
    """The paper's margins against the quality of the motion cue, one point per demo run.

    Args:
        points (dict): Run label -> :func:`~posewarper_demo.seeds.seed_margins` of its results
            (an oracle-cue point has only the propagation margins).
        out (str): PNG path.
        x (str): The quantity on the x axis, a key of :data:`CURVE_AXES`.

    Returns:
        str: ``out``.
    """
    plt = _pyplot()
    names = list(dict.fromkeys(n for p in points.values() for n in p if n not in CURVE_AXES))
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for name in names:
        runs = [(p[x], p[name]) for p in points.values() if name in p]
        runs.sort(key=lambda r: r[0]['mean'])
        ax.errorbar([u['mean'] for u, _ in runs], [v['mean'] for _, v in runs],
                    xerr=[u['sd'] for u, _ in runs], yerr=[v['sd'] for _, v in runs],
                    marker='o', capsize=3, label=name)
    for label, p in points.items():
        ax.annotate(label, (p[x]['mean'], 0), textcoords='offset points',
                    xytext=(0, -14), ha='center', fontsize=7, color='grey')
    ax.axhline(0, color='black', lw=0.8)
    ax.set_xlabel(CURVE_AXES[x])
    ax.set_ylabel('margin, Total AP (mean ± sd)')
    ax.set_title('Demo: the paper\'s margins against the quality of the motion cue')
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    plt.close(fig)
    return out
