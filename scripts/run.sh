#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR disable=SC2046,SC2086 # the cells pass flags as words, unquoted
# Plays the lessons the way the notebook is read, cell by cell, in order:
# build a lesson's programs, start its server, run its client, stop the
# server with Ctrl-C and show what the server printed under its heading.
# (The transcripts are checked by the Go tests: ./scripts/test.sh.)
#
#   ./scripts/run.sh                 every lesson
#   ./scripts/run.sh 02-stateful     one lesson (or several)
#   ./scripts/run.sh --fast          short pauses in lesson 2's staged client
#   ./scripts/run.sh --free-ports    every server on a free port
#
# Exit status: 0 when every cell ran, 1 when one failed, 2 for a usage error.
set -euo pipefail
# shellcheck source=lib/common.sh
. "$(dirname "$0")/lib/common.sh"
# shellcheck source=lib/cells.sh
. "$ROOT/scripts/lib/cells.sh"
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

LESSONS="01-simple 02-stateful 03-browser 04-scaling 05-performance 06-production 07-rooms"
FREE=0 FAST=0

# The flags the cells add: with --free-ports a server's -addr and its clients'
# -url (else the commands are the ones a reader types), with --fast -step.
# free_addr PORT gives -addr localhost:PORT to a server not on its usual port.
free_addr() { if [ "$FREE" = 1 ]; then printf -- '-addr 127.0.0.1:0'; else printf -- '%s' "${1:+-addr localhost:$1}"; fi; }
to() { if [ "$FREE" = 1 ]; then printf -- '-url %s' "$(url "$1")"; fi; }
step() { if [ "$FAST" = 1 ]; then printf -- '-step 50ms'; fi; }

# server_then_client SERVER CLIENT [ARG...] is the notebook's shape: build
# both, start SERVER, run CLIENT (with the ARGs) against it, stop SERVER.
server_then_client() {
	build "$1" "$2"
	start server "$1" $(free_addr)
	client "$2" $(to server) "${@:3}"
	stop server
}

lesson_01_simple() { server_then_client 01-simple/server 01-simple/client; }
lesson_02_stateful() { server_then_client 02-stateful/server 02-stateful/client $(step); }

# Lesson 3 is for a person at a browser: headless Chromium stands in (the
# drive program) when it is installed, and the cell says how to do it by hand.
lesson_03_browser() {
	build 03-browser/server 03-browser/drive
	start server 03-browser/server $(free_addr)
	if have_browser; then
		client 03-browser/drive $(to server)
	else
		printf '\n(no Chromium here, so nobody drives the page)\n'
	fi
	stop server
	printf '\nThe page is for a person: run go run ./03-browser/server, open http://localhost:5407\nin two browser tabs and say hello from one to the other; Ctrl-C stops the server.\n'
}

# Two instances share one room through NATS (the first starts one inside
# itself); lesson 2's client puts client 1 on the first, client 2 on the second.
lesson_04_scaling() {
	build 04-scaling/server 02-stateful/client
	local nats=""
	# A port below the ones the system lends to outgoing connections (from
	# 32768 on Linux, 49152 on macOS), which could be holding it.
	if [ "$FREE" = 1 ]; then nats="-nats nats://127.0.0.1:$((20000 + RANDOM % 12000))"; fi
	WAIT_FOR='^Admitting clients' start server-a 04-scaling/server $(free_addr) $nats
	WAIT_FOR='^Admitting clients' start server-b 04-scaling/server $(free_addr 5409) $nats
	wait_line server-a '^Instance [[:alnum:]]+ joined the cluster$'
	client 02-stateful/client -url "$(url server-a)" -url2 "$(url server-b)" $(step)
	wait_line server-b '^Client [0-9]+ disconnected$'
	stop server-b
	wait_line server-a '^Instance [[:alnum:]]+ left the cluster$'
	stop server-a
}

# Lesson 2's client against lesson 5's room: the same protocol, made fast.
lesson_05_performance() { server_then_client 05-performance/server 02-stateful/client $(step); }

# The room over TLS, behind a sign-in: the server says where its certificate
# is; ada stays while bob signs in, says Hello and leaves. The browser is by hand.
lesson_06_production() {
	build 06-production/server 06-production/client
	start server 06-production/server $(free_addr)
	local cert
	cert=$(sed -n 's|^No -cert and -key: made a self-signed certificate for localhost, ||p' "$WORK/server.out")
	WAIT_FOR='^Connected as ada$' start ada 06-production/client $(to server) -cacert "$cert" -name ada
	WAIT_FOR='^Connected as bob$' start bob 06-production/client $(to server) -cacert "$cert" -name bob -say Hello
	wait_line ada '^broadcast: Hello$'
	stop bob
	wait_line ada 'bob disconnected$'
	stop server
	stop ada
	printf '\nThe sign-in page is for a person: run go run ./06-production/server and open\nhttps://localhost:5410 (accept the certificate); Ctrl-C stops the server.\n'
}

# Many rooms, their history in JetStream (inside the first instance): lesson
# 2's client in the room lobby, client 1 on the first instance, 2 on a second.
lesson_07_rooms() {
	build 07-rooms/server 02-stateful/client
	local embed=""
	if [ "$FREE" = 1 ]; then embed="-embed 127.0.0.1:0"; fi
	WAIT_FOR='^NATS with JetStream on ' start server-a 07-rooms/server $(free_addr) $embed
	start server-b 07-rooms/server $(free_addr 5412) -nats "$(sed -n 's/^NATS with JetStream on //p' "$WORK/server-a.out")"
	client 02-stateful/client -url "$(url server-a)/rooms/lobby" -url2 "$(url server-b)/rooms/lobby" $(step)
	wait_line server-b '^Client [0-9]+ left room lobby$'
	stop server-b
	stop server-a
}

main() {
	local selected="" arg lesson began
	for arg in "$@"; do
		case $arg in
		--fast) FAST=1 ;;
		--free-ports) FREE=1 ;;
		-h | --help) sed -n '3,/^set/s/^# \{0,1\}//p' "$0" && exit 0 ;;
		*)
			arg=${arg%/} # a directory completed by the shell: 02-stateful/
			case " $LESSONS " in
			*" $arg "*) selected="$selected $arg" ;;
			*) note "no lesson or option $arg; the lessons are $LESSONS (see -h)" && exit 2 ;;
			esac
			;;
		esac
	done
	command -v go >/dev/null 2>&1 || die "go is not installed (this suite needs Go 1.26 or newer)"
	began=$(now)
	for lesson in ${selected:-$LESSONS}; do
		banner "Lesson $lesson"
		"lesson_${lesson//-/_}"
	done
	banner "Every cell ran ($(since "$began"))"
}

main "$@"
