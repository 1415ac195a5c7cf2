#!/bin/sh
# Real SIP scanners against a small responder, in two network namespaces
# (spsip*, 10.201.0.0/24), captured with tcpdump, read by scanprint, and
# every attribution checked: Debian's svmap (OPTIONS, INVITE, three copies
# at once), svwar, svcrack, a map -> war -> crack sequence, sipsak (UDP and
# TCP), nmap's sip-methods script and -sV probe, masscan and zmap (when
# installed), and two SIPVicious copies modified the way attackers do it
# (strings edited in a copy of the scripts). Each scenario runs from its own
# address, so each is its own source. Bounded: explicit targets inside the
# namespace prefix, few packets, timeouts.
set -u
scanprint=$1
case $scanprint in /*) ;; *) scanprint=$PWD/$scanprint ;; esac
src=${SP_SOURCE:?}
[ "$(id -u)" = 0 ] || { echo "needs root for network namespaces" >&2; exit 77; }
for t in ip tcpdump svmap svwar svcrack sipsak nmap jq /usr/bin/python3; do
	command -v "$t" >/dev/null || { echo "$t not installed" >&2; exit 77; }
done
[ -d /usr/share/sipvicious/sipvicious ] || { echo "sipvicious sources missing" >&2; exit 77; }

A=spsip-a$$
B=spsip-b$$
VA=spsa$$
VB=spsb$$
work=$(mktemp -d)
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	ip netns del "$A" 2>/dev/null
	ip netns del "$B" 2>/dev/null
	if [ -n "${SP_KEEP:-}" ]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT INT TERM
fail() {
	echo "FAIL: $*" >&2
	exit 1
}

ip netns add "$A" && ip netns add "$B" || { echo "cannot create namespaces" >&2; exit 77; }
ip link add "$VA" type veth peer name "$VB" || exit 77
ip link set "$VA" netns "$A"
ip link set "$VB" netns "$B"
ip -n "$B" addr add 10.201.0.2/24 dev "$VB"
ip -n "$A" link set lo up
ip -n "$B" link set lo up
ip -n "$A" link set "$VA" up
ip -n "$B" link set "$VB" up
BMAC=$(ip -n "$B" link show "$VB" | awk '/ether/ {print $2}')

inA() { ip netns exec "$A" "$@"; }
# the scenario's own source address: the only one on A's side
use_addr() {
	[ -z "${SP_DEBUG:-}" ] || echo "$(date +%T) $1" >&2
	ip -n "$A" addr flush dev "$VA"
	ip -n "$A" addr add "$1/24" dev "$VA"
	sleep 0.3
}

ip netns exec "$B" /usr/bin/python3 "$src/tests/integration/sip_responder.py" 10.201.0.2 5060 600 \
	>"$work/responder.log" 2>&1 &
pids="$pids $!"
ip netns exec "$B" tcpdump -i "$VB" -U -s 0 -w "$work/cap.pcap" 'udp or tcp' 2>"$work/tcpdump.log" &
tcpd=$!
pids="$pids $tcpd"
i=0
until grep -q listening "$work/responder.log" && grep -q listening "$work/tcpdump.log"; do
	i=$((i + 1))
	[ $i -lt 100 ] || fail "responder or tcpdump did not start"
	sleep 0.1
done
cd "$work" || exit 1

# 10.201.0.11: svmap, three copies at once (ports 5060, 5061, 5062), over
# 10.201.0.2 (answers) and .3-.30 (nobody: a darknet)
use_addr 10.201.0.11
for h in $(seq 3 30); do # the darknet's addresses lead to B, which drops them
	ip -n "$A" neigh replace "10.201.0.$h" lladdr "$BMAC" dev "$VA"
done
for k in 1 2 3; do
	inA timeout 60 svmap -t 0.05 10.201.0.2-30 >"svmap$k.log" 2>&1 &
	eval "sv$k=\$!"
done
wait "$sv1" "$sv2" "$sv3"
# 10.201.0.12: svmap -m INVITE
use_addr 10.201.0.12
inA timeout 60 svmap -m INVITE 10.201.0.2 >svmap-invite.log 2>&1
# 10.201.0.13: svwar over extensions 100-110 (100-109 exist)
use_addr 10.201.0.13
inA timeout 60 svwar -e100-110 10.201.0.2 >svwar.log 2>&1
grep -q reqauth svwar.log || fail "svwar found no extension: $(tail -3 svwar.log)"
# 10.201.0.14: svcrack on extension 100, passwords 1000-1010
use_addr 10.201.0.14
inA timeout 60 svcrack -u 100 -r 1000-1010 10.201.0.2 >svcrack.log 2>&1
# 10.201.0.20: the sequence map -> war -> crack
use_addr 10.201.0.20
inA timeout 60 svmap 10.201.0.2 >seq-map.log 2>&1
sleep 1
inA timeout 60 svwar -e100-105 10.201.0.2 >seq-war.log 2>&1
sleep 1
inA timeout 60 svcrack -u 101 -r 2000-2004 10.201.0.2 >seq-crack.log 2>&1
# 10.201.0.15 / .21: sipsak over UDP and TCP
use_addr 10.201.0.15
inA timeout 20 sipsak -s sip:100@10.201.0.2 >sipsak.log 2>&1
use_addr 10.201.0.21
inA timeout 20 sipsak -E tcp -s sip:100@10.201.0.2 >sipsak-tcp.log 2>&1
# 10.201.0.16 / .22: nmap's SIP script (UDP) and service probe (TCP)
use_addr 10.201.0.16
inA timeout 120 nmap -n -Pn -sU -p 5060 --script sip-methods 10.201.0.2 >nmap-nse.log 2>&1
use_addr 10.201.0.22
inA timeout 120 nmap -n -Pn -sV --version-intensity 0 -p 5060 10.201.0.2 >nmap-sv.log 2>&1

# modified kits, made the way attackers make them: a copy, strings edited
kit() { # dir: a copy of the installed package, to edit
	mkdir -p "$1"
	cp -r /usr/share/sipvicious/sipvicious "$1/"
	rm -rf "$1/sipvicious/__pycache__" "$1/sipvicious/libs/__pycache__"
}
runkit() { # dir tool args...: runs the copy
	d=$1
	tool=$2
	shift 2
	inA timeout 60 env PYTHONPATH="$d" PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 -c \
		"import sys; sys.argv = ['$tool'] + sys.argv[1:]; from sipvicious.$tool import main; main()" \
		"$@"
}
# kit1: the sundayddr strings in the 0.3.3 scripts
kit kits/kit1
sed -i 's/friendly-scanner/sundayddr/' kits/kit1/sipvicious/libs/svhelper.py
sed -i "s/fromname='sipvicious'/fromname='sipsscuser'/; s/default=\"sipvicious\"/default=\"sipsscuser\"/; s|sip:100@1.1.1.1|sip:100@192.168.1.9|" \
	kits/kit1/sipvicious/svmap.py
use_addr 10.201.0.17
runkit kits/kit1 svmap 10.201.0.2 >kit1.log 2>&1
grep -q "10.201.0.2:5060" kit1.log || fail "kit1 did not run: $(tail -2 kit1.log)"
# kit2: never seen before: another User-Agent, magic cookie and Max-Forwards
kit kits/kit2
sed -i 's/friendly-scanner/VoIP Security Audit/; s/branch=z9hG4bK-/branch=xq7hG4bK-/g; s/= 70$/= 69/' \
	kits/kit2/sipvicious/libs/svhelper.py
use_addr 10.201.0.18
runkit kits/kit2 svmap 10.201.0.2 >kit2.log 2>&1
grep -q "10.201.0.2:5060" kit2.log || fail "kit2 did not run: $(tail -2 kit2.log)"

# masscan and zmap, when installed: only the namespace's prefix
have_masscan=0
have_zmap=0
if command -v masscan >/dev/null; then
	use_addr 10.201.0.23
	inA timeout 30 masscan -pU:5060 10.201.0.2/32 --rate 10 -e "$VA" --router-mac "$BMAC" \
		--wait 1 >masscan.log 2>&1 && have_masscan=1
fi
if command -v zmap >/dev/null && [ -f /usr/share/doc/zmap/examples/udp-probes/sip_options.tpl ]; then
	use_addr 10.201.0.24
	echo 10.201.0.0/24 >allow.txt
	inA timeout 30 zmap -M udp -p 5060 \
		--probe-args=template:/usr/share/doc/zmap/examples/udp-probes/sip_options.tpl \
		-i "$VA" -G "$BMAC" -r 10 -n 2 -w allow.txt -b /dev/null 10.201.0.2/32 \
		>zmap.log 2>&1 && have_zmap=1
fi

sleep 1
kill "$tcpd"
wait "$tcpd" 2>/dev/null
"$scanprint" read -q --db db cap.pcap || fail "scanprint read"
"$scanprint" sources --db db --json >all.jsonl || fail "scanprint sources"

check() { # ip jq-expression description
	out=$(jq -c "select(.ip == \"$1\")" all.jsonl | jq -e "$2" 2>&1) ||
		fail "$1: $3 ($2 -> $out)"
}
tool_is() { # ip tool component version
	check "$1" "[.tools[] | select(.tool == \"$2\" and .component == $3 and .version == $4)] | length == 1" \
		"$2 $3 $4"
}

# svmap x3
tool_is 10.201.0.11 sipvicious '"svmap"' '"0.3.x"'
check 10.201.0.11 '.tools | length == 1' "only svmap"
check 10.201.0.11 '.tools[0].modified == false' "stock svmap"
check 10.201.0.11 '.processes == 3' "three copies: ports 5060-5062"
check 10.201.0.11 '[.source_ports[]] | index("5060/udp") != null and index("5062/udp") != null' \
	"source ports 5060 and 5062"
check 10.201.0.11 '.local_addresses | index("127.0.0.1") != null' "127.0.0.1 leaked"
check 10.201.0.11 '.sip.methods.OPTIONS >= 84' "28 targets (not itself) x 3 copies"
check 10.201.0.11 '.sip_detail.tags_decoded >= 84 and .sip_detail.tags_elsewhere == 0' \
	"tags name the destinations"
"$scanprint" show --db db 10.201.0.11 >show11.txt
grep -q "At least 3 copies ran on this host" show11.txt || fail "10.201.0.11: processes note"
# svmap INVITE
tool_is 10.201.0.12 sipvicious '"svmap"' '"0.3.x"'
check 10.201.0.12 '.sip.methods.INVITE >= 1 and .tools[0].modified == false' "INVITE, stock"
# svwar
tool_is 10.201.0.13 sipvicious '"svwar"' '"0.3.x"'
check 10.201.0.13 '.tools[0].modified == false' "stock svwar"
check 10.201.0.13 '.sip.extensions_tried >= 11' "11 extensions tried"
check 10.201.0.13 '.sip_detail.extensions_sample | index("100") != null' "extension 100"
# svcrack
tool_is 10.201.0.14 sipvicious '"svcrack"' '"0.3.x"'
check 10.201.0.14 '.tools[0].modified == false' "stock svcrack"
check 10.201.0.14 '.sip.passwords_tried >= 11' "11 passwords tried"
check 10.201.0.14 '.sip_detail.passwords_sample | index("100:1000") != null' "user:password decoded"
# map -> war -> crack
check 10.201.0.20 '[.tools[] | .component] == ["svmap", "svwar", "svcrack"]' "three stages, in order"
check 10.201.0.20 '[.sip_detail.stages[] | .component] == ["svmap", "svwar", "svcrack"]' "stages"
check 10.201.0.20 '.sip_detail.stages[0].last <= .sip_detail.stages[1].first and .sip_detail.stages[1].last <= .sip_detail.stages[2].first' \
	"stages one after the other"
"$scanprint" show --db db 10.201.0.20 | grep -q "then svwar (finding extensions)" ||
	fail "10.201.0.20: stages note"
# sipsak
tool_is 10.201.0.15 sipsak null '"0.9.8.1"'
check 10.201.0.15 '.tools[0].modified == false' "stock sipsak"
tool_is 10.201.0.21 sipsak null '"0.9.8.1"'
check 10.201.0.21 '.ports | index("5060/tcp") != null' "sipsak over TCP"
# nmap
tool_is 10.201.0.16 nmap '"nse"' null
check 10.201.0.16 '.tools[0].modified == false' "stock NSE"
tool_is 10.201.0.22 nmap '"service-probe"' null
# kit1
tool_is 10.201.0.17 sipvicious '"svmap"' '"0.3.x"'
check 10.201.0.17 '.tools[0].modified == true' "kit1 modified"
check 10.201.0.17 '[.tools[0].changes[] | "\(.field)=\(.expected)>\(.seen)"] | sort ==
	["From.display=sipvicious>sipsscuser", "From.host=1.1.1.1>192.168.1.9",
	 "To.display=sipvicious>sipsscuser", "To.host=1.1.1.1>192.168.1.9",
	 "User-Agent=friendly-scanner>sundayddr"]' "kit1 changes"
check 10.201.0.17 '.sip_detail.kits[0].kit == "sundayddr"' "kit1 recognised as sundayddr"
# kit2
tool_is 10.201.0.18 sipvicious '"svmap"' '"0.3.x"'
check 10.201.0.18 '[.tools[0].changes[] | "\(.field)=\(.expected)>\(.seen)"] | sort ==
	["Max-Forwards=70>69", "User-Agent=friendly-scanner>VoIP Security Audit",
	 "Via.branch-cookie=z9hG4bK>xq7hG4bK"]' "kit2 changes"
check 10.201.0.18 '.sip_detail.kits[0].kit == null' "kit2 is no known kit"
# masscan, zmap
if [ $have_masscan = 1 ]; then
	check 10.201.0.23 '[.tools[] | select(.tool == "masscan")] | length == 1' "masscan"
fi
if [ $have_zmap = 1 ]; then
	check 10.201.0.24 '[.tools[] | select(.tool == "zmap")] | length == 1' "zmap"
fi
# the responder answers: no scanner there
check 10.201.0.2 '.tools == []' "the responder is no scanner"
n=$(jq -c 'select(.tools[] | .tool == "unknown-sip-scanner")' all.jsonl | wc -l)
[ "$n" -eq 0 ] || fail "$n sources called unknown-sip-scanner"
echo "real tools: all attributions as expected (masscan: $have_masscan, zmap: $have_zmap)"
