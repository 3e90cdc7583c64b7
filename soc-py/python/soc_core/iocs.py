"""IOC extraction: find indicators in text, defang-aware, validated."""

from typing import Literal, Union

from ._native import Indicator, defang, extract_iocs, extract_iocs_from_file, refang

#: Every kind name, in output order (the `kinds=` argument takes these).
KINDS = (
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
)

#: The type of a kind name, for type checkers (the stub spells the names out).
IndicatorKindName = Union[tuple(Literal[k] for k in KINDS)]  # noqa: UP007

__all__ = ["Indicator", "KINDS", "extract_iocs", "extract_iocs_from_file", "refang", "defang"]
