"""soc_core.serve: the live dashboard started from Python."""

import urllib.error
import urllib.request

import helpers
import pytest

import soc_core

EVIL = "<img src=x onerror=alert(1)>"


def config(tmp_path):
    lines = [
        f"Nov 21 02:19:{i:02d} web01 sshd[{3000 + i}]: "
        f"Failed password for invalid user {EVIL} from 203.0.113.50 port {40000 + i} ssh2"
        for i in range(12)
    ]
    log = tmp_path / "auth.log"
    log.write_text("\n".join(lines) + "\n")
    return helpers.run_config(tmp_path, log)


def get(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        return r.status, r.read().decode()


def test_serve_in_the_background_shows_the_pipeline_alerts(tmp_path):
    cfg = config(tmp_path)
    soc_core.Pipeline.from_config(cfg).run_once()
    with soc_core.serve(cfg, "127.0.0.1:0", user="notebook", block=False) as dash:
        assert dash.running
        assert dash.url.startswith("http://127.0.0.1:")
        assert "running=True" in repr(dash)
        status, body = get(dash.url + "inbox")
        assert status == 200
        assert "203.0.113.50" in body
        assert EVIL not in body, "hostile user name is escaped"
        assert "&lt;img src=x onerror=alert(1)&gt;" in body
        assert "notebook (analyst)" in body
    assert not dash.running
    dash.stop()  # idempotent
    with pytest.raises(urllib.error.URLError):
        get(dash.url)


def test_serve_refuses_bad_listen_and_open_non_loopback(tmp_path, monkeypatch):
    cfg = config(tmp_path)
    for var in ("SOC_SERVE_TOKEN", "SOC_SERVE_PASSWORD_HASH", "SOC_SERVE_VIEWER_TOKEN", "SOC_SERVE_VIEWER_PASSWORD_HASH"):
        monkeypatch.delenv(var, raising=False)
    with pytest.raises(ValueError, match="listen"):
        soc_core.serve(cfg, "nowhere", block=False)
    with pytest.raises(soc_core.ConfigError, match="without authentication"):
        soc_core.serve(cfg, "0.0.0.0:0", block=False)
    with pytest.raises(TypeError):
        soc_core.serve(42, block=False)
