#!/bin/sh
# `scanprint read` end to end: several files in one run, "-" for stdin
# (plain and compressed), the same capture never counted twice (also when
# once plain and once compressed), the JSON contract of `sources` and
# `show`, and the memory cap (early flushes merge to the same profiles).
. "$(dirname "$0")/lib.sh"

command -v jq >/dev/null || { echo "jq missing" >&2; exit 77; }
DB=$WORK/s.db
WIRE=$SP_TESTDATA/sip-pcaps/zeek-wireshark.pcap

# several files in one run, pcap and pcapng
run 0 "$SP" read -q --db "$DB" "$GOOD" "$GOODNG" "$WIRE"
check "three captures recorded" test "$(q "$DB" "SELECT count(*) FROM captures")" = 3
frames=$(q "$DB" "SELECT sum(packets) FROM captures")
check "691 + 30 + 81 frames" test "$frames" = 802
packets=$(q "$DB" "SELECT sum(packets) FROM sources")
check "every IP packet is in a profile ($packets)" test "$packets" = "$(q "$DB" "SELECT sum(ip_packets) FROM captures")"
check "formats recorded" test "$(q "$DB" "SELECT group_concat(format) FROM captures ORDER BY id")" = "pcap,pcapng,pcap"
store_dump "$DB" >"$WORK/before"

# the same content again: plain, gzip, zstd, xz, from stdin, under another name
cp "$GOOD" "$WORK/renamed.pcap"
gzip -c "$GOOD" >"$WORK/good.pcap.gz"
zstd -q -c "$GOOD" >"$WORK/good.pcap.zst"
xz -c "$GOOD" >"$WORK/good.pcap.xz"
for f in "$GOOD" "$WORK/renamed.pcap" "$WORK/good.pcap.gz" "$WORK/good.pcap.zst" "$WORK/good.pcap.xz"; do
	run 0 "$SP" read -q --db "$DB" "$f"
	one_line_error "$f" "already read" "skipped"
done
run 0 "$SP" read -q --db "$DB" - <"$GOOD"
one_line_error "-: already read"
run 0 sh -c "xz -c '$GOOD' | '$SP' read -q --db '$DB' -"
one_line_error "-: already read"
store_dump "$DB" >"$WORK/after"
check "nothing counted twice" cmp -s "$WORK/before" "$WORK/after"
# twice in one run
run 0 "$SP" read --db "$WORK/twice.db" "$GOOD" "$WORK/good.pcap.zst"
check "twice in one run: one skipped" grep -q "1 skipped as already read" "$WORK/err"
check "twice in one run: counted once" test "$(q "$WORK/twice.db" "SELECT sum(packets) FROM sources")" = 647
check "twice in one run: the summary counts it once" grep -q "read 691 frames (647 IP, 44 not IP" "$WORK/err"

# stdin first, then the file: recognised by content
run 0 sh -c "gzip -c '$WIRE' | '$SP' read -q --db '$WORK/stdin.db' -"
check "stdin: read whole" test "$(q "$WORK/stdin.db" "SELECT packets, compression, path FROM captures")" = "81|gzip|-"
run 0 sh -c "cat '$GOODNG' | '$SP' read -q --db '$WORK/stdin.db' -"
check "stdin plain pcapng" test "$(q "$WORK/stdin.db" "SELECT count(*) FROM captures")" = 2
run 0 "$SP" read -q --db "$WORK/stdin.db" "$WIRE"
one_line_error "already read"
check "stdin then file: counted once" test "$(q "$WORK/stdin.db" "SELECT sum(packets) FROM sources")" = "$(q "$WORK/stdin.db" "SELECT sum(ip_packets) FROM captures")"

# reading more adds to what is stored: one file, then the other, equals both at once
run 0 "$SP" read -q --db "$WORK/a.db" "$GOOD"
run 0 "$SP" read -q --db "$WORK/a.db" "$WIRE"
run 0 "$SP" read -q --db "$WORK/b.db" "$WIRE" "$GOOD"
"$SP" sources --db "$WORK/a.db" --json --order ip >"$WORK/a.json"
"$SP" sources --db "$WORK/b.db" --json --order ip >"$WORK/b.json"
check "file order does not matter" cmp -s "$WORK/a.json" "$WORK/b.json"

# $SCANPRINT_DB and --sensor
run 0 env SCANPRINT_DB="$WORK/env.db" "$SP" read -q --sensor tokyo-1 "$WIRE"
check "SCANPRINT_DB used" test -s "$WORK/env.db"
check "sensor recorded" test "$(q "$WORK/env.db" "SELECT DISTINCT sensor FROM captures")" = tokyo-1
run 0 env SCANPRINT_DB="$WORK/env.db" "$SP" sources --json
check "sensor in JSON" test "$(jq -r '.sensors[0]' "$WORK/out" | sort -u)" = tokyo-1

# JSON Lines per the contract: every line an object with the fixed names
run 0 "$SP" sources --db "$DB" --json
n=$(wc -l <"$WORK/out")
check "one line per source" test "$n" = "$(q "$DB" "SELECT count(*) FROM sources")"
check "every line is JSON" jq -e . "$WORK/out" >/dev/null
for key in ip first_seen last_seen packets targets ports tools processes local_addresses ip_id ttl os campaign sip; do
	check "every source has \"$key\"" test "$(jq "has(\"$key\")" "$WORK/out" | sort -u)" = true
done
check "times are RFC 3339 UTC" test -z "$(jq -r '.first_seen, .last_seen' "$WORK/out" | grep -Ev '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?Z$')"
check "ports look like 5060/udp" test -z "$(jq -r '.ports[]' "$WORK/out" | grep -Ev '^[0-9]+/[a-z0-9]+$')"
check "busiest first" test "$(jq -r .packets "$WORK/out" | sort -rn | head -1)" = "$(jq -r .packets "$WORK/out" | head -1)"
run 0 "$SP" sources --db "$DB" --json --limit 2
check "--limit 2" test "$(wc -l <"$WORK/out")" = 2
run 0 "$SP" sources --db "$DB" --json --order first
check "--order first" test "$(jq -r .first_seen "$WORK/out" | sort | head -1)" = "$(jq -r .first_seen "$WORK/out" | head -1)"
run 0 "$SP" sources --db "$DB" --json --tool sipvicious
check "--tool with no such source prints nothing" test ! -s "$WORK/out"
run 0 "$SP" sources --db "$DB"
check "table has a header" grep -q '^SOURCE ' "$WORK/out"
check "table ends with the count" grep -q "^($(q "$DB" "SELECT count(*) FROM sources") sources)$" "$WORK/out"

# show: text and JSON for one source; an unknown one is an error
ip=$(q "$DB" "SELECT ip_text FROM sources ORDER BY packets DESC LIMIT 1")
run 0 "$SP" show --db "$DB" "$ip"
check "show names the source" grep -q "^$ip\$" "$WORK/out"
check "show has its sections" grep -q "^Traffic" "$WORK/out"
run 0 "$SP" show --db "$DB" --json "$ip"
check "show --json is the same object as sources" test "$(jq -c . "$WORK/out")" = "$("$SP" sources --db "$DB" --json | jq -c "select(.ip == \"$ip\")")"
run 1 "$SP" show --db "$DB" 192.0.2.254
one_line_error "192.0.2.254" "no such source"
run 0 "$SP" show --db "$DB" ::ffff:$ip
check "IPv4-mapped IPv6 names the same source" grep -q "^$ip\$" "$WORK/out"

# The memory cap: flushing early (and merging in the store) gives the same
# profiles as one flush at the end, and says so.
python3 -c '
import struct, sys
out = bytearray(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 101))
for i in range(300000):
    s = (i * 7919) % 3000
    d = (i * 104729) % 70000
    port = [22, 23, 80, 443, 5060, 8080][i % 6] + (i % 200 if s < 10 else 0)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40, (i * 31) & 0xffff, 0x4000, 40 + s % 20, 6, 0,
                     bytes([100, 64 + (s >> 8), s & 255, 1]), struct.pack("!I", 0xcb007100 + d))
    tcp = struct.pack("!HHIIBBHHH", 40000 + s, port, i, 0, 0x50, 2, 1024, 0, 0)
    out += struct.pack("<IIII", 1278678191 + i // 10000, (i % 10000) * 100, 40, 40) + ip + tcp
sys.stdout.buffer.write(out)' >"$WORK/many.pcap"
run 0 "$SP" read --db "$WORK/nocap.db" "$WORK/many.pcap"
run 0 "$SP" read --db "$WORK/cap.db" --memory 1M "$WORK/many.pcap"
check "the cap is reported" grep -q "memory cap was reached" "$WORK/err"
"$SP" sources --db "$WORK/nocap.db" --json --order ip | jq -c 'del(.memory_flushes)' >"$WORK/nocap.json"
"$SP" sources --db "$WORK/cap.db" --json --order ip | jq -c 'del(.memory_flushes)' >"$WORK/cap.json"
check "3000 sources" test "$(wc -l <"$WORK/cap.json")" = 3000
# One flush writes every profiling shard's sources in a single address order
# (a new store's address indexes are then only appended to): the rows of a
# new store, by insertion (rowid), are sorted by address.
check "a flush writes in one address order" test "$(q "$WORK/nocap.db" \
	"SELECT count(*) FROM (SELECT ip, lag(ip) OVER (ORDER BY id) AS prev FROM sources)
	 WHERE prev > ip")" = 0
if cmp -s "$WORK/nocap.json" "$WORK/cap.json"; then ok; else
	fail "profiles differ with the memory cap"
	diff "$WORK/nocap.json" "$WORK/cap.json" | head -4 >&2
fi
# The same with the darknet mix of bench/mkcapture.c (ZMap, Masscan, Mirai,
# Nmap, Unicornscan and SIP kits from 6000 sources): which raw-tool rules a
# source gets, their counts and the series-only rules must not depend on
# where the flushes cut its packets.
"$SP_BUILD/mkcapture" "$WORK/mix.pcap" 300000 6000 3 || fail "mkcapture"
run 0 "$SP" read -q --db "$WORK/mix_nocap.db" "$WORK/mix.pcap"
run 0 "$SP" read -q --db "$WORK/mix_cap.db" --memory 1M "$WORK/mix.pcap"
for x in nocap cap; do
	"$SP" sources --db "$WORK/mix_$x.db" --json --order ip | jq -c 'del(.memory_flushes)' >"$WORK/mix_$x.json"
done
check "the mix was flushed early" test "$("$SP" sources --db "$WORK/mix_cap.db" --json | jq -r '.memory_flushes > 0' | sort -u)" = true
check "the mix names raw tools" test "$(jq -r '.tools[].tool' "$WORK/mix_nocap.json" | sort -u | grep -c -E '^(zmap|masscan|mirai)$')" = 3
if cmp -s "$WORK/mix_nocap.json" "$WORK/mix_cap.json"; then ok; else
	fail "the mix's profiles differ with the memory cap"
	diff "$WORK/mix_nocap.json" "$WORK/mix_cap.json" | head -4 | cut -c1-400 >&2
fi

check "flushes are noted per source" test "$("$SP" sources --db "$WORK/cap.db" --json | jq -r '.memory_flushes > 0' | sort -u)" = true
check "heavy sources estimate targets" test "$("$SP" sources --db "$WORK/cap.db" --json --limit 1 | jq -r .targets_estimated)" = true
ip=$(q "$WORK/cap.db" "SELECT ip_text FROM sources LIMIT 1")
run 0 "$SP" show --db "$WORK/cap.db" "$ip"
check "show says the profile was flushed early" grep -q "flushed early" "$WORK/out"

finish
