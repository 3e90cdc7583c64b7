#!/usr/bin/env bash
# Compare soc's SSH parser with baselines on the same generated auth.log.
# Usage: benches/compare/ssh_compare.sh [LINES]   (run from the repo root; never run in tests)
# Creates a throwaway venv in $TMPDIR for fail2ban-regex when pip can install it.
set -euo pipefail
LINES=${1:-1000000}
DATA=benches/data/auth.log
cargo run -q --release -p soc-benches --bin gen-authlog -- "$LINES" "$DATA"
cargo build -q --release -p soc-cli
t() { local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s.%N); python3 -c "print(f'{$LINES/($e-$s):,.0f} lines/s  ({$e-$s:.2f}s)')"; }
echo "soc ssh --summary:";        t target/release/soc ssh "$DATA" --summary --format jsonl
echo "naive python regex loop:";  t python3 -c "
import re,sys
r=re.compile(r'Failed password for (?:invalid user )?(\S+) from (\S+) port (\d+)')
n=0
for l in open('$DATA', encoding='utf-8', errors='replace'):
    m=r.search(l)
    if m: n+=1
print(n)"
if command -v rg >/dev/null; then echo "ripgrep failed-password regex:"; t rg -c 'Failed password for (invalid user )?\S+ from \S+ port \d+' "$DATA"; fi
echo "grep -c:";                  t grep -c 'Failed password' "$DATA"
VENV=$(mktemp -d)/venv
if python3 -m venv "$VENV" && "$VENV/bin/pip" -q install fail2ban >/dev/null 2>&1; then
  echo "fail2ban-regex (sshd filter):"; t "$VENV/bin/fail2ban-regex" "$DATA" sshd
else
  echo "fail2ban-regex: not installable here, skipped"
fi
rm -rf "$(dirname "$VENV")"
