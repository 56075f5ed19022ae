"""Command-line flags and config loading shared by ``tools/train.py`` and ``tools/test.py``."""
import os
import os.path as osp

import torch
from mmengine.config import Config, DictAction
from mmengine.logging import print_log


def add_runner_args(parser):
    """Add the flags every runner tool has: work dir, config overrides, launcher."""
    parser.add_argument('--work-dir', help='folder for logs and checkpoints')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override config entries, e.g. train_cfg.max_iters=100')
    parser.add_argument('--launcher', default='none',
                        choices=['none', 'pytorch', 'slurm', 'mpi'],
                        help='job launcher (torchrun sets pytorch)')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    return parser


def load_config(args):
    """Read ``args.config`` and apply launcher, overrides and work dir.

    The work dir comes from ``--work-dir``, else the config, else
    ``work_dirs/<config name>``, as in mmseg's tools.
    """
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
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
        raise SystemExit(f'--launcher {launcher} needs CUDA; CPU-only distributed runs '
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
