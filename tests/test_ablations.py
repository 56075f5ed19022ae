"""Every ablation config changes exactly what it names, and its student starts from a
teacher of its own architecture (docs/design.md §10)."""
import glob
import os.path as osp
import re

import pytest
from mmengine.config import Config
from mmseg.registry import MODELS

from mmseg_edc.models.segmentors.frozen_teacher import teacher_model_config
from mmseg_edc.utils.config_diff import changed_keys

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
ABLATIONS = sorted(glob.glob(osp.join(ROOT, 'configs', 'edc', 'ablations', 'edc_*.py')))
BASELINE = osp.join(ROOT, 'configs', 'edc',
                    'edc_edc-small_1xb8-400it_generated-m3mcr-160x160.py')
#: Config variables that describe the ablation rather than configure the run.
DECLARATIONS = ('ablation_changes', 'ablation_teacher')
#: Student tensors no teacher has: the reliability maps, the cloud-removal head and
#: the last fusion block's optical write-back (the teacher refines no stream there).
STUDENT_ONLY = re.compile(r'\.reliability\.|^cloud_removal_head\.|^backbone\.fusions\.3\.'
                          r'opt_write_back\.')


def is_under(key, declared):
    return any(key == d or key.startswith(d + '.') for d in declared)


def allowed_keys(cfg):
    """What an ablation may change: its declared keys, the declarations themselves and,
    with its own teacher, the teacher's config and work dir."""
    allowed = list(cfg.get('ablation_changes') or []) + list(DECLARATIONS)
    if cfg.get('ablation_teacher') == 'own':     # another teacher: its files and its floor
        allowed += ['model.teacher.config', 'model.teacher.checkpoint',
                    'model.teacher.min_val_miou']
    return allowed


def undeclared_changes(cfg, baseline):
    return {k for k in changed_keys(cfg, baseline) if not is_under(k, allowed_keys(cfg))}


def test_the_comparison_catches_an_undeclared_change():
    cfg = Config.fromfile(ABLATIONS[0])
    assert undeclared_changes(cfg, Config.fromfile(BASELINE)) == set()
    cfg.model.decode_head.decoder_channels = (64, 32, 16, 16, 4)
    cfg.train_cfg.max_iters = 500
    assert undeclared_changes(cfg, Config.fromfile(BASELINE)) == {
        'model.decode_head.decoder_channels', 'train_cfg.max_iters'}


@pytest.mark.parametrize('path', ABLATIONS, ids=osp.basename)
def test_an_ablation_changes_what_it_names_and_nothing_else(path):
    cfg, baseline = Config.fromfile(path), Config.fromfile(BASELINE)
    declared = cfg.get('ablation_changes')
    assert declared, 'an ablation config names its changes in ablation_changes'
    teacher = cfg.get('ablation_teacher', 'shared')
    assert undeclared_changes(cfg, baseline) == set()
    changed = changed_keys(cfg, baseline)
    assert all(any(is_under(k, [d]) for k in changed) for d in declared), \
        'every declared change is a real change'
    allowed = allowed_keys(cfg)
    if teacher == 'own':
        # the own teacher differs from EDC's teacher by the same changes, nothing else
        ablated = Config.fromfile(cfg.model.teacher.config)
        base_teacher = Config.fromfile(baseline.model.teacher.config)
        assert {k for k in changed_keys(ablated, base_teacher)
                if not is_under(k, allowed)} == set()
    elif teacher == 'shared':
        assert cfg.model.teacher == baseline.model.teacher


@pytest.mark.parametrize('path', [BASELINE] + ABLATIONS, ids=osp.basename)
def test_the_teacher_covers_every_tensor_the_student_shares_with_it(path):
    """With init_student_from_teacher, only the student's own parts start at random."""
    cfg = Config.fromfile(path)
    if cfg.model.get('teacher') is None:
        return
    student = MODELS.build(dict(cfg.model, teacher=None, distill_loss=None))
    teacher = MODELS.build(teacher_model_config(cfg.model.teacher))
    teacher_shapes = {k: v.shape for k, v in teacher.state_dict().items()}
    uncovered = [k for k, v in student.state_dict().items()
                 if teacher_shapes.get(k) != v.shape]
    assert [k for k in uncovered if not STUDENT_ONLY.search(k)] == []
