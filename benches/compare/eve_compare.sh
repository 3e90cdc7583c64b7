#!/usr/bin/env bash
# Compare soc's EVE reader with baselines on the same generated eve.json.
# Usage: benches/compare/eve_compare.sh [MIB]   (run from the repo root; never run in tests)
set -euo pipefail
AMOUNT=${1:-200} UNIT=MiB
DATA=benches/data/eve.json
. benches/compare/common.sh
generate gen-eve "$DATA"
echo "soc eve --summary (typed parse):"; t target/release/soc eve "$DATA" --summary --format jsonl
echo "soc eve --alerts (fast path):";    t target/release/soc eve "$DATA" --alerts --format jsonl
echo "python json.loads loop:";          t python3 -c "
import json
n=0
for l in open('$DATA'):
    if json.loads(l).get('event_type')=='alert': n+=1
print(n)"
if command -v jq >/dev/null; then echo "jq select alerts:"; t jq -c 'select(.event_type=="alert")' "$DATA"; fi
# Through a pipe: GNU grep writing to /dev/null stops at the first match.
echo "grep -c alerts:";                  t sh -c "grep -c '\"event_type\":\"alert\"' '$DATA' | cat"
