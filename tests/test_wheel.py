"""The wheel: its requirements, its contents, and an installation that works on its own.

The wheel is built from a copy of the checkout (``pip wheel --no-deps
--no-build-isolation``, as a user would). The installation goes into a fresh virtual
environment that reuses this environment's installed stack (torch, mmcv, mmseg, ...)
through plain ``sys.path`` entries: none of this environment's ``.pth`` start-up files
runs there, so the package, its configs, tools, entry point and start-up hook all
come from the wheel. Everything runs from a directory outside the repository.
"""
import email.parser
import glob
import os
import os.path as osp
import shutil
import site
import subprocess
import sys
import zipfile

import pytest
from packaging.requirements import Requirement

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
SMALL = 'edc_edc-small_1xb8-400it_generated-m3mcr-160x160'
#: what a copy of the checkout needs to build, besides the sources
NOT_BUILT = ('.git', '.venv', 'data', 'work_dirs', 'build', 'dist', '*.egg-info',
             '__pycache__', '.pytest_cache', 'tests', 'docs')


def run(args, cwd, check=True):
    env = {k: v for k, v in os.environ.items() if k != 'PYTHONPATH'}
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True)
    if check:
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]
    return result


@pytest.fixture(scope='module')
def wheel(tmp_path_factory):
    work = tmp_path_factory.mktemp('wheel')
    source = work / 'source'
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*NOT_BUILT))
    run([sys.executable, '-m', 'pip', 'wheel', '--no-deps', '--no-build-isolation',
         '--disable-pip-version-check', '--quiet', '-w', str(work / 'dist'), str(source)],
        cwd=str(work))
    (path,) = glob.glob(str(work / 'dist' / 'mmseg_edc-*.whl'))
    return path


def wheel_metadata(archive):
    (name,) = [n for n in archive.namelist() if n.endswith('.dist-info/METADATA')]
    return email.parser.Parser().parsestr(archive.read(name).decode())


def test_requirements_are_ranges_and_leave_mmcv_and_torch_builds_alone(wheel):
    with zipfile.ZipFile(wheel) as archive:
        requirements = [Requirement(r) for r in wheel_metadata(archive).get_all('Requires-Dist')]
    unconditional = [r for r in requirements if r.marker is None]
    names = {r.name.lower() for r in unconditional}
    assert {'torch', 'mmengine', 'mmsegmentation', 'rasterio'} <= names
    # neither mmcv flavour is forced: a compiled mmcv stays, mmcv-lite is an extra
    assert not names & {'mmcv', 'mmcv-lite', 'mmcv-full'}
    lite = [r for r in requirements if r.name == 'mmcv-lite']
    assert lite and all(r.marker.evaluate({'extra': 'mmcv-lite'}) for r in lite)
    # no exact pins: a CUDA torch (e.g. 2.14.1+cu130) satisfies the torch range
    for requirement in unconditional:
        assert requirement.specifier, f'{requirement} has no version range'
        assert not any(s.operator in ('==', '===') for s in requirement.specifier), \
            f'{requirement} pins one version'
    (torch,) = [r for r in unconditional if r.name == 'torch']
    assert torch.specifier.contains('2.14.1+cu130') and torch.specifier.contains('2.6.0')


def test_wheel_carries_configs_tools_entry_point_and_start_up_hook(wheel):
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        (entry_points,) = [n for n in names if n.endswith('.dist-info/entry_points.txt')]
        assert 'mmseg-edc = mmseg_edc.command_line:main' in archive.read(entry_points).decode()
        assert archive.read('mmseg_edc_compat.pth').decode().startswith(
            'import _mmseg_edc_compat;')
    for folder in ('configs', 'tools'):
        shipped = {n.split(f'mmseg_edc/.mim/{folder}/', 1)[1] for n in names
                   if n.startswith(f'mmseg_edc/.mim/{folder}/')}
        in_checkout = {osp.relpath(p, osp.join(ROOT, folder)) for p in glob.glob(
            osp.join(ROOT, folder, '**', '*'), recursive=True)
            if osp.isfile(p) and '__pycache__' not in p}
        assert shipped == in_checkout
    assert {'_mmseg_edc_compat/__init__.py', 'mmseg_edc/command_line.py'} <= names


def stack_site_dirs():
    """This environment's site directories: its own (from ``sys.prefix``), then any
    further ones its ``.pth`` files put on ``sys.path`` (an environment layered on
    another one)."""
    own = site.getsitepackages([sys.prefix])
    layered = [p for p in sys.path if osp.basename(p) == 'site-packages' and p not in own]
    return own + layered


def test_installed_wheel_runs_outside_the_repository(wheel, tmp_path):
    venv = tmp_path / 'venv'
    run([sys.executable, '-m', 'venv', '--without-pip', str(venv)], cwd=str(tmp_path))
    python = str(venv / 'bin' / 'python')
    venv_site = run([python, '-c', 'import sysconfig; print(sysconfig.get_path("purelib"))'],
                    cwd=str(tmp_path)).stdout.strip()
    with open(osp.join(venv_site, 'installed_stack.pth'), 'w') as f:
        f.write('\n'.join(stack_site_dirs()) + '\n')
    run([sys.executable, '-m', 'pip', '--python', python, 'install', '--no-deps',
         '--disable-pip-version-check', '--quiet', wheel], cwd=str(tmp_path))

    outside = str(tmp_path / 'elsewhere')
    os.makedirs(outside)
    usage = run([str(venv / 'bin' / 'mmseg-edc'), 'demo', '--help'], cwd=outside).stdout
    assert '--models' in usage and '--data-root' in usage

    built = run([python, '-c', (
        'import sys; print(sys.modules["_mmseg_edc_compat"].__file__); '
        'from mmseg.apis import init_model; from mmseg_edc.utils import config_path; '
        f'model = init_model(config_path("{SMALL}"), device="cpu"); '
        'print(type(model).__name__, sum(p.numel() for p in model.parameters()))')],
        cwd=outside).stdout.splitlines()
    assert built[0].startswith(venv_site)
    name, parameters = built[-1].split()
    # the student with its frozen teacher: 2.50 M + 2.15 M (README, results table)
    assert name == 'EDCSegmentor' and 4.5e6 < int(parameters) < 4.8e6
