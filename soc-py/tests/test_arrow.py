"""Arrow results through the PyCapsule interface: batch functions, to_arrow(),
pyarrow / polars / pandas, and Parquet written by the CLI read by pyarrow."""

import datetime as dt
import json
import pathlib
import shutil
import subprocess

import pytest

import soc_core

pa = pytest.importorskip("pyarrow", reason="pyarrow is not installed (make test installs it)")
pq = pytest.importorskip("pyarrow.parquet")
pl = pytest.importorskip("polars", reason="polars is not installed (make test installs it)")

DATA = pathlib.Path(__file__).resolve().parents[2] / "examples" / "data"
AUTH = (DATA / "auth.log").read_text().splitlines()
EVE = (DATA / "eve.json").read_text().splitlines()
REPORT = (DATA / "threat-report.txt").read_text().splitlines()


def test_parse_ssh_batch_matches_the_event_objects():
    batch = soc_core.parse_ssh_batch(AUTH, year=2026, tz="UTC")
    assert batch.schema_name == "soc.events"
    events = list(soc_core.parse_ssh(iter(AUTH), year=2026))
    rb = pa.record_batch(batch)
    assert rb.num_rows == len(events) == len(batch) > 100
    assert rb.schema.metadata[b"soc.schema_version"] == b"1"
    assert pa.types.is_dictionary(rb.schema.field("attempt").type)
    assert rb.schema.field("time").type == pa.timestamp("us", tz="UTC")
    cols = rb.to_pydict()
    assert cols["user"] == [e.user for e in events]
    assert cols["src_ip"] == [e.src_ip for e in events]
    assert cols["attempt"] == [e.attempt for e in events]
    assert cols["line"] == [e.line for e in events]
    assert cols["raw"] == [e.raw for e in events]
    first = events[0]
    assert cols["time"][0] == dt.datetime.fromisoformat(first.time.replace("Z", "+00:00"))


def test_arrow_input_polars_and_pandas_take_the_batch():
    lines = pa.array(AUTH)
    batch = soc_core.parse_ssh_batch(lines, year=2026)
    df = pl.DataFrame(batch)
    assert df.height == len(batch)
    # from_arrow reads a PyCapsule object as one struct Series.
    assert pl.from_arrow(batch).struct.unnest().equals(df)
    failures = df.filter(pl.col("attempt") == "failure").height
    assert failures == sum(1 for e in soc_core.parse_ssh(iter(AUTH), year=2026) if e.attempt == "failure")
    pdf = pa.table(batch).to_pandas()
    assert list(pdf.columns) == batch.column_names
    assert len(pdf) == len(batch)
    # A chunked column (a stream) is read as one input.
    chunked = pa.chunked_array([AUTH[:100], AUTH[100:]])
    assert len(soc_core.parse_ssh_batch(chunked, year=2026)) == len(batch)


def test_bad_inputs_raise_clear_errors():
    with pytest.raises(TypeError, match="not str"):
        soc_core.parse_ssh_batch(["ok", 3])
    with pytest.raises(TypeError, match="not one str"):
        soc_core.parse_ssh_batch("one line")
    with pytest.raises(TypeError, match="Arrow array of strings"):
        soc_core.parse_ssh_batch(pa.array([1, 2]))
    with pytest.raises(soc_core.ParseError, match="time zone"):
        soc_core.parse_ssh_batch(AUTH, tz="Mars/Olympus")
    with pytest.raises(TypeError, match="no column"):
        soc_core.detect_batch(pa.record_batch({"x": [1]}))
    with pytest.raises(soc_core.ConfigError, match="src_ip"):
        soc_core.detect_batch(pa.record_batch({"kind": ["k"], "raw": ["r"], "src_ip": ["nope"]}))
    assert len(soc_core.parse_ssh_batch([None, "", "garbage"])) == 0


def test_detect_batch_equals_detect_bruteforce_and_the_cli():
    events = soc_core.parse_ssh_batch(AUTH, year=2026)
    alerts = pa.record_batch(soc_core.detect_batch(events))
    assert alerts.schema.metadata[b"soc.schema"] == b"soc.alerts"
    objs = soc_core.detect_bruteforce(soc_core.parse_ssh(iter(AUTH), year=2026))
    assert sorted(alerts.column("id").to_pylist()) == sorted(a.id for a in objs)
    by_id = {a.id: a for a in objs}
    for row in alerts.to_pylist():
        a = by_id[row["id"]]
        assert row["count"] == a.count
        assert row["kind"] == a.kind
        assert row["first_seen"] == dt.datetime.fromisoformat(a.first_seen.replace("Z", "+00:00"))
    # Through polars and back (plain strings, no dictionary) gives the same alerts.
    via_polars = pl.DataFrame(events).to_arrow()
    again = pa.record_batch(soc_core.detect_batch(via_polars))
    assert again.column("id").to_pylist() == alerts.column("id").to_pylist()
    soc = shutil.which("soc") or str(pathlib.Path(__file__).resolve().parents[2] / "target" / "debug" / "soc")
    if pathlib.Path(soc).exists():
        out = subprocess.run(
            [soc, "ssh", "--alerts", "--format", "jsonl", "--year", "2026", str(DATA / "auth.log")],
            capture_output=True, text=True, check=True,
        ).stdout
        cli = [json.loads(line) for line in out.splitlines()]
        assert [a["id"] for a in cli] == alerts.column("id").to_pylist()


def test_parse_eve_batch_and_extract_iocs_batch():
    eve = pa.record_batch(soc_core.parse_eve_batch(EVE + ["{not json", ""]))
    assert eve.num_rows == len([line for line in EVE if line.strip()])
    assert eve.column("raw").to_pylist()[0] == EVE[0]
    alerts = [r for r in eve.to_pylist() if r["event_type"] == "alert"]
    assert alerts and all(r["alert_signature_id"] is not None for r in alerts)

    inds = pa.record_batch(soc_core.extract_iocs_batch(REPORT, kinds=["ipv4", "domain"]))
    rows = inds.to_pylist()
    want = [
        (i, ind.kind, ind.value)
        for i, text in enumerate(REPORT)
        for ind in soc_core.extract_iocs(text, kinds=["ipv4", "domain"])
    ]
    assert [(r["row"], r["kind"], r["value"]) for r in rows] == want
    assert len(want) > 5


def test_to_arrow_on_iterators_and_lists():
    it = soc_core.parse_ssh(str(DATA / "auth.log"), year=2026)
    first = next(it)
    rest = it.to_arrow()
    total = len(list(soc_core.parse_ssh(str(DATA / "auth.log"), year=2026)))
    assert len(rest) == total - 1
    assert pa.record_batch(rest).column("file").to_pylist()[0] == str(DATA / "auth.log")
    assert pa.record_batch(soc_core.to_arrow([first])).column("raw").to_pylist() == [first.raw]
    eve = soc_core.parse_eve(str(DATA / "eve.json")).to_arrow()
    assert eve.schema_name == "soc.events" and len(eve) > 0
    alerts = soc_core.detect_bruteforce(soc_core.parse_ssh(str(DATA / "auth.log"), year=2026))
    ab = soc_core.to_arrow(alerts)
    assert ab.schema_name == "soc.alerts"
    assert pa.record_batch(ab).column("id").to_pylist() == [a.id for a in alerts]
    inds = soc_core.extract_iocs("203.0.113.9 and evil.example.com")
    assert soc_core.to_arrow(inds).schema_name == "soc.indicators"
    assert soc_core.to_arrow([]).schema_name == "soc.events"
    with pytest.raises(TypeError, match="one kind per batch"):
        soc_core.to_arrow([first, alerts[0]])


@pytest.mark.parametrize(
    "args, schema",
    [
        (["ssh", "--year", "2026", "auth.log"], "soc.events"),
        (["ssh", "--alerts", "--year", "2026", "auth.log"], "soc.alerts"),
        (["eve", "eve.json"], "soc.eve_events"),
        (["eve", "--alerts", "eve.json"], "soc.alerts"),
        (["iocs", "threat-report.txt"], "soc.indicators"),
    ],
)
def test_cli_parquet_reads_in_pyarrow(tmp_path, args, schema):
    soc = shutil.which("soc") or str(pathlib.Path(__file__).resolve().parents[2] / "target" / "debug" / "soc")
    if not pathlib.Path(soc).exists():
        pytest.skip("the soc binary is not built (cargo build -p soc-cli)")
    argv = [soc, *[str(DATA / a) if (DATA / a).exists() else a for a in args]]
    out = tmp_path / "out.parquet"
    subprocess.run([*argv, "--format", "parquet", "-o", str(out)], check=True, capture_output=True)
    table = pq.read_table(out)
    assert table.schema.metadata[b"soc.schema"] == schema.encode()
    rows = subprocess.run([*argv, "--format", "jsonl"], check=True, capture_output=True, text=True).stdout
    assert table.num_rows == len(rows.splitlines()) > 0
    # Back into soc: Parquet events feed the detectors unchanged.
    if schema == "soc.events":
        assert len(soc_core.detect_batch(table)) > 0


def _alert_rows(batch):
    return sorted((r["id"], r["count"], r["first_seen"], r["last_seen"]) for r in pa.record_batch(batch).to_pylist())


@pytest.mark.parametrize("prefix", [64, 128])
def test_detector_keys_partition_events_without_changing_the_alerts(tmp_path, prefix):
    import pyarrow.compute as pc
    from distributed_inputs import auth_log

    lines = auth_log(tmp_path / "auth.log", 6000, seed=7).read_text().splitlines()
    events = pa.record_batch(soc_core.parse_ssh_batch(lines, year=2026))
    keys = pa.record_batch(soc_core.detector_keys(events, ipv6_prefix=prefix))
    assert keys.schema.metadata[b"soc.schema"] == b"soc.detector_keys"
    assert keys.column_names == ["source_key", "user_key"] and keys.num_rows == events.num_rows
    rows = [dict(e, **k) for e, k in zip(events.to_pylist(), keys.to_pylist())]
    v6 = {r["src_ip"]: r["source_key"] for r in rows if r["src_ip"] and ":" in r["src_ip"]}
    assert len(v6) > 50
    if prefix == 64:  # a /64 is one source: 2001:db8:3::1a and 2001:db8:3::7 share a key
        assert all(k == ip.rsplit("::", 1)[0] + "::/64" for ip, k in v6.items())
    else:
        assert all(k == ip for ip, k in v6.items())
    assert all(r["source_key"] == r["src_ip"] for r in rows if r["src_ip"] and ":" not in r["src_ip"])
    assert all((r["user_key"] is not None) == (r["attempt"] == "failure" and bool(r["user"])) for r in rows)
    assert all(r["user_key"] in (None, r["user"]) for r in rows)

    # Detecting per key group (as ssh_alerts does on a cluster) gives the
    # alerts of one pass over all events.
    whole = _alert_rows(soc_core.detect_batch(events, ipv6_prefix=prefix))
    got = []
    for column, keep_user_rule in (("source_key", False), ("user_key", True)):
        for key in {k for k in keys.column(column).to_pylist() if k is not None}:
            group = events.filter(pc.equal(keys.column(column), key))
            for a in pa.record_batch(soc_core.detect_batch(group, ipv6_prefix=prefix)).to_pylist():
                if (a["kind"] == "ssh.distributed_attack") == keep_user_rule:
                    got.append((a["id"], a["count"], a["first_seen"], a["last_seen"]))
    kinds = {a["kind"] for a in pa.record_batch(soc_core.detect_batch(events)).to_pylist()}
    assert {"ssh.brute_force", "ssh.distributed_attack"} <= kinds
    assert sorted(got) == whole


def test_detector_keys_bad_inputs():
    with pytest.raises(soc_core.ConfigError, match="ipv6_prefix"):
        soc_core.detector_keys(soc_core.parse_ssh_batch([]), ipv6_prefix=129)
    with pytest.raises(TypeError, match="record batch"):
        soc_core.detector_keys(["not", "a", "batch"])
    host_only = pa.record_batch({"kind": ["k"], "raw": ["r"], "src_host": ["scanner.example.net"]})
    assert pa.record_batch(soc_core.detector_keys(host_only)).to_pylist() == [
        {"source_key": "scanner.example.net", "user_key": None}
    ]
