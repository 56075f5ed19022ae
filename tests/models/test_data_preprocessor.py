"""Band layout, normalisation per channel and consistent padding of every pixel target."""
import pytest
import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from mmseg_edc.models import OpticalSARDataPreProcessor


BANDS = dict(optical=4, sar=2)


def preprocessor(**kwargs):
    return OpticalSARDataPreProcessor(bands=BANDS, **kwargs)


def sample(height, width, label_hw, key='s'):
    data_sample = SegDataSample(metainfo=dict(sample_key=key, bands=BANDS))
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
    pre = preprocessor(mean=[1, 1, 1, 1, 0, 0],
                       std=[1, 1, 1, 1, 2, 4])
    out = pre(batch([(10, 10, (3, 3))]), training=False)
    x = out['inputs'][0]
    assert torch.all(x[:4] == 1) and torch.all(x[4] == 1) and torch.all(x[5] == 0.5)


def test_mean_std_length_is_checked_against_the_bands():
    with pytest.raises(ValueError, match=r'mean/std give 4 values but the model sees 6 '
                                         r'channels \(optical 4, sar 2\)'):
        preprocessor(mean=[0] * 4, std=[1] * 4)


def test_a_batch_packed_with_other_bands_is_refused():
    data = batch([(10, 10, (3, 3))])
    data['data_samples'][0].set_metainfo(dict(bands=dict(optical=13, sar=2)))
    with pytest.raises(ValueError, match=r"sample 's' was packed with bands \{'optical': "
                                         r"13, 'sar': 2\} but the model expects"):
        preprocessor()(data, training=True)


def test_keeps_only_the_selected_modalities():
    pre = preprocessor(mean=[0] * 4, std=[1] * 4, input_modalities=('optical',))
    data = batch([(10, 10, (3, 3))])
    data['inputs'][0][4:] = 7.0
    out = pre(data, training=False)
    assert out['inputs'].shape == (1, 4, 10, 10)
    assert torch.all(out['inputs'] == 2.0)


def test_training_pads_every_target_on_its_grid():
    pre = preprocessor(mean=[0] * 6, std=[1] * 6, size_divisor=32,
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
    pre = preprocessor(mean=[0] * 6, std=[1] * 6)
    out = pre(batch([(160, 160, (48, 48)), (100, 160, (30, 48))]), training=True)
    assert out['inputs'].shape == (2, 6, 160, 160)
    second = out['data_samples'][1]
    assert second.gt_sem_seg.data.shape == (1, 48, 48)
    assert second.gt_clear_img.data.shape == (4, 160, 160)
    assert second.metainfo['padding_size'] == [0, 0, 0, 60]


def test_test_mode_pads_inputs_only():
    pre = preprocessor(mean=[0] * 6, std=[1] * 6,
                       test_cfg=dict(size_divisor=32))
    out = pre(batch([(300, 300, (90, 90))]), training=False)
    s = out['data_samples'][0]
    assert out['inputs'].shape == (1, 6, 320, 320)
    assert s.gt_sem_seg.data.shape == (1, 90, 90)
    assert s.gt_clear_img.data.shape == (4, 300, 300)
    assert s.metainfo['img_padding_size'] == [0, 20, 0, 20]


def test_target_off_the_image_grid_is_reported():
    pre = preprocessor(mean=[0] * 6, std=[1] * 6)
    data = batch([(20, 20, (6, 6))])
    data['data_samples'][0].gt_clear_img = PixelData(data=torch.ones(4, 19, 20))
    with pytest.raises(ValueError, match=r"gt_clear_img of sample 's' is \(19, 20\)"):
        pre(data, training=True)


def test_blanked_modalities_are_zero_after_normalisation():
    from mmseg.registry import MODELS
    pre = MODELS.build(dict(type='OpticalSARDataPreProcessor',
                            bands=dict(optical=2, sar=1), mean=[1.0] * 3, std=[2.0] * 3,
                            blank_modalities=('sar',)))
    inputs = torch.stack([torch.full((2, 2), v) for v in (3.0, 5.0, 7.0)])
    out = pre(dict(inputs=[inputs]), False)['inputs'][0]
    # (3 - 1) / 2 and (5 - 1) / 2 for the optical bands; the SAR band blanked to 0
    assert out[:, 0, 0].tolist() == [1.0, 2.0, 0.0]
    with pytest.raises(ValueError, match='must be among input_modalities'):
        preprocessor(input_modalities=('optical',), blank_modalities=('sar',))
