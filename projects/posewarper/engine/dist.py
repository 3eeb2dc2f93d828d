"""Distributed set-up for machines without an accelerator (gloo on CPU).

mmengine 0.10.7 initialises every launcher through ``torch.cuda.set_device(local_rank)`` and wraps
models with ``device_ids=[LOCAL_RANK]``; both fail on CPU ("Found no NVIDIA driver", "device_ids ...
only work with ... GPU modules"). The functions here do the CPU half of that work so that
:class:`~posewarper.engine.PoseWarperRunner` can run the same training code with NCCL on GPUs and
gloo on CPUs. They never patch mmengine or torch.
"""
import copy
import datetime
import os
import subprocess
from typing import Dict, Optional

import torch.distributed as torch_dist
from mmengine.device import get_device
from mmengine.registry import MODEL_WRAPPERS
from torch.nn.parallel import DistributedDataParallel

#: Backends that need an accelerator; on CPU they are replaced by gloo.
ACCELERATOR_BACKENDS = ('nccl', 'hccl', 'cncl', 'mccl')


def uses_cpu_distributed() -> bool:
    """True when this process has no accelerator, so DDP has to run on CPU with gloo."""
    return get_device() == 'cpu'


def _master_port(port: Optional[int]) -> str:
    # Same priority as mmengine's slurm launcher: explicit port > MASTER_PORT > torch's 29500.
    if port is not None:
        return str(port)
    return os.environ.get('MASTER_PORT', '29500')


def _slurm_env(port: Optional[int]) -> None:
    """Translate slurm's task variables into the ``env://`` variables torch reads."""
    proc_id = int(os.environ['SLURM_PROCID'])
    ntasks = int(os.environ['SLURM_NTASKS'])
    # Without a GPU count to derive it from, every slurm task is its own local rank 0 unless
    # slurm says otherwise.
    local_rank = os.environ.get('SLURM_LOCALID', '0')
    if 'MASTER_ADDR' not in os.environ:
        node_list = os.environ['SLURM_NODELIST']
        os.environ['MASTER_ADDR'] = subprocess.getoutput(
            f'scontrol show hostname {node_list} | head -n1').strip()
    os.environ['MASTER_PORT'] = _master_port(port)
    os.environ['WORLD_SIZE'] = str(ntasks)
    os.environ['LOCAL_RANK'] = str(local_rank)
    os.environ['RANK'] = str(proc_id)


def _mpi_env(port: Optional[int]) -> None:
    """Translate Open MPI's variables into the ``env://`` variables torch reads."""
    if 'MASTER_ADDR' not in os.environ:
        raise KeyError('The environment variable MASTER_ADDR is not set')
    os.environ['MASTER_PORT'] = _master_port(port)
    os.environ['WORLD_SIZE'] = os.environ['OMPI_COMM_WORLD_SIZE']
    os.environ['RANK'] = os.environ['OMPI_COMM_WORLD_RANK']
    os.environ['LOCAL_RANK'] = os.environ['OMPI_COMM_WORLD_LOCAL_RANK']


def init_cpu_dist(launcher: str, backend: str = 'gloo', **kwargs) -> str:
    """Initialise the default process group on a CPU-only machine.

    Counterpart of :func:`mmengine.dist.init_dist` without its CUDA device selection. The
    rendezvous is torch's ``env://``: ``torchrun`` sets ``RANK``/``WORLD_SIZE``/``MASTER_ADDR``/
    ``MASTER_PORT``; for slurm and MPI they are derived from the launcher's own variables as
    mmengine does.

    Args:
        launcher (str): ``'pytorch'``, ``'slurm'`` or ``'mpi'``.
        backend (str): Requested backend (``env_cfg.dist_cfg.backend``). Accelerator-only
            backends (``'nccl'`` and friends) become ``'gloo'``; ``'gloo'`` and ``'mpi'`` are
            kept. Default: ``'gloo'``.
        **kwargs: The rest of ``dist_cfg``: ``timeout`` in seconds, ``port`` (slurm/MPI), others
            go to :func:`torch.distributed.init_process_group`.

    Returns:
        str: The backend actually used.
    """
    if launcher not in ('pytorch', 'slurm', 'mpi'):
        raise ValueError(f'Invalid launcher type: {launcher}')
    backend = 'gloo' if backend in ACCELERATOR_BACKENDS else backend
    kwargs = dict(kwargs)
    kwargs.pop('init_backend', None)  # deepspeed/colossalai inits are GPU-only
    port = kwargs.pop('port', None)
    timeout = kwargs.pop('timeout', None)
    if timeout is not None:
        # mmengine configs give seconds; torch wants a timedelta.
        kwargs['timeout'] = datetime.timedelta(seconds=timeout)
    if launcher == 'slurm':
        _slurm_env(port)
    elif launcher == 'mpi':
        _mpi_env(port)
    torch_dist.init_process_group(backend=backend, init_method='env://', **kwargs)
    return backend


def cpu_model_wrapper_cfg(model_wrapper_cfg: Optional[Dict],
                          find_unused_parameters: bool = False) -> Dict:
    """The model-wrapper config that makes mmengine's DDP wrapping work on CPU.

    ``device_ids`` must be ``None`` for a CPU module; mmengine fills in ``[LOCAL_RANK]`` only when
    the config does not say otherwise, so it is set explicitly for any DDP-based wrapper.

    Args:
        model_wrapper_cfg (dict, optional): ``cfg.model_wrapper_cfg``; ``None`` gives the
            wrapper mmengine would have used (``MMDistributedDataParallel`` with
            ``broadcast_buffers=False``).
        find_unused_parameters (bool): Used only when ``model_wrapper_cfg`` is ``None``, as in
            mmengine (``cfg.find_unused_parameters``).

    Returns:
        dict: A new config; the input is not modified.
    """
    if model_wrapper_cfg is None:
        return dict(
            type='MMDistributedDataParallel',
            device_ids=None,
            broadcast_buffers=False,
            find_unused_parameters=find_unused_parameters)
    cfg = copy.deepcopy(dict(model_wrapper_cfg))
    cfg.setdefault('type', 'MMDistributedDataParallel')
    wrapper = cfg['type']
    if isinstance(wrapper, str):
        wrapper = MODEL_WRAPPERS.get(wrapper)
    if isinstance(wrapper, type) and issubclass(wrapper, DistributedDataParallel):
        cfg['device_ids'] = None
    return cfg


#: where each launcher puts the global rank of a process (before any process group exists)
_RANK_VARIABLES = dict(pytorch='RANK', slurm='SLURM_PROCID', mpi='OMPI_COMM_WORLD_RANK')


def launcher_rank(launcher: str) -> int:
    """The global rank a launcher gave this process, read from its environment before
    :func:`init_cpu_dist` or mmengine set up the process group; 0 without a launcher."""
    variable = _RANK_VARIABLES.get(launcher)
    return int(os.environ.get(variable, 0)) if variable else 0


def destroy_dist() -> None:
    """Tear the default process group down if this process created one.

    Leaving it to interpreter shutdown makes torch warn and, with gloo, occasionally lets one rank
    exit while its peer is still closing the connection.
    """
    if torch_dist.is_available() and torch_dist.is_initialized():
        torch_dist.destroy_process_group()
