"""Columnar results: events, EVE records, indicators and alerts as Arrow batches.

Each function returns an ``ArrowBatch`` that implements the Arrow PyCapsule
interface, so ``pyarrow.record_batch(b)``, ``pyarrow.table(b)``,
``polars.from_arrow(b)`` and DuckDB take it without a copy. Inputs may be a
list of ``str`` or any Arrow string array (pyarrow, polars, a Spark
``mapInArrow`` batch column). The schemas (``soc.events``,
``soc.eve_events``, ``soc.alerts``, ``soc.indicators``) are documented in
``docs/spark.md`` and in the Rust module ``soc_core::columnar``.
"""

from ._native import (  # noqa: F401 (re-exported; soc_core.__all__ lists the API)
    ArrowBatch,
    detect_batch,
    detector_keys,
    eve_alerts_batch,
    extract_iocs_batch,
    parse_eve_batch,
    parse_ssh_batch,
    to_arrow,
)
