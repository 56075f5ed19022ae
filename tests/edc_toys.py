"""Tiny EDC configs and hand-made batches shared by the segmentor, hook and tool tests.

Importable from every test module (pytest puts ``tests/`` on ``sys.path`` for its
root ``conftest.py``).
"""
import copy

import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

BANDS = dict(optical=4, sar=2)
TINY_STREAM = dict(type='EDCHybridStream', embed_dims=(8, 16, 32, 64), depths=(1, 1, 1, 1),
                   num_heads=(2, 2), pos_mlp_hidden=16, drop_path_rate=0.0)
TINY_BACKBONE = dict(type='EDCBackbone', stream_cfg=TINY_STREAM)
DECODER = (32, 16, 16, 8, 8)


def teacher_model_cfg():
    """The tiny student's teacher: no reliability map, no cloud-removal head."""
    backbone = dict(copy.deepcopy(TINY_BACKBONE),
                    fusion_cfg=dict(type='DCHF', use_reliability=False))
    return dict(type='EDCSegmentor', bands=BANDS, backbone=backbone,
                decode_head=dict(type='EDCSegHead', num_classes=3,
                                 decoder_channels=DECODER))


def save_random_teacher(path, seed=0):
    """Build the tiny teacher, give it random (non-initial) weights, save it.

    Returns:
        nn.Module: the saved teacher.
    """
    from mmengine.runner import save_checkpoint
    from mmseg.registry import MODELS
    torch.manual_seed(seed)
    teacher = MODELS.build(teacher_model_cfg())
    for p in teacher.parameters():
        p.data.normal_()
    save_checkpoint(dict(state_dict=teacher.state_dict()), str(path))
    return teacher


def model_cfg(with_cr=True, teacher_checkpoint=None, **extra):
    """The tiny EDC student; with ``teacher_checkpoint`` (a file of
    :func:`save_random_teacher`) it distils from that teacher."""
    cfg = dict(
        type='EDCSegmentor', bands=BANDS,
        data_preprocessor=dict(type='OpticalSARDataPreProcessor', mean=[0.5] * 6,
                               std=[0.25] * 6, size_divisor=32),
        backbone=copy.deepcopy(TINY_BACKBONE),
        decode_head=dict(type='EDCSegHead', num_classes=3, decoder_channels=DECODER),
        test_cfg=dict(mode='whole'))
    cfg.update(extra)
    if with_cr:
        cfg['cloud_removal_head'] = dict(type='CloudRemovalHead', decoder_channels=DECODER)
    if teacher_checkpoint is not None:
        cfg['teacher'] = dict(model=teacher_model_cfg(), checkpoint=str(teacher_checkpoint))
        cfg['distill_loss'] = dict(type='MaskedFeatureDistillationLoss')
    return cfg


def make_batch(batch=2, size=(40, 40), label=(12, 12), seed=0):
    gen = torch.Generator().manual_seed(seed)
    inputs, samples = [], []
    for _ in range(batch):
        inputs.append(torch.rand(6, *size, generator=gen))
        sample = SegDataSample(metainfo=dict(img_shape=size, ori_shape=label,
                                             bands=BANDS))
        sample.gt_sem_seg = PixelData(data=torch.randint(0, 3, (1, *label), generator=gen))
        sample.gt_clear_img = PixelData(data=torch.rand(4, *size, generator=gen))
        mask = torch.zeros(1, *size, dtype=torch.uint8)
        mask[:, :size[0] // 2] = 1
        sample.gt_cloud_mask = PixelData(data=mask)
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


