"""The Ray example (examples/python/ray_ssh_iocs.py): soc's batch functions
in Ray Data's `map_batches`, run by a local Ray instance (two CPUs, loopback,
no dashboard, a small object store; the functions and options pickled to
Ray's worker processes), give the same events and indicators as
`soc_core.parse_ssh` and `soc_core.extract_iocs` on one machine."""

import logging
import sys

import pytest

ray = pytest.importorskip("ray", reason="ray is not installed (make test installs ray[data])")
pytest.importorskip("ray.data", reason="ray[data] is not installed (make test installs it)")
pa = pytest.importorskip("pyarrow", reason="pyarrow is not installed (make test installs it)")

import soc_core  # noqa: E402
import distributed_inputs as inputs  # noqa: E402

sys.path.insert(0, str(inputs.EXAMPLES))
import ray_ssh_iocs  # noqa: E402

# Ray Data's DataContext warns about its own deprecated fields when it is made.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:ray.data.context")


@pytest.fixture(scope="module", autouse=True)
def local_ray():
    # The example is imported as a module here, which Ray's workers cannot
    # import: ship its functions by value, as for a script's own functions.
    ray.cloudpickle.register_pickle_by_value(ray_ssh_iocs)
    ray.init(num_cpus=2, include_dashboard=False, object_store_memory=96 << 20,
             log_to_driver=False, logging_level=logging.WARNING)
    ray.data.DataContext.get_current().enable_progress_bars = False
    yield
    ray.shutdown()


def test_ssh_events_on_ray_equal_parse_ssh(tmp_path):
    paths = inputs.auth_logs(tmp_path)
    table = ray_ssh_iocs.to_table(ray_ssh_iocs.ssh_events(paths, year=inputs.YEAR))
    got = sorted(table.to_pylist(), key=inputs.event_order(paths))
    want = inputs.single_machine_events([p.resolve() for p in paths])
    assert len(want) > 5000
    assert got == want
    assert pa.types.is_dictionary(table.schema.field("kind").type), "batches stay soc.events"
    objects = [e.raw for p in paths for e in soc_core.parse_ssh(str(p), year=inputs.YEAR)]
    assert [r["raw"] for r in got] == objects


def test_iocs_on_ray_equal_extract_iocs():
    lines = inputs.texts()
    ds = ray_ssh_iocs.texts_dataset(lines).repartition(3)
    got = ray_ssh_iocs.to_table(ray_ssh_iocs.iocs(ds)).to_pylist()
    want = inputs.single_machine_iocs(lines)
    assert len(want) > 20
    assert inputs.ioc_keys(got) == want
    assert any(r[1] == "url" and r[0] == len(lines) - 2 for r in want), "a row past the first block"


def test_the_example_main_reports_sources_and_indicators(capsys):
    assert ray_ssh_iocs.main(["--year", str(inputs.YEAR)]) == 0
    out = capsys.readouterr().out
    assert inputs.failed_logins_line() in out, out
    assert "192.0.2.77" in out and "indicators in" in out
