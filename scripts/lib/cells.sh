# shellcheck shell=bash
# The cells of scripts/run.sh, sourced after common.sh. In WORK: programs in
# bin/, and for each server NAME its output, command line and (until it has
# stopped) process id in NAME.out, .cmd, .pid. Only those ids are signalled.

# How long a server may take to print a line we wait for, or to exit after
# Ctrl-C: generous, for a busy machine. Waits look again every POLL seconds.
WAIT_LIMIT=20 POLL=0.05
WORK=$(mktemp -d "${TMPDIR:-/tmp}/wstutorial-run.XXXXXX")

# cleanup stops every server still running, then removes WORK.
cleanup() {
	local pidfile
	for pidfile in "$WORK"/*.pid; do [ ! -f "$pidfile" ] || stop_pid "$(cat "$pidfile")" || true; done
	rm -rf "$WORK"
}

# build PKG... compiles programs (e.g. 01-simple/server) before their cells
# run, so that compiling does not blur what they print.
build() {
	local pkg
	for pkg in "$@"; do (cd "$ROOT" && go build -o "$WORK/bin/$pkg" "./$pkg") || die "building ./$pkg failed"; done
}

# heading PKG [ARG...] prints a cell's heading: the command a reader types.
heading() { printf '\n[cell] %s\n$ go run ./%s\n' "$1" "$*"; }

# start NAME PKG [ARG...] starts PKG in the background as NAME, and waits
# for its "Listening on" line, or for the line that WAIT_FOR matches if set.
start() {
	local name=$1 pkg=$2
	shift
	printf '%s\n' "$*" >"$WORK/$name.cmd"
	heading "$@"
	shift
	printf '(in the background: what it prints is shown when it stops)\n'
	: >"$WORK/$name.out" # emptied here: a lesson before may have used NAME
	"$WORK/bin/$pkg" "$@" >>"$WORK/$name.out" 2>&1 </dev/null &
	printf '%s\n' "$!" >"$WORK/$name.pid"
	wait_line "$name" "${WAIT_FOR:-^Listening on }"
}

# wait_line NAME PATTERN waits until the server NAME prints a line matching
# the extended regular expression PATTERN.
wait_line() {
	local deadline=$((SECONDS + WAIT_LIMIT))
	until grep -Eq "$2" "$WORK/$1.out"; do
		if ! kill -0 "$(cat "$WORK/$1.pid")" 2>/dev/null; then
			cat "$WORK/$1.out" >&2
			grep -q 'address already in use' "$WORK/$1.out" && note "its port is taken by a program run.sh did not start: stop that one, or use --free-ports"
			die "$(cut -d" " -f1 "$WORK/$1.cmd") stopped before printing a line like $2"
		fi
		[ "$SECONDS" -lt "$deadline" ] || die "$1 printed no line like $2 within ${WAIT_LIMIT}s"
		sleep "$POLL"
	done
}

# url NAME prints the address the server NAME listens on, e.g. ws://127.0.0.1:5405.
url() { sed -n 's|^Listening on \([a-z]*://[^ /]*\).*|\1|p' "$WORK/$1.out" | sed 1q; }

# stop_pid PID sends PID Ctrl-C (SIGINT), kills it if it is still running
# WAIT_LIMIT seconds later, and returns its exit status.
stop_pid() {
	local deadline=$((SECONDS + WAIT_LIMIT)) status=0
	kill -INT "$1" 2>/dev/null || true
	while kill -0 "$1" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep "$POLL"; done
	kill -KILL "$1" 2>/dev/null && note "process $1 ignored Ctrl-C for ${WAIT_LIMIT}s: killed it"
	wait "$1" 2>/dev/null || status=$?
	return "$status"
}

# stop NAME stops the server NAME and shows what it printed under its
# heading, as the notebook shows a server's output under its cell.
stop() {
	local status=0 cmd
	cmd=$(cat "$WORK/$1.cmd")
	stop_pid "$(cat "$WORK/$1.pid")" || status=$?
	rm -f "$WORK/$1.pid"
	printf '\n[cell] %s, what it printed until Ctrl-C\n$ go run ./%s\n' "${cmd%% *}" "$cmd"
	cat "$WORK/$1.out"
	[ "$status" = 0 ] || die "${cmd%% *} exited with status $status after Ctrl-C"
}

# client PKG [ARG...] runs the client PKG in the foreground, under its heading.
client() {
	heading "$@"
	"$WORK/bin/$1" "${@:2}" </dev/null || die "$1 exited with status $?"
}
