#!/usr/bin/env python3
"""Deterministic SIP traffic for a honeypot on loopback: the same bytes
every run, so that the stores of two runs can be compared.

    hp_client.py PHASE PORT

Sends phase PHASE's messages to 127.0.0.1:PORT one at a time, each after
the reply to the one before (or 0.3 s). Sources are 127.0.0.2-5 with fixed
source ports (UDP 45082-45085, TCP 45090 + PHASE), so every byte a
honeypot records is the same in each run:
  127.0.0.2  an svmap-like OPTIONS scan and an INVITE
  127.0.0.3  svwar-like REGISTERs for existing and missing extensions
  127.0.0.4  svcrack-like REGISTERs with a digest for a nonce never given
  127.0.0.5  bytes that are not SIP, and a request without CSeq
  127.0.0.6  OPTIONS over TCP (a new connection each phase)
Prints the number of messages sent.
"""
import socket
import sys

PHASE = int(sys.argv[1])
PORT = int(sys.argv[2])


def sip(method, user, src, sport, port, extra="", cseq=1, tag="", transport="UDP"):
    call = "%d%04d%s" % (PHASE, cseq, user)
    lines = [
        "%s sip:%s@127.0.0.1:%d SIP/2.0" % (method, user, port),
        "Via: SIP/2.0/%s %s:%d;branch=z9hG4bK-%d%d;rport" % (transport, src, sport, PHASE, cseq),
        "Max-Forwards: 70",
        'To: "sipvicious"<sip:%s@1.1.1.1>' % user,
        'From: "sipvicious"<sip:%s@1.1.1.1>;tag=%s' % (user, tag or "3%d3%d" % (PHASE, cseq)),
        "User-Agent: friendly-scanner",
        "Call-ID: %s" % call,
        "Contact: sip:%s@%s:%d" % (user, src, sport),
        "CSeq: %d %s" % (cseq, method),
    ]
    if extra:
        lines.append(extra)
    lines += ["Accept: application/sdp", "Content-Length: 0", "", ""]
    return "\r\n".join(lines).encode()


def udp_messages(src, sport, port):
    out = []
    if src.endswith(".2"):
        out.append(sip("OPTIONS", "100", src, sport, port))
        out.append(sip("INVITE", "100", src, sport, port, cseq=2))
    elif src.endswith(".3"):
        for i, ext in enumerate(["100", "101", "999", "1001", "4711"]):
            out.append(sip("REGISTER", ext, src, sport, port, cseq=i + 1))
    elif src.endswith(".4"):
        auth = ('Authorization: Digest username="1001", realm="asterisk", nonce="%08x",'
                ' uri="sip:127.0.0.1", response="%032x", algorithm=MD5' % (PHASE, PHASE * 7919))
        out.append(sip("REGISTER", "1001", src, sport, port, cseq=1))
        out.append(sip("REGISTER", "1001", src, sport, port, auth, cseq=2))
    else:
        out.append(bytes(range(PHASE, PHASE + 40)))
        out.append(sip("OPTIONS", "200", src, sport, port).replace(b"CSeq: 1 OPTIONS\r\n", b""))
    return out


def udp_round(sock, msg, port):
    sock.sendto(msg, ("127.0.0.1", port))
    try:
        sock.recvfrom(65536)
    except socket.timeout:
        pass


def tcp_round(src, sport, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((src, sport))
    s.settimeout(2)
    s.connect(("127.0.0.1", port))
    s.sendall(sip("OPTIONS", "100", src, sport, port, cseq=9, transport="TCP"))
    got = b""
    try:
        while b"\r\n\r\n" not in got:
            d = s.recv(65536)
            if not d:
                break
            got += d
    except socket.timeout:
        pass
    s.close()


def main():
    sent = 0
    for last in (2, 3, 4, 5):
        src = "127.0.0.%d" % last
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.bind((src, 45080 + last))
        u.settimeout(0.3)
        for msg in udp_messages(src, 45080 + last, PORT):
            udp_round(u, msg, PORT)
            sent += 1
        u.close()
    tcp_round("127.0.0.6", 45090 + PHASE, PORT)
    sent += 1
    print(sent)


main()
