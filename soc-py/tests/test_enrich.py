import json
import pickle
import threading
import time

import helpers
import pytest

import soc_core

INTERNETDB = {
    "cpes": [],
    "hostnames": ["vps-23.example-hosting.example"],
    "ip": "198.51.100.23",
    "ports": [22, 80],
    "tags": [],
    "vulns": ["CVE-2023-38408"],
}


class _Handler(helpers.Handler):
    hits: list = []
    delay = 0.0

    def do_GET(self):  # noqa: N802
        type(self).hits.append(self.path)
        time.sleep(type(self).delay)
        if self.path == "/198.51.100.23":
            body, status = json.dumps(INTERNETDB).encode(), 200
        elif self.path.startswith("/ip_addresses/"):
            body, status = b'{"error":{"code":"WrongCredentialsError","message":"Wrong API key"}}', 401
        else:
            body, status = b'{"detail":"No information available"}', 404
        self.reply(status, body)


@pytest.fixture()
def server(http_server):
    _Handler.hits = []
    _Handler.delay = 0.0
    return http_server(_Handler), _Handler


@pytest.fixture()
def threat_list(tmp_path):
    p = tmp_path / "feodo.txt"
    p.write_text("# Feodo\n198.51.100.172 Emotet\n203.0.113.0/24\n")
    return p


def test_attack_enricher_and_table():
    (e,) = soc_core.Attack().enrich("T1110.001")
    assert e.provider == "attack"
    assert e.summary == "T1110.001 Password Guessing (credential-access)"
    refs = soc_core.attack_for_kind("ssh.brute_force")
    assert [r["technique_id"] for r in refs] == ["T1110", "T1110.001"]


def test_local_lists_match_and_miss(threat_list):
    lists = soc_core.LocalLists(threat_list)
    (hit,) = lists.enrich("198.51.100.172")
    assert (hit.verdict, hit.score) == ("malicious", 90)
    assert hit.summary == "listed in feodo (Emotet)"
    (miss,) = lists.enrich({"kind": "ipv4", "value": "192.0.2.1"})
    assert miss.verdict == "unknown"
    assert lists.providers == ["lists"]


def test_enrichment_to_dict_repr_and_pickle(threat_list):
    (e,) = soc_core.LocalLists([threat_list]).enrich("203.0.113.5")
    d = e.to_dict()
    assert d["provider"] == "lists" and d["kind"] == "ipv4" and d["verdict"] == "malicious"
    assert "feodo" in d["facts"]["tags"]
    assert "verdict='malicious'" in repr(e) or 'verdict="malicious"' in repr(e)
    again = pickle.loads(pickle.dumps(e))
    assert again == e
    assert again.summary == e.summary


def test_custom_enrichment_validates_verdict():
    e = soc_core.Enrichment(provider="mine", indicator="evil.example", kind="domain", verdict="suspicious", score=40)
    assert (e.kind, e.verdict, e.score) == ("domain", "suspicious", 40)
    with pytest.raises(ValueError):
        soc_core.Enrichment(verdict="evil")


def test_internetdb_against_local_server_and_cache(server, tmp_path):
    url, handler = server
    idb = soc_core.InternetDB(base_url=url, cache=str(tmp_path / "c.db"))
    (e,) = idb.enrich("198.51.100.23")
    assert e.verdict == "suspicious"
    assert e.facts["hostnames"] == ["vps-23.example-hosting.example"]
    (again,) = idb.enrich("198.51.100.23")
    assert again.cached
    assert handler.hits == ["/198.51.100.23"]
    stats = idb.stats()
    assert (stats["requests"], stats["cache_hits"]) == (1, 1)


def test_enrich_many_dedups_and_keeps_order(server):
    url, handler = server
    idb = soc_core.Enrichers.from_config(
        {"providers": ["internetdb"], "internetdb": {"base_url": url, "rate_per_min": 10000}}
    )
    out = idb.enrich_many(["198.51.100.23", "203.0.113.9", "198.51.100.23"])
    assert [r[0].indicator for r in out] == ["198.51.100.23", "203.0.113.9", "198.51.100.23"]
    assert out[1][0].summary == "no data in InternetDB"
    assert sorted(handler.hits) == ["/198.51.100.23", "/203.0.113.9"]


def test_gil_is_released_while_waiting(server):
    url, handler = server
    handler.delay = 0.3
    idb = soc_core.InternetDB(base_url=url)
    ticks = []
    stop = threading.Event()

    def ticker():
        while not stop.is_set():
            ticks.append(1)
            time.sleep(0.01)

    t = threading.Thread(target=ticker)
    t.start()
    idb.enrich("198.51.100.23")
    stop.set()
    t.join()
    # The ticker ran during the 0.3 s lookup only if the GIL was released.
    assert len(ticks) >= 5


def test_errors_raise_typed_exceptions(server):
    url, _ = server
    vt = soc_core.VirusTotal(api_key="secret-key-xyz", base_url=url)
    with pytest.raises(soc_core.AuthError) as exc:
        vt.enrich("198.51.100.23")
    assert "Wrong API key" in str(exc.value)
    assert "secret-key-xyz" not in str(exc.value)
    assert vt.enrich("198.51.100.23", errors="ignore") == []
    assert "secret-key-xyz" not in repr(vt)


def test_config_errors():
    with pytest.raises(soc_core.ConfigError, match="unknown keyword 'no_such_key'; valid keywords: .*virustotal"):
        soc_core.Enrichers.from_config({"no_such_key": 1})
    with pytest.raises(soc_core.ConfigError) as exc:
        soc_core.Enrichers.provider("virustotl")
    assert str(exc.value).startswith("unknown provider 'virustotl'; known providers: virustotal,")
    assert "does not support" not in str(exc.value)
    # A missing list file is FileNotFoundError (as the README says), without a ":0:" artefact.
    with pytest.raises(FileNotFoundError) as missing:
        soc_core.LocalLists("/nonexistent/intel.txt")
    assert str(missing.value).startswith("/nonexistent/intel.txt: cannot read: ")
    # Not an indicator: an IocError, which is also a ValueError.
    with pytest.raises(soc_core.IocError, match="is not a valid indicator"):
        soc_core.Attack().enrich("not an indicator at all")
    with pytest.raises(ValueError):
        soc_core.Attack().enrich("not an indicator at all")


def test_offline_config_uses_only_local_providers(threat_list):
    e = soc_core.Enrichers.from_config({"lists": {"paths": [str(threat_list)]}}, offline=True)
    assert e.providers == ["lists", "attack"]
