#!/usr/bin/env bash
# Times soc against iocextract, ioc-finder and msticpy on the same generated
# corpus. Creates its own throwaway venv; never run by the tests.
#
#   benches/compare/ioc_compare.sh [MIB]        (default 20; iocextract is
#   quadratic (~400 s for 1 MiB here), it gets a 256 KiB slice; ioc-finder a 1 MiB one)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
mib=${1:-20}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
corpus="$work/corpus.txt"

cargo build --release -q -p soc-cli -p soc-benches --manifest-path "$root/Cargo.toml"
"$root/target/release/gen-ioc" "$corpus" "$mib" 42
head -c $((1 << 20)) "$corpus" > "$work/corpus-1mib.txt"
head -c $((1 << 18)) "$corpus" > "$work/corpus-256kib.txt"

echo "== soc (${mib} MiB)"
start=$(date +%s.%N)
n=$("$root/target/release/soc" iocs --format jsonl "$corpus" | wc -l)
end=$(date +%s.%N)
python3 - "$start" "$end" "$mib" "$n" <<'PY'
import sys
s, e, mib, n = float(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
print(f"soc: {e - s:.2f}s  {mib / (e - s):.1f} MiB/s  ({n} unique indicators)")
PY

python3 -m venv "$work/venv"
"$work/venv/bin/pip" install -q iocextract ioc-finder msticpy
"$work/venv/bin/python" "$here/ioc_compare.py" "$corpus" "$work/corpus-1mib.txt" "$work/corpus-256kib.txt"
