#!/bin/sh
# The ClickHouse store against a real clickhouse-server on loopback: the same
# captures read into SQLite and into ClickHouse give byte-identical answers
# (sources --json in every order and filter, show, show --json), with
# authentication, $SCANPRINT_DB, captures already read skipped, and the
# errors a user meets said plainly (and never with the password).
set -eu
scanprint=$1
. "$SP_SOURCE/tests/integration/clickhouse_server.sh"
ch_require

work=$(mktemp -d /tmp/sp-ch-test.XXXXXX)
cleanup() {
	ch_stop
	rm -rf "$work"
}
trap cleanup EXIT INT TERM
export SCANPRINT_SPOOL="$work/spool"
unset SCANPRINT_DB || true
fails=0
check() { # check NAME: compares $work/a and $work/b
	if cmp -s "$work/a" "$work/b"; then
		echo "ok: $1"
	else
		echo "FAIL: $1" >&2
		diff "$work/a" "$work/b" | head -n 10 >&2
		fails=$((fails + 1))
	fi
}
expect() { # expect NAME COMMAND...: the command must succeed
	name=$1
	shift
	if "$@"; then echo "ok: $name"; else
		echo "FAIL: $name" >&2
		fails=$((fails + 1))
	fi
}

ch_start "$work/server"
URL=$(ch_url itest)

# captures: the benign SIP set, and darknet-like traffic with many sources,
# read with a small memory cap (early flushes merge in the store) and once
# gzip-compressed from standard input (known only by its content hash)
cc -O2 -o "$work/mkcapture" "$SP_SOURCE/bench/mkcapture.c" -lpcap
# a sanitized build (make test-asan) is many times slower: a quarter of it
d=1
mem=2M
[ "${SP_SANITIZED:-0}" = 1 ] && d=4 mem=1M
"$work/mkcapture" "$work/dark1.pcap" $((200000 / d)) $((20000 / d)) 1
"$work/mkcapture" "$work/dark2.pcap" $((150000 / d)) $((30000 / d)) 2
gzip -c "$work/dark2.pcap" >"$work/dark2.pcap.gz"
sip=$(ls "$SP_TESTDATA"/sip-pcaps/*.pcap "$SP_TESTDATA"/sip-pcaps/*.pcapng)

for db in "$work/sqlite.db" "$URL"; do
	# shellcheck disable=SC2086
	"$scanprint" read -q --db "$db" --sensor hp1 $sip
	"$scanprint" read -q --db "$db" --sensor dark --memory $mem "$work/dark1.pcap"
	"$scanprint" read -q --db "$db" --sensor dark2 - <"$work/dark2.pcap.gz"
done

for order in packets first ip; do
	"$scanprint" sources --db "$work/sqlite.db" --json --order "$order" >"$work/a"
	"$scanprint" sources --db "$URL" --json --order "$order" >"$work/b"
	check "sources --json --order $order identical"
done
[ "$(wc -l <"$work/a")" -gt $((25000 / d)) ] || { echo "FAIL: too few sources" >&2; fails=$((fails + 1)); }
"$scanprint" sources --db "$work/sqlite.db" >"$work/a"
"$scanprint" sources --db "$URL" >"$work/b"
check "sources table identical"
for args in "--limit 25" "--sensor hp1" "--sensor dark2 --limit 100 --order first" \
	"--tool sipvicious" "--campaign K1"; do
	# shellcheck disable=SC2086
	"$scanprint" sources --db "$work/sqlite.db" --json $args >"$work/a"
	# shellcheck disable=SC2086
	"$scanprint" sources --db "$URL" --json $args >"$work/b"
	check "sources $args identical"
done

# show, for sources with payloads and with many flushes, text and JSON
ips="$(jq -r .ip "$work/a" | head -n 3) $("$scanprint" sources --db "$work/sqlite.db" --json |
	jq -r 'select(.protocols.udp > 0 or .memory_flushes > 3) | .ip' | awk 'NR % 997 == 1')"
ips="$ips $("$scanprint" sources --db "$work/sqlite.db" --json --sensor hp1 | jq -r .ip)"
n=0
for ip in $ips; do
	"$scanprint" show --db "$work/sqlite.db" "$ip" >"$work/a"
	"$scanprint" show --db "$URL" "$ip" >"$work/b"
	cmp -s "$work/a" "$work/b" || { echo "FAIL: show $ip differs" >&2; diff "$work/a" "$work/b" | head -n 5 >&2; fails=$((fails + 1)); }
	"$scanprint" show --db "$work/sqlite.db" --json "$ip" >"$work/a"
	"$scanprint" show --db "$URL" --json "$ip" >"$work/b"
	cmp -s "$work/a" "$work/b" || { echo "FAIL: show --json $ip differs" >&2; fails=$((fails + 1)); }
	n=$((n + 1))
done
[ "$n" -ge 10 ] || { echo "FAIL: only $n sources shown" >&2; fails=$((fails + 1)); }
echo "ok: show and show --json identical for $n sources"
if "$scanprint" show --db "$URL" 192.0.2.99 2>"$work/err"; then
	echo "FAIL: show of an unknown source succeeded" >&2
	fails=$((fails + 1))
fi
expect "unknown source named" grep -q "no such source" "$work/err"

# what was stored is what ClickHouse holds: one committed part per batch
ch_query "SELECT count() FROM itest.batches" >"$work/a"
echo 21 >"$work/b"
check "one batch per capture read (19 SIP + 2)"
# a capture already read, under another name, by another sensor: skipped
cp "$work/dark1.pcap" "$work/copy.pcap"
"$scanprint" read --db "$URL" --sensor other "$work/copy.pcap" 2>"$work/err"
expect "a copy already read is skipped" grep -q "already read" "$work/err"
"$scanprint" read --db "$URL" --sensor other - <"$work/dark2.pcap.gz" 2>"$work/err"
expect "stdin already read is skipped" grep -q "already read" "$work/err"
"$scanprint" sources --db "$URL" --json --order ip >"$work/b"
"$scanprint" sources --db "$work/sqlite.db" --json --order ip >"$work/a"
check "skipped captures changed nothing"

# $SCANPRINT_DB, and the password never shown
SCANPRINT_DB="$URL" "$scanprint" sources --json --order ip >"$work/b"
check "SCANPRINT_DB selects the store"
bad="clickhouse://sp:wrong-secret@127.0.0.1:$SP_CH_HTTP/itest"
for cmd in "sources" "read $work/dark1.pcap"; do
	# shellcheck disable=SC2086
	if "$scanprint" $cmd --db "$bad" >/dev/null 2>"$work/err"; then
		echo "FAIL: $cmd with a wrong password succeeded" >&2
		fails=$((fails + 1))
	fi
	expect "$cmd: wrong password said" grep -q "Wrong password" "$work/err"
	if grep -q wrong-secret "$work/err"; then
		echo "FAIL: the password was shown" >&2
		fails=$((fails + 1))
	fi
done
# the store operations the commands do not reach yet (keys, captures,
# rollback, the samples' cap), through the store interface; built with the
# compiler and sanitizers of the build under test
cache="$SP_BUILD/CMakeCache.txt"
compiler=$(sed -n 's/^CMAKE_C_COMPILER:[A-Z]*=//p' "$cache")
san=""
grep -q '^SP_SANITIZE:BOOL=ON' "$cache" && san="-fsanitize=address,undefined"
# shellcheck disable=SC2086
"${compiler:-cc}" $san -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE -I"$SP_SOURCE/src" -o "$work/ch_store_check" \
	"$SP_SOURCE/tests/integration/ch_store_check.c" "$SP_BUILD/libspcore.a" \
	-lcurl -lsqlite3 -lpcap -lz -lzstd -llzma -lpthread -lm
if "$work/ch_store_check" "$(ch_url opcheck)" >"$work/out" 2>&1; then
	echo "ok: store operations ($(grep -c '^ok' "$work/out") checks)"
else
	cat "$work/out" >&2
	fails=$((fails + 1))
fi

# a read-only user reads, and cannot write
RO="clickhouse://reader:r3ader@127.0.0.1:$SP_CH_HTTP/itest"
"$scanprint" sources --db "$RO" --json --order ip >"$work/b"
check "a read-only user gets the same answers"
if "$scanprint" read --db "$RO" "$work/dark1.pcap" 2>"$work/err"; then
	echo "FAIL: a read-only user could write" >&2
	fails=$((fails + 1))
fi
expect "read-only said" grep -q "readonly" "$work/err"
if "$scanprint" sources --db "clickhouse://127.0.0.1:$SP_CH_HTTP/nothing_here" 2>"$work/err"; then
	fails=$((fails + 1))
fi
expect "an empty store is said so" grep -q "empty store" "$work/err"
if "$scanprint" sources --db "clickhouse://127.0.0.1:$SP_CH_HTTP/bad-name" 2>"$work/err"; then
	fails=$((fails + 1))
fi
expect "a bad location is said so" grep -q "bad database name" "$work/err"
expect "nothing left in the spool" sh -c "! ls '$work'/spool/*/*.batch 2>/dev/null"

[ "$fails" -eq 0 ] || { echo "$fails check(s) failed" >&2; exit 1; }
echo "all ClickHouse checks passed"
