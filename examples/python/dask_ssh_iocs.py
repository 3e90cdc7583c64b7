#!/usr/bin/env python3
"""soc on Dask: SSH events and indicators computed by soc's batch functions
inside `map_partitions`, with the same rows as `soc_core.parse_ssh` and
`soc_core.extract_iocs` on one machine.

Each auth-log file is one row (its whole text) of a Dask DataFrame, so the
lines of one sshd connection stay in one parse, as in `soc_core.spark`;
`parse_ssh_batch` turns each into `soc.events`. Texts (ticket notes, report
lines) go through `extract_iocs_batch`, whose `row` column becomes the
input's index. Partitions come back as pandas DataFrames with Arrow dtypes
(`pd.ArrowDtype`), so no column is copied into NumPy on the way.

Usage: dask_ssh_iocs.py [AUTH_LOG ...] [--year 2026] [--tz UTC] [--workers 2]
       [--texts REPORT]
"""

import sys
from pathlib import Path

import dask
import dask.dataframe as dd
import pandas as pd
import pyarrow as pa

import soc_core

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import batch_example_args, print_events_and_iocs  # noqa: E402


def _pandas(batch):
    """An Arrow batch (any PyCapsule exporter) as pandas with Arrow dtypes."""
    return pa.table(batch).to_pandas(types_mapper=pd.ArrowDtype)


def _read_file(path):
    """One partition: the file as a single row (path, whole text)."""
    return pd.DataFrame({"path": [str(path)], "text": [Path(path).read_text(errors="replace")]})


def _with_file(table, path):
    """`table` with its `file` column (dictionary-encoded) set to `path`."""
    i = table.schema.get_field_index("file")
    files = pa.DictionaryArray.from_arrays(pa.array([0] * table.num_rows, pa.int32()), pa.array([path]))
    return table.set_column(i, table.schema.field(i), files)


def _parse_partition(part, parser_options):
    tables = [
        _with_file(pa.table(soc_core.parse_ssh_batch(text.splitlines(), **parser_options)), path)
        for path, text in zip(part["path"], part["text"])
    ]
    if not tables:
        return _pandas(soc_core.parse_ssh_batch([], **parser_options))
    return pa.concat_tables(tables).to_pandas(types_mapper=pd.ArrowDtype)


def ssh_events(paths, **parser_options):
    """A lazy Dask DataFrame of `soc.events`, one partition per file.

    `parser_options` are those of `soc_core.parse_ssh` (`year`, `tz`,
    `stateful`); `file` and `line` say where each event came from.
    """
    meta = _pandas(soc_core.parse_ssh_batch([], **parser_options))
    files = dd.from_map(_read_file, [str(p) for p in paths])
    return files.map_partitions(_parse_partition, parser_options, meta=meta)


def _extract_partition(texts, options):
    found = pa.table(soc_core.extract_iocs_batch(texts.tolist(), **options))
    index = pa.array(texts.index.to_numpy(), pa.int64())
    rows = index.take(found.column("row")) if found.num_rows else found.column("row")
    return found.set_column(0, "row", rows).to_pandas(types_mapper=pd.ArrowDtype)


def iocs(texts, **options):
    """A lazy Dask DataFrame of `soc.indicators` from a Dask Series of
    texts; `row` is the text's index label. `options` are `extract_iocs`'s."""
    meta = _pandas(soc_core.extract_iocs_batch([], **options))
    return texts.map_partitions(_extract_partition, options, meta=meta)


def main(argv=None):
    args = batch_example_args(__doc__, argv, "worker processes")
    texts = dd.from_pandas(pd.Series(args.lines, name="text"), npartitions=max(1, args.workers))
    with dask.config.set(scheduler="processes", num_workers=args.workers):
        events, found = dask.compute(ssh_events(args.logs, **args.options), iocs(texts))
    print_events_and_iocs(events, found, args.lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())
