"""The shared U-Net decoder: output sizes for any input size."""
import pytest
import torch
import torch.nn.functional as F

from mmseg_edc.models.decode_heads import unet_decoder
from mmseg_edc.models.decode_heads.unet_decoder import (UNetBlock, UNetDecoder,
                                                        conv3x3_of_doubled)

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


def literal_block(block, x, size, skip=None):
    """Reference: the U-Net block as docs/design.md §5.1 states it."""
    x = F.interpolate(x, size=tuple(size), mode='nearest')
    if skip is not None:
        x = torch.cat([x, skip], dim=1)
    return block.convs(x)


@pytest.mark.parametrize('size, skip_channels', [((5, 7), 3), ((8, 8), 0), ((1, 1), 2)])
@pytest.mark.parametrize('with_norm', [True, False])
def test_doubling_block_equals_upsample_concat_conv(size, skip_channels, with_norm):
    """Doubling sizes skip the upsampled map and the concatenation; same result."""
    torch.manual_seed(0)
    block = UNetBlock(6, skip_channels, 4, norm_cfg=dict(type='BN') if with_norm else None,
                      act_cfg=dict(type='ReLU'))
    for module in block.modules():      # non-trivial statistics and affine parameters
        if isinstance(module, torch.nn.BatchNorm2d):
            module.running_mean.normal_()
            module.running_var.uniform_(0.5, 2)
            module.weight.data.normal_()
    block.eval()
    x = torch.randn(2, 6, *size)
    target = (2 * size[0], 2 * size[1])
    skip = torch.randn(2, skip_channels, *target) if skip_channels else None
    with torch.no_grad():
        assert torch.allclose(block(x, target, skip), literal_block(block, x, target, skip),
                              atol=1e-5)


def test_doubled_conv_matches_conv_of_the_upsampled_map():
    torch.manual_seed(0)
    x, weight = torch.randn(1, 3, 4, 5), torch.randn(2, 3, 3, 3)
    expected = F.conv2d(F.interpolate(x, scale_factor=2, mode='nearest'), weight, padding=1)
    assert torch.allclose(conv3x3_of_doubled(x, weight), expected, atol=1e-5)


def test_large_doubled_convs_run_channels_last_with_the_same_values(monkeypatch):
    torch.manual_seed(0)
    x, weight = torch.randn(2, 3, 6, 5), torch.randn(4, 3, 3, 3)
    contiguous = conv3x3_of_doubled(x, weight)
    layouts = []
    transposed = F.conv_transpose2d
    monkeypatch.setattr(unet_decoder.F, 'conv_transpose2d', lambda t, *args, **kwargs: (
        layouts.append(t.is_contiguous(memory_format=torch.channels_last))
        or transposed(t, *args, **kwargs)))
    # 2 x 4 x 12 x 10 float32 outputs: 3,840 bytes
    monkeypatch.setattr(unet_decoder, 'CHANNELS_LAST_FOLD_BYTES', 3840)
    large = conv3x3_of_doubled(x, weight)
    monkeypatch.setattr(unet_decoder, 'CHANNELS_LAST_FOLD_BYTES', 3841)
    small = conv3x3_of_doubled(x, weight)
    assert layouts == [True, False]
    assert large.is_contiguous(memory_format=torch.channels_last) and small.is_contiguous()
    torch.testing.assert_close(large, contiguous, rtol=1e-6, atol=1e-6)
    assert torch.equal(small, contiguous)


def test_decoder_continues_channels_last_after_a_large_fold(pyramid, monkeypatch):
    """A fold over the threshold leaves its map channels-last; the blocks after it
    read that map as it is and the decoder's output has the same values."""
    decoder = UNetDecoder(CHANNELS, decoder_channels=(16, 8, 8, 4, 4)).eval()
    levels = pyramid(64, 64)
    with torch.no_grad():
        contiguous = decoder(levels)
        # 2 x 8 x 32 x 32 float32 (the fourth block's output, 64 KiB) and larger
        monkeypatch.setattr(unet_decoder, 'CHANNELS_LAST_FOLD_BYTES', 2 * 8 * 32 * 32 * 4)
        channels_last = decoder(levels)
    assert channels_last.is_contiguous(memory_format=torch.channels_last)
    torch.testing.assert_close(channels_last, contiguous, rtol=1e-5, atol=1e-5)


def test_doubling_block_trains_like_the_literal_block():
    """Same gradients for the block's parameters through either path."""
    torch.manual_seed(0)
    block = UNetBlock(6, 3, 4, norm_cfg=dict(type='BN'), act_cfg=dict(type='ReLU'))
    x, skip = torch.randn(2, 6, 5, 4), torch.randn(2, 3, 10, 8)
    grads = []
    for forward in (block, lambda *args: literal_block(block, *args)):
        block.zero_grad()
        forward(x, (10, 8), skip).square().mean().backward()
        grads.append([p.grad.clone() for p in block.parameters()])
    assert all(torch.allclose(a, b, atol=1e-5) for a, b in zip(*grads))
