#!/bin/sh
# Ingest rate into ClickHouse over loopback, against the libpcap floor.
#
#   bench/clickhouse.sh [BUILD_DIR] [PACKETS] [SOURCES]     (defaults: build 4000000 100000)
#
# Makes a capture with bench/mkcapture.c, starts Debian's clickhouse-server on
# 127.0.0.1 (ports 18123/19000/19009, data in a temporary directory), and
# times, best of $RUNS (3):
#   tcpdump -r X -w /dev/null                          the floor
#   scanprint read --db sqlite                         the embedded store
#   scanprint read --db clickhouse://...               until every row is in ClickHouse
#   scanprint sources --json on both                   reading everything back
# The machine is shared: run it when it is quiet, and compare ratios.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}
packets=${2:-4000000}
sources=${3:-100000}
runs=${RUNS:-3}
scanprint=$build/scanprint
. "$here/tests/integration/clickhouse_server.sh"
ch_require

work=$(mktemp -d /tmp/sp-ch-bench.XXXXXX)
trap 'ch_stop; rm -rf "$work"' EXIT INT TERM
export SCANPRINT_SPOOL="$work/spool"

cc -O2 -o "$work/mkcapture" "$here/bench/mkcapture.c" -lpcap
"$work/mkcapture" "$work/bench.pcap" "$packets" "$sources"
cat "$work/bench.pcap" >/dev/null # into the page cache
ch_start "$work/server"

now() { date +%s.%N; }
best() { # best FILE: the smallest number in FILE
	sort -n "$1" | head -n 1
}
timeit() { # timeit OUT COMMAND...: appends the seconds taken to OUT
	out=$1
	shift
	t0=$(now)
	"$@" >/dev/null 2>"$work/last.err"
	t1=$(now)
	echo "$t1 - $t0" | bc -l >>"$out"
}

: >"$work/t.floor"
: >"$work/t.sqlite"
: >"$work/t.ch"
: >"$work/t.qs"
: >"$work/t.qc"
for i in $(seq "$runs"); do
	timeit "$work/t.floor" tcpdump -r "$work/bench.pcap" -w /dev/null
	rm -f "$work/s.db" "$work/s.db-wal" "$work/s.db-shm"
	timeit "$work/t.sqlite" "$scanprint" read -q --db "$work/s.db" "$work/bench.pcap"
	ch_query "DROP DATABASE IF EXISTS bench" >/dev/null
	timeit "$work/t.ch" "$scanprint" read --db "$(ch_url bench)" "$work/bench.pcap"
	grep -o "in [0-9.]*s ([0-9.]*s of it storing)" "$work/last.err" >>"$work/ch.summary" || true
	timeit "$work/t.qs" "$scanprint" sources --db "$work/s.db" --json
	timeit "$work/t.qc" "$scanprint" sources --db "$(ch_url bench)" --json
done
"$scanprint" sources --db "$work/s.db" --json --order ip >"$work/a"
"$scanprint" sources --db "$(ch_url bench)" --json --order ip >"$work/b"
if cmp -s "$work/a" "$work/b"; then same=identical; else same=DIFFERENT; fi
rows=$(ch_query "SELECT count() FROM bench.source_parts")
bytes=$(ch_query "SELECT sum(data_compressed_bytes) FROM system.parts WHERE database = 'bench' AND active")
spooled=$(ls -l "$work"/spool/*/ 2>/dev/null | grep -c batch || true)

floor=$(best "$work/t.floor")
sq=$(best "$work/t.sqlite")
ch=$(best "$work/t.ch")
pps() { echo "$packets / $1 / 1000000" | bc -l | xargs printf '%.2f'; }
ratio() { echo "$1 / $floor" | bc -l | xargs printf '%.2f'; }
cat <<EOF
capture: $packets packets, $sources sources ($(du -m "$work/bench.pcap" | cut -f1) MB); best of $runs
  tcpdump -r X -w /dev/null           $(printf '%6.2f' "$floor") s  $(pps "$floor") Mpps   1.00x
  scanprint read, SQLite              $(printf '%6.2f' "$sq") s  $(pps "$sq") Mpps   $(ratio "$sq")x
  scanprint read, ClickHouse          $(printf '%6.2f' "$ch") s  $(pps "$ch") Mpps   $(ratio "$ch")x  (until every row is in ClickHouse)
    the ClickHouse runs said: $(tr '\n' ';' <"$work/ch.summary")
  sources --json, SQLite              $(printf '%6.2f' "$(best "$work/t.qs")") s
  sources --json, ClickHouse          $(printf '%6.2f' "$(best "$work/t.qc")") s
  answers of the two stores: $same; ClickHouse holds $rows source rows in $((bytes / 1000000)) MB; $spooled batch(es) left in the spool
EOF
