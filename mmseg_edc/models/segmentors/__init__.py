"""Registered segmentors: the optical-SAR encoder-decoder, its test-time augmentation
and the EDC student/teacher."""
from .edc_segmentor import EDCSegmentor
from .frozen_teacher import FrozenTeacher, resolve_teacher_checkpoint
from .optical_sar_encoder_decoder import OpticalSAREncoderDecoder
from .optical_sar_tta import OpticalSARTTAModel

__all__ = ['EDCSegmentor', 'FrozenTeacher', 'OpticalSAREncoderDecoder',
           'OpticalSARTTAModel', 'resolve_teacher_checkpoint']
