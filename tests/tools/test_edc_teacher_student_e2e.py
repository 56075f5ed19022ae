"""Teacher -> student -> test with the EDC configs on a tiny generated benchmark.

The runs go through tools/train.py and tools/test.py as subprocesses. The tiny model
sizes live in config files that inherit the shipped ones, as a user's would; the
student's config names the tiny teacher's config.
"""
import glob
import json
import os.path as osp
import re

import numpy as np
import torch
from test_train_test_e2e import ROOT, options, run_tool, tiny_benchmark  # noqa: F401

TINY = """
model = dict(
    backbone=dict(stream_cfg=dict(embed_dims=(8, 16, 32, 64), depths=(1, 1, 1, 1),
                                  num_heads=(2, 2), pos_mlp_hidden=16)),
    decode_head=dict(decoder_channels=(16, 16, 8, 8, 8)){extra})
"""
CR_HEAD = (",\n    cloud_removal_head=dict(decoder_channels=(16, 16, 8, 8, 8),"
           " refine_channels=8)")


def write_config(path, base, extra=''):
    path.write_text(f"_base_ = ['{base}']\n" + TINY.format(extra=extra))
    return str(path)


def test_teacher_then_student_then_test(tiny_benchmark, tmp_path):  # noqa: F811
    edc = osp.join(ROOT, 'configs', 'edc')
    teacher_cfg = write_config(
        tmp_path / 'teacher.py',
        osp.join(edc, 'edc-teacher_edc-small_1xb8-400it_generated-m3mcr-160x160.py'))
    student_cfg = write_config(
        tmp_path / 'student.py',
        osp.join(edc, 'edc_edc-small_1xb8-400it_generated-m3mcr-160x160.py'),
        CR_HEAD + f",\n    teacher=dict(config='{teacher_cfg}', min_val_miou=None)")
    teacher_dir, student_dir = str(tmp_path / 'teacher'), str(tmp_path / 'student')

    run_tool('tools/train.py', teacher_cfg, '--work-dir', teacher_dir,
             *options(tiny_benchmark, 2))
    log = run_tool('tools/train.py', student_cfg, '--work-dir', student_dir,
                   *options(tiny_benchmark, 2), f'model.teacher.checkpoint={teacher_dir}')
    assert 'teacher loaded from' in log and 'distill.loss_distill' in log
    # the teacher's frozen tensors: one summary line, no warning for each
    assert 'requires_grad=False' not in log
    frozen = [line for line in log.splitlines() if 'frozen tensors' in line]
    assert len(frozen) == 1
    assert re.search(r' (\d+) frozen tensors .* optimizer: teacher \1$', frozen[0])
    state = torch.load(osp.join(student_dir, 'iter_2.pth'), weights_only=False)['state_dict']
    assert not any(k.startswith('teacher.') for k in state)
    assert any(k.startswith('cloud_removal_head.') for k in state)

    show_dir = str(tmp_path / 'panels')
    log = run_tool('tools/test.py', student_cfg, osp.join(student_dir, 'iter_2.pth'),
                   '--work-dir', student_dir, '--show-dir', show_dir,
                   *options(tiny_benchmark, 2))
    metrics = [json.loads(line) for path in glob.glob(osp.join(student_dir, '*', '*.json'))
               for line in open(path) if 'cr/PSNR' in line]
    assert metrics and 'cloudy.mIoU' in metrics[-1] and metrics[-1]['cr/PSNR'] > 0
    assert len(glob.glob(osp.join(show_dir, '**', '*.png'), recursive=True)) == 2


def test_drop_in_backbone_with_stock_uperhead_trains(tiny_benchmark, tmp_path):  # noqa: F811
    config = tmp_path / 'dropin.py'
    config.write_text(
        f"_base_ = ['{osp.join(ROOT, 'configs', 'edc', 'upernet_edc-small_1xb8-400it_generated-m3mcr-160x160.py')}']\n"
        "model = dict(backbone=dict(stream_cfg=dict(embed_dims=(8, 16, 32, 64),\n"
        "                                           depths=(1, 1, 1, 1), num_heads=(2, 2),\n"
        "                                           pos_mlp_hidden=16)),\n"
        "             decode_head=dict(channels=16))\n")
    work_dir = str(tmp_path / 'work')
    log = run_tool('tools/train.py', str(config), '--work-dir', work_dir,
                   *options(tiny_benchmark, 3))
    assert osp.isfile(osp.join(work_dir, 'iter_3.pth')) and 'decode.loss_ce' in log


def write_folder_dataset(root, writer, keys, bands=13, size=64):
    """Tiles in the folder template's layout: 13-band optical, 2-band SAR, mask, label."""
    rng = np.random.default_rng(0)
    for key in keys:
        clear = rng.integers(100, 4000, (size, size, bands)).astype(np.uint16)
        mask = np.zeros((size, size), np.uint8)
        mask[:, :size // 2] = 1
        cloudy = np.where(mask[..., None] == 1, 8000, clear).astype(np.uint16)
        writer(root / 's2' / f'{key}.tif', clear)
        writer(root / 's2_cloudy' / f'{key}.tif', cloudy)
        writer(root / 's1' / f'{key}.tif', rng.uniform(-25, 0, (size, size, 2)).astype(
            np.float32))
        writer(root / 'cloud_mask' / f'{key}.tif', mask)
        # template codes 1, 2, 4, ... 10 map to classes 0..7 (label_codes)
        writer(root / 'label' / f'{key}.tif', rng.choice(
            [1, 2, 4, 5, 6, 7, 9, 10], (size, size)).astype(np.uint8))
    return str(root)


def test_folder_template_with_13_optical_bands_trains_teacher_and_student(
        tmp_path, geotiff_writer):
    root = tmp_path / 'my_optical_sar'
    write_folder_dataset(root, geotiff_writer, ['t1', 't2', 't3', 'v1'])
    (root / 'train.txt').write_text('t1\nt2\nt3\n')
    (root / 'val.txt').write_text('v1\n')
    edc = osp.join(ROOT, 'configs', 'edc')
    suffix = '_edc-small_1xb8-400it_optical-sar-folders-256x256.py'
    teacher_cfg = write_config(tmp_path / 'teacher.py', osp.join(edc, 'edc-teacher' + suffix))
    student_cfg = write_config(tmp_path / 'student.py', osp.join(edc, 'edc' + suffix),
                               CR_HEAD + f",\n    teacher=dict(config='{teacher_cfg}', min_val_miou=None)")
    data = [f'{loader}.dataset.data_root={root}' for loader in
            ('train_dataloader', 'val_dataloader', 'test_dataloader')]
    opts = [o for o in options('unused', 2) if 'data_root' not in o] + data
    run_tool('tools/train.py', teacher_cfg, '--work-dir', str(tmp_path / 't'), *opts)
    log = run_tool('tools/train.py', student_cfg, '--work-dir', str(tmp_path / 's'), *opts,
                   f'model.teacher.checkpoint={tmp_path / "t"}')
    assert 'distill.loss_distill' in log and 'cr.loss_cr' in log
    state = torch.load(osp.join(tmp_path, 's', 'iter_2.pth'), weights_only=False)
    stem = state['state_dict']['backbone.optical_stream.stages.stage1.entry.0.conv.weight']
    assert stem.shape[1] == 13                       # the stems read the 13 optical bands
    assert state['state_dict']['cloud_removal_head.conv_out.weight'].shape[0] == 13
