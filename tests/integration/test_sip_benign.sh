#!/bin/sh
# The benign SIP captures (phones, servers, calls, test traffic: see
# tests/data/SHARED-README.md) hold no scanner: no source may be attributed
# a tool. Their SIP is still read: the counts of SIP methods are there.
set -eu
scanprint=$1
data=${SP_TESTDATA:?}/sip-pcaps
command -v jq >/dev/null || { echo "jq not installed" >&2; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
n=0
for f in "$data"/*.pcap "$data"/*.pcapng; do
	[ -f "$f" ] || continue
	n=$((n + 1))
	db="$work/$n.db"
	"$scanprint" read -q --db "$db" "$f"
	"$scanprint" sources --db "$db" --json >"$work/out.jsonl"
	bad=$(jq -c 'select(.tools != []) | {ip, tools: [.tools[].tool]}' "$work/out.jsonl")
	if [ -n "$bad" ]; then
		echo "FAIL: $(basename "$f"): scanner attribution in a benign capture: $bad" >&2
		exit 1
	fi
done
[ "$n" -ge 18 ] || { echo "FAIL: only $n benign captures found" >&2; exit 1; }
# SIP was seen and counted, not skipped
"$scanprint" read -q --db "$work/sip.db" "$data/nDPI-sip.pcap"
"$scanprint" sources --db "$work/sip.db" --json | jq -c 'select(.ip == "192.168.1.2")' |
	jq -e '.sip.methods.REGISTER >= 18 and .sip.methods.INVITE >= 8' >/dev/null ||
	{ echo "FAIL: nDPI-sip.pcap: SIP requests not counted" >&2; exit 1; }
echo "benign: $n captures, no scanner attributed"
