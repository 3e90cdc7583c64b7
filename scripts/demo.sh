#!/usr/bin/env bash
# The demo: soc on bundled sample data, offline and in dry-run, with a fresh
# temporary state file each time. Usage: scripts/demo.sh [path/to/soc]
set -euo pipefail
SOC=${1:-target/release/soc}
cd "$(dirname "$0")/.."
case "$SOC" in /*) ;; *) SOC="$PWD/$SOC" ;; esac
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
export SOC_DEMO_STATE="$TMP/state.db" SOC_DEMO_TICKETS="$TMP/tickets.jsonl"
CONFIG=examples/demo.toml

echo "== IOC extraction from examples/data/threat-report.txt =="
"$SOC" iocs --format table examples/data/threat-report.txt
echo

echo "== The pipeline configuration ($CONFIG) =="
"$SOC" config check --config "$CONFIG" 2>&1 | sed -n '1,8p'
echo

echo "== soc run --once: auth.log + eve.json -> detect -> enrich (offline) -> score -> playbook (dry-run) =="
"$SOC" run --once --config "$CONFIG" --summary --metrics-json "$TMP/metrics.json"
echo

echo "== Run it again (what cron does every minute): nothing new, no duplicate action =="
"$SOC" run --once --config "$CONFIG"
echo

echo "== soc status =="
"$SOC" status --config "$CONFIG"
echo

echo "== soc report (markdown; --format html gives charts) =="
"$SOC" report --config "$CONFIG" --since all --format md | sed -n '1,40p'
"$SOC" report --config "$CONFIG" --since all --format html -o "$TMP/report.html"
echo
echo "demo finished: dry-run only, nothing was changed on this machine."

# Keep this run's state for the dashboard (the temporary folder goes away).
mkdir -p target/demo
for f in "$SOC_DEMO_STATE" "$SOC_DEMO_STATE-wal" "$SOC_DEMO_STATE-shm"; do
  if [ -e "$f" ]; then cp "$f" "target/demo/$(basename "$f")"; fi
done
echo
echo "== The live dashboard on this demo's state (loopback only; Ctrl-C to stop) =="
echo "  SOC_DEMO_STATE=$PWD/target/demo/state.db $SOC serve --config $CONFIG"
echo "  then open http://127.0.0.1:8080/"
