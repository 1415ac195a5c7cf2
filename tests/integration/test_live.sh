#!/bin/sh
# `scanprint live -i IFACE [BPF]` on traffic made inside two network
# namespaces of our own (10.203.0.5 scans 10.203.0.6), stopped by SIGINT and
# by SIGTERM: what was seen is stored, with sensible times; --flush commits
# while it runs; a BPF filter applies; bad interfaces and filters fail.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns.sh"

netns_possible || { echo "needs root and network namespaces" >&2; exit 77; }
for t in nmap sipsak ping; do
	command -v $t >/dev/null || { echo "$t missing" >&2; exit 77; }
done
down() { netns_down lv; }
cleanup_hooks="$cleanup_hooks down"
netns_up lv 5 || { fail "could not set up the namespaces"; finish; }

traffic() { # bounded: 3 pings, 4 ports at 100/s, one SIP OPTIONS
	ip netns exec "$NS_S" ping -c 3 -i 0.2 "$IP_T" >/dev/null 2>&1
	ip netns exec "$NS_S" timeout 30 nmap -n -Pn -sS -p 22,80,443,5060 --max-rate 100 \
		--max-retries 0 "$IP_T" >/dev/null 2>&1
	ip netns exec "$NS_S" timeout 5 sipsak -s "sip:100@$IP_T" >/dev/null 2>&1
}

# live_run SIGNAL DB [ARGS...]: captures while the traffic runs, then stops it
live_run() {
	sig=$1 db=$2
	shift 2
	ip netns exec "$NS_T" "$SP" live --db "$db" -i "$IF_T" "$@" >"$WORK/live.out" 2>"$WORK/live.err" &
	pid=$!
	sleep 1.5 # the capture is open well before the first packet
	traffic
	sleep 0.5
	kill -"$sig" $pid
	wait $pid
	echo $?
}

start=$(date +%s)
rc=$(live_run INT "$WORK/int.db")
check "SIGINT: exit 0 (got $rc)" test "$rc" = 0
check "SIGINT: summary" grep -q "source profiles written" "$WORK/live.err"
DB=$WORK/int.db
check "SIGINT: the scanner is stored" test -n "$(q "$DB" "SELECT 1 FROM sources WHERE ip_text = '$IP_S'")"
run 0 "$SP" sources --db "$DB" --json
jq -c "select(.ip == \"$IP_S\")" "$WORK/out" >"$WORK/scanner.json"
check "SIGINT: pings, SYNs and SIP seen" test "$(jq -r '[.protocols.icmp >= 3, .protocols.tcp >= 4, .protocols.udp >= 1] | all' "$WORK/scanner.json")" = true
check "SIGINT: SYN scan ports" test "$(jq -r '[.ports[] | select(. == "22/tcp" or . == "5060/tcp" or . == "5060/udp")] | length' "$WORK/scanner.json")" = 3
check "SIGINT: one target" test "$(jq -r .targets "$WORK/scanner.json")" = 1
check "SIGINT: the target's answers too" test -n "$(q "$DB" "SELECT 1 FROM sources WHERE ip_text = '$IP_T'")"
first=$(q "$DB" "SELECT first_ns / 1000000000 FROM sources WHERE ip_text = '$IP_S'")
now=$(date +%s)
check "times are now (first seen $first, started $start)" test "$first" -ge "$start" -a "$first" -le "$now"
check "SIGINT: session recorded" test "$(q "$DB" "SELECT format, status, path, sensor FROM captures")" = "live|interrupted|$IF_T|$IF_T"
store_ok "$DB"

# SIGTERM, with a BPF filter: only what it lets through
rc=$(live_run TERM "$WORK/term.db" --sensor lab-1 icmp or udp port 5060)
check "SIGTERM: exit 0 (got $rc)" test "$rc" = 0
DB=$WORK/term.db
run 0 "$SP" sources --db "$DB" --json
jq -c "select(.ip == \"$IP_S\")" "$WORK/out" >"$WORK/scanner.json"
check "filter: no TCP" test "$(jq -r .protocols.tcp "$WORK/scanner.json")" = 0
check "filter: ICMP and SIP" test "$(jq -r '[.protocols.icmp >= 3, .protocols.udp >= 1] | all' "$WORK/scanner.json")" = true
check "sensor name" test "$(jq -r '.sensors[0]' "$WORK/scanner.json")" = lab-1
store_ok "$DB"

# --flush: committed while it runs, readable by another process meanwhile
DB=$WORK/flush.db
ip netns exec "$NS_T" "$SP" live -q --flush 1 --db "$DB" -i "$IF_T" >/dev/null 2>"$WORK/live.err" &
pid=$!
sleep 1.5
ip netns exec "$NS_S" ping -c 2 -i 0.2 "$IP_T" >/dev/null 2>&1
sleep 2.5
check "--flush 1: stored while running" test -n "$(q "$DB" "SELECT 1 FROM sources WHERE ip_text = '$IP_S'" 2>/dev/null)"
run 0 "$SP" sources --db "$DB"
kill -INT $pid
wait $pid
check "--flush: exit 0" test $? = 0
check "--quiet: no summary" test ! -s "$WORK/live.err"

# what cannot be captured
run 1 ip netns exec "$NS_T" "$SP" live --db "$WORK/x.db" -i spt2nosuch0
one_line_error "spt2nosuch0"
run 1 ip netns exec "$NS_T" "$SP" live --db "$WORK/x.db" -i "$IF_T" 'port port port'
one_line_error "$IF_T" "bad filter"
run 1 ip netns exec "$NS_T" "$SP" live --db "$WORK/regular/x.db" -i "$IF_T"

finish
