"""Skips say why (pytest -rs prints the reasons). With SOC_REQUIRE_ALL_TESTS=1
(CI, which runs as root with the tools installed) a test that needs root or
a tool fails instead of skipping."""

import os

import pytest

import helpers


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.skipped and os.environ.get("SOC_REQUIRE_ALL_TESTS") and item.get_closest_marker("skipif"):
        report.outcome = "failed"
        report.longrepr = f"{item.nodeid} skipped ({report.longrepr}) but SOC_REQUIRE_ALL_TESTS is set"


@pytest.fixture()
def http_server():
    """Starts local HTTP servers: `http_server(handler_class)` serves it on
    127.0.0.1 and returns the base URL; all are shut down after the test."""
    servers = []

    def serve(handler):
        srv, url = helpers.start(handler)
        servers.append(srv)
        return url

    yield serve
    for srv in servers:
        helpers.stop(srv)

