#!/bin/sh
# Every bad input of issue 2 and more: a one-line error that names the file
# and the problem, exit status 1 (2 for bad usage), and a store that is left
# as it was (or, for a cut capture, with exactly the packets before the cut).
. "$(dirname "$0")/lib.sh"

DB=$WORK/store.db
run 0 "$SP" read -q --db "$DB" "$GOOD"
store_dump "$DB" >"$WORK/before"

# unchanged: the store holds what it held before, and is sound
unchanged() {
	store_dump "$DB" >"$WORK/after"
	if cmp -s "$WORK/before" "$WORK/after"; then ok; else fail "store changed after: $1"; fi
	store_ok "$DB"
}

# bad_file NAME PROBLEM: reading it fails with one line naming file and problem
bad_file() {
	run 1 "$SP" read -q --db "$DB" "$1"
	one_line_error "$1" "$2"
	unchanged "$1"
	# also without --quiet: the error line, then nothing but the summary
	run 1 "$SP" read --db "$DB" "$1"
	check "error first, then the summary ($1)" test "$(grep -c "^scanprint: $1: " "$WORK/err")" = 1
}

bad_file "$WORK/missing.pcap" "No such file"
mkdir "$WORK/adir"
bad_file "$WORK/adir" "directory"
: >"$WORK/empty.pcap"
bad_file "$WORK/empty.pcap" "empty"
printf 'GET / HTTP/1.1\r\nHost: example.org\r\n\r\nnot a capture at all, just text\n' >"$WORK/text.pcap"
bad_file "$WORK/text.pcap" "not a capture"
head -c 10 "$GOOD" >"$WORK/tiny.pcap"
bad_file "$WORK/tiny.pcap" "not a capture"
gzip -c "$WORK/text.pcap" >"$WORK/text.gz"
bad_file "$WORK/text.gz" "not a capture"
head -c 30 "$WORK/text.gz" >"$WORK/textcut.gz"
bad_file "$WORK/textcut.gz" "gzip"
# an unsupported link type: 802.11 (105)
python3 -c '
import struct, sys
sys.stdout.buffer.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 105)
    + struct.pack("<IIII", 1, 0, 4, 4) + b"\x80\0\0\0")' >"$WORK/wifi.pcap"
bad_file "$WORK/wifi.pcap" "unsupported link type 105"
# pcapng with an interface of an unsupported link type (USB, 189)
python3 -c '
import struct, sys
def block(t, body):
    n = 12 + len(body)
    return struct.pack("<II", t, n) + body + struct.pack("<I", n)
sys.stdout.buffer.write(block(0x0a0d0d0a, struct.pack("<IHHq", 0x1a2b3c4d, 1, 0, -1))
    + block(1, struct.pack("<HHI", 189, 0, 65535)))' >"$WORK/usb.pcapng"
bad_file "$WORK/usb.pcapng" "unsupported link type 189"

# Cut captures: everything before the cut is kept, the warning names the
# byte offset of the end of the last whole packet, exit status 1.
cut_capture() { # cut_capture SRC NAME KEEP_RECORDS EXTRA_BYTES [COMPRESS]
	src=$1 name=$2 k=$3 extra=$4 comp=${5:-}
	end=$(record_ends "$src" | sed -n "${k}p")
	head -c $((end + extra)) "$src" >"$WORK/$name"
	if [ -n "$comp" ]; then
		$comp -c "$WORK/$name" >"$WORK/$name.z"
		mv "$WORK/$name.z" "$WORK/$name"
	fi
	db=$WORK/cut-$name.db
	run 1 "$SP" read -q --db "$db" "$WORK/$name"
	one_line_error "$WORK/$name" "cut short at byte $end" "kept the $k packets"
	check "$name: $k packets stored" test "$(q "$db" "SELECT packets, status FROM captures")" = "$k|truncated"
	check "$name: sources have $k packets" test "$(q "$db" "SELECT sum(packets) FROM sources")" -le "$k"
	store_ok "$db"
}
cut_capture "$GOOD" cut-data.pcap 100 40
cut_capture "$GOOD" cut-header.pcap 250 9
cut_capture "$GOODNG" cut.pcapng 12 30
cut_capture "$GOOD" cut-inside.pcap.gz 300 17 gzip

# Compressed files cut short: what decompressed is kept, the message names
# the codec and where the compressed data ends, and the offset of the last
# whole packet.
python3 -c '
import struct, sys
out = bytearray(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 101))
for i in range(200000):
    a = i.to_bytes(4, "big")
    ip = bytes([0x45, 0, 0, 28, 0, 1, 0, 0, 64, 17, 0, 0, 100, 64 | a[1] & 63, a[2], a[3],
                203, 0, 113, 9, 0x13, 0xc4, 0x13, 0xc4, 0, 8, 0, 0])
    out += struct.pack("<IIII", 1278678191 + i // 1000, i % 1000, 28, 28) + ip
sys.stdout.buffer.write(out)' >"$WORK/big.pcap"
for comp in gzip zstd xz; do
	$comp -c "$WORK/big.pcap" >"$WORK/big.$comp"
	size=$(wc -c <"$WORK/big.$comp")
	head -c $((size / 2)) "$WORK/big.$comp" >"$WORK/half.$comp"
	db=$WORK/half-$comp.db
	run 1 "$SP" read -q --db "$db" "$WORK/half.$comp"
	one_line_error "$WORK/half.$comp" "cut short at byte" "$comp stream ends early" \
		"compressed file cut at byte $((size / 2))"
	kept=$(q "$db" "SELECT packets FROM captures")
	at=$(sed -n 's/.*cut short at byte \([0-9]*\).*/\1/p' "$WORK/err")
	check "half.$comp: offset is the end of packet $kept" test "$at" = $((24 + kept * 44))
	check "half.$comp: kept some, not all" test "$kept" -gt 1000 -a "$kept" -lt 200000
	check "half.$comp: stored as kept" test "$(q "$db" "SELECT sum(packets) FROM sources")" = "$kept"
	store_ok "$db"
	# corrupt in the middle instead of cut
	cp "$WORK/big.$comp" "$WORK/bad.$comp"
	printf 'XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX' |
		dd of="$WORK/bad.$comp" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
	run 1 "$SP" read -q --db "$db.2" "$WORK/bad.$comp"
	one_line_error "$WORK/bad.$comp" "$comp"
	store_ok "$db.2"
done

# Unwritable stores.
touch "$WORK/regular"
run 1 "$SP" read -q --db "$WORK/regular/store.db" "$GOOD"
one_line_error "$WORK/regular/store.db" "cannot open store" "Not a directory"
run 1 "$SP" read -q --db "$WORK/nodir/store.db" "$GOOD"
one_line_error "$WORK/nodir/store.db" "cannot create the store" "No such file"
mkdir "$WORK/ro"
cp "$DB" "$WORK/ro/store.db"
rm -f "$DB-wal" "$DB-shm"
if mount -t tmpfs -o size=8m tmpfs "$WORK/ro" 2>/dev/null; then
	umount_ro() { umount "$WORK/ro" 2>/dev/null; }
	cleanup_hooks="$cleanup_hooks umount_ro"
	cp "$DB" "$WORK/ro/store.db"
	mount -o remount,ro "$WORK/ro"
	RO=$WORK/ro/store.db
	sum=$(sha256sum <"$RO")
	run 1 "$SP" read -q --db "$RO" "$SP_TESTDATA/sip-pcaps/zeek-wireshark.pcap"
	one_line_error "$RO" "store is not writable: Read-only file system"
	check "read-only store untouched" test "$(sha256sum <"$RO")" = "$sum"
	run 1 "$SP" read -q --db "$WORK/ro/new.db" "$GOOD"
	one_line_error "$WORK/ro/new.db" "cannot create the store: Read-only file system"
	# reading from a read-only store still works
	run 0 "$SP" sources --db "$RO" --json
	check "read-only store lists its sources" test -s "$WORK/out"
	umount "$WORK/ro"
else
	echo "note: no tmpfs mount here; the read-only mount case was not run" >&2
fi

# A store file that is not a database, a cut one, another program's.
head -c 50000 /dev/urandom >"$WORK/random.db"
sum=$(sha256sum <"$WORK/random.db")
run 1 "$SP" read -q --db "$WORK/random.db" "$GOOD"
one_line_error "$WORK/random.db" "not a"
check "random file untouched" test "$(sha256sum <"$WORK/random.db")" = "$sum"
run 1 "$SP" sources --db "$WORK/random.db"
one_line_error "$WORK/random.db"
cp "$DB" "$WORK/cut.db"
size=$(wc -c <"$WORK/cut.db")
head -c $((size / 3)) "$DB" >"$WORK/cut.db"
"$SP" read -q --db "$WORK/cut.db" "$SP_TESTDATA/sip-pcaps/zeek-wireshark.pcap" >"$WORK/out" 2>"$WORK/err"
rc=$?
check "cut store: exit 1 (got $rc)" test $rc = 1
one_line_error "$WORK/cut.db"
sqlite3 "$WORK/firefox.db" "CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT);
	INSERT INTO moz_places (url) VALUES ('https://example.org/');"
sum=$(sha256sum <"$WORK/firefox.db")
run 1 "$SP" read -q --db "$WORK/firefox.db" "$GOOD"
one_line_error "$WORK/firefox.db" "not a scanprint store"
run 1 "$SP" sources --db "$WORK/firefox.db"
one_line_error "$WORK/firefox.db" "not a scanprint store"
run 1 "$SP" show --db "$WORK/firefox.db" 192.0.2.1
one_line_error "$WORK/firefox.db" "not a scanprint store"
check "foreign database untouched" test "$(sha256sum <"$WORK/firefox.db")" = "$sum"
check "foreign database not switched to WAL" test ! -e "$WORK/firefox.db-wal"
# a profile blob corrupted inside a sound database
cp "$DB" "$WORK/badblob.db"
sqlite3 "$WORK/badblob.db" "UPDATE sources SET profile = x'01ff' WHERE rowid = (SELECT min(rowid) FROM sources)"
run 1 "$SP" sources --db "$WORK/badblob.db" --json
one_line_error "$WORK/badblob.db" "corrupt"
ip=$(q "$WORK/badblob.db" "SELECT ip_text FROM sources WHERE length(profile) = 2")
run 1 "$SP" show --db "$WORK/badblob.db" "$ip"
one_line_error "$WORK/badblob.db" "corrupt" "$ip"
dump=$(store_dump "$WORK/badblob.db")
run 1 "$SP" read -q --db "$WORK/badblob.db" "$GOOD.copy" # missing file: nothing changes
check "corrupt-blob store unchanged" test "$(store_dump "$WORK/badblob.db")" = "$dump"

# Reading from a store that is not there does not create it.
run 1 "$SP" sources --db "$WORK/none.db"
one_line_error "$WORK/none.db" "no store here"
check "no store created by sources" test ! -e "$WORK/none.db"

# Several files, some bad: the good ones are read, exit status 1.
run 1 "$SP" read -q --db "$WORK/multi.db" "$WORK/missing.pcap" "$GOOD" "$WORK/text.pcap" "$GOODNG"
check "two errors for two bad files" test "$(wc -l <"$WORK/err")" = 2
check "the good files were read" test "$(q "$WORK/multi.db" "SELECT count(*) FROM captures")" = 2
store_ok "$WORK/multi.db"

# Bad usage: exit status 2, a hint, the store untouched.
usage() {
	run 2 "$SP" "$@"
	check "usage hint for: $*" grep -q "scanprint" "$WORK/err"
}
usage
usage frobnicate
usage read --db "$DB"
usage read --db "$DB" --bogus "$GOOD"
usage read --db "$DB" --memory lots "$GOOD"
usage read --db "$DB" --memory 10k "$GOOD"
# sizes no 64-bit count holds, and what strtod also reads (undefined to convert)
usage read --db "$DB" --memory 1e30 "$GOOD"
usage read --db "$DB" --memory nan "$GOOD"
usage read --db "$DB" --memory inf "$GOOD"
usage read --db "$DB" --sensor 'bad name' "$GOOD"
usage live --db "$DB"
usage live --db "$DB" -i lo --flush 0
usage live --db "$DB" -i lo --flush 5x
usage live --db "$DB" -i lo --flush 99999999999
check "the --flush error gives the range" grep -q "bad --flush '99999999999' (seconds, 1 to 86400)" "$WORK/err"
usage live --db "$DB" -i lo --flush ' 5'
usage live --db "$DB" -i lo --flush +5
usage sources --db "$DB" --limit ten
# a count strtoull would wrap or clamp: -1 and one past 2^64
usage sources --db "$DB" --limit -1
usage sources --db "$DB" --limit 18446744073709551616
usage sources --db "$DB" --limit ' 3'
# the campaign commands' counts: one shared checked parser with the range in the error
usage trends --db "$DB" --top 0
usage trends --db "$DB" --top 100001
check "the --top error gives the range" grep -q "bad --top '100001' (1 to 100000)" "$WORK/err"
usage trends --db "$DB" --days +3
usage trends --db "$DB" --days 3.0
usage report --db "$DB" --days 3661
usage sources --db "$DB" --order sideways
usage sources --db "$DB" extra
usage show --db "$DB"
usage show --db "$DB" not-an-ip
usage show --db "$DB" 192.0.2.1 192.0.2.2
unchanged "bad usage"

finish
