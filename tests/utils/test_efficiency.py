import torch
import torch.nn as nn
import torch.nn.functional as F

from mmseg_edc.apis import build_inference_model
from mmseg_edc.utils.efficiency import count_flops, count_parameters, measure_throughput


class ConvThenAttention(nn.Module):
    """1x1 conv (2 -> 4 channels), then self-attention over the 64 pixels, 2 heads."""

    def __init__(self):
        super().__init__()
        self.proj = nn.Conv2d(2, 4, 1, bias=False)
        self.anchor = nn.Parameter(torch.zeros(1))

    def forward(self, inputs, mode='tensor'):
        x = self.proj(inputs)                                   # 1 x 4 x 8 x 8
        tokens = x.flatten(2).transpose(1, 2).reshape(1, 64, 2, 2).transpose(1, 2)
        return F.scaled_dot_product_attention(tokens, tokens, tokens)


def test_flops_by_hand_including_fused_attention():
    conv = 4 * 2 * 8 * 8                    # MACs of the 1x1 conv
    attention = 1 * 2 * 64 * 64 * (2 + 2)   # QK^T and AV, 2 heads of depth 2
    assert count_flops(ConvThenAttention(), (1, 2, 8, 8))['flops'] == conv + attention


def test_inference_model_drops_the_teacher_and_counts_parameters(tiny_edc):
    # the teacher's config and checkpoint need not exist: it is never built
    student = build_inference_model(tiny_edc.model_cfg(
        teacher=dict(config='unused.py', checkpoint='unused.pth')))
    assert student.teacher is None and student.distill_loss is None
    assert not student.training
    assert count_parameters(student) == sum(p.numel() for p in student.parameters())
    assert count_parameters(nn.Linear(3, 4)) == 16


def test_flops_and_throughput_of_a_tiny_edc(tiny_edc):
    model = build_inference_model(tiny_edc.model_cfg())
    flops = count_flops(model, (1, 6, 64, 64))
    assert flops['flops'] > 0
    assert {'backbone', 'decode_head', 'cloud_removal_head'} <= set(flops['by_module'])
    assert sum(flops['by_module'].values()) == flops['flops']
    run = measure_throughput(model, (2, 6, 64, 64), warmup=1, repeats=2)
    assert run['batch'] == 2 and run['repeats'] == 2 and run['images_per_s'] > 0
    assert abs(run["seconds_per_batch"] * run["images_per_s"] - 2) < 1e-6
