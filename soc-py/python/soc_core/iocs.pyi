import os
from typing import Any, Literal, Sequence

__all__: list[str]

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

class Indicator:
    """An indicator of compromise found in text."""

    def __init__(
        self,
        kind: str,
        value: str,
        raw: str | None = None,
        start: int = 0,
        end: int | None = None,
        defanged: bool = False,
        count: int = 1,
        tags: Sequence[str] | None = None,
    ) -> None: ...
    @property
    def kind(self) -> IndicatorKindName: ...
    @property
    def value(self) -> str: ...
    @property
    def raw(self) -> str: ...
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...
    @property
    def defanged(self) -> bool: ...
    @property
    def count(self) -> int: ...
    @property
    def tags(self) -> list[str]: ...
    def to_dict(self) -> dict[str, Any]: ...
    def defang(self) -> str: ...
    def __eq__(self, other: object) -> bool: ...

def extract_iocs(
    text: str,
    kinds: str | Sequence[IndicatorKindName] | None = None,
    allow: str | Sequence[str] | None = None,
    no_private: bool = False,
) -> list[Indicator]: ...
def extract_iocs_from_file(
    path: str | os.PathLike[str],
    kinds: str | Sequence[IndicatorKindName] | None = None,
    allow: str | Sequence[str] | None = None,
    no_private: bool = False,
) -> list[Indicator]: ...
def refang(text: str) -> str: ...
def defang(value: str | Indicator, kind: str | None = None) -> str: ...
