"""What the command-line tools share: how they end on errors and signals
(:func:`run_tool`), the runner tools' flags and config loading, and what the
model-diagnosis tools share (:func:`add_diagnosis_args`, :func:`split_loader`,
:func:`report_json`), and what the dataset tools share (:func:`add_dataset_args`,
:func:`split_dataset`).

Every tool in ``tools/`` ends with ``run_tool(main)`` and has a ``--debug`` flag
(:func:`add_debug_flag`):

- a known user error (:data:`USER_ERRORS`: a missing, unreadable or malformed file, a
  bad value, an unknown key) prints one ``error: <message>`` line on stderr and exits
  with status 2, as argparse does for a bad command line; with ``--debug`` the full
  traceback is shown instead (status 1);
- any other exception is a bug and keeps its traceback (status 1);
- SIGTERM unwinds the run exactly as Ctrl-C does (``with`` and ``finally`` blocks
  remove partial outputs), then the tool exits with status 143 (128 + SIGTERM, what a
  shell reports for a process ended by SIGTERM).

Before ``main`` runs, the process keeps freed heap memory for reuse
(:func:`~mmseg_edc.utils.heap.keep_heap_memory`), run from the command line (no
``argv`` given) it keeps the objects loaded so far out of the garbage collector's
passes (:func:`~mmseg_edc.utils.collector.freeze_loaded_objects`) and, on a machine
without CUDA, its data loader workers run at the lowest priority and hand batches over
by shared-memory file name
(:func:`~mmseg_edc.utils.loader_workers.background_loader_workers`).
"""
import argparse
import json
import os
import os.path as osp
import signal
import sys

import torch
from mmengine.config import Config, DictAction
from mmengine.logging import print_log
from mmengine.registry import init_default_scope
from mmengine.runner import Runner
from mmseg.registry import DATASETS

from ..io import write_file_atomically
from .collector import freeze_loaded_objects
from .heap import keep_heap_memory
from .loader_workers import background_loader_workers
from .packaged import config_argument

#: Exit status after a known user error: argparse's for a bad command line (Python
#: exits with 1 after an uncaught exception, so a caller can tell bad input from a bug).
USER_ERROR_STATUS = 2
#: Exceptions that report bad input rather than a bug: missing, unreadable or
#: malformed files (OSError; this package's ``RasterReadError`` is one), bad values
#: (ValueError; ``GridMismatchError``, ``CheckpointMismatchError``), unknown keys and
#: registry names (KeyError).
USER_ERRORS = (OSError, ValueError, KeyError)
#: The dataloaders of a config a dataset tool can read.
DATALOADER_SPLITS = ('train', 'val', 'test')


class Terminated(KeyboardInterrupt):
    """Raised in the main thread on SIGTERM by :func:`run_tool`, so that the run
    unwinds exactly as it does after Ctrl-C."""


class _RaiseTerminated:
    """SIGTERM handler: raise :class:`Terminated` once in the installing process
    (a second SIGTERM does not interrupt the clean-up); a forked child (data loader
    or converter worker) that inherited it ends as SIGTERM would end it."""

    def __init__(self):
        self.pid = os.getpid()
        self.raised = False

    def __call__(self, signum, frame):
        if os.getpid() != self.pid:
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        if not self.raised:
            self.raised = True
            raise Terminated(f'terminated by signal {signum}')


def add_debug_flag(parser):
    """Add ``--debug``: show the traceback of a known user error (:func:`run_tool`)."""
    parser.add_argument('--debug', action='store_true',
                        help='show the full traceback of an error instead of one line')
    return parser


def error_message(error):
    """The one-line report of a known user error (a KeyError's key unquoted)."""
    if isinstance(error, KeyError) and len(error.args) == 1:
        return str(error.args[0])
    return str(error) or type(error).__name__


def run_tool(main, argv=None):
    """Run a tool's ``main(argv)`` as the command line expects (module docstring).

    Args:
        main (Callable[[list[str]], Any]): the tool's entry point.
        argv (list[str], optional): its arguments; default ``sys.argv[1:]`` (and
            the process is the tool's: the objects loaded so far are frozen out of
            the garbage collector's passes).

    Returns:
        What ``main`` returns.

    Raises:
        SystemExit: status 2 after a known user error (without ``--debug``), 143
            after SIGTERM.
    """
    keep_heap_memory()
    if argv is None:        # the tool owns this process
        freeze_loaded_objects()
    argv = sys.argv[1:] if argv is None else list(argv)
    debug_parser = add_debug_flag(argparse.ArgumentParser(add_help=False))
    debug = debug_parser.parse_known_args(argv)[0].debug
    previous = signal.signal(signal.SIGTERM, _RaiseTerminated())
    try:
        background_loader_workers()
        return main(argv)
    except Terminated:
        raise SystemExit(128 + signal.SIGTERM) from None
    except USER_ERRORS as error:
        if debug:
            raise
        print(f'error: {error_message(error)}', file=sys.stderr)
        raise SystemExit(USER_ERROR_STATUS) from None
    finally:
        signal.signal(signal.SIGTERM, previous)


def add_runner_args(parser):
    """Add the flags every runner tool has: work dir, config overrides, launcher,
    ``--debug``."""
    parser.add_argument('--work-dir', help='folder for logs and checkpoints')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override config entries, e.g. train_cfg.max_iters=100')
    parser.add_argument('--launcher', default='none',
                        choices=['none', 'pytorch', 'slurm', 'mpi'],
                        help='job launcher (torchrun sets pytorch)')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    return add_debug_flag(parser)


def add_diagnosis_args(parser, model_help, checkpoint_help, out_help='JSON to write'):
    """Add what every model-diagnosis tool takes: the config, a checkpoint, the split
    to read, the report to write, config overrides and ``--debug``."""
    parser.add_argument('config', type=config_argument,
                        help=f'config file or packaged config name ({model_help})')
    parser.add_argument('checkpoint', help=checkpoint_help)
    parser.add_argument('--split', choices=['val', 'test'], default='val',
                        help='the dataloader to read (default: val)')
    parser.add_argument('--out', help=out_help)
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config entries')
    return add_debug_flag(parser)


def add_dataset_args(parser):
    """Add what every dataset tool takes: the config, the split whose dataset it reads,
    config overrides and ``--debug``."""
    parser.add_argument('config', type=config_argument,
                        help='config file, or the name of a packaged config '
                        '(mmseg-edc configs lists them)')
    parser.add_argument('--split', choices=DATALOADER_SPLITS, default='train',
                        help='whose dataloader: train (default), val or test')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config entries')
    return add_debug_flag(parser)


def split_dataset(cfg, split, pipeline_length=None):
    """The dataset of ``cfg.<split>_dataloader``, built in the config's default scope.

    Args:
        cfg (Config): the config.
        split (str): one of :data:`DATALOADER_SPLITS`.
        pipeline_length (int | None): keep only the first transforms of the dataset's
            pipeline (None: all of them).

    Raises:
        KeyError: the config has no such dataloader or it has no dataset.
    """
    loader = cfg.get(f'{split}_dataloader')
    if not loader or not loader.get('dataset'):
        raise KeyError(f'the config has no {split}_dataloader.dataset')
    dataset = loader['dataset']
    if pipeline_length is not None:
        dataset = dict(dataset, pipeline=dataset['pipeline'][:pipeline_length])
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    return DATASETS.build(dataset)


def split_loader(cfg, split):
    """The ``<split>_dataloader`` of ``cfg``, built to run in this process (no
    workers): what the diagnosis tools iterate."""
    return Runner.build_dataloader(dict(cfg[f'{split}_dataloader'], num_workers=0,
                                        persistent_workers=False))


def report_json(report, out=None):
    """Print a tool's report as JSON and, with ``out``, write it there atomically."""
    text = json.dumps(report, indent=2)
    print(text)
    if out:
        write_file_atomically(out, text)


def read_config(path, cfg_options=None):
    """The config at ``path`` with ``--cfg-options`` (a dict from mmengine's
    ``DictAction``) merged in, if any.

    Its text (what the Runner logs, dumps to the work dir and stores in every
    checkpoint) is mmengine's one-entry-per-line Python, not reformatted by yapf: that
    took 0.4-0.8 s a call for these configs, four or five calls a training run.
    (mmengine's ``Config.fromfile`` does not pass its ``format_python_code`` flag on for
    plain configs, so the config is rebuilt with it.)
    """
    loaded = Config.fromfile(path)
    cfg = Config(loaded.to_dict(), cfg_text=loaded.text, filename=loaded.filename,
                 env_variables=loaded.env_variables, format_python_code=False)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    return cfg


def load_config(args):
    """Read ``args.config`` and apply launcher, overrides and work dir.

    The work dir comes from ``--work-dir``, else the config, else
    ``work_dirs/<config name>``, as in mmseg's tools.
    """
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    cfg = read_config(args.config, args.cfg_options)
    cfg.launcher = args.launcher
    if args.launcher != 'none' and not torch.cuda.is_available():
        use_cpu_distributed(cfg, args.launcher)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    return cfg


def use_cpu_distributed(cfg, launcher):
    """Distributed runs without CUDA: the gloo backend and plain BatchNorm.

    NCCL and torch's SyncBatchNorm need GPUs; on CPU each process normalises with
    its own batch statistics. mmengine's launcher always selects a CUDA device, so
    under torchrun the gloo process group is started here and the Runner uses it.
    """
    if launcher != 'pytorch':
        raise ValueError(f'--launcher {launcher} needs CUDA; CPU-only distributed runs '
                         'use torchrun (tools/dist_train.sh, --launcher pytorch)')
    dist_cfg = cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})
    if dist_cfg.get('backend', 'nccl') == 'nccl':
        dist_cfg['backend'] = 'gloo'
        print_log('no CUDA device: distributed backend nccl -> gloo', 'current')
    if cfg.get('sync_bn') is not None:
        print_log(f'no CUDA device: sync_bn={cfg.sync_bn!r} ignored (plain BN)', 'current')
        cfg.sync_bn = None
    # DistributedDataParallel of a CPU module takes no device ids
    wrapper = cfg.get('model_wrapper_cfg') or dict(
        type='MMDistributedDataParallel', broadcast_buffers=False,
        find_unused_parameters=cfg.get('find_unused_parameters', False))
    wrapper['device_ids'] = None
    cfg.model_wrapper_cfg = wrapper
    if not torch.distributed.is_initialized():
        torch.distributed.init_process_group(backend=dist_cfg['backend'])
