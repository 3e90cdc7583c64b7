"""Threat-intelligence enrichment: VirusTotal, AbuseIPDB, GreyNoise, Shodan
InternetDB, RDAP, reverse DNS, local lists and MITRE ATT&CK, behind one
cache, per-provider rate limits and in-flight de-duplication.

Rust: ``soc_core::enrich::EnrichmentService`` (``Enrichers``),
``soc_core::model::Enrichment``.
"""

import os
from typing import Any, Literal, Mapping, Optional, Protocol, Sequence, Union, final, type_check_only

from typing_extensions import Self

from .iocs import Indicator

IndicatorLike = Union[str, Mapping[str, str], Indicator]
"""A str (its kind is recognised as ``soc enrich`` does), a ``{"kind", "value"}`` dict, or an ``Indicator``."""

_Verdict = Literal["malicious", "suspicious", "harmless", "unknown"]
PathLike = Union[str, os.PathLike[str]]

@final
class Enrichment:
    """What one provider said about one indicator (Rust ``model::Enrichment``)."""

    def __new__(
        cls,
        provider: str = "custom",
        indicator: str = "",
        kind: str = "ipv4",
        verdict: _Verdict = "unknown",
        score: int = 0,
        summary: str = "",
        ttl_secs: int = 0,
    ) -> Self:
        """A result, e.g. from a Python enricher (``ConfigError`` for a bad verdict)."""
    @property
    def provider(self) -> str:
        """Provider name."""
    @property
    def kind(self) -> str:
        """Indicator kind (``ipv4``, ``domain``, ``sha256``, ...)."""
    @property
    def indicator(self) -> str:
        """Indicator value."""
    @property
    def verdict(self) -> _Verdict:
        """``malicious``, ``suspicious``, ``harmless`` or ``unknown``."""
    @property
    def score(self) -> int:
        """0..100, higher is worse."""
    @property
    def summary(self) -> str:
        """One-line explanation of the verdict."""
    @property
    def facts(self) -> dict[str, Any]:
        """Key facts: country, AS owner, tags, ..."""
    @property
    def raw(self) -> Any:
        """The raw provider response."""
    @property
    def fetched_at(self) -> str:
        """When it was fetched (RFC 3339)."""
    @property
    def ttl_secs(self) -> int:
        """Cache lifetime in seconds."""
    @property
    def cached(self) -> bool:
        """Whether it came from the cache."""
    def to_dict(self) -> dict[str, Any]:
        """Everything as plain Python data."""
    def __eq__(self, value: object, /) -> bool: ...
    def __getstate__(self) -> str: ...
    def __setstate__(self, state: str) -> None: ...

@final
class Enrichers:
    """Providers behind the shared cache, rate limits and de-duplication.

    Rust: ``soc_core::enrich::EnrichmentService``. Cannot be pickled
    (``TypeError``): pickle the config dict and call ``from_config`` again.
    """

    @staticmethod
    def from_config(
        config: Optional[Mapping[str, Any]] = None,
        offline: bool = False,
        cache: Optional[PathLike] = None,
    ) -> "Enrichers":
        """Providers from an ``[enrich]`` dict (the keys of ``soc.toml``).

        ``api_key`` values may be ``"${VAR}"`` references, resolved from the
        environment as in ``soc.toml``. ``offline`` keeps only local providers;
        ``cache`` is a state-store file for the SQLite cache. Unknown keys raise
        ``ConfigError``; a missing list file ``FileNotFoundError``.
        """
    @staticmethod
    def provider(
        name: str,
        api_key: Optional[str] = None,
        base_url: Optional[str] = None,
        rate_per_min: Optional[int] = None,
        per_day: Optional[int] = None,
        cache: Optional[PathLike] = None,
    ) -> "Enrichers":
        """One provider by name: ``virustotal``, ``abuseipdb``, ``greynoise``,
        ``internetdb``, ``rdap``, ``rdns``, ``attack`` (``ConfigError`` otherwise)."""
    @staticmethod
    def local_lists(paths: Sequence[PathLike]) -> "Enrichers":
        """Local threat-intel list files (offline; ``FileNotFoundError`` when one is missing)."""
    @property
    def providers(self) -> list[str]:
        """Names of the providers in use."""
    def enrich(
        self, indicator: IndicatorLike, errors: Literal["raise", "ignore"] = "raise"
    ) -> list[Enrichment]:
        """Every provider's answer for one indicator.

        A str that is not a valid indicator raises ``IocError``; with
        ``errors="ignore"`` failed providers are dropped instead of raising
        ``EnrichError`` (``AuthError``, ``RateLimitError``, ...).
        """
    def enrich_many(
        self, indicators: Sequence[IndicatorLike], errors: Literal["raise", "ignore"] = "raise"
    ) -> list[list[Enrichment]]:
        """Enriches many indicators concurrently; one list per input, in order."""
    def stats(self) -> dict[str, Any]:
        """Counters per provider: requests, cache hits, errors, quota."""
    def __reduce__(self) -> Any:
        """Always raises ``TypeError``."""

def attack_for_kind(kind: str) -> list[dict[str, str]]:
    """The MITRE ATT&CK techniques an event or alert kind maps to."""

@type_check_only
class _KeyedProvider(Protocol):
    """The constructor of a provider with an API key, rate limits and a daily quota."""

    def __call__(
        self,
        api_key: Optional[str] = None,
        base_url: Optional[str] = None,
        rate_per_min: Optional[int] = None,
        per_day: Optional[int] = None,
        cache: Optional[PathLike] = None,
    ) -> Enrichers: ...

VirusTotal: _KeyedProvider
"""VirusTotal v3 (key from ``api_key`` or ``VIRUSTOTAL_API_KEY``; public keys: 4/min, 500/day)."""

AbuseIPDB: _KeyedProvider
"""AbuseIPDB v2 check (key from ``api_key`` or ``ABUSEIPDB_API_KEY``)."""

def GreyNoise(
    api_key: Optional[str] = None, base_url: Optional[str] = None, cache: Optional[PathLike] = None
) -> Enrichers:
    """GreyNoise Community (IPv4; the key is optional)."""

def InternetDB(base_url: Optional[str] = None, cache: Optional[PathLike] = None) -> Enrichers:
    """Shodan InternetDB: open ports, CPEs, CVEs, tags (no key)."""

def Rdap(base_url: Optional[str] = None, cache: Optional[PathLike] = None) -> Enrichers:
    """RDAP (modern WHOIS) for IPs and domains, following bootstrap redirects."""

def ReverseDns(resolver: Optional[str] = None) -> Enrichers:
    """PTR lookups through ``resolver`` (``"IP:port"``; default: the system's first nameserver)."""

def LocalLists(paths: Union[PathLike, Sequence[PathLike]]) -> Enrichers:
    """Offline threat-intel lists (IP/CIDR, FireHOL, Spamhaus DROP, abuse.ch CSV, domains, hashes)."""

def Attack() -> Enrichers:
    """Names MITRE ATT&CK technique and tactic ids (offline)."""
