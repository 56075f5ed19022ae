"""Whole-scene inference: agreement with whole-image inference, outputs, errors."""
import json
import os
import os.path as osp

import numpy as np
import pytest
import rasterio
import torch
from edc_toys import BANDS, TINY_BACKBONE, model_cfg
from large_scene_toys import (CLASSES, NODATA_COLS, NODATA_ROWS, ORIGIN, PALETTE,
                              build_toy_model, write_config, write_scene)
from mmengine.config import Config
from mmseg.registry import MODELS
from PIL import Image
from rasterio.crs import CRS
from rasterio.enums import Compression

from mmseg_edc.apis import (SceneReader, SceneSegmenter, dataset_classes_and_palette,
                            label_agreement)
from mmseg_edc.datasets import WORLDCOVER_6CLASS
from mmseg_edc.datasets.transforms import RadiometricUnitsError
from mmseg_edc.io import (GridMismatchError, RasterReadError, partial_path,
                          resample_nearest)


@pytest.fixture(scope='module')
def toy_model():
    return build_toy_model()


@pytest.fixture
def scene(geotiff_writer, tmp_path):
    return write_scene(geotiff_writer, str(tmp_path / 'inputs'))


@pytest.fixture
def segmenter(toy_model, tmp_path):
    return SceneSegmenter(toy_model, write_config(tmp_path / 'config.py'))


def toy_outputs(window, with_clear):
    """A per-pixel stand-in for the model on one window: ``3 [+ 4] x h x w``."""
    optical, sar = window.optical / 10000.0, window.sar / 30.0
    channels = [optical[..., 0] - optical[..., 1], optical[..., 2] + sar[..., 0],
                0.5 * optical[..., 3] - sar[..., 1]]
    if with_clear:
        channels += [optical[..., band] for band in range(4)]
    return np.stack(channels).astype(np.float32)


@pytest.fixture
def per_pixel_segmenter(segmenter, monkeypatch):
    """The segmenter with a per-pixel model: every window covering a pixel gives it
    the same outputs, so blended results must equal the whole-scene function."""
    monkeypatch.setattr(segmenter, 'forward_windows', lambda windows, with_clear: (
        np.stack([toy_outputs(w, with_clear) for w in windows])))
    return segmenter


def read(path):
    """Pixels, profile and the other properties the tests check, of a raster file."""
    with rasterio.open(path) as src:
        properties = dict(blocks=src.block_shapes, compression=src.compression,
                          scales=src.scales, tags=src.tags())
        try:
            properties['colours'] = src.colormap(1)
        except ValueError:                           # rasters without a colour table
            properties['colours'] = None
        return src.read(), src.profile, properties


def expected_per_pixel(scene):
    with SceneReader(*scene) as reader:
        whole = reader.read(0, 0, reader.height, reader.width)
    outputs = toy_outputs(whole, with_clear=True)
    logits = outputs[:3]
    softmax = np.exp(logits - logits.max(0)) / np.exp(logits - logits.max(0)).sum(0)
    return logits.argmax(0), softmax.max(0), outputs[3:], whole.nodata


def listing(folder):
    return sorted(os.listdir(folder))


def test_matches_whole_image_inference(segmenter, scene, tmp_path):
    reference, reference_clear = segmenter.predict_whole(*scene)
    out, clear = str(tmp_path / 'one.tif'), str(tmp_path / 'one_clear.tif')
    summary = segmenter.segment(*scene, out, window=256, overlap=64, clear_image=clear,
                                progress=False)
    assert summary['windows'] == 1 and summary['window'] == [150, 200]
    labels = read(out)[0][0]
    valid = labels != 255
    assert not valid[NODATA_ROWS, NODATA_COLS].any() and valid.sum() == 150 * 200 - 240
    assert label_agreement(labels, reference) == 1.0
    np.testing.assert_allclose(read(clear)[0][:, valid], reference_clear[:, valid],
                               atol=1e-5)

    windowed = str(tmp_path / 'windowed.tif')
    summary = segmenter.segment(*scene, windowed, window=96, overlap=32, batch_size=2,
                                progress=False)
    agreement = label_agreement(read(windowed)[0][0], reference)
    print(f'\nagreement of 96/32 windows with whole-image inference: {agreement:.4f}')
    assert summary['windows'] == 6 and agreement > 0.8


def test_class_map_geotiff(per_pixel_segmenter, scene, tmp_path):
    out = str(tmp_path / 'out' / 'classes.tif')
    per_pixel_segmenter.segment(*scene, out, window=64, overlap=16, batch_size=3,
                                block_size=32, progress=False)
    labels, _, _, expected_nodata = expected_per_pixel(scene)
    data, profile, properties = read(out)
    with rasterio.open(scene[0]) as optical:
        assert profile['crs'] == optical.crs and profile['transform'] == optical.transform
    assert (profile['dtype'], profile['count'], profile['nodata']) == ('uint8', 1, 255)
    assert profile['tiled'] and properties['blocks'] == [(32, 32)]
    assert properties['compression'] == Compression.deflate
    assert json.loads(properties['tags']['classes']) == list(CLASSES)
    colours = properties['colours']
    assert [list(colours[i][:3]) for i in range(3)] == PALETTE
    assert colours[255] == (0, 0, 0, 0)
    np.testing.assert_array_equal(data[0], np.where(expected_nodata, 255, labels))
    assert listing(tmp_path / 'out') == ['classes.tif']


def test_banded_streaming_equals_one_band(per_pixel_segmenter, scene, tmp_path):
    """Tile rows of 16 (a moving band of 80 rows) give what one 150-row band gives."""
    results = []
    for block in (16, 256):
        out = str(tmp_path / f'block{block}.tif')
        conf, clear = out + '.conf.tif', out + '.clear.tif'
        per_pixel_segmenter.segment(*scene, out, window=64, overlap=32, batch_size=4,
                                    confidence=conf, clear_image=clear, block_size=block,
                                    progress=False)
        results.append([read(path)[0] for path in (out, conf, clear)])
    for streamed, whole in zip(*results):
        np.testing.assert_array_equal(streamed, whole)


def test_confidence_clear_image_and_quicklook(per_pixel_segmenter, scene, tmp_path):
    labels, confidence, clear, nodata = expected_per_pixel(scene)
    out = str(tmp_path / 'classes.tif')
    outputs = dict(confidence=str(tmp_path / 'conf.tif'),
                   clear_image=str(tmp_path / 'clear.tif'),
                   quicklook=str(tmp_path / 'quick.png'))
    per_pixel_segmenter.segment(*scene, out, window=64, overlap=32, quicklook_size=50,
                                progress=False, **outputs)
    valid = ~nodata
    conf, profile, _ = read(outputs['confidence'])
    assert profile['dtype'] == 'float32' and np.isnan(profile['nodata'])
    assert np.isnan(conf[0][nodata]).all()
    np.testing.assert_allclose(conf[0][valid], confidence[valid], rtol=1e-5)
    image, profile, _ = read(outputs['clear_image'])
    assert profile['dtype'] == 'float32' and profile['count'] == 4
    assert np.isnan(image[:, nodata]).all()
    np.testing.assert_allclose(image[:, valid], clear[:, valid], rtol=1e-5)

    quick = np.asarray(Image.open(outputs['quicklook']))
    assert quick.shape == (38, 50, 4)                # every 4th row and column
    assert (quick[:3, :5, 3] == 0).all()             # nodata corner is transparent
    np.testing.assert_array_equal(quick[5:, 5:, :3],
                                  np.array(PALETTE)[labels[20::4, 20::4]])

    per_pixel_segmenter.segment(*scene, out, window=64, overlap=32, progress=False,
                                confidence=outputs['confidence'],
                                confidence_dtype='uint8')
    percent, profile, properties = read(outputs['confidence'])
    assert profile['dtype'] == 'uint8' and profile['nodata'] == 255
    assert properties['scales'] == (0.01,) and (percent[0][nodata] == 255).all()
    np.testing.assert_array_equal(percent[0][valid], np.rint(confidence[valid] * 100))


def test_sar_is_resampled_onto_the_optical_grid_by_pixel_centres(
        geotiff_writer, tmp_path, scene):
    with rasterio.open(scene[1]) as src:
        sar = np.moveaxis(src.read(), 0, -1)
    with SceneReader(*scene) as reader:
        window = reader.read(30, 50, 64, 96)
    np.testing.assert_array_equal(window.sar,
                                  resample_nearest(sar, (150, 200))[30:94, 50:146])
    # SAR shifted 25 m east: the optical columns west of it have no SAR -> nodata
    shifted = write_scene(geotiff_writer, str(tmp_path / 'shifted'),
                          sar_origin=(ORIGIN[0] + 25, ORIGIN[1]))
    with SceneReader(*shifted) as reader:
        window = reader.read(0, 0, 150, 200)
        assert not reader.sar_covers_scene
    assert window.nodata[:, :8].all() and not window.nodata[20:, 9:].any()
    column = (ORIGIN[0] + 3 * (40 + 0.5) - (ORIGIN[0] + 25)) // 10   # centre of col 40
    np.testing.assert_array_equal(window.sar[100, 40], sar[30, int(column)])


def test_mismatched_crs_and_disjoint_extents_are_refused(segmenter, geotiff_writer,
                                                         tmp_path):
    out = str(tmp_path / 'out.tif')
    other_crs = write_scene(geotiff_writer, str(tmp_path / 'crs'),
                            sar_crs=CRS.from_epsg(32647))
    with pytest.raises(GridMismatchError, match=r"CRS.*EPSG:32647.*EPSG:32646") as err:
        segmenter.segment(*other_crs, out, progress=False)
    assert other_crs[1] in str(err.value) and other_crs[0] in str(err.value)
    far = write_scene(geotiff_writer, str(tmp_path / 'far'),
                      sar_origin=(ORIGIN[0] + 10000, ORIGIN[1]))
    with pytest.raises(GridMismatchError, match='do not overlap'):
        segmenter.segment(*far, out, progress=False)
    assert listing(tmp_path) == ['config.py', 'crs', 'far']


def test_corrupt_input_leaves_no_output(per_pixel_segmenter, scene, tmp_path):
    optical, sar = scene
    with open(optical, 'r+b') as f:                  # striped: the top rows stay readable
        f.truncate(osp.getsize(optical) * 6 // 10)
    out_dir = tmp_path / 'out'
    with pytest.raises(RasterReadError, match='cannot read window') as err:
        per_pixel_segmenter.segment(optical, sar, str(out_dir / 'classes.tif'),
                                    window=32, overlap=0, block_size=16,
                                    confidence=str(out_dir / 'conf.tif'),
                                    quicklook=str(out_dir / 'quick.png'),
                                    progress=False)
    assert optical in str(err.value)
    assert listing(out_dir) == []

    with open(sar, 'w') as f:
        f.write('not a raster')
    with pytest.raises(RasterReadError, match='cannot open SAR raster') as err:
        per_pixel_segmenter.segment(optical, sar, str(out_dir / 'classes.tif'),
                                    progress=False)
    assert sar in str(err.value)


def test_inputs_are_never_overwritten(segmenter, scene, tmp_path):
    before = open(scene[0], 'rb').read()
    with pytest.raises(ValueError, match='refusing to overwrite input'):
        segmenter.segment(*scene, str(tmp_path / 'out.tif'), confidence=scene[0],
                          progress=False)
    assert open(scene[0], 'rb').read() == before
    assert listing(tmp_path) == ['config.py', 'inputs']      # no out.tif, no partial
    assert listing(osp.dirname(scene[0])) == ['optical.tif', 'sar.tif']


def test_next_run_removes_partial_files_of_dead_runs_only(per_pixel_segmenter, scene,
                                                         tmp_path, dead_pid):
    out_dir = tmp_path / 'out'
    out_dir.mkdir()
    out = str(out_dir / 'classes.tif')
    killed = partial_path(out, pid=dead_pid)       # what kill -9 of a run leaves
    live = partial_path(out, pid=os.getppid())     # a run still writing the same file
    for path in (killed, killed + '.aux.xml', live):
        with open(path, 'wb') as f:
            f.write(b'\0' * 1024)
    per_pixel_segmenter.segment(*scene, out, window=64, overlap=16, progress=False)
    assert listing(out_dir) == sorted([osp.basename(live), 'classes.tif'])


def test_outputs_follow_the_umask(per_pixel_segmenter, scene, tmp_path):
    out_dir = tmp_path / 'new' / 'out'
    previous = os.umask(0o022)
    try:
        per_pixel_segmenter.segment(*scene, str(out_dir / 'classes.tif'),
                                    confidence=str(out_dir / 'conf.tif'),
                                    clear_image=str(out_dir / 'clear.tif'),
                                    quicklook=str(out_dir / 'quick.png'), progress=False)
    finally:
        os.umask(previous)
    # 0o666 / 0o777 less the umask 0o022 (mkstemp gave 0o600 whatever the umask)
    modes = {name: oct((out_dir / name).stat().st_mode & 0o777)
             for name in listing(out_dir)}
    assert modes == dict.fromkeys(['classes.tif', 'clear.tif', 'conf.tif', 'quick.png'],
                                  '0o644')
    assert oct(out_dir.stat().st_mode & 0o777) == '0o755'


def test_settings_errors(toy_model, scene, tmp_path, geotiff_writer):
    no_cr = SceneSegmenter(build_toy_model(with_cr=False),
                           write_config(tmp_path / 'no_cr.py', with_cr=False))
    with pytest.raises(ValueError, match='no cloud-removal head'):
        no_cr.segment(*scene, str(tmp_path / 'out.tif'),
                      clear_image=str(tmp_path / 'clear.tif'), progress=False)
    three_bands = geotiff_writer(str(tmp_path / 'sar3.tif'),
                                 np.zeros((45, 60, 3), np.float32), 10.0, origin=ORIGIN)
    with pytest.raises(RasterReadError, match='has 3 bands, the config expects 2'):
        no_cr.segment(scene[0], three_bands, str(tmp_path / 'out.tif'), progress=False)
    assert not osp.exists(tmp_path / 'out.tif')


def test_palette_sources():
    cfg = Config(dict(test_dataloader=dict(dataset=dict(type='M3MCRDataset'))))
    classes, palette = dataset_classes_and_palette(cfg, 6)
    assert classes == list(WORLDCOVER_6CLASS.classes)
    assert palette == [list(c) for c in WORLDCOVER_6CLASS.palette]
    meta = dict(classes=CLASSES, palette=PALETTE)
    assert dataset_classes_and_palette(cfg, 3, meta) == (list(CLASSES), PALETTE)
    with pytest.raises(ValueError, match='lists 6 classes.*predicts 3'):
        dataset_classes_and_palette(cfg, 3)


def test_amp_on_cpu_runs_in_bfloat16(toy_model, geotiff_writer, tmp_path):
    scene = write_scene(geotiff_writer, str(tmp_path / 'small'), height=60, width=100)
    segmenter = SceneSegmenter(toy_model, write_config(tmp_path / 'config.py'),
                               amp=True)
    out = str(tmp_path / 'amp.tif')
    summary = segmenter.segment(*scene, out, window=256, overlap=0, progress=False)
    assert summary['amp'] and read(out)[0].dtype == np.uint8
    reference = SceneSegmenter(toy_model, segmenter.cfg).predict_whole(*scene)[0]
    assert label_agreement(read(out)[0][0], reference) > 0.8


def test_stock_encoder_decoder_matches_whole_image_inference(geotiff_writer, tmp_path):
    """A plain mmseg EncoderDecoder (head at 1/32, logits resized to the window)."""
    torch.manual_seed(0)
    model = MODELS.build(dict(
        type='EncoderDecoder',
        data_preprocessor=dict(model_cfg()['data_preprocessor'], bands=BANDS),
        backbone=dict(TINY_BACKBONE, bands=BANDS),
        decode_head=dict(type='FCNHead', in_channels=64, in_index=3, channels=8,
                         num_convs=1, num_classes=3),
        test_cfg=dict(mode='whole')))
    scene = write_scene(geotiff_writer, str(tmp_path / 'small'), height=60, width=100)
    segmenter = SceneSegmenter(model, write_config(tmp_path / 'config.py'))
    out = str(tmp_path / 'stock.tif')
    segmenter.segment(*scene, out, window=128, overlap=0, progress=False)
    labels = read(out)[0][0]
    assert label_agreement(labels, segmenter.predict_whole(*scene)[0]) == 1.0
    with pytest.raises(ValueError, match='EncoderDecoder has no cloud-removal head'):
        segmenter.segment(*scene, out, clear_image=str(tmp_path / 'clear.tif'),
                          progress=False)


def test_scenes_follow_the_grid_rule_of_tiles(segmenter, geotiff_writer, tmp_path, scene):
    """One rule (mmseg_edc.io.check_modality_grid) for scenes and tiles."""
    optical, sar_path = scene
    with rasterio.open(sar_path) as src:
        sar = np.moveaxis(src.read(), 0, -1)
        transform = src.transform
    with SceneReader(optical, sar_path) as reader:
        north = reader.read(0, 0, 150, 200)
    # the same SAR stored south-up is mapped as it lies: the same window
    south_up = rasterio.Affine(10.0, 0, transform.c, 0, 10.0,
                               transform.f - 10.0 * sar.shape[0])
    south_path = geotiff_writer(tmp_path / 'sar_south.tif', sar[::-1], transform=south_up)
    with SceneReader(optical, south_path) as reader:
        np.testing.assert_array_equal(reader.read(0, 0, 150, 200).sar, north.sar)
    rotated = geotiff_writer(tmp_path / 'sar_rot.tif', sar,
                             transform=transform * rasterio.Affine.rotation(5))
    with pytest.raises(GridMismatchError, match=r"SAR raster .*sar_rot.tif.*rotated"):
        SceneReader(optical, rotated)
    no_crs = geotiff_writer(tmp_path / 'sar_no_crs.tif', sar, crs=None,
                            transform=transform)
    with pytest.raises(GridMismatchError,
                       match=r"SAR raster .*sar_no_crs.tif' has no CRS and its shape "
                             r"\(45, 60\) differs from the \(150, 200\)"):
        segmenter.segment(optical, no_crs, str(tmp_path / 'out.tif'), progress=False)
    assert not osp.exists(tmp_path / 'out.tif')


def test_scene_pair_without_georeferencing(per_pixel_segmenter, geotiff_writer, tmp_path):
    """Two rasters of one shape without any georeferencing lie pixel for pixel."""
    rng = np.random.default_rng(4)
    plain = dict(crs=None, transform=rasterio.Affine.identity())
    optical = geotiff_writer(tmp_path / 'o.tif',
                             rng.integers(1, 10000, (40, 50, 4)).astype(np.uint16), **plain)
    sar = rng.uniform(-30, 0, (40, 50, 2)).astype(np.float32)
    sar_path = geotiff_writer(tmp_path / 's.tif', sar, **plain)
    with SceneReader(optical, sar_path) as reader:
        np.testing.assert_array_equal(reader.read(5, 7, 20, 30).sar, sar[5:25, 7:37])
    out = str(tmp_path / 'out.tif')
    per_pixel_segmenter.segment(optical, sar_path, out, window=32, overlap=8,
                                progress=False)
    labels, profile, _ = read(out)
    assert labels.shape == (1, 40, 50) and profile['crs'] is None


def test_scene_in_other_units_is_refused(segmenter, geotiff_writer, tmp_path, scene):
    optical, sar_path = scene
    with rasterio.open(sar_path) as src:
        sar_db, transform = np.moveaxis(src.read(), 0, -1), src.transform
    linear = geotiff_writer(tmp_path / 'sar_linear.tif', 10 ** (sar_db / 10),
                            transform=transform)
    out = str(tmp_path / 'out.tif')
    with pytest.raises(RadiometricUnitsError,
                       match=r"'sar' file '.*sar_linear.tif'.*expects dB.*linear power"):
        segmenter.segment(optical, linear, out, progress=False)
    assert not osp.exists(out)
