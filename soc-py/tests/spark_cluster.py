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


# JVM flags for a short-lived test cluster on a loaded machine: the C1
# compiler alone and the serial collector start faster and burn less CPU
# (the JIT threads of six JVMs compete for the cores); long jobs want C2.
QUICK_JVM = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"


@contextlib.contextmanager
def standalone_cluster(tmp, workers=2, worker_memory="1g", executor_memory="768m", app="soc-test",
                       shuffle_partitions=2, quick_jvm=True):
    """Yield a SparkSession on `workers` one-core workers; stop everything
    on exit. Logs and work dirs go under `tmp`. The driver starts while
    the workers register (both take a JVM start-up); the session is
    yielded once all workers have registered."""
    import pyspark
    from pyspark.sql import SparkSession

    tmp = pathlib.Path(tmp)
    home = pathlib.Path(pyspark.__file__).parent
    spark_class = home / "bin" / "spark-class"
    env = dict(os.environ, SPARK_HOME=str(home), PYSPARK_PYTHON=sys.executable,
               SPARK_LOCAL_IP="127.0.0.1", SPARK_LOG_DIR=str(tmp), SPARK_WORKER_DIR=str(tmp / "work"))
    jvm_opts = QUICK_JVM if quick_jvm else ""
    if jvm_opts:
        env["SPARK_DAEMON_JAVA_OPTS"] = jvm_opts
    port = free_port()
    url = f"spark://127.0.0.1:{port}"
    procs = []

    def start(args, log):
        f = open(tmp / log, "w")
        procs.append((subprocess.Popen([str(spark_class), *args], env=env, stdout=f, stderr=subprocess.STDOUT), f))

    def master_log():
        return (tmp / "master.log").read_text()

    def registered():
        return master_log().count("Registering worker") >= workers

    try:
        start(["org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port", str(port),
               "--webui-port", str(free_port())], "master.log")
        for i in range(workers):
            start(["org.apache.spark.deploy.worker.Worker", url, "--host", "127.0.0.1", "--cores", "1",
                   "--memory", worker_memory, "--webui-port", str(free_port()), "--work-dir", str(tmp / f"w{i}")],
                  f"worker{i}.log")
        wait_for(lambda: "Starting Spark master at" in master_log(), "the master")
        os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"  # the driver, too, stays on loopback
        os.environ["PYSPARK_PYTHON"] = sys.executable  # the executors' Python has soc_core
        spark = (SparkSession.builder.master(url).appName(app)
                 .config("spark.driver.host", "127.0.0.1")
                 .config("spark.driver.bindAddress", "127.0.0.1")
                 .config("spark.executor.memory", executor_memory)
                 .config("spark.sql.shuffle.partitions", str(shuffle_partitions))
                 .config("spark.sql.session.timeZone", "UTC")
                 .config("spark.ui.enabled", "false")
                 .config("spark.pyspark.python", sys.executable)
                 .config("spark.task.maxFailures", "1")
                 .config("spark.driver.extraJavaOptions", jvm_opts)
                 .config("spark.executor.extraJavaOptions", jvm_opts)
                 .getOrCreate())
        try:
            wait_for(registered, f"{workers} workers")
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
