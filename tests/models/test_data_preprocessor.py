"""Normalisation per channel and consistent padding of every pixel target."""
import pytest
import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from mmseg_edc.models import OpticalSARDataPreProcessor


def sample(height, width, label_hw, key='s'):
    data_sample = SegDataSample(metainfo=dict(sample_key=key))
    data_sample.gt_sem_seg = PixelData(
        data=torch.arange(label_hw[0] * label_hw[1]).view(1, *label_hw) % 6)
    data_sample.gt_clear_img = PixelData(data=torch.ones(4, height, width))
    data_sample.gt_cloud_mask = PixelData(
        data=torch.ones(1, height, width, dtype=torch.uint8))
    return data_sample


def batch(shapes):
    inputs = [torch.full((6, h, w), 2.0) for h, w, _ in shapes]
    return dict(inputs=inputs,
                data_samples=[sample(h, w, lhw) for h, w, lhw in shapes])


def test_normalises_each_channel():
    pre = OpticalSARDataPreProcessor(mean=[1, 1, 1, 1, 0, 0],
                                     std=[1, 1, 1, 1, 2, 4])
    out = pre(batch([(10, 10, (3, 3))]), training=False)
    x = out['inputs'][0]
    assert torch.all(x[:4] == 1) and torch.all(x[4] == 1) and torch.all(x[5] == 0.5)


def test_channel_count_mismatch_is_reported():
    pre = OpticalSARDataPreProcessor(mean=[0] * 4, std=[1] * 4)
    with pytest.raises(ValueError, match='sees 6 channels but mean/std give 4'):
        pre(batch([(10, 10, (3, 3))]), training=False)


def test_keeps_only_the_selected_channels():
    pre = OpticalSARDataPreProcessor(mean=[0] * 4, std=[1] * 4,
                                     input_channels=[0, 1, 2, 3])
    data = batch([(10, 10, (3, 3))])
    data['inputs'][0][4:] = 7.0
    out = pre(data, training=False)
    assert out['inputs'].shape == (1, 4, 10, 10)
    assert torch.all(out['inputs'] == 2.0)


def test_training_pads_every_target_on_its_grid():
    pre = OpticalSARDataPreProcessor(mean=[0] * 6, std=[1] * 6, size_divisor=32,
                                     pad_val=-1, seg_pad_val=255)
    data = batch([(300, 300, (90, 90)), (300, 300, (90, 90))])
    labels_before = [s.gt_sem_seg.data.clone() for s in data['data_samples']]
    out = pre(data, training=True)
    assert out['inputs'].shape == (2, 6, 320, 320)
    assert torch.all(out['inputs'][:, :, 300:, :] == -1)
    for s, before in zip(out['data_samples'], labels_before):
        # 320 px at 3 m = 96 px at 10 m: the label pads by 6 rows and columns
        assert s.gt_sem_seg.data.shape == (1, 96, 96)
        assert torch.equal(s.gt_sem_seg.data[:, :90, :90], before)
        assert torch.all(s.gt_sem_seg.data[:, 90:, :] == 255)
        assert torch.all(s.gt_sem_seg.data[:, :, 90:] == 255)
        assert s.gt_clear_img.data.shape == (4, 320, 320)
        assert torch.all(s.gt_clear_img.data[:, 300:] == 0)
        assert s.gt_cloud_mask.data.shape == (1, 320, 320)
        assert torch.all(s.gt_cloud_mask.data[:, :, 300:] == 0)
        assert s.metainfo['img_shape'] == (300, 300)
        assert s.metainfo['pad_shape'] == (320, 320)
        assert s.metainfo['padding_size'] == [0, 20, 0, 20]


def test_training_pads_mixed_sizes_to_the_largest():
    pre = OpticalSARDataPreProcessor(mean=[0] * 6, std=[1] * 6)
    out = pre(batch([(160, 160, (48, 48)), (100, 160, (30, 48))]), training=True)
    assert out['inputs'].shape == (2, 6, 160, 160)
    second = out['data_samples'][1]
    assert second.gt_sem_seg.data.shape == (1, 48, 48)
    assert second.gt_clear_img.data.shape == (4, 160, 160)
    assert second.metainfo['padding_size'] == [0, 0, 0, 60]


def test_test_mode_pads_inputs_only():
    pre = OpticalSARDataPreProcessor(mean=[0] * 6, std=[1] * 6,
                                     test_cfg=dict(size_divisor=32))
    out = pre(batch([(300, 300, (90, 90))]), training=False)
    s = out['data_samples'][0]
    assert out['inputs'].shape == (1, 6, 320, 320)
    assert s.gt_sem_seg.data.shape == (1, 90, 90)
    assert s.gt_clear_img.data.shape == (4, 300, 300)
    assert s.metainfo['img_padding_size'] == [0, 20, 0, 20]


def test_target_off_the_image_grid_is_reported():
    pre = OpticalSARDataPreProcessor(mean=[0] * 6, std=[1] * 6)
    data = batch([(20, 20, (6, 6))])
    data['data_samples'][0].gt_clear_img = PixelData(data=torch.ones(4, 19, 20))
    with pytest.raises(ValueError, match=r"gt_clear_img of sample 's' is \(19, 20\)"):
        pre(data, training=True)


def test_blank_channels_zero_after_normalisation():
    from mmseg.registry import MODELS
    preprocessor = MODELS.build(dict(type='OpticalSARDataPreProcessor', mean=[1.0] * 3,
                                     std=[2.0] * 3, blank_channels=[2]))
    inputs = torch.stack([torch.full((2, 2), v) for v in (3.0, 5.0, 7.0)])
    out = preprocessor(dict(inputs=[inputs]), False)['inputs'][0]
    assert out[:, 0, 0].tolist() == [1.0, 2.0, 0.0]
