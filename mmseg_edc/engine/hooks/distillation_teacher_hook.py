"""Loads the frozen teacher before training and schedules the distillation weight."""
import glob
import os.path as osp

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.runner import CheckpointLoader
from mmseg.registry import HOOKS


def resolve_teacher_checkpoint(path):
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
        'best_*.pth or last_checkpoint); train the teacher config first')


def copy_shared_weights(source, target):
    """Copy every tensor of ``source``'s state dict that ``target`` has under the
    same name and shape.

    Returns:
        tuple[int, int]: tensors copied, tensors in ``target``'s state dict.
    """
    target_state = target.state_dict()
    shared = {k: v for k, v in source.state_dict().items()
              if k in target_state and target_state[k].shape == v.shape}
    target.load_state_dict(shared, strict=False)
    return len(shared), len(target_state)


@HOOKS.register_module()
class DistillationTeacherHook(Hook):
    """Give the student's ``teacher`` its trained weights and ramp the distillation.

    Before training (also after a resume, since student checkpoints never hold the
    teacher) the teacher checkpoint is loaded with strict key and shape checks; the
    teacher stays frozen (no grad, norms in eval) inside the student. Before every
    iteration the student's ``distill_scale`` is set to::

        0                                         if iter <  delay_iters
        min(1, (iter - delay_iters + 1) / ramp_iters)   otherwise (1 if ramp_iters == 0)

    Args:
        checkpoint (str): the teacher's checkpoint, or the teacher's work dir (its
            newest ``best_*.pth``, else its last checkpoint).
        delay_iters (int): iterations without distillation.
        ramp_iters (int): iterations of linear warm-up after the delay.
        init_student_from_teacher (bool): [ours] before the first iteration (not on
            resume), copy every teacher weight whose name and shape the student shares
            into the student; the student's own parts (reliability maps, cloud-removal
            head) keep their initialisation. Off by default (the student starts from
            its own initialisation, as in CloudSeg).
    """

    priority = 'VERY_HIGH'

    def __init__(self, checkpoint, delay_iters=0, ramp_iters=0,
                 init_student_from_teacher=False):
        if delay_iters < 0 or ramp_iters < 0:
            raise ValueError('delay_iters and ramp_iters must be >= 0')
        self.checkpoint = checkpoint
        self.delay_iters = delay_iters
        self.ramp_iters = ramp_iters
        self.init_student_from_teacher = init_student_from_teacher

    @staticmethod
    def _student(runner):
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        if getattr(model, 'teacher', None) is None:
            raise RuntimeError('DistillationTeacherHook needs a model with a teacher '
                               '(EDCSegmentor with teacher=... and distill_loss=...)')
        return model

    def before_train(self, runner):
        student = self._student(runner)
        path = resolve_teacher_checkpoint(self.checkpoint)
        checkpoint = CheckpointLoader.load_checkpoint(path, map_location='cpu')
        student.teacher.load_checkpoint_weights(checkpoint.get('state_dict', checkpoint),
                                                path)
        runner.logger.info(f'teacher loaded from {path} and frozen')
        if self.init_student_from_teacher and runner.iter == 0:
            copied, total = copy_shared_weights(student.teacher.model, student)
            runner.logger.info(f'student initialised from the teacher: {copied} of '
                               f'{total} student tensors copied')

    def distill_scale(self, iteration):
        """The distillation multiplier at a 0-based training iteration."""
        if iteration < self.delay_iters:
            return 0.0
        if self.ramp_iters == 0:
            return 1.0
        return min(1.0, (iteration - self.delay_iters + 1) / self.ramp_iters)

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        self._student(runner).distill_scale = self.distill_scale(runner.iter)
