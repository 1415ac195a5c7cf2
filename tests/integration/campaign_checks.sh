# The campaign checks (sourced, POSIX sh), on the data of campaign_data.sh
# made from BASE, with the scanprint binary $scanprint:
#
#   campaign_checks BASE WORK
#
# campaigns, growth and counts as planned; kits never merged; stable ids
# and the same answers whatever the order of reading, memory cap, or more
# data; the benign SIP captures form no campaign; trends and their rises;
# the HTML report in headless Chromium, and redacted; Suricata rules
# checked for syntax and shown to match their kit's requests and no packet
# of the benign captures. Failures are counted in $fails.

cc_fail() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}

cc_ok() {
	echo "ok: $*"
}

# cc_jq FILE EXPR WHAT: the jq expression (over all lines, slurped) holds
cc_jq() {
	if jq -e -s "$2" "$1" >/dev/null 2>&1; then cc_ok "$3"; else
		cc_fail "$3 ($2)"
		jq -c -s "$2" "$1" 2>&1 | head -c 300 >&2
		echo >&2
	fi
}

cc_same() { # A B WHAT
	if cmp -s "$1" "$2"; then cc_ok "$3"; else
		cc_fail "$3"
		diff "$1" "$2" | head -n 8 >&2
	fi
}

# the campaign whose kit changed the User-Agent to $2, from campaigns JSON $1
cc_by_ua() {
	jq -r --arg ua "$2" 'select(.kit.changes | map(select(.field == "User-Agent" and .seen == $ua)) | length > 0) | .campaign' "$1"
}

campaign_checks() {
	cb=$1
	w=$2
	py=/usr/bin/python3
	here=$SP_SOURCE/tests/integration
	mkdir -p "$w"
	campaign_dataset "$cb" "$w/events" || { cc_fail "making the data"; return; }
	n_ev=$(ls "$w/events" | wc -l)
	[ "$n_ev" -ge 70 ] && cc_ok "$n_ev captures made" || cc_fail "only $n_ev captures"
	# --- one store, read in order
	"$scanprint" read -q --db "$w/db1" "$w"/events/*.pcap || cc_fail "read"
	"$scanprint" campaigns --db "$w/db1" --json >"$w/c1.jsonl" || cc_fail "campaigns --json"
	"$scanprint" campaigns --db "$w/db1" >"$w/c1.txt" || cc_fail "campaigns"
	cat "$w/c1.txt"
	A=$(cc_by_ua "$w/c1.jsonl" sundayddr)
	D=$(cc_by_ua "$w/c1.jsonl" mondayddr)
	B=$(cc_by_ua "$w/c1.jsonl" "VoIP Security Audit")
	C=$(cc_by_ua "$w/c1.jsonl" "pbx-audit/2.1")
	cc_jq "$w/c1.jsonl" 'length == 6' "six campaigns"
	cc_jq "$w/c1.jsonl" '[.[].campaign] | unique | length == 6' "six distinct ids"
	for id in "$A" "$B" "$C" "$D"; do
		case $id in K??????????) ;; *) cc_fail "kit campaign id '$id'" ;; esac
	done
	cc_jq "$w/c1.jsonl" "map(select(.campaign == \"$A\"))[0] | .members == 30 and .class == \"botnet\"
		and .kind == \"sip-kit\" and .kit.kit == \"sundayddr\" and .kit.modified" \
		"kit A: 30 members, a botnet, the sundayddr kit"
	cc_jq "$w/c1.jsonl" "map(select(.campaign == \"$A\"))[0].growth |
		(map(.day) == [\"2010-07-06\", \"2010-07-07\", \"2010-07-08\", \"2010-07-09\"]) and
		(map(.new) == [2, 3, 10, 15]) and (map(.active) == [2, 3, 12, 20]) and
		(map(.members) == [2, 5, 15, 30])" "kit A: new and active members per day"
	cc_jq "$w/c1.jsonl" "map(select(.campaign == \"$A\"))[0].ports | map({(.port): .members}) | add |
		.[\"5060/udp\"] == 30 and .[\"22/tcp\"] == 15" "kit A: every member on 5060/udp, half also on 22/tcp"
	cc_jq "$w/c1.jsonl" "map(select(.campaign == \"$A\"))[0] | (.hard_coded_addresses ==
		[{\"address\": \"192.168.1.9\", \"members\": 36}]) and (.local_addresses[0].address ==
		\"192.168.1.9\") and .networks[\"/16\"] == 30" \
		"kit A: 192.168.1.9 hard-coded (36 sources: kit A and kit D), 30 networks"
	cc_jq "$w/c1.jsonl" "map(select(.campaign == \"$D\"))[0] | .members == 6 and .class == \"group\"
		and (.growth | map(.new) == [3, 3])" "kit D: 6 members over two days, not merged with A"
	cc_jq "$w/c1.jsonl" "map(select(.campaign == \"$B\"))[0] | .members == 3 and .days_active == 3
		and ([.kit.changes[].field] | index(\"Via.branch-cookie\") != null)" "kit B: 3 members on 3 days"
	cc_jq "$w/c1.jsonl" "map(select(.campaign == \"$C\"))[0] | .members == 1 and .class == \"single\"" \
		"kit C: a single scanner"
	cc_jq "$w/c1.jsonl" 'map(select(.kind == "nmap-decoys"))[0] | .members == 3 and .class == "decoys"' \
		"nmap with decoys: one scan, three addresses"
	cc_jq "$w/c1.jsonl" 'map(select(.kind == "masscan-run"))[0] | .members == 5 and
		.class == "distributed" and .chance_by_accident < 1e-6' "masscan: one run from five addresses"
	cc_jq "$w/c1.jsonl" 'map(select(.kind == "local-address")) | length == 0' \
		"192.168.1.9 is kit A's constant, not a campaign of its own"
	# members, and who is no member
	"$scanprint" sources --db "$w/db1" --json --campaign "$A" --order ip >"$w/a.jsonl"
	i=0
	: >"$w/a.want"
	while [ $i -lt 30 ]; do camp_a_addr $i >>"$w/a.want"; i=$((i + 1)); done
	jq -r .ip "$w/a.jsonl" | sort >"$w/a.got"
	sort "$w/a.want" >"$w/a.want.s"
	cc_same "$w/a.want.s" "$w/a.got" "sources --campaign $A lists exactly kit A's 30 members"
	cc_jq "$w/a.jsonl" "map(.campaign) | unique == [\"$A\"]" "each member's campaign is $A"
	"$scanprint" sources --db "$w/db1" --json >"$w/all.jsonl"
	cc_jq "$w/all.jsonl" 'map(select(.ip | test("^198[.]18[.](7|8|9)[.]"))) | length == 16 and
		all(.campaign == null)' "stock svmap and zmap sources are in no campaign"
	"$scanprint" sources --db "$w/db1" --csv >"$w/all.csv"
	[ "$(wc -l <"$w/all.csv")" = "$(($(wc -l <"$w/all.jsonl") + 1))" ] && grep -q ",$A," "$w/all.csv" &&
		cc_ok "sources --csv: a row per source, with campaigns" || cc_fail "sources --csv"
	"$scanprint" campaigns --db "$w/db1" --csv >"$w/c1.csv"
	[ "$(wc -l <"$w/c1.csv")" = 7 ] && grep -q "^$A,sip-kit,botnet,30," "$w/c1.csv" &&
		cc_ok "campaigns --csv" || cc_fail "campaigns --csv: $(head -3 "$w/c1.csv")"
	# --- trends
	"$scanprint" trends --db "$w/db1" --json --days 10 >"$w/t1.jsonl" || cc_fail "trends"
	"$scanprint" trends --db "$w/db1" --days 10
	cc_jq "$w/t1.jsonl" 'map(select(.port == "5060/udp"))[0].days | (map(.sources) ==
		[2, 3, 2, 2, 3, 5, 7, 4, 14, 21]) and ([.[] | select(.rise) | .day] ==
		["2010-07-08", "2010-07-09"])' "5060/udp: sources per day, and rises on 07-08 and 07-09 only"
	cc_jq "$w/t1.jsonl" 'map(select(.port == "80/tcp"))[0] | .rises == 0' "80/tcp: no rise"
	# --- the same answers whatever the order, the memory cap, the batches
	ls "$w"/events/*.pcap | sort -r >"$w/rev"
	head -n 40 "$w/rev" | xargs "$scanprint" read -q --db "$w/db2" --memory 1M ||
		cc_fail "read (reverse, capped)"
	tail -n +41 "$w/rev" | xargs "$scanprint" read -q --db "$w/db2" || cc_fail "read (reverse)"
	"$scanprint" campaigns --db "$w/db2" --json >"$w/c2.jsonl"
	# payload samples are the first ones written: they depend on the order
	jq -c 'del(.sample)' "$w/c1.jsonl" >"$w/c1.ns"
	jq -c 'del(.sample)' "$w/c2.jsonl" >"$w/c2.ns"
	cc_same "$w/c1.ns" "$w/c2.ns" "campaigns: the same answer read in reverse with a 1M memory cap"
	"$scanprint" trends --db "$w/db2" --json --days 10 >"$w/t2.jsonl"
	cc_same "$w/t1.jsonl" "$w/t2.jsonl" "trends: the same answer read in reverse with a 1M memory cap"
	# ids stay when more data arrives: the first eight days alone
	ls "$w"/events/*-d[0-7].pcap | xargs "$scanprint" read -q --db "$w/db3"
	"$scanprint" campaigns --db "$w/db3" --json >"$w/c3.jsonl"
	jq -r .campaign "$w/c3.jsonl" | sort >"$w/ids3"
	jq -r .campaign "$w/c1.jsonl" | sort >"$w/ids1"
	cc_same "$w/ids1" "$w/ids3" "the ids after eight days are those after ten"
	cc_jq "$w/c3.jsonl" "map(select(.campaign == \"$A\"))[0] | .members == 5 and .class == \"group\"" \
		"after eight days kit A had 5 members (a group; a botnet two days later)"
	# --- the benign captures form no campaign
	"$scanprint" read -q --db "$w/dbb" --sensor benign "$SP_TESTDATA"/sip-pcaps/*.pcap* ||
		cc_fail "read benign"
	"$scanprint" campaigns --db "$w/dbb" --json >"$w/cb.jsonl"
	[ -s "$w/cb.jsonl" ] && cc_fail "benign captures formed campaigns: $(jq -c '{campaign, label}' "$w/cb.jsonl")" ||
		cc_ok "the benign SIP captures form no campaign"
	"$scanprint" read -q --db "$w/db1" --sensor benign "$SP_TESTDATA"/sip-pcaps/*.pcap*
	"$scanprint" campaigns --db "$w/db1" --json | jq -c '{campaign, members}' >"$w/cm"
	jq -c '{campaign, members}' "$w/c1.jsonl" >"$w/c1m"
	cc_same "$w/c1m" "$w/cm" "with the benign captures read too: the same campaigns and members"
	# --- the report
	"$scanprint" report --db "$w/db3" --html "$w/short.html" || cc_fail "report"
	"$scanprint" report --db "$w/db2" --html "$w/report.html" || cc_fail "report --html"
	"$scanprint" report --db "$w/db2" --html "$w/redacted.html" --redact || cc_fail "report --redact"
	mkdir -p "$w/chromium"
	$py "$here/html_check.py" "$w/report.html" "$w/chromium" "${SP_CP_PORT:-27060}" 10
	case $? in 0) cc_ok "the report renders in Chromium" ;; 77) echo "chromium: skipped" >&2 ;;
	*) cc_fail "the report in Chromium" ;; esac
	sensor_re="$(echo "$CAMP_NET" | sed 's/[.]/\\./g')\\.0\\." # the sensors: $CAMP_NET.0.x
	if grep -q "$sensor_re" "$w/redacted.html"; then
		cc_fail "a sensor address in the redacted report: $(grep -o ".\{20\}$sensor_re[0-9]*" "$w/redacted.html" | head -3)"
	else
		cc_ok "no sensor address left in the redacted report"
	fi
	grep -q "$sensor_re" "$w/report.html" && grep -q 'sip:100@192\.0\.2\.' "$w/redacted.html" &&
		grep -q 'tag=removed' "$w/redacted.html" && grep -q 'branch=removed' "$w/redacted.html" &&
		grep -q 'Call-ID: removed' "$w/redacted.html" && cc_ok "redaction: 192.0.2.x, tags, branches, Call-IDs" ||
		cc_fail "redaction markers"
	grep -Eq 'tag=[0-9a-f]{8}|branch=z9hG4bK-[0-9]' "$w/redacted.html" &&
		cc_fail "a tag or branch value in the redacted report" || cc_ok "no tag or branch value left"
	grep -q "$A" "$w/report.html" && grep -q "sundayddr" "$w/report.html" &&
		grep -q 'replaces the usual' "$w/report.html" && grep -q 'Rise on 2010-07-08' "$w/report.html" &&
		cc_ok "the report writes up the campaigns and the rise" || cc_fail "report contents"
	# --- Suricata rules
	"$scanprint" campaigns --db "$w/db2" --suricata >"$w/kits.rules" || cc_fail "--suricata"
	if $py "$here/suricata_check.py" syntax "$w/kits.rules" >"$w/syntax.out"; then
		cc_ok "rules: $(tail -1 "$w/syntax.out")"
	else
		cc_fail "rules syntax: $(grep -v '^ok' "$w/syntax.out" | head -3)"
	fi
	for k in "A kitA" "B kitB" "C kitC" "D kitD"; do
		id=$(eval echo "\$${k% *}")
		n=$(grep -c "scanprint_campaign $id;" "$w/kits.rules")
		[ "$n" -ge 1 ] && cc_ok "kit ${k% *}: $n rules" || cc_fail "kit ${k% *}: no rule"
		grep "scanprint_campaign $id;" "$w/kits.rules" >"$w/one.rules"
		# every request of the kit's own capture matches every rule of it
		$py "$here/suricata_check.py" match "$w/one.rules" "$cb/${k#* }.pcap" >"$w/m.out"
		total=$($py -c "
import sys; sys.path.insert(0, '$here'); import suricata_check as s
print(sum(1 for p, d in s.payloads('$cb/${k#* }.pcap') if d.startswith(b'OPTIONS ')))")
		bad=$(awk -v t="$total" '$3 < t' "$w/m.out")
		[ -z "$bad" ] && [ "$total" -gt 0 ] &&
			cc_ok "kit ${k% *}: each rule matches all $total requests of the kit's capture" ||
			cc_fail "kit ${k% *}: rules miss requests: $bad (of $total)"
	done
	$py "$here/suricata_check.py" match "$w/kits.rules" "$SP_TESTDATA"/sip-pcaps/*.pcap* >"$w/benign.out"
	bad=$(awk '$3 != 0' "$w/benign.out")
	frames=$(awk '{print $2, $4}' "$w/benign.out" | sort -u | awk '{n += $2} END {print n}')
	[ -z "$bad" ] && cc_ok "no rule matches any of $frames packets of the benign captures" ||
		cc_fail "rules match benign packets: $bad"
}
