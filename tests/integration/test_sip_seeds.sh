#!/bin/sh
# The payloads of the two write-ups in ../shared/seeds, as a capture, reach
# the write-ups' verdicts:
#  - 003 payload 1: stock SIPVicious svmap (0.2.x header order), not
#    modified; 127.0.0.1 = the host name did not resolve; its tag names
#    69.17.22.74:5060, not the (anonymised) destination 192.0.2.1;
#  - 003 payload 2 and 000: the sundayddr kit, modified, with each change;
#    192.168.1.9 from many sources is a kit constant, not a NAT; source
#    ports 5060+k give the copies running.
set -eu
scanprint=$1
src=${SP_SOURCE:?}
data=$src/tests/data/sip-messages
command -v jq >/dev/null || { echo "jq not installed" >&2; exit 77; }
command -v python3 >/dev/null || { echo "python3 not installed" >&2; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# the sundayddr kit from more hosts, one of them running three copies
sed 's/192.168.1.9:5060/192.168.1.9:5062/g' "$data/seed000-sundayddr.sip" >"$work/k2.sip"
set -- "198.51.100.10:5060>192.0.2.1:5060=$data/seed003-payload1.sip" \
	"198.51.100.20:5060>192.0.2.1:5060=$data/seed003-payload2.sip" \
	"124.89.88.18:5060>192.0.2.1:5060=$data/seed000-sundayddr.sip" \
	"124.89.88.18:5062>192.0.2.1:5060=$work/k2.sip"
for h in 31 32 33 34 35; do
	set -- "$@" "203.0.113.$h:5060>192.0.2.1:5060=$data/seed000-sundayddr.sip"
done
python3 "$src/tests/integration/sip_pcap.py" "$work/seeds.pcap" "$@"
"$scanprint" read -q --db "$work/db" "$work/seeds.pcap"
"$scanprint" sources --db "$work/db" --json >"$work/all.jsonl"
src_json() { jq -c "select(.ip == \"$1\")" "$work/all.jsonl"; }
check() { # ip jq-expression description
	out=$(src_json "$1" | jq -e "$2" 2>&1) || fail "$1: $3 ($2 -> $out)"
}

# ---- payload 1: stock svmap -----------------------------------------------------
a=198.51.100.10
check $a '.tools | length == 1' "one tool"
check $a '.tools[0] | .tool == "sipvicious" and .component == "svmap" and .version == "0.2.x"' \
	"sipvicious svmap 0.2.x"
check $a '.tools[0].modified == false and (.tools[0].changes | length) == 0' "not modified"
check $a '.tools[0].confidence >= 0.9' "confident"
check $a '.local_addresses == ["127.0.0.1"]' "local address 127.0.0.1"
check $a '.sip.methods.OPTIONS == 1' "one OPTIONS"
check $a '.processes == 1' "one process (port 5060)"
check $a '.sip_detail.tag_targets == [{"scanned":"69.17.22.74:5060","destination":"192.0.2.1:5060"}]' \
	"tag names 69.17.22.74:5060"
check $a '[.tools[0].evidence[] | select(test("> tag="))] | length == 1' "missing ; noted as layout"
"$scanprint" show --db "$work/db" $a >"$work/a.txt"
grep -q "host name did not resolve" "$work/a.txt" || fail "$a: 127.0.0.1 meaning"
grep -q "falls back to 127.0.0.1" "$work/a.txt" || fail "$a: SIPVicious fallback"
grep -q "69.17.22.74:5060 for a packet to 192.0.2.1:5060" "$work/a.txt" || fail "$a: tag note"
grep -q "as distributed" "$work/a.txt" || fail "$a: stock"

# ---- payload 2: sundayddr (003) --------------------------------------------------
b=198.51.100.20
check $b '.tools[0] | .tool == "sipvicious" and .component == "svmap" and .version == "0.2.x"' \
	"sipvicious svmap 0.2.x"
check $b '.tools[0].modified == true' "modified"
check $b '[.tools[0].changes[] | "\(.field)=\(.expected)>\(.seen)"] | sort ==
	["From.display=sipvicious>sipsscuser", "From.host=1.1.1.1>192.168.1.9",
	 "From.tag=hex of target address:port, 0x01, random>decimal digits, not decodable",
	 "To.display=sipvicious>sipscc", "To.host=1.1.1.1>192.168.1.9",
	 "User-Agent=friendly-scanner>sundayddr"]' "the exact changes"
check $b '.sip_detail.kits[0].kit == "sundayddr"' "kit sundayddr"
check $b '.local_addresses == ["192.168.1.9"]' "local address 192.168.1.9"

# ---- 000: sundayddr from many hosts ------------------------------------------------
c=124.89.88.18
check $c '.tools[0].modified == true and .sip_detail.kits[0].kit == "sundayddr"' "sundayddr"
check $c '[.tools[0].changes[] | select(.field == "Via.branch-cookie" and .seen == "zqwehwebK")] | length == 1' \
	"mangled branch cookie"
check $c '[.tools[0].changes[] | select(.field == "From.tag")] | length == 0' "its tags decode"
check $c '.processes == 3' "three copies (Via port 5062)"
check $c '.sip_detail.kits[0].sources == 6' "the same kit fingerprint from 6 sources"
check $c '.sip_detail.local_addresses[0].sources == 7' "192.168.1.9 from 7 sources"
check $c '.sip_detail.local_addresses[0].meaning | test("hard-coded in the kit, not a NAT")' \
	"192.168.1.9 is a kit constant"
check $c '.ip_id.class == "zero-df"' "IP ID 0 with DF"
"$scanprint" show --db "$work/db" $c >"$work/c.txt"
grep -q "At least 3 copies ran on this host" "$work/c.txt" || fail "$c: processes note"
grep -q 'User-Agent "sundayddr" instead of "friendly-scanner"' "$work/c.txt" || fail "$c: note"
# evidence comes first in show: the tools before the notes, the notes before the host
awk '/^What it is/{w=NR} /^Notes/{n=NR} /^Host/{h=NR} END{exit !(w && n && h && w<n && n<h)}' \
	"$work/c.txt" || fail "show order"

# ---- filtering by tool --------------------------------------------------------------
n=$("$scanprint" sources --db "$work/db" --json --tool sipvicious | wc -l)
[ "$n" -eq 8 ] || fail "--tool sipvicious lists $n sources, not 8"
n=$("$scanprint" sources --db "$work/db" --json --tool unknown-sip-scanner | wc -l)
[ "$n" -eq 0 ] || fail "--tool unknown-sip-scanner lists $n sources"
echo "seeds: all verdicts reached"
