"""The native hybrid stream, one stage at a time."""
import math

import pytest
import torch

from mmseg_edc.models.backbones.hybrid_stream import EDCHybridStream

TINY = dict(embed_dims=(8, 16, 32, 64), depths=(1, 1, 2, 1), num_heads=(2, 4),
            pos_mlp_hidden=16)


@pytest.mark.parametrize('height, width', [(64, 64), (50, 70), (33, 17)])
def test_native_stream_strides_use_ceil(height, width, run_all_stages):
    stream = EDCHybridStream(in_channels=3, **TINY).eval()
    with torch.no_grad():
        maps = run_all_stages(stream, torch.randn(1, 3, height, width))
    for index, (feature, channels) in enumerate(zip(maps, TINY['embed_dims'])):
        stride = 2 ** (index + 2)
        assert feature.shape == (1, channels, math.ceil(height / stride),
                                 math.ceil(width / stride))


def test_stream_without_stem_starts_at_stage_2():
    stream = EDCHybridStream(first_stage=1, **TINY)
    assert set(stream.stages) == {'stage2', 'stage3', 'stage4'}
    with pytest.raises(IndexError):
        stream.forward_stage(0, torch.randn(1, 3, 32, 32))
    assert stream.forward_stage(1, torch.randn(1, 8, 9, 9)).shape == (1, 16, 5, 5)
    with pytest.raises(ValueError):
        EDCHybridStream(first_stage=0, **TINY)


def test_native_stream_default_is_fastervit0_sized():
    stream = EDCHybridStream(in_channels=3)
    stage3 = stream.stages['stage3'].body
    stage4 = stream.stages['stage4'].body
    assert len(stage3.blocks) == 6 and stage3.carrier_tokens == 2
    assert stage3.blocks[0].carrier_block.attn.num_heads == 8
    assert len(stage4.blocks) == 5 and stage4.tokenizer is None
    assert stage4.blocks[0].block.attn.num_heads == 16
    assert stage4.blocks[-1].block.drop_path.drop_prob == pytest.approx(0.2)
    assert len(stream.stages['stage1'].body) == 2 and len(stream.stages['stage2'].body) == 3


def test_native_stream_init_weights():
    stream = EDCHybridStream(in_channels=3, **TINY)
    stream.init_weights()
    linear = stream.stages['stage4'].body.blocks[0].block.mlp[0]
    assert linear.weight.std() < 0.03 and torch.count_nonzero(linear.bias) == 0


def test_the_conv_reading_the_image_runs_in_fp32_under_autocast():
    stream = EDCHybridStream(in_channels=3, **TINY).eval()
    image_conv, second_conv = stream.stages['stage1'].entry
    image = torch.randn(2, 3, 33, 17)
    with torch.no_grad():
        reference = image_conv(image)
        with torch.autocast(device_type='cpu', dtype=torch.bfloat16):
            first = image_conv(image)
            second = second_conv(first)
    # the image conv gives the fp32 result exactly; the next conv is autocast's again
    assert first.dtype == torch.float32 and torch.equal(first, reference)
    assert second.dtype == torch.bfloat16
    # same parameter names as a plain ConvModule stem: checkpoints load unchanged
    assert 'stages.stage1.entry.0.conv.weight' in stream.state_dict()
