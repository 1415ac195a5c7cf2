#!/usr/bin/env python3
"""A strict checker of Suricata rules, and a matcher of their contents
against captures, for the campaign tests. (Suricata itself is not in this
machine's Debian repositories: `suricata -T` cannot be run here.)

    suricata_check.py syntax RULES
        every line is a comment, blank, or a rule that Suricata's grammar
        accepts: action, protocol, addresses, ports, direction, and options
        `name[:value];` with the keywords this checker knows, values checked
        (quoted strings, content escapes and |hex| blocks, integers, known
        classtypes and flow options), msg, sid and rev present, sids unique,
        content modifiers only after a content. Prints one line per rule.

    suricata_check.py match RULES PCAP...
        for each rule, how many TCP/UDP payloads of each capture its
        contents match: "sid PCAP matched total" lines.

Facts from Suricata's documentation (rules/intro, payload-keywords,
meta-keywords, flow-keywords) and its classification.config."""
import re
import struct
import sys

ACTIONS = {"alert", "pass", "drop", "reject", "rejectsrc", "rejectdst", "rejectboth"}
PROTOS = {"tcp", "udp", "icmp", "ip", "sip", "http", "dns", "tls", "tcp-pkt", "udp-pkt"}
CLASSTYPES = {
    "not-suspicious", "unknown", "bad-unknown", "attempted-recon", "successful-recon-limited",
    "successful-recon-largescale", "attempted-dos", "successful-dos", "attempted-user",
    "unsuccessful-user", "successful-user", "attempted-admin", "successful-admin",
    "rpc-portmap-decode", "shellcode-detect", "string-detect", "suspicious-filename-detect",
    "suspicious-login", "system-call-detect", "tcp-connection", "trojan-activity",
    "unusual-client-port-connection", "network-scan", "denial-of-service",
    "non-standard-protocol", "protocol-command-decode", "web-application-activity",
    "web-application-attack", "misc-activity", "misc-attack", "icmp-event", "inappropriate-content",
    "policy-violation", "default-login-attempt", "targeted-activity", "exploit-kit",
    "external-ip-check", "domain-c2", "pup-activity", "credential-theft", "social-engineering",
    "coin-mining", "command-and-control",
}
FLOW = {"to_server", "to_client", "from_server", "from_client", "established", "not_established",
        "stateless", "only_stream", "no_stream", "only_frag", "no_frag"}
MODIFIERS = {"nocase", "fast_pattern", "rawbytes"}
MODIFIERS_INT = {"depth", "offset", "distance", "within"}


class Bad(Exception):
    pass


def check_addr(a):
    if a == "any" or re.fullmatch(r"\$[A-Z_]+", a):
        return
    a = a.lstrip("!")
    if a.startswith("[") and a.endswith("]"):
        for part in a[1:-1].split(","):
            check_addr(part.strip())
        return
    m = re.fullmatch(r"(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(/(\d{1,2}))?", a)
    if not m or any(int(m.group(i)) > 255 for i in range(1, 5)) or (m.group(6) and int(m.group(6)) > 32):
        raise Bad("bad address %r" % a)


def check_port(p):
    if p == "any" or re.fullmatch(r"\$[A-Z_]+", p):
        return
    p = p.lstrip("!")
    if p.startswith("[") and p.endswith("]"):
        for part in p[1:-1].split(","):
            check_port(part.strip())
        return
    m = re.fullmatch(r"(\d+)?(:(\d+)?)?", p)
    if not m or not p or any(int(x) > 65535 for x in (m.group(1), m.group(3)) if x):
        raise Bad("bad port %r" % p)


def split_options(body):
    """`name:value; name; ...` -> [(name, value or None)]; ';' inside quotes
    or escaped does not end an option."""
    opts, cur, q, i = [], "", False, 0
    while i < len(body):
        c = body[i]
        if c == "\\" and i + 1 < len(body):
            cur += body[i:i + 2]
            i += 2
            continue
        if c == '"':
            q = not q
        if c == ";" and not q:
            opts.append(cur.strip())
            cur = ""
        else:
            cur += c
        i += 1
    if q:
        raise Bad("unterminated quote")
    if cur.strip():
        raise Bad("option without a closing ';': %r" % cur.strip())
    out = []
    for o in opts:
        name, sep, val = o.partition(":")
        if not re.fullmatch(r"[a-z_.0-9]+", name.strip()):
            raise Bad("bad keyword %r" % name)
        out.append((name.strip(), val.strip() if sep else None))
    return out


def quoted(v, what):
    if not v or len(v) < 2 or v[0] != '"' or v[-1] != '"':
        raise Bad("%s must be a quoted string: %r" % (what, v))
    s = v[1:-1]
    i = 0
    while i < len(s):
        if s[i] == "\\":
            if i + 1 >= len(s) or s[i + 1] not in '";\\:':
                raise Bad("%s: bad escape in %r" % (what, v))
            i += 2
            continue
        if s[i] in '";':
            raise Bad("%s: unescaped %r in %r" % (what, s[i], v))
        i += 1
    return s


def content_bytes(v):
    s = quoted(v, "content")
    out, i = b"", 0
    while i < len(s):
        c = s[i]
        if c == "|":
            j = s.find("|", i + 1)
            if j < 0:
                raise Bad("unterminated |hex| in %r" % v)
            hexes = s[i + 1:j].split()
            if not hexes or any(not re.fullmatch(r"[0-9a-fA-F]{2}", h) for h in hexes):
                raise Bad("bad |hex| block in %r" % v)
            out += bytes(int(h, 16) for h in hexes)
            i = j + 1
        elif c == "\\":
            out += s[i + 1].encode()
            i += 2
        else:
            if ord(c) < 0x20 or ord(c) > 0x7e:
                raise Bad("non-printable byte in content %r" % v)
            out += c.encode()
            i += 1
    if not out:
        raise Bad("empty content")
    return out


def parse_rule(line):
    m = re.fullmatch(r"(\S+) (\S+) (\S+) (\S+) (->|<>) (\S+) (\S+) \((.*)\)", line)
    if not m:
        raise Bad("not a rule header and (options)")
    action, proto, src, sport, _, dst, dport, body = m.groups()
    if action not in ACTIONS:
        raise Bad("unknown action %r" % action)
    if proto not in PROTOS:
        raise Bad("unknown protocol %r" % proto)
    for a in (src, dst):
        check_addr(a)
    for p in (sport, dport):
        check_port(p)
    rule = {"proto": proto, "contents": [], "sid": None, "rev": None, "msg": None}
    last_content = None
    for name, val in split_options(body):
        if name == "msg":
            rule["msg"] = quoted(val, "msg")
        elif name == "content":
            neg = val.startswith("!")
            last_content = {"bytes": content_bytes(val[1:] if neg else val), "neg": neg,
                            "nocase": False, "mods": {}}
            rule["contents"].append(last_content)
        elif name in MODIFIERS or name in MODIFIERS_INT:
            if last_content is None:
                raise Bad("%s before any content" % name)
            if name in MODIFIERS_INT:
                if not val or not re.fullmatch(r"-?\d+", val):
                    raise Bad("%s needs an integer" % name)
                last_content["mods"][name] = int(val)
            elif val is not None and name != "fast_pattern":
                raise Bad("%s takes no value" % name)
            if name == "nocase":
                last_content["nocase"] = True
        elif name in ("sid", "rev", "priority"):
            if not val or not re.fullmatch(r"[1-9]\d*", val):
                raise Bad("%s needs a positive integer" % name)
            rule[name] = int(val)
        elif name == "classtype":
            if val not in CLASSTYPES:
                raise Bad("unknown classtype %r" % val)
        elif name == "flow":
            for f in (val or "").split(","):
                if f.strip() not in FLOW:
                    raise Bad("unknown flow option %r" % f)
        elif name == "metadata":
            for pair in (val or "").split(","):
                if not re.fullmatch(r"[A-Za-z0-9_]+ [^,;\"]+", pair.strip()):
                    raise Bad("metadata must be 'key value' pairs: %r" % val)
        elif name == "reference":
            if not re.fullmatch(r"[a-z0-9_]+,\S+", val or ""):
                raise Bad("bad reference %r" % val)
        else:
            raise Bad("keyword %r is not one this checker knows" % name)
    for k in ("msg", "sid", "rev"):
        if rule[k] is None:
            raise Bad("no %s" % k)
    if not rule["contents"]:
        raise Bad("no content: the rule would match every packet")
    return rule


def read_rules(path):
    rules, sids, errors = [], set(), 0
    for n, line in enumerate(open(path, encoding="ascii"), 1):
        line = line.rstrip("\n")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            r = parse_rule(line)
            if r["sid"] in sids:
                raise Bad("sid %d used twice" % r["sid"])
            sids.add(r["sid"])
            rules.append(r)
        except Bad as e:
            print("%s:%d: %s" % (path, n, e))
            errors += 1
    return rules, errors


def frames(path):
    """(linktype, frame) of a classic pcap or a pcapng file."""
    d = open(path, "rb").read()
    magic = d[:4]
    if magic == b"\x0a\x0d\x0d\x0a":
        bo = "<" if d[8:12] == b"\x4d\x3c\x2b\x1a" else ">"
        links, off = [], 0
        while off + 12 <= len(d):
            t, n = struct.unpack(bo + "II", d[off:off + 8])
            if n < 12:
                break
            b = d[off:off + n]
            if t == 1:
                links.append(struct.unpack(bo + "H", b[8:10])[0])
            elif t == 6 and len(b) >= 28:
                iface, caplen = struct.unpack(bo + "I", b[8:12])[0], struct.unpack(bo + "I", b[20:24])[0]
                if iface < len(links):
                    yield links[iface], b[28:28 + caplen]
            elif t == 3 and links:
                yield links[0], b[12:n - 4]
            off += n
        return
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        bo = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        bo = ">"
    else:
        raise SystemExit("%s: not a capture" % path)
    link = struct.unpack(bo + "I", d[20:24])[0]
    off = 24
    while off + 16 <= len(d):
        incl = struct.unpack(bo + "I", d[off + 8:off + 12])[0]
        yield link, d[off + 16:off + 16 + incl]
        off += 16 + incl


def payloads(path):
    """(proto, payload) of every TCP/UDP packet of a capture (Ethernet, raw
    IP, loopback or Linux cooked; IPv4 and IPv6; IPv4 in GRE); a frame not
    decoded is ("any", the whole frame)."""
    for link, pkt in frames(path):
        if link == 1:
            if len(pkt) < 14:
                continue
            et, l3 = struct.unpack(">H", pkt[12:14])[0], 14
            while et == 0x8100 and len(pkt) >= l3 + 4:
                et, l3 = struct.unpack(">H", pkt[l3 + 2:l3 + 4])[0], l3 + 4
        elif link == 113:
            et, l3 = struct.unpack(">H", pkt[14:16])[0], 16
        elif link in (12, 101, 228, 229):
            et, l3 = (0x86dd if pkt and pkt[0] >> 4 == 6 else 0x0800), 0
        elif link in (0, 108):  # BSD loopback: 4 bytes of address family
            et, l3 = (0x86dd if len(pkt) > 4 and pkt[4] >> 4 == 6 else 0x0800), 4
        else:
            yield "any", pkt  # not decoded here: searched whole, which can only match more
            continue
        ip = pkt[l3:]
        if et == 0x0800 and len(ip) >= 20:
            proto, l4 = ip[9], ip[(ip[0] & 15) * 4:]
            if proto == 47 and len(l4) >= 4:  # GRE (RFC 2784/2890): the inner IP packet
                flags, inner = l4[0], struct.unpack(">H", l4[2:4])[0]
                hl = 4 + 4 * (((flags >> 7) & 1) + ((flags >> 5) & 1) + ((flags >> 4) & 1))
                if inner == 0x0800 and len(l4) >= hl + 20:
                    ip = l4[hl:]
                    proto, l4 = ip[9], ip[(ip[0] & 15) * 4:]
        elif et == 0x86dd and len(ip) >= 40:
            proto, l4 = ip[6], ip[40:]
        else:
            yield "any", pkt
            continue
        if proto == 17 and len(l4) >= 8:
            yield "udp", l4[8:]
        elif proto == 6 and len(l4) >= 20:
            yield "tcp", l4[(l4[12] >> 4) * 4:]
        else:
            yield "any", pkt


def matches(rule, proto, data):
    if rule["proto"] in ("tcp", "udp") and proto != "any" and rule["proto"] != proto:
        return False
    pos = 0
    for c in rule["contents"]:
        hay = data.lower() if c["nocase"] else data
        needle = c["bytes"].lower() if c["nocase"] else c["bytes"]
        start = c["mods"].get("offset", 0)
        if "distance" in c["mods"]:
            start = pos + c["mods"]["distance"]
        end = len(hay)
        if "depth" in c["mods"]:
            end = start + c["mods"]["depth"]
        if "within" in c["mods"]:
            end = pos + c["mods"].get("distance", 0) + c["mods"]["within"]
        i = hay.find(needle, start, end)
        if c["neg"]:
            if i >= 0:
                return False
            continue
        if i < 0:
            return False
        pos = i + len(needle)
    return True


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "syntax":
        rules, errors = read_rules(sys.argv[2])
        for r in rules:
            print("ok %d %s" % (r["sid"], r["msg"]))
        print("%d rules, %d errors" % (len(rules), errors))
        return 1 if errors or not rules else 0
    if len(sys.argv) >= 4 and sys.argv[1] == "match":
        rules, errors = read_rules(sys.argv[2])
        if errors:
            return 1
        caps = {p: list(payloads(p)) for p in sys.argv[3:]}
        for r in rules:
            for p, pl in caps.items():
                n = sum(1 for proto, data in pl if data and matches(r, proto, data))
                print("%d %s %d %d" % (r["sid"], p, n, len(pl)))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
