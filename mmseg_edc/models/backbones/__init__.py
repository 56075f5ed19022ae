"""EDC's tri-stream encoder, the per-modality streams it is built from, and a two-stream
backbone of stock encoders for DCHFNeck."""
from .edc_backbone import EDCBackbone
from .hybrid_stream import EDCHybridStream
from .stream_adapter import EDCStreamAdapter
from .two_stream_backbone import TwoStreamBackbone

__all__ = ['EDCBackbone', 'EDCHybridStream', 'EDCStreamAdapter', 'TwoStreamBackbone']
