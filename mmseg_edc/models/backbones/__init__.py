"""EDC's tri-stream encoder, the per-modality streams it is built from, a two-stream
backbone of stock encoders for DCHFNeck, and mmseg's MiT laid out on tokens as
SegFormer's own (the CloudSeg-sized reference's streams)."""
from .edc_backbone import EDCBackbone
from .hybrid_stream import EDCHybridStream
from .stream_adapter import EDCStreamAdapter
from .token_layout_mit import TokenLayoutMixVisionTransformer
from .two_stream_backbone import TwoStreamBackbone

__all__ = ['EDCBackbone', 'EDCHybridStream', 'EDCStreamAdapter',
           'TokenLayoutMixVisionTransformer', 'TwoStreamBackbone']
