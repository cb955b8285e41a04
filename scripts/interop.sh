#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Checks that the Go lessons and Node's ws library understand each other, in
# both directions: Node clients against the Go servers, Go clients against
# Node servers (the programs in node/, written for this project on ws, the
# library the notebook uses).
#
#   ./scripts/interop.sh
#
# Installs node/'s npm packages when they are missing. Without Node.js the
# check is skipped with a note, except under CI=true, where it fails.
set -euo pipefail

# shellcheck source=lib/common.sh
. "$(dirname "$0")/lib/common.sh"
# shellcheck source=lib/cells.sh
. "$ROOT/scripts/lib/cells.sh"

FAILED=0

# Every server on a free port: the checks never collide with a running lesson.
FREE_PORTS=1

# node_program NAME FILE makes node/FILE startable like a built Go program,
# as CELLS_DIR/bin/node/NAME, so that the cell functions can run it.
node_program() {
	mkdir -p "$CELLS_DIR/bin/node"
	printf '#!/bin/sh\nexec node "%s/node/%s" "$@"\n' "$ROOT" "$2" >"$CELLS_DIR/bin/node/$1"
	chmod +x "$CELLS_DIR/bin/node/$1"
}

# expect_line NAME LINE fails unless the program NAME printed LINE.
expect_line() {
	if grep -qxF "$2" "$(cell_dir "$1")/out"; then
		printf '  [same]    %s printed "%s"\n' "$1" "$2"
	else
		printf '  [MISSING] %s did not print "%s"\n' "$1" "$2"
		return 1
	fi
}

# check NAME runs the check function check_NAME as its own "lesson".
check() {
	CURRENT_LESSON=$1
	banner "$1"
	if ! "check_$1"; then
		FAILED=1
	fi
	stop_leftovers
}

check_node-client-go-server() {
	local ok=0
	start_server server 01-simple/server PORT_01 5405 || return 1
	run_client client node/hello-client -url "$(server_url server)" || ok=1
	stop_server server || ok=1
	expect_line server 'Server received: Hello from hello-client.mjs' || ok=1
	expect_line server 'Client disconnected' || ok=1
	return "$ok"
}

check_go-client-node-server() {
	local ok=0
	start_server server node/logging-server PORT_01 5405 || return 1
	run_client client 01-simple/client -url "$(server_url server)" || ok=1
	stop_server server || ok=1
	expect_line server 'Server received: Hello from 01-simple/client' || ok=1
	return "$ok"
}

check_node-script-go-room() {
	local ok=0
	start_server server 02-stateful/server PORT_02 5406 || return 1
	run_client client node/staged-client -url "$(server_url server)" -step 50ms || ok=1
	stop_server server || ok=1
	check_transcript client 02-stateful/testdata/client.txt || ok=1
	check_transcript server 02-stateful/testdata/server.txt || ok=1
	return "$ok"
}

check_go-script-node-room() {
	local ok=0
	start_server server node/room-server PORT_02 5406 || return 1
	run_client client 02-stateful/client -url "$(server_url server)" -step 50ms || ok=1
	stop_server server || ok=1
	check_transcript client 02-stateful/testdata/client.txt || ok=1
	return "$ok"
}

main() {
	if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
		if [ "${CI:-}" = true ]; then
			die "Node.js and npm are needed for the interop checks"
		fi
		note "skipped: Node.js and npm are not installed"
		exit 0
	fi
	cd "$ROOT"
	if [ ! -d node/node_modules/ws ]; then
		printf '$ npm ci --prefix node\n'
		npm ci --prefix node --no-audit --no-fund --loglevel=error
	fi
	cells_init
	trap cells_cleanup EXIT
	trap 'cells_cleanup; exit 130' INT
	trap 'cells_cleanup; exit 143' TERM

	CURRENT_LESSON=build
	mkdir -p "$CELLS_DIR/bin/01-simple" "$CELLS_DIR/bin/02-stateful"
	go build -o "$CELLS_DIR/bin/01-simple/" ./01-simple/server ./01-simple/client
	go build -o "$CELLS_DIR/bin/02-stateful/" ./02-stateful/server ./02-stateful/client
	node_program hello-client hello-client.mjs
	node_program logging-server logging-server.mjs
	node_program staged-client staged-client.mjs
	node_program room-server room-server.mjs

	check node-client-go-server
	check go-client-node-server
	check node-script-go-room
	check go-script-node-room
	if [ "$FAILED" != 0 ]; then
		die "the Go and Node programs did not understand each other (see above)"
	fi
	printf '\nThe Go and Node programs understood each other in every check.\n'
}

main "$@"
