#!/bin/sh
# Benchmark: campaign building over a store of a million sources.
#
# Makes a darknet-like capture with bench/mkcapture.c (SOURCES sources, about
# 11 % of them SIP scanners running stock and modified SIPVicious templates,
# plus Masscan, Nmap, ZMap and Mirai marks), reads it into a fresh SQLite
# store, then times `campaigns` (table, --json, --csv, --suricata),
# `trends`, `sources --campaign` of the biggest campaign and `report --html`
# (wall clock and peak memory, /usr/bin/time). Prints a markdown table;
# BENCH_OUT=file also writes it there.
#
#   bench/campaigns.sh                          # 1M sources, 8M packets
#   SOURCES=100000 PACKETS=300000 bench/campaigns.sh
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$here/build}
out=${BENCH_DIR:-$here/bench/out}
sources=${SOURCES:-1000000}
packets=${PACKETS:-8000000}
scanprint=$build/scanprint
mkcapture=$build/mkcapture
[ -x "$scanprint" ] && [ -x "$mkcapture" ] || { echo "build first: make" >&2; exit 1; }
command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (Debian: time)" >&2; exit 1; }
mkdir -p "$out"
cap=$out/camp-$packets-$sources.pcap
db=$out/camp-$packets-$sources.db
report=$(mktemp)
trap 'rm -f "$report"' EXIT
say() { printf '%s\n' "$*" | tee -a "$report"; }

[ -s "$cap" ] || "$mkcapture" "$cap" "$packets" "$sources" 7

# one run: prints "seconds maxrss_MiB"
timed() {
	/usr/bin/time -o "$out/.time" -f "%e %M" sh -c "$*" >/dev/null 2>"$out/.err" || {
		echo "failed: $*" >&2
		cat "$out/.err" >&2
		exit 1
	}
	awk '{ printf "%s %.1f\n", $1, $2 / 1024 }' "$out/.time"
}
row() { # what command...
	what=$1
	shift
	r=$(timed "$@")
	say "| $what | ${r% *} s | ${r#* } MiB |"
}

rm -f "$db" "$db-wal" "$db-shm"
say "Capture: \`mkcapture $(basename "$cap") $packets $sources 7\`; $(nproc) cores; $(date -u +%Y-%m-%d)"
say ""
say "| step | wall clock | peak memory |"
say "| --- | --- | --- |"
row "\`read\` into a new SQLite store" "'$scanprint' read -q --db '$db' '$cap'"
stored=$(sqlite3 "$db" 'SELECT count(*) FROM sources')
keyed=$(sqlite3 "$db" "SELECT count(DISTINCT ip) FROM source_keys WHERE kind = 'campaign'")
row "\`campaigns\` (table)" "'$scanprint' campaigns --db '$db'"
row "\`campaigns --json\`" "'$scanprint' campaigns --db '$db' --json"
row "\`campaigns --csv\`" "'$scanprint' campaigns --db '$db' --csv"
row "\`campaigns --suricata\`" "'$scanprint' campaigns --db '$db' --suricata"
row "\`trends\`" "'$scanprint' trends --db '$db'"
top=$("$scanprint" campaigns --db "$db" --json | head -n 1 | sed 's/^{"campaign":"\([A-Za-z0-9]*\)".*/\1/')
members=$("$scanprint" campaigns --db "$db" --json | head -n 1 | sed 's/.*"members":\([0-9]*\).*/\1/')
row "\`sources --campaign $top\` ($members members)" "'$scanprint' sources --db '$db' --campaign $top"
row "\`report --html\`" "'$scanprint' report --db '$db' --html '$out/report.html'"
ncamp=$("$scanprint" campaigns --db "$db" --json | wc -l)
say ""
say "Store: $stored sources, $keyed of them with a campaign key; $ncamp campaigns listed;"
say "report $(($(wc -c <"$out/report.html") / 1024)) KiB."
[ -n "${BENCH_OUT:-}" ] && cp "$report" "$BENCH_OUT"
exit 0
