# shellcheck shell=bash
# Helpers for the scripts in scripts/, sourced, not run. For bash 3.2
# (macOS) as well as current bash: no associative arrays, no `wait -n`, no
# GNU-only options.

# ROOT is the repository's top directory, wherever the script is called from.
# shellcheck disable=SC2034 # used by the scripts that source this file
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PROG=$(basename "$0")

# note prints a message on stderr, after the script's name; die also exits 1.
note() { printf '%s: %s\n' "$PROG" "$*" >&2; }
die() { note "$@" && exit 1; }

# banner TEXT prints a heading that stands out in a long log.
banner() { printf '\n=== %s ===\n' "$*"; }

# now prints the time in seconds (with a fraction on bash 5; macOS's date
# has no %N); since START prints the time elapsed since then, e.g. "2.4s".
now() { printf '%s\n' "${EPOCHREALTIME:-$(date +%s)}" | tr , .; }
since() { awk -v start="$1" -v end="$(now)" 'BEGIN { printf "%.1fs\n", end - start }'; }

# have_browser succeeds if a Chromium-family browser is on the PATH.
have_browser() {
	command -v chromium || command -v chromium-browser || command -v google-chrome
} >/dev/null 2>&1
