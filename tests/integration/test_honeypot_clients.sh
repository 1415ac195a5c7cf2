#!/bin/sh
# Real SIP clients against the honeypot on loopback get valid replies:
# sipsak (OPTIONS over UDP and TCP, registration with the weak account's
# password and with a wrong one) and SIPp scenarios (OPTIONS over UDP and
# TCP; REGISTER with digest authentication; INVITE challenged, then
# answered with the PBX's status once authenticated, ACKed). For each
# personality.
set -eu
scanprint=$1
. "$(dirname "$0")/honeypot_lib.sh"
need sipsak sipp jq sqlite3 ss
work=$(mktemp -d)
trap hp_cleanup EXIT INT TERM
data=${SP_TESTDATA:-$(dirname "$0")/../data}/honeypot

# sipp on loopback with every port it binds inside the test range
run_sipp() {
	xml=$1 transport=$2
	shift 2
	timeout 30 sipp -sf "$xml" -t "$transport" -i 127.0.0.1 -p 25085 -mp 25090 -cp 25095 \
		-m 2 -r 5 -timeout 20 -nostdin -trace_err -error_file "$work/sipp.err" "$@" \
		"127.0.0.1:$port" >"$work/sipp.out" 2>&1 ||
		fail "sipp $(basename "$xml") over $transport: $(tail -3 "$work/sipp.err" 2>/dev/null)"
}

for spec in asterisk:25064:1001:1234:480 freepbx:25065:2001:2001:480 cisco:25066:5005:cisco:486; do
	IFS=: read -r pers port user pass answer <<EOS
$spec
EOS
	hp_start "cl-$pers" "$port" --personality "$pers"
	# sipsak: OPTIONS (UDP, TCP), usrloc registration right and wrong
	timeout 20 sipsak -l 25083 -s "sip:$user@127.0.0.1:$port" -vv >"$work/sipsak.out" 2>&1 ||
		fail "sipsak OPTIONS: $(cat "$work/sipsak.out")"
	grep -q "^SIP/2.0 200 OK" "$work/sipsak.out" || fail "sipsak: no 200 OK"
	timeout 20 sipsak -E tcp -s "sip:$user@127.0.0.1:$port" -v >"$work/sipsak.out" 2>&1 ||
		fail "sipsak OPTIONS over TCP: $(cat "$work/sipsak.out")"
	timeout 20 sipsak -U -l 25083 -s "sip:$user@127.0.0.1:$port" -u "$user" -a "$pass" -v \
		>"$work/sipsak.out" 2>&1 || fail "sipsak register: $(cat "$work/sipsak.out")"
	grep -q "usrloc tests completed successful" "$work/sipsak.out" ||
		fail "sipsak could not register $user: $(tail -5 "$work/sipsak.out")"
	timeout 20 sipsak -U -l 25083 -s "sip:$user@127.0.0.1:$port" -u "$user" -a wrong -v \
		>"$work/sipsak.out" 2>&1 || true
	grep -q "didn't received '200 OK' on register" "$work/sipsak.out" ||
		fail "sipsak registered with a wrong password"
	# SIPp
	run_sipp "$data/sipp-options.xml" u1 -s "$user"
	run_sipp "$data/sipp-options.xml" t1 -s "$user"
	sed 's/EXPECT/200/' "$data/sipp-register.xml" >"$work/reg200.xml"
	sed 's/EXPECT/403/' "$data/sipp-register.xml" >"$work/reg403.xml"
	run_sipp "$work/reg200.xml" u1 -s "$user" -au "$user" -ap "$pass"
	run_sipp "$work/reg403.xml" t1 -s "$user" -au "$user" -ap wrong
	sed "s/EXPECT/$answer/; s/CALLER/$user/g" "$data/sipp-invite.xml" >"$work/invite.xml"
	run_sipp "$work/invite.xml" u1 -s "$user" -au "$user" -ap "$pass"
	hp_stop
	hp_check_books
	# every transaction but ACKs was answered (a first datagram may be held
	# back by the amplification guard: the client's retransmission gets it)
	unanswered=$(jq -s 'map(select(.event == "message" and .kind == "request" and
		.method != "ACK")) | group_by([.call_id, .cseq]) |
		map(select(all(.action != "replied"))) | length' "$HP_LOG")
	[ "$unanswered" = 0 ] || fail "$unanswered transactions were not answered"
	acc=$(q "SELECT count(*) FROM messages WHERE note LIKE '%auth=accepted%'")
	[ "$acc" -ge 5 ] || fail "only $acc authenticated requests"
	tcp=$(q "SELECT count(*) FROM messages WHERE transport = 'tcp'")
	[ "$tcp" -ge 5 ] || fail "only $tcp messages over TCP"
	echo "ok: $pers: sipsak and SIPp got valid replies ($(q "SELECT count(*) FROM messages") messages)"
done
echo "PASS"
