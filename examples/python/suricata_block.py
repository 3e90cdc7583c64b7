#!/usr/bin/env python3
"""Suricata alerts to firewall blocks, in dry-run: the classic "jq the
alerts out of eve.json and iptables -A every source" script, done safely:
scored alerts, an allow-list, one idempotent block per source, and the exact
nft commands shown instead of run.

Usage: suricata_block.py [EVE_JSON] [--allow CIDR ...]
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
    ap.add_argument("eve", nargs="?", default=str(DATA / "eve.json"))
    ap.add_argument("--allow", action="append", default=[], help="never block these")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        p = soc_core.Pipeline.from_config({
            "store": {"path": str(Path(tmp) / "state.db")},
            "run": {"offline": True},
            "sources": [{"kind": "eve", "path": args.eve}],
            # Strict thresholds: most external alert sources get blocked (dry-run).
            "score": {"thresholds": {"medium": 10.0, "high": 20.0, "critical": 30.0}},
            "response": {"dry_run": True},
            "firewall": {"backend": "nftables", "default_duration": "1h", "allow": args.allow},
        }, dry_run=True)
        m = p.run_once()
        print(f"{m['events_by_kind'].get('suricata.alert', 0)} Suricata alerts, {m['alerts']} scored")
        blocks = [a for a in p.actions() if a["responder"] == "firewall"]
        seen = set()
        for b in blocks:
            if b["target"] in seen:
                continue
            seen.add(b["target"])
            status = b["outcome"]["status"]
            print(f"block {b['target']}: {status}")
            for argv_ in b.get("commands", []):
                print("    " + " ".join(argv_))
            if status in ("skipped", "failed"):
                print(f"    refused: {b['outcome'].get('reason', '')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
