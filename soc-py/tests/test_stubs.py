"""The shipped stubs let mypy see every top-level name and catch typos in
keyword arguments (stubtest, in `make py-test`, checks them against the module)."""

import re
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


# The types the stubs promise where they share declarations (the `_Record`
# and `_EventIterator` bases, the `_KeyedProvider` constructor type) or
# overload on a literal (`serve(block=...)`): pinned so that a refactor of
# the stubs keeps them exactly as precise for users.
PINNED_TYPES = {
    "soc_core.parse_ssh('auth.log')": "soc_core.parse.SshEvents",
    "next(soc_core.parse_eve('eve.json'))": "soc_core.parse.Event",
    "soc_core.parse_eve('eve.json').stats": "dict[str, Any]",
    "soc_core.parse_ssh('auth.log').to_arrow()": "soc_core.columnar.ArrowBatch",
    "soc_core.Event().src_ip": "str | None",
    "soc_core.Alert().kind": "str",
    "soc_core.Alert() == soc_core.Alert()": "bool",
    "soc_core.VirusTotal(api_key='k', per_day=500)": "soc_core.enrich.Enrichers",
    "soc_core.AbuseIPDB()": "soc_core.enrich.Enrichers",
    "soc_core.serve('soc.toml')": "None",
    "soc_core.serve('soc.toml', block=False)": "soc_core.serve.Dashboard",
}


def test_stub_types_are_pinned(tmp_path):
    code = "import soc_core\n" + "".join(f"reveal_type({expr})\n" for expr in PINNED_TYPES)
    rc, out = mypy(code, tmp_path)
    assert rc == 0, out
    revealed = re.findall(r'Revealed type is "(.*)"', out)
    assert revealed == list(PINNED_TYPES.values()), out


def test_shared_keywords_are_still_checked(tmp_path):
    rc, out = mypy("import soc_core\nsoc_core.AbuseIPDB(apikey='k')\nsoc_core.serve('x', stat='s')\n", tmp_path)
    assert rc == 1, out
    assert 'did you mean "api_key"' in out and 'did you mean "state"' in out, out
