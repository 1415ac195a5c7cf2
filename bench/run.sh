#!/bin/sh
# Benchmark: scanprint read against the libpcap floor (tcpdump -r X -w /dev/null),
# p0f -r X and tshark -Y sip, in the same run, on captures made by
# bench/mkcapture.c (a darknet-like mix: SYN scans with ZMap/Masscan/Mirai/Nmap
# marks, UDP probes, SIP scans from stock and modified SIPVicious, backscatter,
# ICMP). Prints a markdown report; BENCH_OUT=file also writes it there.
#
#   bench/run.sh                       # default: 5M packets, 50k sources
#   PACKETS=2000000 SOURCES=10000 bench/run.sh
#   SCALE=1 bench/run.sh               # also 10k / 100k / 1M sources and .gz/.zst input
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$here/build}
out=${BENCH_DIR:-$here/bench/out}
packets=${PACKETS:-5000000}
sources=${SOURCES:-50000}
runs=${RUNS:-3}
tshark_packets=${TSHARK_PACKETS:-300000}
mkdir -p "$out"
scanprint=$build/scanprint
mkcapture=$build/mkcapture
[ -x "$scanprint" ] && [ -x "$mkcapture" ] || { echo "build first: make" >&2; exit 1; }

report=$(mktemp)
trap 'rm -f "$report"' EXIT
say() { printf '%s\n' "$*" | tee -a "$report"; }

capture() { # packets sources seed -> path
	f=$out/bench-$1-$2.pcap
	[ -s "$f" ] || "$mkcapture" "$f" "$1" "$2" "${3:-1}"
	cat "$f" >/dev/null # into the page cache: we measure processing, not the disk
	echo "$f"
}

# best of $runs: prints "seconds maxrss_kb"
timed() {
	best=""
	i=0
	while [ $i -lt "$runs" ]; do
		i=$((i + 1))
		[ -n "${PRE:-}" ] && sh -c "$PRE"
		/usr/bin/time -o "$out/.time" -f "%e %M" sh -c "$*" >/dev/null 2>&1 || true
		r=$(tail -1 "$out/.time")
		s=${r% *}
		if [ -z "$best" ] || [ "$(echo "$s < ${best% *}" | bc)" = 1 ]; then best=$r; fi
	done
	echo "$best"
}

mpps() { echo "scale=4; $1 / $2 / 1000000" | bc | sed 's/^\./0./'; }

bench_one() { # capture packets label
	f=$1
	n=$2
	db=$out/bench.db
	floor=$(timed "tcpdump -r $f -w /dev/null")
	sp=$(PRE="rm -f $db $db-wal $db-shm" timed "$scanprint read -q --db $db $f")
	fs=${floor% *}
	ss=${sp% *}
	say "| $3 | $n | $fs s ($(mpps "$n" "$fs") Mpps) | $ss s ($(mpps "$n" "$ss") Mpps) | $(echo "scale=2; $ss / $fs" | bc)x | $(( ${sp#* } / 1024 )) MiB |"
}

say "## Benchmark run $(date -u +%Y-%m-%dT%H:%M:%SZ)"
say ""
say "Machine: $(nproc) cores, $(awk '/model name/{sub(/.*: /,"");print;exit}' /proc/cpuinfo), $(free -g | awk '/Mem:/{print $2}') GiB RAM."
say "Best of $runs runs each; captures in the page cache; a fresh store for every scanprint run."
say ""
main=$(capture "$packets" "$sources" 1)
say "### scanprint read vs the libpcap floor"
say ""
say "| capture | packets | tcpdump -r X -w /dev/null | scanprint read | ratio | scanprint peak RSS |"
say "|---|---|---|---|---|---|"
bench_one "$main" "$packets" "$sources sources"
if [ "${SCALE:-0}" = 1 ]; then
	for s in 10000 100000 1000000; do
		[ "$s" = "$sources" ] && continue
		f=$(capture "$packets" "$s" 2)
		bench_one "$f" "$packets" "$s sources"
	done
	[ -s "$main.gz" ] || gzip -1 -c "$main" >"$main.gz"
	[ -s "$main.zst" ] || zstd -q -1 -f "$main" -o "$main.zst"
	for z in gz zst; do
		db=$out/bench.db
		sp=$(PRE="rm -f $db $db-wal $db-shm" timed "$scanprint read -q --db $db $main.$z")
		say "| $sources sources, .$z | $packets | (plain above) | ${sp% *} s ($(mpps "$packets" "${sp% *}") Mpps) | | $(( ${sp#* } / 1024 )) MiB |"
	done
fi
say ""

say "### Against p0f and tshark"
say ""
say "| tool | packets | time | rate | scanprint is faster by |"
say "|---|---|---|---|---|"
db=$out/bench.db
sp=$(PRE="rm -f $db $db-wal $db-shm" timed "$scanprint read -q --db $db $main")
sps=${sp% *}
sprate=$(mpps "$packets" "$sps")
say "| scanprint read | $packets | $sps s | $sprate Mpps | |"
if command -v p0f >/dev/null; then
	p=$(runs=1 PRE="rm -f $out/p0f.log" timed "p0f -r $main -o $out/p0f.log")
	rm -f "$out/p0f.log"
	say "| p0f -r X | $packets | ${p% *} s | $(mpps "$packets" "${p% *}") Mpps | $(echo "scale=1; ${p% *} / $sps" | bc)x |"
fi
if command -v tshark >/dev/null; then
	small=$(capture "$tshark_packets" "$sources" 3)
	t=$(runs=1 timed "tshark -r $small -Y sip -T fields -e sip.User-Agent")
	trate=$(mpps "$tshark_packets" "${t% *}")
	say "| tshark -Y sip -T fields -e sip.User-Agent | $tshark_packets | ${t% *} s | $trate Mpps | $(echo "scale=0; $sprate / $trate" | bc)x |"
fi
say ""
[ -n "${BENCH_OUT:-}" ] && cp "$report" "$BENCH_OUT"
exit 0
