"""Sizes and masks of a padded batch, read from the samples' metainfo."""
import torch
from mmseg.structures import SegDataSample

from mmseg_edc.models.utils import decoded_size, padding_valid_mask


def test_decoded_size_follows_predict_by_feat():
    assert decoded_size(dict(img_shape=torch.Size([160, 160]), pad_shape=(320, 320))) == (160, 160)
    assert decoded_size(dict(img_shape=(300, 300), pad_shape=(320, 320))) == (320, 320)
    assert decoded_size(dict(img_shape=(300, 300))) == (300, 300)
    assert decoded_size(dict()) is None


def test_padding_valid_mask_zeroes_each_samples_padded_border():
    padded = SegDataSample(metainfo=dict(padding_size=[0, 3, 0, 2]))   # right 3, bottom 2
    whole = SegDataSample()                                           # no padding_size
    mask = padding_valid_mask([padded, whole], (6, 8))
    assert mask.shape == (2, 1, 6, 8)
    # 4 valid rows x 5 valid columns of 6 x 8 for the padded sample, all 48 for the other
    assert mask[0].sum() == 20 and mask[0, 0, :4, :5].all()
    assert mask[1].sum() == 48
