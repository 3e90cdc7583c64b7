"""IOC extraction: find indicators in text, defang-aware, validated.

Rust: ``soc_core::ioc::extract`` / ``soc_core::ioc::Extractor``.
"""

import os
from typing import Any, ClassVar, Literal, Sequence, final

from typing_extensions import Self

IndicatorKindName = Literal[
    "ipv4",
    "ipv6",
    "cidr",
    "domain",
    "url",
    "email",
    "md5",
    "sha1",
    "sha256",
    "sha512",
    "ssdeep",
    "cve",
    "attack_technique",
    "attack_tactic",
    "asn",
    "mac",
    "btc",
    "eth",
    "xmr",
    "registry_key",
    "file_path",
    "onion",
    "imphash",
    "authentihash",
    "arn",
    "tlp",
    "google_analytics_id",
    "google_adsense_id",
    "user_agent",
    "xmpp",
    "attack_mitigation",
    "ltc",
    "bch",
    "doge",
    "dash",
    "xrp",
    "ada",
    "sol",
    "xtz",
    "zec",
    "trx",
]
"""Every kind name `extract_iocs` reports and accepts in `kinds=`."""

KINDS: tuple[IndicatorKindName, ...]
"""Every kind name, in output order."""

@final
class Indicator:
    """An indicator of compromise found in text (Rust ``model::Indicator``).

    Immutable; compares by value; pickles.
    """

    __hash__: ClassVar[None]  # type: ignore[assignment]
    def __new__(
        cls,
        kind: str,
        value: str,
        raw: str | None = None,
        start: int = 0,
        end: int | None = None,
        defanged: bool = False,
        count: int = 1,
        tags: Sequence[str] | None = None,
    ) -> Self:
        """An indicator; ``kind`` is a kind name (``IocError`` when unknown)."""
    @property
    def kind(self) -> IndicatorKindName:
        """The kind (one of ``KINDS``)."""
    @property
    def value(self) -> str:
        """The normalized (refanged) value."""
    @property
    def raw(self) -> str:
        """The text as written at the first occurrence."""
    @property
    def start(self) -> int:
        """Byte offset of the first occurrence in the UTF-8 text."""
    @property
    def end(self) -> int:
        """End offset of the first occurrence (exclusive)."""
    @property
    def defanged(self) -> bool:
        """Whether the first occurrence was defanged (``hxxp``, ``[.]``)."""
    @property
    def count(self) -> int:
        """Number of occurrences."""
    @property
    def tags(self) -> list[str]:
        """Tags such as ``private``, ``loopback``, ``from_url``."""
    def to_dict(self) -> dict[str, Any]:
        """The indicator as a plain dict."""
    def defang(self) -> str:
        """The value defanged for safe sharing."""
    def __eq__(self, value: object, /) -> bool: ...
    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]: ...

def extract_iocs(
    text: str,
    kinds: str | Sequence[IndicatorKindName] | None = None,
    allow: str | Sequence[str] | None = None,
    no_private: bool = False,
) -> list[Indicator]:
    """Extracts indicators from text (the GIL is released while it runs).

    ``kinds``: only these kinds (``IocError`` for an unknown name); ``allow``:
    IPs, CIDRs and domains never reported; ``no_private``: drop private,
    loopback and reserved addresses.
    """

def extract_iocs_from_file(
    path: str | os.PathLike[str],
    kinds: str | Sequence[IndicatorKindName] | None = None,
    allow: str | Sequence[str] | None = None,
    no_private: bool = False,
) -> list[Indicator]:
    """Extracts indicators from a file: read whole up to 64 MiB, streamed in bounded memory beyond (``FileNotFoundError``)."""

def refang(text: str) -> str:
    """Refangs text: ``hxxp`` → ``http``, ``[.]`` → ``.``, ``[at]`` → ``@``, ..."""

def defang(value: str | Indicator, kind: str | None = None) -> str:
    """Defangs an ``Indicator``, or a value of ``kind`` (guessed when omitted)."""
