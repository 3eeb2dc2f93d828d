"""Check posewarper on your GPU in one command: build mmcv's CUDA ops, run the GPU tests, measure.

Not a test. It needs a machine with torch and a CUDA GPU; the OpenMMLab packages may be missing
and the machine may be offline (a cluster node, say), so it works in two steps:

``prepare``, on any machine with network access, downloads into ``--wheels`` (default ``.whl/``)
what the GPU machine lacks (mmengine, mmdet, mmpose and their pure-Python dependencies,
``setuptools<81`` for ``pkg_resources``) for its Python, and the source distributions of mmcv and
xtcocotools; copy the folder over with the repository.

``run``, on the GPU machine, then does in order and within ``--budget`` seconds (steps that no
longer fit are recorded as skipped, so the figures are written before a job's time limit):

1. ``install``: the wheels into ``--site`` (put first on ``PYTHONPATH``);
2. ``xtcocotools``: built against that machine's numpy (PyPI's wheels are built for numpy 1);
3. ``mmcv``: ``tools/build_mmcv_wheel.sh`` with ``FORCE_CUDA=1`` for the GPU's architecture only
   (``TORCH_CUDA_ARCH_LIST``), timed; skipped when ``--site`` already holds a CUDA build (a second
   call on a machine that stayed up);
4. ``imports``: versions, and whether mmcv's ops were compiled with CUDA;
5. ``tests``: ``POSEWARPER_TEST_DEVICE=cuda pytest tests -m on_device`` (deform-conv parity of the
   three kernels, values and gradients within 1e-4 and identity copies bit for bit; the head's
   forward/backward and autocast; streaming aggregation equal to naive within 1e-5; tiny-config
   training through mmengine's Runner);
6. ``stage2_training``, ``deform_conv``, ``aggregation``: the benchmarks of this folder on the GPU
   (stage-2 iterations/s and peak memory per kernel, fp32 and AMP; per-kernel forward(+backward)
   times; streaming vs naive ±2 aggregation per frame).

Everything goes to ``--out``: ``cuda_check.json`` (the summary),
``cuda_check.log`` (each step's command and output tail), ``on_device.xml`` and the benchmarks'
json files. ``dry-run`` runs steps 4-6 on the CPU with this environment and the benchmarks' small
sizes, with the same outputs: what can be checked without a GPU.

Usage:
    python benchmarks/cuda_check.py prepare [--wheels .whl] [--python-version 3.12]
    python3 benchmarks/cuda_check.py run --out $OUT [--budget 560] [--steps ...]
    python benchmarks/cuda_check.py dry-run --out OUT
"""
import argparse
import glob
import json
import os
import os.path as osp
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from typing import Dict, List, Optional

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
MMCV_VERSION = '2.1.0'  # as tools/setup_env.sh: mmdet 3.3.0 asserts mmcv < 2.2.0
XTCOCOTOOLS_VERSION = '1.14.3'
# What a GPU machine with torch alone lacks (its torch, numpy, scipy, opencv, matplotlib, rich,
# pyyaml, pytest and hypothesis are used as they are).
WHEELS = ('setuptools==80.9.0', 'mmengine==0.10.7', 'mmdet==3.3.0', 'mmpose==1.3.2', 'addict',
          'yapf', 'platformdirs', 'termcolor', 'json-tricks', 'munkres', 'terminaltables',
          'shapely', 'pycocotools')
PLATFORMS = ('manylinux_2_28_x86_64', 'manylinux_2_27_x86_64', 'manylinux_2_17_x86_64',
             'manylinux2014_x86_64', 'manylinux1_x86_64')
# in order of need: the README's figures (stage 2) before the kernel and aggregation timings
STEPS = ('install', 'xtcocotools', 'mmcv', 'imports', 'tests', 'stage2_training', 'deform_conv',
         'aggregation')
# seconds a step needs at least to be worth starting, and at most (its timeout)
STEP_LIMITS = dict(install=(20, 120), xtcocotools=(30, 180), mmcv=(240, 540), mmcv_install=(5, 60),
                   imports=(10, 60),
                   tests=(60, 240), deform_conv=(20, 90), stage2_training=(60, 240),
                   aggregation=(30, 150))
IMPORTS = '''
import json, torch, torchvision, mmcv, mmengine, mmdet, mmpose, posewarper
from mmcv.ops import get_compiling_cuda_version
from posewarper.models.utils import resolve_deform_conv_backend
dev = torch.device('cuda' if torch.cuda.is_available() else 'cpu')
print(json.dumps(dict(
    torch=torch.__version__, torch_cuda=torch.version.cuda, torchvision=torchvision.__version__,
    mmcv=mmcv.__version__, mmcv_compiled_cuda=get_compiling_cuda_version(),
    mmengine=mmengine.__version__, mmdet=mmdet.__version__, mmpose=mmpose.__version__,
    posewarper=posewarper.__version__, device=str(dev),
    gpu=torch.cuda.get_device_name() if dev.type == 'cuda' else None,
    auto_training=resolve_deform_conv_backend('auto', dev),
    auto_inference=resolve_deform_conv_backend('auto', dev, needs_grad=False))))
'''


def prepare(args: argparse.Namespace) -> None:
    """Download the wheels and source distributions the GPU machine needs into ``args.wheels``."""
    pip = [sys.executable, '-m', 'pip', 'download', '--no-deps', '-d', args.wheels]
    platforms = [a for p in PLATFORMS for a in ('--platform', p)]
    subprocess.run(pip + ['--only-binary=:all:', '--python-version', args.python_version,
                          '--implementation', 'cp'] + platforms + list(WHEELS), check=True)
    subprocess.run(pip + ['--no-binary', ':all:', '--no-build-isolation',
                          f'mmcv=={MMCV_VERSION}', f'xtcocotools=={XTCOCOTOOLS_VERSION}'],
                   check=True)
    print(f'{args.wheels}: {len(os.listdir(args.wheels))} files, '
          f'{sum(osp.getsize(p) for p in glob.glob(osp.join(args.wheels, "*"))) / 2**20:.1f} MiB')


class Runner:
    """Runs the steps as subprocesses within a time budget and keeps the record."""

    def __init__(self, out: str, budget: float, env: Dict[str, str]) -> None:
        self.out, self.budget, self.env = out, budget, env
        self.start = time.monotonic()
        self.record: dict = dict(steps={}, budget_s=budget)
        os.makedirs(out, exist_ok=True)
        self.log = open(osp.join(out, 'cuda_check.log'), 'w')

    def remaining(self) -> float:
        return self.budget - (time.monotonic() - self.start)

    def step(self, name: str, cmd: List[str], extra_env: Optional[dict] = None) -> Optional[str]:
        """Run ``cmd``; returns its stdout, or None when it failed or did not fit."""
        least, most = STEP_LIMITS[name]
        if self.remaining() < least:
            self.record['steps'][name] = dict(status='skipped', reason=(
                f'{self.remaining():.0f} s of the budget left, the step needs {least} s'))
            return None
        timeout = min(most, self.remaining())
        env = dict(self.env, **(extra_env or {}))
        began = time.monotonic()
        try:
            proc = subprocess.run(cmd, cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                                  timeout=timeout)
            status = 'ok' if proc.returncode == 0 else f'failed (exit {proc.returncode})'
            stdout, stderr = proc.stdout, proc.stderr
        except subprocess.TimeoutExpired as exc:
            status = f'timed out after {timeout:.0f} s'
            stdout = exc.stdout.decode() if isinstance(exc.stdout, bytes) else exc.stdout or ''
            stderr = exc.stderr.decode() if isinstance(exc.stderr, bytes) else exc.stderr or ''
        seconds = time.monotonic() - began
        self.record['steps'][name] = dict(status=status, seconds=round(seconds, 1))
        tail = (stdout + stderr).splitlines()[-300:]  # build logs are long: keep the end
        settings = [f'{k}={v}' for k, v in (extra_env or {}).items()]
        self.log.write(f'### {name}: {status} in {seconds:.1f} s\n$ {" ".join(settings + cmd)}\n')
        self.log.write('\n'.join(tail) + '\n\n')
        self.log.flush()
        print(f'[cuda_check {time.monotonic() - self.start:5.0f} s] {name}: {status} '
              f'({seconds:.1f} s)', flush=True)
        self.save()  # what is done comes back even if the command is killed later
        return stdout if status == 'ok' else None

    def save(self) -> dict:
        """Write ``cuda_check.json``: the record so far and the benchmarks' results."""
        self.record['total_s'] = round(time.monotonic() - self.start, 1)
        for name in ('deform_conv', 'stage2_training', 'aggregation'):
            path = osp.join(self.out, f'{name}.json')
            if osp.isfile(path):
                with open(path) as f:
                    self.record[name] = json.load(f)
        # atomically, as posewarper.fileio.write_json_atomic does (not importable before the
        # install step: this script runs on a bare interpreter)
        tmp = osp.join(self.out, '.cuda_check.json.tmp')
        with open(tmp, 'w') as f:
            json.dump(self.record, f, indent=2)
        os.replace(tmp, osp.join(self.out, 'cuda_check.json'))
        return self.record

    def finish(self) -> dict:
        self.log.close()
        return self.save()


def junit_summary(path: str) -> dict:
    """Counts and failing test ids of a pytest JUnit XML report."""
    root = ET.parse(path).getroot()
    suite = root if root.tag == 'testsuite' else root.find('testsuite')
    failed = [f'{case.get("classname")}::{case.get("name")}' for case in suite.iter('testcase')
              if case.find('failure') is not None or case.find('error') is not None]
    return dict({k: int(suite.get(k, 0)) for k in ('tests', 'failures', 'errors', 'skipped')},
                failed=failed)


def check(args: argparse.Namespace, dry_run: bool) -> dict:
    py = sys.executable
    env = dict(os.environ, PYTHONUNBUFFERED='1')
    if not dry_run:
        # The wheels go into a folder of their own, ahead of the image's packages; the plugin is
        # imported from the working tree.
        env['PYTHONPATH'] = os.pathsep.join(
            [args.site, osp.join(REPO_ROOT, 'projects'), REPO_ROOT] +
            ([os.environ['PYTHONPATH']] if os.environ.get('PYTHONPATH') else []))
    runner = Runner(args.out, args.budget, env)
    steps = [s for s in STEPS if s in args.steps]
    if dry_run:
        steps = [s for s in steps if s not in ('install', 'xtcocotools', 'mmcv')]
    runner.record.update(mode='dry-run' if dry_run else 'run', device=args.device,
                         quick=args.quick, steps_requested=steps)
    pip_target = [py, '-m', 'pip', 'install', '-q', '--no-index', '--no-deps', '--no-compile',
                  '--no-cache-dir', '--upgrade', '--target', args.site]
    built = osp.join(args.site, '.posewarper_mmcv_cuda')
    if 'install' in steps:
        wheels = sorted(glob.glob(osp.join(args.wheels, '*.whl')))
        runner.step('install', pip_target + wheels)
    if 'xtcocotools' in steps:
        sdist = glob.glob(osp.join(args.wheels, 'xtcocotools-*.tar.gz'))
        runner.step('xtcocotools', pip_target + ['--no-build-isolation'] + sdist)
    if 'mmcv' in steps:
        if args.mmcv_wheel:
            runner.step('mmcv', pip_target + [args.mmcv_wheel])
        elif osp.isfile(built):
            with open(built) as f:
                runner.record['steps']['mmcv'] = dict(status='ok', reused=f.read())
        else:
            sdist = glob.glob(osp.join(args.wheels, f'mmcv-{MMCV_VERSION}.tar.gz'))
            arch = subprocess.run(
                [py, '-c', 'import torch; print("%d.%d" % torch.cuda.get_device_capability())'],
                env=env, capture_output=True, text=True).stdout.strip()
            wheel_dir = osp.normpath(osp.join(args.site, '..', 'posewarper_mmcv_wheel'))
            build_env = dict(FORCE_CUDA='1', TORCH_CUDA_ARCH_LIST=arch, PYTHON=py,
                             MAX_JOBS=str(os.cpu_count()))
            runner.record['mmcv_build'] = dict(arch=arch, max_jobs=os.cpu_count())
            if runner.step('mmcv', ['bash', 'tools/build_mmcv_wheel.sh'] + sdist + [wheel_dir],
                           build_env) is not None:
                wheel = glob.glob(osp.join(wheel_dir, 'mmcv-*.whl'))
                runner.record['mmcv_build']['wheel_mib'] = osp.getsize(wheel[0]) / 2**20
                if runner.step('mmcv_install', pip_target + wheel) is not None:
                    with open(built, 'w') as f:
                        f.write(f'built in {runner.record["steps"]["mmcv"]["seconds"]} s')
    if 'imports' in steps:
        out = runner.step('imports', [py, '-c', IMPORTS])
        if out:
            runner.record['versions'] = json.loads(out.strip().splitlines()[-1])
    quick = ['--quick'] if args.quick else []
    if 'tests' in steps:
        xml = osp.join(args.out, 'on_device.xml')
        marker = 'on_device and not slow' if args.quick else 'on_device'
        runner.step('tests', [py, '-m', 'pytest', 'tests', '-m', marker, '-q', '-p',
                              'no:cacheprovider', f'--junitxml={xml}'],
                    dict(POSEWARPER_TEST_DEVICE=args.device))
        if osp.isfile(xml):
            runner.record['tests'] = junit_summary(xml)
    bench = dict(
        stage2_training=['--device', args.device] + quick,
        deform_conv=['--device', args.device, '--modes', 'fwd_bwd', 'fwd'] +
        (['--repeats', '1', '--batch', '1', '--dilations', '3', '24'] if args.quick else
         ['--repeats', '20']),
        aggregation=['--device', args.device] + (quick + ['--frames', '6', '--repeats', '1']
                                                 if args.quick else ['--frames', '30']))
    for name, bench_args in bench.items():
        if name in steps:
            runner.step(name, [py, osp.join('benchmarks', f'{name}.py')] + bench_args +
                        ['--json', osp.join(args.out, f'{name}.json')])
    return runner.finish()


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest='command', required=True)
    p = sub.add_parser('prepare', help='download wheels and sdists (network)')
    p.add_argument('--wheels', default=osp.join(REPO_ROOT, '.whl'))
    p.add_argument('--python-version', default='3.12', help="the GPU machine's Python")
    for name in ('run', 'dry-run'):
        p = sub.add_parser(name)
        p.add_argument('--out', required=True, help='folder of the results ($OUT)')
        p.add_argument('--budget', type=float, default=560, help='seconds for all steps')
        p.add_argument('--steps', nargs='+', default=list(STEPS), choices=STEPS)
        p.add_argument('--device', default='cuda' if name == 'run' else 'cpu')
        p.add_argument('--quick', action='store_true', default=name == 'dry-run',
                       help='the benchmarks\' small sizes, no slow tests')
        p.add_argument('--wheels', default=osp.join(REPO_ROOT, '.whl'))
        p.add_argument('--site', default='/tmp/site', help='where the wheels are installed')
        p.add_argument('--mmcv-wheel', help='install this mmcv wheel instead of building one')
    args = parser.parse_args(argv)
    if args.command == 'prepare':
        prepare(args)
        return 0
    record = check(args, dry_run=args.command == 'dry-run')
    bad = {k: v['status'] for k, v in record['steps'].items() if v['status'] != 'ok'}
    print(json.dumps(dict(steps=record['steps'], tests=record.get('tests')), indent=1))
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
