"""MiT with linear-layer Mix-FFNs: same parameters and outputs as mmseg's MiT."""
import torch
from mmseg.registry import MODELS

from mmseg_edc.models.backbones import LinearFFNMixVisionTransformer, linear_ffn_mit

TINY = dict(embed_dims=8, num_layers=[1, 2, 1, 1], num_heads=[1, 2, 4, 8],
            sr_ratios=[4, 2, 1, 1], in_channels=5)


def test_linear_ffn_mit_equals_mmseg_mit():
    torch.manual_seed(0)
    conv_ffn = MODELS.build(dict(type='MixVisionTransformer', **TINY)).eval()
    linear_ffn = MODELS.build(dict(type='LinearFFNMixVisionTransformer', **TINY)).eval()
    assert isinstance(linear_ffn, LinearFFNMixVisionTransformer)
    assert conv_ffn.state_dict().keys() == linear_ffn.state_dict().keys()
    linear_ffn.load_state_dict(conv_ffn.state_dict())
    ffns = [m for m in linear_ffn.modules() if isinstance(m, linear_ffn_mit.LinearMixFFN)]
    assert len(ffns) == sum(TINY['num_layers'])
    x = torch.randn(2, 5, 45, 38)
    with torch.no_grad():
        for a, b in zip(conv_ffn(x), linear_ffn(x)):
            assert torch.allclose(a, b, atol=1e-5)


def test_adapter_stages_a_linear_ffn_mit(run_all_stages):
    stream = MODELS.build(dict(type='EDCStreamAdapter', in_channels=5,
                               backbone=dict(type='LinearFFNMixVisionTransformer', **{
                                   k: v for k, v in TINY.items() if k != 'in_channels'})))
    with torch.no_grad():
        maps = run_all_stages(stream.eval(), torch.randn(1, 5, 64, 64))
    assert [m.shape[1] for m in maps] == [8, 16, 32, 64]
