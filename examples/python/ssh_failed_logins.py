#!/usr/bin/env python3
"""SSH failed-login report: the classic `grep "Failed password" auth.log |
awk | sort | uniq -c` script, done with soc: exact parsing (IPv6, odd user
names), brute-force / spraying / compromise detection, and a Markdown report.

Usage: ssh_failed_logins.py [AUTH_LOG] [--state DB]
"""

import argparse
import sys
import tempfile
from pathlib import Path

import soc_core

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import DATA  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("log", nargs="?", default=str(DATA / "auth.log"))
    ap.add_argument("--state", default=None, help="state store (default: a temporary one)")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        state = args.state or str(Path(tmp) / "state.db")
        p = soc_core.Pipeline.from_config({
            "store": {"path": state},
            "run": {"offline": True},
            "sources": [{"kind": "ssh", "path": args.log}],
            "response": {"dry_run": True},
        })
        m = p.run_once()
        failures = {k: v for k, v in m["events_by_kind"].items() if k.startswith("ssh.failed")}
        print(f"{m['records']} lines, {m['events']} sshd events, {sum(failures.values())} failed logins")
        by_source = {}
        for a in p.alerts():
            if a["kind"].startswith("ssh.") and a.get("src_ip"):
                by_source.setdefault(a["src_ip"], []).append(a)
        print(f"{'SOURCE':<28} {'ALERTS':>6} {'EVENTS':>6}  KINDS")
        for ip, alerts in sorted(by_source.items(), key=lambda kv: -sum(a["count"] for a in kv[1])):
            kinds = ",".join(sorted({a["kind"].removeprefix("ssh.") for a in alerts}))
            print(f"{ip:<28} {len(alerts):>6} {sum(a['count'] for a in alerts):>6}  {kinds}")
        compromised = [a for a in p.alerts() if a["kind"] == "ssh.success_after_failures"]
        for a in compromised:
            print(f"LIKELY COMPROMISE: {a['title']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
