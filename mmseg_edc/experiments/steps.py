"""Train and test chains of configs through the tools, as subprocesses, resumably."""
import argparse
import glob
import hashlib
import json
import os
import os.path as osp
import subprocess
import sys
import time
from typing import Collection, List, Optional, Sequence

import torch
from mmengine.config import Config, DictAction

from mmseg_edc.models.segmentors.frozen_teacher import (recorded_val_miou,
                                                        resolve_teacher_checkpoint)
from mmseg_edc.utils import Terminated
from mmseg_edc.utils.config_diff import changed_keys
from mmseg_edc.utils.packaged import config_path, resource_dir

#: Written into a work dir when its training run finished; holds the seconds it took.
DONE_MARKER = 'training_done.json'
#: A failed teacher's k-th retry trains with ``randomness.seed + k * TEACHER_SEED_STEP``.
TEACHER_SEED_STEP = 1000
#: ``--cfg-options`` that turn a training's validation off, the last iteration's included:
#: mmengine's ``IterBasedTrainLoop`` validates at ``max_iters`` whatever ``val_interval``
#: says, but never before ``val_begin``. For a chain's tested config, whose last
#: checkpoint the test step scores.
NO_VALIDATION = ('train_cfg.val_begin=1000000000',)
#: Top-level config keys that decide what a run trains and how it is evaluated. A work
#: dir is reused only while these match the config asked for; the others (work dir,
#: launcher, logging, visualisation, declarations such as ``class_weight`` that reach
#: the run through these keys) may differ.
RUN_DEFINING_KEYS = ('model', 'data_preprocessor', 'train_dataloader', 'val_dataloader',
                     'test_dataloader', 'train_cfg', 'val_cfg', 'test_cfg',
                     'optim_wrapper', 'param_scheduler', 'val_evaluator',
                     'test_evaluator', 'default_hooks', 'custom_hooks', 'randomness')


class ConfigChangedError(ValueError):
    """A work dir holds a run of another config than the one asked for."""


def config_under_options(config: str, options: Sequence[str] = ()) -> Config:
    """A packaged config with ``--cfg-options``-style ``options`` (``key=value``
    strings) merged in, as the tools will see it."""
    cfg = Config.fromfile(config_path(config))
    if options:
        parser = argparse.ArgumentParser()
        parser.add_argument('--options', nargs='+', action=DictAction)
        cfg.merge_from_dict(parser.parse_args(['--options', *options]).options)
    return cfg


def scaled_schedule(config: str, scale: float, options: Sequence[str] = ()) -> List[str]:
    """``--cfg-options`` that stretch an iteration-based schedule by ``scale``: the
    number of iterations, every parameter scheduler's ``begin`` and ``end`` (warm-up
    included), the validation and checkpoint intervals, each rounded to a whole
    iteration (at least 1 where it was not 0). For learning curves at several training
    budgets.

    Args:
        config (str): packaged config name.
        scale (float): budget factor (2: twice the iterations, the same shape of
            learning-rate schedule).
        options (Sequence[str]): ``--cfg-options`` the config is read under.

    Raises:
        ValueError: ``scale`` is not positive, or the schedule counts epochs.
    """
    if scale <= 0:
        raise ValueError(f'schedule scale must be positive, got {scale}')
    cfg = config_under_options(config, options)

    def scaled(iterations):
        return max(1, round(iterations * scale)) if iterations else 0

    if cfg.train_cfg.get('type') != 'IterBasedTrainLoop':
        raise ValueError(f'{config}: only iteration-based schedules scale, its train '
                         f'loop is {cfg.train_cfg.get("type")}')
    scaled_options = [f'train_cfg.max_iters={scaled(cfg.train_cfg.max_iters)}']
    if 'val_interval' in cfg.train_cfg:
        scaled_options.append(f'train_cfg.val_interval={scaled(cfg.train_cfg.val_interval)}')
    schedulers = cfg.get('param_scheduler') or []
    single = isinstance(schedulers, dict)
    for index, scheduler in enumerate([schedulers] if single else schedulers):
        if scheduler.get('by_epoch', True):
            raise ValueError(f'{config}: param_scheduler {index} counts epochs; only '
                             'iteration-based schedules scale')
        prefix = 'param_scheduler' if single else f'param_scheduler.{index}'
        scaled_options += [f'{prefix}.{key}={scaled(scheduler[key])}'
                           for key in ('begin', 'end') if key in scheduler]
    checkpoint = cfg.get('default_hooks', {}).get('checkpoint') or {}
    if 'interval' in checkpoint:
        scaled_options.append(
            f'default_hooks.checkpoint.interval={scaled(checkpoint["interval"])}')
    return scaled_options


def run_defining_settings(cfg: Config) -> Config:
    """The part of ``cfg`` under :data:`RUN_DEFINING_KEYS`."""
    return Config({key: cfg.get(key) for key in RUN_DEFINING_KEYS})


def recorded_config_changes(work_dir: str, config: str, wanted: Config) -> List[str]:
    """Where the config a training in ``work_dir`` recorded (mmengine writes it there as
    ``<config name>.py`` when the run starts) differs from ``wanted`` (``config`` as it
    would train now, e.g. :func:`config_under_options`) in the keys of
    :data:`RUN_DEFINING_KEYS`.

    Returns:
        list[str]: the differing dotted keys, sorted; empty when the run is this config's.

    Raises:
        FileNotFoundError: the work dir holds no recorded config.
    """
    recorded = osp.join(work_dir, osp.basename(config_path(config)))
    if not osp.isfile(recorded):
        raise FileNotFoundError(
            f'{work_dir} holds no record of the config its run trained with '
            f'({osp.basename(recorded)}), so whether it is a run of {config} as now '
            'configured cannot be told; move it away or train into another --work-dir')

    return sorted(changed_keys(run_defining_settings(Config.fromfile(recorded)),
                               run_defining_settings(wanted)))


def run_defining_digest(cfg: Config) -> str:
    """SHA-256 of ``cfg``'s :data:`RUN_DEFINING_KEYS` (canonical JSON, keys sorted): two
    configs train and evaluate alike exactly when their digests match. A ledger keeps
    it so that a recorded result can be checked against the current configs once its
    work dir is gone (a new checkout, another machine)."""
    settings = run_defining_settings(cfg).to_dict()
    text = json.dumps(settings, sort_keys=True, default=repr)
    return hashlib.sha256(text.encode()).hexdigest()


def marker_seconds(work_dir: str) -> float:
    """Seconds a finished training took, from its :data:`DONE_MARKER`."""
    with open(osp.join(work_dir, DONE_MARKER)) as f:
        return json.load(f)['seconds']


def teacher_score(work_dir: str) -> Optional[float]:
    """The validation mIoU a teacher's checkpoint (as its student resolves it) records."""
    checkpoint = torch.load(resolve_teacher_checkpoint(work_dir), map_location='cpu',
                            weights_only=False)
    return recorded_val_miou(checkpoint)


def run_step(cmd: Sequence[str]) -> float:
    """Run one command; SIGTERM is passed on so the step cleans up. A failed step ends
    the caller with the step's exit status.

    Returns:
        float: seconds the step took.
    """
    print('+ ' + ' '.join(cmd), flush=True)
    start = time.perf_counter()
    with subprocess.Popen(list(cmd)) as step:
        try:
            status = step.wait()
        except Terminated:
            step.terminate()
            step.wait()
            raise
    if status:
        raise SystemExit(status if status > 0 else 128 - status)   # -N: killed by N
    return time.perf_counter() - start


def tool(name: str) -> List[str]:
    """Command prefix running the packaged ``tools/<name>`` with this interpreter."""
    return [sys.executable, osp.join(resource_dir('tools'), name)]


def ensure_generated_benchmark(root: str, seed: int, counts: Sequence[int],
                               extra: Sequence[str] = (), debug: bool = False) -> str:
    """Generate the benchmark into ``root`` through its tool unless a complete
    generation with its validation split is there already.

    Args:
        root (str): output folder.
        seed (int): generation seed.
        counts (Sequence[int]): train, validation and test samples.
        extra (Sequence[str]): more arguments of the generator tool.
        debug (bool): pass ``--debug``.

    Returns:
        str: ``root``.
    """
    marker = osp.join(root, 'generated_benchmark.json')
    if osp.isfile(marker):
        with open(marker) as f:
            if json.load(f).get('complete'):
                return root
    num_train, num_val, num_test = counts
    run_step([*tool('dataset_converters/generate_m3mcr_benchmark.py'), '--out-dir', root,
              '--num-train', str(num_train), '--num-val', str(num_val), '--num-test',
              str(num_test), '--seed', str(seed), '--workers', '2', *extra,
              *(['--debug'] if debug else [])])
    return root


def latest_test_metrics(work_dir: str) -> dict:
    """Metrics of the newest test run in ``work_dir`` (mmengine writes them as JSON)."""
    runs = sorted(glob.glob(osp.join(work_dir, '*', '*.json')), key=osp.getmtime)
    for path in reversed(runs):
        with open(path) as f:
            lines = [json.loads(line) for line in f if line.strip()]
        if lines and 'mIoU' in lines[-1]:
            return lines[-1]
    raise FileNotFoundError(f'no test metrics found under {work_dir}')


class StepRunner:
    """Trains chains of configs (teacher, then student) and tests their last config.

    Each config trains into ``<work_root>/<config name>``; a finished training leaves
    :data:`DONE_MARKER` there and is not run again (several recipes share a teacher,
    and an interrupted table resumes), an unfinished one continues from its last
    checkpoint (``--resume-or-start``).

    Args:
        work_root (str): folder of the work dirs.
        train_options (Sequence[str]): ``--cfg-options`` of every training run.
        test_options (Sequence[str]): ``--cfg-options`` of every test run.
        tested_options (Sequence[str]): ``--cfg-options`` of the training of a chain's
            last config only (the one tested): e.g. no validation, since the test step
            scores its last checkpoint.
        teachers (Collection[str]): configs trained as teachers in some chain; they
            never get ``tested_options`` (a teacher keeps the validation its student's
            ``min_val_miou`` reads, also when a chain tests the teacher itself, since
            its work dir is shared with the students' chains).
        teacher_retries (int): how often a teacher whose validation mIoU is below its
            student's ``model.teacher.min_val_miou`` is trained again with another
            seed (:meth:`train_teacher`).
        schedule_scale (float): every training's iteration schedule stretched by this
            factor (:func:`scaled_schedule`; 1: the configs' own budgets).
        debug (bool): pass ``--debug`` to the tools.
    """

    def __init__(self, work_root: str, train_options: Sequence[str] = (),
                 test_options: Sequence[str] = (), tested_options: Sequence[str] = (),
                 teachers: Collection[str] = (), teacher_retries: int = 2,
                 schedule_scale: float = 1.0, debug: bool = False):
        self.work_root = work_root
        self.train_options = list(train_options)
        self.test_options = list(test_options)
        self.tested_options = list(tested_options)
        self.teachers = frozenset(teachers)
        self.teacher_retries = teacher_retries
        self.schedule_scale = schedule_scale
        self.debug = ['--debug'] if debug else []
        self._configs = {}

    def work_dir(self, config: str) -> str:
        return osp.join(self.work_root, config)

    def config(self, config: str, options: Sequence[str] = ()) -> Config:
        """:func:`config_under_options`, read once per runner (not to be modified)."""
        key = (config, tuple(options))
        if key not in self._configs:
            self._configs[key] = config_under_options(config, options)
        return self._configs[key]

    def run_options(self, config: str, teacher_work_dir: Optional[str] = None,
                    extra_options: Sequence[str] = ()) -> List[str]:
        """The ``--cfg-options`` ``config`` trains under: the runner's, ``extra_options``,
        the scaled schedule and the teacher's work dir."""
        options = list(self.train_options) + list(extra_options)
        if self.schedule_scale != 1:
            options += scaled_schedule(config, self.schedule_scale, options)
        if teacher_work_dir is not None:
            options.append(f'model.teacher.checkpoint={teacher_work_dir}')
        return options

    def tested_config_options(self, config: str) -> List[str]:
        """Extra options of a chain's last config: ``tested_options`` unless it is some
        chain's teacher."""
        return [] if config in self.teachers else list(self.tested_options)

    def teacher_seed(self, config: str, attempt: int) -> int:
        """``randomness.seed`` of a teacher's ``attempt``-th retry (0: the first run)."""
        first_seed = self.config(config, self.train_options).get(
            'randomness', {}).get('seed', 0)
        return first_seed + TEACHER_SEED_STEP * attempt

    def train(self, config: str, teacher_work_dir: Optional[str] = None,
              extra_options: Sequence[str] = ()) -> float:
        """Train ``config`` (a packaged name) unless done; the seconds training took.
        A finished or interrupted run in its work dir is reused or resumed only if it
        was trained with the same config (:meth:`check_unchanged`)."""
        work_dir = self.work_dir(config)
        options = self.run_options(config, teacher_work_dir, extra_options)
        if any(osp.isfile(osp.join(work_dir, name))
               for name in (DONE_MARKER, 'last_checkpoint')):
            self.check_unchanged(config, options)
            if osp.isfile(osp.join(work_dir, DONE_MARKER)):
                return marker_seconds(work_dir)
        seconds = run_step([*tool('train.py'), config_path(config), '--work-dir', work_dir,
                            '--resume-or-start', *self.debug, '--cfg-options', *options])
        with open(osp.join(work_dir, DONE_MARKER), 'w') as f:
            json.dump(dict(seconds=round(seconds, 1)), f)
        return seconds

    def check_unchanged(self, config: str, options: Sequence[str]) -> None:
        """Refuse to reuse or resume ``config``'s work dir when the run there was
        trained with another config (:func:`recorded_config_changes`): a changed
        config, e.g. a new default, must not be scored with an old run's weights.

        Raises:
            FileNotFoundError: the work dir holds no recorded config.
            ConfigChangedError: naming the work dir and the differing keys.
        """
        work_dir = self.work_dir(config)
        changes = recorded_config_changes(work_dir, config, self.config(config, options))
        if changes:
            shown = ', '.join(changes[:6]) + (', ...' if len(changes) > 6 else '')
            raise ConfigChangedError(
                f'{work_dir} holds a run of {config} as configured before: '
                f'{len(changes)} setting(s) differ now ({shown}); train into another '
                '--work-dir (or move this run away) to train the current config')

    def chain_run_options(self, configs: Sequence[str],
                          teacher_seeds: Optional[dict] = None,
                          teacher_dirs: bool = True) -> List[tuple]:
        """``(config, options)`` each config of a finished recipe trained under: a
        teacher with the seed of its last attempt (``teacher_seeds[config]`` where
        given, else counted from the failed runs kept beside its work dir), the last
        config with its tested options and (``teacher_dirs``) the teacher's work dir."""
        chain, teacher = [], None
        for index, config in enumerate(configs):
            if index < len(configs) - 1:
                seed = (teacher_seeds or {}).get(config)
                if seed is None:
                    seed = self.teacher_seed(config, len(self.failed_runs(config)))
                extra = [f'randomness.seed={seed}']
            else:
                extra = self.tested_config_options(config)
            chain.append((config, self.run_options(config, teacher, extra)))
            teacher = self.work_dir(config) if teacher_dirs else None
        return chain

    def chain_digests(self, configs: Sequence[str],
                      teacher_seeds: Optional[dict] = None) -> List[tuple]:
        """``(config, seed, digest)`` of each config of a finished recipe as
        :meth:`chain_run_options` gives it, the teacher's work dir left out (the
        teacher has its own entry): :func:`run_defining_digest` and ``randomness.seed``."""
        digests = []
        for config, options in self.chain_run_options(configs, teacher_seeds,
                                                      teacher_dirs=False):
            cfg = self.config(config, options)
            digests.append((config, cfg.get('randomness', {}).get('seed'),
                            run_defining_digest(cfg)))
        return digests

    def chain_record(self, configs: Sequence[str]) -> List[dict]:
        """What a ledger keeps of a finished recipe so that its result can be checked
        without its work dirs (:meth:`check_recorded_chain`): per config its name,
        the seed it trained with, and its digest (:meth:`chain_digests`)."""
        return [dict(config=config, seed=seed, sha256=digest)
                for config, seed, digest in self.chain_digests(configs)]

    def check_recorded_chain(self, configs: Sequence[str],
                             record: Optional[Sequence[dict]] = None) -> None:
        """Check, training nothing, that every config of a recipe whose result is
        recorded is still the config it was trained with.

        With the ledger's ``record`` (:meth:`chain_record`), each config's digest is
        compared, its work dir not needed; a teacher's recorded seed must be one of
        its attempts. Without it (a ledger line of before the records), the configs
        mmengine recorded in the work dirs are compared (:meth:`check_unchanged`; a
        teacher's last attempt, after the failed ones kept aside).

        Raises:
            FileNotFoundError: without ``record``, a config of the recipe has no
                finished run here.
            ConfigChangedError: a config changed since its run.
        """
        if record is not None:
            self.check_chain_record(configs, record)
            return
        for config, options in self.chain_run_options(configs):
            work_dir = self.work_dir(config)
            if not osp.isfile(osp.join(work_dir, DONE_MARKER)):
                raise FileNotFoundError(
                    f'a result of {configs[-1]} is recorded, but {work_dir} holds no '
                    'finished run to check it against')
            self.check_unchanged(config, options)

    def check_chain_record(self, configs: Sequence[str], record: Sequence[dict]) -> None:
        """The digest check of :meth:`check_recorded_chain`."""
        entries = {entry['config']: entry for entry in record}
        if sorted(entries) != sorted(configs):
            raise ConfigChangedError(
                f'the recorded result of {configs[-1]} was trained by the recipe '
                f'{sorted(entries)}, not by {list(configs)} as now')
        teachers = {config: entries[config]['seed'] for config in configs[:-1]}
        for config, seed in teachers.items():
            attempts = [self.teacher_seed(config, k) for k in range(self.teacher_retries + 1)]
            if seed not in attempts:
                raise ConfigChangedError(
                    f'the recorded result of {configs[-1]} used a teacher {config} '
                    f'trained with seed {seed}, none of its attempts now {attempts}')
        for config, _, digest in self.chain_digests(configs, teachers):
            if digest != entries[config]['sha256']:
                raise ConfigChangedError(
                    f'the recorded result of {configs[-1]} was trained with {config} as '
                    'configured before (the digest of its run-defining settings differs '
                    'now); record it again under another ledger or --work-dir')

    def train_chain(self, configs: Sequence[str]) -> float:
        """Train every config of a recipe in order; total training seconds (a
        teacher's failed attempts included)."""
        seconds, teacher = 0.0, None
        for index, config in enumerate(configs):
            if index < len(configs) - 1:
                floor = self.teacher_floor(configs[index + 1])
                seconds += self.train_teacher(config, floor)
            else:
                seconds += self.train(config, teacher, self.tested_config_options(config))
            teacher = self.work_dir(config)
        return seconds

    def teacher_floor(self, student: str) -> Optional[float]:
        """The ``model.teacher.min_val_miou`` of a student config under the runner's
        training options, or None."""
        teacher = self.config(student, self.train_options).model.get('teacher') or {}
        return teacher.get('min_val_miou')

    def train_teacher(self, config: str, floor: Optional[float]) -> float:
        """Train a teacher; while its recorded validation mIoU is below its student's
        ``floor``, keep the failed run as ``<work dir>_failed<k>`` and train again with
        ``randomness.seed`` moved by ``k * TEACHER_SEED_STEP``, at most
        ``teacher_retries`` times (docs/design.md §6.10). A resumed chain counts the
        failed runs already kept. Returns the seconds of every attempt."""
        work_dir = self.work_dir(config)
        failures = self.failed_runs(config)
        seconds = sum(marker_seconds(failed) for failed in failures)
        while True:
            attempt = len(failures)
            seed = self.teacher_seed(config, attempt)
            seconds += self.train(config, extra_options=[f'randomness.seed={seed}'])
            if floor is None:
                return seconds
            score = teacher_score(work_dir)
            if score is None or score >= floor or attempt >= self.teacher_retries:
                return seconds
            failures.append(f'{work_dir}_failed{attempt + 1}')
            print(f'teacher {config} (randomness.seed={seed}): validation mIoU '
                  f'{score:.2f} below its student\'s floor {floor}; kept as '
                  f'{failures[-1]}, training it again with another seed', flush=True)
            os.replace(work_dir, failures[-1])

    def failed_runs(self, config: str) -> List[str]:
        """Work dirs of ``config``'s failed teacher runs kept by :meth:`train_teacher`."""
        return sorted(glob.glob(f'{self.work_dir(config)}_failed*'))

    def test(self, config: str, extra_options: Sequence[str] = (),
             show_dir: Optional[str] = None, tag: str = 'test') -> dict:
        """Test the last checkpoint of ``config``'s work dir; the metrics.

        ``tag`` names the test's own work dir under the training one, so tests on
        other data (``extra_options``) keep their metrics apart.
        """
        train_dir = self.work_dir(config)
        with open(osp.join(train_dir, 'last_checkpoint')) as f:
            checkpoint = f.read().strip()
        test_dir = osp.join(train_dir, tag)
        os.makedirs(test_dir, exist_ok=True)
        show = ['--show-dir', show_dir] if show_dir else []
        run_step([*tool('test.py'), config_path(config), checkpoint, '--work-dir',
                  test_dir, *show, *self.debug, '--cfg-options', *self.test_options,
                  *extra_options])
        return latest_test_metrics(test_dir)
