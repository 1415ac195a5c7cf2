#!/usr/bin/env python3
"""Writes a pcap of UDP datagrams whose payloads are files.

    sip_pcap.py OUT.pcap [--time EPOCH] SRC:SPORT>DST:DPORT=FILE ...

Each packet is Ethernet/IPv4/UDP with DF set, IP ID 0 and TTL 47 (a Linux
2.6 host 17 hops away, as in the write-ups), one second after the previous.
"""
import struct
import sys


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ip4(a):
    return bytes(int(x) for x in a.split("."))


def packet(src, sport, dst, dport, payload):
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    pseudo = ip4(src) + ip4(dst) + struct.pack("!BBH", 0, 17, len(udp))
    udp = udp[:6] + struct.pack("!H", csum(pseudo + udp) or 0xFFFF) + udp[8:]
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0x4000, 47, 17, 0,
                      ip4(src), ip4(dst))
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    eth = b"\x02\0\0\0\0\x02" + b"\x02\0\0\0\0\x01" + b"\x08\x00"
    return eth + hdr + udp


def main():
    out = sys.argv[1]
    args = sys.argv[2:]
    t = 1278592200  # 2010-07-08 12:30 UTC
    if args and args[0] == "--time":
        t = int(args[1])
        args = args[2:]
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for spec in args:
            ends, _, path = spec.partition("=")
            a, _, b = ends.partition(">")
            src, sport = a.rsplit(":", 1)
            dst, dport = b.rsplit(":", 1)
            with open(path, "rb") as p:
                frame = packet(src, int(sport), dst, int(dport), p.read())
            f.write(struct.pack("<IIII", t, 0, len(frame), len(frame)) + frame)
            t += 1


if __name__ == "__main__":
    main()
