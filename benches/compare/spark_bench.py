"""soc's distributed SSH detection on a two-worker Spark standalone cluster,
against the plain PySpark regex count of failed logins per source (what a
data-lake user writes today) and against single-process `soc ssh --alerts`
(#18). A benchmark, not a test.

    python benches/compare/spark_bench.py LINES [--files 40] [--dir DIR]
        [--soc target/release/soc] [--gen target/release/gen-authlog]
        [--worker-memory 3g] [--executor-memory 2g] [--partitions 8]

Generates LINES auth.log lines (`gen-authlog`), split into `--files` files
(a lake keeps many files: one per host and day), then times, on the same
files in path order: `soc ssh --alerts` (wall and CPU), soc on the cluster
(`ssh_events` + `ssh_alerts`, collected), and the regex count (collected).
It checks that the cluster's alerts equal the CLI's. Prints the load
average before and after: wall times on a shared machine are noisy.
"""

import argparse
import datetime as dt
import json
import os
import pathlib
import resource
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "soc-py" / "tests"))

from spark_cluster import standalone_cluster  # noqa: E402

YEAR = 2026


def split_log(big, out_dir, files):
    """`big` cut into `files` files of consecutive lines, in path order."""
    total = sum(1 for _ in open(big, "rb"))
    per = -(-total // files)
    paths = []
    with open(big, "rb") as src:
        for i in range(files):
            path = out_dir / f"auth-{i:03d}.log"
            with open(path, "wb") as dst:
                for _ in range(per):
                    line = src.readline()
                    if not line:
                        break
                    dst.write(line)
            paths.append(path)
    return total, paths


def inputs(args):
    out_dir = pathlib.Path(args.dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    marker = out_dir / f"lines-{args.lines}-files-{args.files}"
    if not marker.exists():
        big = out_dir / "all.log"
        subprocess.run([args.gen, str(args.lines), str(big)], check=True)
        split_log(big, out_dir, args.files)
        big.unlink()
        marker.write_text("")
    return [out_dir / f"auth-{i:03d}.log" for i in range(args.files)]


def cli_alerts(soc, paths):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    out = subprocess.run([soc, "ssh", "--alerts", "--year", str(YEAR), "--format", "jsonl", *map(str, paths)],
                         capture_output=True, text=True, check=True)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    rows = [json.loads(line) for line in out.stdout.splitlines()]

    def ts(s):
        return None if s is None else dt.datetime.fromisoformat(s.replace("Z", "+00:00"))

    keys = sorted((r["id"], r["kind"], r["count"], ts(r["first_seen"]), ts(r["last_seen"])) for r in rows)
    return wall, cpu, keys


def spark_keys(rows):
    def ts(t):
        return None if t is None else t.astimezone(dt.timezone.utc)

    return sorted((r["id"], r["kind"], r["count"], ts(r["first_seen"]), ts(r["last_seen"])) for r in rows)


def soc_on_spark(spark, paths):
    import soc_core.spark as soc_spark
    from pyspark.sql import functions as F

    t = time.perf_counter()
    files = spark.read.text([str(p) for p in paths], wholetext=True)
    files = files.select("value", F.col("_metadata.file_path").alias("path"))
    events = soc_spark.ssh_events(files, year=YEAR)
    rows = soc_spark.ssh_alerts(events).select("id", "kind", "count", "first_seen", "last_seen").collect()
    return time.perf_counter() - t, spark_keys(rows)


def regex_count(spark, paths):
    from pyspark.sql import functions as F

    t = time.perf_counter()
    lines = spark.read.text([str(p) for p in paths])
    failed = lines.where(F.col("value").contains("Failed password"))
    by_source = failed.select(F.regexp_extract("value", r"from (\S+) port", 1).alias("src")).groupBy("src").count()
    rows = by_source.collect()
    return time.perf_counter() - t, len(rows)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("lines", type=int)
    ap.add_argument("--files", type=int, default=40)
    ap.add_argument("--dir", default=str(pathlib.Path(tempfile.gettempdir()) / "soc-spark-bench"))
    ap.add_argument("--soc", default=str(ROOT / "target" / "release" / "soc"))
    ap.add_argument("--gen", default=str(ROOT / "target" / "release" / "gen-authlog"))
    ap.add_argument("--worker-memory", default="3g")
    ap.add_argument("--executor-memory", default="2g")
    ap.add_argument("--partitions", type=int, default=8, help="spark.sql.shuffle.partitions")
    args = ap.parse_args(argv)
    paths = inputs(args)
    size = sum(p.stat().st_size for p in paths)
    print(f"{args.lines:,} lines in {len(paths)} files, {size / 2**20:,.0f} MiB; load {os.getloadavg()}")
    wall, cpu, want = cli_alerts(args.soc, paths)
    print(f"soc ssh --alerts (one process)        wall {wall:8.1f} s  cpu {cpu:8.1f} s  alerts {len(want):,}")
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="soc-spark-"))
    with standalone_cluster(tmp, worker_memory=args.worker_memory, executor_memory=args.executor_memory,
                            app="soc-bench", shuffle_partitions=args.partitions, quick_jvm=False) as spark:
        spark.range(4).count()  # executors up before timing
        regex_wall, sources = regex_count(spark, paths)
        print(f"PySpark regex count, 2 workers        wall {regex_wall:8.1f} s  sources {sources:,}")
        soc_wall, got = soc_on_spark(spark, paths)
        print(f"soc ssh_events+ssh_alerts, 2 workers  wall {soc_wall:8.1f} s  alerts {len(got):,}"
              f"  equal to the CLI: {got == want}")
    print(f"load {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
