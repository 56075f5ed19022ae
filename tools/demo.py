"""The embedded default job: generate the benchmark, train, test, draw predictions.

Runs on CPU with no data to download (``make demo``):

1. writes the generated M3M-CR-format benchmark to ``--data-root`` (skipped when a
   complete one is already there);
2. trains each reference model with ``tools/train.py``;
3. tests each with ``tools/test.py --show-dir``, printing mIoU, OA, mAcc and FWIoU over
   all, cloud-free and cloudy pixels, and writing one panel per test sample;
4. prints a comparison table and writes it as JSON to ``<work-dir>/summary.json``.

Every step is the command a user would type, run as a subprocess.
"""
import argparse
import glob
import json
import os
import os.path as osp
import subprocess
import sys
import time

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIG_DIR = osp.join(ROOT, 'configs', 'references')
MODELS = {
    'optical-only': 'upernet_r18-tiny_optical-only_1xb8-600it_generated-m3mcr-160x160.py',
    'early-fusion': 'upernet_r18-tiny_early-fusion_1xb8-600it_generated-m3mcr-160x160.py',
}
REPORTED = ('mIoU', 'aAcc', 'mAcc', 'FWIoU', 'clear.mIoU', 'cloudy.mIoU')


def run(cmd):
    print('+ ' + ' '.join(cmd), flush=True)
    subprocess.run(cmd, check=True, cwd=ROOT)


def latest_test_metrics(work_dir):
    """Metrics of the newest test run in ``work_dir`` (mmengine writes them as JSON)."""
    runs = sorted(glob.glob(osp.join(work_dir, '*', '*.json')), key=osp.getmtime)
    for path in reversed(runs):
        with open(path) as f:
            lines = [json.loads(line) for line in f if line.strip()]
        if lines and 'mIoU' in lines[-1]:
            return lines[-1]
    raise RuntimeError(f'no test metrics found under {work_dir}')


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--data-root', default='data/generated_m3mcr')
    parser.add_argument('--work-dir', default='work_dirs/demo')
    parser.add_argument('--num-train', type=int, default=200)
    parser.add_argument('--num-test', type=int, default=60)
    parser.add_argument('--models', nargs='+', default=list(MODELS),
                        choices=list(MODELS))
    parser.add_argument('--cfg-options', nargs='+', default=[],
                        help='extra overrides passed to training')
    args = parser.parse_args(argv)
    python = sys.executable
    start = time.time()

    if not osp.isfile(osp.join(args.data_root, 'test.csv')):
        run([python, 'tools/dataset_converters/generate_m3mcr_benchmark.py',
             '--out-dir', args.data_root, '--num-train', str(args.num_train),
             '--num-test', str(args.num_test), '--seed', '0'])
    data_options = [f'train_dataloader.dataset.data_root={args.data_root}',
                    f'val_dataloader.dataset.data_root={args.data_root}',
                    f'test_dataloader.dataset.data_root={args.data_root}']
    summary = {}
    for name in args.models:
        config = osp.join(CONFIG_DIR, MODELS[name])
        work_dir = osp.join(args.work_dir, name)
        run([python, 'tools/train.py', config, '--work-dir', work_dir,
             '--cfg-options', *data_options, *args.cfg_options])
        with open(osp.join(work_dir, 'last_checkpoint')) as f:
            checkpoint = f.read().strip()
        run([python, 'tools/test.py', config, checkpoint, '--work-dir', work_dir,
             '--show-dir', osp.join(work_dir, 'panels'),
             '--cfg-options', *data_options])
        metrics = latest_test_metrics(work_dir)
        summary[name] = {k: metrics[k] for k in REPORTED if k in metrics}

    header = f"{'model':<14}" + ''.join(f'{k:>13}' for k in REPORTED)
    print('\nGenerated benchmark, test split (percent):')
    print(header)
    for name, metrics in summary.items():
        print(f'{name:<14}' + ''.join(
            f"{metrics.get(k, float('nan')):>13.2f}" for k in REPORTED))
    os.makedirs(args.work_dir, exist_ok=True)
    with open(osp.join(args.work_dir, 'summary.json'), 'w') as f:
        json.dump(dict(metrics=summary, seconds=round(time.time() - start, 1)),
                  f, indent=2)
    print(f'\ndone in {time.time() - start:.0f} s; prediction panels under '
          f'{args.work_dir}/<model>/panels')


if __name__ == '__main__':
    main()
