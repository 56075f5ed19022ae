"""A frozen teacher held inside a student segmentor, built and loaded from one config entry.

``EDCSegmentor(teacher=dict(config=..., checkpoint=...))`` is the teacher's only owner:
the config names the teacher's training config (its ``model`` is built) and its trained
weights (a checkpoint file, or the teacher's work dir). The teacher is a submodule, so
it follows the student to its device and into a distributed wrapper, but it is frozen
(no grad, norms in eval), never part of the student's state dict (student checkpoints
load for inference without it), and its weights are loaded strictly by
:meth:`FrozenTeacher.init_weights`, which mmengine's Runner calls at the start of every
training run, a resumed one included.
"""
import glob
import os.path as osp
from collections import OrderedDict
import torch
from mmengine.config import Config
from mmengine.logging import print_log
from mmengine.model import BaseModule
from mmengine.runner import CheckpointLoader
from mmseg.registry import MODELS

from ...utils.checkpoint import state_dict_mismatches


def resolve_teacher_checkpoint(path: str) -> str:
    """A checkpoint file, or the checkpoint a teacher's work dir points to.

    For a directory: its newest ``best_*.pth`` (written by ``save_best``), else the
    file named in its ``last_checkpoint``.

    Raises:
        FileNotFoundError: naming the path and what was looked for.
    """
    if osp.isfile(path):
        return path
    if osp.isdir(path):
        best = sorted(glob.glob(osp.join(path, 'best_*.pth')), key=osp.getmtime)
        if best:
            return best[-1]
        pointer = osp.join(path, 'last_checkpoint')
        if osp.isfile(pointer):
            with open(pointer) as f:
                last = f.read().strip()
            if osp.isfile(last):
                return last
    raise FileNotFoundError(
        f'teacher checkpoint {path} not found (a .pth file, or a work dir with '
        'best_*.pth or last_checkpoint); train the teacher config first, or point '
        'to it with --cfg-options model.teacher.checkpoint=PATH')


def recorded_val_miou(checkpoint: dict):
    """The validation mIoU an mmengine checkpoint was saved with, or None.

    A checkpoint written after a validation (``save_best``'s ``best_*.pth``) holds the
    run's message hub, whose ``val/mIoU`` scalar is that validation's score.
    """
    scalars = checkpoint.get('message_hub', {}).get('log_scalars', {})
    buffer = scalars.get('val/mIoU')
    return None if buffer is None else float(buffer.current())


def teacher_model_config(teacher: dict) -> Config:
    """The teacher's model config from a ``teacher`` entry.

    Args:
        teacher (dict): ``config`` (path of the config the teacher was trained with;
            its ``model`` is used) or ``model`` (a model config dict), ``checkpoint``,
            and optionally ``min_val_miou``.

    Returns:
        Config: the model config without data preprocessor (the student's preprocessor
        has normalised the inputs already).
    """
    unknown = set(teacher) - {'config', 'model', 'checkpoint', 'min_val_miou'}
    if unknown or ('config' in teacher) == ('model' in teacher) or \
            not teacher.get('checkpoint'):
        raise ValueError(
            'model.teacher must be dict(config=<teacher training config>, '
            f'checkpoint=<file or work dir>[, min_val_miou=<floor>]) (or '
            f'model=<model dict> instead of config); got keys {sorted(teacher)}')
    if 'config' in teacher:
        model_cfg = Config.fromfile(teacher['config']).model
    else:
        model_cfg = Config(dict(model=teacher['model'])).model
    if model_cfg.get('teacher') is not None:
        raise ValueError('a teacher must not have a teacher of its own')
    for key in ('data_preprocessor', 'teacher', 'distill_loss'):
        model_cfg.pop(key, None)
    return model_cfg


class FrozenTeacher(BaseModule):
    """A teacher segmentor: frozen, in eval mode, left out of state dicts.

    Args:
        teacher (dict): the ``model.teacher`` entry: ``config`` (the teacher's
            training config file) or ``model`` (its model config), ``checkpoint``
            (the teacher's checkpoint, or its work dir: newest ``best_*.pth``, else its
            last checkpoint), and ``min_val_miou`` (optional): the lowest validation
            mIoU (on held-out data, recorded in the checkpoint by its training run's
            validation) a teacher may have; a weaker teacher, or a checkpoint without
            a recorded score, is refused when the student is initialised (a teacher
            that collapsed on a class would otherwise be distilled without a word).

    The model must have a backbone with ``forward_streams`` and a decode head with
    ``decoder_feature`` (``EDCSegmentor``).
    """

    def __init__(self, teacher: dict):
        super().__init__()
        self.model = MODELS.build(teacher_model_config(teacher))
        self.source = teacher.get('config') or 'model.teacher.model'
        self.checkpoint = teacher['checkpoint']
        self.min_val_miou = teacher.get('min_val_miou')
        #: the checkpoint file the weights came from; None until :meth:`init_weights`.
        self.loaded_from = None
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

    def init_weights(self):
        """Load the trained teacher (instead of initialising it), strictly."""
        path = resolve_teacher_checkpoint(self.checkpoint)
        checkpoint = CheckpointLoader.load_checkpoint(path, map_location='cpu')
        score = recorded_val_miou(checkpoint)
        self.check_score(score, path)
        self.load_checkpoint_weights(checkpoint.get('state_dict', checkpoint), path)
        self._is_init = True
        scored = '' if score is None else f', validation mIoU {score:.2f}'
        print_log(f'teacher loaded from {path} (model of {self.source}{scored}) and '
                  'frozen', 'current')

    def check_score(self, score, path: str) -> None:
        """Refuse a teacher below ``min_val_miou`` (or without a recorded score)."""
        if self.min_val_miou is None:
            return
        if score is None:
            raise ValueError(
                f'teacher checkpoint {path} records no validation mIoU, so its quality '
                f'cannot be checked against min_val_miou={self.min_val_miou}: train the '
                'teacher with validation on held-out data and save_best, or set '
                'model.teacher.min_val_miou=None')
        if score < self.min_val_miou:
            raise ValueError(
                f'teacher checkpoint {path} has validation mIoU {score:.2f}, below '
                f'model.teacher.min_val_miou={self.min_val_miou}: the teacher failed '
                '(retrain it, e.g. with another seed) and would mislead the student')

    def load_checkpoint_weights(self, state_dict: dict, source: str) -> None:
        """Load the teacher's weights, requiring every key and shape to match.

        Args:
            state_dict (dict): the teacher checkpoint's ``state_dict``.
            source (str): checkpoint path, named in errors.

        Raises:
            KeyError: missing or unexpected keys (listed), or mismatched shapes, naming
                the checkpoint and the teacher's config.
        """
        problems = state_dict_mismatches(self.model.state_dict(), state_dict)
        if problems:
            raise KeyError(f'teacher checkpoint {source} does not match the teacher '
                           f'model of {self.source}: ' + '; '.join(problems))
        # checked above; only BatchNorm's num_batches_tracked counters may be absent
        self.model.load_state_dict(state_dict, strict=False)
        self.loaded_from = source

    @torch.no_grad()
    def features(self, inputs, output_size):
        """The teacher's distillation feature ``B x C_f x H x W`` for ``inputs``
        (``B x (C_opt + C_sar) x H x W``, cloud-free optical first)."""
        if self.loaded_from is None:
            raise RuntimeError(
                f'the teacher ({self.source}) has no trained weights: call the student\'s '
                'init_weights() (mmengine\'s Runner does before training), which loads '
                f'{self.checkpoint}')
        streams = self.model.backbone.forward_streams(inputs)
        return self.model.decode_head.decoder_feature(streams['fused'], output_size)
