"""Frames per second of the inference entry points: single frame vs the ±2 window.

Not a test. Runs the two inferencers behind the three entry points on the same frames, with the
whole frame as the person box (one person per frame) and random weights:

- ``MMPoseInferencer`` (``posewarper.apis``; what ``tools/inferencer_demo.py`` runs), and
- ``PoseWarperInferencer`` (what ``tools/infer.py`` runs),

each with ``temporal_window=0`` (single frame: the backbone and the reference frame's
zero-difference warp) and ``temporal_window=2`` (the official window: 4 more warps per frame).
The runs alternate (entry point × window), ``--repeats`` times, so that machine noise hits all
alike; reported per run are frames/s by the wall clock and by the process's CPU time (which
other jobs on a shared machine do not inflate), medians over the repeats, and the time to
build each inferencer (what a command line adds once).

The model: the W48 config of ``configs/posewarper`` (384×288), or with ``--quick`` the tiny one
of ``configs/tiny`` (128×96). The frames: ``--video`` (a video file or a folder of frames;
default the PoseTrack18 sample clip next to the repository, else a generated one).

Usage: python benchmarks/inference_fps.py [--quick] [--video PATH] [--frames N] [--repeats R]
    [--threads T] [--json OUT]
"""
import argparse
import json
import os.path as osp
import statistics
import sys
import tempfile
import time
from typing import Dict, List, Optional

import numpy as np
import torch

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
W48_CFG = osp.join(REPO_ROOT, 'configs', 'posewarper',
                   'posewarper_hrnet-w48_8xb8-20e_posetrack18-384x288.py')
TINY_CFG = osp.join(REPO_ROOT, 'configs', 'tiny',
                    'posewarper_hrnet-tiny_1xb8-4e_synthetic-128x96.py')
SAMPLE_CLIP = osp.join(osp.dirname(REPO_ROOT), 'shared', 'data', 'posetrack18-mini', 'videos',
                       '000001_mpiinew_test')


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--quick', action='store_true', help='the tiny config')
    parser.add_argument('--video', help='video file or folder of frames')
    parser.add_argument('--frames', type=int, default=5, help='frames of the video used')
    parser.add_argument('--repeats', type=int, default=3, help='runs of each entry and window')
    parser.add_argument('--threads', type=int, default=1, help='torch CPU threads')
    parser.add_argument('--json', help='write the results here')
    args = parser.parse_args(argv)
    if args.frames < 1 or args.repeats < 1 or args.threads < 1:
        parser.error('--frames, --repeats and --threads must be >= 1')
    return args


def read_frames(video: Optional[str], count: int) -> List[np.ndarray]:
    """``count`` BGR frames of ``video``, of the sample clip, or of a generated video."""
    from posewarper.apis.inferencers.frame_sources import open_frame_source
    if video is None and osp.isdir(SAMPLE_CLIP):
        video = SAMPLE_CLIP
    if video is None:
        from posewarper_synthetic import make_synthetic_posetrack
        root = tempfile.mkdtemp()
        info = make_synthetic_posetrack(root, videos=1, frames=count, splits='val',
                                        people_min=1, people_max=1)['val']
        video = osp.join(info['img_dir'], info['video_names'][0])
    frames = [img for img, _ in open_frame_source(video).frames][:count]
    if len(frames) < count:
        raise ValueError(f'{video} has {len(frames)} frames, --frames asks for {count}')
    return frames


def measure(args: argparse.Namespace) -> Dict:
    torch.set_num_threads(args.threads)
    from posewarper.apis import MMPoseInferencer, PoseWarperInferencer
    config = TINY_CFG if args.quick else W48_CFG
    frames = read_frames(args.video, args.frames)
    build_s, entries = {}, {}
    for name, build in (
            ('MMPoseInferencer', lambda: MMPoseInferencer(
                pose2d=config, det_model='whole_image', device='cpu')),
            ('PoseWarperInferencer', lambda: PoseWarperInferencer(
                config, det_model='whole_image', device='cpu'))):
        torch.manual_seed(0)
        start = time.perf_counter()
        entries[name] = build()
        build_s[name] = time.perf_counter() - start
    runs: Dict[str, Dict[int, List[tuple]]] = {n: {0: [], 2: []} for n in entries}
    for _ in range(args.repeats):
        for name, inferencer in entries.items():
            for window in (0, 2):
                wall, cpu = time.perf_counter(), time.process_time()
                results = list(inferencer(frames, temporal_window=window))
                runs[name][window].append((time.perf_counter() - wall,
                                           time.process_time() - cpu))
                assert len(results) == len(frames)
    out = dict(config=osp.relpath(config, REPO_ROOT), frames=len(frames),
               frame_size=list(frames[0].shape[1::-1]), threads=args.threads,
               repeats=args.repeats, build_s=build_s, fps={})
    for name, by_window in runs.items():
        out['fps'][name] = {
            f'window_{w}': dict(
                wall=len(frames) / statistics.median(t[0] for t in times),
                cpu=len(frames) / statistics.median(t[1] for t in times))
            for w, times in by_window.items()
        }
    return out


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    out = measure(args)
    print(f"{out['config']}, {out['frames']} frames of {out['frame_size']}, "
          f"{out['threads']} thread(s), median of {out['repeats']}")
    print('| entry point | window 0 (frames/s, wall / CPU) | ±2 | ±2 over 0 (CPU) | build (s) |')
    print('|---|---|---|---|---|')
    for name, fps in out['fps'].items():
        w0, w2 = fps['window_0'], fps['window_2']
        print(f"| {name} | {w0['wall']:.3g} / {w0['cpu']:.3g} | {w2['wall']:.3g} / "
              f"{w2['cpu']:.3g} | {w2['cpu'] / w0['cpu']:.2f} | {out['build_s'][name]:.1f} |")
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(out, f, indent=2)
    return 0


if __name__ == '__main__':
    sys.exit(main())
