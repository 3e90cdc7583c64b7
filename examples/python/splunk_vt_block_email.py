#!/usr/bin/env python3
"""Splunk search -> VirusTotal -> block -> email: the classic chained SOC
script (splunk-sdk export, a VT loop with sleeps, iptables, smtplib), done as
one soc pipeline: a Splunk export source, the VirusTotal enricher (rate
limits, cache, retries in Rust), the weighted scorer and playbook (block in
dry-run), plus a Python responder that emails the team about every alert the
playbook blocks.

Without arguments it runs against local mocks on 127.0.0.1: a Splunk export
endpoint and a VirusTotal API (tiny http.server mocks) and an SMTP server
(aiosmtpd), so it needs no network and no credentials.

Usage: splunk_vt_block_email.py [--splunk URL --vt URL --smtp HOST:PORT]
"""

import argparse
import json
import smtplib
import socket
import sys
import tempfile
from email.message import EmailMessage
from pathlib import Path

import soc_core

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import MockServer  # noqa: E402

ATTACKER = "203.0.113.50"


def splunk_export(_form):
    """What Splunk's export endpoint streams: one JSON object per line."""
    rows = []
    for i in range(12):
        raw = (f"Nov 21 02:19:{i * 4:02d} web01 sshd[{3000 + i}]: Failed password for root "
               f"from {ATTACKER} port {40000 + i} ssh2")
        rows.append({"preview": False, "offset": i, "result": {"_raw": raw, "host": "web01", "sourcetype": "linux_secure"}})
    rows[-1]["lastrow"] = True
    return 200, "".join(json.dumps(r) + "\n" for r in rows)


def vt_ip(path):
    ip = path.strip("/")
    malicious = 12 if ip == ATTACKER else 0
    body = {"data": {"id": ip, "type": "ip_address", "attributes": {
        "as_owner": "Example Hosting", "asn": 64500, "country": "NL", "reputation": -40,
        "last_analysis_stats": {"malicious": malicious, "suspicious": 1, "undetected": 20, "harmless": 60, "timeout": 0}}}}
    return 200, json.dumps(body)


class EmailOnBlock:
    """A Python responder: emails the team about each alert (once per alert)."""

    name = "email_team"

    def __init__(self, host, port, to):
        self.host, self.port, self.to = host, port, to
        self.sent = 0

    def respond(self, alert, dry_run):
        msg = EmailMessage()
        msg["From"] = "soc@example.org"
        msg["To"] = self.to
        msg["Subject"] = f"[soc] {alert['title']}"
        verdicts = ", ".join(f"{e['provider']}: {e['verdict']} ({e['summary']})" for e in alert["enrichments"])
        msg.set_content(f"{alert['title']}\nsource: {alert.get('src_ip')}\nintel: {verdicts}\n")
        with smtplib.SMTP(self.host, self.port, timeout=10) as s:
            s.send_message(msg)
        self.sent += 1
        return {"action": "notify", "target": self.to, "detail": "emailed", "status": "done"}


def run(splunk_url, vt_url, smtp_host, smtp_port, state):
    p = soc_core.Pipeline.from_config({
        "store": {"path": state},
        "sources": [{"kind": "ssh", "splunk": {
            "url": splunk_url, "query": "index=linux sourcetype=linux_secure \"Failed password\"",
            "token": "mock-token", "earliest": "-15m"}}],
        "enrich": {"providers": ["virustotal"], "virustotal": {"api_key": "mock-key", "base_url": vt_url}},
        "score": {"thresholds": {"medium": 20.0, "high": 40.0, "critical": 60.0}},
        "response": {"dry_run": True},
        "firewall": {"default_duration": "1h"},
    })
    mailer = EmailOnBlock(smtp_host, smtp_port, "soc-team@example.org")
    p.add_responder(mailer)
    m = p.run_once()
    print(f"splunk: {m['records']} results; alerts: {m['alerts']}; VirusTotal requests: {m['enrich']['requests']}")
    for a in p.alerts():
        vt = [e for e in a["enrichments"] if e["provider"] == "virustotal"]
        print(f"{a['kind']} from {a.get('src_ip')}: risk {a['score']['level']} ({a['score']['value']:.0f}); "
              f"VirusTotal: {vt[0]['summary'] if vt else 'n/a'}")
    for b in p.actions():
        if b["responder"] == "firewall":
            print(f"block {b['target']} ({b['outcome']['status']}):")
            for argv in b.get("commands", []):
                print("    " + " ".join(argv))
    print(f"emails sent: {mailer.sent}")
    return m, mailer.sent


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--splunk")
    ap.add_argument("--vt")
    ap.add_argument("--smtp")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        state = str(Path(tmp) / "state.db")
        if args.splunk and args.vt and args.smtp:
            host, port = args.smtp.rsplit(":", 1)
            run(args.splunk, args.vt, host, int(port), state)
            return 0
        from aiosmtpd.controller import Controller

        class Inbox:
            def __init__(self):
                self.messages = []

            async def handle_DATA(self, server, session, envelope):
                self.messages.append(envelope)
                return "250 OK"

        inbox = Inbox()
        with socket.socket() as probe:  # a free port for the SMTP server
            probe.bind(("127.0.0.1", 0))
            smtp_port = probe.getsockname()[1]
        smtp = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
        smtp.start()
        try:
            with MockServer(post_routes={"/services/search/jobs/export": splunk_export}) as splunk, \
                    MockServer(get_routes={"/api/v3/ip_addresses/": vt_ip}) as vt:
                _, sent = run(splunk.url, vt.url + "/api/v3", "127.0.0.1", smtp_port, state)
                auth = [h for (_, path, h) in vt.requests if path.startswith("/api/v3/")]
                if not auth or any({k.lower(): v for k, v in h.items()}.get("x-apikey") != "mock-key" for h in auth):
                    print("VirusTotal mock did not see the API key header")
                    return 1
        finally:
            smtp.stop()
        print(f"mock SMTP server received {len(inbox.messages)} message(s)")
        if sent != len(inbox.messages):
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
