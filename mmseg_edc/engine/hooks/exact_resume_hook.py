"""Resumed training that continues the interrupted run's random numbers exactly."""
from mmengine.dist import get_world_size
from mmengine.hooks import Hook
from mmengine.runner import EpochBasedTrainLoop, IterBasedTrainLoop
from mmseg.registry import HOOKS

from ..random_states import capture_random_states, restore_random_states

#: The checkpoint entry this hook writes and reads.
CHECKPOINT_KEY = 'exact_resume'


class _RestoreAfterFastForward:
    """Stands in for ``IterBasedTrainLoop.dataloader_iterator`` during a resume.

    The loop first calls ``next()`` ``skip`` times (mmengine's fast-forward over the
    batches already trained); those pass through. Just before the next batch is
    fetched the random states are restored and the loop gets its own iterator back.
    """

    def __init__(self, loop, skip, states):
        self._loop = loop
        self._inner = loop.dataloader_iterator
        self._skip = skip
        self._states = states

    def __iter__(self):
        return self

    def __next__(self):
        if self._skip > 0:
            self._skip -= 1
            return next(self._inner)
        restore_random_states(self._states)
        self._loop.dataloader_iterator = self._inner
        return next(self._inner)


def _train_sampler(loader):
    batch_sampler = getattr(loader, 'batch_sampler', None)
    return getattr(batch_sampler, 'sampler', None) or loader.sampler


def sampler_position(loader, batches):
    """What decides which samples the next batch holds.

    Returns:
        dict: ``type`` and ``seed`` of the train sampler (the sample order),
        ``batch_size`` and ``batches`` (batches drawn since the run began).
    """
    sampler = _train_sampler(loader)
    return dict(type=type(sampler).__name__, seed=getattr(sampler, 'seed', None),
                batch_size=loader.batch_size, batches=batches)


@HOOKS.register_module()
class ExactResumeHook(Hook):
    """Make a resumed run draw the random numbers the uninterrupted run would have.

    mmengine re-seeds the generators on resume, so drop path, dropout and random
    transforms draw other numbers than the uninterrupted run: close, not equal. This
    hook makes single-process resume bit-exact:

    1. **Saves** in every checkpoint, under ``'exact_resume'``, the global random
       states (Python, NumPy, torch CPU, CUDA when in use; see
       :func:`capture_random_states`) and the train sampler's position (type, seed,
       batch size, batches drawn).
    2. **Restores** them where the uninterrupted run was in that state: just before
       the first resumed batch is fetched. ``IterBasedTrainLoop`` first fast-forwards
       its dataloader by the ``iter`` batches already trained (mmengine loads them,
       which draws random numbers); the hook wraps the loop's dataloader iterator,
       lets those calls through and restores the states before the next one.
       ``EpochBasedTrainLoop`` resumes at an epoch start: the states are restored at
       its first ``before_train_epoch``.
    3. **Keeps validation out of the training stream**: the states are captured
       before every validation and put back after it, before ``CheckpointHook``
       saves a best checkpoint. The uninterrupted run validates between a
       checkpoint and its next batch; the resumed one does not, and without this
       their streams would part there.

    Worker processes (``num_workers > 0``) run the transforms with their own
    generators, seeded by mmengine once per worker start (seed + worker id). The
    fast-forward loads every skipped batch through the same workers in the same
    order, so each worker's generator ends where it was in the uninterrupted run:
    exact too, for ``persistent_workers`` True or False. The price is mmengine's
    own: the skipped batches are loaded, not only their indices drawn.

    Exact when the resumed run has the same config (sampler, seed, batch size,
    ``num_workers``, thread count). The sample order comes from the sampler's seed,
    fixed when the dataloader is built, before the checkpoint is read: a config
    without ``randomness.seed`` draws a new one per run (``tools/train.py --resume``
    takes the checkpoint's). A sampler that differs from the checkpoint's is
    reported as a warning.

    Not restored, with a log line: runs of several processes (the checkpoint is
    written by rank 0 and holds its states only; those runs keep mmengine's
    re-seeding), checkpoints written without this hook, an epoch-based run resumed
    from a checkpoint inside an epoch (mmengine restarts that epoch), other loops.
    """

    # after_val_epoch must run before CheckpointHook (VERY_LOW) saves a best checkpoint
    priority = 'LOW'

    def __init__(self):
        self._loaded = None
        self._restore_at_epoch_start = None
        self._val_states = None

    def before_save_checkpoint(self, runner, checkpoint):
        checkpoint[CHECKPOINT_KEY] = dict(
            random_states=capture_random_states(),
            sampler=sampler_position(runner.train_dataloader,
                                     checkpoint['meta']['iter']))

    def after_load_checkpoint(self, runner, checkpoint):
        meta = checkpoint.get('meta', {})
        self._loaded = (checkpoint.get(CHECKPOINT_KEY), meta.get('epoch'),
                        meta.get('iter'))

    def before_train(self, runner):
        if self._loaded is None:
            return
        saved, epoch, iteration = self._loaded
        self._loaded = None
        if runner.iter == 0 or (runner.epoch, runner.iter) != (epoch, iteration):
            return              # weights loaded with load_from, not a resume
        states = self._resumable_states(runner, saved)
        if states is None:
            return
        loop = runner.train_loop
        if isinstance(loop, IterBasedTrainLoop):
            loop.dataloader_iterator = _RestoreAfterFastForward(loop, runner.iter, states)
        elif isinstance(loop, EpochBasedTrainLoop):
            if runner.iter % len(loop.dataloader):
                runner.logger.warning(
                    'resumed inside an epoch, which mmengine restarts from its first '
                    'batch: random states not restored (not bit-exact)')
                return
            self._restore_at_epoch_start = states
        else:
            runner.logger.warning(f'{type(loop).__name__}: random states not restored '
                                  '(only iteration- and epoch-based loops are)')
            return
        runner.logger.info('random states of the interrupted run restored before '
                           'its next batch (bit-exact resume)')

    def _resumable_states(self, runner, saved):
        if saved is None:
            runner.logger.warning(
                'the checkpoint holds no random states (written without '
                'ExactResumeHook): generators re-seeded, resume is not bit-exact')
            return None
        if get_world_size() > 1:
            runner.logger.info('distributed run: the checkpoint holds rank 0\'s random '
                               'states only; generators re-seeded by mmengine')
            return None
        now = sampler_position(runner.train_dataloader, runner.iter)
        changed = {key: (saved['sampler'].get(key), value) for key, value in now.items()
                   if saved['sampler'].get(key) != value}
        if changed:
            listed = ', '.join(f'{key} {old} -> {new}'
                               for key, (old, new) in changed.items())
            runner.logger.warning(
                f'the train sampler differs from the checkpoint\'s ({listed}): the '
                'resumed run draws other samples than the interrupted one, so it is not '
                'bit-exact (tools/train.py --resume takes the checkpoint\'s seed)')
        return saved['random_states']

    def before_train_epoch(self, runner):
        if self._restore_at_epoch_start is not None:
            restore_random_states(self._restore_at_epoch_start)
            self._restore_at_epoch_start = None

    def before_val_epoch(self, runner):
        self._val_states = capture_random_states()

    def after_val_epoch(self, runner, metrics=None):
        if self._val_states is not None:
            restore_random_states(self._val_states)
            self._val_states = None
