"""tools/analysis_tools/benchmark_efficiency.py: packaged config names, FLOPs with the
model's own channel count (mmseg's get_flops.py assumes 3), JSON report."""
import json
import os.path as osp

import pytest
import torch.nn as nn
from mmseg.models import SegDataPreProcessor

from mmseg_edc.apis import build_inference_model
from mmseg_edc.command_line import main as mmseg_edc_main
from mmseg_edc.utils import packaged_configs
from mmseg_edc.utils.efficiency import input_channel_count

OPTICAL_ONLY = 'upernet_r18-tiny_optical-only_1xb8-600it_generated-m3mcr-160x160'
EARLY_FUSION = 'upernet_r18-tiny_early-fusion_1xb8-600it_generated-m3mcr-160x160'


@pytest.fixture(scope='module')
def efficiency_tool(tool_runs):
    """tools/analysis_tools/benchmark_efficiency.py imported as a module."""
    return tool_runs.load('tools/analysis_tools/benchmark_efficiency.py')


def test_input_channels_follow_the_data_preprocessor(tiny_edc):
    assert input_channel_count(build_inference_model(tiny_edc.model_cfg())) == 6
    optical_only = dict(
        type='OpticalSAREncoderDecoder', bands=tiny_edc.BANDS,
        input_modalities=('optical',),
        data_preprocessor=dict(type='OpticalSARDataPreProcessor', mean=[0.5] * 4,
                               std=[0.25] * 4),
        backbone=dict(type='ResNetV1c', depth=18, stem_channels=8, base_channels=8),
        decode_head=dict(type='FCNHead', in_channels=64, in_index=3, channels=8,
                         num_convs=1, num_classes=3))
    assert input_channel_count(build_inference_model(optical_only)) == 4
    unnormalised = nn.Module()
    unnormalised.data_preprocessor = SegDataPreProcessor()
    with pytest.raises(ValueError, match='neither input_channels nor a mean'):
        input_channel_count(unnormalised)


def test_flops_of_packaged_configs_with_four_and_six_channels(efficiency_tool, tmp_path):
    out = tmp_path / 'efficiency.json'
    report = efficiency_tool.main([OPTICAL_ONLY, EARLY_FUSION, '--flops-sizes', '64',
                               '--batch-sizes', '--out', str(out)])
    assert json.loads(out.read_text()) == report
    optical, fusion = report['models']
    assert optical['config'] == osp.relpath(packaged_configs()[OPTICAL_ONLY])
    assert (optical['input_channels'], fusion['input_channels']) == (4, 6)
    # the two references differ only in their stem's input channels: 2 more input
    # channels of the first 3x3 conv (stem_channels / 2 = 16 outputs at 32 x 32)
    extra = fusion['flops']['64x64']['flops'] - optical['flops']['64x64']['flops']
    assert extra == 2 * 16 * 9 * 32 * 32
    assert fusion['params'] - optical['params'] == 2 * 16 * 9
    assert report['throughput'] == []


def test_command_runs_the_tool_and_debug_shows_the_traceback(efficiency_tool):
    with pytest.raises(SystemExit) as done:
        mmseg_edc_main(['efficiency', 'no-such-config'])
    assert done.value.code == 2
    assert efficiency_tool.parse_args([EARLY_FUSION, '--debug']).debug


def test_precisions_share_one_flop_count_and_fp16_gets_its_matmul_rate(
        efficiency_tool, monkeypatch):
    counted = []
    count_flops = efficiency_tool.count_flops

    def counting(model, shape):
        counted.append(shape)
        return count_flops(model, shape)

    monkeypatch.setattr(efficiency_tool, 'count_flops', counting)
    report = efficiency_tool.main([
        OPTICAL_ONLY, '--inputs', '32x32', '--batch-sizes', '2', '--precisions', 'fp32',
        'bf16', 'fp16', '--rounds', '1', '--matmul-size', '32', '--matmul-seconds',
        '0.001', '--flops-sizes'])
    # one count for the one (model, input shape), whatever the number of precisions
    assert counted == [(2, 4, 32, 32)]
    fp32, bf16, fp16 = report['throughput']
    assert [s['precision'] for s in (fp32, bf16, fp16)] == ['fp32', 'bf16', 'fp16']
    assert len({s['models'][0]['macs_per_image'] for s in (fp32, bf16, fp16)}) == 1
    assert set(fp32['matmul_macs_per_s']) == set(bf16['matmul_macs_per_s']) == {'fp32',
                                                                                'bf16'}
    assert set(fp16['matmul_macs_per_s']) == {'fp32', 'bf16', 'fp16'}
    assert 'accelerator' not in report['settings']
