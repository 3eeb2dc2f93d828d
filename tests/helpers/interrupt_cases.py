"""The writing tools as cases for the interrupt tests (``tests/test_tools/test_interrupts.py``):
small generated inputs, the command line of an "old" and a "new" run (so that the previous
output and the new one differ), and the outputs to compare.
"""
import json
import os
from pathlib import Path
from typing import Callable, Dict, List, NamedTuple, Optional, Tuple

import torch

from tests.helpers.posetrack_docs import copy_with_scores, joints_at, person, video
from tests.helpers.propagation import make_dataset
from tests.helpers.tiny_posewarper import TINY_POSEWARPER_CFG, save_tiny_posewarper

#: A folder's files: relative path -> content.
Snapshot = Dict[str, bytes]


class Case(NamedTuple):
    """A writing tool and how to run it.

    Attributes:
        tool (str): ``tools/<tool>.py``.
        argv (callable): ``(inputs, out, variant)`` -> the command line writing into the
            folder ``out``; ``variant`` ``'old'`` or ``'new'`` give different outputs.
        units (callable): ``(paths)`` -> the outputs each committed as one piece (a file, or a
            folder as a whole), relative to ``out``; given every path of the old and new output.
        cache (str): A folder under ``out`` a stopped run may leave for its rerun to resume
            from (its files complete), or empty.
        folders_as_it_goes (bool): The tool creates the folders of its layout as it goes
            (``make_synthetic_posetrack.py`` the parents of its split folders, ``infer.py`` its
            ``--pred-out-dir`` and ``--vis-out-dir``): a stopped run may leave some of them
            empty.
        one_set (bool): The units are committed together: after SIGINT or SIGTERM they are
            all the old ones or all the new ones.
    """
    tool: str
    argv: Callable[[Path, Path, str], List[str]]
    units: Callable[[List[str]], List[str]]
    cache: str = ''
    folders_as_it_goes: bool = False
    one_set: bool = False


def _top_level(paths: List[str]) -> List[str]:
    return sorted({p.split('/')[0] for p in paths})


def _split_folders(paths: List[str]) -> List[str]:
    # a generated split: images/<split>/ and annotations/<split>/ as wholes, and the merged json
    return sorted({'/'.join(p.split('/')[:2]) for p in paths if p.count('/') >= 2}
                  | {p for p in paths if p.count('/') == 1 and p.endswith('.json')})


def _every_file(paths: List[str]) -> List[str]:
    return sorted(paths)


def make_inputs(root: Path) -> Path:
    """Write the inputs of every case under ``root``."""
    gt = video([[person(joints_at(0)), person(joints_at(0, 500), track_id=1)],
                [person(joints_at(10))]])
    preds = {'pred_new': copy_with_scores(gt), 'pred_old': copy_with_scores(gt)}
    preds['pred_old']['annotations'].pop()  # one person missed: another AP
    for name, doc in dict(gt=gt, **preds).items():
        (root / name).mkdir(parents=True)
        (root / name / 'v.json').write_text(json.dumps(doc))
    make_dataset(root / 'data', videos=1, frames=6, width=64, height=48)
    save_tiny_posewarper(root / 'pw.pth')
    torch.manual_seed(0)
    for variant in ('old', 'new'):
        state = {'backbone.conv.weight': torch.randn(4, 3, 3, 3),
                 'neck.offset_feats.weight': torch.randn(4, 4),
                 'keypoint_head.final_layer.weight': torch.randn(2, 4)}
        torch.save(dict(state_dict=state, meta=dict(epoch=3, iter=30, seed=7),
                        optimizer=dict(state={}, param_groups=[dict(lr=0.1)])),
                   root / f'{variant}.pth')
    return root


def _eval(inputs: Path, out: Path, variant: str) -> List[str]:
    return ['--gt-dir', inputs / 'gt', '--pred-dir', inputs / f'pred_{variant}',
            '--out', out / 'ap.json']


def _propagate(inputs: Path, out: Path, variant: str) -> List[str]:
    return ['--ann-file', inputs / 'data' / 'annotations' / 'posetrack18_val.json',
            '--method', 'copy', '--label-interval', '3', '--no-progress',
            '--max-offset', '1' if variant == 'old' else '2',
            '--out', out / 'p.json', '--per-video-dir', out / 'per_video']


def _synthetic(inputs: Path, out: Path, variant: str) -> List[str]:
    return ['--out', out, '--videos', '1' if variant == 'old' else '2', '--frames', '3',
            '--width', '48', '--height', '48', '--split', 'val',
            '--seed', '1' if variant == 'old' else '0']


def _convert(inputs: Path, out: Path, variant: str) -> List[str]:
    return [inputs / f'{variant}.pth', out / 'converted.pth']


def _publish(inputs: Path, out: Path, variant: str) -> List[str]:
    # the commit is given: a commit by someone else between two runs must not change the bytes
    return [inputs / 'new.pth', out / 'published.pth', '--info', 'commit=test'] + (
        ['--fp16'] if variant == 'old' else [])


CASES: Dict[str, Case] = {
    'eval_posetrack': Case('eval_posetrack', _eval, _top_level),
    'propagate': Case('propagate', _propagate, _top_level, cache='p.json.parts', one_set=True),
    'make_synthetic_posetrack': Case('make_synthetic_posetrack', _synthetic, _split_folders,
                                     folders_as_it_goes=True, one_set=True),
    'convert_mmpose0x': Case('convert_mmpose0x', _convert, _top_level),
    'publish_checkpoint': Case('publish_checkpoint', _publish, _top_level, one_set=True),
}


def _infer(inputs: Path, out: Path, variant: str) -> List[str]:
    return [inputs / 'data' / 'images' / 'val' / '000001_synth', '--pose2d', TINY_POSEWARPER_CFG,
            '--pose2d-weights', inputs / 'pw.pth', '--det-model', 'whole_image',
            '--device', 'cpu', '--temporal-window', '0' if variant == 'old' else '1',
            '--pred-out-dir', out / 'preds', '--vis-out-dir', out / 'vis']


#: Cases that build and run a model (seconds per run): in the slow tests only.
SLOW_CASES: Dict[str, Case] = {
    name: Case(name, _infer, _every_file, folders_as_it_goes=True)
    for name in ('infer', 'inferencer_demo')
}
ALL_CASES = dict(CASES, **SLOW_CASES)


def snapshot(folder: Path) -> Snapshot:
    """Every file under ``folder`` and its bytes (empty folders as ``path/``)."""
    files = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        rel = os.path.relpath(dirpath, folder)
        for name in filenames:
            path = os.path.normpath(os.path.join(rel, name))
            with open(os.path.join(dirpath, name), 'rb') as f:
                files[path] = f.read()
        if not dirnames and not filenames and rel != '.':
            files[rel + '/'] = b''
    return files


def write_snapshot(folder: Path, files: Snapshot) -> None:
    for path, data in files.items():
        target = folder / path
        if path.endswith('/'):
            target.mkdir(parents=True, exist_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def unit_state(files: Snapshot, unit: str) -> Optional[Tuple]:
    """The content of one output (None: absent)."""
    inside = tuple(sorted((p, d) for p, d in files.items()
                          if p == unit or p.startswith(unit + '/')))
    return inside or None


def is_temporary(path: str) -> bool:
    """A name of the tools' temporary files and staging folders (``.<name>.<random>.tmp*``)."""
    return any(part.startswith('.') and '.tmp' in part for part in path.split('/'))


def check_stopped_state(case: Case, after: Snapshot, old: Optional[Snapshot], new: Snapshot,
                        killed: bool) -> None:
    """After a stopped run: each output is the old one (or absent if there was none) or the
    new one, never anything else; temporary files only after SIGKILL; the cache complete.

    Args:
        case (Case): The tool.
        after (Snapshot): The output folder after the stopped run.
        old (Snapshot, optional): The output folder before it (None: there was none).
        new (Snapshot): The output folder of an uninterrupted run.
        killed (bool): Whether it was SIGKILL (temporary files may remain).
    """
    old = old or {}
    paths = [p for p in after if not is_temporary(p)
             and not (case.cache and (p == case.cache or p.startswith(case.cache + '/')))
             and not (case.folders_as_it_goes and p.endswith('/'))]
    units = case.units(list(old) + list(new) + paths)
    for unit in units:
        state = unit_state(after, unit)
        assert state in (unit_state(old, unit), unit_state(new, unit)), \
            f'{case.tool}: {unit} is neither the previous output nor the new one'
    if case.one_set and not killed:
        whole = [all(unit_state(after, u) == unit_state(ref, u) for u in units)
                 for ref in (old, new)]
        assert any(whole), f'{case.tool}: the outputs {units} mix the previous set and the new'
    stray = [p for p in paths if not any(p == u or p.startswith(u + '/') for u in units)]
    assert not stray, f'{case.tool}: unexpected files {stray}'
    leftovers = [p for p in after if is_temporary(p)]
    assert killed or not leftovers, f'{case.tool}: temporary files left: {leftovers}'
    for path, data in after.items():
        if case.cache and path.startswith(case.cache + '/') and not is_temporary(path):
            if path == case.cache + '/':
                assert killed, f'{case.tool}: an empty {case.cache} was left'
            else:
                json.loads(data)  # a cached part is complete json
