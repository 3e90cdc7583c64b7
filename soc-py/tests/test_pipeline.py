"""soc_core.Pipeline: the configured pipeline driven from Python."""

import pickle

import helpers
import pytest

import soc_core

ATTACKER = "203.0.113.50"


def write_authlog(path, attacker=ATTACKER, failures=30):
    lines = [
        f"Nov 21 02:{19 + i // 10:02d}:{(i % 10) * 6:02d} web01 sshd[{3000 + i}]: "
        f"Failed password for root from {attacker} port {40000 + i} ssh2"
        for i in range(failures)
    ]
    lines.append(
        "Nov 21 03:00:00 web01 sshd[4000]: Accepted publickey for carol from 192.168.1.40 port 52196 ssh2"
    )
    path.write_text("\n".join(lines) + "\n")
    return path


def config(tmp_path):
    return helpers.run_config(tmp_path, write_authlog(tmp_path / "auth.log"))


def test_run_once_from_dict_detects_and_is_repeatable(tmp_path):
    p = soc_core.Pipeline.from_config(config(tmp_path))
    assert p.mode == "dry_run"
    m = p.run_once()
    assert m["records"] == 31
    assert m["alerts"] >= 1
    assert "ssh.brute_force" in m["alerts_by_kind"]
    alerts = p.alerts()
    brute = [a for a in alerts if a["kind"] == "ssh.brute_force"]
    assert brute and brute[0]["src_ip"] == ATTACKER
    assert brute[0]["score"]["factors"], "scores explain themselves"
    assert p.actions(), "the playbook ran (dry-run)"
    assert p.last_run["records"] == 31
    # Cron runs it again: nothing new, nothing repeated.
    again = p.run_once()
    assert again["records"] == 0
    assert again["actions_total"] == 0
    assert p.metrics()["runs"] == 2
    assert ATTACKER in p.summary() or p.summary() == "no alerts\n"


def test_from_config_path_and_errors(tmp_path):
    path = tmp_path / "soc.toml"
    cfg = config(tmp_path)
    path.write_text(
        f'[store]\npath = "{cfg["store"]["path"]}"\n\n[run]\noffline = true\n\n[[sources]]\nkind = "ssh"\npath = "{cfg["sources"][0]["path"]}"\n'
    )
    p = soc_core.Pipeline.from_config(str(path))
    assert p.run_once()["records"] == 31
    assert "Pipeline(" in repr(p)
    bad = tmp_path / "bad.toml"
    bad.write_text("[run]\npoll_ms = 10\nnot_a_key = 1\n")
    with pytest.raises(soc_core.ConfigError, match="not_a_key"):
        soc_core.Pipeline.from_config(str(bad))
    with pytest.raises(FileNotFoundError):
        soc_core.Pipeline.from_config(str(tmp_path / "missing.toml"))
    with pytest.raises(TypeError):
        soc_core.Pipeline.from_config(42)


class Intel:
    name = "notebook_intel"

    def __init__(self):
        self.calls = []

    def supports(self, indicator):
        return indicator["kind"] == "ipv4"

    def enrich(self, indicator):
        self.calls.append(indicator["value"])
        if indicator["value"] == ATTACKER:
            return {"verdict": "malicious", "score": 95, "summary": "seen in our honeypot"}
        return None


class FlatScorer:
    def score(self, alert):
        return {"value": 77.0, "factors": [{"name": "notebook", "contribution": 77.0, "detail": "analyst rule"}]}


class Recorder:
    name = "recorder"

    def __init__(self):
        self.seen = []

    def respond(self, alert, dry_run):
        self.seen.append((alert["id"], dry_run))
        return {"action": "note", "detail": "noted", "commands": [["echo", alert["id"]]]}


def test_python_steps_plug_into_the_rust_pipeline(tmp_path):
    p = soc_core.Pipeline.from_config(config(tmp_path))
    intel, rec = Intel(), Recorder()
    p.add_enricher(intel)
    p.set_scorer(FlatScorer())
    p.add_responder(rec)
    p.run_once()
    assert intel.calls == [ATTACKER], "private addresses are not enriched; each indicator once"
    alerts = p.alerts()
    assert all(a["score"]["value"] == 77.0 for a in alerts)
    assert all(a["score"]["level"] == "high" for a in alerts)
    enriched = [e for a in alerts for e in a["enrichments"] if e["provider"] == "notebook_intel"]
    assert enriched and enriched[0]["verdict"] == "malicious"
    assert rec.seen and all(dry for _, dry in rec.seen)
    assert len(rec.seen) == len(alerts)
    notes = [a for a in p.actions() if a["responder"] == "recorder"]
    assert notes and notes[0]["action"] == "note"
    with pytest.raises(TypeError, match="enrich"):
        p.add_enricher(object())


def test_report_and_pickle(tmp_path):
    cfg = config(tmp_path)
    p = soc_core.Pipeline.from_config(cfg)
    p.run_once()
    html = p.report("html")
    assert "<svg" in html and ATTACKER in html
    assert p.report("csv").startswith("id,risk,score")
    with pytest.raises(ValueError):
        p.report("pdf")
    q = pickle.loads(pickle.dumps(p))
    assert q.alerts() == p.alerts(), "same config, same store"
