#!/bin/sh
# A bounded flood against the honeypot on loopback: SIPp from three
# addresses over UDP and one over TCP, at a fixed rate for a fixed number of
# messages (about four seconds). The honeypot must not crash, its memory
# must stay bounded, every message must be in the store or counted as
# dropped by the kernel, and the replies must stay within the per-source
# and global rate limits.
set -eu
scanprint=$1
. "$(dirname "$0")/honeypot_lib.sh"
need sipp jq sqlite3 ss
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; hp_cleanup' EXIT INT TERM
data=${SP_TESTDATA:-$(dirname "$0")/../data}/honeypot
port=25067
rate=1500 n=6000 tcp_rate=500 tcp_n=2000
src_rate=200 glob_rate=300

# AddressSanitizer builds: a smaller quarantine, so that memory says something
ASAN_OPTIONS="${ASAN_OPTIONS:-}:quarantine_size_mb=32"
export ASAN_OPTIONS
hp_start flood "$port" --rate-source "$src_rate/$src_rate" --rate-global "$glob_rate/$glob_rate" \
	--stats 1
t0=$(date +%s.%N)

# flood_from IP SIPPORT MEDIAPORT CTLPORT TRANSPORT RATE COUNT
# (SIPp binds MEDIAPORT and MEDIAPORT + 2 too)
flood_from() {
	rc=0
	timeout 60 sipp -sf "$data/sipp-flood.xml" -s 100 -i "$1" -p "$2" -mp "$3" -cp "$4" -t "$5" \
		-r "$6" -m "$7" -nr -nostdin -timeout 50 "127.0.0.1:$port" >"$work/sipp-$1.out" 2>&1 ||
		rc=$?
	echo "$rc" >"$work/sipp-$1.rc"
}
flood_from 127.0.0.2 25080 25081 25082 u1 $rate $n &
flood_from 127.0.0.3 25084 25085 25086 u1 $rate $n &
flood_from 127.0.0.4 25088 25089 25090 u1 $rate $n &
flood_from 127.0.0.5 25092 25093 25094 t1 $tcp_rate $tcp_n &

# memory while it lasts
peak=0
while [ "$(ls "$work"/sipp-*.rc 2>/dev/null | wc -l)" -lt 4 ]; do
	kill -0 "$HP_PID" 2>/dev/null || fail "the honeypot died during the flood"
	rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$HP_PID/status")
	[ "$rss" -gt "$peak" ] && peak=$rss
	sleep 0.2
done
t1=$(date +%s.%N)
for ip in 127.0.0.2 127.0.0.3 127.0.0.4 127.0.0.5; do
	[ "$(cat "$work/sipp-$ip.rc")" = 0 ] || fail "sipp from $ip: $(tail -3 "$work/sipp-$ip.out")"
done
sleep 1
hwm=$(awk '/^VmHWM/ { print $2 }' "/proc/$HP_PID/status")
hp_stop
hp_check_books

sent=$((3 * n + tcp_n))
rows=$(q "SELECT count(*) FROM messages")
drops=$(tail -n 1 "$HP_LOG" | jq .kernel_drops)
[ $((rows + drops)) = "$sent" ] || fail "$sent sent, $rows stored + $drops dropped by the kernel"
echo "ok: $sent messages sent: $rows stored, $drops counted as dropped by the kernel"

# replies within the limits, over the time the flood took
secs=$(echo "$t1 - $t0 + 1" | bc)
max_src=$(echo "$src_rate + $src_rate * $secs" | bc | cut -d. -f1)
max_all=$(echo "$glob_rate + $glob_rate * $secs" | bc | cut -d. -f1)
all=$(q "SELECT count(*) FROM messages WHERE action = 'replied'")
[ "$all" -le "$max_all" ] || fail "$all replies in ${secs}s, the global limit allows $max_all"
worst=$(q "SELECT max(n) FROM (SELECT count(*) AS n FROM messages WHERE action = 'replied'
	GROUP BY src)")
[ "$worst" -le "$max_src" ] || fail "$worst replies to one source, the limit allows $max_src"
limited=$(q "SELECT count(*) FROM messages WHERE action LIKE 'rate-limited%'")
[ "$limited" -gt 0 ] || fail "the rate limits never engaged"
# and within any one second: at most rate + burst
burst=$(q "SELECT max(n) FROM (SELECT count(*) AS n FROM messages WHERE action = 'replied'
	GROUP BY ts_ns / 1000000000)")
[ "$burst" -le $((2 * glob_rate)) ] || fail "$burst replies within one second"
echo "ok: $all replies in ${secs}s (global limit $max_all, worst source $worst of $max_src," \
	"worst second $burst); $limited rate-limited"

# bounded memory: the pipe, buffers and tables are fixed; SQLite's cache
# is capped (64 MiB); nothing grows with the number of messages. (Under
# AddressSanitizer, shadow memory and the quarantine of freed blocks come
# on top: a looser bound there.)
limit=204800
if grep -q __asan_init "$scanprint" 2>/dev/null; then
	limit=614400
fi
[ "$hwm" -lt "$limit" ] || fail "peak memory ${hwm} KiB (limit $limit KiB)"
echo "ok: memory peaked at ${hwm} KiB (${peak} KiB seen while flooding)"
stats=$(jq -s 'map(select(.event == "stats")) | length' "$HP_LOG")
[ "$stats" -ge 2 ] || fail "only $stats stats events"
echo "PASS"
