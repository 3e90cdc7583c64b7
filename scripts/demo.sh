#!/usr/bin/env bash
# The demo: soc on bundled sample data, offline and in dry-run.
set -euo pipefail
SOC=${1:-target/release/soc}
cd "$(dirname "$0")/.."
echo "== IOC extraction from examples/data/threat-report.txt =="
"$SOC" iocs --format table examples/data/threat-report.txt
