"""Known user errors end the tools with one ``error:`` line and status 2 (subprocesses);
``--debug`` shows the traceback instead. Large-scene inference: tests/apis.
"""
import glob
import importlib.util
import os.path as osp

import pytest
from edc_toys import model_cfg
from mmengine.runner import save_checkpoint
from test_train_test_e2e import CONFIG, options, tiny_benchmark  # noqa: F401
from tool_runs import ROOT, run_tool_process, user_error_line

from mmseg_edc.utils import run_tool
from mmseg_edc.apis import build_inference_model


def load_tool(path):
    spec = importlib.util.spec_from_file_location(osp.basename(path)[:-3],
                                                  osp.join(ROOT, path))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    return tool


def test_train_without_data(tmp_path):
    missing = str(tmp_path / 'no-data')
    result = run_tool_process('tools/train.py', CONFIG, '--work-dir', str(tmp_path / 'w'),
                              *options(missing, 2))
    line = user_error_line(result)
    assert line.startswith(f'error: M3M-CR split list {missing}/splits/train.csv does not '
                           'exist; hold the validation areas out of train/ first')


def test_train_with_the_wrong_class_count(tiny_benchmark, tmp_path):  # noqa: F811
    result = run_tool_process('tools/train.py', CONFIG, '--work-dir', str(tmp_path / 'w'),
                              *options(tiny_benchmark, 2), 'model.decode_head.num_classes=7')
    assert user_error_line(result).startswith(
        "error: model.decode_head.num_classes is 7 but the train dataset M3MCRDataset "
        "(class_protocol '6class') has 6 classes")
    assert glob.glob(str(tmp_path / 'w' / '*.pth')) == []          # nothing trained


def test_test_without_checkpoint(tmp_path):
    missing = str(tmp_path / 'iter_4.pth')
    result = run_tool_process('tools/test.py', CONFIG, missing)
    assert user_error_line(result) == f'error: checkpoint {missing} not found'

    # the same through the tool's entry point in this process, with --debug: raised
    with pytest.raises(FileNotFoundError, match=f'checkpoint {missing} not found'):
        run_tool(load_tool('tools/test.py').main, [CONFIG, missing, '--debug'])


def test_test_refuses_a_checkpoint_of_another_model(tiny_benchmark, tmp_path):  # noqa: F811
    # an EDC toy's weights for the early-fusion UPerNet config
    checkpoint = str(tmp_path / 'edc_toy.pth')
    save_checkpoint(dict(state_dict=build_inference_model(model_cfg()).state_dict()),
                    checkpoint)
    work_dir = str(tmp_path / 'work')
    result = run_tool_process('tools/test.py', CONFIG, checkpoint, '--work-dir', work_dir,
                              *options(tiny_benchmark, 2))
    line = user_error_line(result)
    assert line.startswith(f'error: checkpoint {checkpoint} does not fit the model '
                           'OpticalSAREncoderDecoder')
    assert 'missing keys (' in line and 'unexpected keys (' in line
    evaluated = [line for path in glob.glob(osp.join(work_dir, '*', '*.json'))
                 for line in open(path) if 'mIoU' in line]
    assert evaluated == []


def test_converter_without_its_input(tmp_path):
    result = run_tool_process('tools/dataset_converters/whu_opt_sar.py',
                              str(tmp_path / 'whu-opt-sar'), str(tmp_path / 'tiles'))
    assert user_error_line(result) == (
        f'error: WHU-OPT-SAR split file {tmp_path}/whu-opt-sar/The division of the '
        'dataset.txt does not exist')


def test_generator_and_analysis_tools_report_user_errors_in_one_line(tmp_path, capsys,
                                                                     monkeypatch):
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
            run_tool(load_tool(path).main, args)
        assert stop.value.code == 2, path
        err = capsys.readouterr().err
        if line is not None:
            assert err.startswith(f'error: {line}') and err.count('\n') == 1, err
