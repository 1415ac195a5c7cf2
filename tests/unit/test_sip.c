/* The SIP parser over the 49 RFC 4475 torture messages (each one read; the
 * valid ones whole, with every header and the body Content-Length says; the
 * invalid ones with the quirk that names what is wrong) and over the layout
 * details fingerprints rely on. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sip/sip.h"

#define TORTURE SP_TESTDATA "/sip-torture/"

static uint8_t *slurp(const char *name, size_t *len)
{
	char path[512];
	snprintf(path, sizeof path, "%s%s", TORTURE, name);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	static uint8_t buf[65536];
	*len = fread(buf, 1, sizeof buf, f);
	fclose(f);
	uint8_t *copy = malloc(*len ? *len : 1);
	memcpy(copy, buf, *len);
	return copy;
}

/* Header lines counted independently: lines after the first, up to the
 * first empty line, that do not start with a blank. */
static unsigned count_header_lines(const uint8_t *p, size_t n)
{
	unsigned count = 0;
	size_t i = 0;
	while (i < n && p[i] != '\n')
		i++;
	i++;
	while (i < n) {
		if (p[i] == '\r' || p[i] == '\n')
			break;
		if (p[i] != ' ' && p[i] != '\t')
			count++;
		while (i < n && p[i] != '\n')
			i++;
		i++;
	}
	return count;
}

static int parse_file(const char *name, sip_msg *m, sip_hdr *h, uint8_t **data, size_t *len)
{
	*data = slurp(name, len);
	return sip_parse(m, *data, *len, h, SIP_HDRS, 0);
}

#define FATAL                                                                                      \
	(SIP_Q_NO_END | SIP_Q_BAD_LINE | SIP_Q_HDR_OVERFLOW | SIP_Q_CL_LONG | SIP_Q_BAD_CL |       \
	 SIP_Q_MISSING | SIP_Q_BAD_VERSION | SIP_Q_BAD_STATUS | SIP_Q_JUNK | SIP_Q_BAD_URI |       \
	 SIP_Q_CL_MULTI | SIP_Q_DUP_SINGLE | SIP_Q_QUOTE | SIP_Q_CSEQ_RANGE)

/* Every message in INDEX.tsv: read without a crash; "valid" ones whole. */
static void all_torture_messages(void **state)
{
	(void)state;
	FILE *idx = fopen(TORTURE "INDEX.tsv", "r");
	assert_non_null(idx);
	char line[1024];
	int files = 0, valid = 0;
	while (fgets(line, sizeof line, idx)) {
		char name[128], cls[64];
		if (sscanf(line, "%127[^\t]\t%63[^\t]", name, cls) != 2)
			continue;
		files++;
		sip_hdr h[SIP_HDRS];
		sip_msg m;
		uint8_t *d;
		size_t n;
		int rc = parse_file(name, &m, h, &d, &n);
		assert_int_equal(rc, SIP_OK);
		assert_int_not_equal(m.kind, SIP_NONE);
		assert_true(m.msg_len <= n);
		if (!strcmp(cls, "valid")) {
			valid++;
			if (m.quirks & FATAL)
				fail_msg("%s: quirks 0x%x", name, m.quirks & FATAL);
			assert_int_equal(m.nhdr, count_header_lines(d, n));
			assert_int_equal(m.nhdr, m.nhdr_seen);
			assert_true(m.content_length >= 0);
			assert_int_equal(m.body.len, (uint32_t)m.content_length);
			for (unsigned i = 0; i < m.nhdr; i++)
				assert_true(m.hdr[i].name.len > 0);
		}
		/* a stream parse of the same bytes never reads further */
		sip_msg s;
		rc = sip_parse(&s, d, n, h, SIP_HDRS, SIP_PARSE_STREAM);
		assert_true(rc == SIP_OK || rc == SIP_INCOMPLETE);
		if (rc == SIP_OK)
			assert_true(s.msg_len <= n);
		free(d);
	}
	fclose(idx);
	assert_int_equal(files, 49);
	assert_int_equal(valid, 13);
}

static void expect_quirk(const char *name, uint32_t q)
{
	sip_hdr h[SIP_HDRS];
	sip_msg m;
	uint8_t *d;
	size_t n;
	assert_int_equal(parse_file(name, &m, h, &d, &n), SIP_OK);
	if (!(m.quirks & q))
		fail_msg("%s: expected quirk 0x%x, got 0x%x", name, q, m.quirks);
	free(d);
}

/* The invalid and application-layer messages carry the quirk that says why. */
static void invalid_messages_are_noted(void **state)
{
	(void)state;
	expect_quirk("clerr.dat", SIP_Q_CL_LONG);
	expect_quirk("ncl.dat", SIP_Q_BAD_CL);
	expect_quirk("scalar02.dat", SIP_Q_CSEQ_RANGE);
	expect_quirk("scalar02.dat", SIP_Q_MAXFWD);
	expect_quirk("scalarlg.dat", SIP_Q_CSEQ_RANGE);
	expect_quirk("quotbal.dat", SIP_Q_QUOTE);
	expect_quirk("ltgtruri.dat", SIP_Q_BAD_URI);
	expect_quirk("lwsruri.dat", SIP_Q_BAD_URI);
	expect_quirk("lwsstart.dat", SIP_Q_START_WS);
	expect_quirk("trws.dat", SIP_Q_START_TRAIL);
	expect_quirk("badvers.dat", SIP_Q_BAD_VERSION);
	expect_quirk("mismatch01.dat", SIP_Q_CSEQ_METHOD);
	expect_quirk("mismatch02.dat", SIP_Q_CSEQ_METHOD);
	expect_quirk("bigcode.dat", SIP_Q_BAD_STATUS);
	expect_quirk("insuf.dat", SIP_Q_MISSING);
	expect_quirk("multi01.dat", SIP_Q_DUP_SINGLE);
	expect_quirk("mcl01.dat", SIP_Q_CL_MULTI);
	expect_quirk("inv2543.dat", SIP_Q_NO_CL);
	expect_quirk("wsinv.dat", SIP_Q_FOLDED);
	expect_quirk("wsinv.dat", SIP_Q_WS_COLON);
	expect_quirk("intmeth.dat", SIP_Q_NUL);
	expect_quirk("dblreq.dat", SIP_Q_TRAILING);
}

static void negative_length_is_never_a_size(void **state)
{
	(void)state;
	sip_hdr h[SIP_HDRS];
	sip_msg m;
	uint8_t *d;
	size_t n;
	assert_int_equal(parse_file("ncl.dat", &m, h, &d, &n), SIP_OK);
	assert_int_equal(m.content_length, -2);
	assert_int_equal(m.msg_len, n); /* the datagram ends where it ends */
	assert_int_equal(sip_parse(&m, d, n, h, SIP_HDRS, SIP_PARSE_STREAM), SIP_OK);
	assert_int_equal(m.body.len, 0);
	free(d);
	/* clerr over a stream waits for the 9999 bytes */
	assert_int_equal(parse_file("clerr.dat", &m, h, &d, &n), SIP_OK);
	assert_int_equal(sip_parse(&m, d, n, h, SIP_HDRS, SIP_PARSE_STREAM), SIP_INCOMPLETE);
	free(d);
}

static void whitespace_torture(void **state)
{
	(void)state;
	sip_hdr h[SIP_HDRS];
	sip_msg m;
	uint8_t *d;
	size_t n;
	assert_int_equal(parse_file("wsinv.dat", &m, h, &d, &n), SIP_OK);
	const sip_hdr *to = sip_find(&m, SIP_H_TO);
	assert_non_null(to);
	assert_true(sip_str_eq(to->name, "TO"));
	assert_int_equal(to->ws_before, 1);
	assert_true(to->layout & SIP_HL_FOLDED);
	sip_nameaddr na;
	assert_int_equal(sip_parse_nameaddr(to->value, &na), 0);
	assert_true(sip_str_eq(na.tag, "1918181833n"));
	const sip_hdr *from = sip_find(&m, SIP_H_FROM);
	assert_int_equal(sip_parse_nameaddr(from->value, &na), 0);
	assert_true(na.quoted);
	assert_true(sip_str_eq(na.display, "J Rosenberg \\\\\\\""));
	assert_true(sip_str_eq(na.tag, "98asjd8"));
	const sip_hdr *mf = sip_find(&m, SIP_H_MAX_FORWARDS);
	assert_true(mf->layout & SIP_HL_ODD_CASE);
	assert_int_equal(sip_number(mf->value), 68);
	sip_cseq cs;
	assert_int_equal(sip_parse_cseq(sip_find(&m, SIP_H_CSEQ)->value, &cs), 0);
	assert_int_equal(cs.num, 9);
	assert_int_equal(cs.digits, 4);
	assert_true(sip_str_eq(cs.method, "INVITE"));
	/* two Via headers: the long one folded, then a compact one */
	const sip_hdr *via = sip_find(&m, SIP_H_VIA);
	sip_via v;
	assert_int_equal(sip_parse_via(via->value, &v), 0);
	assert_true(sip_str_eq(v.transport, "UDP"));
	assert_true(sip_str_eq(v.host, "192.0.2.2"));
	assert_true(sip_str_eq(v.branch, "390skdjuw"));
	via = sip_next(&m, via);
	assert_non_null(via);
	assert_true(via->layout & SIP_HL_COMPACT);
	assert_int_equal(sip_parse_via(via->value, &v), 0);
	assert_true(sip_str_eq(v.transport, "TCP"));
	assert_true(sip_str_eq(v.branch, "z9hG4bK9ikj8"));
	assert_non_null(sip_find(&m, SIP_H_SUBJECT)); /* "s :" */
	assert_int_equal(m.content_length, 150);
	free(d);
}

static void odd_methods_and_names(void **state)
{
	(void)state;
	sip_hdr h[SIP_HDRS];
	sip_msg m;
	uint8_t *d;
	size_t n;
	assert_int_equal(parse_file("intmeth.dat", &m, h, &d, &n), SIP_OK);
	assert_int_equal(m.method, SIP_M_OTHER);
	assert_true(sip_str_eq(m.method_str, "!interesting-Method0123456789_*+`.%indeed'~"));
	free(d);
	assert_int_equal(parse_file("esc02.dat", &m, h, &d, &n), SIP_OK);
	assert_int_equal(m.method, SIP_M_OTHER);
	int contacts = 0;
	for (const sip_hdr *c = sip_find(&m, SIP_H_CONTACT); c; c = sip_next(&m, c))
		contacts++;
	assert_int_equal(contacts, 2);
	free(d);
	assert_int_equal(parse_file("noreason.dat", &m, h, &d, &n), SIP_OK);
	assert_int_equal(m.kind, SIP_RESPONSE);
	assert_int_equal(m.status, 100);
	assert_int_equal(m.reason.len, 0);
	assert_false(m.quirks & SIP_Q_NO_REASON_SP);
	free(d);
	assert_int_equal(parse_file("transports.dat", &m, h, &d, &n), SIP_OK);
	int vias = 0;
	for (const sip_hdr *v = sip_find(&m, SIP_H_VIA); v; v = sip_next(&m, v))
		vias++;
	assert_int_equal(vias, 5);
	free(d);
	assert_int_equal(parse_file("mpart01.dat", &m, h, &d, &n), SIP_OK);
	assert_non_null(memchr(m.body.p, 0, m.body.len));
	free(d);
}

#define MSG(s) (const uint8_t *)(s), sizeof(s) - 1

/* The separators fingerprints tell kits apart by. */
static void name_addr_layout(void **state)
{
	(void)state;
	sip_nameaddr na;
	assert_int_equal(sip_parse_nameaddr(sip_str_of(MSG("\"x\"<sip:100@1.1.1.1>;tag=ab")), &na),
			 0);
	assert_int_equal(na.ws_angle, 0);
	assert_int_equal(na.tag_sep, SIP_PSEP_SEMI);
	assert_true(sip_str_eq(na.display, "x"));
	assert_true(sip_str_eq(na.uri, "sip:100@1.1.1.1"));
	assert_int_equal(sip_parse_nameaddr(sip_str_of(MSG("\"x\" <sip:1@h>; tag=ab")), &na), 0);
	assert_int_equal(na.ws_angle, 1);
	assert_int_equal(na.tag_sep, SIP_PSEP_SEMI_WS);
	assert_true(sip_str_eq(na.tag, "ab"));
	assert_int_equal(sip_parse_nameaddr(sip_str_of(MSG("\"x\"<sip:1@h> tag=3435")), &na), 0);
	assert_int_equal(na.tag_sep, SIP_PSEP_WS);
	assert_true(sip_str_eq(na.tag, "3435"));
	assert_int_equal(sip_parse_nameaddr(sip_str_of(MSG("<sip:1@h> ;tag=z")), &na), 0);
	assert_int_equal(na.tag_sep, SIP_PSEP_WS_SEMI);
	assert_false(na.quoted);
	assert_int_equal(sip_parse_nameaddr(sip_str_of(MSG("<sip:1@h>tag=z")), &na), 0);
	assert_int_equal(na.tag_sep, SIP_PSEP_NOTHING);
	assert_int_equal(sip_parse_nameaddr(sip_str_of(MSG("sip:nm@nm;tag=root")), &na), 0);
	assert_false(na.angle);
	assert_true(sip_str_eq(na.uri, "sip:nm@nm"));
	assert_true(sip_str_eq(na.tag, "root"));
	assert_int_equal(sip_parse_nameaddr(sip_str_of(MSG("<sip:nm2@nm2>")), &na), 0);
	assert_int_equal(na.tag_sep, SIP_PSEP_NONE);
	assert_int_equal(sip_parse_nameaddr(sip_str_of(MSG("Alice <sip:a@b>;tag=1")), &na), 0);
	assert_true(sip_str_eq(na.display, "Alice"));
	assert_int_equal(na.ws_angle, 1);
	assert_int_equal(sip_parse_nameaddr(sip_str_of(MSG("\"open <sip:a@b>")), &na), -1);
	assert_true(na.bad_quote);
	/* the short check of the same */
	assert_true(sip_nameaddr_bad_quote(sip_str_of(MSG("\"open <sip:a@b>"))));
	assert_true(sip_nameaddr_bad_quote(sip_str_of(MSG(" \t\"esc\\\" <sip:a@b>"))));
	assert_false(sip_nameaddr_bad_quote(sip_str_of(MSG("\"sipvicious\"<sip:100@1.1.1.1>"))));
	assert_false(sip_nameaddr_bad_quote(sip_str_of(MSG("\"a\\\"b\" <sip:a@b>"))));
	assert_false(sip_nameaddr_bad_quote(sip_str_of(MSG("Alice \"x <sip:a@b>"))));
	assert_false(sip_nameaddr_bad_quote(sip_str_of(NULL, 0)));
}

static void uris(void **state)
{
	(void)state;
	sip_uri u;
	assert_int_equal(sip_parse_uri(sip_str_of(MSG("sip:100@192.0.2.1:5061;transport=udp")), &u),
			 0);
	assert_true(sip_str_eq(u.user, "100"));
	assert_int_equal(u.host_kind, SIP_HOST_V4);
	assert_int_equal(u.v4, 0xc0000201);
	assert_int_equal(u.port, 5061);
	assert_true(sip_str_eq(u.params, ";transport=udp"));
	assert_int_equal(sip_parse_uri(sip_str_of(MSG("sip:[2001:db8::1]:5060")), &u), 0);
	assert_int_equal(u.host_kind, SIP_HOST_V6);
	assert_true(sip_str_eq(u.host, "2001:db8::1"));
	assert_int_equal(sip_parse_uri(sip_str_of(MSG("sip:user:pw@host")), &u), 0);
	assert_true(sip_str_eq(u.password, "pw"));
	assert_int_equal(sip_parse_uri(sip_str_of(MSG("sip:nm")), &u), 0);
	assert_false(u.has_at);
	assert_int_equal(u.host_kind, SIP_HOST_NAME);
	assert_int_equal(
	    sip_parse_uri(sip_str_of(MSG("sip:user;par=u%40example.net@example.com")), &u), 0);
	assert_true(sip_str_eq(u.user, "user;par=u%40example.net"));
	assert_int_equal(sip_parse_uri(sip_str_of(MSG("nocolon")), &u), -1);
	uint32_t v4;
	assert_int_equal(sip_ipv4(sip_str_of(MSG("1.1.1.1")), &v4), 0);
	assert_int_equal(sip_ipv4(sip_str_of(MSG("1.1.1.256")), &v4), -1);
	assert_int_equal(sip_ipv4(sip_str_of(MSG("1.1.1")), &v4), -1);
}

static void via_and_auth(void **state)
{
	(void)state;
	sip_via v;
	assert_int_equal(
	    sip_parse_via(sip_str_of(MSG("SIP/2.0/UDP 127.0.0.1:5062;branch=z9hG4bK-1;rport")), &v),
	    0);
	assert_int_equal(v.port, 5062);
	assert_int_equal(v.host_kind, SIP_HOST_V4);
	assert_true(v.rport);
	assert_true(sip_str_eq(v.branch, "z9hG4bK-1"));
	assert_int_equal(sip_parse_via(sip_str_of(MSG("SIP/2.0/TCP nm;branch=foo")), &v), 0);
	assert_true(sip_str_eq(v.host, "nm"));
	assert_int_equal(v.port, 0);
	assert_false(v.rport);
	sip_auth a;
	assert_int_equal(
	    sip_parse_auth(sip_str_of(MSG("Digest username=\"100\",realm=\"asterisk\",nonce=\"n1\","
					  "uri=\"sip:10.0.0.1\",response=\"abc\",algorithm=MD5")),
			   &a),
	    0);
	assert_true(sip_str_eq(a.scheme, "Digest"));
	assert_true(sip_str_eq(a.username, "100"));
	assert_true(sip_str_eq(a.nonce, "n1"));
	assert_true(sip_str_eq(a.algorithm, "MD5"));
	sip_str val;
	assert_int_equal(sip_param(sip_str_of(MSG(";branch=x;rport;alias")), "alias", &val), 1);
	assert_int_equal(val.len, 0);
	assert_int_equal(sip_param(sip_str_of(MSG(";branch=x")), "rport", &val), 0);
}

/* Junk, line endings, NUL bytes, a small header array. */
static void framing_oddities(void **state)
{
	(void)state;
	sip_hdr h[4];
	sip_msg m;
	static const char junk[] = "DBREGISTER sip:1.1.1.1:5060 SIP/2.0\r\nExpires: 3600\r\n\r\n";
	assert_int_equal(sip_parse(&m, MSG(junk), h, 4, 0), SIP_OK);
	assert_int_equal(m.method, SIP_M_REGISTER);
	assert_int_equal(m.junk, 2);
	assert_true(m.quirks & SIP_Q_JUNK);
	assert_true(m.quirks & SIP_Q_MISSING);
	static const char lf[] = "\r\n\r\nOPTIONS sip:a@b SIP/2.0\nVia: SIP/2.0/UDP h\nCall-ID: 1\n"
				 "From: <sip:a@b>;tag=1\nTo: <sip:a@b>\nCSeq: 1 OPTIONS\nX: \0y\n"
				 "Content-Length: 0\n\n";
	assert_int_equal(sip_parse(&m, MSG(lf), h, 4, 0), SIP_OK);
	assert_true(m.quirks & SIP_Q_LEADING_EOL);
	assert_false(m.quirks & SIP_Q_JUNK);
	assert_true(m.quirks & SIP_Q_EOL_LF);
	assert_true(m.quirks & SIP_Q_NUL);
	assert_true(m.quirks & SIP_Q_HDR_OVERFLOW);
	assert_false(m.quirks & SIP_Q_MISSING); /* counted even beyond the array */
	assert_int_equal(m.nhdr, 4);
	assert_int_equal(m.nhdr_seen, 7);
	assert_int_equal(m.content_length, 0);
	assert_int_equal(m.msg_len, sizeof lf - 1);
	static const char http[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
	assert_int_equal(sip_parse(&m, MSG(http), h, 4, 0), SIP_NOT_SIP);
	static const char zeros[4] = {0, 0, 0, 0};
	assert_int_equal(sip_parse(&m, (const uint8_t *)zeros, 4, h, 4, 0), SIP_NOT_SIP);
	assert_int_equal(sip_parse(&m, NULL, 0, NULL, 0, 0), SIP_NOT_SIP);
	static const char part[] = "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n";
	assert_int_equal(sip_parse(&m, MSG(part), h, 4, SIP_PARSE_STREAM), SIP_INCOMPLETE);
	assert_int_equal(sip_parse(&m, MSG(part), h, 4, 0), SIP_OK);
	assert_true(m.quirks & SIP_Q_NO_END);
	/* two messages in one stream: the first is framed by Content-Length */
	static const char two[] =
	    "MESSAGE sip:a@b SIP/2.0\r\nl: 5\r\n\r\nhelloSIP/2.0 200 OK\r\n\r\n";
	assert_int_equal(sip_parse(&m, MSG(two), h, 4, SIP_PARSE_STREAM), SIP_OK);
	assert_int_equal(m.body.len, 5);
	assert_true(sip_str_eq(m.body, "hello"));
	assert_int_equal(sip_parse(&m, (const uint8_t *)two + m.msg_len, sizeof two - 1 - m.msg_len,
				   h, 4, SIP_PARSE_STREAM),
			 SIP_OK);
	assert_int_equal(m.status, 200);
}

static void layout_of_headers(void **state)
{
	(void)state;
	sip_hdr h[SIP_HDRS];
	sip_msg m;
	static const char s[] =
	    "OPTIONS sip:100@192.0.2.1 SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK-1047900479;rport\r\n"
	    "Content-Length:  0\r\n"
	    "From:\t\"sipvicious\"<sip:100@1.1.1.1> tag=3435\r\n"
	    "call-id: 965192181434457134540520 \r\n"
	    "\r\n";
	assert_int_equal(sip_parse(&m, MSG(s), h, SIP_HDRS, 0), SIP_OK);
	assert_int_equal(m.nhdr, 4);
	assert_int_equal(h[0].id, SIP_H_VIA);
	assert_int_equal(h[1].ws_after, 2);
	assert_true(h[2].layout & SIP_HL_TAB);
	assert_true(h[3].layout & SIP_HL_ODD_CASE);
	assert_true(h[3].layout & SIP_HL_TRAIL_WS);
	assert_true(sip_str_eq(h[3].value, "965192181434457134540520"));
	assert_int_equal(h[3].eol, SIP_EOL_CRLF);
	assert_int_equal(m.first[SIP_H_CALL_ID], 3);
	assert_int_equal(sip_hdr_lookup((const uint8_t *)"v", 1, NULL), SIP_H_VIA);
	/* every name and compact form, in any case, finds its id */
	for (unsigned id = 1; id < SIP_H_COUNT; id++) {
		const char *n = sip_hdr_canon(id);
		char up[64];
		size_t k = strlen(n);
		for (size_t i = 0; i <= k; i++)
			up[i] = (char)((n[i] >= 'a' && n[i] <= 'z') ? n[i] - 32 : n[i]);
		assert_int_equal(sip_hdr_lookup((const uint8_t *)n, k, NULL), id);
		assert_int_equal(sip_hdr_lookup((const uint8_t *)up, k, NULL), id);
		char c = sip_hdr_compact(id);
		int compact = 0;
		if (c) {
			assert_int_equal(sip_hdr_lookup((const uint8_t *)&c, 1, &compact), id);
			assert_true(compact);
		}
	}
	assert_int_equal(sip_hdr_lookup((const uint8_t *)"X-Foo", 5, NULL), SIP_H_OTHER);
	assert_int_equal(sip_hdr_lookup((const uint8_t *)"Via2", 4, NULL), SIP_H_OTHER);
	assert_string_equal(sip_hdr_canon(SIP_H_CALL_ID), "Call-ID");
	assert_int_equal(sip_hdr_compact(SIP_H_CONTACT), 'm');
	assert_true(sip_looks_like(MSG("OPTIONS sip:x SIP/2.0")));
	assert_true(sip_looks_like(MSG("SIP/2.0 200 OK")));
	assert_false(sip_looks_like(MSG("GET / HTTP/1.1")));
	assert_false(sip_looks_like(MSG("OPT")));
}

/* ---- layout replay ---------------------------------------------------------- */

static int same_view(sip_str a, const uint8_t *ab, sip_str b, const uint8_t *bb)
{
	if (a.len != b.len || (!a.p) != (!b.p))
		return 0;
	return !a.p || a.p - ab == b.p - bb;
}

/* m (read by sip_parse_like) is what sip_parse gave as r, field by field. */
static void assert_same_msg(const sip_msg *m, const sip_msg *r, const uint8_t *d)
{
	assert_int_equal(m->kind, r->kind);
	assert_int_equal(m->method, r->method);
	assert_int_equal(m->eol, r->eol);
	assert_int_equal(m->status, r->status);
	assert_true(same_view(m->start, d, r->start, d));
	assert_true(same_view(m->method_str, d, r->method_str, d));
	assert_true(same_view(m->uri, d, r->uri, d));
	assert_true(same_view(m->version, d, r->version, d));
	assert_true(same_view(m->reason, d, r->reason, d));
	assert_true(same_view(m->body, d, r->body, d));
	assert_int_equal(m->quirks, r->quirks);
	assert_int_equal(m->junk, r->junk);
	assert_int_equal(m->head_len, r->head_len);
	assert_int_equal(m->msg_len, r->msg_len);
	assert_int_equal(m->content_length, r->content_length);
	assert_int_equal(m->cap, r->cap);
	assert_int_equal(m->nhdr, r->nhdr);
	assert_int_equal(m->nhdr_seen, r->nhdr_seen);
	assert_int_equal(m->ids_seen, r->ids_seen);
	assert_memory_equal(m->first, r->first, sizeof m->first);
	for (unsigned i = 0; i < m->nhdr; i++) {
		const sip_hdr *a = &m->hdr[i], *b = &r->hdr[i];
		assert_true(same_view(a->name, d, b->name, d));
		assert_true(same_view(a->value, d, b->value, d));
		assert_int_equal(a->off, b->off);
		assert_int_equal(a->id, b->id);
		assert_int_equal(a->layout, b->layout);
		assert_int_equal(a->ws_before, b->ws_before);
		assert_int_equal(a->ws_after, b->ws_after);
		assert_int_equal(a->eol, b->eol);
	}
}

#define SVMAP                                                                                      \
	"OPTIONS sip:100@192.0.2.7 SIP/2.0\r\n"                                                    \
	"Via: SIP/2.0/UDP 192.168.0.10:5060;branch=z9hG4bK-1234;rport\r\n"                         \
	"Max-Forwards: 70\r\n"                                                                     \
	"To: \"sipvicious\"<sip:100@1.1.1.1>\r\n"                                                  \
	"From: \"sipvicious\"<sip:100@1.1.1.1>;tag=6330303030323037313364630131\r\n"               \
	"User-Agent: friendly-scanner\r\n"                                                         \
	"Call-ID: 12345\r\n"                                                                       \
	"Contact: sip:100@192.168.0.10:5060\r\n"                                                   \
	"CSeq: 1 OPTIONS\r\n"                                                                      \
	"Accept: application/sdp\r\n"                                                              \
	"Content-Length: 0\r\n\r\n"

/* Reads d both ways: when the layout replay takes it, it must be what
 * sip_parse gives. Returns 1 if the replay took it. */
static int replay_check(const sip_layout *l, const uint8_t *d, size_t n)
{
	sip_hdr h1[SIP_HDRS], h2[SIP_HDRS];
	sip_msg m1, m2;
	if (sip_parse_like(l, &m1, d, n, h1, SIP_HDRS) != SIP_OK)
		return 0;
	assert_int_equal(sip_parse(&m2, d, n, h2, SIP_HDRS, SIP_PARSE_NO_CHECKS), SIP_OK);
	assert_same_msg(&m1, &m2, d);
	return 1;
}

static void layout_replay(void **state)
{
	(void)state;
	static sip_layout l;
	sip_hdr h[SIP_HDRS];
	sip_msg m;
	const char *base = SVMAP;
	size_t bn = strlen(base);
	assert_int_equal(sip_parse(&m, (const uint8_t *)base, bn, h, SIP_HDRS, SIP_PARSE_NO_CHECKS),
			 SIP_OK);
	assert_int_equal(sip_layout_keep(&l, &m, (const uint8_t *)base, bn), 0);
	/* the same layout with other values is read without parsing */
	static const char *const same[] = {
	    SVMAP,
	    "OPTIONS sip:100@198.51.100.200 SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 10.0.0.1:5061;branch=z9hG4bK-99;rport\r\n"
	    "Max-Forwards: 7\r\n"
	    "To: \"a b\"<sip:1@1.1.1.1>\r\n"
	    "From: \"x\"<sip:100@1.1.1.1>;tag=31\r\n"
	    "User-Agent: a\tb\r\n"
	    "Call-ID: 1\r\n"
	    "Contact: sip:100@10.0.0.1:5061\r\n"
	    "CSeq: 1 OPTIONS\r\n"
	    "Accept: */*\r\n"
	    "Content-Length: 0\r\n\r\n",
	};
	for (size_t i = 0; i < sizeof same / sizeof same[0]; i++)
		assert_true(replay_check(&l, (const uint8_t *)same[i], strlen(same[i])));
	/* layouts the replay must leave to the parser */
	static const char *const other[] = {
	    "OPTIONS  sip:100@192.0.2.7 SIP/2.0\r\n",
	    "OPTIONS sip:100@192.0.2.7  SIP/2.0\r\n",
	    "OPTIONS sip: 100@192.0.2.7 SIP/2.0\r\n",
	    "OPTIONS <sip:100@192.0.2.7> SIP/2.0\r\n",
	    "OPTIONS 100 SIP/2.0\r\n",
	    "OPTIONS sip:100@192.0.2.7\tSIP/2.0\r\n",
	    "OPTIONS sip:100@192.0.2.7 SIP/2.0 \r\n",
	    "OPTIONS sip:100@192.0.2.7 SIP/2.0\n",
	    "Max-Forwards: 70 \r\n",
	    "Max-Forwards:  70\r\n",
	    "Max-Forwards: 7\n0\r\n",
	    "Max-Forwards: 7\r0\r\n",
	    "Call-ID: 12345\r\n 6\r\n",
	    "Call-ID: 12\00045\r\n", /* a NUL: \000 then "45" */
	    "Content-Length: 00\r\n",
	    "Content-Length: 1\r\n",
	    "User-Agent:\r\n",
	    "User-Agent: friendly-scanner\r\nX: y\r\n",
	};
	for (size_t i = 0; i < sizeof other / sizeof other[0]; i++) {
		/* put the line in place of the base's line that starts the same */
		char msg[2048];
		const char *o = other[i];
		size_t key = strcspn(o, " :");
		const char *at = strstr(base, "\r\n") + 2;
		if (!strncmp(o, "OPTIONS", 7))
			at = base;
		else
			while (strncmp(at, o, key))
				at = strstr(at, "\r\n") + 2;
		const char *end = strstr(at, "\r\n") + 2;
		size_t ol = strlen(o);
		if (!strcmp(o, "Call-ID: 12"))
			ol = 16; /* the line with a NUL: "Call-ID: 12\0" "45\r\n" */
		size_t n = (size_t)(at - base);
		memcpy(msg, base, n);
		memcpy(msg + n, o, ol);
		strcpy(msg + n + ol, end);
		size_t len = n + ol + strlen(end);
		assert_false(replay_check(&l, (const uint8_t *)msg, len));
	}
	/* a body, trailing bytes, a cut: parsed */
	char more[2048];
	snprintf(more, sizeof more, "%sx", base);
	assert_false(replay_check(&l, (const uint8_t *)more, bn + 1));
	assert_false(replay_check(&l, (const uint8_t *)base, bn - 1));
	assert_false(replay_check(&l, (const uint8_t *)base, bn - 2));
	/* and any mutation: taken only when it reads as the parser reads it */
	uint64_t r = 88172645463325252ULL;
	static const char bytes[] = " \t\r\n\0;:<>\"@=,.-0aZ[]";
	int taken = 0;
	for (int k = 0; k < 20000; k++) {
		uint8_t msg[1100];
		memcpy(msg, base, bn);
		size_t len = bn;
		for (int e = 0; e < 1 + k % 3; e++) {
			r ^= r << 13, r ^= r >> 7, r ^= r << 17;
			size_t at = (size_t)(r >> 20) % len;
			uint8_t b = (uint8_t)bytes[(r >> 8) % (sizeof bytes - 1)];
			if (r & 1) {
				msg[at] = b;
			} else if (len < sizeof msg) {
				memmove(msg + at + 1, msg + at, len - at);
				msg[at] = b;
				len++;
			}
		}
		taken += replay_check(&l, msg, len);
	}
	assert_true(taken > 1000); /* values changed in place still replay */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(layout_replay),
	    cmocka_unit_test(all_torture_messages),
	    cmocka_unit_test(invalid_messages_are_noted),
	    cmocka_unit_test(negative_length_is_never_a_size),
	    cmocka_unit_test(whitespace_torture),
	    cmocka_unit_test(odd_methods_and_names),
	    cmocka_unit_test(name_addr_layout),
	    cmocka_unit_test(uris),
	    cmocka_unit_test(via_and_auth),
	    cmocka_unit_test(framing_oddities),
	    cmocka_unit_test(layout_of_headers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
