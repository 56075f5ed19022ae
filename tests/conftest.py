"""Shared test helpers: the real M3M-CR fixtures, a small GeoTIFF writer, the tiny EDC
model and tool runs as a user starts them."""
import copy
import importlib.util
import os
import os.path as osp
import shutil
import subprocess
import sys
import warnings

import numpy as np
import pytest
import rasterio
import torch
# before any test module imports mmseg: registers the package, applies the compat fixes
import mmseg_edc  # noqa: F401
from mmengine.runner import save_checkpoint
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from rasterio.crs import CRS
from rasterio.errors import NotGeoreferencedWarning
from rasterio.transform import from_origin

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
#: The real samples; MMSEG_EDC_FIXTURES overrides the default ``../shared/fixtures``.
FIXTURES = os.environ.get('MMSEG_EDC_FIXTURES',
                          osp.join(ROOT, '..', 'shared', 'fixtures'))
UTM = CRS.from_epsg(32646)


@pytest.fixture(autouse=True, scope='session')
def mmseg_scope():
    """Make ``mmseg`` the default registry scope."""
    from mmengine.registry import init_default_scope
    init_default_scope('mmseg')


@pytest.fixture(scope='session')
def m3mcr_fixture_root():
    """Read-only root of the two real M3M-CR samples."""
    root = osp.join(FIXTURES, 'M3M-CR')
    if not osp.isdir(root):
        pytest.skip(f'real M3M-CR fixtures not found at {root} (set MMSEG_EDC_FIXTURES)')
    return root


@pytest.fixture
def m3mcr_copy(m3mcr_fixture_root, tmp_path):
    """A writable copy of the real M3M-CR samples."""
    return shutil.copytree(m3mcr_fixture_root, tmp_path / 'M3M-CR')


def write_geotiff(path, array, pixel_size=3.0, origin=(760299.0, 3150000.0), crs=UTM,
                  nodata=None, transform=None):
    """Write an ``H x W x C`` (or ``H x W``) array as a GeoTIFF: north-up from
    ``origin`` (top left) and ``pixel_size``, or on ``transform`` when given (the
    identity with ``crs=None`` writes no georeferencing at all)."""
    array = np.asarray(array)
    if array.ndim == 2:
        array = array[..., None]
    os.makedirs(osp.dirname(str(path)) or '.', exist_ok=True)
    profile = dict(driver='GTiff', height=array.shape[0], width=array.shape[1],
                   count=array.shape[2], dtype=array.dtype, nodata=nodata,
                   crs=crs, transform=transform if transform is not None else
                   from_origin(*origin, pixel_size, pixel_size))
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', NotGeoreferencedWarning)
        with rasterio.open(path, 'w', **profile) as dst:
            dst.write(np.moveaxis(array, -1, 0))
    return str(path)


@pytest.fixture
def geotiff_writer():
    return write_geotiff


class ToolRuns:
    """Run a tool as a user would (a subprocess from the repository root), read the
    one ``error:`` line it ends with on a known user error, or import it as a module."""

    @staticmethod
    def env(hide_cuda=False):
        """The tools' environment: this one, the repository on ``PYTHONPATH``, 2 threads;
        with ``hide_cuda`` no GPU is visible (for tests of the CPU paths, which a GPU
        machine would otherwise not take)."""
        env = dict(os.environ, PYTHONPATH=ROOT, OMP_NUM_THREADS='2')
        if hide_cuda:
            env['CUDA_VISIBLE_DEVICES'] = ''
        return env

    def process(self, *args, hide_cuda=False):
        """``python <args>`` from the repository root; the finished process."""
        return subprocess.run([sys.executable, *args], cwd=ROOT,
                              env=self.env(hide_cuda), capture_output=True, text=True)

    @staticmethod
    def load(path):
        """The tool script at ``path`` (relative to the repository root) imported as a
        module, to call its ``main`` or ``parse_args`` in-process."""
        spec = importlib.util.spec_from_file_location(
            osp.splitext(osp.basename(path))[0], osp.join(ROOT, path))
        tool = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(tool)
        return tool

    def run(self, *args, hide_cuda=False):
        """``python <args>`` from the repository root, which must succeed; its output
        (stdout, then stderr)."""
        result = self.process(*args, hide_cuda=hide_cuda)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]
        return result.stdout + result.stderr

    @staticmethod
    def user_error_line(result):
        """Check that ``result`` ended with exit status 2 and one ``error:`` line on
        stderr (the last line, no traceback) and return that line."""
        assert result.returncode == 2, result.stdout[-2000:] + result.stderr[-4000:]
        assert 'Traceback' not in result.stderr, result.stderr[-4000:]
        lines = result.stderr.rstrip().splitlines()
        errors = [line for line in lines if line.startswith('error: ')]
        assert errors == lines[-1:], result.stderr[-4000:]
        return errors[0]


@pytest.fixture(scope='session')
def tool_runs():
    """Tool subprocesses and their error lines (:class:`ToolRuns`)."""
    return ToolRuns()


@pytest.fixture
def dead_pid():
    """The id of a process that has exited (and was reaped), so is not running."""
    child = subprocess.Popen(['true'])
    child.wait()
    return child.pid


class TinyEDC:
    """Tiny EDC configs and hand-made batches: 4 optical + 2 SAR bands, 3 classes."""

    BANDS = dict(optical=4, sar=2)
    TINY_STREAM = dict(type='EDCHybridStream', embed_dims=(8, 16, 32, 64),
                       depths=(1, 1, 1, 1), num_heads=(2, 2), pos_mlp_hidden=16,
                       drop_path_rate=0.0)
    TINY_BACKBONE = dict(type='EDCBackbone', stream_cfg=TINY_STREAM)
    DECODER = (32, 16, 16, 8, 8)

    def teacher_model_cfg(self):
        """The tiny student's teacher: no reliability map, no cloud-removal head."""
        backbone = dict(copy.deepcopy(self.TINY_BACKBONE),
                        fusion_cfg=dict(type='DCHF', use_reliability=False))
        return dict(type='EDCSegmentor', bands=self.BANDS, backbone=backbone,
                    decode_head=dict(type='EDCSegHead', num_classes=3,
                                     decoder_channels=self.DECODER))

    def save_random_teacher(self, path, seed=0):
        """Build the tiny teacher, give it random (non-initial) weights, save it.

        Returns:
            nn.Module: the saved teacher.
        """
        torch.manual_seed(seed)
        teacher = MODELS.build(self.teacher_model_cfg())
        for p in teacher.parameters():
            p.data.normal_()
        save_checkpoint(dict(state_dict=teacher.state_dict()), str(path))
        return teacher

    def model_cfg(self, with_cr=True, teacher_checkpoint=None, **extra):
        """The tiny EDC student; with ``teacher_checkpoint`` (a file of
        :meth:`save_random_teacher`) it distils from that teacher."""
        cfg = dict(
            type='EDCSegmentor', bands=self.BANDS,
            data_preprocessor=dict(type='OpticalSARDataPreProcessor', mean=[0.5] * 6,
                                   std=[0.25] * 6, size_divisor=32),
            backbone=copy.deepcopy(self.TINY_BACKBONE),
            decode_head=dict(type='EDCSegHead', num_classes=3,
                             decoder_channels=self.DECODER),
            test_cfg=dict(mode='whole'))
        cfg.update(extra)
        if with_cr:
            cfg['cloud_removal_head'] = dict(type='CloudRemovalHead',
                                             decoder_channels=self.DECODER)
        if teacher_checkpoint is not None:
            cfg['teacher'] = dict(model=self.teacher_model_cfg(),
                                  checkpoint=str(teacher_checkpoint))
            cfg['distill_loss'] = dict(type='MaskedFeatureDistillationLoss')
        return cfg

    def make_batch(self, batch=2, size=(40, 40), label=(12, 12), seed=0):
        """``batch`` random samples as the data loader gives them: ``6 x size`` inputs,
        a ``label``-sized 3-class map, a ``4 x size`` cloud-free image and a cloud mask
        over the top half."""
        gen = torch.Generator().manual_seed(seed)
        inputs, samples = [], []
        for _ in range(batch):
            inputs.append(torch.rand(6, *size, generator=gen))
            sample = SegDataSample(metainfo=dict(img_shape=size, ori_shape=label,
                                                 bands=self.BANDS))
            sample.gt_sem_seg = PixelData(data=torch.randint(0, 3, (1, *label),
                                                             generator=gen))
            sample.gt_clear_img = PixelData(data=torch.rand(4, *size, generator=gen))
            mask = torch.zeros(1, *size, dtype=torch.uint8)
            mask[:, :size[0] // 2] = 1
            sample.gt_cloud_mask = PixelData(data=mask)
            samples.append(sample)
        return dict(inputs=inputs, data_samples=samples)


@pytest.fixture(scope='session')
def tiny_edc():
    """Tiny EDC configs and batches shared by the segmentor, hook, API and tool tests
    (:class:`TinyEDC`)."""
    return TinyEDC()
