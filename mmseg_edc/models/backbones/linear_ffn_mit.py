"""mmseg's MiT with the Mix-FFN's pointwise convolutions run as linear layers.

SegFormer's own MiT, which CloudSeg uses, builds its feed-forward layers from linear
layers on the token layout; mmseg's ``MixFFN`` builds them from 1x1 convolutions on
the image layout. The two compute the same function with the same parameters. They
differ in speed under CPU bf16 autocast, where linear layers gain about 2x and 1x1
convolutions little, so an efficiency reference meant to stand in for CloudSeg uses
this variant (docs/design.md §8).
"""
import torch.nn.functional as F
from mmengine.model import BaseModule
from mmseg.models.backbones.mit import MixFFN, MixVisionTransformer
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

    def forward(self, x: Tensor, hw_shape, identity=None) -> Tensor:
        """``x``: ``B x N x C`` tokens of a ``hw_shape`` map -> ``B x N x C``."""
        fc1, pe_conv, activate, drop, fc2, _ = self.layers
        out = F.linear(x, fc1.weight.flatten(1), fc1.bias)
        out = nchw_to_nlc(drop(activate(pe_conv(nlc_to_nchw(out, hw_shape)))))
        out = drop(F.linear(out, fc2.weight.flatten(1), fc2.bias))
        return (x if identity is None else identity) + self.dropout_layer(out)


@MODELS.register_module()
class LinearFFNMixVisionTransformer(MixVisionTransformer):
    """``MixVisionTransformer`` (same arguments, parameters and checkpoints) with every
    ``MixFFN`` replaced by :class:`LinearMixFFN`."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        for module in list(self.modules()):
            if hasattr(module, 'ffn') and isinstance(module.ffn, MixFFN):
                module.ffn = LinearMixFFN(module.ffn)
