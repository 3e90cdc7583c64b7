#!/usr/bin/env python3
"""IP reputation check to CSV: the classic "loop over IPs, call the
VirusTotal API, sleep(15), write a CSV" script, done with soc: each IP goes
through the configured enrichers (rate limits, cache, retries handled in
Rust), here the offline local threat-intel list, and the verdicts land in a CSV.

Usage: ip_reputation_csv.py IPS.txt [-o OUT.csv] [--list THREAT_LIST ...]
"""

import argparse
import csv
import json
import sys
import tempfile
from pathlib import Path

import soc_core

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import DATA  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("ips", help="file with one IP per line")
    ap.add_argument("-o", "--output", default="-")
    ap.add_argument("--list", action="append", default=None, help="local threat-intel list(s)")
    args = ap.parse_args(argv)
    lists = args.list or [str(DATA / "threat-intel.txt")]
    ips = [line.strip() for line in Path(args.ips).read_text().splitlines() if line.strip() and not line.startswith("#")]
    with tempfile.TemporaryDirectory() as tmp:
        # Each IP becomes a generic alert, so the pipeline enriches it.
        alerts = Path(tmp) / "ips.jsonl"
        alerts.write_text("".join(json.dumps({"src_ip": ip, "signature": f"reputation check {ip}"}) + "\n" for ip in ips))
        p = soc_core.Pipeline.from_config({
            "store": {"path": str(Path(tmp) / "state.db")},
            "run": {"offline": True, "enrich_private": True},
            "sources": [{"kind": "alerts", "path": str(alerts)}],
            "enrich": {"lists": {"paths": lists}},
            "response": {"dry_run": True, "playbook": {"levels": {"low": ["record"], "medium": ["record"], "high": ["record"], "critical": ["record"]}}},
        })
        p.run_once()
        rows = {}
        for a in p.alerts():
            ip = a.get("src_ip")
            for e in a["enrichments"]:
                if e["indicator"] == ip:
                    rows[ip] = (e["provider"], e["verdict"], e["score"], e["summary"])
    out = sys.stdout if args.output == "-" else open(args.output, "w", newline="")
    w = csv.writer(out)
    w.writerow(["ip", "provider", "verdict", "score", "summary"])
    for ip in ips:
        provider, verdict, score, summary = rows.get(ip, ("", "unknown", 0, "not enriched"))
        w.writerow([ip, provider, verdict, score, summary])
    if out is not sys.stdout:
        out.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
