# shellcheck shell=bash
# The notebook's cells for scripts/run.sh: build a lesson's programs, start a
# server in the background, run a client in the foreground, stop the server
# with Ctrl-C (SIGINT), show what each printed, and compare that with the
# lesson's golden transcripts. Sourced after common.sh, not run.
#
# Everything lives in one temporary directory, CELLS_DIR (bash 3.2 has no
# associative arrays, so each program's state is a few small files):
#
#   bin/LESSON/PROGRAM        the built programs
#   run/LESSON/NAME/out, err  what the program named NAME printed
#   run/LESSON/NAME/pid       a started server's process id, removed once the
#                             server has been stopped and waited for
#   run/LESSON/NAME/pkg, cmd  its package and the command a reader would type
#
# Only the process ids written there are ever signalled: the scripts never
# stop a program they did not start.

# How long a server may take to print its "Listening on" line. Generous: the
# machine may be busy with other work, and a failure here is only slower.
LISTEN_TIMEOUT=20

# How long a server may take to exit after Ctrl-C. The servers close their
# connections and exit within about a second; past this they are killed.
STOP_TIMEOUT=10

# How often the scripts look again at a server's output or process while
# waiting for it (polling with a deadline, never a fixed pause).
POLL_INTERVAL=0.05

# The lesson whose cells run now; the lesson functions' NAMEs live under it.
CURRENT_LESSON=

# Set to 1 (by --free-ports) to let every server pick a free port.
FREE_PORTS=0

# cells_init creates CELLS_DIR. Call it before any other function here.
cells_init() {
	CELLS_DIR=$(mktemp -d "${TMPDIR:-/tmp}/wstutorial-run.XXXXXX")
	mkdir -p "$CELLS_DIR/bin" "$CELLS_DIR/run"
}

# cells_cleanup stops every server still running that these functions
# started, then removes CELLS_DIR. Safe to call more than once.
cells_cleanup() {
	local pidfile
	if [ -z "${CELLS_DIR:-}" ] || [ ! -d "$CELLS_DIR" ]; then
		return 0
	fi
	for pidfile in "$CELLS_DIR"/run/*/*/pid; do
		[ -f "$pidfile" ] || continue
		stop_process "$(cat "$pidfile")" || true
		rm -f "$pidfile"
	done
	rm -rf "$CELLS_DIR"
	CELLS_DIR=
}

# stop_leftovers stops the current lesson's servers that are still running,
# for instance because a step failed before the lesson stopped them itself.
stop_leftovers() {
	local pidfile
	for pidfile in "$CELLS_DIR/run/$CURRENT_LESSON"/*/pid; do
		[ -f "$pidfile" ] || continue
		note "stopping $(cat "$(dirname "$pidfile")/pkg"), left running by a failed step"
		stop_process "$(cat "$pidfile")" || true
		rm -f "$pidfile"
	done
}

# stop_process PID sends PID SIGINT, as Ctrl-C does, and waits up to
# STOP_TIMEOUT seconds for it to exit; then it kills it. PID must be a child
# of this shell. Sets EXIT_CODE to the exit status, and KILLED to 1 if the
# process had to be killed.
#
# A program a script starts in the background begins with SIGINT ignored;
# the servers hear it anyway because they ask for it (Go's signal.Notify).
stop_process() {
	local pid=$1 deadline=$((SECONDS + STOP_TIMEOUT))
	KILLED=0
	kill -INT "$pid" 2>/dev/null || true
	# bash reaps its children as they exit, so kill -0 fails once it is gone.
	while kill -0 "$pid" 2>/dev/null; do
		if [ "$SECONDS" -ge "$deadline" ]; then
			kill -KILL "$pid" 2>/dev/null || true
			KILLED=1
			break
		fi
		sleep "$POLL_INTERVAL"
	done
	EXIT_CODE=0
	wait "$pid" 2>/dev/null || EXIT_CODE=$?
	[ "$KILLED" = 0 ]
}

# cell_dir NAME prints (and creates) the directory of the current lesson's
# program NAME.
cell_dir() {
	local dir="$CELLS_DIR/run/$CURRENT_LESSON/$1"
	mkdir -p "$dir"
	printf '%s\n' "$dir"
}

# cell_heading PKG [ARG...] prints the heading of PKG's cell, with the
# command a reader would type to run it by hand.
cell_heading() {
	local pkg=$1
	shift
	printf '\n[cell] %s\n$ %s\n' "$pkg" "$(reader_command "$pkg" "$@")"
}

# reader_command PKG [ARG...] prints the command a reader would type:
# "go run ./PKG ARG...", or "node PKG.mjs ARG..." for the Node programs in
# node/ that scripts/interop.sh runs.
reader_command() {
	local pkg=$1
	shift
	case $pkg in
	node/*) set -- node "$pkg.mjs" "$@" ;;
	*) set -- go run "./$pkg" "$@" ;;
	esac
	printf '%s\n' "$*"
}

# skip_lesson REASON explains why the current lesson is skipped; the lesson
# function then returns SKIPPED.
SKIPPED=2
LESSON_NOTE=
skip_lesson() {
	# shellcheck disable=SC2034 # read by run.sh for its summary
	LESSON_NOTE=$*
	printf 'Skipped: %s\n' "$*"
}

# have_go_files DIR succeeds if DIR holds Go source files.
have_go_files() {
	local f
	for f in "$1"/*.go; do
		[ -f "$f" ] && return 0
	done
	return 1
}

# prepare LESSON PROGRAM... builds the lesson's programs once, into
# CELLS_DIR/bin/LESSON/, so that compiling does not blur the demo. A lesson
# whose programs do not exist yet is skipped: prepare returns SKIPPED.
prepare() {
	local lesson=$1 prog start
	shift
	for prog in "$@"; do
		if ! have_go_files "$ROOT/$lesson/$prog"; then
			skip_lesson "$lesson/$prog does not exist yet"
			return "$SKIPPED"
		fi
	done
	local pkgs=""
	for prog in "$@"; do
		pkgs="$pkgs ./$lesson/$prog"
	done
	printf 'Building%s\n' "$pkgs"
	start=$(now)
	mkdir -p "$CELLS_DIR/bin/$lesson"
	# The package paths have no spaces: splitting $pkgs is intended.
	# shellcheck disable=SC2086
	if ! (cd "$ROOT" && go build -o "$CELLS_DIR/bin/$lesson/" $pkgs); then
		note "building $lesson failed"
		return 1
	fi
	printf 'Built in %s\n' "$(since "$start")"
}

# lesson_port VAR DEFAULT prints the port a lesson's server should use: the
# environment variable VAR if set (0 picks a free port), else 0 with
# --free-ports, else DEFAULT, the port the notebook and the README use.
lesson_port() {
	local var=$1 default=$2 port
	port=${!var:-}
	if [ -z "$port" ]; then
		if [ "$FREE_PORTS" = 1 ]; then port=0; else port=$default; fi
	fi
	case $port in
	'' | *[!0-9]*)
		note "$var=$port is not a port number"
		return 1
		;;
	esac
	if [ "$port" -gt 65535 ]; then
		note "$var=$port is not a port number"
		return 1
	fi
	printf '%s\n' "$port"
}

# start_server NAME PKG PORT_VAR DEFAULT_PORT [ARG...] starts the program PKG
# (e.g. 01-simple/server) in the background as NAME, on the port lesson_port
# gives, and waits until it prints its "Listening on" line. Its output goes
# to files, shown by stop_server once it has stopped, as the notebook shows a
# server's output under its cell. With ALWAYS_ADDR=1 the -addr flag is
# passed even on the default port: for a second instance of a server whose
# own default is the first instance's port.
start_server() {
	local name=$1 pkg=$2 port_var=$3 default_port=$4 port dir pid
	shift 4
	port=$(lesson_port "$port_var" "$default_port") || return 1
	dir=$(cell_dir "$name")
	rm -f "$dir/moved"
	if [ "$port" != "$default_port" ]; then
		: >"$dir/moved"
	fi
	if [ "$port" != "$default_port" ] || [ "${ALWAYS_ADDR:-0}" = 1 ]; then
		set -- -addr "localhost:$port" "$@"
	fi
	printf '%s\n' "$pkg" >"$dir/pkg"
	reader_command "$pkg" "$@" >"$dir/cmd"
	cell_heading "$pkg" "$@"
	printf '(running in the background: what it prints is shown when it stops)\n'

	"$CELLS_DIR/bin/$pkg" "$@" >"$dir/out" 2>"$dir/err" </dev/null &
	pid=$!
	printf '%s\n' "$pid" >"$dir/pid"

	local deadline=$((SECONDS + LISTEN_TIMEOUT))
	until grep -q '^Listening on ' "$dir/out"; do
		if ! kill -0 "$pid" 2>/dev/null; then
			rm -f "$dir/pid"
			local code=0
			wait "$pid" 2>/dev/null || code=$?
			note "$pkg exited with status $code before listening:"
			cat "$dir/out" "$dir/err" >&2
			if grep -q 'address already in use' "$dir/err"; then
				note "port $port is already taken by a program run.sh did not start (it is left alone)."
				note "Stop that program, or choose another port: $port_var=<port> ./scripts/run.sh $CURRENT_LESSON ($port_var=0 picks a free port; --free-ports does so for every lesson)."
			fi
			return 1
		fi
		if [ "$SECONDS" -ge "$deadline" ]; then
			note "$pkg printed no \"Listening on\" line within ${LISTEN_TIMEOUT}s"
			return 1 # stop_leftovers stops it
		fi
		sleep "$POLL_INTERVAL"
	done
}

# server_url NAME prints the URL of the started server NAME, as its
# "Listening on" line gives it (e.g. ws://127.0.0.1:5405).
server_url() {
	sed -n 's/^Listening on \([^ ]*\).*/\1/p' "$(cell_dir "$1")/out" | sed -e 's:/$::' -e 1q
}

# server_moved NAME succeeds if the server NAME is not on its default port,
# so that its clients must be told where it is (-url).
server_moved() {
	[ -f "$(cell_dir "$1")/moved" ]
}

# stop_server NAME stops the server NAME with SIGINT, as Ctrl-C does, waits
# for it, and shows what it printed under its cell's heading. It fails if the
# server had to be killed or exited with an error.
stop_server() {
	local dir pkg pidfile ok=0
	dir=$(cell_dir "$1")
	pkg=$(cat "$dir/pkg")
	pidfile="$dir/pid"
	if [ -f "$pidfile" ]; then
		stop_process "$(cat "$pidfile")" || true
		rm -f "$pidfile"
	fi
	printf '\n[cell] %s, what it printed until Ctrl-C\n$ %s\n' "$pkg" "$(cat "$dir/cmd")"
	cat "$dir/out"
	if [ -s "$dir/err" ]; then
		printf '(on stderr:)\n'
		cat "$dir/err"
	fi
	if [ "$KILLED" = 1 ]; then
		note "$pkg did not exit within ${STOP_TIMEOUT}s of Ctrl-C and was killed"
		ok=1
	elif [ "$EXIT_CODE" != 0 ]; then
		note "$pkg exited with status $EXIT_CODE after Ctrl-C"
		ok=1
	fi
	return "$ok"
}

# run_client NAME PKG [ARG...] runs the program PKG in the foreground as
# NAME, under its cell's heading, showing its output as it comes. It fails if
# the program does. In the foreground, a Ctrl-C from the terminal reaches it
# at once; a signal sent to the script alone is handled when the client has
# finished, which the clients' own timeouts bound to seconds.
run_client() {
	local name=$1 pkg=$2 dir code=0
	shift 2
	dir=$(cell_dir "$name")
	printf '%s\n' "$pkg" >"$dir/pkg"
	reader_command "$pkg" "$@" >"$dir/cmd"
	cell_heading "$pkg" "$@"
	"$CELLS_DIR/bin/$pkg" "$@" 2>"$dir/err" </dev/null | tee "$dir/out" || code=$?
	if [ ! -s "$dir/out" ] && [ ! -s "$dir/err" ]; then
		printf '(it printed nothing)\n'
	fi
	if [ -s "$dir/err" ]; then
		printf '(on stderr:)\n'
		cat "$dir/err"
	fi
	if [ "$code" != 0 ]; then
		note "$pkg exited with status $code"
		return 1
	fi
}

# check_transcript NAME GOLDEN compares what the program NAME printed on
# stdout with the golden file GOLDEN (relative to the repository's root), the
# transcript the README shows. The "Listening on" lines are compared without
# their address, so a server moved to another port still matches.
check_transcript() {
	local dir golden=$2
	dir=$(cell_dir "$1")
	if [ ! -f "$ROOT/$golden" ]; then
		printf '  [MISSING] %s: no golden transcript to compare %s with\n' "$golden" "$(cat "$dir/pkg")"
		return 1
	fi
	normalise_transcript <"$ROOT/$golden" >"$dir/expected"
	normalise_transcript <"$dir/out" >"$dir/actual"
	if cmp -s "$dir/expected" "$dir/actual"; then
		printf '  [same]    %s printed %s\n' "$(cat "$dir/pkg")" "$golden"
		return 0
	fi
	printf '  [DIFFERS] %s did not print %s (- expected, + printed):\n' "$(cat "$dir/pkg")" "$golden"
	diff -u "$dir/expected" "$dir/actual" | sed -e '1,2d' || true
	return 1
}

# normalise_transcript replaces the address in "Listening on" lines with
# ADDRESS, and ends every line with a newline (a golden file may lack the
# last one).
normalise_transcript() {
	awk '/^Listening on [a-z]+:\/\/[^ ]+$/ { sub(/:\/\/.*/, "://ADDRESS") } { print }'
}
