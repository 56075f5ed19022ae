"""run_tool: known user errors as one line, bugs with their traceback, SIGTERM status;
read_config: the config text left unformatted.

The tools' own wiring is tested through subprocesses in tests/tools/test_cli_errors.py
and tests/apis/test_large_scene_cli.py.
"""
import argparse
import gc
import signal
import subprocess
import sys

import pytest
from mmengine.config import Config

from mmseg_edc.io import GridMismatchError, RasterReadError
from mmseg_edc.utils import (USER_ERROR_STATUS, Terminated, add_debug_flag, config_path,
                              read_config, run_tool)


def tool_raising(error):
    """A tool whose main parses its arguments (with --debug) and raises ``error``."""
    def main(argv):
        add_debug_flag(argparse.ArgumentParser()).parse_args(argv)
        raise error
    return main


@pytest.mark.parametrize('error, line', [
    (FileNotFoundError('checkpoint a.pth not found'), 'checkpoint a.pth not found'),
    (RasterReadError('cannot open optical raster x.tif'),
     'cannot open optical raster x.tif'),
    (GridMismatchError('CRS differ'), 'CRS differ'),
    (KeyError('Foo is not in the mmseg::model registry'),
     'Foo is not in the mmseg::model registry'),          # no quotes around the key
    (ValueError(), 'ValueError'),
])
def test_a_user_error_is_one_line_and_status_2(error, line, capsys):
    with pytest.raises(SystemExit) as stop:
        run_tool(tool_raising(error), [])
    assert stop.value.code == USER_ERROR_STATUS == 2
    captured = capsys.readouterr()
    assert captured.err == f'error: {line}\n' and captured.out == ''


def test_debug_shows_the_traceback_and_bugs_always_do(capsys):
    with pytest.raises(FileNotFoundError, match='not found'):
        run_tool(tool_raising(FileNotFoundError('not found')), ['--debug'])
    with pytest.raises(TypeError, match='a bug'):
        run_tool(tool_raising(TypeError('a bug')), [])
    assert capsys.readouterr().err == ''


def test_sigterm_handler_is_installed_only_while_the_tool_runs():
    before = signal.getsignal(signal.SIGTERM)
    seen = []

    def main(argv):
        seen.append(signal.getsignal(signal.SIGTERM))
        raise Terminated('terminated by signal 15')
    with pytest.raises(SystemExit) as stop:
        run_tool(main, [])
    assert stop.value.code == 128 + signal.SIGTERM == 143
    assert seen[0] is not before and callable(seen[0])
    assert signal.getsignal(signal.SIGTERM) is before
    assert run_tool(lambda argv: argv, ['a', '--b']) == ['a', '--b']


def test_configs_keep_their_text_unformatted_and_exact(monkeypatch):
    """read_config leaves yapf out of the config text the Runner logs, dumps and
    stores in checkpoints; the text still reads back as the same config."""
    import mmengine.config.config as mmengine_config

    monkeypatch.setattr(mmengine_config, 'FormatCode',
                        lambda *args, **kwargs: pytest.fail('yapf formatted the config'))
    cfg = read_config(config_path('edc_edc-small_1xb8-400it_generated-m3mcr-160x160.py'),
                      {'train_cfg.max_iters': 7})
    assert cfg.train_cfg.max_iters == 7 and cfg.filename.endswith('160x160.py')
    assert Config.fromstring(cfg.pretty_text, '.py').to_dict() == cfg.to_dict()


def test_a_tool_run_from_the_command_line_freezes_what_it_loaded():
    """Run as a script (no argv given), run_tool moves the objects loaded before main
    into the collector's permanent generation; given argv (a caller's process, as
    here), it leaves the collector alone."""
    script = ('import gc, mmseg_edc.utils as u; '
              'print(gc.get_freeze_count(), u.run_tool(lambda argv: gc.get_freeze_count()))')
    before, during = map(int, subprocess.run(
        [sys.executable, '-c', script], capture_output=True, text=True,
        check=True).stdout.split())
    assert before == 0 and during > 100_000     # torch, mmengine, mmseg and ours
    frozen_here = gc.get_freeze_count()
    assert run_tool(lambda argv: gc.get_freeze_count(), []) == frozen_here
