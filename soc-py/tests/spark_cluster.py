"""A Spark standalone cluster on loopback: a master and workers started with
the `spark-class` that the pyspark wheel ships, and a SparkSession on it.
Used by test_spark.py and by benches/compare/spark_bench.py."""

import contextlib
import os
import pathlib
import socket
import subprocess
import sys
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(pred, what, secs=300):
    end = time.monotonic() + secs
    while time.monotonic() < end:
        if pred():
            return
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


@contextlib.contextmanager
def standalone_cluster(tmp, workers=2, worker_memory="1g", executor_memory="768m", app="soc-test"):
    """Yield a SparkSession on `workers` one-core workers; stop everything
    on exit. Logs and work dirs go under `tmp`."""
    import pyspark
    from pyspark.sql import SparkSession

    tmp = pathlib.Path(tmp)
    home = pathlib.Path(pyspark.__file__).parent
    spark_class = home / "bin" / "spark-class"
    env = dict(os.environ, SPARK_HOME=str(home), PYSPARK_PYTHON=sys.executable,
               SPARK_LOCAL_IP="127.0.0.1", SPARK_LOG_DIR=str(tmp), SPARK_WORKER_DIR=str(tmp / "work"))
    port = free_port()
    url = f"spark://127.0.0.1:{port}"
    procs = []

    def start(args, log):
        f = open(tmp / log, "w")
        procs.append((subprocess.Popen([str(spark_class), *args], env=env, stdout=f, stderr=subprocess.STDOUT), f))

    def registered():
        return (tmp / "master.log").read_text().count("Registering worker") >= workers

    try:
        start(["org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port", str(port),
               "--webui-port", str(free_port())], "master.log")
        for i in range(workers):
            start(["org.apache.spark.deploy.worker.Worker", url, "--host", "127.0.0.1", "--cores", "1",
                   "--memory", worker_memory, "--webui-port", str(free_port()), "--work-dir", str(tmp / f"w{i}")],
                  f"worker{i}.log")
        wait_for(registered, f"{workers} workers")
        os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"  # the driver, too, stays on loopback
        os.environ["PYSPARK_PYTHON"] = sys.executable  # the executors' Python has soc_core
        spark = (SparkSession.builder.master(url).appName(app)
                 .config("spark.driver.host", "127.0.0.1")
                 .config("spark.driver.bindAddress", "127.0.0.1")
                 .config("spark.executor.memory", executor_memory)
                 .config("spark.sql.shuffle.partitions", "4")
                 .config("spark.sql.session.timeZone", "UTC")
                 .config("spark.ui.enabled", "false")
                 .config("spark.pyspark.python", sys.executable)
                 .config("spark.task.maxFailures", "1")
                 .getOrCreate())
        try:
            yield spark
        finally:
            spark.stop()
    finally:
        for p, f in procs:
            p.terminate()
        for p, f in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
            f.close()
