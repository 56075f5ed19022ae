"""Running models as a user would (train, then test, through the tools) and the
statistics of repeated runs: the machinery behind ``make demo`` and the seed tables."""
from .recipes import MODEL_RECIPES, REPORTED_METRICS, TEACHER_CONFIGS
from .statistics import paired_difference, summarise
from .steps import NO_VALIDATION, ConfigChangedError, StepRunner, latest_test_metrics

__all__ = ['MODEL_RECIPES', 'NO_VALIDATION', 'REPORTED_METRICS', 'ConfigChangedError',
           'StepRunner', 'TEACHER_CONFIGS', 'latest_test_metrics', 'paired_difference',
           'summarise']
