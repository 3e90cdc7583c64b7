"""IOC extraction: find indicators in text, defang-aware, validated."""

from typing import Literal, Union

from ._native import KINDS, Indicator, defang, extract_iocs, extract_iocs_from_file, refang  # noqa: F401 (re-exported)

#: The type of a kind name, for type checkers (the stub spells the names
#: out; a test checks they are ``KINDS``, which comes from Rust).
IndicatorKindName = Union[tuple(Literal[k] for k in KINDS)]  # noqa: UP007
