"""The Dask example (examples/python/dask_ssh_iocs.py): soc's batch functions
in `map_partitions`, run by Dask's multiprocessing scheduler (functions and
options pickled to worker processes), give the same events and indicators as
`soc_core.parse_ssh` and `soc_core.extract_iocs` on one machine."""

import sys

import pytest

dask = pytest.importorskip("dask", reason="dask is not installed (make test installs dask[dataframe])")
pytest.importorskip("dask.dataframe", reason="dask[dataframe] is not installed (make test installs it)")
pa = pytest.importorskip("pyarrow", reason="pyarrow is not installed (make test installs it)")

import pandas as pd  # noqa: E402

import soc_core  # noqa: E402
import distributed_inputs as inputs  # noqa: E402

sys.path.insert(0, str(inputs.EXAMPLES))  # spawned workers inherit it and import the example by name
import dask_ssh_iocs  # noqa: E402


@pytest.fixture(scope="module", autouse=True)
def worker_processes():
    """Two spawned worker processes shared by the module's tests (and by the
    example's main, which picks up the configured pool)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from dask.multiprocessing import initialize_worker_process

    pool = ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn"),
                               initializer=initialize_worker_process)
    with dask.config.set(scheduler="processes", pool=pool):
        yield
    pool.shutdown()


def run(*collections):
    return dask.compute(*collections)


def rows(df):
    return pa.Table.from_pandas(df, preserve_index=False).to_pylist()


def test_ssh_events_on_dask_equal_parse_ssh(tmp_path):
    paths = inputs.auth_logs(tmp_path)
    lazy = dask_ssh_iocs.ssh_events(paths, year=inputs.YEAR)
    assert lazy.npartitions == len(paths)
    (df,) = run(lazy)
    assert isinstance(df.dtypes["src_ip"], pd.ArrowDtype)
    got = sorted(rows(df), key=inputs.event_order(paths))
    want = inputs.single_machine_events(paths)
    assert len(want) > 5000
    assert got == want
    objects = [e.raw for p in paths for e in soc_core.parse_ssh(str(p), year=inputs.YEAR)]
    assert [r["raw"] for r in got] == objects
    assert sum(r["attempt"] == "failure" for r in got) > 1000


def test_iocs_on_dask_equal_extract_iocs():
    lines = inputs.texts()
    series = dask_ssh_iocs.dd.from_pandas(pd.Series(lines, name="text"), npartitions=3)
    (df,) = run(dask_ssh_iocs.iocs(series))
    want = inputs.single_machine_iocs(lines)
    assert len(want) > 20
    assert inputs.ioc_keys(rows(df)) == want
    assert any(r[1] == "url" and r[0] == len(lines) - 2 for r in want), "a row past the first partition"


def test_empty_inputs_give_empty_frames_with_the_schema(tmp_path):
    empty = tmp_path / "empty.log"
    empty.write_text("")
    events, found = run(
        dask_ssh_iocs.ssh_events([empty], year=inputs.YEAR),
        dask_ssh_iocs.iocs(dask_ssh_iocs.dd.from_pandas(pd.Series(["", "none"], name="text"), npartitions=1)),
    )
    assert len(events) == 0 and "attempt" in events.columns
    assert len(found) == 0 and "row" in found.columns


def test_the_example_main_reports_sources_and_indicators(capsys):
    assert dask_ssh_iocs.main(["--year", str(inputs.YEAR)]) == 0
    out = capsys.readouterr().out
    assert inputs.failed_logins_line() in out, out
    assert "192.0.2.77" in out and "indicators in" in out
