"""StepRunner: trains a recipe through tools/train.py once, then tests its checkpoint."""
import json
import os
import os.path as osp
from unittest.mock import MagicMock

import pytest
from mmengine.runner import IterBasedTrainLoop
from torch.utils.data import DataLoader

from mmseg_edc.experiments import NO_VALIDATION, StepRunner
from mmseg_edc.experiments.steps import (DONE_MARKER, ConfigChangedError,
                                         config_under_options, recorded_config_changes,
                                         run_defining_digest)
from mmseg_edc.synthesis import generate_m3mcr_benchmark

REFERENCE = 'upernet_r18-tiny_early-fusion_1xb8-600it_generated-m3mcr-160x160'
TEACHER = 'edc-teacher_edc-small_1xb8-400it_generated-m3mcr-160x160'


def test_a_finished_training_is_not_run_again(tmp_path, monkeypatch):
    monkeypatch.setenv('OMP_NUM_THREADS', '2')
    data = str(tmp_path / 'data')
    generate_m3mcr_benchmark(data, num_train=2, num_val=1, num_test=1, seed=3)
    loaders = [f'{loader}.dataset.data_root={data}' for loader in
               ('train_dataloader', 'val_dataloader', 'test_dataloader')]
    small = ['train_dataloader.batch_size=2', 'train_dataloader.num_workers=0',
             'train_dataloader.persistent_workers=False', 'train_cfg.max_iters=2',
             'train_cfg.val_interval=100', 'param_scheduler=[]']
    evaluation = ['test_dataloader.num_workers=0', 'test_dataloader.persistent_workers=False']
    runner = StepRunner(str(tmp_path / 'work'), train_options=loaders + small + evaluation,
                        test_options=loaders + evaluation)
    seconds = runner.train_chain([REFERENCE])
    work_dir = runner.work_dir(REFERENCE)
    with open(osp.join(work_dir, DONE_MARKER)) as f:
        assert json.load(f)['seconds'] == round(seconds, 1)
    checkpoint = osp.join(work_dir, 'iter_2.pth')
    written = os.stat(checkpoint).st_mtime_ns
    assert runner.train_chain([REFERENCE]) == round(seconds, 1)      # from the marker
    assert os.stat(checkpoint).st_mtime_ns == written                # nothing retrained
    metrics = runner.test(REFERENCE)
    assert 0 <= metrics['mIoU'] <= 100 and 'cloudy.mIoU' in metrics
    assert osp.isdir(osp.join(work_dir, 'test'))


def test_a_teacher_keeps_its_validation_even_where_a_chain_tests_it(tmp_path, monkeypatch):
    """The student's teacher floor reads the validation score its teacher's training
    recorded, so ``tested_options`` (validation off) never reach a teacher's training."""
    trained = []

    def record(self, config, teacher_work_dir=None, extra_options=()):
        trained.append((config, teacher_work_dir, list(extra_options)))
        return 1.0

    monkeypatch.setattr(StepRunner, 'train', record)
    monkeypatch.setattr(StepRunner, 'teacher_floor', lambda self, student: None)
    runner = StepRunner(str(tmp_path), train_options=['randomness.seed=0'],
                        tested_options=NO_VALIDATION,
                        teachers={TEACHER})
    assert runner.train_chain([TEACHER, 'student']) == 2.0
    assert runner.train_chain([TEACHER]) == 1.0
    assert runner.train_chain([REFERENCE]) == 1.0
    assert trained == [
        (TEACHER, None, ['randomness.seed=0']),
        ('student', runner.work_dir(TEACHER), list(NO_VALIDATION)),
        (TEACHER, None, []),
        (REFERENCE, None, list(NO_VALIDATION))]


def test_a_teacher_below_its_students_floor_is_trained_again_with_another_seed(
        tmp_path, monkeypatch):
    """Scores 62.7 then 88.0 against a floor of 80: the first run is kept aside as
    ``_failed1``, the second trains with seed 5 + 1000; a resumed chain counts the kept
    failure (its seconds too) and trains nothing."""
    from mmseg_edc.experiments import steps
    scores = iter([62.7, 88.0])
    trained = []

    def fake_train(self, config, teacher_work_dir=None, extra_options=()):
        work_dir = self.work_dir(config)
        if osp.isfile(osp.join(work_dir, DONE_MARKER)):
            return steps.marker_seconds(work_dir)
        trained.append((config, list(extra_options)))
        os.makedirs(work_dir)
        with open(osp.join(work_dir, DONE_MARKER), 'w') as f:
            json.dump(dict(seconds=10.0), f)
        return 10.0

    monkeypatch.setattr(StepRunner, 'train', fake_train)
    monkeypatch.setattr(steps, 'teacher_score', lambda work_dir: next(scores))
    runner = StepRunner(str(tmp_path), train_options=['randomness.seed=5'])
    assert runner.train_teacher(TEACHER, floor=80.0) == 20.0
    assert trained == [(TEACHER, ['randomness.seed=5']),
                       (TEACHER, ['randomness.seed=1005'])]
    assert osp.isdir(runner.work_dir(TEACHER) + '_failed1')

    monkeypatch.setattr(steps, 'teacher_score', lambda work_dir: 88.0)
    assert runner.train_teacher(TEACHER, floor=80.0) == 20.0
    assert len(trained) == 2


def test_teacher_retries_are_bounded_and_need_a_floor(tmp_path, monkeypatch):
    from mmseg_edc.experiments import steps
    calls = []
    monkeypatch.setattr(StepRunner, 'train',
                        lambda self, config, teacher_work_dir=None, extra_options=():
                        calls.append(extra_options) or os.makedirs(self.work_dir(config))
                        or 1.0)
    monkeypatch.setattr(steps, 'teacher_score', lambda work_dir: 50.0)
    runner = StepRunner(str(tmp_path), train_options=['randomness.seed=0'],
                        teacher_retries=1)
    assert runner.train_teacher(TEACHER, floor=80.0) == 2.0     # one retry, then stop
    assert calls == [['randomness.seed=0'], ['randomness.seed=1000']]
    calls.clear()
    assert runner.train_teacher(REFERENCE, floor=None) == 1.0   # no floor: no check
    assert len(calls) == 1


def test_the_teacher_floor_follows_the_cfg_options(tmp_path):
    student = 'edc_edc-small_1xb8-400it_generated-m3mcr-160x160'

    def floor(options):
        return StepRunner(str(tmp_path), train_options=options).teacher_floor(student)

    assert floor([]) == 80.0                                    # the config's floor
    assert floor(['randomness.seed=3']) == 80.0
    assert floor(['model.teacher.min_val_miou=None']) is None
    assert floor(['model.teacher.min_val_miou=60']) == 60


@pytest.mark.parametrize('options, validations', [((), 1), (NO_VALIDATION, 0)])
def test_no_validation_also_skips_the_last_iterations_validation(options, validations):
    """mmengine's loop validates at max_iters whatever val_interval says; NO_VALIDATION
    must stop that too (a tested run's validation would cost time and select nothing)."""
    cfg = config_under_options(REFERENCE, ['train_cfg.val_interval=1000000', *options])
    loop_args = {k: v for k, v in cfg.train_cfg.items() if k != 'type'}
    runner = MagicMock()
    loop = IterBasedTrainLoop(runner, DataLoader(list(range(4)), batch_size=2),
                              **dict(loop_args, max_iters=6))
    loop.run()
    assert runner.val_loop.run.call_count == validations


def test_a_scaled_schedule_keeps_its_shape():
    """The EDC teacher's schedule (400 iterations: linear warm-up over 0-40, cosine over
    40-400, validation every 400, checkpoints every 200) at half and twice the budget."""
    from mmseg_edc.experiments.steps import scaled_schedule
    doubled = scaled_schedule(TEACHER, 2)
    assert doubled == ['train_cfg.max_iters=800', 'train_cfg.val_interval=800',
                       'param_scheduler.0.begin=0', 'param_scheduler.0.end=80',
                       'param_scheduler.1.begin=80', 'param_scheduler.1.end=800',
                       'default_hooks.checkpoint.interval=400']
    cfg = config_under_options(TEACHER, doubled)
    assert cfg.train_cfg.max_iters == 800
    assert [(s.type, s.begin, s.end) for s in cfg.param_scheduler] == [
        ('LinearLR', 0, 80), ('CosineAnnealingLR', 80, 800)]
    assert cfg.param_scheduler[1].eta_min == 1e-5               # the rest is kept
    # read under options: the reference's 600 iterations cut to 100 first, then halved;
    # its warm-up (0-50) becomes 0-25, its cosine 25-300
    halved = scaled_schedule(REFERENCE, 0.5, ['train_cfg.max_iters=100'])
    assert halved[0] == 'train_cfg.max_iters=50'
    assert 'param_scheduler.0.end=25' in halved and 'param_scheduler.1.end=300' in halved


def test_only_iteration_schedules_scale():
    from mmseg_edc.experiments.steps import scaled_schedule
    with pytest.raises(ValueError, match='must be positive'):
        scaled_schedule(TEACHER, 0)
    with pytest.raises(ValueError, match='counts epochs'):
        scaled_schedule(TEACHER, 2, ['param_scheduler.0.by_epoch=True'])


def test_the_runner_trains_every_config_at_the_scaled_budget(tmp_path, monkeypatch):
    commands = []
    from mmseg_edc.experiments import steps

    def fake_step(cmd):
        commands.append(list(cmd))
        os.makedirs(cmd[cmd.index('--work-dir') + 1])
        return 1.0
    monkeypatch.setattr(steps, 'run_step', fake_step)
    runner = StepRunner(str(tmp_path), train_options=['randomness.seed=0'],
                        schedule_scale=2)
    runner.train(TEACHER)
    options = commands[0][commands[0].index('--cfg-options') + 1:]
    assert options[0] == 'randomness.seed=0' and 'train_cfg.max_iters=800' in options


def record_run(work_dir, config, options, seconds=10.0):
    """A finished run as the tools leave it: mmengine's record of the config it trained
    (``<config name>.py``) and the done marker."""
    os.makedirs(work_dir, exist_ok=True)
    config_under_options(config, options).dump(osp.join(work_dir, config + '.py'))
    with open(osp.join(work_dir, DONE_MARKER), 'w') as f:
        json.dump(dict(seconds=seconds), f)


def test_recorded_config_changes_are_the_run_defining_keys_that_differ(tmp_path):
    work_dir = str(tmp_path / REFERENCE)
    record_run(work_dir, REFERENCE, ['randomness.seed=4'])

    def changes(in_dir, options):
        return recorded_config_changes(in_dir, REFERENCE,
                                       config_under_options(REFERENCE, options))

    assert changes(work_dir, ['randomness.seed=4']) == []
    # the work dir and logging do not decide a run; the seed and the schedule do
    assert changes(work_dir, ['randomness.seed=4', 'work_dir=elsewhere',
                              'log_level=DEBUG']) == []
    assert changes(work_dir, ['randomness.seed=5', 'train_cfg.max_iters=7']) == [
        'randomness.seed', 'train_cfg.max_iters']
    with pytest.raises(FileNotFoundError, match='holds no record of the config'):
        changes(str(tmp_path), [])


@pytest.mark.parametrize('finished', [True, False], ids=['finished', 'interrupted'])
def test_a_run_of_a_changed_config_is_neither_reused_nor_resumed(tmp_path, monkeypatch,
                                                                 finished):
    from mmseg_edc.experiments import steps
    monkeypatch.setattr(steps, 'run_step', MagicMock(side_effect=AssertionError('trained')))
    runner = StepRunner(str(tmp_path), train_options=['train_cfg.max_iters=3'])
    work_dir = runner.work_dir(REFERENCE)
    record_run(work_dir, REFERENCE, ['train_cfg.max_iters=2'])
    if not finished:        # a checkpoint of an unfinished run, which would be resumed
        os.replace(osp.join(work_dir, DONE_MARKER), osp.join(work_dir, 'last_checkpoint'))
    with pytest.raises(ConfigChangedError, match=r'1 setting\(s\) differ now '
                       r'\(train_cfg.max_iters\); train into another --work-dir'):
        runner.train(REFERENCE)
    unchanged = StepRunner(str(tmp_path), train_options=['train_cfg.max_iters=2'])
    if finished:                # the same config: reused, from its marker
        assert unchanged.train(REFERENCE) == 10.0
    else:                       # the same config: resumed
        with pytest.raises(AssertionError, match='trained'):
            unchanged.train(REFERENCE)


def test_a_recorded_chain_is_checked_at_its_teachers_last_attempt(tmp_path, monkeypatch):
    """A teacher retried once trained its kept run with seed 0 and its last one with
    seed 1000; its student with the teacher's work dir and the tested options. Checking
    trains nothing, and finds a changed student config."""
    from mmseg_edc.experiments import steps
    monkeypatch.setattr(steps, 'run_step', MagicMock(side_effect=AssertionError('trained')))
    student = 'edc_edc-small_1xb8-400it_generated-m3mcr-160x160'
    runner = StepRunner(str(tmp_path), train_options=['randomness.seed=0'],
                        tested_options=NO_VALIDATION)
    with pytest.raises(FileNotFoundError, match='holds no finished run'):
        runner.check_recorded_chain([TEACHER, student])
    teacher_dir = runner.work_dir(TEACHER)
    record_run(teacher_dir + '_failed1', TEACHER, ['randomness.seed=0'])
    record_run(teacher_dir, TEACHER, ['randomness.seed=1000'])
    record_run(runner.work_dir(student), student, [
        'randomness.seed=0', *NO_VALIDATION, f'model.teacher.checkpoint={teacher_dir}'])
    runner.check_recorded_chain([TEACHER, student])
    changed = StepRunner(str(tmp_path), train_options=['randomness.seed=0'])
    with pytest.raises(ConfigChangedError, match=r'train_cfg\.val_begin'):
        changed.check_recorded_chain([TEACHER, student])


def test_the_run_defining_digest_follows_exactly_the_run_defining_keys():
    base = run_defining_digest(config_under_options(REFERENCE, ['randomness.seed=3']))
    assert len(base) == 64
    assert run_defining_digest(config_under_options(
        REFERENCE, ['randomness.seed=3', 'work_dir=elsewhere', 'log_level=DEBUG'])) == base
    for changed in ('randomness.seed=4', 'train_cfg.max_iters=7',
                    'model.decode_head.dropout_ratio=0.5'):
        assert run_defining_digest(config_under_options(REFERENCE, [changed])) != base


def test_a_chain_record_checks_a_result_without_its_work_dirs(tmp_path, monkeypatch):
    """The ledger's record of a chain (seed and digest per config) checks a recorded
    result in a checkout that has none of its work dirs: the same options pass; a
    changed student setting, a teacher seed that is none of its attempts, or another
    recipe are refused. A teacher retried once is recorded at its last attempt."""
    from mmseg_edc.experiments import steps
    monkeypatch.setattr(steps, 'run_step', MagicMock(side_effect=AssertionError('trained')))
    student = 'edc_edc-small_1xb8-400it_generated-m3mcr-160x160'
    chain = [TEACHER, student]
    trained = StepRunner(str(tmp_path / 'first'), train_options=['randomness.seed=0'],
                         tested_options=NO_VALIDATION)
    os.makedirs(trained.work_dir(TEACHER) + '_failed1')
    record = trained.chain_record(chain)
    assert [(e['config'], e['seed']) for e in record] == [(TEACHER, 1000), (student, 0)]
    fresh = StepRunner(str(tmp_path / 'checkout'), train_options=['randomness.seed=0'],
                       tested_options=NO_VALIDATION)
    fresh.check_recorded_chain(chain, record)
    with pytest.raises(FileNotFoundError, match='holds no finished run'):
        fresh.check_recorded_chain(chain)           # a line without records needs its runs
    validating = StepRunner(str(tmp_path / 'checkout'), train_options=['randomness.seed=0'])
    with pytest.raises(ConfigChangedError, match=f'trained with {student} as configured '
                       'before'):
        validating.check_recorded_chain(chain, record)
    reseeded = [dict(record[0], seed=7), record[1]]
    with pytest.raises(ConfigChangedError, match='trained with seed 7, none of its '
                       r'attempts now \[0, 1000, 2000\]'):
        fresh.check_recorded_chain(chain, reseeded)
    with pytest.raises(ConfigChangedError, match='trained by the recipe'):
        fresh.check_recorded_chain([student], record)
