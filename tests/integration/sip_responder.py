#!/usr/bin/env python3
"""A small SIP UAS for tests: enough of a PBX that scanners go on.

    sip_responder.py ADDR PORT [SECONDS]

Answers over UDP (and TCP on the same port) until SECONDS have passed:
  - OPTIONS, INVITE and other requests: 200 OK (INVITE: 486 Busy Here);
  - REGISTER for extensions 100..109 without credentials: 401 with a fresh
    nonce (so svwar reports them and svcrack proceeds); with credentials:
    200 if the password is "secret", else 403;
  - REGISTER for any other user: 404 Not Found (svwar's "no such user").
Replies echo Via (with received/rport), From, To (plus a tag), Call-ID and
CSeq. It only ever answers; it never sends first.
"""
import os
import re
import select
import socket
import sys
import time

EXTENSIONS = {str(n) for n in range(100, 110)}


def header(msg, *names):
    for line in msg.split("\r\n")[1:]:
        if not line:
            break
        name, _, value = line.partition(":")
        if name.strip().lower() in names:
            return value.strip()
    return ""


def headers(msg, *names):
    out = []
    for line in msg.split("\r\n")[1:]:
        if not line:
            break
        name, _, value = line.partition(":")
        if name.strip().lower() in names:
            out.append(value.strip())
    return out


def reply(msg, peer, code, reason, extra=""):
    via = headers(msg, "via", "v")
    if via:
        via[0] += ";received=%s" % peer[0]
        via[0] = re.sub(r";rport(?=;|$)", ";rport=%d" % peer[1], via[0])
    to = header(msg, "to", "t")
    if "tag=" not in to:
        to += ";tag=%s" % os.urandom(4).hex()
    lines = ["SIP/2.0 %d %s" % (code, reason)]
    lines += ["Via: %s" % v for v in via]
    lines += [
        "From: %s" % header(msg, "from", "f"),
        "To: %s" % to,
        "Call-ID: %s" % header(msg, "call-id", "i"),
        "CSeq: %s" % header(msg, "cseq"),
        "Server: scanprint-test-pbx",
    ]
    if extra:
        lines.append(extra)
    lines += ["Content-Length: 0", "", ""]
    return "\r\n".join(lines).encode()


def answer(msg, peer):
    first = msg.split("\r\n", 1)[0].split(" ")
    if len(first) < 3 or first[0].startswith("SIP/"):
        return None
    method = first[0]
    if method == "REGISTER":
        user = re.search(r"sip:([^@>;]+)@", header(msg, "to", "t"))
        user = user.group(1) if user else ""
        if user not in EXTENSIONS:
            return reply(msg, peer, 404, "Not Found")
        auth = header(msg, "authorization", "proxy-authorization")
        if not auth:
            nonce = os.urandom(8).hex()
            return reply(msg, peer, 401, "Unauthorized",
                         'WWW-Authenticate: Digest realm="test", nonce="%s", algorithm=MD5' % nonce)
        # the test never needs a real digest check: one password is right
        tag = re.search(r"tag=([0-9a-f]+)", header(msg, "from", "f"))
        try:
            tried = bytes.fromhex(tag.group(1)).split(b"\x01")[0].decode() if tag else ""
        except ValueError:
            tried = ""
        if tried.endswith(":secret"):
            return reply(msg, peer, 200, "OK")
        return reply(msg, peer, 403, "Forbidden")
    if method == "INVITE":
        return reply(msg, peer, 486, "Busy Here")
    if method == "ACK":
        return None
    return reply(msg, peer, 200, "OK", "Allow: INVITE, ACK, CANCEL, OPTIONS, BYE, REGISTER")


def main():
    addr, port = sys.argv[1], int(sys.argv[2])
    until = time.time() + (float(sys.argv[3]) if len(sys.argv) > 3 else 60)
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    udp.bind((addr, port))
    tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    tcp.bind((addr, port))
    tcp.listen(8)
    conns = {}
    print("listening", flush=True)
    while time.time() < until:
        r, _, _ = select.select([udp, tcp] + list(conns), [], [], 0.2)
        for s in r:
            if s is udp:
                data, peer = udp.recvfrom(65535)
                out = answer(data.decode("utf-8", "replace"), peer)
                if out:
                    udp.sendto(out, peer)
            elif s is tcp:
                c, peer = tcp.accept()
                conns[c] = [peer, b""]
            else:
                peer, buf = conns[s]
                data = s.recv(65535)
                if not data:
                    s.close()
                    del conns[s]
                    continue
                buf += data
                while b"\r\n\r\n" in buf:
                    head, _, rest = buf.partition(b"\r\n\r\n")
                    m = re.search(rb"(?im)^(content-length|l)\s*:\s*(\d+)", head)
                    n = int(m.group(2)) if m else 0
                    if len(rest) < n:
                        break
                    buf = rest[n:]
                    out = answer((head + b"\r\n\r\n").decode("utf-8", "replace"), peer)
                    if out:
                        s.sendall(out)
                conns[s][1] = buf


if __name__ == "__main__":
    main()
