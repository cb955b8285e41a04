#!/usr/bin/env bash
# bench-rooms.sh: lesson 7 under load. Starts INSTANCES servers of
# 07-rooms (the first runs NATS with JetStream inside itself), fills ROOMS
# rooms of SIZE members over LOADGENS load generator processes connecting
# from several loopback addresses, lets every room talk (one message every
# EVERY per room) for DURATION, and prints one JSON line per load generator
# and a summary: connections, server memory per connection (resident set
# growth while everyone is connected), deliveries per second, latency.
#
#   scripts/bench-rooms.sh                               one instance, 19,000 connections
#   INSTANCES=6 LOADGENS=6 ROOMS=10000 scripts/bench-rooms.sh     the 100,000 goal
#   BROKER=1 ...                         one more instance, without clients, hosts NATS
#
# Every process may hold at most about 19,000 connections (20,000 file
# descriptors), so a run needs at least ROOMS*SIZE/19000 instances and as many
# load generators. Everything stays on this machine. The servers' logs and the
# load generators' results are copied to artifacts/bench-rooms/ (BENCH_OUT).
set -euo pipefail

instances=${INSTANCES:-1}
loadgens=${LOADGENS:-1}
rooms=${ROOMS:-1900}
size=${SIZE:-10}
every=${EVERY:-5s}
duration=${DURATION:-40s}
broker=${BROKER:-0} # 1: the NATS server gets a process of its own
sources=${SOURCES:-127.0.0.1,127.0.0.2,127.0.0.3,127.0.0.4,127.0.0.5,127.0.0.6,127.0.0.7,127.0.0.8}

root=$(cd "$(dirname "$0")/.." && pwd)
out=${BENCH_OUT:-$root/artifacts/bench-rooms} # the logs and results are copied there
work=$(mktemp -d "${TMPDIR:-/tmp}/bench-rooms.XXXXXX")
pids=()
cleanup() {
	# Last started, first stopped: the instance hosting NATS goes last, so
	# the others can still store their clients' goodbyes while they stop.
	local i
	for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
		kill "${pids[i]}" 2>/dev/null || true
		wait "${pids[i]}" 2>/dev/null || true
	done
	if mkdir -p "$out" 2>/dev/null; then
		rm -f "$out"/*.log "$out"/*.json "$out"/*.err
		cp "$work"/*.log "$work"/*.json "$work"/*.err "$out"/ 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT

(cd "$root/07-rooms" && go build -o "$work/server" ./server && go build -o "$work/loadgen" ./loadgen)

# wait_for FILE PATTERN: until FILE has a line matching PATTERN (5 minutes at most).
wait_for() {
	local tries=0
	until grep -q "$2" "$1" 2>/dev/null; do
		tries=$((tries + 1))
		if [ "$tries" -gt 3000 ] || grep -q '^server:' "$1" 2>/dev/null; then
			echo "bench-rooms: no \"$2\" in $1" >&2
			cat "$1" >&2
			exit 1
		fi
		sleep 0.1
	done
}

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }

urls=""
server_pids=()
for i in $(seq 0 $((instances - 1 + broker))); do
	port=$((5411 + i))
	if [ "$i" -eq 0 ]; then
		"$work/server" -addr "127.0.0.1:$port" -embed 127.0.0.1:4244 -quiet >"$work/server-$i.log" 2>&1 &
	else
		"$work/server" -addr "127.0.0.1:$port" -nats nats://127.0.0.1:4244 -quiet >"$work/server-$i.log" 2>&1 &
	fi
	pids+=($!)
	server_pids+=($!)
	wait_for "$work/server-$i.log" '^\(NATS with JetStream on\|Joined NATS at\)'
	if [ "$i" -ge "$broker" ]; then
		urls="$urls${urls:+,}ws://127.0.0.1:$port"
	fi
done
before=0
for pid in "${server_pids[@]}"; do
	before=$((before + $(rss_kb "$pid")))
done

per=$((rooms / loadgens))
for j in $(seq 0 $((loadgens - 1))); do
	"$work/loadgen" -urls "$urls" -sources "$sources" -first $((j * per)) -rooms "$per" -size "$size" \
		-every "$every" -duration "$duration" >"$work/load-$j.json" 2>"$work/load-$j.err" &
	pids+=($!)
done
for j in $(seq 0 $((loadgens - 1))); do
	wait_for "$work/load-$j.err" '^joined:'
	cat "$work/load-$j.err"
done
after=0
for pid in "${server_pids[@]}"; do
	after=$((after + $(rss_kb "$pid")))
done
for j in $(seq 0 $((loadgens - 1))); do
	wait_for "$work/load-$j.json" 'connections'
	cat "$work/load-$j.json"
done

cat "$work"/load-*.json | awk -v before="$before" -v after="$after" -v instances="$instances" '
	{
		match($0, /"connections":[0-9]+/); c += substr($0, RSTART + 14, RLENGTH - 14)
		match($0, /"failed":[0-9]+/); f += substr($0, RSTART + 9, RLENGTH - 9)
		match($0, /"deliveries_per_second":[0-9.]+/); d += substr($0, RSTART + 24, RLENGTH - 24)
	}
	END {
		printf "summary: %d instances, %d connections (%d failed), servers %.0f MB -> %.0f MB resident (%.1f KB per connection), %.0f deliveries/s\n",
			instances, c, f, before / 1024, after / 1024, (after - before) / (c > 0 ? c : 1), d
	}'
