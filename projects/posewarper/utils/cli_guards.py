"""Guards at the boundary of every tool: outputs apart from inputs, locked while written, and a
device that exists.

Each writing tool lists what it reads and what it writes and enters :func:`guard_outputs` before
any work; so the rules live here once, not in each tool:

- every output is resolved (symbolic links, ``..``, hard links) and refused with one line if it
  is one of the inputs, lies inside an input folder (by its path, or as a hard link to a file
  there), or (a folder replaced as a whole) holds an
  input; two outputs may not be one file, nor one lie inside a folder replaced as a whole;
- every output must be writable (:func:`~posewarper.fileio.check_output_path`);
- every output is locked for the run (:mod:`posewarper.fileio.output_lock`): a second run
  writing it is refused with one line, never left to race on the temporary files;
- once locked, the temporary files a killed run (SIGKILL) left next to an output are removed
  (:func:`~posewarper.fileio.remove_stale_temp_files`), so that no tool leaves them for good.
"""
import contextlib
import os
import os.path as osp
from typing import Iterator, List, NamedTuple, Optional, Sequence

from ..fileio import check_output_path, remove_stale_temp_files
from ..fileio.output_lock import OutputLocks


class Output(NamedTuple):
    """An output of a tool.

    Attributes:
        path (str): The file or folder.
        what (str): How the user named it (``--out``), for messages.
        folder (bool): A folder the tool writes files into.
        replaced (bool): A folder replaced as a whole (its old content goes), so it may not
            hold any input either.
    """
    path: str
    what: str
    folder: bool = False
    replaced: bool = False


class Input(NamedTuple):
    """An input of a tool: a file or a folder (e.g. ``--gt-dir``, the video being read).

    Attributes:
        path (str): The file or folder.
        what (str): How the user named it (``--ann-file``), for messages.
        file (bool): It must be a file: :func:`guard_outputs` refuses a folder in one line
            before any work (its reader reported a folder as "not found").
    """
    path: str
    what: str
    file: bool = False


def check_input_files(inputs: Sequence[Input]) -> None:
    """Refuse an input that must be a file (``Input.file``) but is a folder. A missing one is
    left to the tool's reader, which names it in its own words (``annotation file not
    found``).

    Raises:
        ValueError: One line naming the option and the path.
    """
    for inp in inputs:
        if inp.file and inp.path and '://' not in inp.path and osp.isdir(inp.path):
            raise ValueError(f'{inp.what} {inp.path} is a folder, not a file')


def _inside(path: str, folder: str) -> bool:
    return path != folder and path.startswith(folder.rstrip(os.sep) + os.sep)


def _same_file(a: str, b: str) -> bool:
    try:
        return osp.samefile(a, b)  # also hard links and bind mounts
    except OSError:
        return False


def _linked_inside(path: str, folder: str) -> Optional[str]:
    """The file of ``folder`` (at any depth) that ``path`` is a hard link to, if any: the path
    test of :func:`_inside` cannot see it, and writing in place there changes the input."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    if st.st_nlink < 2 or not osp.isfile(path):
        return None
    for root, _, files in os.walk(folder):
        for name in files:
            other = osp.join(root, name)
            try:
                o = os.stat(other)
            except OSError:
                continue
            if (o.st_dev, o.st_ino) == (st.st_dev, st.st_ino):
                return other
    return None


def check_outputs_apart(outputs: Sequence[Output], inputs: Sequence[Input]) -> None:
    """Refuse an output that would write over, into or around an input, or another output.

    Args:
        outputs (Sequence[Output]): What the tool writes.
        inputs (Sequence[Input]): What it reads; empty paths are skipped.

    Raises:
        ValueError: One line naming the output and the input.
    """
    for out in outputs:
        out_path = osp.realpath(out.path)
        for inp in inputs:
            if not inp.path or '://' in inp.path:
                continue
            in_path = osp.realpath(inp.path)
            if out_path == in_path or _same_file(out_path, in_path):
                raise ValueError(f'{out.what} {out.path} is the {inp.what} {inp.path}: a tool '
                                 'never writes over its input; choose another output')
            if osp.isdir(in_path) and _inside(out_path, in_path):
                raise ValueError(f'{out.what} {out.path} lies inside the {inp.what} {inp.path}: '
                                 'an output there would change the input; choose another '
                                 'output')
            linked = _linked_inside(out_path, in_path) if osp.isdir(in_path) else None
            if linked:
                raise ValueError(f'{out.what} {out.path} is a hard link to {linked} in the '
                                 f'{inp.what} {inp.path}: a tool never writes over its input; '
                                 'choose another output')
            if out.replaced and _inside(in_path, out_path):
                raise ValueError(f'{out.what} {out.path} holds the {inp.what} {inp.path} and is '
                                 'replaced as a whole; choose another output')
    for i, out in enumerate(outputs):  # and apart from each other
        out_path = osp.realpath(out.path)
        for other in outputs[i + 1:]:
            other_path = osp.realpath(other.path)
            if out_path == other_path and not (out.folder and other.folder
                                               and not out.replaced and not other.replaced):
                raise ValueError(f'{out.what} {out.path} is also the {other.what}: give each '
                                 'output its own path')
            for a, b, b_path, a_path in ((out, other, other_path, out_path),
                                         (other, out, out_path, other_path)):
                if b.replaced and _inside(a_path, b_path):
                    raise ValueError(f'{a.what} {a.path} lies inside the {b.what} {b.path}, '
                                     'which is replaced as a whole; choose another output')


@contextlib.contextmanager
def guard_outputs(outputs: Sequence[Output], inputs: Sequence[Input] = (),
                  lock: bool = True) -> Iterator[None]:
    """Check the outputs (writable, apart from the inputs), then hold their locks in the block
    (having removed the temporary files killed runs left next to them).

    Args:
        outputs (Sequence[Output]): What the tool writes; empty paths are skipped.
        inputs (Sequence[Input]): What it reads.
        lock (bool): Lock the outputs. The processes of one distributed run write one work
            dir together: only its first rank locks it (the others would be refused as a
            second writer).

    Raises:
        ValueError: If an input file is a folder (:func:`check_input_files`), or an output
            cannot be written or meets an input.
        OSError: If another run holds an output's lock
            (:class:`~posewarper.fileio.output_lock.OutputBusyError`).
    """
    check_input_files(inputs)
    outputs = [o for o in outputs if o.path]
    for out in outputs:
        check_output_path(out.path, out.what, folder=out.folder)
    check_outputs_apart(outputs, inputs)
    if not lock:
        yield
        return
    with OutputLocks([(o.path, o.what) for o in outputs]):
        for out in outputs:  # held by us now: no other run is writing these
            path = osp.abspath(out.path)
            remove_stale_temp_files(osp.dirname(path), osp.basename(path))
        yield


def inference_outputs(source: str, pred_out_dir: str, vis_out_dir: str) -> List[Output]:
    """The files an inference tool (``infer.py``, ``inferencer_demo.py``) writes:
    ``<pred_out_dir>/<name>.json`` and ``<vis_out_dir>/<name>.mp4`` (or ``vis_out_dir`` itself
    when it names a file), ``<name>`` the input's (as
    :func:`~posewarper.apis.inferencers.frame_sources.open_frame_source` names it)."""
    source = source.rstrip('/\\') or source
    if source.lower().startswith('webcam'):
        name = 'webcam'
    elif osp.isdir(source):
        name = osp.basename(osp.normpath(source))
    else:
        name = osp.splitext(osp.basename(source))[0]
    outputs = []
    if pred_out_dir:
        outputs += [Output(pred_out_dir, '--pred-out-dir', folder=True),
                    Output(osp.join(pred_out_dir, f'{name}.json'), 'the prediction json')]
    if vis_out_dir:
        if osp.splitext(vis_out_dir)[1]:
            outputs.append(Output(vis_out_dir, '--vis-out-dir'))
        else:
            outputs += [Output(vis_out_dir, '--vis-out-dir', folder=True),
                        Output(osp.join(vis_out_dir, f'{name}.mp4'), 'the rendered video')]
    return outputs


def check_device(device: Optional[str], what: str = '--device') -> None:
    """Refuse a device torch cannot use here, in one line (instead of a CUDA traceback).

    Args:
        device (str, optional): ``cpu``, ``cuda``, ``cuda:N``, ... ; None or empty: the tool
            picks one.
        what (str): The option's name, for the message.

    Raises:
        ValueError: If it is not a device name or that device is not available.
    """
    if not device:
        return
    import torch
    try:
        dev = torch.device(device)
    except (RuntimeError, ValueError, TypeError):
        raise ValueError(f'{what} {device!r} is not a device (e.g. cpu, cuda, cuda:0)') from None
    if dev.type == 'cuda':
        if not torch.cuda.is_available():
            raise ValueError(f'{what} {device}: torch sees no CUDA GPU on this machine; use '
                             f'{what} cpu')
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise ValueError(f'{what} {device}: this machine has {torch.cuda.device_count()} '
                             'CUDA GPU(s)')
    elif dev.type == 'mps':
        mps = getattr(torch.backends, 'mps', None)
        if mps is None or not mps.is_available():
            raise ValueError(f'{what} {device}: MPS is not available on this machine')
    elif dev.type != 'cpu':
        raise ValueError(f'{what} {device}: only cpu, cuda and mps devices are supported')
