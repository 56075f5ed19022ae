"""Tiny EDC configs and hand-made batches shared by the segmentor, hook and tool tests.

Importable from every test module (pytest puts ``tests/`` on ``sys.path`` for its
root ``conftest.py``).
"""
import copy

import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

TINY_BACKBONE = dict(type='EDCBackbone', optical_channels=4, sar_channels=2,
                     embed_dims=(8, 16, 32, 64), depths=(1, 1, 1, 1), num_heads=(2, 2),
                     pos_mlp_hidden=16, drop_path_rate=0.0)
IN_CHANNELS = [8, 16, 32, 64]
DECODER = (32, 16, 16, 8, 8)


def model_cfg(with_cr=True, teacher=False, **extra):
    cfg = dict(
        type='EDCSegmentor',
        data_preprocessor=dict(type='OpticalSARDataPreProcessor', mean=[0.5] * 6,
                               std=[0.25] * 6, size_divisor=32),
        backbone=copy.deepcopy(TINY_BACKBONE),
        decode_head=dict(type='EDCSegHead', in_channels=IN_CHANNELS, num_classes=3,
                         decoder_channels=DECODER),
        test_cfg=dict(mode='whole'), **extra)
    if with_cr:
        cfg['cloud_removal_head'] = dict(type='CloudRemovalHead', in_channels=IN_CHANNELS,
                                         out_channels=4, decoder_channels=DECODER)
    if teacher:
        teacher_backbone = copy.deepcopy(TINY_BACKBONE)
        teacher_backbone['fusion_cfg'] = dict(type='DCHF', use_reliability=False)
        cfg['teacher'] = dict(type='EDCSegmentor', backbone=teacher_backbone,
                              decode_head=copy.deepcopy(cfg['decode_head']))
        cfg['distill_loss'] = dict(type='MaskedFeatureDistillationLoss')
    return cfg


def make_batch(batch=2, size=(40, 40), label=(12, 12), seed=0):
    gen = torch.Generator().manual_seed(seed)
    inputs, samples = [], []
    for _ in range(batch):
        inputs.append(torch.rand(6, *size, generator=gen))
        sample = SegDataSample(metainfo=dict(img_shape=size, ori_shape=label))
        sample.gt_sem_seg = PixelData(data=torch.randint(0, 3, (1, *label), generator=gen))
        sample.gt_clear_img = PixelData(data=torch.rand(4, *size, generator=gen))
        mask = torch.zeros(1, *size, dtype=torch.uint8)
        mask[:, :size[0] // 2] = 1
        sample.gt_cloud_mask = PixelData(data=mask)
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


