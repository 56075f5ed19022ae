"""Steps kept in fp32 under autocast (docs/design.md §8.4).

Autocast runs convolutions and linear layers in bf16 (or fp16) and leaves every other
op in the dtype of its inputs, so without care the reductions, divisions and gates
after a bf16 conv, and the logits themselves, are rounded to 8 significant bits.
The few small steps whose rounding changes results run in fp32 instead:
:func:`full_precision` around them, floating inputs cast with ``.float()``.
"""
import torch
from torch import Tensor


def full_precision(like: Tensor):
    """A context with autocast off on ``like``'s device: ops run in the dtype of their
    inputs (cast those to fp32 with ``.float()``). Harmless without autocast."""
    return torch.autocast(device_type=like.device.type, enabled=False)
