#!/usr/bin/env bash
# Whole-pipeline speed vs bare parsing, on the generated 1M-line auth.log and
# ~200 MiB eve.json: times `soc ssh --events` and `soc eve --summary` (the bare
# parse times) and `soc run --once` over both (offline enrichment, dry-run
# playbook; the default 2 threads, then --threads 1 for the scaling), and
# prints the ratio and the peak RSS of each (/usr/bin/time -v).
# Target: run <= 1.5 x (ssh + eve), peak RSS < 200 MiB. With SOC_BASELINE set
# to an older soc binary, also runs it and checks both give the same alerts
# and action records (benches/compare/pipeline_equiv.py).
# Usage: benches/compare/pipeline.sh [AUTH_LINES] [EVE_MIB]
set -euo pipefail
cd "$(dirname "$0")/../.."
LINES=${1:-1000000}
MIB=${2:-200}
DATA=benches/data
mkdir -p "$DATA"
cargo build --release -q -p soc-cli
cargo build --release -q -p soc-benches --bin gen-authlog --bin gen-eve
SOC=target/release/soc
[ -s "$DATA/auth.log" ] || target/release/gen-authlog "$LINES" "$DATA/auth.log"
[ -s "$DATA/eve.json" ] || target/release/gen-eve "$MIB" "$DATA/eve.json"

TIME=/usr/bin/time
if ! [ -x "$TIME" ]; then
  echo "note: /usr/bin/time missing (apt-get install time); peak RSS not measured" >&2
  TIME=""
fi

# measure NAME CMD... -> prints "NAME wall_seconds rss_kib cpu_seconds"
# (cpu = user + sys: the figure to compare on a loaded machine)
measure() {
  local name=$1; shift
  local log; log=$(mktemp)
  local start end
  start=$(date +%s.%N)
  if [ -n "$TIME" ]; then
    "$TIME" -v "$@" >/dev/null 2>"$log"
  else
    "$@" >/dev/null 2>"$log"
  fi
  end=$(date +%s.%N)
  local rss cpu
  rss=$(awk -F: '/Maximum resident set size/ {gsub(/ /,"",$2); print $2}' "$log")
  cpu=$(awk -F: '/(User|System) time \(seconds\)/ {s += $2} END {print s + 0}' "$log")
  rm -f "$log"
  echo "$name $(echo "$end - $start" | bc -l) ${rss:-0} ${cpu:-0}"
}

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
# config STORE [EXTRA]: the run's soc.toml
config() {
  cat <<TOML
[store]
path = "$1"
[run]
offline = true
[[sources]]
kind = "ssh"
path = "$PWD/$DATA/auth.log"
[[sources]]
kind = "eve"
path = "$PWD/$DATA/eve.json"
[response]
dry_run = true
${2:-}
TOML
}
config "$TMP/state.db" > "$TMP/soc.toml"

read -r _ t_ssh r_ssh c_ssh < <(measure ssh "$SOC" ssh --events --format jsonl "$DATA/auth.log")
read -r _ t_eve r_eve c_eve < <(measure eve "$SOC" eve --summary --format jsonl "$DATA/eve.json")
read -r _ t_run r_run c_run < <(measure run "$SOC" run --once -q --config "$TMP/soc.toml")
# The same run on one thread (the SSH lane parses on --threads threads):
# the scaling from 1 to 2.
config "$TMP/state1.db" > "$TMP/soc1.toml"
read -r _ t_run1 r_run1 c_run1 < <(measure run1 "$SOC" run --once -q --threads 1 --config "$TMP/soc1.toml")
sum=$(echo "$t_ssh + $t_eve" | bc -l)
ratio=$(echo "$t_run / $sum" | bc -l)
cpu_ratio=$(echo "$c_run / ($c_ssh + $c_eve)" | bc -l)
row() { printf '%-34s %7.2f s wall %7.2f s CPU  peak RSS %5d MiB\n' "$1" "$2" "$4" $(($3 / 1024)); }
row "soc ssh --events ($LINES lines)" "$t_ssh" "$r_ssh" "$c_ssh"
row "soc eve --summary ($MIB MiB)" "$t_eve" "$r_eve" "$c_eve"
row "soc run --once (both)" "$t_run" "$r_run" "$c_run"
row "soc run --once --threads 1" "$t_run1" "$r_run1" "$c_run1"
printf 'ratio run / (ssh + eve) = %.2f wall, %.2f CPU (target <= 1.5); run peak RSS %d MiB (target < 200)\n' \
  "$ratio" "$cpu_ratio" $((r_run / 1024))

# SOC_BASELINE=/path/to/an/older/soc: the same run with that binary, then a
# comparison of the two stores' alerts and action records
# (pipeline_equiv.py). Both runs use the same config; for a baseline built
# before #14 (no IPv6 aggregation) set SOC_NEW_EXTRA="$(printf '[detect]\nipv6_prefix = 128')".
if [ -n "${SOC_BASELINE:-}" ]; then
  config "$TMP/old.db" > "$TMP/old.toml"
  config "$TMP/new.db" "${SOC_NEW_EXTRA:-}" > "$TMP/new.toml"
  read -r _ t_old r_old c_old < <(measure old "$SOC_BASELINE" run --once -q --config "$TMP/old.toml")
  read -r _ t_new r_new c_new < <(measure new "$SOC" run --once -q --config "$TMP/new.toml")
  row "baseline run --once" "$t_old" "$r_old" "$c_old"
  row "this run --once" "$t_new" "$r_new" "$c_new"
  python3 benches/compare/pipeline_equiv.py "$TMP/old.db" "$TMP/new.db"
fi
