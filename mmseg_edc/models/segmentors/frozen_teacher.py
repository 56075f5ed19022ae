"""A frozen teacher held inside a student segmentor.

The teacher is a submodule (so it follows the student to its device and into a
distributed wrapper), but it is frozen (no grad, norms in eval), never part of the
student's state dict (student checkpoints load for inference without it), and its
weights come only from :meth:`FrozenTeacher.load_checkpoint_weights`, called by
``DistillationTeacherHook`` before training.
"""
from collections import OrderedDict

import torch
import torch.nn as nn
from mmengine.config import Config
from mmseg.registry import MODELS


def build_teacher_model(teacher):
    """Build the teacher from a model config dict or from its training config file.

    Args:
        teacher (str | dict): path of the config the teacher was trained with (its
            ``model`` is used), or a model config dict.

    Returns:
        nn.Module: the teacher segmentor, without data preprocessor and teacher.
    """
    if isinstance(teacher, str):
        model_cfg = Config.fromfile(teacher).model
    else:
        model_cfg = Config(dict(model=teacher)).model
    model_cfg.pop('data_preprocessor', None)
    if model_cfg.get('teacher') is not None:
        raise ValueError('a teacher must not have a teacher of its own')
    model_cfg.pop('teacher', None)
    model_cfg.pop('distill_loss', None)
    return MODELS.build(model_cfg)


class FrozenTeacher(nn.Module):
    """Wraps a teacher segmentor: frozen, in eval mode, left out of state dicts.

    Args:
        model (nn.Module): a segmentor whose backbone has ``forward_streams`` and
            whose decode head has ``forward_with_features`` (``EDCSegmentor``).
    """

    def __init__(self, model):
        super().__init__()
        self.model = model
        self.model.requires_grad_(False)
        self.train(False)
        # A student checkpoint has no teacher weights; that is expected, not missing.
        self.register_load_state_dict_post_hook(self._ignore_missing_teacher_keys)

    def train(self, mode=True):
        """Stay in eval mode whatever the student does (BN statistics stay frozen)."""
        return super().train(False)

    def state_dict(self, *args, destination=None, prefix='', keep_vars=False):
        """Nothing: the teacher is not saved with the student."""
        return OrderedDict() if destination is None else destination

    def _ignore_missing_teacher_keys(self, module, incompatible_keys):
        own = {'model.' + key for key in self.model.state_dict()}
        incompatible_keys.missing_keys[:] = [
            key for key in incompatible_keys.missing_keys
            if not any(key == k or key.endswith('.' + k) for k in own)]

    def load_checkpoint_weights(self, state_dict, source):
        """Load the teacher's weights, requiring every key and shape to match.

        Args:
            state_dict (dict): the teacher checkpoint's ``state_dict``.
            source (str): checkpoint path, named in errors.

        Raises:
            KeyError: missing or unexpected keys (listed), or mismatched shapes.
        """
        expected = self.model.state_dict()
        missing = sorted(set(expected) - set(state_dict))
        unexpected = sorted(set(state_dict) - set(expected))
        mismatched = sorted(f'{k}: checkpoint {tuple(state_dict[k].shape)}, model '
                            f'{tuple(v.shape)}' for k, v in expected.items()
                            if k in state_dict and state_dict[k].shape != v.shape)
        problems = [f'{title} ({len(keys)}): {", ".join(keys[:8])}'
                    + (' ...' if len(keys) > 8 else '')
                    for title, keys in (('missing keys', missing),
                                        ('unexpected keys', unexpected),
                                        ('shape mismatches', mismatched)) if keys]
        if problems:
            raise KeyError(f'teacher checkpoint {source} does not match the teacher '
                           'model: ' + '; '.join(problems))
        self.model.load_state_dict(state_dict, strict=True)

    @torch.no_grad()
    def features(self, inputs, output_size):
        """The teacher's distillation feature ``B x C_f x H x W`` for ``inputs``."""
        streams = self.model.backbone.forward_streams(inputs)
        return self.model.decode_head.forward_with_features(
            streams['fused'], output_size)[1]
