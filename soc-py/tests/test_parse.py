import gzip
import pickle
from pathlib import Path

import pytest

import soc_core

DATA = Path(__file__).resolve().parents[2] / "examples" / "data"


def test_parse_ssh_file_yields_events():
    it = soc_core.parse_ssh(DATA / "auth.log", year=2026)
    events = list(it)
    assert len(events) == 363
    assert it.stats["lines"] == 393 and it.stats["skipped"] == 30
    e = next(e for e in events if e.src_ip == "2001:db8:dead:beef::66")
    assert e.failure and e.kind == "ssh.failed_auth"
    assert e.time.startswith("2026-11-21T13:")
    d = e.to_dict()
    assert d["kind"] == "ssh.failed_auth" and d["origin"]["line"] == e.line


def test_parse_ssh_lines_and_injection():
    lines = ["Failed password for invalid user a from 10.0.0.1 port 22 from 203.0.113.5 port 4000 ssh2",
             "Jan  1 00:00:00 h CRON[1]: not sshd"]
    ev = list(soc_core.parse_ssh(lines))
    assert len(ev) == 1
    assert ev[0].src_ip == "203.0.113.5"
    assert ev[0].user == "a from 10.0.0.1 port 22"


def test_parse_ssh_gzip_and_bad_input(tmp_path):
    p = tmp_path / "auth.log.gz"
    p.write_bytes(gzip.compress(b"Invalid user x from 192.0.2.1 port 1\n\xff\xfe\n"))
    it = soc_core.parse_ssh(str(p))
    assert [e.user for e in it] == ["x"]
    assert it.stats["malformed"] == 1
    assert ":2:" in it.stats["errors"][0]
    with pytest.raises(FileNotFoundError):
        soc_core.parse_ssh(tmp_path / "missing.log")
    with pytest.raises(soc_core.ParseError):
        soc_core.parse_ssh(str(p), tz="Nowhere/City")
    with pytest.raises(TypeError):
        list(soc_core.parse_ssh([1, 2]))


def test_detect_bruteforce_on_sample():
    events = list(soc_core.parse_ssh(DATA / "auth.log", year=2026))
    alerts = soc_core.detect_bruteforce(events)
    kinds = {a.kind for a in alerts}
    assert {"ssh.brute_force", "ssh.password_spraying", "ssh.success_after_failures"} <= kinds
    comp = next(a for a in alerts if a.kind == "ssh.success_after_failures")
    assert comp.src_ip == "203.0.113.200" and "T1078" in comp.techniques
    # Re-running gives the same ids; thresholds are configurable.
    assert sorted(a.id for a in soc_core.detect_bruteforce(events)) == sorted(a.id for a in alerts)
    strict = soc_core.detect_bruteforce(events, brute_force_threshold=1000, slow_threshold=1000)
    assert not any(a.kind.endswith("brute_force") for a in strict)
    with pytest.raises(ValueError):
        soc_core.detect_bruteforce(events, no_such_option=1)


def test_pickle_round_trip():
    e = next(iter(soc_core.parse_ssh(DATA / "auth.log", year=2026)))
    e2 = pickle.loads(pickle.dumps(e))
    assert e2.to_dict() == e.to_dict()
    a = soc_core.detect_bruteforce(soc_core.parse_ssh(DATA / "auth.log", year=2026))[0]
    a2 = pickle.loads(pickle.dumps(a))
    assert a2.to_dict() == a.to_dict()
    assert "Alert(" in repr(a2)


def test_ssh_summary():
    s = soc_core.ssh_summary(str(DATA / "auth.log"), year=2026, top=3)
    assert s["top_sources"][0][0] == "192.0.2.77" or s["top_sources"][0][1] >= 30
    assert len(s["top_sources"]) == 3
    assert s["accepted"] > 0 and s["failures"] > 100


SSH_FIXTURES = Path(__file__).resolve().parents[2] / "soc-core" / "tests" / "fixtures" / "ssh"


def test_events_carry_the_attempt_class():
    events = list(soc_core.parse_ssh(SSH_FIXTURES / "connections.log", year=2026))
    classes = [e.attempt for e in events]
    assert set(classes) <= {"failure", "probe", "success", None}
    # one connection's Invalid user + Failed password + closed: one attempt
    assert classes[:3] == ["failure", None, None]
    assert all(e.failure == (e.attempt == "failure") for e in events)
    assert classes.count("failure") == 10
    assert classes.count("probe") == 1 and classes.count("success") == 1
    assert events[0].to_dict()["attempt"] == "failure"
    # the Failed line after its Invalid user continues the counted attempt
    assert [e.continues for e in events[:3]] == [None, "failure", None]
    assert events[1].to_dict()["continues"] == "failure"
    assert all(e.continues is None or e.attempt is None for e in events)


def test_detect_bruteforce_key_only_scenario():
    events = soc_core.parse_ssh(SSH_FIXTURES / "keyonly.log", year=2026)
    got = sorted((a.kind, a.src_ip, a.count) for a in soc_core.detect_bruteforce(events))
    assert got == [
        ("ssh.brute_force", "198.51.100.10", 40),
        ("ssh.brute_force", "203.0.113.20", 30),
        ("ssh.password_spraying", "203.0.113.20", 30),
        ("ssh.scan", "192.0.2.30", 30),
    ]
    quiet = soc_core.detect_bruteforce(
        soc_core.parse_ssh(SSH_FIXTURES / "keyonly.log", year=2026), scan_threshold=1000
    )
    assert "ssh.scan" not in {a.kind for a in quiet}


def test_ssh_summary_counts_probes_and_successes():
    s = soc_core.ssh_summary(str(SSH_FIXTURES / "connections.log"), year=2026)
    assert (s["failures"], s["probes"], s["successes"]) == (10, 1, 1)


def test_parse_eve_with_filter():
    it = soc_core.parse_eve(DATA / "eve.json", event_types=["alert"])
    alerts = list(it)
    assert len(alerts) == 15
    assert all(e.kind == "suricata.alert" for e in alerts)
    assert it.stats["skipped"] == 153 - 15
    sigs = [e.fields.get("signature") for e in alerts]
    assert any("Lumma" in (s or "") for s in sigs)


def test_read_alerts_csv(tmp_path):
    p = tmp_path / "a.csv"
    p.write_text("attacker,what\n203.0.113.9,scan\n")
    a = soc_core.read_alerts(p, format="csv", mapping={"src_ip": "attacker", "title": "what"}, tool="edr")
    assert a[0].kind == "alerts.edr" and a[0].src_ip == "203.0.113.9" and a[0].title == "scan"
    with pytest.raises(ValueError):
        soc_core.read_alerts(p, format="xml")
