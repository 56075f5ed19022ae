"""Helpers shared by the command-line tools."""
from .cli import (USER_ERROR_STATUS, USER_ERRORS, Terminated, add_dataset_args,
                  add_debug_flag, add_diagnosis_args, add_runner_args, load_config,
                  read_config, report_json, run_tool, split_dataset, split_loader)
from .packaged import config_argument, config_path, packaged_configs, resource_dir

__all__ = ['USER_ERROR_STATUS', 'USER_ERRORS', 'Terminated', 'add_dataset_args',
           'add_debug_flag', 'add_diagnosis_args', 'add_runner_args', 'load_config',
           'read_config', 'report_json', 'run_tool', 'split_dataset', 'split_loader',
           'config_argument', 'config_path', 'packaged_configs', 'resource_dir']
