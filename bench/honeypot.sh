#!/bin/sh
# Benchmark of `scanprint honeypot`: SIP messages a second answered AND
# logged (every message stored in the SQLite store with its reply, fed to the
# profiles, and written to the JSON Lines log), and the reply latency, with
# the honeypot pinned to one core (taskset -c 0: its network loop, recorder
# and SQLite writer threads share it) and the load generator bench/hpload.c
# on another. Loopback only (127.0.0.x, ports 25072 and 25080).
#
#   bench/honeypot.sh                      # 1M messages, then a latency run
#   MESSAGES=100000 bench/honeypot.sh
#   CALLGRIND=1 bench/honeypot.sh          # also instructions per message (valgrind)
#
# "Logged" is measured where it happens: from the first request sent until
# the store has committed the last message (the honeypot commits every
# second here; the store is polled every 0.1 s), so the rate is end to end
# and includes up to one commit interval: a million messages (about 20 s)
# keep that under 5% of the run. The client's rate is bounded by
# the logging too: the recorder holds at most 64 batches (16 MiB) of records
# before the network loop waits for it.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$here/build}
messages=${MESSAGES:-1000000}
port=${PORT:-25072}
scanprint=$build/scanprint
hpload=$build/hpload
[ -x "$scanprint" ] && [ -x "$hpload" ] || { echo "build first: make" >&2; exit 1; }
command -v taskset >/dev/null && command -v sqlite3 >/dev/null || {
	echo "needs taskset and sqlite3" >&2
	exit 1
}
work=$(mktemp -d)
chmod 755 "$work"
[ "$(id -u)" = 0 ] && chown nobody "$work" # the honeypot runs as nobody once bound
pid=
trap '[ -n "$pid" ] && kill -KILL $pid 2>/dev/null; rm -rf "$work"' EXIT INT TERM

start() { # a fresh honeypot on core 0
	rm -f "$work"/db* "$work"/log
	taskset -c 0 "$scanprint" honeypot --db "$work/db" --log "$work/log" --flush 1 --stats 0 \
		--listen "udp:127.0.0.1:$port" --rate-source 1e9/1e9 --rate-global 1e9/1e9 -q \
		2>"$work/err" &
	pid=$!
	for _ in $(seq 50); do
		[ -s "$work/log" ] && return 0
		sleep 0.1
	done
	cat "$work/err" >&2
	exit 1
}

stop() { # sets $drain: seconds from SIGTERM to exit (session record, fsync of the log)
	t0=$(date +%s.%N)
	kill -TERM "$pid"
	wait "$pid" || true
	pid=
	drain=$(echo "$(date +%s.%N) - $t0" | bc)
}

rows() {
	taskset -c 1 sqlite3 "$work/db" 'SELECT coalesce(max(id), 0) FROM messages' 2>/dev/null || echo 0
}

field() { # NAME from an hpload line
	echo "$2" | tr ' ' '\n' | awk -v k="$1" 'p { print; exit } $0 == k { p = 1 }'
}

echo "## scanprint honeypot on one core ($(nproc) cores here, $(uname -r))"
echo

# 1. throughput: a window of 256 requests in flight
start
t_start=$(date +%s.%N)
taskset -c 1 "$hpload" -n "$messages" -w 256 -s 16 "127.0.0.1:$port" >"$work/load.out"
while [ "$(rows)" -lt "$messages" ]; do
	sleep 0.1
	[ "$(echo "$(date +%s.%N) - $t_start > 300" | bc)" = 1 ] && break
done
t_logged=$(date +%s.%N)
stop
stored=$(sqlite3 "$work/db" 'SELECT count(*) FROM messages')
line=$(cat "$work/load.out")
logged=$(echo "$stored / ($t_logged - $t_start)" | bc)
echo "| measure | value |"
echo "|---|---|"
echo "| messages sent (OPTIONS as svmap 0.3.x writes them, 16 sources) | $(field sent "$line") |"
echo "| replies received / lost | $(field replies "$line") / $(field lost "$line") |"
echo "| messages stored (table messages) | $stored |"
echo "| **messages/s logged** (first sent .. last committed) | **$logged** |"
echo "| replies/s seen by the client (window 256) | $(field rate "$line") |"
echo "| reply latency p50 / p99 / p99.9 at window 256 (us) | $(field p50_us "$line") / $(field p99_us "$line") / $(field p999_us "$line") |"
echo "| stopping after the load (session record, fsync of the log), s | $drain |"

# 2. latency: a window of 8 (little queueing)
start
line=$(taskset -c 1 "$hpload" -n 50000 -w 8 -s 16 "127.0.0.1:$port")
stop
echo "| replies/s at window 8 | $(field rate "$line") |"
echo "| **reply latency p50 / p99 / p99.9 at window 8 (us)** | $(field p50_us "$line") / **$(field p99_us "$line")** / $(field p999_us "$line") |"

# 3. instructions per message, which do not depend on the machine's load
if [ "${CALLGRIND:-0}" = 1 ] && command -v valgrind >/dev/null; then
	n=20000
	rm -f "$work"/db* "$work"/log "$work"/cg.*
	run=""
	[ "$(id -u)" = 0 ] && run="setpriv --reuid=nobody --regid=nogroup --clear-groups"
	$run valgrind --tool=callgrind --callgrind-out-file="$work/cg.%p" "$scanprint" honeypot \
		--db "$work/db" --log "$work/log" --listen "udp:127.0.0.1:$port" \
		--rate-source 1e9/1e9 --rate-global 1e9/1e9 -q 2>"$work/err" &
	pid=$!
	sleep 3
	"$hpload" -n $n -w 64 -s 16 -t 3000 "127.0.0.1:$port" >/dev/null
	stop
	total=$(callgrind_annotate "$work"/cg.* 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }')
	parse=$(callgrind_annotate --inclusive=yes "$work"/cg.* 2>/dev/null |
		awk '/sip\.c:sip_parse / { gsub(",", "", $1); print $1; exit }')
	sqlite=$(callgrind_annotate --inclusive=yes "$work"/cg.* 2>/dev/null |
		awk '/sqlite\.c:writer_main/ { gsub(",", "", $1); print $1; exit }')
	echo "| instructions per message (callgrind, all threads, $n messages) | $((total / n)) |"
	echo "| of which the SIP parser / the SQLite writer | $((${parse:-0} / n)) / $((${sqlite:-0} / n)) |"
fi
