# Shared by the integration tests (sourced, POSIX sh). Each test gets the
# scanprint binary as $1; SP_SOURCE, SP_BUILD, SP_TESTDATA come from CTest.
set -u
SP=${1:?usage: $0 path/to/scanprint}
SP_SOURCE=${SP_SOURCE:-$(cd "$(dirname "$0")/../.." && pwd)}
SP_TESTDATA=${SP_TESTDATA:-$SP_SOURCE/tests/data}
WORK=$(mktemp -d /tmp/sp-it.XXXXXX)
FAILS=0
CHECKS=0
cleanup_hooks=""
cleanup() {
	for h in $cleanup_hooks; do $h; done
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# A capture many tests use: 691 SIP packets, Ethernet, pcap.
GOOD=$SP_TESTDATA/sip-pcaps/suricata-verify-sip-method-sip.pcap
GOODNG=$SP_TESTDATA/sip-pcaps/nDPI-sip_hello.pcapng

fail() {
	echo "FAIL: $*" >&2
	FAILS=$((FAILS + 1))
}

ok() {
	CHECKS=$((CHECKS + 1))
}

check() { # check "what" test-expression...
	what=$1
	shift
	if "$@"; then ok; else fail "$what"; fi
}

# run RC CMD...: runs CMD with stdout in $WORK/out, stderr in $WORK/err and
# checks its exit status.
run() {
	want=$1
	shift
	"$@" >"$WORK/out" 2>"$WORK/err"
	got=$?
	if [ "$got" != "$want" ]; then
		fail "exit $got, not $want: $*"
		sed 's/^/    stderr: /' "$WORK/err" | head -5 >&2
	else
		ok
	fi
}

# The error is one line on stderr that contains every argument.
one_line_error() {
	n=$(wc -l <"$WORK/err")
	if [ "$n" != 1 ]; then
		fail "stderr has $n lines, not one: $(cat "$WORK/err")"
		return
	fi
	for w in "$@"; do
		if ! grep -qF -- "$w" "$WORK/err"; then
			fail "stderr lacks '$w': $(cat "$WORK/err")"
			return
		fi
	done
	ok
}

# Everything the store holds, as text (to compare before and after).
store_dump() {
	sqlite3 "$1" "SELECT ip_text, first_ns, last_ns, packets, bytes, n_targets, sensors,
		hex(profile) FROM sources ORDER BY ip; SELECT path, status, packets, content_hash
		FROM captures ORDER BY id; SELECT count(*) FROM samples;"
}

store_ok() { # the store passes SQLite's own check
	r=$(sqlite3 "$1" "PRAGMA integrity_check" 2>&1)
	if [ "$r" = ok ]; then ok; else fail "integrity_check of $1: $r"; fi
}

q() { # q DB SQL: one value
	sqlite3 "$1" "$2"
}

# End offset of each whole record of a pcap or pcapng file, one a line.
record_ends() {
	python3 - "$1" <<'EOF'
import struct, sys
d = open(sys.argv[1], "rb").read()
if d[:4] == b"\x0a\x0d\x0d\x0a":
    bo = "<" if d[8:12] == b"\x4d\x3c\x2b\x1a" else ">"
    off = 0
    while off + 8 <= len(d):
        t, n = struct.unpack(bo + "II", d[off:off + 8])
        off += n
        if t in (3, 6):
            print(off)
else:
    bo = "<" if d[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    off = 24
    while off + 16 <= len(d):
        off += 16 + struct.unpack(bo + "I", d[off + 8:off + 12])[0]
        print(off)
EOF
}

finish() {
	echo "$CHECKS checks passed, $FAILS failed"
	[ "$CHECKS" -gt 0 ] || exit 1 # a test that checked nothing is a failure
	[ "$FAILS" = 0 ]
	exit $?
}
