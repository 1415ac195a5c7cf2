# SIP scanning tools: request templates, kits seen in the wild, header marks.
# Format: docs/signatures.md. Facts: ../shared/docs/domain.md sections 2-3 and
# the sources named in each "ref" line; every template here was checked
# against a capture of the real tool where the tool is installable
# (tests/integration/test_sip_tools.sh), otherwise against its source.
#
# Slot names that are field names (User-Agent, From.display, ...) are what
# `changes` report when a kit puts another value there. Slot names with a
# meaning: local (the sender's own address), localport (the port it bound),
# target (the scanned host), ext (the extension tried), tag (the From tag),
# method (the request method).

# ---------------------------------------------------------------------------
# SIPVicious 0.3.x (Python 3: headers in the order makeRequest inserts them)
# ref: EnableSecurity/sipvicious sipvicious/libs/svhelper.py makeRequest,
#      svmap.py, svwar.py, svcrack.py (0.3.0 .. 0.3.4); Debian sipvicious 0.3.3

template sipvicious/svmap/0.3.x
tool sipvicious
component svmap
version 0.3.x
methods OPTIONS INVITE REGISTER
request {method} sip:{extension:user=100}@{target:host} SIP/2.0
request {method} sip:{target:host} SIP/2.0
header Via: SIP/2.0/UDP {local:host}:{localport:port};branch={Via.branch-cookie:alnum=z9hG4bK}-{branch:dec};rport
header Max-Forwards: {Max-Forwards:dec=70}
header To: "{To.display:text=sipvicious}"<sip:{To.user:user=100}@{To.host:host=1.1.1.1}>
header From: "{From.display:text=sipvicious}"<sip:{From.user:user=100}@{From.host:host=1.1.1.1}>;tag={tag:hex}
header User-Agent: {User-Agent:text=friendly-scanner}
header Call-ID: {Call-ID:dec}
header Contact: sip:{extension:user=100}@{local:host}:{localport:port}
alt Contact: {Contact:any=None}
header CSeq: {CSeq.number:dec=1} {method}
header Accept: {Accept:any=application/sdp}
header Content-Length: 0
leak svmap
localport 5060
note svmap puts the scanned address in the From tag and From = To = "sipvicious"<sip:100@1.1.1.1>
ref sipvicious 0.3.x svmap.py (DrinkOrSip.start) and svhelper.py makeRequest
end

template sipvicious/svmap/0.3.x-compact
like sipvicious/svmap/0.3.x
drop Via
drop Max-Forwards
drop To
drop From
drop User-Agent
drop Call-ID
drop Contact
drop CSeq
drop Accept
drop Content-Length
header v: SIP/2.0/UDP {local:host}:{dstport:port};branch={Via.branch-cookie:alnum=z9hG4bK}-{branch:dec};rport
header t: "{To.display:text=sipvicious}"<sip:{To.user:user=100}@{To.host:host=1.1.1.1}>
header f: "{From.display:text=sipvicious}"<sip:{From.user:user=100}@{From.host:host=1.1.1.1}>;tag={tag:hex}
header i: {Call-ID:dec}
header m: sip:{extension:user=100}@{local:host}:{localport:port}
alt m: {Contact:any=None}
header CSeq: {CSeq.number:dec=1} {method}
header Max-Forwards: {Max-Forwards:dec=70}
header Accept: {Accept:any=application/sdp}
header Content-Length: 0
note svmap -c: compact header names, no User-Agent, and the destination port in Via
end

template sipvicious/svwar/0.3.x
like sipvicious/svmap/0.3.x
component svwar
methods REGISTER OPTIONS INVITE
request {method} sip:{target:host} SIP/2.0
request {method} sip:{ext:user}@{target:host} SIP/2.0
header To: "{ext:user}"<sip:{ext:user}@{target:host}>
header From: "{ext:user}"<sip:{ext:user}@{target:host}>;tag={tag:hex}
header Call-ID: {Call-ID:dec}
header Contact: sip:{ext:user}@{target:host}
leak svwar
note svwar tries one extension per request: From = To = "<ext>"<sip:<ext>@<target>>, tag = hex(ext)
ref sipvicious 0.3.x svwar.py (TakeASip.createRequest)
end

template sipvicious/svcrack/0.3.x
like sipvicious/svmap/0.3.x
component svcrack
methods REGISTER
request REGISTER sip:{target:host} SIP/2.0
header To: "{ext:user}" <sip:{ext:user}@{target:host}>
header From: "{ext:user}" <sip:{ext:user}@{target:host}>;tag={tag:alnum}
header Contact: sip:{Contact.user:user=123}@{Contact.host:host=1.1.1.1}
header CSeq: {cseq:dec} REGISTER
header? Authorization: Digest username="{ext:user}",{credentials:any}
leak svcrack
note svcrack: REGISTER without credentials (From tag 3206210844), then again with them and tag = hex(user:password)
ref sipvicious 0.3.x svcrack.py (ASipOfRedWine.Register)
end

# ---------------------------------------------------------------------------
# SIPVicious 0.2.x (Python 2: dict order Via, Content-Length, From, Accept,
# User-Agent, To, Contact, CSeq, Call-ID, Max-Forwards; verified by replaying
# CPython 2.7's string hash and dict probing over makeRequest's keys)
# ref: EnableSecurity/sipvicious tag v0.2.8 libs/svhelper.py, svmap.py

template sipvicious/svmap/0.2.x
tool sipvicious
component svmap
version 0.2.x
methods OPTIONS INVITE REGISTER
request {method} sip:{extension:user=100}@{target:host} SIP/2.0
request {method} sip:{target:host} SIP/2.0
header Via: SIP/2.0/UDP {local:host}:{localport:port};branch={Via.branch-cookie:alnum=z9hG4bK}-{branch:dec};rport
header Content-Length: 0
header From: "{From.display:text=sipvicious}"<sip:{From.user:user=100}@{From.host:host=1.1.1.1}>;tag={tag:hex}
header Accept: {Accept:any=application/sdp}
header User-Agent: {User-Agent:text=friendly-scanner}
header To: "{To.display:text=sipvicious}"<sip:{To.user:user=100}@{To.host:host=1.1.1.1}>
header Contact: sip:{extension:user=100}@{local:host}:{localport:port}
alt Contact: {Contact:any=None}
header CSeq: {CSeq.number:dec=1} {method}
header Call-ID: {Call-ID:dec}
header Max-Forwards: {Max-Forwards:dec=70}
leak svmap
localport 5060
note svmap puts the scanned address in the From tag and From = To = "sipvicious"<sip:100@1.1.1.1>
ref sipvicious v0.2.8 svmap.py and libs/svhelper.py makeRequest
end

template sipvicious/svmap/0.2.x-compact
like sipvicious/svmap/0.2.x
drop Via
drop Content-Length
drop From
drop Accept
drop User-Agent
drop To
drop Contact
drop CSeq
drop Call-ID
drop Max-Forwards
header v: SIP/2.0/UDP {local:host}:{dstport:port};branch={Via.branch-cookie:alnum=z9hG4bK}-{branch:dec};rport
header Content-Length: 0
header f: "{From.display:text=sipvicious}"<sip:{From.user:user=100}@{From.host:host=1.1.1.1}>;tag={tag:hex}
header i: {Call-ID:dec}
header m: sip:{extension:user=100}@{local:host}:{localport:port}
alt m: {Contact:any=None}
header Accept: {Accept:any=application/sdp}
header CSeq: {CSeq.number:dec=1} {method}
header t: "{To.display:text=sipvicious}"<sip:{To.user:user=100}@{To.host:host=1.1.1.1}>
header Max-Forwards: {Max-Forwards:dec=70}
note svmap -c: compact header names, no User-Agent, and the destination port in Via
end

template sipvicious/svwar/0.2.x
like sipvicious/svmap/0.2.x
component svwar
methods REGISTER OPTIONS INVITE
request {method} sip:{target:host} SIP/2.0
request {method} sip:{ext:user}@{target:host} SIP/2.0
header From: "{ext:user}"<sip:{ext:user}@{target:host}>;tag={tag:hex}
header To: "{ext:user}"<sip:{ext:user}@{target:host}>
header Contact: sip:{ext:user}@{target:host}
leak svwar
note svwar tries one extension per request: From = To = "<ext>"<sip:<ext>@<target>>, tag = hex(ext)
ref sipvicious v0.2.8 svwar.py
end

template sipvicious/svcrack/0.2.x
like sipvicious/svmap/0.2.x
component svcrack
methods REGISTER
request REGISTER sip:{target:host} SIP/2.0
header From: "{ext:user}" <sip:{ext:user}@{target:host}>;tag={tag:alnum}
header To: "{ext:user}" <sip:{ext:user}@{target:host}>
header Contact: sip:{Contact.user:user=123}@{Contact.host:host=1.1.1.1}
header CSeq: {cseq:dec} REGISTER
header? Authorization: Digest username="{ext:user}",{credentials:any}
leak svcrack
note svcrack: REGISTER without credentials, then again with them and tag = hex(user:password)
ref sipvicious v0.2.8 svcrack.py
end

# ---------------------------------------------------------------------------
# Modified SIPVicious seen in the wild. Marks are values of the base
# template's slots; a kit is named when most of its marks are there.

kit sundayddr
base sipvicious/svmap/0.2.x
mark User-Agent sundayddr
mark From.display sipsscuser
mark To.display sipssc
mark From.host 192.168.1.9
mark Via.branch-cookie zqwehwebK
note spread like a worm in 2010: the same kit from hundreds of hosts, all with the hard-coded local address 192.168.1.9
ref ../shared/seeds (2010 honeypot and darknet write-ups); ET 2011766 (UA sundayddr), 2012204 (From "sipsscuser")
end

kit ccxllrlflgig
base sipvicious/svmap/0.2.x
mark From.display ccxllrlflgig
note a renamed svmap seen in 2010 (ET 2011422)
ref Emerging Threats 2011422 "Possible Modified Sipvicious OPTIONS Scan"
end

kit asterisk-pbx
base sipvicious/svwar/0.2.x
mark User-Agent Asterisk PBX
note svwar with its User-Agent set to pass for Asterisk, no magic cookie in the branch and no From tag
ref Emerging Threats 2012296 "Modified Sipvicious Asterisk PBX User-Agent"; blog.sipvicious.org 2010/11
end

kit sipvicious-0.2.3
base sipvicious/svmap/0.2.x
mark User-Agent your friendly voip security scanner
release 0.2.3
note SIPVicious 0.2.3 (2008) wrote this User-Agent; 0.2.4 and later write friendly-scanner
ref ../shared/docs/domain.md section 2
end

# ---------------------------------------------------------------------------
# sipsak (Debian 0.9.8.1): sipsak -s sip:USER@HOST, UDP or TCP

template sipsak/options
tool sipsak
version {sipsak-version}
methods *
request {method} sip:{ruri:user}@{target:host} SIP/2.0
request {method} sip:{target:host} SIP/2.0
header Via: SIP/2.0/{transport:word} {local:host}:{localport:port};branch=z9hG4bK.{branch:hex:8};rport;alias
header From: sip:{From.user:user=sipsak}@{local:host}:{localport:port};tag={tag:hex}
header To: sip:{ruri:user}@{target:host}
alt To: sip:{target:host}
header Call-ID: {Call-ID:dec}@{local:host}
header CSeq: {CSeq.number:dec} {method}
header Contact: sip:{Contact.user:user=sipsak}@{local:host}:{localport:port}
header Content-Length: 0
header Max-Forwards: {Max-Forwards:dec=70}
header User-Agent: sipsak {sipsak-version:any}
header Accept: {Accept:any=text/plain}
ref Debian sipsak 0.9.8.1, captured; ET 2008598 (sip:sipsak@)
end

# ---------------------------------------------------------------------------
# Nmap

template nmap/nse
tool nmap
component nse
methods OPTIONS REGISTER
request {method} sip:{target:host} SIP/2.0
header Via: SIP/2.0/{transport:word} {local:host}:{localport:port};rport;branch=z9hG4bK{branch:word}
header Max-Forwards: {Max-Forwards:dec=70}
header From: "{From.display:text=Nmap NSE}" <sip:{From.user:user=user}@{target:host}>;tag={tag:word}
header To: "{To.display:text=Nmap NSE}" <sip:{To.user:user=user}@{target:host}>
header Call-ID: {Call-ID:word}
header CSeq: {CSeq.number:dec=1234} {method}
header User-Agent: {User-Agent:text=Nmap NSE}
header Contact: "{Contact.display:text=Nmap NSE}" <sip:{Contact.user:user=user}@{local:host}:{localport:port}>
header? Expires: {Expires:dec}
header? Allow: PRACK, INVITE ,ACK, BYE, CANCEL, UPDATE, SUBSCRIBE,NOTIFY, REFER, MESSAGE, OPTIONS
header? Accept: {Accept:any=application/sdp}
header Content-Length:  0
note Nmap's SIP scripts (sip-methods, sip-enum-users, sip-brute): nselib/sip.lua, Content-Length with two blanks
ref nmap 7.93 nselib/sip.lua Request.__tostring; captured from nmap --script sip-methods
end

template nmap/service-probe
tool nmap
component service-probe
methods OPTIONS
request OPTIONS sip:{ruri.host:host=nm} SIP/2.0
header Via: SIP/2.0/{transport:word=TCP} {Via.host:host=nm};branch={branch:word=foo}
header From: <sip:{From.user:user=nm}@{From.host:host=nm}>;tag={tag:word=root}
header To: <sip:{To.user:user=nm2}@{To.host:host=nm2}>
header Call-ID: {Call-ID:any=50000}
header CSeq: {CSeq.number:dec=42} OPTIONS
header Max-Forwards: {Max-Forwards:dec=70}
header Content-Length: 0
header Contact: <sip:{Contact.user:user=nm}@{Contact.host:host=nm}>
header Accept: {Accept:any=application/sdp}
note nmap -sV: the SIPOptions probe of nmap-service-probes (ET 2018318)
ref nmap 7.93 nmap-service-probes "Probe TCP SIPOptions"; captured from nmap -sV
end

# ---------------------------------------------------------------------------
# Masscan: its UDP/5060 payload is the OPTIONS example of RFC 3261 24.2

template masscan/udp-5060
tool masscan
methods OPTIONS
request OPTIONS sip:{ruri.user:user=carol}@{ruri.host:host=chicago.com} SIP/2.0
header Via: SIP/2.0/UDP {Via.host:host=pc33.atlanta.com};branch={branch:word=z9hG4bKhjhs8ass877}
header Max-Forwards: {Max-Forwards:dec=70}
header To: <sip:{To.user:user=carol}@{To.host:host=chicago.com}>
header From: {From.display:any=Alice} <sip:{From.user:user=alice}@{From.host:host=atlanta.com}>;tag={tag:word=1928301774}
header Call-ID: {Call-ID:any=a84b4c76e66710}
header CSeq: {CSeq.number:dec=63104} OPTIONS
header Contact: <sip:{Contact.user:user=alice}@{Contact.host:host=pc33.atlanta.com}>
header Accept: {Accept:any=application/sdp}
header Content-Length: 0
ref masscan src/templ-payloads.c (the payload text as compiled into masscan 1.3.2)
end

template masscan/udp-5060/1.3.2
like masscan/udp-5060
version 1.3.2
drop Via
drop Max-Forwards
drop To
drop From
drop Call-ID
drop CSeq
drop Contact
drop Accept
drop Content-Length
header Via: SIP/2.0/UDP {Via.host:host=pc33.atlanta.com};branch=z9hGOPTIONS sip:{ruri.user:user=carol}@{ruri.host:host=chicago.com} SIP/2.0
header+ Via: SIP/2.0/UDP {Via.host:host=pc33.atlanta.com};branch={branch:word=z9hG4bKhjhs8ass877}
header Max-Forwards: {Max-Forwards:dec=70}
header To: <sip:{To.user:user=carol}@{To.host:host=chicago.com}>
header From: {From.display:any=Alice} <sip:{From.user:user=alice}@{From.host:host=atlanta.com}>;tag={tag:word=1928301774}
header Call-ID: {Call-ID:any=a84b4c76e66710}
header CSeq: {CSeq.number:dec=63104} OPTIONS
no-empty-line
note Debian's masscan 1.3.2 sends a broken copy: the Via line cut after "branch=z9hG" runs into the request line again, and the message stops after CSeq
ref captured from Debian masscan 1.3.2 (-pU:5060) in a network namespace
end

# ---------------------------------------------------------------------------
# ZMap: the sip_options UDP probe template shipped with zmap

template zmap/sip_options
tool zmap
component udp/sip_options
methods OPTIONS
request OPTIONS sip:{ruri.user:alpha:8}@{target:host} SIP/2.0
header Via: SIP/2.0/UDP {local:host}:{localport:port};branch={branch-alpha:alpha:6}.{branch:dec:10};rport;alias
header From: sip:{from-user:alpha:8}@{local:host}:{localport:port};tag={tag:dec:8}
header To: sip:{to-user:alpha:8}@{target:host}
header Call-ID: {Call-ID:dec:10}@{local:host}
header CSeq: {CSeq.number:dec=1} OPTIONS
header Contact: sip:{contact-user:alpha:8}@{local:host}:{localport:port}
header Content-Length: 0
header Max-Forwards: {Max-Forwards:dec=20}
header User-Agent: {User-Agent:alpha:8}
header Accept: {Accept:any=text/plain}
note zmap -M udp --probe-args=template:sip_options.tpl: random letters everywhere; Debian's zmap 2.1.1 leaves the final LF outside the UDP length and pads the frame with NUL bytes
ref zmap examples/udp-probes/sip_options.tpl (Debian zmap 2.1.1); captured
end

# ---------------------------------------------------------------------------
# Metasploit (auxiliary/scanner/sip/*): sipsak's layout with a fixed tag

template metasploit/options
tool metasploit
component options
methods OPTIONS
request OPTIONS sip:{ext:user}@{target:host} SIP/2.0
header Via: SIP/2.0/{transport:word} {local:host}:{localport:port};branch=z9hG4bK.{branch:hex:8};rport;alias
header From: sip:{suser:alnum:1-8}@{local:host}:{localport:port};tag={tag:hex=70c00e8c}
header To: sip:{ext:user}@{target:host}
header Call-ID: {Call-ID:dec}@{local:host}
header CSeq: {CSeq.number:dec=1} OPTIONS
header Contact:  sip:{suser:alnum:1-8}@{local:host}:{localport:port}
header Max-Forwards: {Max-Forwards:dec=20}
header User-Agent: {suser:alnum:1-8}
header Accept: {Accept:any=text/plain}
header Content-Length: 0
note From tag 70c00e8c in every request; User-Agent = the random From user
ref rapid7/metasploit-framework modules/auxiliary/scanner/sip/options.rb and options_tcp.rb (create_probe)
end

template metasploit/options-old
like metasploit/options
drop Max-Forwards
drop User-Agent
drop Accept
drop Content-Length
header Content-Length: 0
header Max-Forwards: {Max-Forwards:dec=20}
header User-Agent: {suser:alnum:1-8}
header Accept: {Accept:any=text/plain}
no-empty-line
note older options.rb: Content-Length before Max-Forwards and no empty line after the headers
ref rapid7/metasploit-framework modules/auxiliary/scanner/sip/options.rb (before the 2017 rewrite)
end

template metasploit/enumerator
like metasploit/options-old
component enumerator
methods OPTIONS REGISTER INVITE
request {method} sip:{ext:user}@{target:host} SIP/2.0
header From: {ext:user} <sip:{suser:alnum:1-8}@{local:host}:{localport:port}>;tag={tag:hex=70c00e8c}
header To: {ext:user} <sip:{ext:user}@{target:host}>
header CSeq: {CSeq.number:dec=1} {method}
header Contact: <sip:{suser:alnum:1-8}@{local:host}:{localport:port}>
ref rapid7/metasploit-framework modules/auxiliary/scanner/sip/enumerator.rb (create_probe)
end

# ---------------------------------------------------------------------------
# SIPPTS (Pepelux) 4.x, sipscan / sipexten defaults

template sippts/sipscan/4.x
tool sippts
component sipscan
version 4.x
methods *
request {method} sip:{ext:user}@{target:host} SIP/2.0
request {method} sip:{target:host} SIP/2.0
header Via: SIP/2.0/{transport:word} {local:host}:{localport:port};branch={branch:alnum:71};rport
header From:  <sip:{From.user:user=100}@{From.host:host}>;tag={tag:hex:8}
header To:  <sip:{To.user:user=100}@{To.host:host}>
header Contact: <sip:{From.user:user=100}@{local:host}:{localport:port};transport={transport:word}>;expires={expires:dec=120}
header Call-ID: {Call-ID:hex:32}
header CSeq: {CSeq.number:dec=1} {method}
header Max-Forwards: {Max-Forwards:dec=70}
header User-Agent: {User-Agent:text=pplsip}
header Allow: INVITE, REGISTER, ACK, CANCEL, BYE, NOTIFY, REFER, OPTIONS, INFO, SUBSCRIBE, UPDATE, PRACK, MESSAGE
header? Expires: {Expires:dec=120}
header Content-Length: 0
note branch of 71 characters without the magic cookie, 32-hex Call-ID, 8-hex tag, User-Agent pplsip
ref Pepelux/sippts src/sippts/lib/functions.py create_message, sipscan.py (not captured: not packaged in Debian)
end

# ---------------------------------------------------------------------------
# Tools named by one header when no template matches (their layout is not
# known, or a kit reshuffled a known tool's headers).
# agent TOOL HEADER TEXT (TEXT is a case-sensitive substring of the value)

agent sipvicious User-Agent friendly-scanner
agent sipvicious User-Agent sundayddr
agent sipvicious From "sipvicious"
agent sipvicious From "sipsscuser"
agent sipcli User-Agent sipcli/
agent sippts User-Agent pplsip
agent sippts User-Agent sipptk
agent nmap User-Agent Nmap NSE
agent sipsak User-Agent sipsak
agent sipsak From sip:sipsak@
agent smap From <sip:smap@
agent unknown-sip-scanner User-Agent VaxSIPUserAgent
agent unknown-sip-scanner User-Agent iWar
agent unknown-sip-scanner User-Agent SIPScan
agent unknown-sip-scanner User-Agent SimpleSIP
agent unknown-sip-scanner User-Agent VoIPSec
