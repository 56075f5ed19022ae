"""DCHFNeck: input conventions, output shapes and the cross-modal chain switch."""
import pytest
import torch
from mmseg.registry import MODELS

from mmseg_edc.models.necks.dchf_neck import DCHFNeck

CHANNELS = [4, 8, 16, 32]


#: Level sizes (strides 4..32, ceil-sized) of the inputs the tests use.
SIZES = {(150, 170): [(38, 43), (19, 22), (10, 11), (5, 6)],
         (64, 64): [(16, 16), (8, 8), (4, 4), (2, 2)],
         (40, 48): [(10, 12), (5, 6), (3, 3), (2, 2)]}


def ceil_pyramid(height, width, batch=2, seed=0):
    """Random maps shaped like a stride-4..32 backbone pyramid of an input."""
    gen = torch.Generator().manual_seed(seed)
    return [torch.randn(batch, channels, *size, generator=gen)
            for channels, size in zip(CHANNELS, SIZES[(height, width)])]


def build(**kwargs):
    return MODELS.build(dict(type='DCHFNeck', in_channels=CHANNELS,
                             fusion_cfg=dict(type='DCHF', reduction=4), **kwargs))


@pytest.mark.parametrize('chain', [True, False])
def test_fused_pyramid_matches_the_input_pyramid(chain):
    neck = build(cross_modal_chain=chain)
    opt, sar = ceil_pyramid(150, 170), ceil_pyramid(150, 170, seed=1)
    out = neck(tuple(opt + sar))
    assert isinstance(out, tuple) and len(out) == 4
    assert [o.shape for o in out] == [x.shape for x in opt]
    assert [f.with_cross_modal for f in neck.fusions] == [False] + [chain] * 3


def test_flat_and_paired_inputs_agree():
    neck = build().eval()
    opt, sar = ceil_pyramid(64, 64), ceil_pyramid(64, 64, seed=1)
    flat = neck(tuple(opt + sar))
    paired = neck((opt, sar))
    for a, b in zip(flat, paired):
        assert torch.equal(a, b)


def test_return_streams_adds_the_refined_pyramids():
    neck = build(return_streams=True)
    opt, sar = ceil_pyramid(40, 48), ceil_pyramid(40, 48, seed=1)
    out = neck(tuple(opt + sar))
    assert len(out) == 12
    assert [o.shape for o in out] == [x.shape for x in opt] * 3
    assert not torch.allclose(out[4], opt[0])


@pytest.mark.parametrize('return_streams', [True, False])
def test_every_parameter_gets_a_gradient(return_streams):
    neck = build(return_streams=return_streams)
    out = neck(tuple(ceil_pyramid(64, 64) + ceil_pyramid(64, 64, seed=1)))
    sum(o.sum() for o in out).backward()
    for name, param in neck.named_parameters():
        assert param.grad is not None, name


def test_wrong_number_of_maps_is_reported():
    with pytest.raises(ValueError, match='expects 8 maps'):
        DCHFNeck(CHANNELS, fusion_cfg=dict(type='DCHF', reduction=4))(
            tuple(ceil_pyramid(64, 64)))
