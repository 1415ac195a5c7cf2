#!/bin/sh
# Makes the base captures of the campaign tests with real tools, in two
# network namespaces (spc9-*, $CAMP_NET.0.0/16, default 10.206; nothing else reachable: no
# uplink, no default route), captured with tcpdump on the target side:
#
#   kitA.pcap      svmap from a copy edited the way the sundayddr kit was
#                  (User-Agent sundayddr, From "sipsscuser", the local address
#                  hard-coded to 192.168.1.9)
#   kitA_ssh.pcap  the same kit from another host that also knocks on 22/tcp
#   kitB.pcap      another copy: User-Agent "VoIP Security Audit", branch
#                  cookie xq7hG4bK, Max-Forwards 69
#   kitC.pcap      another copy: User-Agent "pbx-audit/2.1", From "audit"
#   kitD.pcap      the sundayddr copy with User-Agent mondayddr (same
#                  hard-coded 192.168.1.9: a different kit all the same)
#   stock.pcap     Debian's svmap as it is
#   nmap_decoys.pcap  nmap -sS with two decoys (three source addresses)
#   masscan.pcap   masscan -p22,5060 (one run, its own source port)
#   zmap.pcap      zmap SYN scan of 22/tcp
#
#   make_campaign_captures.sh OUTDIR
#
# Every tool gets explicit targets inside the namespace's prefix, bounded
# rates and counts, and a timeout. Exit 77 without root or a tool.
set -u
out=${1:?usage: $0 OUTDIR}
# the prefix (a /16): $CAMP_NET, else 10.206 (the committed captures)
NET=${CAMP_NET:-10.206}
src=${SP_SOURCE:-$(cd "$(dirname "$0")/../.." && pwd)}
[ "$(id -u)" = 0 ] || { echo "needs root for network namespaces" >&2; exit 77; }
for t in ip tcpdump svmap nmap masscan zmap /usr/bin/python3; do
	command -v "$t" >/dev/null || { echo "$t not installed" >&2; exit 77; }
done
[ -d /usr/share/sipvicious/sipvicious ] || { echo "sipvicious sources missing" >&2; exit 77; }
. "$src/tests/integration/zmap_lib.sh"
mkdir -p "$out"
out=$(cd "$out" && pwd)

A=spc9-a$$
B=spc9-b$$
VA=spc9-va$$
VB=spc9-vb$$
work=$(mktemp -d /tmp/sp-cpcap.XXXXXX)
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	ip netns del "$A" 2>/dev/null
	ip netns del "$B" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT INT TERM
fail() {
	echo "make_campaign_captures: $*" >&2
	exit 1
}

ip netns add "$A" && ip netns add "$B" || { echo "cannot create namespaces" >&2; exit 77; }
ip link add "$VA" type veth peer name "$VB" || exit 77
ip link set "$VA" netns "$A"
ip link set "$VB" netns "$B"
ip -n "$B" addr add $NET.0.2/16 dev "$VB"
for ns in "$A" "$B"; do
	ip -n "$ns" link set lo up
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
done
ip -n "$A" link set "$VA" up
ip -n "$B" link set "$VB" up
BMAC=$(ip -n "$B" link show "$VB" | awk '/ether/ {print $2}')

inA() { ip netns exec "$A" "$@"; }
use_addr() { # the scenario's own source address: the only one on A's side
	ip -n "$A" addr flush dev "$VA"
	ip -n "$A" addr add "$1/16" dev "$VA"
	# the darknet: $NET.0.3-30 lead to B, which has no such address and
	# drops them (flushing the addresses flushed these too)
	for h in $(seq 2 30); do
		ip -n "$A" neigh replace "$NET.0.$h" lladdr "$BMAC" dev "$VA" nud permanent
	done
	sleep 0.3
}

ip netns exec "$B" /usr/bin/python3 "$src/tests/integration/sip_responder.py" $NET.0.2 5060 900 \
	>"$work/responder.log" 2>&1 &
pids="$pids $!"
ip netns exec "$B" tcpdump -i "$VB" -U -s 0 -w "$work/all.pcap" 'ip and (udp or tcp)' \
	2>"$work/tcpdump.log" &
tcpd=$!
pids="$pids $tcpd"
i=0
until grep -q listening "$work/responder.log" && grep -q listening "$work/tcpdump.log"; do
	i=$((i + 1))
	[ $i -lt 100 ] || fail "responder or tcpdump did not start"
	sleep 0.1
done
cd "$work" || exit 1

kit() { # dir: a copy of the installed package, to edit
	mkdir -p "$1"
	cp -r /usr/share/sipvicious/sipvicious "$1/"
	rm -rf "$1/sipvicious/__pycache__" "$1/sipvicious/libs/__pycache__"
}
runkit() { # dir args...: svmap of the copy
	d=$1
	shift
	inA timeout 60 env PYTHONPATH="$d" PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 -c \
		"import sys; sys.argv = ['svmap'] + sys.argv[1:]; from sipvicious.svmap import main; main()" \
		"$@"
}
svmap_range=$NET.0.2-20

# kit A: the sundayddr strings
kit kitA
sed -i 's/friendly-scanner/sundayddr/' kitA/sipvicious/libs/svhelper.py
sed -i "s/fromname='sipvicious'/fromname='sipsscuser'/; s/default=\"sipvicious\"/default=\"sipsscuser\"/; s|sip:100@1.1.1.1|sip:100@192.168.1.9|; s/socket.gethostbyname(socket.gethostname())/'192.168.1.9'/" \
	kitA/sipvicious/svmap.py
use_addr $NET.1.1
runkit kitA -t 0.02 "$svmap_range" >kitA.log 2>&1
grep -q "$NET.0.2:5060" kitA.log || fail "kit A did not run: $(tail -2 kitA.log)"
# the same kit from a host that also knocks on ssh (the kernel's own SYNs)
use_addr $NET.1.11
runkit kitA -t 0.02 "$svmap_range" >kitA2.log 2>&1
for h in 5 6 7; do
	inA timeout 5 /usr/bin/python3 -c "import socket; s = socket.socket(); s.settimeout(1.5)
try: s.connect(('$NET.0.$h', 22))
except OSError: pass" >/dev/null 2>&1
done
# kit B: never seen before
kit kitB
sed -i 's/friendly-scanner/VoIP Security Audit/; s/branch=z9hG4bK-/branch=xq7hG4bK-/g; s/= 70$/= 69/' \
	kitB/sipvicious/libs/svhelper.py
use_addr $NET.1.2
runkit kitB -t 0.02 "$svmap_range" >kitB.log 2>&1
grep -q "$NET.0.2:5060" kitB.log || fail "kit B did not run: $(tail -2 kitB.log)"
# kit C
kit kitC
sed -i 's/friendly-scanner/pbx-audit\/2.1/' kitC/sipvicious/libs/svhelper.py
sed -i "s/fromname='sipvicious'/fromname='audit'/; s/default=\"sipvicious\"/default=\"audit\"/" \
	kitC/sipvicious/svmap.py
use_addr $NET.1.4
runkit kitC -t 0.02 "$svmap_range" >kitC.log 2>&1
grep -q "$NET.0.2:5060" kitC.log || fail "kit C did not run: $(tail -2 kitC.log)"
# kit D: kit A with another User-Agent
kit kitD
cp -r kitA/sipvicious kitD/
sed -i 's/sundayddr/mondayddr/' kitD/sipvicious/libs/svhelper.py
use_addr $NET.1.3
runkit kitD -t 0.02 "$svmap_range" >kitD.log 2>&1
grep -q "$NET.0.2:5060" kitD.log || fail "kit D did not run: $(tail -2 kitD.log)"
# the stock tool
use_addr $NET.1.5
inA timeout 60 svmap -t 0.02 "$svmap_range" >stock.log 2>&1
grep -q "$NET.0.2:5060" stock.log || fail "svmap did not run: $(tail -2 stock.log)"
# nmap with two decoys: three addresses, one scan
use_addr $NET.1.6
inA timeout 120 nmap -n -Pn -sS --max-retries 0 --max-rate 200 -D $NET.1.60,$NET.1.61,ME \
	-p 22,80,5060 $NET.0.2-4 >nmap.log 2>&1 || fail "nmap: $(tail -2 nmap.log)"
# masscan and zmap: only the namespace's prefix
use_addr $NET.1.7
inA timeout 60 masscan -p22,5060 $NET.0.2-$NET.0.20 --rate 100 -e "$VA" --router-mac "$BMAC" \
	--wait 1 >masscan.log 2>&1 || fail "masscan: $(tail -2 masscan.log)"
use_addr $NET.1.9
echo $NET.0.0/27 >allow.txt
zmap_tries zmap.log inA timeout 60 zmap -M tcp_synscan -p 22 -i "$VA" -G "$BMAC" -r 100 -n 20 \
	-c 1 -w allow.txt -b /dev/null $NET.0.0/27 || fail "zmap: $(tail -2 zmap.log)"

sleep 1
kill "$tcpd"
wait "$tcpd" 2>/dev/null
split() { # name tcpdump-filter
	tcpdump -n -r all.pcap -w "$out/$1.pcap" "$2" 2>/dev/null
	n=$(tcpdump -n -r "$out/$1.pcap" 2>/dev/null | wc -l) # -n: no DNS waits
	[ "$n" -gt 0 ] || fail "$1: no packets"
}
split kitA "host $NET.1.1"
split kitA_ssh "host $NET.1.11"
split kitB "host $NET.1.2"
split kitC "host $NET.1.4"
split kitD "host $NET.1.3"
split stock "host $NET.1.5"
split nmap_decoys "host $NET.1.6 or host $NET.1.60 or host $NET.1.61"
split masscan "host $NET.1.7"
split zmap "host $NET.1.9"
echo "made $(ls "$out"/*.pcap | wc -l) captures in $out"
