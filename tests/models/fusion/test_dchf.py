"""DCHF: shapes at any size, the weighted pooling and the teacher / ablation switches."""
import pytest
import torch
from mmseg.registry import MODELS

import torch.nn.functional as F

from mmseg_edc.models.fusion.dchf import (DCHF, MultiScaleContext, add_cell_values,
                                          reliability_weighted_pool)

C = 8


def streams(height, width, batch=2, with_cm=True, seed=0):
    gen = torch.Generator().manual_seed(seed)
    maps = [torch.randn(batch, C, height, width, generator=gen) for _ in range(3)]
    return maps if with_cm else maps[:2]


@pytest.mark.parametrize('size', [(40, 40), (5, 7), (3, 3), (1, 2)])
@pytest.mark.parametrize('with_cm', [False, True])
def test_output_shapes_at_any_size(size, with_cm):
    fusion = DCHF(C, with_cross_modal=with_cm, reduction=4)
    out = fusion(*streams(*size, with_cm=with_cm))
    for name in ('opt', 'sar', 'fused'):
        assert getattr(out, name).shape == (2, C, *size)
    assert out.reliability.shape == (2, 1, *size)
    assert torch.all((out.reliability >= 0) & (out.reliability <= 1))


def test_cross_modal_input_must_match_the_stage():
    opt, sar, cm = streams(4, 4)
    with pytest.raises(ValueError, match='with_cross_modal=False'):
        DCHF(C, with_cross_modal=False)(opt, sar, cm)
    with pytest.raises(ValueError, match='with_cross_modal=True'):
        DCHF(C, with_cross_modal=True)(opt, sar)


def cell_max(x, cell):
    """Reference: each pixel's ``cell x cell`` block maximum at full size (partial
    border blocks are blocks): ceil-mode pooling, x ``cell`` nearest, crop."""
    pooled = F.max_pool2d(x, cell, cell, ceil_mode=True)
    return F.interpolate(pooled, scale_factor=cell, mode='nearest')[
        ..., :x.shape[-2], :x.shape[-1]]


def test_cell_max_gives_each_pixel_its_own_block_maximum():
    x = torch.arange(25.).view(1, 1, 5, 5)
    out = cell_max(x, 4)
    assert out.shape == x.shape
    assert out[0, 0, 3, 3] == 18      # block rows/cols 0-3
    assert out[0, 0, 0, 4] == 19      # partial block: rows 0-3, col 4
    assert out[0, 0, 4, 0] == 23      # partial block: row 4, cols 0-3
    assert out[0, 0, 4, 4] == 24
    assert torch.equal(cell_max(x[..., :3, :3], 4), torch.full((1, 1, 3, 3), 12.))


@pytest.mark.parametrize('size', [(8, 12), (5, 7), (1, 2)])
def test_add_cell_values_spreads_each_block_value(size):
    base, x = torch.randn(2, 3, *size), torch.randn(2, 3, *size)
    for cell in (2, 4):
        pooled = F.max_pool2d(x, cell, cell, ceil_mode=True)
        assert torch.equal(add_cell_values(base, pooled, cell), base + cell_max(x, cell))


@pytest.mark.parametrize('size', [(16, 16), (8, 12), (5, 7), (3, 3), (1, 2)])
def test_multi_scale_context_equals_the_concatenated_form(size):
    """The decomposed 1x1 conv against its definition (docs/design.md §4.2 step 1):
    ``ReLU(conv1x1([X; cell_max(X, 2); cell_max(X, 4)]))``."""
    torch.manual_seed(0)
    context = MultiScaleContext(C)
    x = torch.randn(2, C, *size)
    reference = F.relu(context.proj(torch.cat([x, cell_max(x, 2), cell_max(x, 4)], dim=1)))
    assert torch.allclose(context(x), reference, atol=1e-5)


def test_weighted_pool_matches_a_hand_computation():
    x = torch.tensor([[[[1., 2.], [3., 4.]],
                       [[10., 0.], [0., -10.]]]])                  # 1 x 2 x 2 x 2
    weight = torch.tensor([[[[1., 0.], [0., 3.]]]])               # 1 x 1 x 2 x 2
    pooled = reliability_weighted_pool(x, weight, eps=0.0)
    expected = torch.tensor([(1 * 1 + 3 * 4) / 4, (1 * 10 + 3 * -10) / 4])
    assert pooled.shape == (1, 2, 1, 1)
    assert torch.allclose(pooled.flatten(), expected)
    assert torch.allclose(reliability_weighted_pool(x).flatten(), torch.tensor([2.5, 0.]))


def test_weighted_pool_stays_finite_when_weight_vanishes():
    pooled = reliability_weighted_pool(torch.ones(1, 3, 2, 2), torch.zeros(1, 1, 2, 2))
    assert torch.all(torch.isfinite(pooled)) and torch.all(pooled == 0)


def test_teacher_variant_is_plain_gap_without_reliability():
    teacher = DCHF(C, with_cross_modal=True, use_reliability=False, reduction=4)
    assert teacher.reliability is None
    opt, sar, cm = streams(6, 5)
    out = teacher(opt, sar, cm)
    assert out.reliability is None
    stacked = torch.cat([teacher.opt_context(opt), teacher.sar_context(sar),
                         teacher.cm_context(cm)], dim=1)
    recalibrated = teacher.recalibration(stacked, stacked.mean(dim=(2, 3), keepdim=True))
    expected = sum(recalibrated.chunk(3, dim=1))
    assert torch.allclose(out.fused, expected, atol=1e-6)


def twin_fusions(**kwargs):
    weighted = DCHF(C, with_cross_modal=True, weighted_pool=True, reduction=4, **kwargs)
    plain = DCHF(C, with_cross_modal=True, weighted_pool=False, reduction=4, **kwargs)
    plain.load_state_dict(weighted.state_dict())
    return weighted, plain


def test_weighted_and_plain_pooling_differ_for_non_uniform_reliability():
    weighted, plain = twin_fusions()
    inputs = streams(8, 8)
    out_w, out_p = weighted(*inputs), plain(*inputs)
    assert out_w.reliability.std() > 0
    assert torch.allclose(out_w.reliability, out_p.reliability)
    assert not torch.allclose(out_w.fused, out_p.fused, atol=1e-4)


def test_weighted_and_plain_pooling_agree_for_uniform_reliability():
    weighted, plain = twin_fusions()
    for fusion in (weighted, plain):
        torch.nn.init.zeros_(fusion.reliability.conv.weight)     # A = sigmoid(BN(0)) = 0.5
    inputs = streams(8, 8)
    out_w, out_p = weighted(*inputs), plain(*inputs)
    assert torch.allclose(out_w.reliability, torch.full_like(out_w.reliability, 0.5))
    assert torch.allclose(out_w.fused, out_p.fused, atol=1e-5)


def test_discrepancy_switch():
    difference = DCHF(C, with_cross_modal=False, discrepancy='difference', reduction=4)
    absolute = DCHF(C, with_cross_modal=False, discrepancy='absolute', reduction=4)
    absolute.load_state_dict(difference.state_dict())
    inputs = streams(6, 6, with_cm=False)
    assert not torch.allclose(difference(*inputs).reliability,
                              absolute(*inputs).reliability)
    with pytest.raises(ValueError, match='discrepancy'):
        DCHF(C, with_cross_modal=False, discrepancy='ratio')


def test_write_back_refines_the_streams_and_can_be_switched_off():
    opt, sar = streams(6, 6, with_cm=False)
    refined = DCHF(C, with_cross_modal=False, reduction=4)(opt, sar)
    assert not torch.allclose(refined.opt, opt) and not torch.allclose(refined.sar, sar)
    fuse_only = DCHF(C, with_cross_modal=False, reduction=4, write_back=False)
    out = fuse_only(opt, sar)
    assert out.opt is opt and out.sar is sar
    assert not any('write_back' in name for name, _ in fuse_only.named_parameters())


def test_every_parameter_gets_a_gradient():
    fusion = MODELS.build(dict(type='DCHF', channels=C, with_cross_modal=True, reduction=4))
    out = fusion(*streams(7, 5))
    (out.opt.sum() + out.sar.sum() + out.fused.sum()).backward()
    for name, param in fusion.named_parameters():
        assert param.grad is not None, name


def test_reliability_and_pooling_stay_fp32_under_bf16_autocast():
    """docs/design.md §8.4: A, the pooled statistics and the channel weights are fp32,
    the wide maps keep autocast's bf16."""
    fusion = DCHF(C, with_cross_modal=True, reduction=4).eval()
    opt, sar, cm = streams(12, 10)
    with torch.no_grad():
        reference = fusion(opt, sar, cm)
        with torch.autocast('cpu', dtype=torch.bfloat16):
            out = fusion(opt, sar, cm)
            pooled = reliability_weighted_pool(opt.bfloat16(), out.reliability)
    assert out.reliability.dtype == torch.float32 and pooled.dtype == torch.float32
    assert out.fused.dtype == torch.bfloat16
    assert torch.allclose(out.reliability, reference.reliability, atol=2e-2)
    # bf16 products (rounded to ~0.4 %), fp32 sums and division
    assert torch.allclose(pooled, reliability_weighted_pool(opt.bfloat16().float(),
                                                            out.reliability), atol=2e-3)
