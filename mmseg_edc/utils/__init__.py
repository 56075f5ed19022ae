"""Helpers shared by the command-line tools."""
from .cli import (USER_ERROR_STATUS, USER_ERRORS, Terminated, add_debug_flag,
                  add_runner_args, load_config, run_tool)
from .packaged import config_argument, config_path, packaged_configs, resource_dir

__all__ = ['USER_ERROR_STATUS', 'USER_ERRORS', 'Terminated', 'add_debug_flag',
           'add_runner_args', 'load_config', 'run_tool', 'config_argument', 'config_path',
           'packaged_configs', 'resource_dir']
