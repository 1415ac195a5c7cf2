#!/bin/sh
# The command line: --help of every command, exit codes, progress on a
# terminal (given one with script(1)) and --quiet, nothing but JSON on
# stdout with --json.
. "$(dirname "$0")/lib.sh"

command -v script >/dev/null || { echo "script(1) missing" >&2; exit 77; }
DB=$WORK/s.db

run 0 "$SP" --help
cp "$WORK/out" "$WORK/help"
for cmd in read live sources show; do
	check "top-level help lists $cmd" grep -q "^  $cmd " "$WORK/help"
	run 0 "$SP" "$cmd" --help
	check "$cmd --help: usage on stdout" grep -q "^usage: scanprint $cmd" "$WORK/out"
	check "$cmd --help: nothing on stderr" test ! -s "$WORK/err"
	run 0 "$SP" "$cmd" -h
	check "$cmd -h" grep -q "^usage: scanprint $cmd" "$WORK/out"
done
run 0 "$SP" help
run 0 "$SP" --version
check "version" grep -Eq '^scanprint [0-9]+\.[0-9]+' "$WORK/out"
run 2 "$SP"
check "no command: usage on stderr" grep -q "^usage:" "$WORK/err"
run 2 "$SP" nonsense
check "unknown command named" grep -q "unknown command 'nonsense'" "$WORK/err"

# exit codes: 0 read, 1 a file failed, 2 usage
run 0 "$SP" read -q --db "$DB" "$GOOD"
check "--quiet: nothing on stderr" test ! -s "$WORK/err"
check "nothing on stdout" test ! -s "$WORK/out"
run 1 "$SP" read -q --db "$DB" "$WORK/none.pcap"
run 2 "$SP" read -q --db "$DB"

# without a terminal: a one-line summary, no progress
run 0 "$SP" read --db "$WORK/b.db" "$GOODNG"
check "summary line" grep -q "^scanprint: read 30 frames" "$WORK/err"
check "no progress without a terminal" test -z "$(grep -c 'Mpps' "$WORK/err" | grep -v '^0$')"

# on a terminal: progress (bytes done of total, packets per second, time
# left) on stderr; --quiet silences it
python3 -c '
import struct, sys
out = bytearray(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 101))
for i in range(400000):
    ip = bytes([0x45, 0, 0, 28, 0, 1, 0, 0, 64, 17, 0, 0, 100, 64, (i >> 8) & 255, i & 255,
                203, 0, 113, 9, 0x13, 0xc4, 0x13, 0xc4, 0, 8, 0, 0])
    out += struct.pack("<IIII", 1278678191, i, 28, 28) + ip
sys.stdout.buffer.write(out)' >"$WORK/big.pcap"
script -qec "'$SP' read --db '$WORK/tty.db' '$WORK/big.pcap' 2>&1" "$WORK/typescript" >/dev/null
check "progress on a terminal: bytes of total" grep -Eq 'big.pcap: [0-9.]+ [KMG]?B of [0-9.]+ MB' "$WORK/typescript"
check "progress on a terminal: packets per second" grep -q 'Mpps' "$WORK/typescript"
check "progress on a terminal: time left" grep -Eq '[0-9]+:[0-9]{2} left' "$WORK/typescript"
check "progress line is cleared at the end" grep -q "$(printf '\r\033\\[K')" "$WORK/typescript"
check "summary after the progress" grep -q 'scanprint: read 400000 frames' "$WORK/typescript"
script -qec "'$SP' read --quiet --db '$WORK/tty2.db' '$WORK/big.pcap' 2>&1" "$WORK/typescript2" >/dev/null
check "--quiet on a terminal: silent" test -z "$(grep -v '^Script ' "$WORK/typescript2" | tr -d '\r\n')"
check "--quiet still reads" test "$(q "$WORK/tty2.db" "SELECT packets FROM captures")" = 400000
# from stdin the size is unknown: bytes and rate, no percentage
script -qec "cat '$WORK/big.pcap' | '$SP' read --db '$WORK/tty3.db' - 2>&1" "$WORK/typescript3" >/dev/null
check "stdin progress: bytes and rate" grep -Eq -- '-: [0-9.]+ [KMG]?B, [0-9.]+ Mpps' "$WORK/typescript3"

# --json: nothing but JSON Lines on stdout, also on a terminal
script -qec "'$SP' sources --db '$WORK/tty.db' --json" "$WORK/typescript4" >/dev/null
check "--json on a terminal is JSON" sh -c "grep -v '^Script ' '$WORK/typescript4' | tr -d '\r' | jq -e . >/dev/null"

finish
