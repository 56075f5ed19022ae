"""Model configs as they run at inference: the student without its training-only parts."""
import copy

from mmseg.registry import MODELS

#: Model config entries that exist only for training (their parameters and FLOPs
#: never run at inference): the frozen teacher, its loss, auxiliary heads.
TRAINING_ONLY_PARTS = ('teacher', 'distill_loss', 'auxiliary_head')


def strip_teacher(model_cfg):
    """A copy of ``model_cfg`` without the teacher and the distillation loss.

    Student checkpoints never hold the teacher, and testing or inference never runs it;
    without this the teacher's config and checkpoint would have to exist to build the
    student.
    """
    cfg = copy.deepcopy(model_cfg)
    for key in ('teacher', 'distill_loss'):
        if cfg.get(key) is not None:
            cfg[key] = None
    return cfg


def build_inference_model(model_cfg):
    """Build the model as it runs at inference, without :data:`TRAINING_ONLY_PARTS`, in
    eval mode."""
    cfg = copy.deepcopy(model_cfg)
    for key in TRAINING_ONLY_PARTS:
        if cfg.get(key) is not None:
            cfg[key] = None
    cfg.pop('pretrained', None)
    return MODELS.build(cfg).eval()
