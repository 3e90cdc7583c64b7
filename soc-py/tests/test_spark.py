"""soc on a real Spark standalone cluster (a master and two workers on
loopback, started with the spark-class the pyspark wheel ships): SSH events
and alerts, EVE alerts and IOCs computed on the executors equal the
single-machine CLI's over the same generated files."""

import concurrent.futures
import json
import pathlib
import shutil
import subprocess

import pytest

pyspark = pytest.importorskip("pyspark", reason="pyspark is not installed (make test installs it)")
pytest.importorskip("pyarrow", reason="pyarrow is not installed (make test installs it)")

import soc_core  # noqa: E402
import soc_core.spark as soc_spark  # noqa: E402
from distributed_inputs import auth_log  # noqa: E402
from spark_cluster import standalone_cluster  # noqa: E402

# PySpark 4.3 warns about pandas 3, which it is not using here.
pytestmark = pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning")

ROOT = pathlib.Path(__file__).resolve().parents[2]
YEAR = "2026"


def tool(name):
    path = ROOT / "target" / "debug" / name
    if not path.exists():
        pkg = "soc-cli" if name == "soc" else "soc-benches"
        subprocess.run(["cargo", "build", "-q", "-p", pkg, "--bin", name], cwd=ROOT, check=True)
    return str(path)


def cli_lines(*args):
    out = subprocess.run([tool("soc"), *args, "--format", "jsonl"], capture_output=True, text=True, check=True)
    return out.stdout.splitlines()


def cli(*args):
    return [json.loads(line) for line in cli_lines(*args)]


def spark_alert_keys(df):
    rows = df.select("id", "kind", "count", "first_seen", "last_seen").collect()

    def ts(t):
        return None if t is None else t.astimezone(__import__("datetime").timezone.utc)

    return sorted((r["id"], r["kind"], r["count"], ts(r["first_seen"]), ts(r["last_seen"])) for r in rows)


def cli_alert_keys(rows):
    import datetime as dt

    def ts(s):
        return None if s is None else dt.datetime.fromisoformat(s.replace("Z", "+00:00"))

    return sorted((r["id"], r["kind"], r["count"], ts(r["first_seen"]), ts(r["last_seen"])) for r in rows)


def single_machine(tmp):
    """The generated inputs and the CLI's answers over them (computed while
    the cluster starts: they do not need it)."""
    log, eve = tmp / "auth.log", tmp / "eve.json"
    subprocess.run([tool("gen-authlog"), "100000", str(log)], check=True)
    subprocess.run([tool("gen-eve"), "5", str(eve)], check=True)
    # A small lake: three hosts' logs over the same days (each file starts
    # back on Nov 1), read in path order.
    lake = [auth_log(tmp / f"host{i}.log", 3000, seed=20 + i) for i in range(3)]
    return {
        "lake": lake,
        "lake_alerts": cli_alert_keys(cli("ssh", "--alerts", "--year", YEAR, *map(str, lake))),
        "auth.log": log,
        "eve.json": eve,
        "ssh_events": len(cli_lines("ssh", "--year", YEAR, str(log))),
        "ssh_alerts": cli_alert_keys(cli("ssh", "--alerts", "--year", YEAR, str(log))),
        "eve_alerts": cli_alert_keys(cli("eve", "--alerts", str(eve))),
    }


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    if shutil.which("java") is None:
        pytest.skip("java is not installed")
    tmp = tmp_path_factory.mktemp("spark")
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        want = pool.submit(single_machine, tmp)
        with standalone_cluster(tmp) as spark:
            yield spark, want.result()


def test_ssh_alerts_on_the_cluster_equal_the_cli(cluster):
    spark, want = cluster
    df = spark.read.text(str(want["auth.log"]), wholetext=True)
    events = soc_spark.ssh_events(df, year=int(YEAR)).cache()
    assert events.count() == want["ssh_events"]
    got = spark_alert_keys(soc_spark.ssh_alerts(events))
    assert len(want["ssh_alerts"]) > 10
    assert got == want["ssh_alerts"]


def test_ssh_alerts_over_a_lake_going_back_in_time_equal_the_cli(cluster):
    # Time goes back at each file boundary: the partitions agree with one
    # pass only because each event carries the clock of its position.
    from pyspark.sql import functions as F

    spark, want = cluster
    files = spark.read.text([str(p) for p in want["lake"]], wholetext=True)
    files = files.select("value", F.col("_metadata.file_path").alias("path"))
    got = spark_alert_keys(soc_spark.ssh_alerts(soc_spark.ssh_events(files, year=int(YEAR))))
    assert len(want["lake_alerts"]) > 10
    assert got == want["lake_alerts"]


def test_eve_alerts_and_iocs_on_the_cluster_equal_the_cli(cluster):
    spark, want = cluster
    lines = spark.read.text(str(want["eve.json"])).repartition(2)
    alerts = soc_spark.eve_alerts(soc_spark.eve_events(lines))
    assert len(want["eve_alerts"]) > 10
    assert spark_alert_keys(alerts) == want["eve_alerts"]

    report = ROOT / "examples" / "data" / "threat-report.txt"
    texts = spark.createDataFrame([(t,) for t in report.read_text().splitlines()], ["text"])
    got = sorted((r["kind"], r["value"]) for r in soc_spark.iocs(texts).collect())
    want = sorted(
        (i.kind, i.value) for t in report.read_text().splitlines() for i in soc_core.extract_iocs(t)
    )
    assert got == want and len(want) > 10
