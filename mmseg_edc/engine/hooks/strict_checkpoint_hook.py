"""Refuses a checkpoint that does not fit the model, before the Runner loads it."""
from mmengine.hooks import Hook
from mmseg.registry import HOOKS

from mmseg_edc.utils.checkpoint import check_checkpoint_fits


@HOOKS.register_module()
class StrictCheckpointHook(Hook):
    """Make the Runner's ``load_from`` strict: a checkpoint that misses or adds model
    weights, or holds one of another shape, raises ``CheckpointMismatchError`` (the
    counts and a few keys of each kind) instead of leaving weights at their random
    initialisation. ``tools/test.py`` adds it; add it to ``custom_hooks`` for mmseg's
    own test tool.

    The Runner reads the checkpoint, calls ``after_load_checkpoint`` and only then
    loads it leniently, so a refused checkpoint changes nothing. A student's frozen
    teacher (``teacher.``) is not expected in its checkpoint.

    Args:
        left_out (Sequence[str]): parts the model is built without on purpose (for
            example ``'teacher'``, ``'distill_loss'``); their weights in the checkpoint
            are ignored.
    """

    priority = 'VERY_HIGH'

    def __init__(self, left_out=()):
        self.left_out = tuple(left_out)

    def after_load_checkpoint(self, runner, checkpoint):
        check_checkpoint_fits(runner.model, checkpoint,
                              runner.cfg.get('load_from') or 'being loaded',
                              self.left_out)
