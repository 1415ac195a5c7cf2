#!/bin/sh
# The honeypot cannot be crashed or abused, and loses nothing:
# - the RFC 4475 torture messages, random bytes and mutated SIP, over UDP
#   and TCP (IPv4 and IPv6): it keeps answering;
# - TCP: the connection limits, idle and unfinished-message timeouts, the
#   maximum message size; UDP: oversized datagrams;
# - a request too small to pay for its reply gets none (no amplification);
# - it runs as nobody after binding (when started as root);
# - SIGHUP reopens the log (logrotate); SIGTERM stores every message read,
#   unfinished TCP messages included;
# - bad configurations are refused with the file and line.
set -eu
scanprint=$1
. "$(dirname "$0")/honeypot_lib.sh"
need sipsak jq sqlite3 python3 ss
work=$(mktemp -d)
trap hp_cleanup EXIT INT TERM
# after a rotation the unprivileged user creates the new log: its directory
# must be the user's (as /var/log/scanprint would be)
HP_LOGDIR=$work/logs
mkdir "$HP_LOGDIR"
if [ "$(id -u)" = 0 ]; then
	chmod 755 "$work"
	chown nobody "$HP_LOGDIR"
fi
data=${SP_TESTDATA:-$(dirname "$0")/../data}
port=25068 port6=25069
v6=
if python3 -c 'import socket; s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); s.bind(("::1", 0))' 2>/dev/null; then
	v6="--listen [::1]:$port6"
fi

# shellcheck disable=SC2086
hp_start safety "$port" --max-connections 8 --max-per-source 4 --idle-timeout 2 \
	--max-message 4096 --rate-source 100000/100000 --rate-global 100000/100000 --stats 1 $v6

if [ "$(id -u)" = 0 ]; then
	uids=$(awk '/^Uid:/ { print $2, $3, $4, $5 }' "/proc/$HP_PID/status")
	nobody=$(id -u nobody)
	[ "$uids" = "$nobody $nobody $nobody $nobody" ] || fail "runs with uids $uids, not nobody"
	echo "ok: started as root, runs as nobody (uid $nobody)"
fi

# 1. torture, random bytes, mutations
python3 - "$data/sip-torture" "$port" "$port6" "$v6" <<'PY' || fail "the malformed-input sender failed"
import os, random, socket, sys
tdir, port, port6, v6 = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
rnd = random.Random(4475)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(("127.0.0.6", 25096))
def tcp(payload, fam=socket.AF_INET, addr=("127.0.0.1", port), src="127.0.0.6"):
    s = socket.socket(fam, socket.SOCK_STREAM)
    if fam == socket.AF_INET:
        s.bind((src, 0))
    s.settimeout(2)
    try:
        s.connect(addr)
        s.sendall(payload)
        s.shutdown(socket.SHUT_WR)
        while s.recv(65536):
            pass
    except OSError:
        pass
    s.close()
files = sorted(f for f in os.listdir(tdir) if f.endswith(".dat"))
for f in files:
    d = open(os.path.join(tdir, f), "rb").read()
    u.sendto(d, ("127.0.0.1", port))
    tcp(d)
for i in range(2000):
    u.sendto(os.urandom(rnd.randrange(0, 3000)), ("127.0.0.1", port))
base = open(os.path.join(tdir, "wsinv.dat"), "rb").read()
for i in range(2000):
    b = bytearray(base)
    for _ in range(rnd.randrange(1, 20)):
        op = rnd.randrange(3)
        p = rnd.randrange(len(b))
        if op == 0: b[p] = rnd.randrange(256)
        elif op == 1: del b[p]
        else: b[p:p] = bytes([rnd.choice(b"\r\n:;<>\"@ \x00,=")]) * rnd.randrange(1, 40)
    u.sendto(bytes(b), ("127.0.0.1", port))
for i in range(60):
    tcp(os.urandom(rnd.randrange(1, 6000)))
    tcp(b"OPTIONS sip:a SIP/2.0\r\n" + os.urandom(rnd.randrange(1, 3000)))
u.sendto(b"OPTIONS sip:x SIP/2.0\r\n" + b"X" * 20000, ("127.0.0.1", port))
if v6:
    s6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    for f in files[:10]:
        s6.sendto(open(os.path.join(tdir, f), "rb").read(), ("::1", port6))
        tcp(open(os.path.join(tdir, f), "rb").read(), socket.AF_INET6, ("::1", port6))
print("sent %d torture files, 4000 random and mutated datagrams, 120 random streams" % len(files))
PY
sleep 0.5
kill -0 "$HP_PID" 2>/dev/null || fail "the honeypot died on malformed input"
timeout 10 sipsak -l 25097 -s "sip:100@127.0.0.1:$port" >/dev/null 2>&1 ||
	fail "no answer to OPTIONS after the malformed input"
echo "ok: still answering after the torture messages, random bytes and mutations"

# 2. TCP limits and timeouts
python3 - "$port" <<'PY' || fail "TCP limits"
import socket, sys, time
port = int(sys.argv[1])
def conn(src):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((src, 0))
    s.connect(("127.0.0.1", port))
    return s
def closed(s, wait):
    s.settimeout(wait)
    try:
        return s.recv(100) == b""
    except socket.timeout:
        return False
    except ConnectionResetError:  # closed with input unread: a reset
        return True
# per source: 4; in all: 8 (the least recently active goes)
mine = [conn("127.0.0.7") for _ in range(6)]
gone = sum(closed(s, 0.5) for s in mine)
assert gone >= 2, "%d of 6 connections from one source were closed, want 2" % gone
others = [conn("127.0.0.%d" % (20 + i)) for i in range(8)]
time.sleep(0.3)
# a message that never ends: closed after the idle timeout (2 s)
slow = conn("127.0.0.8")
slow.sendall(b"OPTIONS sip:100@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.8;branch=z9hG4bK1\r\n")
t0 = time.time()
for _ in range(12):
    try:
        slow.sendall(b"X")
    except OSError:
        break
    time.sleep(0.5)
    if closed(slow, 0.01):
        break
assert time.time() - t0 < 5, "an unfinished message kept its connection %.1fs" % (time.time() - t0)
# longer than --max-message (4096) without an end: closed
big = conn("127.0.0.9")
big.sendall(b"OPTIONS sip:100@127.0.0.1 SIP/2.0\r\nX-Pad: " + b"A" * 6000)
assert closed(big, 2), "an oversized message did not close its connection"
# a lone CRLF (a keep-alive some clients send) neither closes the
# connection nor hides the next message
ka = conn("127.0.0.10")
ka.sendall(b"\r\n")
time.sleep(0.2)
ka.sendall(b"OPTIONS sip:100@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.10;branch=z9hG4bKka\r\n"
           b"From: <sip:a@127.0.0.10>;tag=1\r\nTo: <sip:100@127.0.0.1>\r\nCall-ID: ka\r\n"
           b"CSeq: 1 OPTIONS\r\nX-Pad: " + b"p" * 300 + b"\r\nContent-Length: 0\r\n\r\n")
ka.settimeout(2)
assert ka.recv(4096).startswith(b"SIP/2.0 200 OK"), "no answer after a lone CRLF"
ka.close()
# idle connections: closed after 2 s
time.sleep(3)
open_now = sum(not closed(s, 0.01) for s in others)
assert open_now == 0, "%d idle connections still open" % open_now
print("TCP: per-source and global caps, idle and unfinished timeouts, size limit hold")
PY
for why in connection-limit idle-timeout message-too-large; do
	n=$(jq -s "map(select(.event == \"connection\" and .reason == \"$why\")) | length" "$HP_LOG")
	[ "$n" -gt 0 ] || fail "no connection closed for $why"
done
echo "ok: TCP connection limits and timeouts hold"

# 3. a request smaller than its answer gets none
python3 - "$port" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.11", 25098))
s.sendto(b"OPTIONS sip:a@b SIP/2.0\r\nv:SIP/2.0/UDP a\r\nf:<sip:a@b>;tag=1\r\nt:<sip:a@b>\r\n"
         b"i:1\r\nCSeq:1 OPTIONS\r\n\r\n", ("127.0.0.1", int(sys.argv[1])))
PY

# 4. SIGHUP reopens the log
mv "$HP_LOG" "$HP_LOG.1"
kill -HUP "$HP_PID"
sleep 0.5
timeout 10 sipsak -l 25097 -s "sip:100@127.0.0.1:$port" >/dev/null 2>&1 || fail "no answer after SIGHUP"
# (stats events, one a second, reach the new log too: wait for the message)
after_hup() {
	jq -se 'map(select(.event == "message" and .user_agent == "sipsak 0.9.8.1")) | length >= 1' \
		"$HP_LOG" >/dev/null 2>&1
}
for _ in $(seq 50); do after_hup && break; sleep 0.1; done
[ -s "$HP_LOG" ] || fail "SIGHUP did not reopen the log"
after_hup || fail "the message after SIGHUP is not in the new log"
echo "ok: SIGHUP reopened the log"

# 5. SIGTERM right after a burst: everything read is stored, even half a TCP message.
# The kernel's drop count is the run's: what the torture above overflowed (a
# sanitizer build answers slowly) is in it. The burst's drops are counted from
# the last stats event before it (one a second, --stats 1).
drops_before=null
for _ in $(seq 50); do
	drops_before=$(jq -s 'map(select(.event == "stats")) | last | .kernel_drops' "$HP_LOG")
	[ "$drops_before" != null ] && break
	sleep 0.1
done
[ "$drops_before" != null ] || fail "no stats event in the log within 5 s (--stats 1)"
python3 - "$port" <<'PY'
import socket, sys
port = int(sys.argv[1])
t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
t.bind(("127.0.0.13", 0))
t.connect(("127.0.0.1", port))
t.sendall(b"REGISTER sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.13;branch=z9hG4bKhalf\r\n")
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(("127.0.0.12", 25099))
for i in range(3000):
    u.sendto(b"OPTIONS sip:100@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.12:25099;branch=z9hG4bK%d\r\n"
             b"From: <sip:a@127.0.0.12>;tag=%d\r\nTo: <sip:100@127.0.0.1>\r\nCall-ID: burst-%d\r\n"
             b"CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n" % (i, i, i), ("127.0.0.1", port))
import os
os.dup2(t.fileno(), 100)  # keep the connection open past this script
PY
hp_stop
hp_check_books
burst=$(q "SELECT count(*) FROM messages WHERE src_text = '127.0.0.12'")
drops=$(tail -n 1 "$HP_LOG" | jq .kernel_drops)
[ $((burst + drops - drops_before)) = 3000 ] ||
	fail "3000 sent before SIGTERM: $burst stored, $((drops - drops_before)) dropped ($drops_before before)"
half=$(q "SELECT action FROM messages WHERE src_text = '127.0.0.13'")
[ "$half" = "incomplete" ] || fail "the unfinished TCP message was not stored ('$half')"
echo "ok: SIGTERM: all 3000 datagrams of the burst stored or counted as dropped ($drops_before dropped before it), the half TCP message too"

small=$(q "SELECT action FROM messages WHERE src_text = '127.0.0.11'")
[ "$small" = "amplification-guard" ] || fail "the tiny request got '$small'"
big=$(q "SELECT action || ' ' || wire_len FROM messages WHERE src_text = '127.0.0.6'
	AND transport = 'udp' AND wire_len > 4096")
[ "$big" = "too-large 20023" ] || fail "the oversized datagram: '$big'"
torture=$(q "SELECT count(*) FROM messages WHERE src_text = '127.0.0.6'")
[ "$torture" -gt 4000 ] || fail "only $torture malformed messages stored"
if [ -n "$v6" ]; then
	n6=$(q "SELECT count(*) FROM messages WHERE src_text = '::1'")
	[ "$n6" -ge 20 ] || fail "only $n6 IPv6 messages"
	"$scanprint" sources --db "$HP_DB" --json | jq -se 'map(select(.ip == "::1")) | length == 1' \
		>/dev/null || fail "no profile for ::1"
fi
echo "ok: the amplification guard, the size limit and IPv6 are in the store"

# 6. bad settings: the file and line, exit 1; bad usage, exit 2
printf 'name broken\nrealm r\nallow INVITE\nto-tag {hex8}\nnonce {hexx}\n' >"$work/broken.personality"
rc=0
"$scanprint" honeypot --db "$work/x.db" --listen 127.0.0.1:25070 \
	--personality "$work/broken.personality" 2>"$work/err" || rc=$?
[ "$rc" = 1 ] && grep -q "broken.personality:5: nonce: unknown placeholder {hexx}" "$work/err" ||
	fail "broken personality: status $rc, $(cat "$work/err")"
printf 'listen 127.0.0.1:25070\nrate-source fast\n' >"$work/bad.conf"
rc=0
"$scanprint" honeypot --db "$work/x.db" --config "$work/bad.conf" 2>"$work/err" || rc=$?
[ "$rc" = 1 ] && grep -q "bad.conf:2: rate-source" "$work/err" || fail "bad config: $rc $(cat "$work/err")"
rc=0
"$scanprint" honeypot --db "$work/x.db" --personality nosuch --listen 127.0.0.1:25070 \
	2>"$work/err" || rc=$?
[ "$rc" = 1 ] && grep -q "personality 'nosuch' not found" "$work/err" || fail "unknown personality"
rc=0
"$scanprint" honeypot --db "$work/x.db" --listen 127.0.0.1:70000 2>"$work/err" || rc=$?
[ "$rc" = 2 ] || fail "a bad --listen exits $rc"
# a port in use: one the kernel gives this holder, so that nothing else can
# have it (a fixed port was once found taken, the holder failed, the honeypot
# bound the port and ran until CTest's timeout); the honeypot under timeout
python3 -c 'import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1], flush=True)
time.sleep(20)' >"$work/busy.port" &
busy=$!
for _ in $(seq 100); do
	[ -s "$work/busy.port" ] && break
	sleep 0.1
done
bport=$(cat "$work/busy.port")
[ -n "$bport" ] || fail "could not hold a UDP port for the port-in-use check"
rc=0
timeout 20 "$scanprint" honeypot --db "$work/x.db" --listen "127.0.0.1:$bport" 2>"$work/err" || rc=$?
kill "$busy" 2>/dev/null || true
wait "$busy" 2>/dev/null || true
[ "$rc" = 1 ] && grep -q "udp/127.0.0.1:$bport: Address already in use" "$work/err" ||
	fail "a port in use: $rc $(cat "$work/err")"
echo "ok: bad settings refused, naming the file and line"
echo "PASS"
