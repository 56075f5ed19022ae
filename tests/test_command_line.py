"""``mmseg-edc`` and packaged configs: names resolve, commands dispatch to the tools."""
import os.path as osp

import pytest

from mmseg_edc.command_line import main
from mmseg_edc.utils import config_path, packaged_configs

SMALL = 'edc_edc-small_1xb8-400it_generated-m3mcr-160x160'


def test_every_config_has_a_unique_name_that_resolves():
    configs = packaged_configs()
    assert SMALL in configs and len(configs) > 10
    for name, path in configs.items():
        assert config_path(name) == path and config_path(name + '.py') == path
        assert '_base_' not in path


def test_config_given_as_file_or_packaged_relative_path(tmp_path, monkeypatch):
    own = tmp_path / 'mine.py'
    own.write_text("_base_ = []\n")
    assert config_path(str(own)) == str(own)
    monkeypatch.chdir(tmp_path)    # configs/ is not below the working directory
    relative = osp.join('configs', 'edc', SMALL + '.py')
    assert config_path(relative) == packaged_configs()[SMALL]
    with pytest.raises(FileNotFoundError, match='`mmseg-edc configs` lists'):
        config_path('edc_no-such-model')


def test_train_tool_takes_a_packaged_config_name(tool_runs):
    train_tool = tool_runs.load('tools/train.py')
    assert train_tool.parse_args([SMALL]).config == packaged_configs()[SMALL]


def test_help_lists_commands_and_converters(capsys):
    with pytest.raises(SystemExit) as done:
        main(['--help'])
    assert done.value.code == 0
    text = capsys.readouterr().out
    for command in ('train', 'test', 'demo', 'infer', 'browse', 'efficiency', 'convert',
                    'configs', 'generate_m3mcr_benchmark', 'whu_opt_sar'):
        assert command in text


def test_commands_run_the_tools(capsys):
    with pytest.raises(SystemExit) as done:
        main(['test', '--help'])
    assert done.value.code == 0
    assert 'usage: test.py' in capsys.readouterr().out
    with pytest.raises(SystemExit) as done:
        main(['convert', 'generate-m3mcr-benchmark', '--help'])
    assert done.value.code == 0
    assert 'usage: generate_m3mcr_benchmark.py' in capsys.readouterr().out


def test_unknown_config_and_converter_are_clear_errors(capsys):
    with pytest.raises(SystemExit) as done:
        main(['train', 'edc_no-such-model'])
    assert done.value.code == 2
    assert "no config file 'edc_no-such-model'" in capsys.readouterr().err
    with pytest.raises(SystemExit) as done:
        main(['convert', 'cityscapes'])
    assert done.value.code == 2
    assert 'generate_m3mcr_benchmark, m3mcr_val_split, whu_opt_sar' in capsys.readouterr().err


def test_configs_lists_matching_names(capsys):
    main(['configs', '*no-distill*'])
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == [   # in path order
        'edc_edc-small-no-distill_1xb8-400it_generated-m3mcr-160x160',
        'edc-no-distill_mit-b4-streams_1xb32-30e_m3mcr-160x160']
