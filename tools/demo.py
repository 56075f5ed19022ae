"""The embedded default job: generate the benchmark, train, test, draw predictions.

Runs on CPU with no data to download (``make demo``):

1. writes the generated M3M-CR-format benchmark to ``--data-root`` (skipped when a
   complete one is already there);
2. trains each requested model with ``tools/train.py``; EDC (the default) is two runs:
   the teacher (cloud-free optical + SAR), then the student distilled from it;
3. tests each with ``tools/test.py --show-dir``, printing mIoU, OA, mAcc and FWIoU over
   all, cloud-free and cloudy pixels (and the cloud-removal PSNR for EDC), and writing
   one panel per test sample;
4. prints a comparison table and writes it as JSON to ``<work-dir>/summary.json``.

Every step is the command a user would type, run as a subprocess from the current
directory (``--data-root`` and ``--work-dir`` are relative to it; the tools and configs
come from this checkout or, installed, from the package: ``mmseg-edc demo``). A step
that fails (it prints its own error) stops the demo with the step's exit status, and
SIGTERM is passed on to the running step so that it cleans up. Validation during
training is skipped (the test step evaluates the same split).
"""
import argparse
import glob
import json
import os
import os.path as osp
import subprocess
import sys
import time

from mmseg_edc.utils import Terminated, add_debug_flag, run_tool

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
SUFFIX = '_1xb8-400it_generated-m3mcr-160x160.py'
TEACHER = 'configs/edc/edc-teacher_edc-small' + SUFFIX
ABLATIONS = 'configs/edc/ablations/'
#: model name -> configs trained in order; the last one is tested. A config after the
#: first is a student whose teacher (model.teacher.checkpoint) is the previous run's work
#: dir.
#: A config trained once in a run is not trained again (the ablations share a teacher).
MODELS = {
    'edc': [TEACHER, 'configs/edc/edc_edc-small' + SUFFIX],
    'optical-only': ['configs/references/upernet_r18-tiny_optical-only_1xb8-600it'
                     '_generated-m3mcr-160x160.py'],
    'early-fusion': ['configs/references/upernet_r18-tiny_early-fusion_1xb8-600it'
                     '_generated-m3mcr-160x160.py'],
    'edc-plain-pool': [TEACHER, ABLATIONS + 'edc_edc-small-plain-pool' + SUFFIX],
    'edc-no-carrier': [TEACHER, ABLATIONS + 'edc_edc-small-no-carrier-tokens' + SUFFIX],
    'edc-no-cr': [TEACHER, ABLATIONS + 'edc_edc-small-no-cloud-removal' + SUFFIX],
    'edc-no-distill': [ABLATIONS + 'edc_edc-small-no-distill' + SUFFIX],
    'edc-optical': [ABLATIONS + 'edc-teacher_edc-small-optical-only' + SUFFIX,
                    ABLATIONS + 'edc_edc-small-optical-only' + SUFFIX],
}
REPORTED = ('mIoU', 'aAcc', 'mAcc', 'FWIoU', 'clear.mIoU', 'cloudy.mIoU', 'cr/PSNR')


def run(cmd):
    """Run one step; its failure ends the demo with the step's exit status."""
    print('+ ' + ' '.join(cmd), flush=True)
    with subprocess.Popen(cmd) as step:
        try:
            status = step.wait()
        except Terminated:
            step.terminate()
            step.wait()
            raise
    if status:
        raise SystemExit(status if status > 0 else 128 - status)   # -N: killed by N


def tool(name):
    """Command prefix running ``tools/<name>`` with this interpreter."""
    return [sys.executable, osp.join(ROOT, 'tools', name)]


def latest_test_metrics(work_dir):
    """Metrics of the newest test run in ``work_dir`` (mmengine writes them as JSON)."""
    runs = sorted(glob.glob(osp.join(work_dir, '*', '*.json')), key=osp.getmtime)
    for path in reversed(runs):
        with open(path) as f:
            lines = [json.loads(line) for line in f if line.strip()]
        if lines and 'mIoU' in lines[-1]:
            return lines[-1]
    raise RuntimeError(f'no test metrics found under {work_dir}')


def train_and_test(name, configs, args, data_options, trained):
    """Train every config of one model in order (unless in ``trained``), then test
    the last one."""
    previous_work_dir = None
    for config in configs:
        work_dir = osp.join(args.work_dir, osp.splitext(osp.basename(config))[0])
        options = data_options + ['train_cfg.val_interval=1000000', *args.cfg_options]
        debug = ['--debug'] if args.debug else []
        if previous_work_dir is not None:
            options.append(f'model.teacher.checkpoint={previous_work_dir}')
        if config not in trained:
            run([*tool('train.py'), osp.join(ROOT, config), '--work-dir', work_dir, *debug,
                 '--cfg-options', *options])
            trained.add(config)
        previous_work_dir = work_dir
    with open(osp.join(previous_work_dir, 'last_checkpoint')) as f:
        checkpoint = f.read().strip()
    run([*tool('test.py'), osp.join(ROOT, configs[-1]), checkpoint,
         '--work-dir', previous_work_dir,
         '--show-dir', osp.join(args.work_dir, name, 'panels'), *debug,
         '--cfg-options', *data_options])
    metrics = latest_test_metrics(previous_work_dir)
    return {k: metrics[k] for k in REPORTED if k in metrics}


def print_table(summary):
    header = f"{'model':<14}" + ''.join(f'{k:>13}' for k in REPORTED)
    print('\nGenerated benchmark, test split (percent; PSNR in dB):')
    print(header)
    for name, metrics in summary.items():
        print(f'{name:<14}' + ''.join(
            f"{metrics[k]:>13.2f}" if k in metrics else f"{'-':>13}" for k in REPORTED))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--data-root', default='data/generated_m3mcr')
    parser.add_argument('--work-dir', default='work_dirs/demo')
    parser.add_argument('--num-train', type=int, default=200)
    parser.add_argument('--num-test', type=int, default=60)
    parser.add_argument('--models', nargs='+', default=['edc'], choices=list(MODELS),
                        help='models to train and test (default: edc). optical-only '
                        'and early-fusion are the reference models, edc-* the ablations')
    parser.add_argument('--cfg-options', nargs='+', default=[],
                        help='extra overrides passed to every training run')
    args = add_debug_flag(parser).parse_args(argv)
    start = time.time()

    if not osp.isfile(osp.join(args.data_root, 'test.csv')):
        run([*tool('dataset_converters/generate_m3mcr_benchmark.py'),
             '--out-dir', args.data_root, '--num-train', str(args.num_train),
             '--num-test', str(args.num_test), '--seed', '0', '--workers', '2',
             *(['--debug'] if args.debug else [])])
    data_options = [f'{loader}.dataset.data_root={args.data_root}'
                    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader')]
    trained = set()
    summary = {name: train_and_test(name, MODELS[name], args, data_options, trained)
               for name in args.models}
    print_table(summary)
    os.makedirs(args.work_dir, exist_ok=True)
    with open(osp.join(args.work_dir, 'summary.json'), 'w') as f:
        json.dump(dict(metrics=summary, seconds=round(time.time() - start, 1)), f, indent=2)
    print(f'\ndone in {time.time() - start:.0f} s; prediction panels under '
          f'{args.work_dir}/<model>/panels')


if __name__ == '__main__':
    run_tool(main)
