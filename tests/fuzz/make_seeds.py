#!/usr/bin/env python3
"""Writes the seed corpora of the decoder and capture fuzzers (small,
hand-built frames and files). The seeds of fuzz_profile_blob are profiles
scanprint itself stored (`SELECT profile FROM sources` of a store made from
tests/data/sip-pcaps), one blob per file.
usage: make_seeds.py CORPUS_DIR"""
import gzip, lzma, os, struct, subprocess, sys

out = sys.argv[1]


def ip4(proto, src, dst, payload, opts=b""):
    ihl = (20 + len(opts)) // 4
    h = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, 20 + len(opts) + len(payload), 0x1234,
                    0x4000, 64, proto, 0, bytes(src), bytes(dst))
    return h + opts + payload


def ip6(nh, src_last, dst_last, payload):
    a = bytes([0x20, 1, 0xd, 0xb8] + [0] * 11)
    return struct.pack("!IHBB", 0x60000000 | 0x12345, len(payload), nh, 57) + \
        a + bytes([src_last]) + a + bytes([dst_last]) + payload


def tcp(sport, dport, flags, opts=b"", data=b""):
    return struct.pack("!HHIIBBHHH", sport, dport, 0x01020304, 0, (20 + len(opts)) // 4 << 4,
                       flags, 64240, 0, 0) + opts + data


def udp(sport, dport, data):
    return struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data


def icmp(t, c, data):
    return struct.pack("!BBHI", t, c, 0, 0) + data


S, D = [198, 51, 100, 7], [203, 0, 113, 9]
SYN_OPTS = bytes([2, 4, 5, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7])
SIP = b"OPTIONS sip:100@203.0.113.9 SIP/2.0\r\nVia: SIP/2.0/UDP 192.168.1.9:5060\r\n\r\n"
syn = ip4(6, S, D, tcp(40000, 22, 2, SYN_OPTS))
sipv4 = ip4(17, S, D, udp(5060, 5060, SIP))
err4 = ip4(1, D, S, icmp(3, 3, sipv4[:28]))
ext6 = ip6(0, 1, 2, bytes([43, 0, 1, 4, 0, 0, 0, 0]) + bytes([6, 0, 0, 0, 0, 0, 0, 0])
           + tcp(1, 443, 2, bytes([2, 4, 5, 0xa0])))
err6 = ip6(58, 9, 1, icmp(1, 4, ip6(17, 1, 9, udp(5070, 5060, b"x"))))
gre = ip4(47, [10, 0, 0, 1], [10, 0, 0, 2], struct.pack("!HHI", 0x2000, 0x0800, 7) + syn)
eth = b"\x02\0\0\0\0\x01\x02\0\0\0\0\x02"
frames = {
    "eth_syn": (0, eth + b"\x08\x00" + syn),
    "eth_qinq_sip": (0, eth + b"\x88\xa8\x00\x64\x81\x00\x00\x65\x08\x00" + sipv4),
    "sll_icmp_error": (1, struct.pack("!HHH8sH", 0, 1, 6, b"\2\0\0\0\0\1\0\0", 0x0800) + err4),
    "sll2_ip6_ext": (2, struct.pack("!HHIHBB8s", 0x86dd, 0, 3, 1, 0, 6, b"\2\0\0\0\0\1\0\0")
                     + ext6),
    "raw_gre": (3, gre),
    "raw4_fragment": (4, ip4(17, S, D, udp(5060, 5060, SIP))[:6] + b"\x20\x00"
                      + ip4(17, S, D, udp(5060, 5060, SIP))[8:]),
    "raw6_icmp6_error": (5, err6),
    "null_le_sip": (6, struct.pack("<I", 2) + sipv4),
    "loop_be_ip6": (7, struct.pack(">I", 24) + err6),
    "snapped_syn": (8 | 0, (eth + b"\x08\x00" + syn)[:40]),
}
os.makedirs(os.path.join(out, "fuzz_decode"), exist_ok=True)
for name, (sel, frame) in frames.items():
    open(os.path.join(out, "fuzz_decode", name), "wb").write(bytes([sel]) + frame)


def pcap(linktype, pkts, nano=False):
    b = struct.pack("<IHHiIII", 0xa1b23c4d if nano else 0xa1b2c3d4, 2, 4, 0, 0, 65535, linktype)
    for i, p in enumerate(pkts):
        b += struct.pack("<IIII", 1278678191 + i, 5000, len(p), len(p)) + p
    return b


def pcapng(linktype, pkts):
    def block(t, body):
        body += b"\0" * ((4 - len(body) % 4) % 4)
        n = 12 + len(body)
        return struct.pack("<II", t, n) + body + struct.pack("<I", n)
    b = block(0x0a0d0d0a, struct.pack("<IHHq", 0x1a2b3c4d, 1, 0, -1))
    b += block(1, struct.pack("<HHI", linktype, 0, 65535))
    for i, p in enumerate(pkts):
        b += block(6, struct.pack("<IIIII", 0, 0x48a5f, i * 1000, len(p), len(p)) + p)
    return b


raw = [syn, sipv4, err4]
files = {
    "raw.pcap": pcap(101, raw),
    "eth_nano.pcap": pcap(1, [eth + b"\x08\x00" + p for p in raw], nano=True),
    "sll2.pcapng": pcapng(276, [frames["sll2_ip6_ext"][1]]),
    "cut.pcap": pcap(101, raw)[:-10],
    "raw.pcap.gz": gzip.compress(pcap(101, raw)),
    "raw.pcap.xz": lzma.compress(pcap(101, raw)),
}
zst = subprocess.run(["zstd", "-q", "-c"], input=pcap(101, raw), capture_output=True, check=True)
files["raw.pcap.zst"] = zst.stdout
os.makedirs(os.path.join(out, "fuzz_capture"), exist_ok=True)
for name, data in files.items():
    open(os.path.join(out, "fuzz_capture", name), "wb").write(data)
