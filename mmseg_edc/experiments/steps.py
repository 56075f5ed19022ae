"""Train and test chains of configs through the tools, as subprocesses, resumably."""
import glob
import json
import os
import os.path as osp
import subprocess
import sys
import time
from typing import List, Optional, Sequence

from mmseg_edc.utils import Terminated
from mmseg_edc.utils.packaged import config_path, resource_dir

#: Written into a work dir when its training run finished; holds the seconds it took.
DONE_MARKER = 'training_done.json'


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
            scores its last checkpoint, while a teacher keeps the validation its
            student's ``min_val_miou`` reads.
        debug (bool): pass ``--debug`` to the tools.
    """

    def __init__(self, work_root: str, train_options: Sequence[str] = (),
                 test_options: Sequence[str] = (), tested_options: Sequence[str] = (),
                 debug: bool = False):
        self.work_root = work_root
        self.train_options = list(train_options)
        self.test_options = list(test_options)
        self.tested_options = list(tested_options)
        self.debug = ['--debug'] if debug else []

    def work_dir(self, config: str) -> str:
        return osp.join(self.work_root, config)

    def train(self, config: str, teacher_work_dir: Optional[str] = None,
              extra_options: Sequence[str] = ()) -> float:
        """Train ``config`` (a packaged name) unless done; the seconds training took."""
        work_dir = self.work_dir(config)
        marker = osp.join(work_dir, DONE_MARKER)
        if osp.isfile(marker):
            with open(marker) as f:
                return json.load(f)['seconds']
        options = list(self.train_options) + list(extra_options)
        if teacher_work_dir is not None:
            options.append(f'model.teacher.checkpoint={teacher_work_dir}')
        seconds = run_step([*tool('train.py'), config_path(config), '--work-dir', work_dir,
                            '--resume-or-start', *self.debug, '--cfg-options', *options])
        with open(marker, 'w') as f:
            json.dump(dict(seconds=round(seconds, 1)), f)
        return seconds

    def train_chain(self, configs: Sequence[str]) -> float:
        """Train every config of a recipe in order; total training seconds."""
        seconds, teacher = 0.0, None
        for index, config in enumerate(configs):
            last = index == len(configs) - 1
            seconds += self.train(config, teacher, self.tested_options if last else ())
            teacher = self.work_dir(config)
        return seconds

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
