#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Runs the lessons the way the notebook is read: cell by cell, in order.
#
# For each lesson it builds the programs once, starts the server in the
# background, waits for its "Listening on" line, runs the client, stops the
# server with Ctrl-C (SIGINT) and shows what the server printed under the
# server's cell, as the notebook shows a server's output under its cell. Then
# it compares what each program printed with the lesson's golden transcripts
# (LESSON/testdata/*.txt, the ones the README shows).
#
#   ./scripts/run.sh                  every lesson, in order
#   ./scripts/run.sh 02-stateful      just that lesson (several names: several lessons)
#   ./scripts/run.sh --fast           short pauses in the staged client; same transcript
#   ./scripts/run.sh --free-ports     every server on a free port, as the tests do
#
# Each server listens on the lesson's usual port. When that port is taken,
# choose another with the lesson's variable: PORT_01 (01-simple, 5405),
# PORT_02 (02-stateful, 5406), PORT_03 (03-browser, 5407), PORT_04A and
# PORT_04B (04-scaling, 5408 and 5409), PORT_NATS (04-scaling's broker, 4222);
# 0 picks a free port.
#
# Exit status: 0 when every lesson that ran passed (lessons whose programs do
# not exist yet are skipped), 1 otherwise, 2 for a usage error.
set -euo pipefail

# shellcheck source=lib/common.sh
. "$(dirname "$0")/lib/common.sh"
# shellcheck source=lib/cells.sh
. "$ROOT/scripts/lib/cells.sh"

# The lessons, in the notebook's order. To add one, add its directory here
# and write a function lesson_<directory with _ for -> below.
LESSONS="01-simple 02-stateful 03-browser 04-scaling"

# The staged client's pause between steps with --fast. Short, yet the
# transcript stays the same: the client waits for each event it causes.
FAST_STEP=50ms
FAST=0

# --- 01-simple: the logging server and the one-shot client ------------------
lesson_01_simple() {
	prepare 01-simple server client || return $?
	start_server server 01-simple/server PORT_01 5405 || return 1
	set -- # the client's flags: none while the server is on its usual port
	if server_moved server; then set -- -url "$(server_url server)"; fi
	local ok=0
	run_client client 01-simple/client "$@" || ok=1
	stop_server server || ok=1
	printf '\nTranscripts:\n'
	check_transcript client 01-simple/testdata/client.txt || ok=1
	check_transcript server 01-simple/testdata/server.txt || ok=1
	return "$ok"
}

# --- 02-stateful: the room and the staged two-client script -----------------
lesson_02_stateful() {
	prepare 02-stateful server client || return $?
	start_server server 02-stateful/server PORT_02 5406 || return 1
	set --
	if server_moved server; then set -- -url "$(server_url server)"; fi
	if [ "$FAST" = 1 ]; then set -- "$@" -step "$FAST_STEP"; fi
	local ok=0
	run_client client 02-stateful/client "$@" || ok=1
	stop_server server || ok=1
	printf '\nTranscripts:\n'
	check_transcript client 02-stateful/testdata/client.txt || ok=1
	check_transcript server 02-stateful/testdata/server.txt || ok=1
	return "$ok"
}

# --- 03-browser: the room on a web page --------------------------------------
# The page server, and 03-browser/drive, which opens the page in headless
# Chromium next to a Go client and prints what the page shows. Without a
# browser the cell says where to point one instead.
lesson_03_browser() {
	prepare 03-browser server drive || return $?
	start_server server 03-browser/server PORT_03 5407 || return 1
	local url ok=0
	url=$(server_url server)
	if have_browser; then
		run_client drive 03-browser/drive -url "$url" || ok=1
	else
		printf '\n(no Chromium or Chrome here, so nobody drives the page: open it yourself)\n'
	fi
	printf '\nOpen %s in two browser tabs and say hello from one to the other.\n' "$url"
	stop_server server || ok=1
	if have_browser; then
		printf '\nTranscripts:\n'
		check_transcript drive 03-browser/testdata/drive.txt || ok=1
	fi
	return "$ok"
}

# --- 04-scaling: two servers sharing one room through NATS --------------------
# Two instances of 04-scaling/server. The first finds no NATS server and
# starts one inside itself; the second connects to it. Then lesson 2's staged
# client puts client 1 on the first instance and client 2 on the second, and
# prints lesson 2's transcript all the same. (The servers' own output names
# instances by random ids, so only the client's transcript is compared.)
lesson_04_scaling() {
	prepare 04-scaling server || return $?
	prepare 02-stateful client || return $?
	local nats_port nats_url ok=0
	nats_port=$(lesson_port PORT_NATS 4222) || return 1
	start_server server-a 04-scaling/server PORT_04A 5408 -nats "nats://127.0.0.1:$nats_port" || return 1
	# With port 0 the broker got a free port: the first instance says which.
	nats_url=$(sed -n 's/^NATS: connected to \(nats:[^ ]*\).*/\1/p' "$(cell_dir server-a)/out" | sed 1q)
	ALWAYS_ADDR=1 start_server server-b 04-scaling/server PORT_04B 5409 -nats "$nats_url" || return 1
	set -- -url "$(server_url server-a)" -url2 "$(server_url server-b)"
	if [ "$FAST" = 1 ]; then set -- "$@" -step "$FAST_STEP"; fi
	run_client client 02-stateful/client "$@" || ok=1
	stop_server server-b || ok=1
	stop_server server-a || ok=1
	printf '\nTranscripts:\n'
	check_transcript client 04-scaling/testdata/client.txt || ok=1
	return "$ok"
}

# -----------------------------------------------------------------------------

# usage prints the comment at the top of this file.
usage() {
	awk 'NR > 2 && /^#/ { sub(/^# ?/, ""); print; next } NR > 2 { exit }' "$0"
}

# on_signal NAME: Ctrl-C, kill, or the terminal closing. Stop what we
# started and exit as the signal would (128 + its number).
on_signal() {
	note "interrupted ($1): stopping the programs this script started"
	cells_cleanup
	trap - EXIT
	case $1 in
	HUP) exit 129 ;;
	INT) exit 130 ;;
	*) exit 143 ;;
	esac
}

SUMMARY=""
FAILED=0

# run_lesson LESSON runs the lesson's function, timed, and records the result
# for the summary.
run_lesson() {
	local lesson=$1 start status=0 result
	CURRENT_LESSON=$lesson
	LESSON_NOTE=
	banner "Lesson $lesson"
	start=$(now)
	# Lesson functions run with set -e suspended (bash suspends it inside
	# `||`), which is why every step in them ends in `|| return` or `|| ok=1`.
	"lesson_${lesson//-/_}" || status=$?
	stop_leftovers
	case $status in
	0) result=passed ;;
	"$SKIPPED") result=skipped ;;
	*)
		result=FAILED
		FAILED=1
		;;
	esac
	SUMMARY="$SUMMARY$(printf '  %-12s %-8s %6s' "$lesson" "$result" "$(since "$start")")"
	if [ -n "$LESSON_NOTE" ]; then SUMMARY="$SUMMARY  $LESSON_NOTE"; fi
	SUMMARY="$SUMMARY"$'\n'
}

main() {
	local selected="" arg lesson
	for arg in "$@"; do
		case $arg in
		--fast) FAST=1 ;;
		--free-ports) FREE_PORTS=1 ;;
		-h | --help)
			usage
			exit 0
			;;
		-*)
			note "unknown option $arg (see --help)"
			exit 2
			;;
		*)
			arg=${arg%/} # a directory name completed by the shell: 02-stateful/
			case " $LESSONS " in
			*" $arg "*) selected="$selected $arg" ;;
			*)
				note "no lesson named $arg; the lessons are: $LESSONS"
				exit 2
				;;
			esac
			;;
		esac
	done
	[ -n "$selected" ] || selected=$LESSONS
	command -v go >/dev/null 2>&1 || die "go is not installed (this suite needs Go 1.26 or newer)"

	cd "$ROOT"
	cells_init
	trap cells_cleanup EXIT
	trap 'on_signal INT' INT
	trap 'on_signal TERM' TERM
	trap 'on_signal HUP' HUP # the terminal was closed

	for lesson in $selected; do
		run_lesson "$lesson"
	done

	banner "run.sh summary"
	printf '%s' "$SUMMARY"
	if [ "$FAILED" = 1 ]; then
		note "some lessons failed (see above)"
		exit 1
	fi
}

main "$@"
