#!/bin/sh
# Many sensors, one store: three sensors (a, b, c) read different captures
# into one ClickHouse at the same time; the store holds the union, exactly as
# one SQLite store that read the three captures one after the other. Then two
# `live` sensors watch the same loopback traffic, one into SQLite and one into
# ClickHouse (committing every second), and must agree too.
set -eu
scanprint=$1
. "$SP_SOURCE/tests/integration/clickhouse_server.sh"
ch_require

work=$(mktemp -d /tmp/sp-ch-sensors.XXXXXX)
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	ch_stop
	rm -rf "$work"
}
trap cleanup EXIT INT TERM
export SCANPRINT_SPOOL="$work/spool"
fails=0
check() {
	if cmp -s "$work/a" "$work/b"; then echo "ok: $1"; else
		echo "FAIL: $1" >&2
		diff "$work/a" "$work/b" | head -n 10 >&2
		fails=$((fails + 1))
	fi
}

ch_start "$work/server"
URL=$(ch_url tele)
cc -O2 -o "$work/mkcapture" "$SP_SOURCE/bench/mkcapture.c" -lpcap
# different traffic, largely the same source addresses
# a sanitized build (make test-asan) is many times slower: a quarter of it
d=1
[ "${SP_SANITIZED:-0}" = 1 ] && d=4
"$work/mkcapture" "$work/a.pcap" $((250000 / d)) $((20000 / d)) 11
"$work/mkcapture" "$work/b.pcap" $((250000 / d)) $((25000 / d)) 12
"$work/mkcapture" "$work/c.pcap" $((150000 / d)) $((40000 / d)) 13

for s in a b c; do
	"$scanprint" read -q --db "$work/all.db" --sensor "$s" --memory 4M "$work/$s.pcap"
done
# the three sensors at once (started a second apart: the order in which
# they began is the order a source's sensors are listed in)
for s in a b c; do
	"$scanprint" read -q --db "$URL" --sensor "$s" --memory 4M "$work/$s.pcap" &
	pids="$pids $!"
	sleep 1
done
for p in $pids; do wait "$p" || { echo "FAIL: a sensor failed" >&2; fails=$((fails + 1)); }; done
pids=""

for order in packets ip; do
	"$scanprint" sources --db "$work/all.db" --json --order "$order" >"$work/a"
	"$scanprint" sources --db "$URL" --json --order "$order" >"$work/b"
	check "the union of three sensors (order $order)"
done
n=$(wc -l <"$work/b")
multi=$(jq -c 'select(.sensors | length == 3)' "$work/b" | wc -l)
[ "$n" -gt $((30000 / d)) ] && [ "$multi" -gt $((1000 / d)) ] ||
	{ echo "FAIL: expected many sources, many seen by all three ($n, $multi)" >&2; fails=$((fails + 1)); }
echo "ok: $n sources, $multi of them seen by all three sensors"
for s in a b c; do
	"$scanprint" sources --db "$work/all.db" --json --sensor "$s" >"$work/a"
	"$scanprint" sources --db "$URL" --json --sensor "$s" >"$work/b"
	check "sources --sensor $s"
done
ch_query "SELECT sensor, count() FROM tele.batches GROUP BY sensor ORDER BY sensor FORMAT TSV" >"$work/b"
printf 'a\t1\nb\t1\nc\t1\n' >"$work/a"
check "one batch from each sensor"

# live: the same packets through both stores
if [ "$(id -u)" != 0 ] || ! command -v python3 >/dev/null; then
	echo "live part not run: needs root (capture on lo) and python3" >&2
else
	"$scanprint" live -q --db "$work/live.db" --sensor lo -i lo --flush 1 udp port 15060 &
	pids="$!"
	"$scanprint" live -q --db "$URL" --sensor lo -i lo --flush 1 udp port 15060 &
	pids="$pids $!"
	sleep 2
	# 300 SIP OPTIONS to a closed port on loopback, over about 3 seconds
	python3 - <<'PY'
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(300):
    msg = ("OPTIONS sip:%d@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK-%d;rport\r\n"
           "From: \"sipvicious\"<sip:100@1.1.1.1>;tag=%08x\r\nTo: \"sipvicious\"<sip:100@1.1.1.1>\r\n"
           "User-Agent: friendly-scanner\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n") % (100 + i % 7, i, i)
    s.sendto(msg.encode(), ("127.0.0.1", 15060))
    time.sleep(0.01)
PY
	sleep 1.5
	for p in $pids; do kill -INT "$p"; done
	for p in $pids; do wait "$p" || { echo "FAIL: live failed" >&2; fails=$((fails + 1)); }; done
	pids=""
	"$scanprint" sources --db "$work/live.db" --json >"$work/a"
	"$scanprint" sources --db "$URL" --json --sensor lo >"$work/b"
	check "live into SQLite and into ClickHouse agree"
	jq -e 'select(.packets == 300)' "$work/b" >/dev/null ||
		{ echo "FAIL: live did not see the 300 packets" >&2; fails=$((fails + 1)); }
	batches=$(ch_query "SELECT count() FROM tele.batches WHERE sensor = 'lo'")
	[ "$batches" -ge 3 ] || { echo "FAIL: live committed only $batches batch(es)" >&2; fails=$((fails + 1)); }
	echo "ok: live committed $batches batches"
fi

[ "$fails" -eq 0 ] || { echo "$fails check(s) failed" >&2; exit 1; }
echo "all sensor checks passed"
