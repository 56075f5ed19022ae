"""Train and test models over several training (and data) seeds; tabulate mean, spread and
paired differences to a baseline with Student-t confidence intervals.

Each run trains a model's recipe (mmseg_edc/experiments/recipes.py: EDC is its teacher,
then its student) with ``randomness.seed=<seed>`` on the generated benchmark of a data
seed, and tests the last checkpoint on the test split (validation during training is
off: no model selection touches the test split). Runs are resumable: a finished run's
result is kept in the ledger (``--ledger``, default ``<work-dir>/results.jsonl``) and not
run again; an interrupted training continues from its last checkpoint. A recorded result
or a work dir is used only while its configs are still the ones its runs trained with:
each ledger line keeps, per config of its recipe, the seed and a digest of every key that
decides a run (:func:`~mmseg_edc.experiments.steps.run_defining_digest`), so a ledger kept
apart from the work dirs (committed next to its tables) still checks, and resumes, in a
new checkout, where only the teachers a new run needs are trained again; a work dir is
reused only while the config mmengine recorded in it matches. After a config changes, the
tool stops and asks for another ledger or ``--work-dir`` instead of mixing runs. A
run whose training or test fails (e.g. a student refusing its teacher after the retries)
is not recorded and the other runs go on; the table lists it, and the tool exits 1.
Teachers are shared by the recipes of one (data seed, seed); a teacher whose validation
mIoU falls below its student's ``min_val_miou`` is kept aside and trained again with
another seed (at most twice,
:meth:`StepRunner.train_teacher`): the table counts those failed teachers and their
training time. ``edc-teacher`` tests the teacher alone; run it before ``edc`` for the
same seeds to see every first attempt, failures included (afterwards it finds the
retrained teacher). ``--schedule-scale F`` trains every config of every recipe for F
times its iterations (warm-up, decay and intervals stretched alike), in its own folder
of the work dir: tables at several F are learning curves at several budgets.

Example (the README's table)::

    python tools/analysis_tools/benchmark_seeds.py \\
        --models edc early-fusion optical-only edc-no-distill --seeds 0 1 2 \\
        --data-seeds 0 1 --baseline edc --work-dir work_dirs/seeds \\
        --ledger docs/benchmarks/seeds/results.jsonl \\
        --out docs/benchmarks/seeds/seeds_generated-m3mcr.json

Writes the table as JSON (``--out``) and Markdown (same name, ``.md``).
"""
import argparse
import json
import os
import os.path as osp

import torch

from mmseg_edc.experiments import (MODEL_RECIPES, NO_VALIDATION, REPORTED_METRICS,
                                   TEACHER_CONFIGS, StepRunner, paired_difference,
                                   summarise)
from mmseg_edc.experiments.steps import ensure_generated_benchmark
from mmseg_edc.io import write_file_atomically
from mmseg_edc.utils import add_debug_flag, run_tool
from mmseg_edc.utils.efficiency import machine_settings, matmul_rate

#: Metrics whose paired differences the table reports (``heavy.``: on the heavy-cloud
#: test data, when asked for).
COMPARED_METRICS = ('mIoU', 'clear.mIoU', 'cloudy.mIoU', 'heavy.cloudy.mIoU')
#: Cloud cover of the heavy-cloud test data (the same test scenes).
HEAVY_COVER = ('0.6', '0.95')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--models', nargs='+', required=True, choices=list(MODEL_RECIPES))
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2],
                        help='training seeds')
    parser.add_argument('--data-seeds', type=int, nargs='+', default=[0],
                        help='seeds of the generated benchmark')
    parser.add_argument('--baseline', help='model the paired differences are taken to '
                        '(default: the first of --models)')
    parser.add_argument('--work-dir', default='work_dirs/seeds')
    parser.add_argument('--ledger', help='JSON-lines file of the recorded results '
                        '(default: <work-dir>/results.jsonl); keep it with the tables '
                        'to resume and re-tabulate without the work dirs')
    parser.add_argument('--data-root', default='data/generated_m3mcr',
                        help='prefix of the generated data roots (<prefix>_seed<N>)')
    parser.add_argument('--num-train', type=int, default=200)
    parser.add_argument('--num-val', type=int, default=40)
    parser.add_argument('--num-test', type=int, default=60)
    parser.add_argument('--heavy-cloud-test', action='store_true',
                        help='also test every model on the same test scenes under 60-95 %% '
                        'cloud cover (metrics prefixed heavy.)')
    parser.add_argument('--schedule-scale', type=float, default=1.0,
                        help='train every config for this many times its iterations '
                        '(learning curves; default 1: the configs\' own budgets)')
    parser.add_argument('--out', help='table JSON to write (and .md next to it)')
    args = add_debug_flag(parser).parse_args(argv)
    args.baseline = args.baseline or args.models[0]
    if args.baseline not in args.models:
        raise ValueError(f'--baseline {args.baseline} is not among --models {args.models}')
    return args


def data_root(args, data_seed):
    """The generated benchmark of ``data_seed``, written when missing."""
    return ensure_generated_benchmark(f'{args.data_root}_seed{data_seed}', data_seed,
                                      (args.num_train, args.num_val, args.num_test),
                                      debug=args.debug)


def heavy_root(args, data_seed):
    """The heavy-cloud test data of ``data_seed``: the same test scenes, 60-95 % cover."""
    return ensure_generated_benchmark(
        f'{args.data_root}_seed{data_seed}_heavy', data_seed,
        (args.num_train, args.num_val, args.num_test),
        extra=['--splits', 'test', '--cover-range', *HEAVY_COVER], debug=args.debug)


def kept(metrics, prefix=''):
    """The reported metrics and per-class IoUs of a test run, keys prefixed."""
    return {prefix + k: v for k, v in metrics.items()
            if k in REPORTED_METRICS or '.IoU.' in k or k.startswith('IoU.')}


def schedule_scale(run):
    """The budget factor a ledger run trained at (runs before the option: 1)."""
    return run.get('schedule_scale', 1.0)


def read_results(path):
    """Finished runs keyed by ``(model, data_seed, seed, schedule scale)`` (a later line
    of the same run, e.g. with heavy-cloud metrics added, replaces an earlier one)."""
    if not osp.isfile(path):
        return {}
    with open(path) as f:
        runs = [json.loads(line) for line in f if line.strip()]
    return {(r['model'], r['data_seed'], r['seed'], schedule_scale(r)): r for r in runs}


def seed_work_dir(args, data_seed, seed):
    """Work dirs of one (data seed, seed); another schedule scale trains elsewhere."""
    scaled = [] if args.schedule_scale == 1 else [f'schedule-x{args.schedule_scale:g}']
    return osp.join(args.work_dir, *scaled, f'data{data_seed}', f'seed{seed}')


def machine_record():
    """Where a run's ``train_seconds`` were taken: threads, torch, CPU, load average,
    and the dense fp32 matmul rate measured right after the run (GMAC/s), by which the
    times of runs recorded on other machines compare."""
    return dict(machine_settings(torch.get_num_threads(), 'fp32'),
                matmul_gmacs=round(matmul_rate() / 1e9, 1))


def run_model(args, runner, model, data_seed, seed, run=None):
    """Train and test one model's recipe (or check a recorded run, adding its
    heavy-cloud test or, to a line of before them, the records of its configs); the
    ledger line to record, or None when nothing is missing.

    Raises:
        SystemExit: a training or test step failed (its exit status).
    """
    configs = MODEL_RECIPES[model]
    if run is not None:
        runner.check_recorded_chain(configs, run.get('configs'))
        if 'configs' not in run:    # a line of before the records, checked in its work dirs
            run = dict(run, configs=runner.chain_record(configs))
        elif not args.heavy_cloud_test or run['heavy']:
            return None
    else:
        seconds = runner.train_chain(configs)
        failed = sum(len(runner.failed_runs(c)) for c in configs[:-1])
        run = dict(model=model, data_seed=data_seed, seed=seed,
                   schedule_scale=args.schedule_scale, train_seconds=round(seconds, 1),
                   heavy=False, failed_teachers=failed,
                   configs=runner.chain_record(configs), machine=machine_record(),
                   metrics=kept(runner.test(configs[-1])))
    if args.heavy_cloud_test and not run['heavy']:
        if not osp.isfile(osp.join(runner.work_dir(configs[-1]), 'last_checkpoint')):
            raise FileNotFoundError(
                f'{model} (data seed {data_seed}, seed {seed}) is recorded without a '
                f'heavy-cloud test, and its work dir {runner.work_dir(configs[-1])} is '
                'gone: record it again under another ledger to test it')
        heavy = runner.test(configs[-1], tag='test_heavy', extra_options=[
            f'test_dataloader.dataset.data_root={heavy_root(args, data_seed)}'])
        run = dict(run, heavy=True, metrics=dict(run['metrics'], **kept(heavy, 'heavy.')))
    return run


def run_all(args):
    """Run every missing (data seed, seed, model).

    A run whose training or test step fails (a student refusing its teacher after the
    retries, a crash) is reported and left out of the ledger, so the next call tries it
    again; the other runs go on.

    Returns:
        tuple[dict, list[dict]]: all recorded results (:func:`read_results`) and the
        failed runs (model, data seed, seed, exit status).
    """
    ledger = args.ledger or osp.join(args.work_dir, 'results.jsonl')
    os.makedirs(args.work_dir, exist_ok=True)
    os.makedirs(osp.dirname(osp.abspath(ledger)), exist_ok=True)
    results, failures = read_results(ledger), []
    for data_seed in args.data_seeds:
        root = data_root(args, data_seed)
        data_options = [f'{loader}.dataset.data_root={root}' for loader in
                        ('train_dataloader', 'val_dataloader', 'test_dataloader')]
        for seed in args.seeds:
            runner = StepRunner(
                seed_work_dir(args, data_seed, seed),
                train_options=data_options + [f'randomness.seed={seed}'],
                test_options=data_options,
                tested_options=NO_VALIDATION,
                teachers=TEACHER_CONFIGS, schedule_scale=args.schedule_scale,
                debug=args.debug)
            for model in args.models:
                key = (model, data_seed, seed, args.schedule_scale)
                try:
                    run = run_model(args, runner, model, data_seed, seed, results.get(key))
                except SystemExit as failed:
                    failures.append(dict(model=model, data_seed=data_seed, seed=seed,
                                         status=failed.code))
                    print(f'{model}, data seed {data_seed}, seed {seed}: a step failed '
                          f'(exit status {failed.code}); not recorded, the other runs go '
                          'on', flush=True)
                    continue
                if run is None:
                    continue
                with open(ledger, 'a') as f:
                    f.write(json.dumps(run) + '\n')
                results[key] = run
    return results, failures


def table(results, args):
    """Per model: each metric's summary over runs, training seconds, and the paired
    differences to the baseline."""
    def runs_of(model):
        return {(r['data_seed'], r['seed']): r for (m, *_, scale), r in results.items()
                if m == model and scale == args.schedule_scale
                and r['data_seed'] in args.data_seeds and r['seed'] in args.seeds}

    rows = {}
    base = runs_of(args.baseline)
    for model in args.models:
        runs = runs_of(model)
        if not runs:
            continue
        metrics = sorted({k for r in runs.values() for k in r['metrics']})
        rows[model] = dict(
            runs=len(runs),
            failed_teachers=sum(r.get('failed_teachers', 0) for r in runs.values()),
            train_seconds=summarise([r['train_seconds'] for r in runs.values()]),
            metrics={k: summarise([r['metrics'][k] for r in runs.values()
                                   if k in r['metrics']]) for k in metrics},
            versus_baseline={} if model == args.baseline else {
                k: paired_difference(
                    {key: r['metrics'][k] for key, r in runs.items() if k in r['metrics']},
                    {key: r['metrics'][k] for key, r in base.items() if k in r['metrics']})
                for k in COMPARED_METRICS})
    return dict(baseline=args.baseline, seeds=args.seeds, data_seeds=args.data_seeds,
                schedule_scale=args.schedule_scale, confidence=0.95, models=rows)


def markdown(report):
    """The table as Markdown: mean +- std (n) and the paired difference with its CI."""
    def cell(summary):
        if summary is None:
            return '-'
        std = '' if summary['std'] is None else f' ± {summary["std"]:.2f}'
        return f'{summary["mean"]:.2f}{std}'

    def difference(diff):
        if diff is None:
            return '-'
        if diff['ci_low'] is None:
            return f'{diff["mean"]:+.2f} (n=1)'
        mark = '' if diff['separated'] else ' (not separated)'
        return f'{diff["mean"]:+.2f} [{diff["ci_low"]:+.2f}, {diff["ci_high"]:+.2f}]{mark}'

    shown = [m for m in REPORTED_METRICS if m in ('mIoU', 'clear.mIoU', 'cloudy.mIoU',
                                                  'cr/PSNR')]
    header = (['model', 'runs', 'failed teachers', 'train s'] + shown
              + [f'Δ {m} vs {report["baseline"]} (95 % CI)' for m in COMPARED_METRICS])
    lines = ['| ' + ' | '.join(header) + ' |', '|' + '---|' * len(header)]
    for model, row in report['models'].items():
        cells = [model, str(row['runs']), str(row['failed_teachers']),
                 f'{row["train_seconds"]["mean"]:.0f}']
        cells += [cell(row['metrics'].get(m)) for m in shown]
        cells += [difference(row['versus_baseline'].get(m)) for m in COMPARED_METRICS]
        lines.append('| ' + ' | '.join(cells) + ' |')
    failed = [f'{f["model"]} (data seed {f["data_seed"]}, seed {f["seed"]})'
              for f in report.get('failed_runs', ())]
    if failed:
        lines += ['', 'Failed, not in the table: ' + ', '.join(failed) + '.']
    return '\n'.join(lines) + '\n'


def main(argv=None):
    args = parse_args(argv)
    results, failures = run_all(args)
    report = dict(table(results, args), failed_runs=failures)
    text = markdown(report)
    print(text)
    if args.out:
        write_file_atomically(args.out, json.dumps(report, indent=2))
        write_file_atomically(osp.splitext(args.out)[0] + '.md', text)
    if failures:
        raise SystemExit(f'{len(failures)} run(s) failed and are not in the table: '
                         + '; '.join(f'{f["model"]} data seed {f["data_seed"]} seed '
                                     f'{f["seed"]} (status {f["status"]})' for f in failures))


if __name__ == '__main__':
    run_tool(main)
