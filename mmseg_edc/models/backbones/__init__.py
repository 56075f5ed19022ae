"""EDC's tri-stream encoder and the per-modality streams it is built from."""
from .edc_backbone import EDCBackbone
from .hybrid_stream import EDCHybridStream
from .linear_ffn_mit import LinearFFNMixVisionTransformer
from .stream_adapter import EDCStreamAdapter

__all__ = ['EDCBackbone', 'EDCHybridStream', 'EDCStreamAdapter',
           'LinearFFNMixVisionTransformer']
