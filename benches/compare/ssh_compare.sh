#!/usr/bin/env bash
# Compare soc's SSH parser with baselines on the same generated auth.log.
# #16's target: soc ssh --summary and --alerts >= 2x the naive Python loop.
# Usage: benches/compare/ssh_compare.sh [LINES]   (run from the repo root; never run in tests)
# With SOC_BASELINE=/path/to/an/older/soc, also checks that both print the
# same `--summary`, `--events` and `--alerts` (`--format jsonl`, 1 and 2
# threads), byte for byte (a speed change must not change a row).
# Baselines: fail2ban-regex and ripgrep from the system when installed
# (Debian: apt-get install fail2ban ripgrep; the fail2ban service is not needed).
set -euo pipefail
LINES=${1:-1000000}
AMOUNT=$LINES UNIT=lines
DATA=benches/data/auth.log
. benches/compare/common.sh
generate gen-authlog "$DATA"
echo "soc ssh --summary:";        t target/release/soc ssh "$DATA" --summary --format jsonl
echo "soc ssh --alerts:";         t target/release/soc ssh "$DATA" --alerts --format jsonl
if [ -n "${SOC_BASELINE:-}" ]; then
  OLD=$(mktemp); NEW=$(mktemp)
  for mode in summary events alerts; do
    for threads in 1 2; do
      "$SOC_BASELINE" ssh "$DATA" --$mode --format jsonl --threads $threads >"$OLD" 2>/dev/null
      target/release/soc ssh "$DATA" --$mode --format jsonl --threads $threads >"$NEW" 2>/dev/null
      if cmp -s "$OLD" "$NEW"; then echo "--$mode --threads $threads: identical to the baseline ($(wc -l <"$NEW") lines)";
      elif [ $mode = alerts ] && cmp -s <(sort "$OLD") <(sort "$NEW"); then
        # Builds before 80ffce8 ordered alerts tied on first_seen and kind as their episodes ended.
        echo "--$mode --threads $threads: the baseline's alerts, ties in another order ($(wc -l <"$NEW") lines)"
      else echo "--$mode --threads $threads: DIFFERS from the baseline"; diff "$OLD" "$NEW" | head -5; fi
    done
  done
  rm -f "$OLD" "$NEW"
fi
echo "naive python regex loop:";  t python3 -c "
import re,sys
r=re.compile(r'Failed password for (?:invalid user )?(\S+) from (\S+) port (\d+)')
n=0
for l in open('$DATA', encoding='utf-8', errors='replace'):
    m=r.search(l)
    if m: n+=1
print(n)"
# The same summary soc prints (failures and accepted logins, top sources and
# users, failures per hour), written the usual way: one regex per message
# kind that sshd logs with a source, Counters. Still blind to IPv6 zone ids,
# injected user names and lines without an address (no pid join).
echo "python regex summary (soc's counts, the usual way):"; t python3 -c "
import re, collections
fail = re.compile(r'sshd(?:-session)?\[\d+\]: (?:Failed \S+ for (?:invalid user )?(.*?)|Invalid user (.*?)|error: maximum authentication attempts exceeded for (?:invalid user )?(.*?)) from (\S+) port \d+')
acc = re.compile(r'sshd(?:-session)?\[\d+\]: Accepted \S+ for (\S+) from (\S+) port \d+')
users, srcs, hours = collections.Counter(), collections.Counter(), collections.Counter()
accepted = 0
for l in open('$DATA', encoding='utf-8', errors='replace'):
    m = fail.search(l)
    if m:
        users[m.group(1) or m.group(2) or m.group(3) or ''] += 1
        srcs[m.group(4)] += 1
        hours[l[:9]] += 1
    elif acc.search(l):
        accepted += 1
print(users.most_common(10), srcs.most_common(10), sorted(hours.items()), accepted)"
# What --alerts replaces, the usual way (context, not #16's baseline): one
# rule of six, a deque of failure times per source, strptime per line.
echo "python brute-force script (one rule, the usual way):"; t python3 benches/compare/naive_bruteforce.py "$DATA" 2026
if command -v rg >/dev/null; then echo "ripgrep failed-password regex:"; t sh -c "rg -c 'Failed password for (invalid user )?\\S+ from \\S+ port \\d+' '$DATA' | cat"; fi
# Through a pipe: GNU grep writing to /dev/null stops at the first match.
echo "grep -c:";                  t sh -c "grep -c 'Failed password' '$DATA' | cat"
if command -v fail2ban-regex >/dev/null; then
  # fail2ban-regex is slow (tens of thousands of lines/s): the first 100k lines.
  F2B=$(mktemp); head -n 100000 "$DATA" > "$F2B"
  ts=$(date +%s.%N); fail2ban-regex "$F2B" sshd >/dev/null 2>&1 || true; te=$(date +%s.%N)
  echo "fail2ban-regex (sshd filter, 100k lines):"; python3 -c "print(f'{100000/($te-$ts):,.0f} lines/s  ({$te-$ts:.2f}s)')"
  rm -f "$F2B"
else
  echo "fail2ban-regex: not installed (apt-get install fail2ban), skipped"
fi
