"""Known user errors end the tools with one ``error:`` line and status 2 (subprocesses);
``--debug`` shows the traceback instead. Large-scene inference: tests/apis.
"""
import glob
import os.path as osp

import pytest
from mmengine.runner import save_checkpoint

from mmseg_edc.utils import run_tool
from mmseg_edc.apis import build_inference_model

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def test_train_without_data(tool_runs, reference_config, cfg_options, tmp_path):
    missing = str(tmp_path / 'no-data')
    result = tool_runs.process('tools/train.py', reference_config, '--work-dir',
                               str(tmp_path / 'w'), *cfg_options(missing, 2))
    line = tool_runs.user_error_line(result)
    assert line.startswith(f'error: M3M-CR split list {missing}/splits/train.csv does not '
                           'exist; hold the validation areas out of train/ first')


def test_train_with_the_wrong_class_count(tool_runs, reference_config, cfg_options,
                                          tiny_benchmark, tmp_path):
    result = tool_runs.process('tools/train.py', reference_config, '--work-dir',
                               str(tmp_path / 'w'), *cfg_options(tiny_benchmark, 2),
                               'model.decode_head.num_classes=7')
    assert tool_runs.user_error_line(result).startswith(
        "error: model.decode_head.num_classes is 7 but the train dataset M3MCRDataset "
        "(class_protocol '6class') has 6 classes")
    assert glob.glob(str(tmp_path / 'w' / '*.pth')) == []          # nothing trained


def test_test_without_checkpoint(tool_runs, reference_config, tmp_path):
    missing = str(tmp_path / 'iter_4.pth')
    result = tool_runs.process('tools/test.py', reference_config, missing)
    assert tool_runs.user_error_line(result) == f'error: checkpoint {missing} not found'

    # the same through the tool's entry point in this process, with --debug: raised
    with pytest.raises(FileNotFoundError, match=f'checkpoint {missing} not found'):
        run_tool(tool_runs.load('tools/test.py').main, [reference_config, missing, '--debug'])


def test_test_refuses_a_checkpoint_of_another_model(tool_runs, tiny_edc, reference_config,
                                                    cfg_options, tiny_benchmark, tmp_path):
    # an EDC toy's weights for the early-fusion UPerNet config
    checkpoint = str(tmp_path / 'edc_toy.pth')
    save_checkpoint(dict(state_dict=build_inference_model(
        tiny_edc.model_cfg()).state_dict()), checkpoint)
    work_dir = str(tmp_path / 'work')
    result = tool_runs.process('tools/test.py', reference_config, checkpoint, '--work-dir',
                               work_dir, *cfg_options(tiny_benchmark, 2))
    line = tool_runs.user_error_line(result)
    assert line.startswith(f'error: checkpoint {checkpoint} does not fit the model '
                           'OpticalSAREncoderDecoder')
    assert 'missing keys (' in line and 'unexpected keys (' in line
    evaluated = [line for path in glob.glob(osp.join(work_dir, '*', '*.json'))
                 for line in open(path) if 'mIoU' in line]
    assert evaluated == []


def test_converter_without_its_input(tool_runs, tmp_path):
    result = tool_runs.process('tools/dataset_converters/whu_opt_sar.py',
                               str(tmp_path / 'whu-opt-sar'), str(tmp_path / 'tiles'))
    assert tool_runs.user_error_line(result) == (
        f'error: WHU-OPT-SAR split file {tmp_path}/whu-opt-sar/The division of the '
        'dataset.txt does not exist')


def test_generator_and_analysis_tools_report_user_errors_in_one_line(tool_runs, tmp_path,
                                                                     capsys, monkeypatch):
    monkeypatch.setenv('PYTHONPATH', ROOT)          # for the demo's generator step
    not_a_folder = tmp_path / 'config.py'
    not_a_folder.write_text('')
    unknown_model = tmp_path / 'unknown_model.py'
    unknown_model.write_text("model = dict(type='NoSuchModel')\n")
    for path, args, line in [
            ('tools/dataset_converters/generate_m3mcr_benchmark.py',
             ['--out-dir', str(not_a_folder)],
             f'generate_m3mcr_benchmark: {not_a_folder} is not a folder'),
            ('tools/analysis_tools/benchmark_efficiency.py', [str(unknown_model)],
             'NoSuchModel is not in the mmseg::model registry'),
            ('tools/analysis_tools/benchmark_large_scene.py', ['--agreement-size', '64'],
             '--agreement-size must be a multiple of 10'),
            # the demo's failing step prints its error and sets the demo's status
            ('tools/demo.py', ['--data-root', str(not_a_folder)], None)]:
        with pytest.raises(SystemExit) as stop:
            run_tool(tool_runs.load(path).main, args)
        assert stop.value.code == 2, path
        err = capsys.readouterr().err
        if line is not None:
            assert err.startswith(f'error: {line}') and err.count('\n') == 1, err
