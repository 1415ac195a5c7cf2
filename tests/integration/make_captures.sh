#!/bin/sh
# Makes the test captures with real tools, in network namespaces of our
# own: a "telescope" namespace (spt2ct, 10.203.0.2-9 on a bridge) and one
# namespace per scanner (spt2c1.. with 10.203.0.11..), nothing else
# reachable. Each tool is pointed only at 10.203.0.2-9, with bounded counts,
# rates and timeouts; tcpdump on the telescope's bridge records what
# arrives. Like a darknet, the telescope answers nothing.
#
#   tests/integration/make_captures.sh [OUTDIR]
#
# writes OUTDIR/{nmap_syn,masscan,zmap,svmap,svmap_modified,sipsak}.pcap
# (default tests/golden) and tests/data/demo.pcap.gz (all of them in one
# capture, what `make run` reads). Then: SP_UPDATE_GOLDEN=1 ctest -L golden.
# Needs root, iproute2, tcpdump, mergecap, nmap, masscan, zmap, sipvicious,
# sipsak.
set -eu
SRC=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${1:-$SRC/tests/golden}
TMP=$(mktemp -d /tmp/sp-captures.XXXXXX)
T=spt2ct
TIP=10.203.0.2
N=6

down() {
	for i in $(seq 1 $N); do ip netns del spt2c$i 2>/dev/null || true; done
	ip netns del $T 2>/dev/null || true
}
cleanup() {
	down
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

up() {
	down
	ip netns add $T
	ip -n $T link add spt2cbr address 02:00:0a:cb:00:02 type bridge
	ip -n $T addr add $TIP/24 dev spt2cbr
	ip -n $T link set lo up
	ip netns exec $T sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	ip -n $T link set spt2cbr up
	TMAC=$(ip -n $T -br link show spt2cbr | awk '{print $3}')
	for i in $(seq 1 $N); do
		ns=spt2c$i
		ip netns add $ns
		ip netns exec $ns sysctl -qw net.ipv6.conf.all.disable_ipv6=1
		ip link add spt2c${i}s netns $ns type veth peer name spt2c${i}p netns $T
		ip -n $T link set spt2c${i}p master spt2cbr up
		ip -n $ns addr add 10.203.0.$((10 + i))/24 dev spt2c${i}s
		ip -n $ns link set lo up
		ip -n $ns link set spt2c${i}s up
		for a in 2 3 4 5 6 7 8 9; do
			ip -n $ns neigh replace 10.203.0.$a lladdr "$TMAC" dev spt2c${i}s nud permanent
		done
		mac=$(ip -n $ns -br link show spt2c${i}s | awk '{print $3}')
		ip -n $T neigh replace 10.203.0.$((10 + i)) lladdr "$mac" dev spt2cbr nud permanent
	done
	sleep 2 # bridge ports forwarding
	for i in $(seq 1 $N); do
		ip netns exec spt2c$i ping -c1 -W2 $TIP >/dev/null
	done
	# A darknet never answers: once the links are known to work the
	# telescope gives its addresses up (the scanners still send it every
	# frame: their neighbour entries are fixed), so its kernel drops what
	# arrives without a word, while tcpdump on the bridge records it all.
	ip -n $T addr flush dev spt2cbr
}

# capture NAME COMMAND...: records the bridge while COMMAND runs
capture() {
	name=$1
	shift
	ip netns exec $T tcpdump -q -n -U -s 0 -i spt2cbr -w "$TMP/$name.pcap" not arp 2>/dev/null &
	tcpd=$!
	sleep 1
	"$@" >"$TMP/$name.log" 2>&1 || true
	sleep 1.5 # the last answers
	kill -INT $tcpd
	wait $tcpd || true
	echo "$name: $(tcpdump -r "$TMP/$name.pcap" -n 2>/dev/null | wc -l) packets"
}

in_ns() { # in_ns I COMMAND...: in scanner namespace I, with a time limit
	i=$1
	shift
	ip netns exec spt2c$i timeout 60 "$@"
}

# svmap with its strings edited the way the 2010 "sundayddr" kit did
modified_svmap() {
	cp -r /usr/share/sipvicious "$TMP/sv"
	find "$TMP/sv" -name __pycache__ -prune -exec rm -rf {} +
	sed -i -e "s/useragent='friendly-scanner'/useragent='sundayddr'/" \
		-e "s/branch=z9hG4bK-/branch=zqwehwebK-/" "$TMP/sv/sipvicious/libs/svhelper.py"
	sed -i -e "s/fromname='sipvicious'/fromname='sipsscuser'/" \
		-e 's/default="sipvicious"/default="sipsscuser"/' "$TMP/sv/sipvicious/svmap.py"
	cat >"$TMP/svmap-kit" <<EOF
#!/bin/sh
cd "$TMP/sv" && exec python3 -c 'import sys; from sipvicious import svmap; sys.argv[0] = "svmap"; svmap.main()' "\$@"
EOF
	chmod +x "$TMP/svmap-kit"
}

up
modified_svmap
printf '10.203.0.2/31\n10.203.0.4/30\n10.203.0.8/31\n' >"$TMP/allow" # .2-.9
: >"$TMP/block"

capture nmap_syn in_ns 1 nmap -n -Pn -sS --send-ip -p 21-23,25,80,443,445,3389,5060,8080 \
	--max-rate 200 --max-retries 1 10.203.0.2-9
capture masscan in_ns 2 masscan 10.203.0.2-10.203.0.9 -p 22,23,80,443,5060,U:5060 --rate 100 --wait 2 \
	--adapter spt2c2s --adapter-ip 10.203.0.12 --router-mac "$TMAC"
capture zmap in_ns 3 zmap -p 80 -i spt2c3s -S 10.203.0.13 -G "$TMAC" -w "$TMP/allow" \
	-b "$TMP/block" -r 50 -P 3 -c 2 --disable-syslog -q
capture svmap in_ns 4 svmap -b 10.203.0.14 -t 0.1 10.203.0.2-9
capture svmap_modified in_ns 5 "$TMP/svmap-kit" -b 10.203.0.15 -x 192.168.1.9 -t 0.1 10.203.0.2-9
sipsak3() {
	for a in 2 3 4; do in_ns 6 timeout 4 sipsak -s sip:100@10.203.0.$a; done
}
capture sipsak sipsak3

mkdir -p "$OUT"
for n in nmap_syn masscan zmap svmap svmap_modified sipsak; do
	cp "$TMP/$n.pcap" "$OUT/$n.pcap"
done
mergecap -F pcap -w "$TMP/demo.pcap" "$TMP"/nmap_syn.pcap "$TMP"/masscan.pcap "$TMP"/zmap.pcap \
	"$TMP"/svmap.pcap "$TMP"/svmap_modified.pcap "$TMP"/sipsak.pcap
gzip -9 -n -c "$TMP/demo.pcap" >"$SRC/tests/data/demo.pcap.gz"
ls -l "$OUT"/*.pcap "$SRC/tests/data/demo.pcap.gz"
