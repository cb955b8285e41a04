#!/usr/bin/env bash
# bench.sh: how far does the lesson-2 server go? Runs the same load against
# the Go server (02-stateful/server) and against a Node server written with
# the notebook's `ws` package (node/room-server.mjs), one fresh server
# process per scenario, and prints the figures side by side with the Go/Node
# ratio. Node is skipped, with a message, where node or npm is missing.
#
#   scripts/bench.sh                     everything, a few minutes
#   BENCH_BUDGET=120 scripts/bench.sh    stop starting scenarios after ~120 s
#
# All load stays on this machine (127.0.0.1). Each run's JSON result, each
# server's output and the table are copied to artifacts/bench/ at the end
# (BENCH_OUT to change).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
out=${BENCH_OUT:-$root/artifacts/bench}
budget=${BENCH_BUDGET:-360} # seconds; a scenario that cannot fit is skipped
started=$(date +%s)

work=$(mktemp -d "${TMPDIR:-/tmp}/bench.XXXXXX")
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
say "Building the Go server and the load generator"
go build -o "$work/server" ./02-stateful/server
go build -o "$work/loadgen" ./02-stateful/loadgen

have_node=no
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
	say "Node.js or npm is not installed: skipping the Node reference server (Go figures only)."
elif ! (cd node && npm ci --no-audit --no-fund --loglevel=error >"$work/npm.log" 2>&1); then
	cat "$work/npm.log" >&2
	say "npm ci failed in node/: skipping the Node reference server (Go figures only)."
else
	have_node=yes
fi

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

# run_one IMPL SCENARIO TIMEOUT LOADGEN-ARGS...: a fresh server, one load
# generator run against it, the result in $results/IMPL-SCENARIO.json.
run_one() {
	local impl=$1 scenario=$2 limit=$3
	shift 3
	local left=$((budget - ($(date +%s) - started)))
	if [ "$left" -lt 15 ]; then
		say "  $impl: skipped, the time budget (BENCH_BUDGET=$budget s) is spent"
		return 0
	fi
	[ "$limit" -le "$left" ] || limit=$left
	# The Go server's limit on each client's sending rate is lifted (-rate 0):
	# the load generator paces its senders itself, and the Node server has no
	# such limit.
	case $impl in
	go) start_server "$impl-$scenario" "$work/server" -addr 127.0.0.1:0 -quiet -rate 0 ;;
	node) start_server "$impl-$scenario" node node/room-server.mjs -addr 127.0.0.1:0 ;;
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
		2>&1 >"$results/$impl-$scenario.json"; } | sed 's/^/    /' >&2; then
		say "    (this run was not clean; its figures are still shown)"
	fi
	stop_server
}

# scenario NAME TITLE TIMEOUT LOADGEN-ARGS...: runs it against each server.
scenario() {
	local name=$1 title=$2 limit=$3
	shift 3
	say ""
	say "== $title"
	run_one go "$name" "$limit" "$@"
	if [ "$have_node" = yes ]; then
		run_one node "$name" "$limit" "$@"
	fi
}

# --- The scenarios --------------------------------------------------------

# Message counts are chosen so that each broadcast run takes a few seconds
# against the Go server (over a million deliveries) and about twenty against
# the Node one.
scenario fanout100 "100 receivers, 1 sender" 60 -receivers 100 -senders 1 -messages 12000
scenario fanout1000 "1000 receivers, 1 sender" 90 -receivers 1000 -senders 1 -messages 1200
scenario many10 "10 senders, 10 receivers" 60 -receivers 10 -senders 10 -messages 6000
# Memory after a burst of work depends on where the garbage collector (Go's or
# V8's) happened to be when the burst ended, so one run can land a few KB per
# connection above or below another: the table takes the median of three.
for run in 1 2 3; do
	scenario "idle1000-$run" "1000 idle connections (run $run of 3)" 60 -idle 1000
done
say ""
say "== 10,000 connections, held (Go only)"
# Ten thousand connections bring fifty million join notices (everyone hears
# of everyone who comes later); the hold does not wait for all of them.
run_one go hold10k 150 -idle 10000 -hold 10s -notices 20s

# --- The table ------------------------------------------------------------

# field FILE NAME: a value from a result's JSON line ("-" if absent).
field() {
	local v=""
	[ -s "$1" ] && v=$(sed -n 's/.*"'"$2"'":\([^,}]*\).*/\1/p' "$1")
	printf '%s\n' "${v:--}"
}

# figure IMPL SCENARIO FIELD: a value from the scenario's run, or the median
# of its runs when it was run several times (IMPL-SCENARIO-1.json, ...).
figure() {
	local f
	for f in "$results/$1-$2.json" "$results/$1-$2"-[0-9].json; do
		field "$f" "$3"
	done | sort -g | awk '$1 != "-" { v[++n] = $1 } END { print n ? v[int((n + 1) / 2)] : "-" }'
}

# row TITLE SCENARIO FIELD SCALE DECIMALS: one figure, Go and Node and their ratio.
row() {
	local g n
	g=$(figure go "$2" "$3")
	n=$(figure node "$2" "$3")
	awk -v t="$1" -v g="$g" -v n="$n" -v s="$4" -v d="$5" 'BEGIN {
		fg = (g == "-") ? "-" : sprintf("%.*f", d, g * s)
		fn = (n == "-") ? "-" : sprintf("%.*f", d, n * s)
		r = (g == "-" || n == "-" || n + 0 == 0) ? "-" : sprintf("%.2f", g / n)
		printf "| %-44s | %10s | %10s | %7s |\n", t, fg, fn, r
	}'
}

# heading TITLE: a row that names the scenario of the rows below it.
heading() { printf '| %-44s | %10s | %10s | %7s |\n' "**$1**" "" "" ""; }

{
	echo ""
	echo "Machine: $(getconf _NPROCESSORS_ONLN 2>/dev/null || echo '?') cores," \
		"$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n 1)," \
		"$(go version | sed 's/^go version //')," \
		"Node $(node --version 2>/dev/null || echo 'not installed')"
	echo ""
	printf '| %-44s | %10s | %10s | %7s |\n' "Figure" "Go" "Node" "Go/Node"
	printf '|%s|%s|%s|%s|\n' "----------------------------------------------" "-----------:" "-----------:" "--------:"
	for s in "fanout100:100 receivers, 1 sender" "fanout1000:1000 receivers, 1 sender" "many10:10 senders, 10 receivers"; do
		name=${s%%:*}
		heading "${s#*:}"
		row "deliveries per second" "$name" deliveries_per_second 1 0
		row "latency p50 (ms)" "$name" latency_p50_ms 1 2
		row "latency p99 (ms)" "$name" latency_p99_ms 1 2
		row "lost deliveries" "$name" lost 1 0
		row "server CPU time per delivery, microseconds" "$name" server_cpu_us_per_delivery 1 2
		row "server peak RSS (MB)" "$name" server_peak_rss_kb 0.0009765625 1
	done
	heading "1000 idle connections (median of 3 runs)"
	row "server memory per connection (KB)" idle1000 server_bytes_per_connection 0.0009765625 1
	heading "10,000 connections (Go only)"
	row "held for 10 s" hold10k connections_held 1 0
	row "failed to open" hold10k connections_failed 1 0
	row "dropped while held" hold10k connections_dropped 1 0
	row "join notices delivered by then (millions)" hold10k join_notices 0.000001 1
	echo ""
	echo "Results: $out (took $(($(date +%s) - started)) s)"
} | tee "$results/table.md"
