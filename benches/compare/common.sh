# What the comparison scripts share; sourced from the repo root after
# setting AMOUNT (how much data: MiB, lines) and UNIT (its name).
#
#   generate BIN DATA   writes DATA (AMOUNT of it) with the soc-benches
#                       generator BIN unless DATA exists (e.g. a hard link
#                       to a shared copy: never rewritten), and builds the
#                       release `soc`
#   t CMD...            runs CMD, output discarded, and prints AMOUNT per
#                       second of wall time (a failing CMD is timed too)

generate() {
  [ -s "$2" ] || cargo run -q --release -p soc-benches --bin "$1" -- "$AMOUNT" "$2"
  cargo build -q --release -p soc-cli
}

t() {
  local s e
  s=$(date +%s.%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s.%N)
  python3 -c "print(f'{$AMOUNT/($e-$s):,.0f} $UNIT/s  ({$e-$s:.2f}s)')"
}
