#!/bin/sh
# Builds soc and installs it under PREFIX the way a system expects it:
#   PREFIX/bin/soc
#   PREFIX/share/man/man1/soc.1.gz, soc-run.1.gz, ... (one page per subcommand)
#   PREFIX/share/bash-completion/completions/soc
#   PREFIX/share/zsh/vendor-completions/_soc
#   PREFIX/share/fish/vendor_completions.d/soc.fish
#
# The Dockerfile's builder stage runs exactly this script, `make deb`
# packages its output, and `make packaging-test` runs it on every test run
# (SOC_PROFILE=dev, into a temporary prefix), so the image's build steps
# cannot rot unnoticed even though the image is not built there.
#
# usage: packaging/build-tree.sh PREFIX
# env:   SOC_PROFILE=release (default) | dev;  CARGO (default: cargo)
set -eu

prefix=${1:?usage: packaging/build-tree.sh PREFIX}
profile=${SOC_PROFILE:-release}
cargo=${CARGO:-cargo}
root=$(cd "$(dirname "$0")/.." && pwd)

case $profile in
release) profile_flag= ;;
dev) profile_flag=--debug ;;
*)
	echo "build-tree.sh: SOC_PROFILE must be release or dev, not '$profile'" >&2
	exit 2
	;;
esac

# `cargo install --path` is also the documented way to install from source;
# --locked: the versions of Cargo.lock, nothing newer.
# shellcheck disable=SC2086 # $profile_flag is empty or one word
"$cargo" install --locked --no-track --force --quiet $profile_flag \
	--path "$root/soc-cli" --root "$prefix"

soc="$prefix/bin/soc"
bash_dir="$prefix/share/bash-completion/completions"
zsh_dir="$prefix/share/zsh/vendor-completions"
fish_dir="$prefix/share/fish/vendor_completions.d"
man_dir="$prefix/share/man/man1"
mkdir -p "$bash_dir" "$zsh_dir" "$fish_dir" "$man_dir"

"$soc" completions bash >"$bash_dir/soc"
"$soc" completions zsh >"$zsh_dir/_soc"
"$soc" completions fish >"$fish_dir/soc.fish"
rm -f "$man_dir"/soc*.1 "$man_dir"/soc*.1.gz
"$soc" man --dir "$man_dir"
gzip -9 -n "$man_dir"/soc*.1

echo "build-tree.sh: installed soc $("$soc" --version | cut -d' ' -f2) ($profile) into $prefix"
