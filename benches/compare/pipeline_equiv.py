#!/usr/bin/env python3
"""Compares what two `soc run` state stores hold: the alerts (id, kind,
title, count, first/last seen, source, user, evidence count) and the action
records (idempotency key, responder, action, target, alert, mode, outcome).
Run ids, timestamps of the run itself and row ids are ignored.

Usage: pipeline_equiv.py OLD.db NEW.db   (exit 0 when identical)
"""
import json
import sqlite3
import sys


def dump(path):
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    alerts = []
    for (row,) in db.execute("SELECT json FROM alerts ORDER BY id"):
        a = json.loads(row)
        alerts.append((a["id"], a["kind"], a.get("title"), a.get("count"),
                       a.get("first_seen"), a.get("last_seen"), a.get("src_ip"),
                       a.get("user"), len(a.get("events") or [])))
    actions = sorted(db.execute(
        "SELECT key, responder, action, target, alert_id, mode, status FROM actions"))
    return alerts, actions


def main():
    old, new = dump(sys.argv[1]), dump(sys.argv[2])
    ok = True
    for name, a, b in (("alerts", old[0], new[0]), ("actions", old[1], new[1])):
        if a == b:
            print(f"{name}: identical ({len(a)})")
            continue
        ok = False
        sa, sb = set(a), set(b)
        print(f"{name}: DIFFER: old {len(a)}, new {len(b)}; "
              f"only old {len(sa - sb)}, only new {len(sb - sa)}")
        for x in sorted(sa - sb)[:5]:
            print("  only old:", x)
        for x in sorted(sb - sa)[:5]:
            print("  only new:", x)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
