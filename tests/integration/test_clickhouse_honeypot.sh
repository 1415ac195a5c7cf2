#!/bin/sh
# `scanprint honeypot` with the ClickHouse store gives the same answers as
# with SQLite, and keeps every message exactly once through outages.
#
# The same deterministic traffic (hp_client.py: UDP and TCP, requests that
# are answered, challenged, refused, rate-free, not SIP, malformed) goes to
# one honeypot run per store, on the same address and port, as the same
# sensor, started as root (it drops to nobody: the spool is given to it):
#   ref    SQLite, phases 1-4
#   clean  ClickHouse up all the time, phases 1-4
#   outage ClickHouse killed during phase 2 and started again; killed again
#          in phase 4 and the honeypot stopped (SIGTERM) while it is down;
#          started again, the next reader sends what waited in the spool
# Compared with ref: sources --json, show and show --json of every source
# (times of arrival differ between runs: they are masked, see mask()), and
# the messages table row by row in arrival
# order (every field but the time and the reply's random tags and nonces:
# its length is compared), counted against what the client sent and what
# each honeypot's stop event counted. Then the ref store copied into
# ClickHouse through the store interface must answer byte for byte the
# same, times included. A spool the unprivileged user cannot reach is
# refused at start. Last, a store made before messages were kept (schema
# 1) is read without them and migrated by the next honeypot.
# Ports: ClickHouse $SP_CH_HTTP..; the honeypot 127.0.0.1:26060, clients
# 127.0.0.2-5 on 45082-45085 (UDP) and 127.0.0.6 on 45091-45094 (TCP).
set -eu
scanprint=$1
. "$SP_SOURCE/tests/integration/clickhouse_server.sh"
ch_require
for t in python3 jq sqlite3 ss; do
	command -v "$t" >/dev/null 2>&1 || { echo "SKIP: $t is not installed"; exit 77; }
done

work=$(mktemp -d /tmp/sp-ch-hp.XXXXXX)
hp=""
cleanup() {
	[ -n "$hp" ] && kill -KILL "$hp" 2>/dev/null
	ch_stop
	rm -rf "$work"
}
trap cleanup EXIT INT TERM
[ -n "${SP_KEEP:-}" ] && trap 'ch_stop' EXIT INT TERM
# started as root the honeypot runs as nobody: its spool must be reachable
chmod 755 "$work"
mkdir -m 755 "$work/spool"
export SCANPRINT_SPOOL="$work/spool"
unset SCANPRINT_DB || true
PORT=26060 # below the ephemeral range (32768-60999): no client socket can hold it
client="$SP_SOURCE/tests/integration/hp_client.py"
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

hp_start() { # hp_start NAME STORE: a honeypot on 127.0.0.1:$PORT
	log=$work/$1.log
	"$scanprint" honeypot --db "$2" --sensor hp-ch --flush 1 --listen "127.0.0.1:$PORT" \
		--log "$log" 2>"$work/$1.err" &
	hp=$!
	for _ in $(seq 100); do
		if ss -lun "sport = :$PORT" | grep -q ":$PORT" &&
			ss -ltn "sport = :$PORT" | grep -q ":$PORT" && [ -s "$log" ]; then
			return 0
		fi
		kill -0 "$hp" 2>/dev/null || break
		sleep 0.1
	done
	cat "$work/$1.err" >&2
	echo "FAIL: the honeypot $1 did not start" >&2
	exit 1
}
hp_stop() { # hp_stop NAME: SIGTERM; exit status 0 and a stop event last
	kill -TERM "$hp"
	rc=0
	wait "$hp" || rc=$?
	hp=""
	[ "$rc" = 0 ] || failed "the honeypot $1 exited with status $rc: $(cat "$work/$1.err")"
	tail -n 1 "$work/$1.log" | jq -e '.event == "stop"' >/dev/null || failed "$1: no stop event"
}
traffic() { # traffic NAME PHASE: the phase's messages, counted in NAME.sent
	n=$(timeout 60 python3 "$client" "$2" "$PORT") || { failed "the client failed"; n=0; }
	echo "$n" >>"$work/$1.sent"
}
total() { awk '{ n += $1 } END { print n + 0 }' "$1"; }
logged() { # messages the stop events of NAME*.log counted
	cat "$work/$1"*.log | jq -s 'map(select(.event == "stop") | .messages) | add'
}

# What is compared: the times of arrival and what is computed from them
# (durations, rates) are masked, each run received the traffic at its own
# time; so is the TCP source's profile (the kernel picks its SYNs' sequence
# numbers and IP IDs anew in each run), but not its messages.
mask() {
	sed -E 's/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z/TIME/g; s/ over [0-9.]+[a-z]+/ over D/;
		s/"(duration_s|rate_pps)":[0-9.]+/"\1":N/g; s/Rate: [0-9.]+ packets/Rate: N packets/'
}
answers() { # answers STORE OUT: sources --json, show and show --json of each source
	"$scanprint" sources --db "$1" --json --order ip | grep -v '^{"ip":"127.0.0.6"' >"$2"
	for ip in $(jq -r .ip "$2"); do
		echo "== $ip"
		"$scanprint" show --db "$1" "$ip"
		"$scanprint" show --db "$1" --json "$ip"
	done >>"$2"
}
rows_sqlite() {
	sqlite3 -separator '	' "$1" "SELECT sensor, src_text, sport, dst_text, dport, transport,
		wire_len, hex(data), coalesce(length(reply), 0), coalesce(status, 0), action, note
		FROM messages ORDER BY id"
}
rows_ch() {
	ch_query "SELECT sensor, src_text, sport, dst_text, dport, transport, wire_len, hex(data),
		length(reply), status, action, note FROM $1.messages
		WHERE part IN (SELECT part FROM $1.valid_parts) ORDER BY bt, part, seq
		FORMAT TabSeparated"
}
compare() { # compare NAME DB: ClickHouse store DB against ref
	answers "$(ch_url "$2")" "$work/$1.answers" 2>"$work/$1.rerr" ||
		failed "$1: reading the store failed: $(cat "$work/$1.rerr")"
	mask <"$work/ref.answers" >"$work/a"
	mask <"$work/$1.answers" >"$work/b"
	if cmp -s "$work/a" "$work/b"; then
		echo "ok: $1: sources --json, show, show --json of $(grep -c '^== ' "$work/a") sources as SQLite's"
	else
		failed "$1: the answers differ from SQLite's"
		diff "$work/a" "$work/b" | head -n 12 >&2
	fi
	rows_ch "$2" >"$work/b"
	if cmp -s "$work/ref.rows" "$work/b"; then
		echo "ok: $1: the $(wc -l <"$work/b") messages as SQLite's, in the same order"
	else
		failed "$1: the messages differ from SQLite's"
		diff "$work/ref.rows" "$work/b" | head -n 6 >&2
	fi
	sent=$(total "$work/$1.sent")
	n=$(ch_query "SELECT count() FROM $2.messages WHERE part IN (SELECT part FROM $2.valid_parts)")
	stored=$(ch_query "SELECT count() FROM $2.messages")
	counted=$(logged "$1")
	if [ "$n" = "$sent" ] && [ "$counted" = "$sent" ] && [ "$ref_n" = "$sent" ]; then
		echo "ok: $1: $sent messages sent, counted by the honeypot, in SQLite and in ClickHouse ($stored rows stored in all)"
	else
		failed "$1: sent $sent, honeypot counted $counted, ClickHouse has $n, SQLite $ref_n"
	fi
}

ch_start "$work/server"

# 1. the reference: SQLite
hp_start ref "$work/ref.db"
for phase in 1 2 3 4; do traffic ref "$phase"; done
hp_stop ref
answers "$work/ref.db" "$work/ref.answers"
rows_sqlite "$work/ref.db" >"$work/ref.rows"
ref_n=$(sqlite3 "$work/ref.db" "SELECT count(*) FROM messages")
[ "$(total "$work/ref.sent")" -ge 40 ] || failed "too few messages sent: $(total "$work/ref.sent")"
grep -q "Honeypot" "$work/ref.answers" || failed "show has no Honeypot section"
grep -q "auth=" "$work/ref.rows" || failed "no message was challenged"
grep -q "not-sip" "$work/ref.rows" || failed "no message was recorded as not SIP"
grep -q "	tcp	" "$work/ref.rows" || failed "no message over TCP"

# 2. ClickHouse, up all the time
hp_start clean "$(ch_url clean)"
for phase in 1 2 3 4; do traffic clean "$phase"; done
hp_stop clean
compare clean clean

# 3. ClickHouse down while the honeypot logs, twice
hp_start outage "$(ch_url outage)?timeout=3"
traffic outage 1
ch_kill
traffic outage 2
sleep 2 # a commit or two while it is down
[ "$(spooled)" -ge 1 ] || failed "nothing waits in the spool while ClickHouse is down"
ch_start "$work/server"
traffic outage 3
i=0
while [ "$(spooled)" -gt 0 ] && [ $i -lt 300 ]; do
	sleep 0.2
	i=$((i + 1))
done
[ "$(spooled)" -eq 0 ] || failed "the spool was not emptied once ClickHouse was back"
said "cannot reach ClickHouse" "$work/outage.err"
said "ClickHouse answers again" "$work/outage.err"
ch_kill
traffic outage 4
hp_stop outage
said "wait in the spool" "$work/outage.err"
[ "$(spooled)" -ge 1 ] || failed "the last batches are not in the spool"
ch_start "$work/server"
compare outage outage
[ "$(spooled)" -eq 0 ] || failed "the reader did not send what waited in the spool"

# 4. the same store, copied: identical answers, times and all
cache="$SP_BUILD/CMakeCache.txt"
compiler=$(sed -n 's/^CMAKE_C_COMPILER:[A-Z]*=//p' "$cache")
san=""
grep -q '^SP_SANITIZE:BOOL=ON' "$cache" && san="-fsanitize=address,undefined"
# shellcheck disable=SC2086
"${compiler:-cc}" $san -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE -I"$SP_SOURCE/src" \
	-o "$work/ch_store_check" "$SP_SOURCE/tests/integration/ch_store_check.c" \
	"$SP_BUILD/libspcore.a" -lcurl -lsqlite3 -lpcap -lz -lzstd -llzma -lpthread -lm
"$work/ch_store_check" copy "$work/ref.db" "$(ch_url copy)" || failed "copying the store failed"
answers "$(ch_url copy)" "$work/b"
if cmp -s "$work/ref.answers" "$work/b"; then
	echo "ok: copy: sources --json, show, show --json byte for byte as SQLite's"
else
	failed "copy: the answers differ"
	diff "$work/ref.answers" "$work/b" | head -n 12 >&2
fi

# 5. started as root, the honeypot refuses a spool its user could not reach
if [ "$(id -u)" = 0 ]; then
	mkdir -m 700 "$work/private"
	if SCANPRINT_SPOOL="$work/private/spool" timeout 20 "$scanprint" honeypot \
		--db "$(ch_url clean)" --listen "127.0.0.1:$PORT" --log "$work/refused.log" \
		2>"$work/err"; then
		failed "the honeypot ran with a spool nobody cannot reach"
	fi
	said "cannot be used by uid $(id -u nobody) once root is dropped" "$work/err"
fi

# 6. a store made before messages were kept (schema 1): read without them,
# then migrated by the next writer
ch_query "DROP TABLE clean.messages"
ch_query "DROP TABLE clean.schema_meta"
ch_query "CREATE TABLE clean.schema_meta (key String, value UInt64) ENGINE = MergeTree ORDER BY key"
ch_query "INSERT INTO clean.schema_meta VALUES ('schema_version', 1)"
ip=$(head -n 1 "$work/ref.answers" | jq -r .ip)
if "$scanprint" show --db "$(ch_url clean)" "$ip" >"$work/b" 2>"$work/err"; then
	grep -q "Honeypot" "$work/b" && failed "schema 1: a Honeypot section without messages"
	echo "ok: schema 1: show works, without messages"
else
	failed "schema 1: show failed: $(cat "$work/err")"
fi
hp_start migrate "$(ch_url clean)"
traffic migrate 1
hp_stop migrate
v=$(ch_query "SELECT max(value) FROM clean.schema_meta WHERE key = 'schema_version'")
[ "$v" = 3 ] || failed "schema 1 was not migrated (version $v)"
"$scanprint" show --db "$(ch_url clean)" "$ip" >"$work/b"
grep -q "Honeypot" "$work/b" && echo "ok: migrated to schema 3, messages kept again" ||
	failed "no messages after the migration"

[ "$fails" -eq 0 ] || { echo "$fails check(s) failed" >&2; exit 1; }
echo "all ClickHouse honeypot checks passed"
