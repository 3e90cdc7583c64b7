"""The shipped stubs let mypy see every top-level name and catch typos in
keyword arguments (stubtest, in `make py-test`, checks them against the module)."""

import subprocess
import sys

import pytest

pytest.importorskip("mypy", reason="mypy is not installed (make test installs it)")

USER_CODE = """
import soc_core

iocs = soc_core.extract_iocs("x 203.0.113.9", kinds=["ipv4"])
kinds: list[str] = [i.kind for i in iocs]
events = soc_core.parse_ssh("auth.log")
alerts = soc_core.detect_bruteforce(events, brute_force_threshold=3)
fw = soc_core.Firewall(backend="nft")
p = soc_core.Pipeline.from_config("soc.toml", dry_run=True)
ok: bool = p.run_once()["ok"]
try:
    pass
except soc_core.ConfigError as e:
    v: ValueError = e
"""


def mypy(code, tmp_path):
    f = tmp_path / "user.py"
    f.write_text(code)
    out = subprocess.run([sys.executable, "-m", "mypy", "--no-incremental", str(f)],
                         capture_output=True, text=True, timeout=300)
    return out.returncode, out.stdout


def test_user_code_type_checks(tmp_path):
    rc, out = mypy(USER_CODE, tmp_path)
    assert rc == 0, out


def test_keyword_typos_are_caught(tmp_path):
    rc, out = mypy(USER_CODE + "soc_core.detect_bruteforce(events, brute_force_treshold=3)\n", tmp_path)
    assert rc == 1 and 'did you mean "brute_force_threshold"' in out, out
