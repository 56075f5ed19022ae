"""mmseg's MiT with its token-wise layers run on the ``B x N x C`` token layout, as
SegFormer's own MiT (which CloudSeg uses) runs them.

mmseg's ``MixVisionTransformer`` computes the same function with the same parameters,
but lays two parts out differently: the Mix-FFN's pointwise projections are 1x1
convolutions on the image layout, and the efficient attention goes through
``nn.MultiheadAttention`` on a transposed ``N x B x C`` view. Both cost little in fp32
and a lot under CPU bf16 autocast: 1x1 convolutions gain little from bf16, and a bf16
linear layer on the transposed view materialises its weight once per token (on
EDC-base's CloudSeg-sized reference at 256 x 256, batch 8, these copies took half of
the bf16 time and made it slower than fp32). An efficiency reference meant to stand in
for CloudSeg therefore uses this variant (docs/design.md §8.4).
"""
from typing import Optional, Tuple

import torch.nn.functional as F
from mmengine.model import BaseModule
from mmseg.models.backbones.mit import (EfficientMultiheadAttention, MixFFN,
                                        MixVisionTransformer)
from mmseg.models.utils import nchw_to_nlc, nlc_to_nchw
from mmseg.registry import MODELS
from torch import Tensor


class LinearMixFFN(BaseModule):
    """A ``MixFFN`` whose two pointwise convs run as linear layers on ``B x N x C``
    tokens; the depthwise 3x3 conv between them still runs on the image layout.

    Takes over the submodules of an existing ``MixFFN`` (``layers``:
    ``fc1, pe_conv, act, drop, fc2, drop``; ``dropout_layer``), so parameter names,
    shapes and state dicts are unchanged.
    """

    def __init__(self, ffn: MixFFN):
        super().__init__()
        self.layers = ffn.layers
        self.dropout_layer = ffn.dropout_layer

    def forward(self, x: Tensor, hw_shape: Tuple[int, int],
                identity: Optional[Tensor] = None) -> Tensor:
        """``x``: ``B x N x C`` tokens of a ``hw_shape`` map -> ``B x N x C``."""
        fc1, pe_conv, activate, drop, fc2, _ = self.layers
        out = F.linear(x, fc1.weight.flatten(1), fc1.bias)
        out = nchw_to_nlc(drop(activate(pe_conv(nlc_to_nchw(out, hw_shape)))))
        out = drop(F.linear(out, fc2.weight.flatten(1), fc2.bias))
        return (x if identity is None else identity) + self.dropout_layer(out)


class TokenLayoutEfficientAttention(BaseModule):
    """An ``EfficientMultiheadAttention`` (spatial-reduction attention) computed on
    contiguous ``B x N x C`` tokens: query, key and value projections as linear layers
    on the tokens, fused scaled dot-product attention over ``B x heads x N x d``, the
    output projection on the tokens.

    Takes over the submodules of an existing ``EfficientMultiheadAttention``
    (``attn``: its ``nn.MultiheadAttention`` with packed ``in_proj_weight`` /
    ``in_proj_bias`` and ``out_proj``; ``sr`` and ``norm`` when ``sr_ratio > 1``;
    ``proj_drop``, ``dropout_layer``), so parameter names and state dicts are unchanged.
    """

    def __init__(self, attention: EfficientMultiheadAttention):
        super().__init__()
        self.attn = attention.attn
        self.sr_ratio = attention.sr_ratio
        if self.sr_ratio > 1:
            self.sr = attention.sr
            self.norm = attention.norm
        self.proj_drop = attention.proj_drop
        self.dropout_layer = attention.dropout_layer

    def forward(self, x: Tensor, hw_shape: Tuple[int, int],
                identity: Optional[Tensor] = None) -> Tensor:
        """``x``: ``B x N x C`` tokens of a ``hw_shape`` map -> ``B x N x C``; keys and
        values come from the map reduced ``sr_ratio`` times per side (``M`` tokens)."""
        batch, tokens, channels = x.shape
        heads = self.attn.num_heads
        context = x
        if self.sr_ratio > 1:
            context = self.norm(nchw_to_nlc(self.sr(nlc_to_nchw(x, hw_shape))))
        weight_q, weight_k, weight_v = self.attn.in_proj_weight.chunk(3)
        bias_q, bias_k, bias_v = (self.attn.in_proj_bias.chunk(3)
                                  if self.attn.in_proj_bias is not None else (None,) * 3)

        def split_heads(tokens_in: Tensor, weight: Tensor, bias: Optional[Tensor]) -> Tensor:
            projected = F.linear(tokens_in, weight, bias)                  # B x L x C
            return projected.unflatten(-1, (heads, -1)).transpose(1, 2)    # B x h x L x d

        out = F.scaled_dot_product_attention(
            split_heads(x, weight_q, bias_q), split_heads(context, weight_k, bias_k),
            split_heads(context, weight_v, bias_v),
            dropout_p=self.attn.dropout if self.training else 0.0)
        out = self.attn.out_proj(out.transpose(1, 2).reshape(batch, tokens, channels))
        return (x if identity is None else identity) + self.dropout_layer(self.proj_drop(out))


@MODELS.register_module()
class TokenLayoutMixVisionTransformer(MixVisionTransformer):
    """``MixVisionTransformer`` (same arguments, parameters, checkpoints and outputs)
    with every ``MixFFN`` replaced by :class:`LinearMixFFN` and every
    ``EfficientMultiheadAttention`` by :class:`TokenLayoutEfficientAttention`."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        for module in list(self.modules()):
            if isinstance(getattr(module, 'ffn', None), MixFFN):
                module.ffn = LinearMixFFN(module.ffn)
            if isinstance(getattr(module, 'attn', None), EfficientMultiheadAttention):
                module.attn = TokenLayoutEfficientAttention(module.attn)
