"""The Python example scripts (examples/python/) run and do what they say."""

import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "python"
DATA = EXAMPLES.parent / "data"


def run(script, *args, cwd=None):
    out = subprocess.run([sys.executable, str(EXAMPLES / script), *args], capture_output=True, text=True,
                         timeout=120, cwd=cwd)
    assert out.returncode == 0, f"{script} failed:\n{out.stdout}\n{out.stderr}"
    return out.stdout


def test_ssh_failed_logins_report():
    out = run("ssh_failed_logins.py")
    assert "failed logins" in out
    assert "203.0.113.45" in out
    assert "LIKELY COMPROMISE" in out


def test_suricata_alerts_to_dry_run_blocks():
    out = run("suricata_block.py", "--allow", "198.51.100.99")
    assert "Suricata alerts" in out
    assert "block 203.0.113.45: dry_run" in out
    assert "nft add element inet soc block4" in out
    assert "block 198.51.100.99: dry_run" not in out, "the allow-list protects it"
    assert "refusing to act on 198.51.100.99" in out, out


def test_ip_reputation_csv(tmp_path):
    ips = tmp_path / "ips.txt"
    ips.write_text("203.0.113.45\n# comment\n8.8.8.8\n")
    lst = tmp_path / "intel.txt"
    lst.write_text("203.0.113.45\n")
    out_csv = tmp_path / "out.csv"
    run("ip_reputation_csv.py", str(ips), "-o", str(out_csv), "--list", str(lst))
    rows = out_csv.read_text().splitlines()
    assert rows[0] == "ip,provider,verdict,score,summary"
    assert rows[1].startswith("203.0.113.45,lists,malicious,")
    assert rows[2].startswith("8.8.8.8,")
    assert ",malicious," not in rows[2]


def test_splunk_vt_block_email_against_local_mocks():
    pytest.importorskip("aiosmtpd")
    out = run("splunk_vt_block_email.py")
    assert "splunk: 12 results" in out
    assert "VirusTotal requests: 1" in out
    assert "block 203.0.113.50 (dry_run)" in out
    assert "mock SMTP server received 1 message(s)" in out
    assert "emails sent: 1" in out


def test_ioc_extraction_from_a_report():
    if not (DATA / "threat-report.txt").exists():
        pytest.skip("examples/data/threat-report.txt is missing")
    out = run("ioc_extract.py", str(DATA / "threat-report.txt"))
    assert "ipv4" in out
