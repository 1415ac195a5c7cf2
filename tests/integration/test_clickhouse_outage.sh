#!/bin/sh
# A sensor keeps working when ClickHouse is down, killed mid-insert, frozen,
# or when the sensor itself dies halfway through sending; afterwards the store
# holds every capture exactly once: the same answers as one SQLite store that
# read the same captures without trouble.
set -eu
scanprint=$1
. "$SP_SOURCE/tests/integration/clickhouse_server.sh"
ch_require

work=$(mktemp -d /tmp/sp-ch-outage.XXXXXX)
bg=""
cleanup() {
	[ -n "$bg" ] && kill -KILL "$bg" 2>/dev/null
	ch_stop
	rm -rf "$work"
}
trap cleanup EXIT INT TERM
export SCANPRINT_SPOOL="$work/spool"
fails=0
failed() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}
said() { # said WHAT FILE
	if grep -q "$1" "$2"; then echo "ok: said \"$1\""; else
		failed "expected \"$1\" in:"
		cat "$2" >&2
	fi
}
spooled() { ls "$SCANPRINT_SPOOL"/*/*.batch 2>/dev/null | wc -l; }
same() { # same NAME: SQLite and ClickHouse agree
	"$scanprint" sources --db "$work/sqlite.db" --json --order ip >"$work/a"
	if ! "$scanprint" sources --db "$URL" --json --order ip >"$work/b" 2>"$work/err"; then
		failed "$1: sources failed: $(cat "$work/err")"
	elif cmp -s "$work/a" "$work/b"; then
		echo "ok: $1 ($(wc -l <"$work/a") sources identical)"
	else
		failed "$1: the stores differ"
		diff "$work/a" "$work/b" | head -n 6 >&2
	fi
}
wait_spooled() { # until a batch is in the spool (at most 60 s)
	i=0
	while [ "$(spooled)" -eq 0 ] && [ $i -lt 600 ]; do
		sleep 0.1
		i=$((i + 1))
	done
}
sqlite_read() { "$scanprint" read -q --db "$work/sqlite.db" "$@"; }

cc -O2 -o "$work/mkcapture" "$SP_SOURCE/bench/mkcapture.c" -lpcap
# a sanitized build (make test-asan) is many times slower: smaller captures
# still take it a while to send, but less than the release build's pause:
# it kills the server sooner
if [ "${SP_SANITIZED:-0}" = 1 ]; then small="30000 4000" big="300000 30000" pause=0.05; else
	small="120000 15000" big="1200000 120000" pause=0.4
fi
for n in 1 2 3 4 5 6 7; do
	"$work/mkcapture" "$work/c$n.pcap" $small "$n"
done
# large enough that sending it takes a while
"$work/mkcapture" "$work/big1.pcap" $big 21
"$work/mkcapture" "$work/big2.pcap" $big 22

ch_start "$work/server"
URL="$(ch_url outage)?timeout=3"

# 1. up
"$scanprint" read -q --db "$URL" --sensor a "$work/c1.pcap"
sqlite_read --sensor a "$work/c1.pcap"
same "server up"

# 2. down: the sensor goes on, says so, keeps the batch, skips a re-read
ch_kill
if ! "$scanprint" read --db "$URL" --sensor b "$work/c2.pcap" 2>"$work/err"; then
	failed "read with the server down failed"
fi
said "cannot reach ClickHouse" "$work/err"
said "spool" "$work/err"
[ "$(spooled)" -eq 1 ] || failed "the batch is not in the spool"
"$scanprint" read --db "$URL" --sensor b "$work/c2.pcap" 2>"$work/err"
said "already read" "$work/err"
"$scanprint" read -q --db "$URL" --sensor b "$work/c3.pcap" 2>/dev/null
if "$scanprint" sources --db "$URL" >/dev/null 2>"$work/err"; then
	failed "sources succeeded with no server"
fi
said "Couldn't connect" "$work/err"
sqlite_read --sensor b "$work/c2.pcap" "$work/c3.pcap"
ch_start "$work/server"
same "back up: spooled batches sent once"
[ "$(spooled)" -eq 0 ] || failed "the spool was not emptied"

# 3. the server killed while a large batch is being inserted
"$scanprint" read -q --db "$URL" --sensor c "$work/big1.pcap" 2>"$work/err" &
bg=$!
wait_spooled
sleep $pause
ch_kill
wait "$bg" || failed "the sensor failed when the server died"
bg=""
said "spool" "$work/err"
ch_start "$work/server"
"$scanprint" read -q --db "$URL" --sensor c "$work/c4.pcap" 2>/dev/null
sqlite_read --sensor c "$work/big1.pcap" "$work/c4.pcap"
same "server killed mid-insert"
garbage=$(ch_query "SELECT count() FROM outage.source_parts WHERE part NOT IN (SELECT part FROM outage.valid_parts)")
echo "note: $garbage rows of cut-off attempts are stored and never read"

# 4. the sensor killed while it sends; run again, as an operator would
"$scanprint" read -q --db "$URL" --sensor d "$work/big2.pcap" 2>/dev/null &
bg=$!
wait_spooled
sleep 0.3
kill -KILL "$bg" 2>/dev/null || true
wait "$bg" 2>/dev/null || true
bg=""
"$scanprint" read -q --db "$URL" --sensor d "$work/big2.pcap" 2>/dev/null || true
sqlite_read --sensor d "$work/big2.pcap"
same "sensor killed while sending"

# 5. a server that does not answer at all (stopped, not dead)
ch_freeze
start=$(date +%s)
"$scanprint" read --db "$URL" --sensor e "$work/c5.pcap" 2>"$work/err" ||
	failed "read against a frozen server failed"
took=$(($(date +%s) - start))
[ "$took" -lt 60 ] || failed "the sensor waited ${took}s for a frozen server"
echo "ok: a frozen server held the sensor ${took}s"
said "timed out" "$work/err"
ch_thaw
sqlite_read --sensor e "$work/c5.pcap"
same "frozen server thawed"

# 6. the spool is bounded: with the server down and no room, a capture is
# refused as a whole (nothing half stored), and can be read again later
ch_kill
if "$scanprint" read --db "$(ch_url outage)?spool_max=1M" --sensor f "$work/c6.pcap" 2>"$work/err"; then
	failed "a batch larger than the spool was accepted"
fi
said "spool .* is full" "$work/err"
[ "$(spooled)" -eq 0 ] || failed "a refused batch was left in the spool"
ch_start "$work/server"
"$scanprint" read -q --db "$URL" --sensor f "$work/c6.pcap" "$work/c7.pcap"
sqlite_read --sensor f "$work/c6.pcap" "$work/c7.pcap"
same "after the spool was full"

# every batch counted once although some were sent more than once
ch_query "SELECT count() FROM outage.valid_parts" >"$work/a"
"$scanprint" read -q --db "$work/sqlite.db" "$work/c1.pcap" 2>/dev/null
sqlite3 "$work/sqlite.db" "SELECT count() FROM captures" >"$work/b"
cmp -s "$work/a" "$work/b" || failed "valid parts $(cat "$work/a") != captures $(cat "$work/b")"

[ "$fails" -eq 0 ] || { echo "$fails check(s) failed" >&2; exit 1; }
echo "all outage checks passed"
