"""tools/large_scene_inference.py end to end on a tiny scene, with a saved checkpoint:
outputs, refused inputs and checkpoints, SIGTERM."""
import json
import os
import os.path as osp
import signal
import subprocess
import sys

import numpy as np
import pytest
import rasterio

from mmseg_edc.apis import SceneSegmenter
from mmseg_edc.io import RasterReadError
from mmseg_edc.utils import run_tool

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOL = osp.join(ROOT, 'tools', 'large_scene_inference.py')
#: Runs the tool in a child that stops after writing its first rows (partial files on
#: disk) and waits on stdin, where the test's SIGTERM reaches it.
PAUSED_RUN = """
import runpy, sys
from mmseg_edc.apis import SceneSegmenter
write_rows = SceneSegmenter._write_rows
def write_rows_then_wait(self, *args):
    write_rows(self, *args)
    print('rows written', flush=True)
    sys.stdin.readline()
SceneSegmenter._write_rows = write_rows_then_wait
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name='__main__')
"""


@pytest.fixture(scope='module')
def scene_tool(tool_runs):
    """tools/large_scene_inference.py imported as a module."""
    return tool_runs.load('tools/large_scene_inference.py')


def test_cli_writes_what_the_api_writes(scene_tool, large_scene, geotiff_writer, tmp_path, capsys):
    optical, sar = large_scene.write_scene(geotiff_writer, str(tmp_path / 'in'), height=60,
                                           width=100)
    config = large_scene.write_config(tmp_path / 'config.py')
    model = large_scene.build_toy_model(seed=3)
    checkpoint = large_scene.write_checkpoint(tmp_path / 'toy.pth', model)
    out = tmp_path / 'out'
    settings = ['--window', '64', '--overlap', '16', '--batch-size', '2']
    scene_tool.main([config, checkpoint, '--optical', optical, '--sar', sar,
                      '--out', str(out / 'classes.tif'), *settings,
                      '--confidence', str(out / 'conf.tif'), '--confidence-dtype',
                      'uint8', '--clear-image', str(out / 'clear.tif'),
                      '--quicklook', str(out / 'quick.png'), '--no-progress'])
    printed = capsys.readouterr().out               # mmengine's checkpoint log, then JSON
    summary = json.loads(printed[printed.index('{\n'):])
    assert (summary['height'], summary['width'], summary['windows']) == (60, 100, 2)
    assert sorted(p.name for p in out.iterdir()) == [
        'classes.tif', 'clear.tif', 'conf.tif', 'quick.png']

    api_out = str(tmp_path / 'api.tif')
    SceneSegmenter(model, config).segment(optical, sar, api_out, window=64, overlap=16,
                                          batch_size=2, progress=False)
    with rasterio.open(out / 'classes.tif') as cli, rasterio.open(api_out) as api:
        np.testing.assert_array_equal(cli.read(), api.read())
        assert json.loads(cli.tags()['classes']) == list(large_scene.CLASSES)


def test_cli_refuses_to_overwrite_its_checkpoint(scene_tool, large_scene, geotiff_writer, tmp_path):
    optical, sar = large_scene.write_scene(geotiff_writer, str(tmp_path / 'in'), height=60,
                                           width=100)
    config = large_scene.write_config(tmp_path / 'config.py')
    checkpoint = large_scene.write_checkpoint(tmp_path / 'toy.pth',
                                              large_scene.build_toy_model())
    before = open(checkpoint, 'rb').read()
    try:
        scene_tool.main([config, checkpoint, '--optical', optical, '--sar', sar,
                          '--out', checkpoint, '--no-progress'])
    except ValueError as error:
        assert 'refusing to overwrite input' in str(error)
    else:
        raise AssertionError('the checkpoint was accepted as output')
    assert open(checkpoint, 'rb').read() == before


@pytest.fixture
def tool_inputs(large_scene, geotiff_writer, tmp_path):
    """Scene, config and checkpoint of a toy EDC model: the tool's arguments."""
    optical, sar = large_scene.write_scene(geotiff_writer, str(tmp_path / 'in'), height=60,
                                           width=100)
    config = large_scene.write_config(tmp_path / 'config.py')
    checkpoint = large_scene.write_checkpoint(tmp_path / 'toy.pth',
                                              large_scene.build_toy_model())
    return [config, checkpoint, '--optical', optical, '--sar', sar, '--no-progress']


def test_a_checkpoint_of_another_model_is_refused(tool_runs, large_scene, tool_inputs,
                                                  tmp_path):
    config, checkpoint, *scene = tool_inputs
    no_cr = large_scene.write_checkpoint(tmp_path / 'no_cr.pth',
                                         large_scene.build_toy_model(with_cr=False))
    out = tmp_path / 'out' / 'classes.tif'
    result = tool_runs.process(TOOL, config, no_cr, *scene, '--out', str(out))
    line = tool_runs.user_error_line(result)
    assert line.startswith(f'error: checkpoint {no_cr} does not fit the model '
                           'EDCSegmentor (is it a checkpoint of this config?): missing '
                           'keys (')
    assert 'cloud_removal_head.' in line and not out.parent.exists()


def test_bad_input_is_one_line_or_with_debug_a_traceback(scene_tool, tool_inputs, tmp_path, capsys):
    missing = str(tmp_path / 'missing.tif')
    args = [*tool_inputs, '--out', str(tmp_path / 'out.tif')]
    args[args.index('--optical') + 1] = missing
    with pytest.raises(SystemExit) as stop:
        run_tool(scene_tool.main, args)
    assert stop.value.code == 2
    # (in this process mmengine's logger may also write here: check the last line)
    last = capsys.readouterr().err.rstrip().splitlines()[-1]
    assert last.startswith(f'error: cannot open optical raster {missing!r}')
    with pytest.raises(RasterReadError, match='cannot open optical raster'):
        run_tool(scene_tool.main, [*args, '--debug'])


def test_sigterm_mid_scene_removes_partial_files(tool_runs, tool_inputs, tmp_path):
    out_dir = tmp_path / 'out'
    child = subprocess.Popen(
        [sys.executable, '-c', PAUSED_RUN, TOOL, *tool_inputs,
         '--out', str(out_dir / 'classes.tif'), '--confidence', str(out_dir / 'conf.tif'),
         '--window', '32', '--overlap', '0', '--block-size', '16'],
        cwd=ROOT, env=tool_runs.env(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True)
    for line in child.stdout:                       # mmengine's log lines, then ours
        if line.strip() == 'rows written':
            break
    else:
        raise AssertionError(child.communicate()[1][-4000:])
    partial = sorted(os.listdir(out_dir))
    assert len(partial) == 2 and all(name.endswith('.partial') for name in partial)

    child.send_signal(signal.SIGTERM)
    stderr = child.communicate(timeout=120)[1]
    assert child.returncode == 128 + signal.SIGTERM, stderr[-4000:]
    assert 'Traceback' not in stderr
    assert os.listdir(out_dir) == []
