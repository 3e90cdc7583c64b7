#!/usr/bin/env bash
# soc side by side with the tools users run today (fail2ban, sshguard,
# CrowdSec) on one generated auth.log with planted attackers: lines/s, peak
# RSS, and the attacking sources each one finds, per attack kind.
# Usage: benches/compare/peers.sh [LINES] [PER_TYPE]   (run from the repo root; never run in tests)
# Installs fail2ban, sshguard and crowdsec from Debian's packages when missing
# (root + apt); only their command-line tools are used (a service the package
# starts is left as the package set it up). See peers.py
# for exactly what each tool runs and how "found" is decided.
set -euo pipefail
LINES=${1:-200000}
PER_TYPE=${2:-20}
LOG=benches/data/planted-auth.log
TRUTH=benches/data/planted-truth.tsv
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

missing=""
command -v fail2ban-regex >/dev/null 2>&1 || missing="$missing fail2ban"
[ -x /usr/libexec/sshguard/sshg-parser ] || missing="$missing sshguard"
command -v crowdsec >/dev/null 2>&1 || missing="$missing crowdsec"
if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing:$missing" >&2
    # CrowdSec's postinst registers with the online API and fails offline,
    # leaving dpkg half-configured; a non-empty credentials file created
    # first is Debian's documented opt-out (README.Debian).
    if [[ "$missing" == *crowdsec* ]]; then
      mkdir -p /etc/crowdsec
      [ -s /etc/crowdsec/online_api_credentials.yaml ] \
        || echo '# online API registration disabled (offline benchmark)' > /etc/crowdsec/online_api_credentials.yaml
    fi
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null) \
      || echo "warning: could not install$missing; those rows are left out" >&2
  else
    echo "note: missing$missing (not root or no apt); those rows are left out" >&2
  fi
fi

cargo build -q --release -p soc-cli -p soc-benches --bin soc --bin gen-planted-authlog
target/release/gen-planted-authlog "$LINES" "$LOG" "$TRUTH" "$PER_TYPE"
python3 benches/compare/peers.py "$LOG" "$TRUTH" target/release/soc "$WORK"
