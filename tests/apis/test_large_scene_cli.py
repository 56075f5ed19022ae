"""tools/large_scene_inference.py end to end on a tiny scene, with a saved checkpoint."""
import importlib.util
import json
import os.path as osp

import numpy as np
import rasterio
from large_scene_toys import (CLASSES, build_toy_model, write_checkpoint, write_config,
                              write_scene)

from mmseg_edc.apis import SceneSegmenter

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def load_tool():
    spec = importlib.util.spec_from_file_location(
        'large_scene_inference_tool', osp.join(ROOT, 'tools', 'large_scene_inference.py'))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    return tool


def test_cli_writes_what_the_api_writes(geotiff_writer, tmp_path, capsys):
    optical, sar = write_scene(geotiff_writer, str(tmp_path / 'in'), height=60,
                               width=100)
    config = write_config(tmp_path / 'config.py')
    model = build_toy_model(seed=3)
    checkpoint = write_checkpoint(tmp_path / 'toy.pth', model)
    out = tmp_path / 'out'
    settings = ['--window', '64', '--overlap', '16', '--batch-size', '2']
    load_tool().main([config, checkpoint, '--optical', optical, '--sar', sar,
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
        assert json.loads(cli.tags()['classes']) == list(CLASSES)


def test_cli_refuses_to_overwrite_its_checkpoint(geotiff_writer, tmp_path):
    optical, sar = write_scene(geotiff_writer, str(tmp_path / 'in'), height=60,
                               width=100)
    config = write_config(tmp_path / 'config.py')
    checkpoint = write_checkpoint(tmp_path / 'toy.pth', build_toy_model())
    before = open(checkpoint, 'rb').read()
    try:
        load_tool().main([config, checkpoint, '--optical', optical, '--sar', sar,
                          '--out', checkpoint, '--no-progress'])
    except ValueError as error:
        assert 'refusing to overwrite input' in str(error)
    else:
        raise AssertionError('the checkpoint was accepted as output')
    assert open(checkpoint, 'rb').read() == before
