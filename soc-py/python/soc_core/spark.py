"""soc on Spark: soc's Rust parsers, extractor and detectors on the executors.

Pure Python on top of the batch functions (``parse_ssh_batch``,
``parse_eve_batch``, ``extract_iocs_batch``, ``detector_keys``,
``detect_batch``), one call per Arrow batch, never per row; the executors
need the ``soc_core`` wheel (``pip install``) and pyarrow, nothing else.
Batches travel as Arrow (``mapInArrow``); dictionary columns are decoded to
strings, which Spark reads.

The SSH parser joins the lines of one sshd connection, and the detectors
run in file order, so ``ssh_events`` parses whole files (read them with
``spark.read.text(paths, wholetext=True)``) and ``ssh_alerts`` orders the
events of each key by file and line: the alerts are those of ``soc ssh --alerts`` over
the same files, given in path order.

A lake's files (many hosts, the same days) go back in time at every file
boundary, and the detectors' windows expire by their clock, the running
max of the event times seen so far. So ``ssh_events`` gives each event
the ``clock`` of its position in the whole input (files in path order),
and ``ssh_alerts`` advances each partition's detectors to it before each
event: a partition holding some keys then decides exactly as one pass
over everything does.
"""

from __future__ import annotations

import itertools
from typing import Any, Iterator

import pyarrow as pa
import pyarrow.compute as pc

from . import _native

__all__ = ["eve_alerts", "eve_events", "iocs", "ssh_alerts", "ssh_events"]

# Rules keyed by user; every other SSH rule is keyed by source.
_BY_USER = "ssh.distributed_attack"


def _plain(batch: Any) -> pa.RecordBatch:
    """A soc batch as a pyarrow batch Spark can read: dictionaries decoded."""
    rb = pa.record_batch(batch)
    cols, fields = [], []
    for field, col in zip(rb.schema, rb.columns):
        if pa.types.is_dictionary(field.type):
            col = col.dictionary_decode()
            field = pa.field(field.name, field.type.value_type, field.nullable)
        cols.append(col)
        fields.append(field)
    return pa.RecordBatch.from_arrays(cols, schema=pa.schema(fields))


def _spark_schema(empty: Any) -> Any:
    from pyspark.sql.pandas.types import from_arrow_schema

    return from_arrow_schema(_plain(empty).schema)


# Below every real time: "no time yet" in the running max.
_NO_TIME = -(2**63)


def _with_file_clock(batch: pa.RecordBatch) -> pa.RecordBatch:
    """``batch`` (one file's events, in file order) with ``clock``: the
    running max of ``time`` down its rows, null before the first time."""
    time = batch.column("time")
    run_max = pc.cumulative_max(pc.fill_null(pc.cast(time, pa.int64()), _NO_TIME))
    clock = pc.if_else(pc.equal(run_max, _NO_TIME), pa.scalar(None, pa.int64()), run_max)
    return batch.append_column(pa.field("clock", time.type), pc.cast(clock, time.type))


def _global_clock(events: Any) -> Any:
    """``events`` with ``clock`` advanced across files: each file's clock
    raised to the latest time of the files before it in path order (a
    small per-file max aggregation whose prefix max comes back as a
    broadcast join)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    per_file = events.groupBy("file").agg(F.max("clock").alias("_file_max"))
    before = Window.orderBy("file").rowsBetween(Window.unboundedPreceding, -1)
    offsets = per_file.select("file", F.max("_file_max").over(before).alias("_before"))
    joined = events.join(F.broadcast(offsets), "file", "left")
    cols = [F.greatest("clock", "_before").alias("clock") if c == "clock" else F.col(c) for c in events.columns]
    return joined.select(*cols)


def ssh_events(df: Any, column: str = "value", **parser_options: Any) -> Any:
    """A DataFrame of ``soc.events`` from a column of auth-log text, plus
    ``clock``.

    Each row of ``column`` is a whole file (``wholetext=True``) or one line;
    ``parser_options`` are those of ``parse_ssh`` (``year``, ``tz``,
    ``stateful``), applied to each file on its own as ``soc ssh`` does (a
    file's year inference starts afresh). ``file`` holds the input row's
    ``path`` column when the DataFrame has one (else null); ``line`` is the
    line in that row's text. ``clock`` is the detectors' clock at the
    event: the latest event time of all lines up to it, the files taken in
    ``path`` order (without a ``path`` column, of its own row's text only);
    ``ssh_alerts`` needs it to give one pass's alerts on a lake whose time
    goes back from one file to the next.
    """
    schema = _spark_schema(_with_file_clock(_plain(_native.parse_ssh_batch([], **parser_options))))
    has_path = "path" in df.columns
    cols = [column, "path"] if has_path else [column]

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for b in batches:
            texts = b.column(column).to_pylist()
            paths = b.column("path").to_pylist() if has_path else [None] * len(texts)
            for text, path in zip(texts, paths):
                out = _plain(_native.parse_ssh_batch((text or "").splitlines(), **parser_options))
                if path is not None:
                    i = out.schema.get_field_index("file")
                    out = out.set_column(i, "file", pa.array([path] * out.num_rows, pa.string()))
                yield _with_file_clock(out)

    events = df.select(*cols).mapInArrow(run, schema)
    return _global_clock(events) if has_path else events


def eve_events(df: Any, column: str = "value") -> Any:
    """A DataFrame of ``soc.eve_events`` from a column of EVE lines (one per
    row, as ``spark.read.text`` gives); malformed lines are left out."""
    schema = _spark_schema(_native.parse_eve_batch([]))

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for b in batches:
            yield _plain(_native.parse_eve_batch(b.column(column)))

    return df.select(column).mapInArrow(run, schema)


def eve_alerts(events: Any) -> Any:
    """The normalized alerts (``soc.alerts``) of an ``eve_events`` DataFrame,
    as ``soc eve --alerts`` gives them: one per alert record."""
    schema = _spark_schema(_native.eve_alerts_batch([]))

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for b in batches:
            raw = b.column("raw").to_pylist()
            lines = [r for r, t in zip(raw, b.column("event_type").to_pylist()) if t in ("alert", "drop")]
            yield _plain(_native.eve_alerts_batch(lines))

    return events.select("raw", "event_type").mapInArrow(run, schema)


def iocs(df: Any, column: str = "text", **options: Any) -> Any:
    """A DataFrame of ``soc.indicators`` from a text column; ``options`` are
    those of ``extract_iocs``. ``row`` is the index within the Arrow batch,
    so select an id column beside the text to join back."""
    schema = _spark_schema(_native.extract_iocs_batch([], **options))

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for b in batches:
            yield _plain(_native.extract_iocs_batch(b.column(column), **options))

    return df.select(column).mapInArrow(run, schema)


def _keyed_by_detector(events: Any, ipv6_prefix: int) -> Any:
    """``events`` once per detector key they have: with ``_by_user`` false
    and ``_key`` the source key, and (failed attempts with a user) with
    ``_by_user`` true and ``_key`` the user; keys from ``detector_keys``
    (Rust, one call per Arrow batch). ``raw`` is emptied: no alert column
    comes from it, and it is most of a shuffle's bytes."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import BooleanType, StringType, StructField, StructType

    slim = events.withColumn("raw", F.lit(""))
    schema = StructType(
        slim.schema.fields + [StructField("_key", StringType()), StructField("_by_user", BooleanType())]
    )
    return slim.mapInArrow(lambda batches: _keyed_batches(batches, ipv6_prefix), schema)


def _keyed_batches(batches: Iterator[pa.RecordBatch], ipv6_prefix: int) -> Iterator[pa.RecordBatch]:
    """The executor side of ``_keyed_by_detector``: each batch's rows with
    a source key, then those with a user key, ``_key`` and ``_by_user``
    appended."""
    for b in batches:
        keys = pa.record_batch(_native.detector_keys(b, ipv6_prefix=ipv6_prefix))
        for by_user, key in ((False, keys.column(0)), (True, keys.column(1))):
            part = b.append_column("_key", key).filter(pc.is_valid(key))
            yield part.append_column("_by_user", pa.repeat(by_user, part.num_rows))


def _runs(batches: Iterator[pa.RecordBatch]) -> Iterator[tuple[bool, Iterator[pa.RecordBatch]]]:
    """Batches sorted by ``_by_user`` as two runs, (False, its batches) then
    (True, its batches); consume each run before asking for the next."""
    rest: list[pa.RecordBatch] = []

    def run(by_user: bool) -> Iterator[pa.RecordBatch]:
        yield from rest
        rest.clear()
        for b in batches:
            users = pc.sum(b.column("_by_user")).as_py() or 0
            n = b.num_rows if by_user else b.num_rows - users
            if n == b.num_rows:
                yield b
                continue
            if n:
                yield b.slice(0, n)
            rest.append(b.slice(n))
            return

    yield False, run(False)
    yield True, run(True)


def _detect_partition(config: dict[str, Any]) -> Any:
    """A ``mapInArrow`` function: the detectors over one partition's events
    in the order they come (streamed, not collected), once over the rows
    keyed by source (keeping all but the distributed-attack alerts) and
    once over those keyed by user (keeping those)."""

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for by_user, run_batches in _runs(batches):
            first = next(run_batches, None)
            if first is None:
                continue
            stream = pa.RecordBatchReader.from_batches(first.schema, itertools.chain([first], run_batches))
            alerts = pa.record_batch(_native.detect_batch(stream, **config))
            is_user = pc.equal(alerts.column("kind").cast(pa.string()), _BY_USER)
            yield _plain(alerts.filter(is_user if by_user else pc.invert(is_user)))

    return run


def ssh_alerts(events: Any, **config: Any) -> Any:
    """The SSH detectors, distributed: ``events`` (from ``ssh_events``) are
    partitioned by the detector's key (the source for brute force, slow
    brute force, spraying, scan and success-after-failures; the user of a
    failed attempt for the distributed attack; keys from
    ``detector_keys``) in one shuffle, ordered by file and line within each
    partition, and fed to the same Rust detectors, streamed, once per
    partition and key kind, each event preceded by its ``clock``. No Python runs per row. ``config`` keys are
    ``DetectConfig``'s. Returns a DataFrame of ``soc.alerts``."""
    schema = _spark_schema(_native.detect_batch(_native.parse_ssh_batch([])))
    keyed = _keyed_by_detector(events, int(config.get("ipv6_prefix", 64)))
    return (
        keyed.repartition("_by_user", "_key")
        .sortWithinPartitions("_by_user", "file", "line")
        .drop("_key")
        .mapInArrow(_detect_partition(config), schema)
    )
