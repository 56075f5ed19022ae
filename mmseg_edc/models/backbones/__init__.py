"""EDC's tri-stream encoder and the per-modality streams it is built from."""
from .edc_backbone import EDCBackbone
from .stream_encoders import EDCHybridStream, EDCStreamAdapter

__all__ = ['EDCBackbone', 'EDCHybridStream', 'EDCStreamAdapter']
