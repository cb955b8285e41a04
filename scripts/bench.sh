#!/usr/bin/env bash
# bench.sh: the same load against four servers for the notebook's room,
# side by side: the notebook's Node `ws` server (node/room-server.mjs), a Bun
# server (node/room-server-bun.mjs, uWebSockets underneath), lesson 2
# (02-stateful/server) and lesson 5 (05-performance/server). One fresh server
# process per run; the table is built by 05-performance/benchtable from the
# load generator's JSON results.
#
#   scripts/bench.sh                     everything, about ten minutes
#   BENCH_BUDGET=300 scripts/bench.sh    stop starting runs after ~300 s
#   BENCH_SERVERS="bun lesson5" BENCH_SCENARIOS="fanout100 idle1000" scripts/bench.sh
#                                        only those servers and scenarios
#                                        (fanout100 fanout1000 many10 idle1000
#                                        hold10k flood)
#
# Node and Bun are skipped, with a note, where they cannot be installed. All
# load stays on this machine (127.0.0.1). The servers run with their default
# runtime settings: nothing here sets GOGC, GOMEMLIMIT or GOMAXPROCS. Lesson
# 5 runs with -quiet -rate 0 (no log line per broadcast, no limit per client:
# the load generator paces its senders, and the JS servers have neither);
# lesson 2 has no such flags, so its log goes to a file. The JSON results,
# each server's output and the table are copied to artifacts/bench/ at the
# end (BENCH_OUT to change).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
out=${BENCH_OUT:-$root/artifacts/bench}
budget=${BENCH_BUDGET:-840} # seconds; a run that cannot fit is skipped
started=$(date +%s)

work=$(mktemp -d "${TMPDIR:-/tmp}/room-bench.XXXXXX")
results="$work/results" # copied to $out when the run ends
mkdir -p "$results"
server_pid=""

cleanup() {
	if [ -n "$server_pid" ]; then
		kill -KILL "$server_pid" 2>/dev/null || true
	fi
	if mkdir -p "$out" 2>/dev/null; then
		rm -f "$out"/*.json "$out"/*.log "$out"/table.md
		cp "$results"/* "$out"/ 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

say() { printf '%s\n' "$*" >&2; }
die() {
	say "bench.sh: $*"
	exit 1
}

# --- Building -------------------------------------------------------------

cd "$root"
say "Building the Go servers, the load generator and the table builder"
go build -o "$work/lesson2" ./02-stateful/server
go build -o "$work/lesson5" ./05-performance/server
go build -o "$work/loadgen" ./05-performance/loadgen
go build -o "$work/benchtable" ./05-performance/benchtable

servers="lesson2 lesson5"
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
	say "Node.js or npm is not installed: skipping the Node and Bun servers."
elif ! (cd node && npm ci --no-audit --no-fund --loglevel=error >"$work/npm.log" 2>&1); then
	cat "$work/npm.log" >&2
	say "npm ci failed in node/: skipping the Node and Bun servers."
else
	servers="node $servers"
	# Bun is an optional dependency: npm skips it where it has no build.
	if node/node_modules/.bin/bun --version >/dev/null 2>&1; then
		servers="node bun lesson2 lesson5"
	else
		say "Bun could not be installed here (npm ci in node/ fetches it): skipping the Bun server."
	fi
fi
if [ -n "${BENCH_SERVERS:-}" ]; then
	picked=""
	for impl in $servers; do
		case " $BENCH_SERVERS " in *" $impl "*) picked="$picked $impl" ;; esac
	done
	servers=${picked# }
fi
say "Servers: $servers"

# wanted NAME: whether BENCH_SCENARIOS (all when unset) names the scenario;
# "idle1000" names its three runs.
wanted() {
	[ -n "${BENCH_SCENARIOS:-}" ] || return 0
	case " $BENCH_SCENARIOS " in *" ${1%-[0-9]} "*) return 0 ;; esac
	return 1
}

# --- Servers --------------------------------------------------------------

# start_server NAME COMMAND...: starts a server on a free loopback port,
# waits for its "Listening on ws://HOST:PORT" line and sets server_pid and
# server_addr.
start_server() {
	local name=$1 log
	shift
	log="$results/$name.server.log"
	"$@" >"$log" 2>&1 &
	server_pid=$!
	local tries=0
	server_addr=""
	while [ -z "$server_addr" ]; do
		if ! kill -0 "$server_pid" 2>/dev/null; then
			cat "$log" >&2
			die "the $name server exited before listening"
		fi
		if [ "$tries" -ge 100 ]; then # 10 s
			die "the $name server did not print its address within 10 s"
		fi
		server_addr=$(sed -n 's#^Listening on ws://##p' "$log" | head -n 1)
		[ -n "$server_addr" ] || sleep 0.1
		tries=$((tries + 1))
	done
}

# stop_server: Ctrl-C, as a reader would, then a hard kill if it lingers.
stop_server() {
	[ -n "$server_pid" ] || return 0
	kill -INT "$server_pid" 2>/dev/null || true
	local tries=0
	while kill -0 "$server_pid" 2>/dev/null && [ "$tries" -lt 50 ]; do # 5 s
		sleep 0.1
		tries=$((tries + 1))
	done
	kill -KILL "$server_pid" 2>/dev/null || true
	wait "$server_pid" 2>/dev/null || true
	server_pid=""
}

# run_one SERVER RUN TIMEOUT LOADGEN-ARGS...: a fresh server, one load
# generator run against it, the result in $results/SERVER-RUN.json.
run_one() {
	local impl=$1 run=$2 limit=$3
	shift 3
	local left=$((budget - ($(date +%s) - started)))
	if [ "$left" -lt 15 ]; then
		say "  $impl: skipped, the time budget (BENCH_BUDGET=$budget s) is spent"
		return 0
	fi
	[ "$limit" -le "$left" ] || limit=$left
	case $impl in
	node) start_server "$impl-$run" node node/room-server.mjs -addr 127.0.0.1:0 ;;
	bun) start_server "$impl-$run" node/node_modules/.bin/bun node/room-server-bun.mjs -addr 127.0.0.1:0 ;;
	lesson2) start_server "$impl-$run" "$work/lesson2" -addr 127.0.0.1:0 ;;
	lesson5) start_server "$impl-$run" "$work/lesson5" -addr 127.0.0.1:0 -quiet -rate 0 ;;
	lesson5-shipped) start_server "$impl-$run" "$work/lesson5" -addr 127.0.0.1:0 -quiet ;;
	esac
	say "  $impl (pid $server_pid, ws://$server_addr):"
	# CPU time and memory are read from /proc (Linux); elsewhere the rates
	# and latencies are still measured.
	if [ -r "/proc/$server_pid/stat" ]; then
		set -- -pid "$server_pid" "$@"
	fi
	# The summary and progress (stderr) are shown indented; the JSON line
	# (stdout) goes to the file the table is built from.
	if ! { "$work/loadgen" -url "ws://$server_addr" -json -timeout "${limit}s" "$@" \
		2>&1 >"$results/${impl%-shipped}-$run.json"; } | sed 's/^/    /' >&2; then
		say "    (this run was not clean; its figures are still shown)"
	fi
	stop_server
}

# scenario NAME TITLE TIMEOUT SERVERS LOADGEN-ARGS...: runs it against each
# of SERVERS that is available.
scenario() {
	local name=$1 title=$2 limit=$3 only=$4 impl
	shift 4
	wanted "$name" || return 0
	say ""
	say "== $title"
	for impl in $servers; do
		case " $only " in *" $impl "*) run_one "$impl" "$name" "$limit" "$@" ;; esac
	done
}

# --- The scenarios --------------------------------------------------------

all="node bun lesson2 lesson5"
# Message counts give over a million deliveries per run: a few seconds for
# the fastest servers, about fifteen for Node.
scenario fanout100 "100 receivers, 1 sender" 60 "$all" -receivers 100 -senders 1 -messages 12000
scenario fanout1000 "1000 receivers, 1 sender" 90 "$all" -receivers 1000 -senders 1 -messages 1200
scenario many10 "10 senders, 10 receivers" 60 "$all" -receivers 10 -senders 10 -messages 6000
# Memory after a burst of work depends on where the garbage collector (Go's,
# V8's, Bun's) happened to be when it ended, so one run can land a few KB
# per connection above or below another: the table takes the median of three.
for run in 1 2 3; do
	scenario "idle1000-$run" "1000 idle connections (run $run of 3)" 60 "$all" -idle 1000
done
# Ten thousand connections bring fifty million join notices (everyone hears
# of everyone who comes later); the hold does not wait for all of them. Node
# would need minutes for them, so it sits this one out.
scenario hold10k "10,000 connections, held" 120 "bun lesson2 lesson5" -idle 10000 -hold 10s -notices 20s
# Lesson 5 as shipped (its rate limit on), against twenty clients that each
# send 19 messages of 64 KB of '<' a second: what its budget is for.
if wanted flood; then
	say ""
	say "== flood: 20 clients × 19 messages of 64 KB a second (lesson 5 as shipped)"
	run_one lesson5-shipped flood 60 -flood 20 -flood-for 10s
fi

# --- The table ------------------------------------------------------------

{
	echo ""
	echo "Machine: $(getconf _NPROCESSORS_ONLN 2>/dev/null || echo '?') cores," \
		"$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n 1)," \
		"$(go version | sed 's/^go version //')," \
		"Node $(node --version 2>/dev/null || echo 'not installed')," \
		"Bun $(node/node_modules/.bin/bun --version 2>/dev/null || echo 'not installed')"
	echo ""
	"$work/benchtable" "$results"
	echo ""
	echo "Results: $out (took $(($(date +%s) - started)) s)"
} | tee "$results/table.md"
