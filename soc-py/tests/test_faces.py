"""What a notebook user expects of every object: Python reprs, equality,
pickling or a clear reason why not, SocError subclasses for bad arguments,
secrets resolved like soc.toml, plug-in failures reported, one vocabulary."""

import json
import pickle

import helpers
import pytest

import soc_core

LINES = [
    "Nov 21 02:19:00 web01 sshd[3000]: Failed password for root from 203.0.113.50 port 40000 ssh2",
    "Nov 21 02:19:06 web01 sshd[3001]: Connection closed by authenticating user admin 203.0.113.51 port 40001 [preauth]",
]


def test_reprs_are_python_reprs():
    ev = next(iter(soc_core.parse_ssh(LINES)))
    r = repr(ev)
    assert r.startswith("Event(kind='ssh.failed_auth', src_ip='203.0.113.50', user='root', failure=True")
    assert "Some(" not in r and '"' not in r
    empty = soc_core.Event()
    assert repr(empty) == "Event(kind='ssh.other', src_ip=None, user=None, failure=False, line=None)"
    a = soc_core.Alert("ssh.brute_force", "203.0.113.50", "t", "high")
    assert repr(a) == "Alert(kind='ssh.brute_force', src_ip=None, user=None, count=0, severity='high')"
    assert repr(soc_core.Enrichers.from_config({}, offline=True)).startswith("Enrichers(providers=['")
    tf = soc_core.TicketFile(path="/tmp/x.jsonl")
    assert repr(tf) == "TicketFile(path='/tmp/x.jsonl')"


def test_event_and_alert_compare_by_value_and_pickle():
    a, b = list(soc_core.parse_ssh(LINES)), list(soc_core.parse_ssh(LINES))
    assert a == b and a[0] != a[1]
    assert pickle.loads(pickle.dumps(a)) == a
    x = soc_core.Alert("ssh.brute_force", "203.0.113.50")
    assert x == soc_core.Alert("ssh.brute_force", "203.0.113.50")
    assert x != soc_core.Alert("ssh.brute_force", "203.0.113.51")
    assert pickle.loads(pickle.dumps(x)) == x


def test_live_objects_say_why_they_do_not_pickle(tmp_path):
    log = tmp_path / "auth.log"
    log.write_text("\n".join(LINES) + "\n")
    eve = tmp_path / "eve.json"
    eve.write_text("{}\n")
    for obj, what in [
        (soc_core.parse_ssh(str(log)), "SshEvents"),
        (soc_core.parse_eve(str(eve)), "EveEvents"),
        (soc_core.Enrichers.from_config({}, offline=True), "Enrichers"),
    ]:
        with pytest.raises(TypeError, match=f"cannot pickle '{what}': .*; (pickle|parse)"):
            pickle.dumps(obj)


def test_invalid_arguments_are_soc_errors():
    events = list(soc_core.parse_ssh(LINES))
    with pytest.raises(soc_core.ConfigError) as exc:
        soc_core.detect_bruteforce(events, brute_force_treshold=3)
    msg = str(exc.value)
    assert msg.startswith("detect_bruteforce(): unknown keyword 'brute_force_treshold'; valid keywords: ")
    assert "brute_force_threshold" in msg
    assert isinstance(exc.value, soc_core.SocError) and isinstance(exc.value, ValueError)
    with pytest.raises(soc_core.ConfigError, match="unknown keyword 'chanel'"):
        soc_core.SlackNotifier(url="https://hooks.example.com/x", chanel="#soc")
    with pytest.raises(soc_core.ConfigError, match="unknown severity 'urgent'"):
        soc_core.Alert("x", severity="urgent")
    with pytest.raises(soc_core.ConfigError, match="errors='loud'"):
        soc_core.Attack().enrich("T1110", errors="loud")
    with pytest.raises(soc_core.ConfigError, match="format must be 'json' or 'csv'"):
        soc_core.read_alerts("/dev/null", format="xml")
    with pytest.raises(soc_core.ArgumentTypeError) as terr:
        list(soc_core.parse_ssh([LINES[0], 42]))
    assert isinstance(terr.value, TypeError) and "line 2 is int" in str(terr.value)
    with pytest.raises(soc_core.ConfigError, match="since 'soon'"):
        soc_core.Pipeline.from_config({"store": {"path": ":memory:"}}).alerts(since="soon")
    assert type(exc.value).__module__ == "soc_core"


def test_typed_indicators_follow_the_extraction_rules():
    e = soc_core.Attack()
    assert e.enrich("T1110.001")[0].summary.startswith("T1110.001")
    # A name without a public suffix is not a domain, from a str or a dict alike.
    for bad in ["evil.invalidtld", {"kind": "domain", "value": "evil.invalidtld"}]:
        with pytest.raises(soc_core.IocError, match="is not a valid"):
            e.enrich(bad)


class _KeyEcho(helpers.Handler):
    keys: list = []

    def do_GET(self):  # noqa: N802
        type(self).keys.append(self.headers.get("x-apikey"))
        body = json.dumps({"data": {"attributes": {"last_analysis_stats": {"malicious": 0, "harmless": 1}}}}).encode()
        self.reply(200, body)


def test_api_key_references_resolve_like_soc_toml(monkeypatch, http_server):
    url = http_server(_KeyEcho)
    monkeypatch.setenv("SOC_TEST_VT_KEY", "key-from-env-123")
    e = soc_core.Enrichers.from_config(
        {"providers": ["virustotal"], "virustotal": {"api_key": "${SOC_TEST_VT_KEY}", "base_url": url}}
    )
    e.enrich("198.51.100.23")
    assert _KeyEcho.keys == ["key-from-env-123"], "the reference is resolved, not sent as text"
    assert "key-from-env-123" not in repr(e)
    monkeypatch.delenv("SOC_TEST_VT_KEY")
    with pytest.raises(soc_core.AuthError, match="SOC_TEST_VT_KEY is not set"):
        soc_core.Enrichers.from_config(
            {"providers": ["virustotal"], "virustotal": {"api_key": "${SOC_TEST_VT_KEY}", "base_url": url}}
        )


def _authlog(path, failures=30):
    lines = [
        f"Nov 21 02:{19 + i // 10:02d}:{(i % 10) * 6:02d} web01 sshd[{3000 + i}]: "
        f"Failed password for root from 203.0.113.50 port {40000 + i} ssh2"
        for i in range(failures)
    ]
    path.write_text("\n".join(lines) + "\n")


def test_failing_python_steps_are_kept_and_reported(tmp_path):
    _authlog(tmp_path / "auth.log")
    cfg = {
        "store": {"path": str(tmp_path / "state.db")},
        "run": {"offline": True},
        "sources": [{"kind": "ssh", "path": str(tmp_path / "auth.log")}],
    }

    class Broken:
        name = "broken"

        def score(self, alert):
            raise RuntimeError("model server down")

    class Pager:
        def respond(self, alert, dry_run):
            raise RuntimeError("pager unreachable")

    p = soc_core.Pipeline.from_config(cfg)
    p.set_scorer(Broken())
    p.add_responder(Pager())
    run = p.run_once()
    assert run["ok"] is False
    assert any("scorer broken" in e and "model server down" in e for e in run["errors"])
    assert any("responder Pager" in e and "pager unreachable" in e for e in run["errors"])
    assert run["failed_actions"] >= 1
    [alert] = [a for a in p.alerts() if a["kind"] == "ssh.brute_force"]
    factors = {f["name"]: f for f in alert["score"]["factors"]}
    assert "model server down" in factors["scorer_error"]["detail"]
    assert alert["score"]["value"] > 0, "scored by severity, not silently zero"
    assert "FAILED" in p.summary()
    assert p.last_run["ok"] is False
    clean = soc_core.Pipeline.from_config({**cfg, "store": {"path": str(tmp_path / "other.db")}}).run_once()
    assert clean["ok"] is True and clean["errors"] == []


def test_dry_run_means_what_firewall_dry_run_means(tmp_path):
    base = {"store": {"path": str(tmp_path / "s.db")}, "run": {"offline": True}}
    assert soc_core.Pipeline.from_config(base).mode == "dry_run"
    assert soc_core.Pipeline.from_config(base, dry_run=True).mode == "dry_run"
    assert soc_core.Pipeline.from_config(base, dry_run=False).mode == "live"
    live_cfg = {**base, "response": {"dry_run": False}}
    assert soc_core.Pipeline.from_config(live_cfg).mode == "live"
    assert soc_core.Pipeline.from_config(live_cfg, dry_run=True).mode == "dry_run"
    assert soc_core.Firewall().dry_run is True and soc_core.Firewall().backend == "nft"


def test_since_takes_the_cli_forms(tmp_path):
    p = soc_core.Pipeline.from_config({"store": {"path": str(tmp_path / "s.db")}, "run": {"offline": True}})
    for since in ["24h", "7d", "all", "2026-01-01T00:00:00Z"]:
        assert p.alerts(since=since) == []
        assert p.actions(since=since) == []


def test_firewall_block_is_audited_like_soc_block(tmp_path):
    state = str(tmp_path / "state.db")
    fw = soc_core.Firewall(dry_run=True, state=state)
    fw.block("203.0.113.7")
    p = soc_core.Pipeline.from_config({"store": {"path": state}, "run": {"offline": True}})
    assert p.actions() == [], "dry-run operator actions change nothing and are not audited (as soc block)"


def test_config_file_paths_are_relative_to_its_folder(tmp_path, monkeypatch):
    conf = tmp_path / "etc"
    conf.mkdir()
    _authlog(conf / "auth.log")
    (conf / "soc.toml").write_text(
        '[store]\npath = "state.db"\n\n[run]\noffline = true\n\n[[sources]]\nkind = "ssh"\npath = "auth.log"\n'
    )
    elsewhere = tmp_path / "notebooks"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    p = soc_core.Pipeline.from_config(str(conf / "soc.toml"))
    assert p.run_once()["records"] == 30, "the source path is read relative to the config file"
    assert (conf / "state.db").exists(), "the state goes where the config says"
    assert not (elsewhere / "state.db").exists()
