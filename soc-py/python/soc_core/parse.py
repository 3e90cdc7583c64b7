"""Log parsing and detection: OpenSSH auth logs, Suricata EVE, generic alerts."""

from ._native import (  # noqa: F401 (re-exported; soc_core.__all__ lists the API)
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
