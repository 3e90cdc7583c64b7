"""Threat-intelligence enrichment: VirusTotal, AbuseIPDB, GreyNoise, Shodan
InternetDB, RDAP, reverse DNS, local lists and MITRE ATT&CK, behind one
cache, per-provider rate limits and in-flight de-duplication.

Rust: ``soc_core::enrich::EnrichmentService`` (``Enrichers``).

>>> from soc_core import Attack
>>> Attack().enrich("T1110.001")[0].summary
'T1110.001 Password Guessing (credential-access)'
"""

from __future__ import annotations

import os
from typing import Mapping, Optional, Sequence, Union

from ._native import Enrichers, Enrichment, Indicator, attack_for_kind  # noqa: F401 (re-exported)

PathLike = Union[str, "os.PathLike[str]"]
IndicatorLike = Union[str, Mapping[str, str], Indicator]


def VirusTotal(api_key: Optional[str] = None, base_url: Optional[str] = None,
               rate_per_min: Optional[int] = None, per_day: Optional[int] = None,
               cache: Optional[PathLike] = None) -> Enrichers:
    """VirusTotal v3 (key from ``api_key`` or ``VIRUSTOTAL_API_KEY``; public keys: 4/min, 500/day)."""
    return Enrichers.provider("virustotal", api_key, base_url, rate_per_min, per_day, cache)


def AbuseIPDB(api_key: Optional[str] = None, base_url: Optional[str] = None,
              rate_per_min: Optional[int] = None, per_day: Optional[int] = None,
              cache: Optional[PathLike] = None) -> Enrichers:
    """AbuseIPDB v2 check (key from ``api_key`` or ``ABUSEIPDB_API_KEY``)."""
    return Enrichers.provider("abuseipdb", api_key, base_url, rate_per_min, per_day, cache)


def GreyNoise(api_key: Optional[str] = None, base_url: Optional[str] = None,
              cache: Optional[PathLike] = None) -> Enrichers:
    """GreyNoise Community (IPv4; the key is optional)."""
    return Enrichers.provider("greynoise", api_key, base_url, None, None, cache)


def InternetDB(base_url: Optional[str] = None, cache: Optional[PathLike] = None) -> Enrichers:
    """Shodan InternetDB: open ports, CPEs, CVEs, tags (no key)."""
    return Enrichers.provider("internetdb", None, base_url, None, None, cache)


def Rdap(base_url: Optional[str] = None, cache: Optional[PathLike] = None) -> Enrichers:
    """RDAP (modern WHOIS) for IPs and domains, following bootstrap redirects."""
    return Enrichers.provider("rdap", None, base_url, None, None, cache)


def ReverseDns(resolver: Optional[str] = None) -> Enrichers:
    """PTR lookups through ``resolver`` ("IP:port"; default: the system's first nameserver)."""
    return Enrichers.provider("rdns", None, resolver, None, None, None)


def LocalLists(paths: Union[str, os.PathLike, Sequence[Union[str, os.PathLike]]]) -> Enrichers:
    """Offline threat-intel lists (IP/CIDR, FireHOL, Spamhaus DROP, abuse.ch CSV, domains, hashes)."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    return Enrichers.local_lists([os.fspath(p) for p in paths])


def Attack() -> Enrichers:
    """Names MITRE ATT&CK technique and tactic ids (offline)."""
    return Enrichers.provider("attack")
