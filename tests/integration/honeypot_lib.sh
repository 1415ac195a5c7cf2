# Shared by the test_honeypot*.sh scripts (sourced, not run): starting and
# stopping a honeypot on loopback, and asking its store.
#
# Ports: these tests use 127.0.0.x with ports 25060-25099 only (the
# honeypots 25060-25079, the clients' own ports 25080-25099).

need() {
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 || { echo "SKIP: $t is not installed"; exit 77; }
	done
}

fail() {
	echo "FAIL: $*" >&2
	[ -n "${HP_ERR:-}" ] && [ -f "$HP_ERR" ] && sed 's/^/  honeypot stderr: /' "$HP_ERR" >&2
	exit 1
}

# hp_start NAME PORT [options...]: a honeypot on 127.0.0.1:PORT (UDP and
# TCP) with its store $work/NAME.db and log ${HP_LOGDIR:-$work}/NAME.log;
# waits until both sockets are bound.
hp_start() {
	name=$1 port=$2
	shift 2
	HP_DB=$work/$name.db HP_LOG=${HP_LOGDIR:-$work}/$name.log HP_ERR=$work/$name.err
	"$scanprint" honeypot --db "$HP_DB" --log "$HP_LOG" --sensor "hp-$name" --flush 1 \
		--listen "127.0.0.1:$port" "$@" 2>"$HP_ERR" &
	HP_PID=$!
	for _ in $(seq 100); do
		if ss -lun "sport = :$port" | grep -q ":$port" &&
			ss -ltn "sport = :$port" | grep -q ":$port" && [ -s "$HP_LOG" ]; then
			return 0
		fi
		kill -0 "$HP_PID" 2>/dev/null || fail "the honeypot did not start"
		sleep 0.1
	done
	fail "the honeypot did not bind 127.0.0.1:$port"
}

# hp_stop: SIGTERM, and the honeypot must exit 0 having written its stop event.
hp_stop() {
	kill -TERM "$HP_PID"
	rc=0
	wait "$HP_PID" || rc=$?
	HP_PID=
	[ "$rc" = 0 ] || fail "the honeypot exited with status $rc"
	tail -n 1 "$HP_LOG" | jq -e '.event == "stop"' >/dev/null || fail "no stop event last in the log"
}

hp_cleanup() {
	[ -n "${HP_PID:-}" ] && kill -KILL "$HP_PID" 2>/dev/null
	rm -rf "$work"
}

q() {
	sqlite3 "$HP_DB" "$1"
}

# The rows of the messages table and the stop event agree, and no source
# was sent more bytes than it sent.
hp_check_books() {
	rows=$(q "SELECT count(*) FROM messages")
	logged=$(tail -n 1 "$HP_LOG" | jq .messages)
	[ "$rows" = "$logged" ] || fail "$rows messages stored, the log counted $logged"
	over=$(q "SELECT count(*) FROM (SELECT src, sum(wire_len) AS i, sum(coalesce(length(reply), 0)) AS o
		FROM messages GROUP BY src HAVING o > i)")
	[ "$over" = 0 ] || fail "$over sources were sent more bytes than they sent"
	jq -c . "$HP_LOG" >/dev/null || fail "the log is not JSON Lines"
}
