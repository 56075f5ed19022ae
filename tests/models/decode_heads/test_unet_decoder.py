"""The shared U-Net decoder: output sizes for any input size."""
import pytest
import torch
import torch.nn.functional as F

from mmseg_edc.models.decode_heads.unet_decoder import UNetDecoder

CHANNELS = (4, 8, 16, 32)


@pytest.mark.parametrize('size', [(160, 160), (150, 170), (300, 300)])
def test_output_size(pyramid, size):
    decoder = UNetDecoder(CHANNELS, decoder_channels=(16, 8, 8, 4, 4))
    levels = pyramid(*size)
    assert decoder(levels, output_size=size).shape == (2, 4, *size)
    natural = [side * 4 for side in levels[0].shape[-2:]]
    assert decoder(levels).shape == (2, 4, *natural)


def test_nearest_upsampling_to_odd_size_is_a_cropped_doubling():
    """Why the decoder may always interpolate to the exact size (see its docstring)."""
    x = torch.randn(1, 2, 5, 6)
    doubled = F.interpolate(x, scale_factor=2, mode='nearest')
    assert torch.equal(F.interpolate(x, size=(9, 11), mode='nearest'), doubled[..., :9, :11])


def test_block_layout_and_skips():
    decoder = UNetDecoder(CHANNELS, decoder_channels=(16, 8, 8, 4, 4))
    first_convs = [block.convs[0].conv for block in decoder.blocks]
    assert [c.in_channels for c in first_convs] == [32 + 16, 16 + 8, 8 + 4, 8, 4]
    assert decoder.out_channels == 4
    with pytest.raises(ValueError, match='at least 3 decoder blocks'):
        UNetDecoder(CHANNELS, decoder_channels=(8, 8))
