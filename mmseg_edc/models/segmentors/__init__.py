"""Registered segmentors: the optical-SAR encoder-decoder and the EDC student/teacher."""
from .edc_segmentor import EDCSegmentor
from .frozen_teacher import FrozenTeacher, resolve_teacher_checkpoint
from .optical_sar_encoder_decoder import OpticalSAREncoderDecoder

__all__ = ['EDCSegmentor', 'FrozenTeacher', 'OpticalSAREncoderDecoder',
           'resolve_teacher_checkpoint']
