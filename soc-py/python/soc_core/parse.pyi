"""Log parsing and detection: OpenSSH auth logs, Suricata EVE, generic alerts.

Rust: ``soc_core::parse`` (the readers ``ssh::Reader``, ``suricata::Reader``,
``alerts::AlertReader``, whose counts are ``ParseStats``) and
``soc_core::detect`` (``alerts_of`` over a ``DetectorSet``, ``SshSummary``).
"""

import os
from typing import Any, ClassVar, Iterable, Iterator, Literal, Mapping, final, type_check_only

from typing_extensions import Self

from .columnar import ArrowBatch

@type_check_only
class _Record:
    """What ``Event`` and ``Alert`` share: compared by value, pickled as JSON."""

    __hash__: ClassVar[None]  # type: ignore[assignment]
    @property
    def kind(self) -> str:
        """Kind, e.g. ``ssh.failed_password`` (an event), ``ssh.brute_force`` (an alert)."""
    @property
    def src_ip(self) -> str | None:
        """Source address."""
    @property
    def user(self) -> str | None:
        """User name."""
    def to_dict(self) -> dict[str, Any]:
        """As plain Python data (the form ``score_alerts`` and responders take for an alert)."""
    def __eq__(self, value: object, /) -> bool: ...
    def __getstate__(self) -> str: ...
    def __setstate__(self, state: str) -> None: ...

@final
class Event(_Record):
    """One normalized event: an sshd line or a Suricata record (Rust ``model::Event``).

    Events compare equal when every field is equal, and pickle.
    """

    def __new__(cls, source: str = "ssh", kind: str = "ssh.other") -> Self:
        """An empty event of ``kind`` from parser ``source``."""
    @property
    def source(self) -> str:
        """The parser: ``ssh`` or ``suricata``."""
    @property
    def time(self) -> str | None:
        """Event time as RFC 3339 UTC, or None."""
    @property
    def host(self) -> str | None:
        """The logging host."""
    @property
    def src_host(self) -> str | None:
        """Source host name, when the log has a name instead of an address."""
    @property
    def src_port(self) -> int | None:
        """Source port."""
    @property
    def dst_ip(self) -> str | None:
        """Destination address."""
    @property
    def dst_port(self) -> int | None:
        """Destination port."""
    @property
    def outcome(self) -> Literal["failure", "success", "unknown"]:
        """``failure``, ``success`` or ``unknown``."""
    @property
    def failure(self) -> bool:
        """True for a failed or illegitimate access attempt."""
    @property
    def attempt(self) -> Literal["failure", "probe", "success"] | None:
        """Attempt class: ``failure``, ``probe``, ``success`` or None (bookkeeping)."""
    @property
    def continues(self) -> Literal["failure", "probe"] | None:
        """Class of an attempt an earlier line of the same connection counted,
        which this line records again; None otherwise (then ``attempt`` counts)."""
    @property
    def line(self) -> int | None:
        """1-based line number in its file."""
    @property
    def raw(self) -> str:
        """The raw line (attacker-controlled text: escape it before display)."""
    @property
    def fields(self) -> dict[str, Any]:
        """Parser-specific fields."""

@final
class Alert(_Record):
    """A detector or sensor alert (Rust ``model::Alert``). Compares by value, pickles."""

    def __new__(
        cls, kind: str = "alerts.generic", key: str = "", title: str = "", severity: str = "medium"
    ) -> Self:
        """A new alert; ``key`` (e.g. the source address) makes the stable id.

        Raises ``ConfigError`` for an unknown severity (info, low, medium, high, critical).
        """
    @property
    def id(self) -> str:
        """Stable id (kind and key)."""
    @property
    def title(self) -> str:
        """Title."""
    @property
    def severity(self) -> str:
        """``info``, ``low``, ``medium``, ``high`` or ``critical``."""
    @property
    def count(self) -> int:
        """Number of events behind it."""
    @property
    def techniques(self) -> list[str]:
        """MITRE ATT&CK technique ids."""
    @property
    def first_seen(self) -> str | None:
        """First evidence time (RFC 3339)."""
    @property
    def last_seen(self) -> str | None:
        """Last evidence time (RFC 3339)."""

@type_check_only
class _EventIterator(Iterator[Event]):
    """What ``SshEvents`` and ``EveEvents`` share. They cannot be pickled
    (``TypeError``): pickle ``list(events)`` instead."""

    def __iter__(self) -> Self: ...
    def __next__(self) -> Event: ...
    def to_arrow(self) -> ArrowBatch:
        """The events not yet read, as one Arrow batch (``soc.events``)."""
    @property
    def stats(self) -> dict[str, Any]:
        """Counts so far: ``lines``, ``events``, ``skipped``, ``malformed``, and the first ``errors``."""
    def __reduce__(self) -> Any:
        """Always raises ``TypeError``."""

@final
class SshEvents(_EventIterator):
    """Iterator of ``Event`` from ``parse_ssh``; ``.stats`` counts what it read."""

@final
class EveEvents(_EventIterator):
    """Iterator of ``Event`` from ``parse_eve``; ``.stats`` counts what it read."""

def parse_ssh(
    source: str | os.PathLike[str] | Iterable[str],
    year: int | None = None,
    tz: str = "UTC",
    stateful: bool = True,
) -> SshEvents:
    """Parses an OpenSSH auth log: a path (``.gz`` transparent) or an iterable of lines.

    ``year``/``tz`` complete syslog timestamps; ``stateful`` joins lines of one
    connection by pid. Missing file: ``FileNotFoundError``; a non-str line:
    ``ArgumentTypeError``. Rust: ``soc_core::parse::ssh::Reader`` (``SshReader``).
    """

def parse_eve(path: str | os.PathLike[str], event_types: list[str] | None = None) -> EveEvents:
    """Parses a Suricata EVE file (kinds ``suricata.<type>``), optionally only ``event_types``.

    Malformed lines are counted in ``.stats``, not raised.
    Rust: ``soc_core::parse::suricata::Reader`` (``EveReader``).
    """

def read_alerts(
    path: str | os.PathLike[str],
    format: Literal["json", "jsonl", "csv"] = "json",
    mapping: Mapping[str, str] | None = None,
    tool: str | None = None,
    strict: bool = False,
) -> list[Alert]:
    """Reads alerts exported by other tools (JSON, JSON lines or CSV).

    ``mapping`` names input fields (``{"src_ip": "attacker"}``); ``tool`` sets
    the kind ``alerts.<tool>``. Malformed records raise ``ParseError`` only when
    ``strict``. Rust: ``soc_core::parse::alerts::AlertReader``.
    """

def detect_bruteforce(
    events: Iterable[Event],
    *,
    brute_force_threshold: int = 5,
    brute_force_window_secs: int = 600,
    slow_threshold: int = 20,
    slow_window_secs: int = 43200,
    spray_users: int = 8,
    spray_window_secs: int = 3600,
    distributed_sources: int = 5,
    distributed_window_secs: int = 3600,
    success_after_failures: int = 5,
    success_window_secs: int = 3600,
    max_evidence: int = 20,
    max_tracked_keys: int = 100000,
    ipv6_prefix: int = 64,
    scan_threshold: int = 10,
    scan_window_secs: int = 600,
) -> list[Alert]:
    """Runs the SSH detectors over ``events``; returns their alerts.

    The keywords are ``soc.toml``'s ``[detect]`` keys: brute force (fail2ban's
    maxretry/findtime), slow brute force, password spraying, distributed
    attacks on one user, success after failures, the tracked-key cap, the IPv6
    source prefix and SSH scanning (``ssh.scan``). An unknown keyword raises
    ``ConfigError`` naming the valid ones. Alerts come ordered by first
    evidence, then kind, as ``soc ssh --alerts`` prints them.
    Rust: ``soc_core::detect::alerts_of`` over a ``DetectorSet``.
    """

def ssh_summary(
    source: str | os.PathLike[str] | Iterable[str] | Iterable[Event],
    top: int = 10,
    year: int | None = None,
    tz: str = "UTC",
) -> dict[str, Any]:
    """Summary of SSH activity: events, failures, accepted, top sources and users, per-hour failures.

    Rust: ``soc_core::detect::SshSummary`` (``soc ssh --summary``).
    """
