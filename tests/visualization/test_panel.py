"""Panels: stretch, colours, overlay and the layout of one sample's panel."""
import numpy as np
import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample
from mmseg.visualization import SegLocalVisualizer

from mmseg_edc.visualization import OpticalSARVisualizationHook
from mmseg_edc.visualization.panel import (TITLE_HEIGHT, colorize_labels,
                                           overlay_mask, percentile_stretch,
                                           render_sample_panel)

PALETTE = [(0, 100, 0), (255, 187, 34), (240, 150, 255)]


def test_percentile_stretch_maps_percentiles_to_the_byte_range():
    values = np.arange(101, dtype=np.float32).reshape(101, 1)
    out = percentile_stretch(values, low=10, high=90)
    assert out[10, 0] == 0 and out[90, 0] == 255
    assert out[50, 0] == 128 and out[0, 0] == 0 and out[100, 0] == 255
    assert not percentile_stretch(np.ones((4, 4))).any()


def test_colorize_and_overlay():
    labels = np.array([[0, 1], [2, 255]], np.uint8)
    rgb = colorize_labels(labels, PALETTE)
    assert tuple(rgb[0, 1]) == PALETTE[1] and tuple(rgb[1, 1]) == (0, 0, 0)
    base = np.full((2, 2, 3), 100, np.uint8)
    blended = overlay_mask(base, np.array([[1, 0], [0, 0]]), color=(200, 0, 0),
                           alpha=0.5)
    assert tuple(blended[0, 0]) == (150, 50, 50) and tuple(blended[1, 1]) == (100,) * 3


def test_panel_layout_and_label_grid_upsampling():
    rng = np.random.default_rng(0)
    inputs = rng.random((6, 30, 30)).astype(np.float32)
    gt = np.zeros((9, 9), np.uint8)
    gt[:3, :3] = 2
    panel = render_sample_panel(inputs, PALETTE, optical_channels=4,
                                gt_labels=gt, pred_labels=gt,
                                cloud_mask=np.zeros((30, 30)),
                                clear_pred=inputs[:4])
    tiles, gap = 6, 4
    assert panel.shape == (30 + TITLE_HEIGHT, tiles * 30 + (tiles - 1) * gap, 3)
    gt_tile = panel[TITLE_HEIGHT:, 3 * (30 + gap):3 * (30 + gap) + 30]
    assert tuple(gt_tile[0, 0]) == PALETTE[2] and tuple(gt_tile[9, 9]) == PALETTE[2]
    assert tuple(gt_tile[10, 10]) == PALETTE[0]


def test_hook_writes_one_panel_per_sample(tmp_path):
    visualizer = SegLocalVisualizer.get_instance(
        'test_panel_hook', vis_backends=[dict(type='LocalVisBackend')],
        save_dir=str(tmp_path))
    visualizer.dataset_meta = dict(classes=('a', 'b', 'c'), palette=PALETTE)
    hook = OpticalSARVisualizationHook(draw=True)
    hook._visualizer = visualizer
    outputs = []
    for key in ('s1', 's2'):
        sample = SegDataSample(metainfo=dict(sample_key=key, img_path=f'{key}.tif',
                                             bands=dict(optical=4, sar=2)))
        sample.gt_sem_seg = PixelData(data=torch.zeros(1, 3, 3, dtype=torch.long))
        sample.pred_sem_seg = PixelData(data=torch.ones(1, 3, 3, dtype=torch.long))
        outputs.append(sample)
    batch = dict(inputs=[torch.rand(6, 10, 10), torch.rand(6, 10, 10)])

    class FakeRunner:
        iter = 0

    hook.after_test_iter(FakeRunner(), 0, batch, outputs)
    written = sorted(p.name for p in tmp_path.rglob('*.png'))
    assert written == ['test_s1_0.png', 'test_s2_0.png']
