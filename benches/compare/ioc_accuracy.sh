#!/usr/bin/env bash
# Precision and recall of soc beside ioc-finder, iocextract, iocsearcher and
# msticpy on the conformance tables built from their own test suites
# (soc-core/tests/ioc_conformance/*.jsonl). Creates its own throwaway venv;
# never run by the tests (the Rust runner checks soc's side in `make test`).
#
#   benches/compare/ioc_accuracy.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cargo build --release -q -p soc-cli --manifest-path "$root/Cargo.toml"
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install -q iocextract ioc-finder iocsearcher msticpy
"$work/venv/bin/pip" list 2>/dev/null | grep -iE '^(iocextract|ioc-finder|iocsearcher|msticpy) ' || true
"$work/venv/bin/python" "$here/ioc_accuracy.py" "$root/target/release/soc" "$root/soc-core/tests/ioc_conformance"
