import json
import pickle

import helpers
import pytest

import soc_core

ALERT = {
    "kind": "ssh.brute_force",
    "title": "SSH brute force",
    "severity": "high",
    "src_ip": "203.0.113.9",
    "dst_port": 22,
    "count": 412,
    "enrichments": [
        {
            "provider": "abuseipdb", "kind": "ipv4", "indicator": "203.0.113.9",
            "verdict": "malicious", "score": 100, "facts": {}, "summary": "",
            "fetched_at": "2026-11-22T08:59:05Z", "ttl_secs": 60,
        }
    ],
}


def test_weighted_scorer_explains_and_adds_up():
    s = soc_core.WeightedScorer()
    score = s.score(ALERT)
    assert score["level"] == "critical"
    names = [f["name"] for f in score["factors"]]
    assert "abuseipdb_confidence" in names
    total = sum(f["contribution"] for f in score["factors"])
    assert score["value"] == min(100.0, max(0.0, total))
    assert s.name == "weighted"


def test_weighted_scorer_config_thresholds_and_pickle():
    s = soc_core.WeightedScorer({"assets": {"web01": 40.0}}, {"medium": 10, "high": 20, "critical": 99})
    low = {"kind": "x.y", "severity": "info", "host": "web01"}
    assert s.score(low)["value"] == 40.0
    assert s.score(low)["level"] == "high"
    s2 = pickle.loads(pickle.dumps(s))
    assert s2.score(low) == s.score(low)
    assert "WeightedScorer" in repr(s2)
    assert s2.to_dict()["config"]["assets"] == {"web01": 40.0}
    with pytest.raises(ValueError):
        soc_core.WeightedScorer({"no_such_weight": 1})
    with pytest.raises(ValueError):
        soc_core.WeightedScorer(None, {"medium": 90, "high": 10, "critical": 95})
    with pytest.raises(ValueError):
        s.score({"title": "no kind"})


def test_train_and_model_scorer(tmp_path):
    rows = []
    for i in range(120):
        tp = i % 3 == 0
        a = dict(ALERT, count=(50 + i * 7) if tp else (1 + i % 20))
        a["enrichments"] = [dict(ALERT["enrichments"][0], score=(60 + i % 40) if tp else (i % 50))]
        rows.append((soc_core.features(a), int(tp)))
    csv = tmp_path / "labeled.csv"
    csv.write_text(
        ",".join(soc_core.FEATURE_NAMES + ["label"]) + "\n"
        + "".join(",".join(map(str, f)) + f",{y}\n" for f, y in rows)
    )
    out = tmp_path / "model.json"
    report = soc_core.train(csv, out)
    assert report["accuracy"] > report["baseline_accuracy"]
    assert out.exists()
    m = soc_core.ModelScorer(out)
    sc = m.score(ALERT)
    assert sc["scorer"] == "model"
    assert abs(sum(f["contribution"] for f in sc["factors"]) - sc["value"]) < 1e-6
    m2 = pickle.loads(pickle.dumps(m))
    # JSON round trip of the weights may differ in the last bit.
    assert abs(m2.score(ALERT)["value"] - sc["value"]) < 1e-9
    assert m2.to_dict()["features"] == soc_core.FEATURE_NAMES
    with pytest.raises(soc_core.ScoreError):
        soc_core.train(tmp_path / "model.json")
    with pytest.raises(soc_core.ScoreError):
        soc_core.ModelScorer(csv)


def test_python_scorer_adapter():
    class Mine:
        name = "mine"

        def score(self, alert):
            return {"value": 77.0, "factors": [{"name": "custom", "contribution": 77.0, "detail": alert["kind"]}]}

    class Broken:
        def score(self, alert):
            raise RuntimeError("boom")

    [s] = soc_core.score_alerts([ALERT], Mine())
    assert s["scorer"] == "mine" and s["level"] == "high"
    # Called directly, a Python scorer's exception propagates (never a quiet Low score).
    with pytest.raises(RuntimeError, match="boom"):
        soc_core.score_alerts([ALERT], Broken())
    [s] = soc_core.score_alerts([ALERT])
    assert s["scorer"] == "weighted"
    with pytest.raises(ValueError):
        soc_core.score_alerts([ALERT], object())


def test_ticket_file_and_python_responder(tmp_path):
    tf = soc_core.TicketFile(path=str(tmp_path / "t.jsonl"))
    rec = tf.respond(ALERT)
    assert rec["outcome"] == {"status": "dry_run"}
    assert not (tmp_path / "t.jsonl").exists()
    tf.respond(ALERT, dry_run=False)
    tf.respond(ALERT, dry_run=False)
    assert len((tmp_path / "t.jsonl").read_text().splitlines()) == 1
    tf2 = pickle.loads(pickle.dumps(tf))
    assert tf2.name == "ticket_file"

    seen = []

    class Recorder:
        name = "recorder"

        def respond(self, alert, dry_run):
            seen.append((alert["kind"], dry_run))
            return {"action": "notify", "target": "me"}

    class Failing:
        def respond(self, alert, dry_run):
            raise RuntimeError("no way")

    recs = soc_core.run_responders(ALERT, [Recorder(), Failing(), tf], dry_run=True)
    assert seen == [("ssh.brute_force", True)]
    assert recs[0]["responder"] == "recorder" and recs[0]["target"] == "me"
    assert recs[0]["outcome"]["status"] == "dry_run"
    assert recs[1]["outcome"]["status"] == "failed" and "no way" in recs[1]["outcome"]["reason"]
    assert recs[2]["responder"] == "ticket_file"


class _Handler(helpers.Handler):
    bodies = []

    def do_POST(self):  # noqa: N802
        n = int(self.headers.get("content-length", 0))
        _Handler.bodies.append(json.loads(self.rfile.read(n)))
        status = 200 if self.path == "/ok" else 404
        body = b"ok" if status == 200 else b"channel_not_found"
        self.reply(status, body, "text/plain")


@pytest.fixture
def server(http_server):
    return http_server(_Handler)


def test_slack_notifier_live_and_errors(server):
    s = soc_core.SlackNotifier(url=server + "/ok", retry_backoff_ms=1)
    assert "<redacted>" in repr(s) and "/ok" not in repr(s)
    rec = s.respond(ALERT, dry_run=False)
    assert rec["outcome"] == {"status": "done"}
    assert "SSH brute force" in _Handler.bodies[-1]["text"]
    bad = soc_core.SlackNotifier(url=server + "/gone", max_retries=0)
    with pytest.raises(soc_core.RespondError, match="channel_not_found"):
        bad.respond(ALERT, dry_run=False)
    with pytest.raises(soc_core.RespondError, match="SOC_TEST_UNSET_VAR"):
        soc_core.SlackNotifier(url="${SOC_TEST_UNSET_VAR}")
    with pytest.raises(ValueError):
        soc_core.SlackNotifier(nope=1)


def test_email_and_ticket_constructors_dry_run():
    e = soc_core.EmailNotifier(host="mail.example.org", to=["a@example.org"])
    rec = e.respond(ALERT)
    assert "smtp://mail.example.org:587 (starttls)" in rec["requests"][0]
    h = soc_core.TheHive(url="https://hive.example", api_key="k3y")
    rec = h.respond(ALERT)
    assert rec["requests"] == ["POST https://hive.example/api/v1/alert"]
    assert "k3y" not in repr(h) and "k3y" not in json.dumps(h.to_dict())
    j = soc_core.Jira(url="https://jira.example", token="t")
    assert j.respond(ALERT)["action"] == "ticket"
    w = soc_core.WebhookNotifier(url="https://hooks.example/x/secret")
    assert "secret" not in w.respond(ALERT)["requests"][0]
