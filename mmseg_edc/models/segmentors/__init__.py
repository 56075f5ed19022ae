"""Registered segmentors: the EDC student/teacher segmentor."""
from .edc_segmentor import EDCSegmentor
from .frozen_teacher import FrozenTeacher, build_teacher_model

__all__ = ['EDCSegmentor', 'FrozenTeacher', 'build_teacher_model']
