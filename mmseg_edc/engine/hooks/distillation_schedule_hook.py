"""Schedules the distillation weight and can start the student from the teacher."""
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmseg.registry import HOOKS


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
class DistillationScheduleHook(Hook):
    """Ramp the student's distillation weight; optionally start it from the teacher.

    The teacher itself (architecture and weights) is owned by the student,
    ``EDCSegmentor(teacher=dict(config=..., checkpoint=...))``, which loads it before
    training. Before every iteration this hook sets the student's ``distill_scale``::

        0                                         if iter <  delay_iters
        min(1, (iter - delay_iters + 1) / ramp_iters)   otherwise (1 if ramp_iters == 0)

    Args:
        delay_iters (int): iterations without distillation.
        ramp_iters (int): iterations of linear warm-up after the delay.
        init_student_from_teacher (bool): [ours] before the first iteration (not on
            resume), copy every teacher weight whose name and shape the student shares
            into the student; the student's own parts (reliability maps, cloud-removal
            head) keep their initialisation. Off by default (the student starts from
            its own initialisation, as in CloudSeg).
        min_shared_fraction (float): with ``init_student_from_teacher``, the share of
            the student's tensors the teacher must provide; fewer is an error (a teacher
            of another architecture would leave most of the student at random while
            claiming to initialise it). 0 turns the check off.
    """

    priority = 'VERY_HIGH'

    def __init__(self, delay_iters=0, ramp_iters=0, init_student_from_teacher=False,
                 min_shared_fraction=0.5):
        if delay_iters < 0 or ramp_iters < 0:
            raise ValueError('delay_iters and ramp_iters must be >= 0')
        if not 0 <= min_shared_fraction <= 1:
            raise ValueError(f'min_shared_fraction must lie in [0, 1], got '
                             f'{min_shared_fraction}')
        self.delay_iters = delay_iters
        self.ramp_iters = ramp_iters
        self.init_student_from_teacher = init_student_from_teacher
        self.min_shared_fraction = min_shared_fraction

    @staticmethod
    def _student(runner):
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        if getattr(model, 'teacher', None) is None:
            raise ValueError('DistillationScheduleHook needs a model with a teacher '
                               '(EDCSegmentor with teacher=... and distill_loss=...)')
        return model

    def before_train(self, runner):
        student = self._student(runner)
        if not (self.init_student_from_teacher and runner.iter == 0):
            return
        copied, total = copy_shared_weights(student.teacher.model, student)
        if copied < self.min_shared_fraction * total:
            raise ValueError(
                f'init_student_from_teacher: the teacher ({student.teacher.source}) '
                f'shares only {copied} of the student\'s {total} tensors by name and '
                f'shape (min_shared_fraction={self.min_shared_fraction}); give the '
                'student a teacher of its own architecture, or set min_shared_fraction=0 '
                'to accept a partial initialisation')
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
