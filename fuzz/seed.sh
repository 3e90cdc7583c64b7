#!/usr/bin/env bash
# Builds the seed corpora of the fuzz targets from the repository's test
# fixtures and sample data (small files, one per seed). Run from anywhere;
# writes fuzz/corpus/<target>/ (not committed).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
c="$here/corpus"
mkdir -p "$c"/{ssh_parser,eve_reader,ioc_extract,alert_reader,config_loader}

# Split a file into seeds of N lines each.
split_into() { # file dir lines prefix
  split -l "$3" -d -a 4 "$1" "$2/$4-"
}

split_into "$root/examples/data/auth.log" "$c/ssh_parser" 20 auth
split_into "$root/examples/data/eve.json" "$c/eve_reader" 5 eve
# IOC text: the golden IOC outputs, sample logs, the report fixtures.
for f in "$root"/soc-cli/tests/golden/* "$root"/soc-core/tests/fixtures/pipeline/*; do
  cp "$f" "$c/ioc_extract/$(basename "$f")"
done
split_into "$root/examples/data/auth.log" "$c/ioc_extract" 50 auth
# Alerts: byte 0 picks JSON (even) or CSV (odd).
for f in "$root"/soc-core/tests/fixtures/pipeline/report.json "$root"/soc-core/tests/fixtures/respond/*.json; do
  { printf '\x00'; cat "$f"; } > "$c/alert_reader/json-$(basename "$f")"
done
{ printf '\x00'; head -n 20 "$root/examples/data/eve.json"; } > "$c/alert_reader/jsonl-eve"
{ printf '\x01'; cat "$root/soc-core/tests/fixtures/pipeline/report.csv"; } > "$c/alert_reader/csv-report"
# Configs: the commented example, the demo, and each top-level section alone.
cp "$root/soc-core/src/pipeline/example.toml" "$c/config_loader/example.toml"
cp "$root/examples/demo.toml" "$c/config_loader/demo.toml"
awk -v dir="$c/config_loader" '/^\[/{n++} {print > (dir "/section-" n ".toml")}' \
  "$root/soc-core/src/pipeline/example.toml"
# Shared corpora (real-world logs), when present next to the repository.
if [ -d "$root/../shared/corpus" ]; then
  for f in "$root"/../shared/corpus/ssh/*; do
    [ -f "$f" ] && head -c 65536 "$f" > "$c/ssh_parser/shared-$(basename "$f")"
  done
  for f in "$root"/../shared/corpus/eve/*; do
    [ -f "$f" ] && head -n 50 "$f" > "$c/eve_reader/shared-$(basename "$f")"
  done
fi
for t in "$c"/*; do echo "$(basename "$t"): $(ls "$t" | wc -l) seeds"; done
