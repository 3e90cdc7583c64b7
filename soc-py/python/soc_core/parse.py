"""Log parsing and detection: OpenSSH auth logs, Suricata EVE, generic alerts."""

from ._native import (
    Alert,
    Event,
    EveEvents,
    SshEvents,
    detect_bruteforce,
    parse_eve,
    parse_ssh,
    read_alerts,
    ssh_summary,
)

__all__ = [
    "Alert",
    "Event",
    "EveEvents",
    "SshEvents",
    "detect_bruteforce",
    "parse_eve",
    "parse_ssh",
    "read_alerts",
    "ssh_summary",
]
