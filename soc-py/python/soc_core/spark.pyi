"""soc on Spark: soc's Rust parsers, extractor and detectors on the executors."""

from typing import Any

__all__ = ["eve_alerts", "eve_events", "iocs", "ssh_alerts", "ssh_events"]

def ssh_events(df: Any, column: str = "value", **parser_options: Any) -> Any:
    """A DataFrame of ``soc.events`` plus ``clock`` from a column of auth-log text."""

def eve_events(df: Any, column: str = "value") -> Any:
    """A DataFrame of ``soc.eve_events`` from a column of EVE lines."""

def eve_alerts(events: Any) -> Any:
    """The normalized alerts of an ``eve_events`` DataFrame (``soc.alerts``)."""

def iocs(df: Any, column: str = "text", **options: Any) -> Any:
    """A DataFrame of ``soc.indicators`` from a text column."""

def ssh_alerts(events: Any, **config: Any) -> Any:
    """The SSH detectors, distributed by their keys (``soc.alerts``)."""
