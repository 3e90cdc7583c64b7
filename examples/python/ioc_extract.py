#!/usr/bin/env python3
"""IOC extraction from a threat report: the classic pile of regexes (that
miss defanged `hxxp://evil[.]com`, IPv6 and half the hash formats) done with
soc: one defang-aware pass, validated and deduplicated indicators, printed
per kind and, with -o, written to CSV with their defanged form for sharing.

Usage: ioc_extract.py REPORT [-o OUT.csv] [--kinds ipv4,domain,url,sha256]
"""

import argparse
import csv
import sys
from collections import defaultdict
from pathlib import Path

import soc_core

DATA = Path(__file__).resolve().parent.parent / "data"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("report", nargs="?", default=str(DATA / "threat-report.txt"))
    ap.add_argument("-o", "--output")
    ap.add_argument("--kinds", help="comma-separated kinds to keep")
    args = ap.parse_args(argv)
    kinds = args.kinds.split(",") if args.kinds else None
    found = soc_core.extract_iocs_from_file(args.report, kinds=kinds)
    by_kind = defaultdict(list)
    for ind in found:
        by_kind[ind.kind].append(ind)
    for kind in sorted(by_kind):
        print(f"{kind} ({len(by_kind[kind])})")
        for ind in by_kind[kind]:
            print(f"    {ind.value}  x{ind.count}")
    if args.output:
        with open(args.output, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["kind", "value", "defanged", "count"])
            for ind in found:
                w.writerow([ind.kind, ind.value, soc_core.defang(ind), ind.count])
    print(f"{len(found)} indicators")
    return 0


if __name__ == "__main__":
    sys.exit(main())
