import os.path as osp
import platform

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmseg_edc.apis import build_inference_model
from mmseg_edc.utils.efficiency import (count_flops, count_parameters, input_channel_count,
                                        interleaved_rounds, machine_settings,
                                        matmul_rate, paired_ratios, spread,
                                        time_inference)


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
    assert input_channel_count(model) == 6
    flops = count_flops(model, (1, 6, 64, 64))
    assert flops['flops'] > 0
    assert {'backbone', 'decode_head', 'cloud_removal_head'} <= set(flops['by_module'])
    assert sum(flops['by_module'].values()) == flops['flops']
    assert time_inference(model, torch.randn(2, 6, 64, 64), repeats=1, warmup=0) > 0


def test_fitted_windows_cut_flops_where_fixed_windows_pad(tiny_edc):
    """256 px: stage 3 is 16 x 16 (fitted 18 x 18, fixed 21 x 21), stage 4 8 x 8
    (fitted unpadded, fixed 14 x 14); 224 px is a multiple of 7 at both stages."""
    def flops(partition, side):
        stream = dict(tiny_edc.model_cfg()['backbone']['stream_cfg'],
                      window_partition=partition)
        model = build_inference_model(tiny_edc.model_cfg(
            backbone=dict(type='EDCBackbone', stream_cfg=stream)))
        return count_flops(model, (1, 6, side, side))['flops']
    assert flops('fitted', 256) < flops('fixed', 256)
    assert flops('fitted', 224) == flops('fixed', 224)


def test_interleaved_rounds_alternate_the_order():
    calls = []
    subjects = {name: (lambda name=name: calls.append(name) or len(calls))
                for name in 'abc'}
    rates = interleaved_rounds(subjects, rounds=3)
    assert calls == list('abc' 'cba' 'abc')
    assert rates == {'a': [1, 6, 7], 'b': [2, 5, 8], 'c': [3, 4, 9]}


def test_spread_and_paired_ratios():
    assert spread([3, 1, 2]) == dict(median=2, min=1, max=3, values=[3, 1, 2])
    ratios = paired_ratios([2., 4., 9.], [1., 4., 3.])
    assert ratios['values'] == [2., 1., 3.] and ratios['median'] == 2.


def test_matmul_rate_and_machine_settings():
    assert matmul_rate('fp32', size=64, min_seconds=0.01) > 0
    assert matmul_rate('bf16', size=64, min_seconds=0.01) > 0
    settings = machine_settings(2, 'fp32')
    assert settings['threads'] == 2 and settings['torch'] == torch.__version__
    assert len(settings['load_average']) == 3
    if osp.isfile('/proc/cpuinfo'):             # the model name, not just 'x86_64'
        with open('/proc/cpuinfo') as f:
            names = [line.split(':', 1)[1].strip() for line in f
                     if line.startswith('model name')]
        assert settings['cpu'] == (names[0] if names else platform.processor()
                                   or platform.machine())

