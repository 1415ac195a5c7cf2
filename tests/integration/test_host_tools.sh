#!/bin/sh
# Real raw-packet tools against a darknet made of network namespaces:
# Debian's masscan, zmap and nmap -sS, a Linux host's own connects, and a
# host whose default TTL is 128 one router hop away; captured with tcpdump
# and read by scanprint, which must name each tool, version and host trait.
#
# Safety: every address is in 10.202.0.0/16, inside namespaces this script
# creates (sphost_*); targets are explicit (10.202.0.16/28, 10.202.2.16/28);
# rates and counts are bounded and every tool runs under timeout. zmap gets
# an allowlist of the /28 only. The darknet namespace answers nothing: the
# targets are not its addresses and it does not forward.
#
# usage: test_host_tools.sh SCANPRINT   (exit 77: cannot run here)
set -u
SP=$1
for t in ip tcpdump nmap masscan zmap python3 jq timeout; do
	command -v "$t" >/dev/null 2>&1 || { echo "skip: $t not installed"; exit 77; }
done
[ "$(id -u)" = 0 ] || { echo "skip: network namespaces need root"; exit 77; }
. "$(dirname "$0")/zmap_lib.sh"

S=sphost_s D=sphost_d W=sphost_w R=sphost_r E=sphost_e
MAC_D=02:00:0a:ca:00:02
work=$(mktemp -d)
pids=""
cleanup() {
	for p in $pids; do kill -INT "$p" 2>/dev/null; done
	sleep 0.3
	for n in $S $D $W $R $E; do ip netns del $n 2>/dev/null; done
	[ -n "${SP_HOST_KEEP:-}" ] && cp "$work"/*.pcap "$SP_HOST_KEEP"/ 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT INT TERM
fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# --- topology -----------------------------------------------------------
#  S (10.202.0.1, .11-.14) --- D (10.202.0.2): darknet for 10.202.0.16/28
#  W (10.202.1.2, TTL 128) --- R (router) --- E (10.202.2.2): darknet for 10.202.2.16/28
setup() {
	for n in $S $D $W $R $E; do ip netns add $n || return 1; ip -n $n link set lo up; done
	ip link add sphs0 netns $S type veth peer name sphd0 netns $D || return 1
	ip -n $D link set sphd0 address $MAC_D
	ip -n $S addr add 10.202.0.1/24 dev sphs0
	for a in 11 12 13 14; do ip -n $S addr add 10.202.0.$a/32 dev sphs0; done
	ip -n $D addr add 10.202.0.2/24 dev sphd0
	ip -n $S link set sphs0 up && ip -n $D link set sphd0 up
	ip -n $S route add 10.202.0.16/28 via 10.202.0.2
	ip link add sphw0 netns $W type veth peer name sphr0 netns $R || return 1
	ip link add sphr1 netns $R type veth peer name sphe0 netns $E || return 1
	ip -n $W addr add 10.202.1.2/24 dev sphw0
	ip -n $R addr add 10.202.1.1/24 dev sphr0
	ip -n $R addr add 10.202.2.1/24 dev sphr1
	ip -n $E addr add 10.202.2.2/24 dev sphe0
	ip -n $W link set sphw0 up && ip -n $R link set sphr0 up
	ip -n $R link set sphr1 up && ip -n $E link set sphe0 up
	ip -n $W route add default via 10.202.1.1
	ip netns exec $R sysctl -qw net.ipv4.ip_forward=1
	ip -n $R route add 10.202.2.16/28 via 10.202.2.2
	ip netns exec $W sysctl -qw net.ipv4.ip_default_ttl=128
}
setup >"$work/setup.log" 2>&1 || { cat "$work/setup.log"; echo "skip: cannot create network namespaces"; exit 77; }

# tcpdump in a darknet namespace, until stopped.
capture() { # NS IFACE FILE
	ip netns exec "$1" tcpdump -n -i "$2" -U -w "$3" 'ip' 2>"$3.log" &
	pids="$pids $!"
	i=0
	while ! grep -q listening "$3.log" 2>/dev/null; do
		i=$((i + 1)); [ $i -gt 50 ] && fail "tcpdump did not start: $(cat "$3.log")"; sleep 0.1
	done
}
capture $D sphd0 "$work/darknet.pcap"
capture $E sphe0 "$work/hop.pcap"

# --- the tools ------------------------------------------------------------
timeout 60 ip netns exec $S masscan 10.202.0.16/28 -p22,23,80,443 --rate 200 \
	--interface sphs0 --router-mac $MAC_D --adapter-ip 10.202.0.11 --wait 0 \
	>"$work/masscan.log" 2>&1 || fail "masscan: $(tail -3 "$work/masscan.log")"
printf '10.202.0.16/28\n' >"$work/allow.txt"
printf '192.0.2.0/24\n' >"$work/block.txt"
zmap_tries "$work/zmap.log" timeout 60 ip netns exec $S zmap -p 23 -i sphs0 -S 10.202.0.12 \
	-G $MAC_D -w "$work/allow.txt" -b "$work/block.txt" -r 100 -n 16 -c 1 -o /dev/null ||
	fail "zmap: $(tail -3 "$work/zmap.log")"
timeout 60 ip netns exec $S nmap -sS -Pn -n -e sphs0 -S 10.202.0.13 -p 22,23,80,443 \
	--max-retries 1 --max-rate 100 --host-timeout 20s 10.202.0.16/29 >"$work/nmap.log" 2>&1 ||
	fail "nmap: $(tail -3 "$work/nmap.log")"
# a Linux host's own stack: connect() and UDP, from .14 and from W (TTL 128, one hop)
cat >"$work/host.py" <<'EOF'
import socket, sys
src, net = sys.argv[1], sys.argv[2]
for i in range(16, 22):
    s = socket.socket()
    s.settimeout(0.3)
    if src != "-":
        s.bind((src, 0))
    try:
        s.connect((net + str(i), 80))
    except OSError:
        pass
    s.close()
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    if src != "-":
        u.bind((src, 0))
    u.sendto(b"hello", (net + str(i), 5060))
    u.close()
EOF
timeout 60 ip netns exec $S python3 "$work/host.py" 10.202.0.14 10.202.0. || fail "host.py on S"
timeout 60 ip netns exec $W python3 "$work/host.py" - 10.202.2. || fail "host.py on W"
sleep 1.5 # retransmissions, and the last packets to the files
for p in $pids; do kill -INT "$p"; done
wait
pids=""

# --- what scanprint says --------------------------------------------------
db=$work/db
"$SP" read -q --db "$db" "$work/darknet.pcap" "$work/hop.pcap" || fail "scanprint read"
"$SP" sources --db "$db" --json --order ip >"$work/out.jsonl" || fail "sources --json"
src() { jq -c "select(.ip == \"$1\")" "$work/out.jsonl"; }
check() { # IP JQ-EXPRESSION WHAT
	v=$(src "$1" | jq -e "$2" 2>/dev/null) || fail "$1: $3 (got: $(src "$1" | jq -c "$4" 2>/dev/null))"
}
check 10.202.0.11 '.tools[0] | .tool == "masscan" and .version == "<=1.3.2" and (.modified | not)' \
	"masscan <=1.3.2, unmodified" '.tools'
check 10.202.0.11 '.ip_id.class == "tool-formula" and .ttl.initial == 255 and .traffic.kind == "scan"' \
	"Masscan's IP ID formula, TTL 255, a scan" '{ip_id, ttl, traffic}'
check 10.202.0.12 '.tools[0] | .tool == "zmap" and .version == "<=4.0" and .component == "tcp_synscan"' \
	"zmap <=4.0" '.tools'
check 10.202.0.12 '.ip_id.class == "tool-formula" and .host.ip_id.formula == "zmap: ip_id = 54321"' \
	"ZMap's IP ID" '.host.ip_id'
check 10.202.0.13 '.tools[0] | .tool == "nmap" and .component == "syn-scan"' "nmap SYN scan" '.tools'
check 10.202.0.13 '.host.ttl.varies and .ttl.max <= 59 and ([.tools[0].evidence[] | select(test("seq=nmap-try"))] | length == 1)' \
	"Nmap's random TTLs and its seq form" '{ttl, host: .host.ttl}'
check 10.202.0.13 '.host.syn[0].p0f.label == "s:!:NMap:SYN scan"' "p0f names NMap" '.host.syn'
check 10.202.0.14 '.tools == [] and (.os.guess | test("Linux")) and .ttl.initial == 64 and .ttl.hops == 0' \
	"a Linux host, no tool" '{tools, os, ttl}'
check 10.202.0.14 '.syn_signatures[0].ja4t | test("^64240_2-4-8-1-3_1460_")' "Linux's JA4T" '.syn_signatures'
check 10.202.1.2 '.ttl.initial == 128 and .ttl.hops == 1 and .ttl.max == 127' \
	"initial TTL 128 one hop away" '.ttl'
check 10.202.1.2 '.tools == [] and ([.host.syn[].p0f.match] | index("fuzzy") != null)' \
	"the Linux SYN under TTL 128 matches p0f only fuzzily" '.host.syn'
check 10.202.1.2 '.os.guess | test("Linux")' "Linux despite TTL 128 (the SYN layout says so)" '.os'
# today's Linux: UDP with DF but non-zero IP IDs (the ID-0 rule is of 2.4/2.6)
check 10.202.0.14 '.ip_id.zero == 0 and .df == .packets' "Linux 6.x: DF and non-zero IDs" '{ip_id, df, packets}'

"$SP" sources --db "$db" --tool masscan | grep -q '^10.202.0.11 ' || fail "sources --tool masscan"
"$SP" sources --db "$db" --tool zmap | grep -q '^10.202.0.12 ' || fail "sources --tool zmap"
"$SP" show --db "$db" 10.202.0.13 >"$work/show.txt" || fail "show"
grep -q 'nmap syn-scan' "$work/show.txt" || fail "show names nmap: $(cat "$work/show.txt")"
grep -q 'TTL varies' "$work/show.txt" || fail "show says the TTL varies"

# without p0f.fp the output says so
SCANPRINT_P0F_FP=/nonexistent/p0f.fp "$SP" show --db "$db" --json 10.202.0.14 >"$work/nop0f.json" ||
	fail "show without p0f.fp"
jq -e '.host.p0f_file.status == "absent"' "$work/nop0f.json" >/dev/null || fail "p0f absence not reported"
SCANPRINT_P0F_FP=/nonexistent/p0f.fp "$SP" show --db "$db" 10.202.0.14 | grep -q 'p0f: /nonexistent/p0f.fp: no such file' ||
	fail "show does not say p0f.fp is missing"
echo "ok: masscan, zmap, nmap named with versions; Linux host and TTL-128 host profiled"
