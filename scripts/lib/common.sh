# shellcheck shell=bash
# Helpers shared by the scripts in scripts/. Sourced, not run.
#
# Written for bash 3.2 (macOS) as well as current bash: no associative arrays,
# no `wait -n`, no GNU-only options of the tools called.

# ROOT is the repository's top directory, wherever the script is called from.
# shellcheck disable=SC2034 # used by the scripts that source this file
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# PROG names the running script in its messages ("run.sh: ...").
PROG=$(basename "$0")

# note prints a message on stderr, prefixed with the script's name.
note() {
	printf '%s: %s\n' "$PROG" "$*" >&2
}

# die prints a message on stderr and exits 1 (through the EXIT trap, if any).
die() {
	note "$@"
	exit 1
}

# now prints the current time in seconds: with a fraction on bash 5, whole
# seconds on older bash (macOS's `date` has no %N).
now() {
	if [ -n "${EPOCHREALTIME:-}" ]; then
		# Some locales write the fraction with a comma; awk wants a dot.
		printf '%s\n' "${EPOCHREALTIME/,/.}"
	else
		date +%s
	fi
}

# since START prints the time elapsed since START (a `now` value), e.g. "2.4s".
since() {
	awk -v start="$1" -v end="$(now)" 'BEGIN { printf "%.1fs\n", end - start }'
}

# banner TEXT prints a heading that stands out in a long log.
banner() {
	printf '\n=== %s ===\n' "$*"
}

# have_browser succeeds if a Chromium-family browser is on the PATH, under
# one of the names 03-browser/headless looks for.
have_browser() {
	local name
	for name in chromium chromium-browser google-chrome google-chrome-stable; do
		command -v "$name" >/dev/null 2>&1 && return 0
	done
	return 1
}
