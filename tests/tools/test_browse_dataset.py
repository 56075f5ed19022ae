"""tools/analysis_tools/browse_dataset.py on a tiny generated benchmark: one panel per
sample after the pipeline's transforms, every modality, the label on its own grid and a
legend of the classes it shows."""
import os.path as osp

import cv2
import numpy as np
import pytest
from mmengine.config import Config

from mmseg_edc.command_line import main as mmseg_edc_main
from mmseg_edc.io import resample_nearest
from mmseg_edc.utils import packaged_configs, split_dataset
from mmseg_edc.visualization import render_data_sample
from mmseg_edc.visualization.panel import LEGEND_LINE, SWATCH, TITLE_HEIGHT, colorize_labels

CONFIG = 'edc_edc-small_1xb8-400it_generated-m3mcr-160x160'
GAP = 4
#: cloudy optical, SAR, cloud-free optical, cloud mask, ground truth
TILES = 5


@pytest.fixture(scope='module')
def browse_tool(tool_runs):
    """tools/analysis_tools/browse_dataset.py imported as a module."""
    return tool_runs.load('tools/analysis_tools/browse_dataset.py')


@pytest.fixture(scope='module')
def tiny_benchmark(tmp_path_factory):
    from mmseg_edc.synthesis import generate_m3mcr_benchmark
    root = tmp_path_factory.mktemp('generated') / 'm3mcr'
    generate_m3mcr_benchmark(str(root), num_train=2, num_val=1, num_test=1, seed=1)
    return str(root)


def data_root_options(root):
    return ['--cfg-options', *[f'{split}_dataloader.dataset.data_root={root}'
                               for split in ('train', 'val', 'test')]]


def read_rgb(path):
    return cv2.imread(path, cv2.IMREAD_UNCHANGED)[..., ::-1]


def colour_pixels(image, colour):
    return int(np.all(image == np.asarray(colour, np.uint8), axis=-1).sum())


def swatches(legend, colour):
    """How many legend swatches have ``colour`` (grey ones may also tint text edges)."""
    count = colour_pixels(legend, colour)
    if len(set(colour)) == 1:
        return count // SWATCH ** 2
    assert count % SWATCH ** 2 == 0, (colour, count)
    return count // SWATCH ** 2


def test_train_panels_show_the_cropped_sample_the_model_sees(browse_tool, tiny_benchmark,
                                                            tmp_path):
    tool = browse_tool
    out = str(tmp_path / 'browse')
    options = data_root_options(tiny_benchmark)
    np.random.seed(0)   # the crop offsets: MultiModalRandomCrop draws from numpy
    written = tool.main([CONFIG, '--output-dir', out, '--not-show', *options])
    assert [osp.basename(p) for p in written] == ['spring_1_p_1.png', 'spring_1_p_2.png']

    # the same samples, drawn again with the same random state
    cfg = Config.fromfile(packaged_configs()[CONFIG])
    cfg.merge_from_dict({'train_dataloader.dataset.data_root': tiny_benchmark})
    dataset = split_dataset(cfg, 'train')
    np.random.seed(0)
    for index, path in enumerate(written):
        packed = dataset[index]
        panel = read_rgb(path)
        assert np.array_equal(panel, render_data_sample(
            packed['inputs'], packed['data_samples'], dataset.metainfo))
        # after the 160 x 160 crop: five 160-px tiles; the label's 48 x 48 crop is
        # brought to the image (160 px over 48 label px: the 300 / 90 ratio)
        assert panel.shape[1] == TILES * 160 + (TILES - 1) * GAP
        label = packed['data_samples'].gt_sem_seg.data[0].numpy()
        assert label.shape == (48, 48)
        label_tile = panel[TITLE_HEIGHT:TITLE_HEIGHT + 160, 4 * (160 + GAP):]
        expected = colorize_labels(resample_nearest(label, (160, 160)),
                                   dataset.metainfo['palette'])
        assert np.array_equal(label_tile, expected)
        # the legend lists exactly the classes of the label: one swatch each
        legend = panel[TITLE_HEIGHT + 160:]
        assert legend.shape[0] % LEGEND_LINE == 0 and legend.shape[0] > 0
        present = set(np.unique(label).tolist())
        for index, colour in enumerate(dataset.metainfo['palette']):
            assert swatches(legend, colour) == (index in present), (index, present)


def test_browse_command_draws_the_test_split_on_the_label_grid(tiny_benchmark, tmp_path,
                                                               capsys):
    out = str(tmp_path / 'browse_test')
    mmseg_edc_main(['browse', CONFIG, '--split', 'test', '--output-dir', out,
                    '--not-show', '--num-samples', '5', '--legend', 'all',
                    *data_root_options(tiny_benchmark)])
    assert 'wrote 1 panels of the test split' in capsys.readouterr().out
    panel = read_rgb(osp.join(out, 'spring_2_p_1.png'))
    # the whole 300 x 300 tile; every class of the 6-class protocol in the legend
    assert panel.shape[1] == TILES * 300 + (TILES - 1) * GAP
    legend = panel[TITLE_HEIGHT + 300:]
    palette = packaged_palette(tiny_benchmark)
    assert all(swatches(legend, colour) == 1 for colour in palette)


def packaged_palette(root):
    cfg = Config.fromfile(packaged_configs()[CONFIG])
    cfg.merge_from_dict({'test_dataloader.dataset.data_root': root})
    return split_dataset(cfg, 'test').metainfo['palette']


def test_nothing_to_do_and_unknown_split_loader_are_one_line_errors(tiny_benchmark,
                                                                    capsys):
    with pytest.raises(SystemExit) as done:
        mmseg_edc_main(['browse', CONFIG, '--not-show'])
    assert done.value.code == 2
    assert capsys.readouterr().err.strip() == (
        'error: nothing to do: give --output-dir, or drop --not-show')
    with pytest.raises(SystemExit) as done:
        mmseg_edc_main(['browse', CONFIG, '--output-dir', 'unused', '--not-show',
                        '--cfg-options', 'val_dataloader=None', '--split', 'val'])
    assert done.value.code == 2
    assert 'the config has no val_dataloader.dataset' in capsys.readouterr().err
