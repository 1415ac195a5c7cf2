#!/bin/sh
# Campaigns and trends from a ClickHouse store give the same answers as from
# SQLite, byte for byte: the campaign data (campaign_data.sh, from the real
# tools' captures in tests/data/campaign-base/) read into both the same way
# (part with a small memory cap, as two sensors), then campaigns (table,
# JSON, CSV, Suricata rules), trends (table, JSON, CSV), sources of a
# campaign, the whole sources listing and the HTML report compared; and the
# store operations campaigns add (key co-occurrence, port-day rows, their
# span, the campaign filter) through the store interface
# (campaign_store_check.c) against both stores. A real clickhouse-server
# on loopback (HTTP 48123, native 49000, interserver 49009), data in a
# temporary directory.
set -eu
scanprint=$1
case $scanprint in /*) ;; *) scanprint=$PWD/$scanprint ;; esac
SP_SOURCE=${SP_SOURCE:?}
SP_TESTDATA=${SP_TESTDATA:-$SP_SOURCE/tests/data}
SP_CH_HTTP=${SP_CP_CH_HTTP:-48123}
SP_CH_TCP=${SP_CP_CH_TCP:-49000}
SP_CH_INTER=${SP_CP_CH_INTER:-49009}
. "$SP_SOURCE/tests/integration/clickhouse_server.sh"
ch_require
for t in jq tcprewrite editcap capinfos bc; do
	command -v "$t" >/dev/null || { echo "$t not installed" >&2; exit 77; }
done

work=$(mktemp -d /tmp/sp-campch.XXXXXX)
cleanup() {
	ch_stop
	rm -rf "$work"
}
trap cleanup EXIT INT TERM
export SCANPRINT_SPOOL="$work/spool"
unset SCANPRINT_DB || true
fails=0
same() { # NAME: compares $work/a and $work/b
	if cmp -s "$work/a" "$work/b"; then
		echo "ok: $1"
	else
		echo "FAIL: $1" >&2
		diff "$work/a" "$work/b" | head -n 10 >&2
		fails=$((fails + 1))
	fi
}

ch_start "$work/server"
URL=$(ch_url campaigns)
SQ="$work/sqlite.db"
. "$SP_SOURCE/tests/integration/campaign_data.sh"
campaign_dataset "$SP_TESTDATA/campaign-base" "$work/events"
ls "$work"/events/*.pcap >"$work/list"
for db in "$SQ" "$URL"; do
	head -n 30 "$work/list" | xargs "$scanprint" read -q --db "$db" --sensor east --memory 1M
	tail -n +31 "$work/list" | xargs "$scanprint" read -q --db "$db" --sensor west
done

n=$("$scanprint" campaigns --db "$SQ" --json | wc -l)
[ "$n" = 6 ] && echo "ok: six campaigns" || { echo "FAIL: $n campaigns" >&2; fails=$((fails + 1)); }
for args in "--json" "" "--csv" "--suricata"; do
	# shellcheck disable=SC2086
	"$scanprint" campaigns --db "$SQ" $args >"$work/a"
	# shellcheck disable=SC2086
	"$scanprint" campaigns --db "$URL" $args >"$work/b"
	same "campaigns $args identical"
done
for args in "--json" "" "--csv" "--json --port 5060/udp" "--json --days 3 --top 1"; do
	# shellcheck disable=SC2086
	"$scanprint" trends --db "$SQ" --days 10 $args >"$work/a"
	# shellcheck disable=SC2086
	"$scanprint" trends --db "$URL" --days 10 $args >"$work/b"
	same "trends $args identical"
done
for id in $("$scanprint" campaigns --db "$SQ" --json | jq -r .campaign); do
	"$scanprint" sources --db "$SQ" --json --campaign "$id" --order ip >"$work/a"
	"$scanprint" sources --db "$URL" --json --campaign "$id" --order ip >"$work/b"
	same "sources --campaign $id identical ($(wc -l <"$work/a") members)"
done
"$scanprint" sources --db "$SQ" --json --order ip >"$work/a"
"$scanprint" sources --db "$URL" --json --order ip >"$work/b"
same "sources --json identical"
"$scanprint" sources --db "$SQ" --csv >"$work/a"
"$scanprint" sources --db "$URL" --csv >"$work/b"
same "sources --csv identical"
for r in "" "--redact"; do
	# shellcheck disable=SC2086
	"$scanprint" report --db "$SQ" --html "$work/a.html" $r
	# shellcheck disable=SC2086
	"$scanprint" report --db "$URL" --html "$work/b.html" $r
	grep -v '^<p class="meta">scanprint ' "$work/a.html" >"$work/a" # the time it was written
	grep -v '^<p class="meta">scanprint ' "$work/b.html" >"$work/b"
	same "report --html $r identical"
done

# the store operations, through the store interface
cache="$SP_SOURCE/build/CMakeCache.txt"
[ -f "${SP_BUILD:-}/CMakeCache.txt" ] && cache="$SP_BUILD/CMakeCache.txt"
compiler=$(sed -n 's/^CMAKE_C_COMPILER:[A-Z]*=//p' "$cache")
san=""
grep -q '^SP_SANITIZE:BOOL=ON' "$cache" && san="-fsanitize=address,undefined"
# shellcheck disable=SC2086
"${compiler:-cc}" $san -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE -I"$SP_SOURCE/src" \
	-o "$work/campaign_store_check" "$SP_SOURCE/tests/integration/campaign_store_check.c" \
	"${SP_BUILD:?}/libspcore.a" -lcurl -lsqlite3 -lpcap -lz -lzstd -llzma -lpthread -lm
"$work/campaign_store_check" "$work/check.db" >"$work/a" 2>&1 || {
	echo "FAIL: store operations, SQLite" >&2
	cat "$work/a" >&2
	fails=$((fails + 1))
}
"$work/campaign_store_check" "$(ch_url opcheck)" >"$work/b" 2>&1 || {
	echo "FAIL: store operations, ClickHouse" >&2
	cat "$work/b" >&2
	fails=$((fails + 1))
}
same "store operations: $(grep -c '^ok' "$work/a") checks, the same answers"

# a store made before port activity was kept has none: trends say so, no error
ch_query "DROP TABLE campaigns.port_day_parts" >/dev/null
if "$scanprint" trends --db "$URL" >"$work/b" && grep -q "0 of 0 ports" "$work/b"; then
	echo "ok: a store without port activity: no trends, no error"
else
	echo "FAIL: trends on a store without port_day_parts: $(cat "$work/b")" >&2
	fails=$((fails + 1))
fi
echo "$fails failed"
[ "$fails" = 0 ]
