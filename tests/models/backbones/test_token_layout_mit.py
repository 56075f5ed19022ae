"""MiT with token-layout FFNs and attention: same parameters and outputs as mmseg's MiT."""
import pytest
import torch
from mmseg.registry import MODELS

from mmseg_edc.models.backbones import TokenLayoutMixVisionTransformer, token_layout_mit

TINY = dict(embed_dims=8, num_layers=[1, 2, 1, 1], num_heads=[1, 2, 4, 8],
            sr_ratios=[4, 2, 1, 1], in_channels=5)


@pytest.mark.parametrize('qkv_bias', [True, False])
def test_token_layout_mit_equals_mmseg_mit(qkv_bias):
    torch.manual_seed(0)
    stock = MODELS.build(dict(type='MixVisionTransformer', qkv_bias=qkv_bias, **TINY)).eval()
    token_layout = MODELS.build(dict(type='TokenLayoutMixVisionTransformer',
                                     qkv_bias=qkv_bias, **TINY)).eval()
    assert isinstance(token_layout, TokenLayoutMixVisionTransformer)
    assert stock.state_dict().keys() == token_layout.state_dict().keys()
    token_layout.load_state_dict(stock.state_dict())
    # one FFN and one attention per layer replaced; sr_ratio > 1 at the first two stages
    layers = sum(TINY['num_layers'])
    modules = list(token_layout.modules())
    assert sum(isinstance(m, token_layout_mit.LinearMixFFN) for m in modules) == layers
    attentions = [m for m in modules
                  if isinstance(m, token_layout_mit.TokenLayoutEfficientAttention)]
    assert [a.sr_ratio for a in attentions] == [4, 2, 2, 1, 1]
    x = torch.randn(2, 5, 45, 38)
    with torch.no_grad():
        for a, b in zip(stock(x), token_layout(x)):
            assert a.shape == b.shape
            assert torch.allclose(a, b, atol=1e-5)


def test_adapter_stages_a_token_layout_mit(run_all_stages):
    stream = MODELS.build(dict(type='EDCStreamAdapter', in_channels=5,
                               backbone=dict(type='TokenLayoutMixVisionTransformer', **{
                                   k: v for k, v in TINY.items() if k != 'in_channels'})))
    with torch.no_grad():
        maps = run_all_stages(stream.eval(), torch.randn(1, 5, 64, 64))
    assert [m.shape[1] for m in maps] == [8, 16, 32, 64]
