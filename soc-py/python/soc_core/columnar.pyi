"""Columnar results: events, EVE records, indicators and alerts as Arrow batches.

Rust: ``soc_core::columnar`` (feature ``arrow``).
"""

from typing import Any, Iterable, final

@final
class ArrowBatch:
    """One Arrow record batch of a soc schema, exported through the Arrow
    PyCapsule interface (``pyarrow.record_batch``, ``pyarrow.table``,
    ``polars.from_arrow`` take it without a copy)."""

    def __arrow_c_schema__(self) -> Any: ...
    def __arrow_c_array__(self, requested_schema: Any | None = None) -> tuple[Any, Any]: ...
    def __arrow_c_stream__(self, requested_schema: Any | None = None) -> Any: ...
    def __len__(self) -> int: ...
    @property
    def num_rows(self) -> int:
        """Rows in the batch."""
    @property
    def schema_name(self) -> str:
        """``soc.events``, ``soc.eve_events``, ``soc.alerts`` or ``soc.indicators``."""
    @property
    def column_names(self) -> list[str]:
        """The column names."""

def parse_ssh_batch(
    lines: Any, year: int | None = None, tz: str = "UTC", stateful: bool = True
) -> ArrowBatch:
    """OpenSSH log lines (a list of str or an Arrow string array) as one
    ``soc.events`` batch; ``line`` is the 1-based position in the input."""

def parse_eve_batch(lines: Any) -> ArrowBatch:
    """Suricata EVE lines as one ``soc.eve_events`` batch; blank and
    malformed lines are left out."""

def eve_alerts_batch(lines: Any) -> ArrowBatch:
    """The normalized alerts of EVE lines as one ``soc.alerts`` batch, as
    ``soc eve --alerts`` gives them."""

def extract_iocs_batch(
    texts: Any,
    kinds: str | Iterable[str] | None = None,
    allow: str | Iterable[str] | None = None,
    no_private: bool = False,
) -> ArrowBatch:
    """Indicators of many texts as one ``soc.indicators`` batch; ``row`` is
    the 0-based index of the text each came from."""

def detect_batch(events: Any, **config: Any) -> ArrowBatch:
    """The SSH detectors over a ``soc.events`` batch or table, in row
    order: one ``soc.alerts`` batch, sorted by first seen then kind."""

def detector_keys(events: Any, ipv6_prefix: int = 64) -> ArrowBatch:
    """The SSH detectors' keys of a ``soc.events`` batch or table, one row
    per event: a ``soc.detector_keys`` batch of ``source_key`` and
    ``user_key`` (for partitioning events on a cluster)."""

def to_arrow(items: Iterable[Any]) -> ArrowBatch:
    """``Event``, ``Alert`` or ``Indicator`` objects as one batch."""
