"""Where two configs differ, key by key."""
from typing import Any, Dict, Set

from mmengine.config import Config


def flatten(value: Any, prefix: str = '') -> Dict[str, Any]:
    """``{dotted.key: leaf}`` of nested dicts and lists (list items by index; a list of
    plain values is one leaf)."""
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, (list, tuple)) and any(isinstance(v, (dict, list, tuple))
                                                  for v in value):
        items = enumerate(value)
    else:
        return {prefix[:-1]: value}
    flat = {}
    for key, item in items:
        flat.update(flatten(item, f'{prefix}{key}.'))
    return flat or {prefix[:-1]: value}


def changed_keys(cfg: Config, other: Config) -> Set[str]:
    """Dotted keys whose values differ between two configs (or exist in one only).
    A tuple and a list of the same values are equal (a config read back from its dump
    holds lists)."""
    def normalised(config):
        return {k: list(v) if isinstance(v, tuple) else v
                for k, v in flatten(config.to_dict()).items()}

    a, b = normalised(cfg), normalised(other)
    return {k for k in a.keys() | b.keys() if a.get(k, '<absent>') != b.get(k, '<absent>')}
