#!/usr/bin/env python3
"""The brute-force script soc ssh --alerts replaces, written the usual way:
one regex for failed passwords, BSD timestamps through strptime, a deque of
failure times per source address, an alert when a source has 5 failures in
10 minutes (once until it goes quiet). One rule of soc's six, blind to
IPv6 networks, probes, key-only and pre-auth failures, successes after
failures and lines without an address. Context for benches/compare/ssh_compare.sh
(never run by the tests). Usage: naive_bruteforce.py AUTH_LOG [YEAR]"""
import collections
import datetime
import re
import sys

FAIL = re.compile(r"sshd(?:-session)?\[\d+\]: Failed \S+ for (?:invalid user )?(.*?) from (\S+) port \d+")
WINDOW = datetime.timedelta(minutes=10)
THRESHOLD = 5


def main(path, year):
    recent = collections.defaultdict(collections.deque)
    alerted = set()
    alerts = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            m = FAIL.search(line)
            if not m:
                continue
            t = datetime.datetime.strptime(f"{year} {line[:15]}", "%Y %b %d %H:%M:%S")
            src = m.group(2)
            q = recent[src]
            q.append(t)
            while q and t - q[0] > WINDOW:
                q.popleft()
            if len(q) < 2:
                alerted.discard(src)
            if len(q) >= THRESHOLD and src not in alerted:
                alerted.add(src)
                alerts.append((src, q[0].isoformat(), m.group(1)))
    print(len(alerts))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else datetime.date.today().year)
