"""EDC's tri-stream encoder, the per-modality streams it is built from, a two-stream
backbone of stock encoders for DCHFNeck, and mmseg's MiT with linear-layer Mix-FFNs (the
CloudSeg-sized reference's streams)."""
from .edc_backbone import EDCBackbone
from .hybrid_stream import EDCHybridStream
from .linear_ffn_mit import LinearFFNMixVisionTransformer
from .stream_adapter import EDCStreamAdapter
from .two_stream_backbone import TwoStreamBackbone

__all__ = ['EDCBackbone', 'EDCHybridStream', 'EDCStreamAdapter',
           'LinearFFNMixVisionTransformer', 'TwoStreamBackbone']
