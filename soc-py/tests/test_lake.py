"""A log lake without a cluster (#18): several hosts' auth.logs over the same
days, read in path order, so time goes back at every file boundary. The
executor-side code of ``soc_core.spark`` (per-file parse with ``clock``,
keying, per-partition detection) is driven with pyarrow alone, the rows
partitioned by detector key and sorted exactly as ``ssh_alerts`` has Spark
do it; the alerts must equal ``soc ssh --alerts`` over the same files."""

import datetime as dt
import json
import pathlib
import subprocess
import zlib

import pytest

pa = pytest.importorskip("pyarrow", reason="pyarrow is not installed (make test installs it)")
pc = pytest.importorskip("pyarrow.compute", reason="pyarrow is not installed (make test installs it)")

import soc_core  # noqa: E402
import soc_core.spark as soc_spark  # noqa: E402
from distributed_inputs import auth_log  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
YEAR = 2026


def soc_binary():
    path = ROOT / "target" / "debug" / "soc"
    if not path.exists():
        subprocess.run(["cargo", "build", "-q", "-p", "soc-cli", "--bin", "soc"], cwd=ROOT, check=True)
    return str(path)


def cli_alerts(paths):
    out = subprocess.run(
        [soc_binary(), "ssh", "--alerts", "--year", str(YEAR), "--format", "jsonl", *map(str, paths)],
        capture_output=True, text=True, check=True,
    )

    def ts(s):
        return None if s is None else dt.datetime.fromisoformat(s.replace("Z", "+00:00"))

    rows = [json.loads(line) for line in out.stdout.splitlines()]
    return sorted((r["id"], r["kind"], r["count"], ts(r["first_seen"]), ts(r["last_seen"])) for r in rows)


def events_with_clock(paths):
    """What ``ssh_events`` gives, file by file: each file parsed on its own
    with its ``clock``, then the clock raised to the latest time of the
    files before it (``_global_clock``'s prefix max)."""
    files = []
    for path in paths:
        b = soc_spark._plain(soc_core.parse_ssh_batch(path.read_text().splitlines(), year=YEAR))
        b = b.set_column(b.schema.get_field_index("file"), "file", pa.array([str(path)] * b.num_rows, pa.string()))
        files.append(soc_spark._with_file_clock(b))
    out, before = [], None
    for b in sorted(files, key=lambda b: b.column("file")[0].as_py()):
        clock = pc.cast(b.column("clock"), pa.int64())
        latest = pc.max(clock).as_py()
        if before is not None:
            clock = pc.max_element_wise(clock, pa.scalar(before, pa.int64()))
        out.append(b.set_column(b.schema.get_field_index("clock"), "clock", pc.cast(clock, b.schema.field("clock").type)))
        if latest is not None:
            before = latest if before is None else max(before, latest)
    return out


def partitioned_alerts(batches, partitions, clock=True):
    """``ssh_alerts`` without Spark: keyed rows hashed to ``partitions``
    partitions by (``_by_user``, ``_key``), each sorted by ``_by_user``,
    ``file``, ``line``, then run through the executor's detection function."""
    keyed = pa.Table.from_batches(list(soc_spark._keyed_batches(iter(batches), 64)))
    keyed = keyed.set_column(keyed.schema.get_field_index("raw"), "raw", pa.repeat("", keyed.num_rows))
    if not clock:
        keyed = keyed.drop_columns(["clock"])
    part = [zlib.crc32(f"{u}|{k}".encode()) % partitions for u, k in
            zip(keyed.column("_by_user").to_pylist(), keyed.column("_key").to_pylist())]
    keyed = keyed.append_column("_part", pa.array(part, pa.int32()))
    detect = soc_spark._detect_partition({})
    rows = []
    for p in range(partitions):
        t = keyed.filter(pc.equal(keyed.column("_part"), p)).drop_columns(["_part", "_key"])
        t = t.sort_by([("_by_user", "ascending"), ("file", "ascending"), ("line", "ascending")])
        for b in detect(iter(t.to_batches())):
            rows.extend(b.to_pylist())

    def ts(t):
        return None if t is None else t.astimezone(dt.timezone.utc)

    return sorted((r["id"], r["kind"], r["count"], ts(r["first_seen"]), ts(r["last_seen"])) for r in rows)


@pytest.fixture(scope="module")
def lake(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("lake")
    # Three hosts' logs over the same days: each file starts back on Nov 1.
    paths = [auth_log(tmp / f"host{i}.log", 4000, seed=10 + i) for i in range(3)]
    return paths, cli_alerts(paths)


def test_the_lake_goes_back_in_time(lake):
    paths, want = lake
    batches = events_with_clock(paths)
    firsts = [pc.min(b.column("time")).as_py() for b in batches]
    lasts = [pc.max(b.column("time")).as_py() for b in batches]
    assert firsts[1] < lasts[0] and firsts[2] < lasts[1]
    # The clock never goes back, and is at least the event's own time.
    clock = pa.concat_arrays([b.column("clock") for b in batches]).to_pylist()
    times = pa.concat_arrays([b.column("time") for b in batches]).to_pylist()
    assert all(a <= b for a, b in zip(clock, clock[1:]) if a is not None)
    assert all(c >= t for c, t in zip(clock, times) if t is not None)
    assert len(want) > 20


@pytest.mark.parametrize("partitions", [1, 3, 8])
def test_partitioned_alerts_with_the_clock_equal_the_cli(lake, partitions):
    paths, want = lake
    assert partitioned_alerts(events_with_clock(paths), partitions) == want


def test_without_the_clock_partitions_disagree_with_the_cli(lake):
    # The clock is what makes the partitions agree: without it, a partition
    # sees fewer keys' times and its windows expire differently.
    paths, want = lake
    assert partitioned_alerts(events_with_clock(paths), 8, clock=False) != want
