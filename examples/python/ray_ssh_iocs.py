#!/usr/bin/env python3
"""soc on Ray: SSH events and indicators computed by soc's batch functions
inside Ray Data's `map_batches`, with the same rows as `soc_core.parse_ssh`
and `soc_core.extract_iocs` on one machine.

Each auth-log file is one row (its bytes, `read_binary_files`), so the lines
of one sshd connection stay in one parse, as in `soc_core.spark`;
`parse_ssh_batch` turns each into `soc.events`. Texts go through
`extract_iocs_batch`; its `row` column becomes the input's `id`. Batches
stay Arrow tables end to end (`batch_format="pyarrow"`).

Usage: ray_ssh_iocs.py [AUTH_LOG ...] [--year 2026] [--tz UTC] [--workers 2]
       [--texts REPORT]
"""

import sys
from pathlib import Path

import pyarrow as pa
import ray
import ray.data

import soc_core

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import batch_example_args, print_events_and_iocs  # noqa: E402


def _parse_files(batch, options):
    """A batch of files (`bytes`, `path`) to one table of `soc.events`."""
    tables = []
    for data, path in zip(batch["bytes"].to_pylist(), batch["path"].to_pylist()):
        events = pa.table(soc_core.parse_ssh_batch(data.decode(errors="replace").splitlines(), **options))
        i = events.schema.get_field_index("file")
        files = pa.array([path] * events.num_rows, pa.string()).dictionary_encode()
        tables.append(events.set_column(i, events.schema.field(i), files))
    return pa.concat_tables(tables) if tables else pa.table(soc_core.parse_ssh_batch([], **options))


def ssh_events(paths, **parser_options):
    """A lazy Ray Dataset of `soc.events`, parsed file by file on the workers.

    `parser_options` are those of `soc_core.parse_ssh` (`year`, `tz`,
    `stateful`); `file` and `line` say where each event came from.
    """
    files = ray.data.read_binary_files([str(Path(p).resolve()) for p in paths], include_paths=True)
    return files.map_batches(_parse_files, fn_kwargs={"options": parser_options}, batch_format="pyarrow")


def texts_dataset(texts):
    """A Dataset of `id` (the text's position) and `text`."""
    return ray.data.from_arrow(pa.table({"id": pa.array(range(len(texts)), pa.int64()), "text": texts}))


def _extract(batch, column, options):
    found = pa.table(soc_core.extract_iocs_batch(batch[column].combine_chunks(), **options))
    ids = batch["id"].combine_chunks().take(found.column("row"))
    return found.set_column(found.schema.get_field_index("row"), "row", ids)


def iocs(texts, column="text", **options):
    """A lazy Ray Dataset of `soc.indicators` from a Dataset with `id` and
    `column`; `row` is the text's `id`. `options` are `extract_iocs`'s."""
    return texts.map_batches(_extract, fn_kwargs={"column": column, "options": options}, batch_format="pyarrow")


def to_table(ds):
    """A Dataset's rows as one Arrow table on the driver."""
    return pa.concat_tables(ray.get(ds.to_arrow_refs()))


def main(argv=None):
    args = batch_example_args(__doc__, argv, "CPUs of the local Ray instance")
    started = not ray.is_initialized()
    if started:  # a local instance on loopback; ray.init(address=...) joins a cluster instead
        ray.init(num_cpus=args.workers, include_dashboard=False, object_store_memory=128 << 20,
                 log_to_driver=False)
    try:
        events = to_table(ssh_events(args.logs, **args.options)).to_pandas()
        found = to_table(iocs(texts_dataset(args.lines))).to_pandas()
    finally:
        if started:
            ray.shutdown()
    print_events_and_iocs(events, found, args.lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())
