"""IOC extraction: find indicators in text, defang-aware, validated."""

from ._native import Indicator, defang, extract_iocs, extract_iocs_from_file, refang

__all__ = ["Indicator", "extract_iocs", "extract_iocs_from_file", "refang", "defang"]
