"""CloudAwareIoUMetric against hand-counted areas on tiny label grids."""
import logging
import math

import numpy as np
import pytest
import torch
from mmengine.evaluator import Evaluator
from mmengine.logging import MMLogger
from mmengine.structures import PixelData
from mmseg.registry import METRICS
from mmseg.structures import SegDataSample
from PIL import Image

from mmseg_edc.evaluation import CloudAwareIoUMetric, CloudRemovalMetric

CLASSES = ('forest', 'water')

# 4 x 4 label grid (255 = ignore), prediction and a 10 x 10 cloud mask.
LABEL = [[0, 0, 1, 1],
         [0, 0, 1, 1],
         [0, 1, 1, 255],
         [0, 0, 1, 1]]
PRED = [[0, 1, 1, 1],
        [0, 0, 1, 0],
        [1, 1, 0, 0],
        [0, 0, 1, 1]]


def cloud_mask_10x10():
    """Cloud in mask rows 5-9 and in rows 0-1 x columns 7-9.

    Nearest sampling 10 -> 4 reads mask rows/columns floor(k * 10 / 4) = 0, 2, 5, 7,
    so on the label grid the cloud is
        0 0 0 1
        0 0 0 0
        1 1 1 1
        1 1 1 1
    """
    mask = np.zeros((10, 10), np.uint8)
    mask[5:, :] = 1
    mask[0:2, 7:] = 1
    return mask


def make_sample(label, pred, mask=None, **metainfo):
    """A data sample in the dict form mmengine's Evaluator hands to metrics."""
    sample = dict(
        pred_sem_seg=dict(data=torch.tensor(pred, dtype=torch.int64)[None]),
        gt_sem_seg=dict(data=torch.tensor(label, dtype=torch.int64)[None]),
        **metainfo)
    if mask is not None:
        sample['gt_cloud_mask'] = dict(data=torch.as_tensor(mask, dtype=torch.uint8)[None])
    return sample


def evaluate(samples, classes=CLASSES, **kwargs):
    metric = CloudAwareIoUMetric(**kwargs)
    metric.dataset_meta = dict(classes=classes)
    metric.process({}, samples)
    return metric.evaluate(len(samples))


# Hand counts (label, pred) per subset; the 255 pixel (row 2, column 3) is cloudy
# and left out everywhere.
# clear (7 px: row 0 columns 0-2, row 1):
#   forest: label 4, pred 4, intersect 3 -> union 5, IoU 3/5, Acc 3/4
#   water:  label 3, pred 3, intersect 2 -> union 4, IoU 1/2, Acc 2/3
#   OA 5/7; FWIoU 4/7 * 3/5 + 3/7 * 1/2
# cloudy (8 labelled px: row 0 column 3, row 2 columns 0-2, row 3):
#   forest: label 3, pred 3, intersect 2 -> union 4, IoU 1/2, Acc 2/3
#   water:  label 5, pred 5, intersect 4 -> union 6, IoU 2/3, Acc 4/5
#   OA 6/8; FWIoU 3/8 * 1/2 + 5/8 * 2/3
# all (15 labelled px):
#   forest: label 7, pred 7, intersect 5 -> union 9, IoU 5/9, Acc 5/7
#   water:  label 8, pred 8, intersect 6 -> union 10, IoU 3/5, Acc 6/8
#   OA 11/15; FWIoU 7/15 * 5/9 + 8/15 * 3/5
HAND = {
    'aAcc': 73.33, 'mIoU': 57.78, 'mAcc': 73.21, 'FWIoU': 57.93,
    'IoU.forest': 55.56, 'IoU.water': 60.0,
    'clear.aAcc': 71.43, 'clear.mIoU': 55.0, 'clear.mAcc': 70.83, 'clear.FWIoU': 55.71,
    'clear.IoU.forest': 60.0, 'clear.IoU.water': 50.0,
    'cloudy.aAcc': 75.0, 'cloudy.mIoU': 58.33, 'cloudy.mAcc': 73.33,
    'cloudy.FWIoU': 60.42, 'cloudy.IoU.forest': 50.0, 'cloudy.IoU.water': 66.67,
}


def test_subsets_match_hand_counts():
    results = evaluate([make_sample(LABEL, PRED, cloud_mask_10x10())])
    assert results == HAND


def test_ignore_index_is_configurable():
    # With ignore_index=1 every water pixel is dropped: the clear subset keeps the
    # 4 forest pixels (3 predicted forest), aAcc 3/4. Water has no label pixels but
    # 1 predicted pixel among them (row 0, column 1), so its IoU is 0/1.
    label = [[0 if v == 0 else 1 for v in row] for row in LABEL]
    results = evaluate([make_sample(label, PRED, cloud_mask_10x10())], ignore_index=1)
    assert results['clear.aAcc'] == 75.0
    assert results['clear.IoU.forest'] == 75.0
    assert results['clear.IoU.water'] == 0.0
    assert results['clear.FWIoU'] == 75.0


def test_cloud_mask_is_taken_to_label_grid_by_nearest():
    # Every label pixel is its own class, so a subset's per-class IoU is 100 for
    # the pixels in the subset and NaN for the others. The 10 x 10 mask is cloudy
    # everywhere except at the sampled positions (rows/columns 0, 2, 5, 7), which
    # hold a checkerboard: nearest sampling gives the checkerboard, any averaging
    # resize would give a mostly cloudy grid.
    classes = tuple(f'c{k}' for k in range(16))
    label = np.arange(16).reshape(4, 4)
    mask = np.ones((10, 10), np.uint8)
    sampled = [0, 2, 5, 7]
    for i, row in enumerate(sampled):
        for j, col in enumerate(sampled):
            mask[row, col] = (i + j) % 2
    results = evaluate([make_sample(label.tolist(), label.tolist(), mask)], classes=classes)
    for k in range(16):
        cloudy = (k // 4 + k % 4) % 2 == 1
        assert results[f'IoU.c{k}'] == 100.0
        assert (results[f'cloudy.IoU.c{k}'] == 100.0) is cloudy
        assert math.isnan(results[f'cloudy.IoU.c{k}']) is not cloudy
        assert math.isnan(results[f'clear.IoU.c{k}']) is cloudy


def test_sample_without_mask_counts_only_towards_all():
    # The second sample (16 forest pixels, all right, no mask) adds 16 to the forest
    # intersect / pred / label areas of 'all' only:
    #   forest: label 23, pred 23, intersect 21 -> union 25, IoU 21/25, Acc 21/23
    #   water unchanged: IoU 3/5, Acc 6/8
    #   OA 27/31; FWIoU 23/31 * 21/25 + 8/31 * 3/5
    zeros = [[0] * 4] * 4
    results = evaluate([make_sample(LABEL, PRED, cloud_mask_10x10()),
                        make_sample(zeros, zeros)])
    assert results['aAcc'] == 87.1
    assert results['mIoU'] == 72.0
    assert results['mAcc'] == 83.15
    assert results['FWIoU'] == 77.81
    for key, value in HAND.items():
        if key.startswith(('clear.', 'cloudy.')):
            assert results[key] == value


def test_no_mask_at_all_gives_only_overall_metrics():
    # forest: label 16, pred 15, intersect 15 -> IoU 15/16; water: label 0, pred 1
    # -> IoU 0; mIoU 46.875; OA 15/16; mAcc 15/16 (water's Acc 0/0 is NaN and left
    # out of the mean); FWIoU 16/16 * 15/16 (water has frequency 0).
    label = [[0] * 4] * 4
    pred = [[0] * 4] * 3 + [[0, 0, 0, 1]]
    results = evaluate([make_sample(label, pred)])
    assert results == {'aAcc': 93.75, 'mIoU': 46.88, 'mAcc': 93.75, 'FWIoU': 93.75,
                       'IoU.forest': 93.75, 'IoU.water': 0.0}


def test_dice_and_fscore_are_reported_per_subset():
    # cloudy Dice: forest 2*2/(3+3), water 2*4/(5+5) -> 73.33
    # all Dice: forest 2*5/(7+7), water 2*6/(8+8) -> 73.21
    # all precision = recall (pred area = label area per class), so F1 = Acc.
    results = evaluate([make_sample(LABEL, PRED, cloud_mask_10x10())],
                       iou_metrics=['mDice', 'mFscore'])
    assert results['cloudy.mDice'] == 73.33
    assert results['mDice'] == 73.21
    assert results['mFscore'] == results['mPrecision'] == results['mRecall'] == 73.21
    assert results['cloudy.mIoU'] == HAND['cloudy.mIoU']


def reference_metrics(samples, num_classes, ignore_index=255):
    """Plain numpy counting of (OA, mIoU, mAcc, FWIoU) per subset, nearest masks."""
    counts = {s: np.zeros((num_classes, num_classes)) for s in ('all', 'clear', 'cloudy')}
    for label, pred, mask in samples:
        h, w = label.shape
        rows = np.floor(np.arange(h) * mask.shape[0] / h).astype(int)
        cols = np.floor(np.arange(w) * mask.shape[1] / w).astype(int)
        cloud = mask[np.ix_(rows, cols)] == 1
        for i in range(h):
            for j in range(w):
                if label[i, j] == ignore_index:
                    continue
                subset = 'cloudy' if cloud[i, j] else 'clear'
                for s in ('all', subset):
                    counts[s][label[i, j], pred[i, j]] += 1
    out = {}
    for s, cm in counts.items():
        tp = np.diag(cm)
        with np.errstate(invalid='ignore', divide='ignore'):
            iou = tp / (cm.sum(0) + cm.sum(1) - tp)
            acc = tp / cm.sum(1)
        freq = cm.sum(1) / cm.sum()
        prefix = '' if s == 'all' else s + '.'
        out[prefix + 'aAcc'] = tp.sum() / cm.sum() * 100
        out[prefix + 'mIoU'] = np.nanmean(iou) * 100
        out[prefix + 'mAcc'] = np.nanmean(acc) * 100
        out[prefix + 'FWIoU'] = np.nansum(freq * iou) * 100
    return out


def test_random_samples_match_numpy_counting():
    rng = np.random.default_rng(0)
    samples = []
    for _ in range(3):
        label = rng.integers(0, 3, (6, 6))
        label[rng.random((6, 6)) < 0.1] = 255
        samples.append((label, rng.integers(0, 3, (6, 6)),
                        (rng.random((15, 15)) < 0.4).astype(np.uint8)))
    results = evaluate([make_sample(l.tolist(), p.tolist(), m) for l, p, m in samples],
                       classes=('a', 'b', 'c'))
    for key, value in reference_metrics(samples, 3).items():
        assert results[key] == pytest.approx(value, abs=0.006), key


def test_format_only_writes_predictions_named_by_sample_key(tmp_path):
    metric = CloudAwareIoUMetric(format_only=True, output_dir=str(tmp_path))
    metric.dataset_meta = dict(classes=CLASSES)
    keyed = make_sample(LABEL, PRED, sample_key='fall_1_p_457',
                        img_path='/data/s2_cloudy/ROIs1_fall_s2_cloudy_p457.tif')
    unkeyed = dict(pred_sem_seg=dict(data=torch.ones(1, 4, 4, dtype=torch.int64)),
                   img_path='/data/other/tile_3.tif')
    metric.process({}, [keyed, unkeyed])
    assert metric.evaluate(2) == {}
    assert sorted(p.name for p in tmp_path.iterdir()) == ['fall_1_p_457.png', 'tile_3.png']
    np.testing.assert_array_equal(np.array(Image.open(tmp_path / 'fall_1_p_457.png')),
                                  np.array(PRED, np.uint8))
    np.testing.assert_array_equal(np.array(Image.open(tmp_path / 'tile_3.png')),
                                  np.ones((4, 4), np.uint8))


def test_output_dir_also_evaluates(tmp_path):
    results = evaluate([make_sample(LABEL, PRED, cloud_mask_10x10(), sample_key='k1')],
                       output_dir=str(tmp_path))
    assert results == HAND
    assert (tmp_path / 'k1.png').is_file()


def test_format_only_needs_output_dir():
    with pytest.raises(ValueError, match='output_dir'):
        CloudAwareIoUMetric(format_only=True)


def test_prediction_off_the_label_grid_is_rejected():
    sample = make_sample(LABEL, [[0] * 8] * 8, sample_key='fall_1_p_457')
    with pytest.raises(ValueError, match=r'fall_1_p_457.*\(8, 8\).*\(4, 4\)'):
        evaluate([sample])


class _Records(logging.Handler):

    def __init__(self):
        super().__init__()
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def test_evaluator_with_seg_data_samples_and_tables():
    sample = SegDataSample(metainfo=dict(sample_key='fall_1_p_457', ori_shape=(4, 4)))
    sample.gt_sem_seg = PixelData(data=torch.tensor(LABEL)[None])
    sample.pred_sem_seg = PixelData(data=torch.tensor(PRED)[None])
    sample.gt_cloud_mask = PixelData(data=torch.from_numpy(cloud_mask_10x10())[None])
    evaluator = Evaluator(metrics=[METRICS.build(dict(type='CloudAwareIoUMetric'))])
    evaluator.dataset_meta = dict(classes=CLASSES)
    records = _Records()
    logger = MMLogger.get_current_instance()
    logger.addHandler(records)
    try:
        evaluator.process([sample])
        results = evaluator.evaluate(1)
    finally:
        logger.removeHandler(records)
    assert results == HAND
    log = '\n'.join(records.messages)
    for subset in ('all', 'clear', 'cloudy'):
        assert f'per class results ({subset} pixels)' in log
    summary = log[log.index('summary over pixel subsets'):].splitlines()
    rows = [[cell.strip() for cell in line.strip('|').split('|')]
            for line in summary if line.startswith('|')]
    assert rows == [['Subset', 'Images', 'Pixels', 'mIoU', 'OA', 'mAcc', 'FWIoU'],
                    ['all', '1', '15', '57.78', '73.33', '73.21', '57.93'],
                    ['clear', '1', '7', '55.0', '71.43', '70.83', '55.71'],
                    ['cloudy', '1', '8', '58.33', '75.0', '73.33', '60.42']]


def clear_images(offset):
    """A 3 x 12 x 12 cloud-free reference and a prediction off by ``offset``."""
    target = torch.from_numpy(np.random.default_rng(3).uniform(0.2, 0.8, (3, 12, 12)))
    return target + offset, target


def test_one_metric_scores_segmentation_and_cloud_removal():
    samples = []
    for offset in (0.1, 0.01):
        pred_img, target = clear_images(offset)
        sample = make_sample(LABEL, PRED, cloud_mask_10x10())
        sample['pred_clear_img'] = dict(data=pred_img.float())
        sample['gt_clear_img'] = dict(data=target.float())
        samples.append(sample)
    results = evaluate(samples, cloud_removal=dict(data_range=1.0))
    # the segmentation keys are the single-sample ones (both samples are the same)
    assert {k: v for k, v in results.items() if not k.startswith('cr/')} == HAND
    # errors 0.1 and 0.01 everywhere: PSNR 20 and 40 dB, mean 30; MAE mean 0.055
    assert results['cr/PSNR'] == pytest.approx(30.0, abs=1e-3)
    assert results['cr/MAE'] == pytest.approx(0.055, abs=1e-6)
    separate = CloudRemovalMetric(data_range=1.0)
    separate.process({}, samples)
    assert {k: v for k, v in results.items() if k.startswith('cr/')} == \
        separate.evaluate(len(samples))


def test_cloud_removal_options_and_prefix_are_passed_on():
    pred_img, target = clear_images(0.1)
    sample = make_sample(LABEL, PRED, cloud_mask_10x10(),
                         pred_clear_img=dict(data=pred_img), gt_clear_img=dict(data=target))
    results = evaluate([sample], cloud_removal=dict(cloud_subsets=True, prefix='rec'))
    assert results['rec/cloudy.PSNR'] == pytest.approx(20.0, abs=1e-4)
    assert 'cr/PSNR' not in results


def test_cloud_removal_without_predicted_image_names_the_sample():
    metric = CloudAwareIoUMetric(cloud_removal=dict())
    metric.dataset_meta = dict(classes=CLASSES)
    with pytest.raises(KeyError, match='sample tile_7 has no pred_clear_img'):
        metric.process({}, [make_sample(LABEL, PRED, sample_key='tile_7')])
