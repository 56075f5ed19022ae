"""init_optical_sar_model / inference_optical_sar: one pair from files or arrays gives
exactly what the segmentor's own test_step gives for the dataset's sample."""
import os.path as osp

import numpy as np
import pytest
import rasterio
import torch
from edc_toys import DECODER, model_cfg
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.runner import save_checkpoint
from mmseg.registry import DATASETS

from mmseg_edc.apis import (build_inference_model, inference_optical_sar,
                            init_optical_sar_model)
from mmseg_edc.io import resample_nearest
from mmseg_edc.utils.checkpoint import CheckpointMismatchError

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DATASET_BASE = osp.join(ROOT, 'configs', '_base_', 'datasets', 'generated_m3mcr.py')
CONFIG = """_base_ = [{base!r}]
default_scope = 'mmseg'
custom_imports = dict(imports=['mmseg_edc'], allow_failed_imports=False)
model = {model!r}
test_dataloader = dict(dataset=dict(data_root={root!r}))
"""
#: the tiny EDC student, predicting the 6 classes of the generated benchmark
MODEL = model_cfg(decode_head=dict(type='EDCSegHead', num_classes=6,
                                   decoder_channels=DECODER))


@pytest.fixture(scope='module')
def setup(tmp_path_factory):
    """A generated test tile, a config over it and a checkpoint of its model."""
    from mmseg_edc.synthesis import generate_m3mcr_benchmark
    folder = tmp_path_factory.mktemp('pair')
    root = str(folder / 'm3mcr')
    generate_m3mcr_benchmark(root, num_train=1, num_val=1, num_test=1, seed=3)
    config = folder / 'tiny_edc.py'
    config.write_text(CONFIG.format(base=DATASET_BASE, model=MODEL, root=root))
    torch.manual_seed(0)
    model = build_inference_model(MODEL)
    checkpoint = str(folder / 'tiny_edc.pth')
    save_checkpoint(dict(state_dict=model.state_dict()), checkpoint)
    return str(config), checkpoint


def dataset_result(model, with_label=True):
    """The segmentor's own test_step on the config's first test sample, and its info."""
    dataset_cfg = dict(model.cfg.test_dataloader.dataset, with_label=with_label)
    dataset = DATASETS.build(dataset_cfg)
    with torch.no_grad():
        result = model.test_step(pseudo_collate([dataset[0]]))[0]
    return result, dataset.get_data_info(0)


def read_array(path):
    with rasterio.open(path) as source:
        return np.moveaxis(source.read(), 0, -1)     # H x W x C, file units


def assert_same_prediction(result, reference):
    assert torch.equal(result.pred_sem_seg.data, reference.pred_sem_seg.data)
    assert torch.equal(result.seg_logits.data, reference.seg_logits.data)
    assert torch.equal(result.pred_clear_img.data, reference.pred_clear_img.data)


def test_files_and_arrays_give_the_test_step_result(setup):
    config, checkpoint = setup
    model = init_optical_sar_model(config, checkpoint)
    assert model.teacher is None and not model.training
    assert model.dataset_meta['classes'][0] == 'forest'      # the 6-class protocol
    reference, info = dataset_result(model)
    assert reference.pred_sem_seg.shape == (90, 90)          # the label grid

    from_files = inference_optical_sar(model, info['img_path'], info['sar_path'],
                                       label_shape=(90, 90))
    assert_same_prediction(from_files, reference)

    optical, sar = read_array(info['img_path']), read_array(info['sar_path'])
    assert optical.shape == (300, 300, 4) and sar.shape == (90, 90, 2)
    from_arrays = inference_optical_sar(model, optical, sar, label_shape=(90, 90))
    assert_same_prediction(from_arrays, reference)
    # SAR already on the optical grid (nearest, pixel centres, as the loader does)
    on_optical_grid = inference_optical_sar(
        model, optical, resample_nearest(sar, (300, 300)), label_shape=(90, 90))
    assert_same_prediction(on_optical_grid, reference)
    assert optical.dtype == np.uint16 and sar.dtype == np.float64    # not modified


def test_default_grid_is_the_optical_grid(setup):
    config, checkpoint = setup
    model = init_optical_sar_model(config, checkpoint)
    reference, info = dataset_result(model, with_label=False)
    result = inference_optical_sar(model, read_array(info['img_path']),
                                   read_array(info['sar_path']))
    assert result.pred_sem_seg.shape == (300, 300)
    assert result.pred_clear_img.shape == (300, 300)
    assert_same_prediction(result, reference)


def test_a_teacher_reads_the_cloud_free_image(setup):
    config, _ = setup
    teacher = init_optical_sar_model(
        Config.fromfile(config),
        cfg_options={'model.optical_input': 'cloud_free',
                     'model.cloud_removal_head': None})
    reference, info = dataset_result(teacher)
    assert 'pred_clear_img' not in reference
    with pytest.raises(ValueError, match='pass clear='):
        inference_optical_sar(teacher, info['img_path'], info['sar_path'])
    result = inference_optical_sar(
        teacher, read_array(info['img_path']), read_array(info['sar_path']),
        clear=read_array(info['clear_path']), label_shape=(90, 90))
    assert torch.equal(result.seg_logits.data, reference.seg_logits.data)


def test_bad_inputs_and_checkpoints_are_refused(setup, tmp_path):
    config, checkpoint = setup
    model = init_optical_sar_model(config, checkpoint)
    optical = np.full((30, 30, 4), 1000, np.uint16)
    sar = np.full((9, 9, 2), -10.0)
    with pytest.raises(ValueError, match=r'img is a uint16 array of shape \(30, 30, 3\), '
                       r'expected numbers of shape H x W x 4'):
        inference_optical_sar(model, optical[..., :3], sar)
    with pytest.raises(ValueError, match='clear_img has shape'):
        inference_optical_sar(model, optical, sar, clear=optical[:20])
    with pytest.raises(TypeError, match='all be file paths or all be arrays'):
        inference_optical_sar(model, 'optical.tif', sar)
    assert inference_optical_sar(model, optical, sar).pred_sem_seg.shape == (30, 30)

    other = build_inference_model(model_cfg())                    # 3 classes
    wrong = str(tmp_path / 'other.pth')
    save_checkpoint(dict(state_dict=other.state_dict()), wrong)
    with pytest.raises(CheckpointMismatchError, match='shape mismatches'):
        init_optical_sar_model(config, wrong)
