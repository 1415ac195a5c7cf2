/* SIP templates: the signature file loads, its errors name file and line,
 * every captured tool request is attributed to its tool, component and
 * version, modified kits come out with their exact changes, the seeds'
 * payloads reach the seeds' verdicts, benign requests match nothing, and
 * shapes are shared by requests of one layout only. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fingerprint/sip_match.h"

#define MSGS SP_TESTDATA "/sip-messages/"

static sip_sigs *sigs;

static int load(void **state)
{
	(void)state;
	char err[600];
	sigs = sip_sigs_load(SP_SIGNATURES "/sip.sig", err, sizeof err);
	if (!sigs)
		fail_msg("%s", err);
	return 0;
}

static int unload(void **state)
{
	(void)state;
	sip_sigs_free(sigs);
	return 0;
}

static size_t slurp(const char *name, uint8_t *buf, size_t cap)
{
	char path[512];
	snprintf(path, sizeof path, "%s%s", MSGS, name);
	FILE *f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s", path);
	size_t n = fread(buf, 1, cap, f);
	fclose(f);
	return n;
}

typedef struct result {
	sip_hdr h[SIP_HDRS];
	sip_msg m;
	sip_eval e;
	sip_attr a;
	uint8_t data[4096];
} result;

static result *attribute_bytes(const uint8_t *d, size_t n)
{
	static result r;
	memcpy(r.data, d, n);
	assert_int_equal(sip_parse(&r.m, r.data, n, r.h, SIP_HDRS, 0), SIP_OK);
	sip_eval_best(sigs, &r.m, &r.e);
	sip_attr_from_eval(sigs, &r.m, &r.e, &r.a);
	return &r;
}

static result *attribute(const char *file)
{
	uint8_t d[4096];
	size_t n = slurp(file, d, sizeof d);
	return attribute_bytes(d, n);
}

static const char *tmpl_of(const result *r)
{
	return r->e.tmpl >= 0 ? sigs->t[r->e.tmpl]->name : "(none)";
}

static size_t replace(uint8_t *d, size_t n, const char *from, const char *to);

static const sip_change *change(const result *r, const char *field)
{
	for (int i = 0; i < r->a.nchange; i++)
		if (!strcmp(r->a.change[i].field, field))
			return &r->a.change[i];
	return NULL;
}

static void expect(const char *file, const char *tmpl, const char *version, int nchange)
{
	result *r = attribute(file);
	if (strcmp(tmpl_of(r), tmpl))
		fail_msg("%s: template %s, expected %s (score %.3f)", file, tmpl_of(r), tmpl,
			 r->e.score);
	assert_string_equal(r->a.version, version);
	if (r->a.nchange != nchange)
		fail_msg("%s: %d changes, expected %d (first: %s)", file, r->a.nchange, nchange,
			 r->a.nchange ? r->a.change[0].field : "-");
	assert_true(r->a.confidence >= 0.9f);
}

/* ---- loading --------------------------------------------------------------- */

static void file_loads(void **state)
{
	(void)state;
	assert_true(sigs->ntemplate >= 15);
	assert_true(sigs->nkit >= 4);
	assert_true(sigs->nagent >= 10);
	int t = sip_sigs_find(sigs, "sipvicious/svmap/0.2.x");
	assert_true(t >= 0);
	assert_int_equal(sigs->t[t]->nhdr, 10);
	assert_int_equal(sigs->t[t]->leak, LEAK_SVMAP);
	assert_int_equal(sigs->t[t]->localport, 5060);
	int sl = sig_slot_find(sigs->t[t], "User-Agent");
	assert_true(sl >= 0);
	assert_string_equal(sigs->t[t]->slot[sl].stock, "friendly-scanner");
	/* "like": the derived template shares the order, replaces headers */
	int w = sip_sigs_find(sigs, "sipvicious/svwar/0.2.x");
	assert_int_equal(sigs->t[w]->nhdr, 10);
	assert_string_equal(sigs->t[w]->hdr[2].name, "From");
	assert_string_equal(sigs->t[w]->component, "svwar");
}

static void expect_error(const char *text, const char *want)
{
	char err[600];
	sip_sigs *s = sip_sigs_parse("test.sig", text, strlen(text), err, sizeof err);
	assert_null(s);
	if (!strstr(err, want))
		fail_msg("error \"%s\" lacks \"%s\"", err, want);
}

static void errors_name_file_and_line(void **state)
{
	(void)state;
	static const char head[] = "template a\ntool t\nrequest OPTIONS sip:{h:host} SIP/2.0\n";
	char text[512];
	expect_error("bogus line\n", "test.sig:1: unknown line 'bogus'");
	snprintf(text, sizeof text, "%sheader Via: {x:nosuch}\nend\n", head);
	expect_error(text, "test.sig:4: unknown slot class 'nosuch'");
	snprintf(text, sizeof text, "%sheader Via: {x\nend\n", head);
	expect_error(text, "test.sig:4: '{' without '}'");
	snprintf(text, sizeof text, "%sheader Via: x\n", head);
	expect_error(text, "template a is not closed");
	snprintf(text, sizeof text, "%send\n", head);
	expect_error(text, "test.sig:4: template a has no header");
	snprintf(text, sizeof text, "%sheader Via: {a=1} {a=2}\nend\n", head);
	expect_error(text, "test.sig:4: slot {a} has two stock values");
	snprintf(text, sizeof text, "%sheader Via: x\nend\nkit k\nbase a\nmark nope v\nend\n",
		 head);
	expect_error(text, "test.sig:8: template a has no slot {nope}");
	snprintf(text, sizeof text, "%smethods FROB\n", head);
	expect_error(text, "test.sig:4: unknown method 'FROB'");
	snprintf(text, sizeof text, "%sthreshold 7\n", head);
	expect_error(text, "test.sig:4: expected a number from 0 to 1");
	snprintf(text, sizeof text, "%sthreshold nan\n", head);
	expect_error(text, "test.sig:4: expected a number from 0 to 1");
	snprintf(text, sizeof text, "%slocalport 5060x\n", head);
	expect_error(text, "test.sig:4: bad port '5060x'");
	expect_error("template b\nlike zz\n", "test.sig:2: like zz: no such template above");
	expect_error("# nothing\n", "no templates");
	char err[600];
	assert_null(sip_sigs_load("/nonexistent/sip.sig", err, sizeof err));
	assert_non_null(strstr(err, "/nonexistent/sip.sig"));
}

/* ---- real tools ---------------------------------------------------------------- */

static void real_tools(void **state)
{
	(void)state;
	expect("svmap-0.3.3-options.sip", "sipvicious/svmap/0.3.x", "0.3.x", 0);
	expect("svmap-0.3.3-invite.sip", "sipvicious/svmap/0.3.x", "0.3.x", 0);
	expect("svwar-0.3.3-register.sip", "sipvicious/svwar/0.3.x", "0.3.x", 0);
	expect("svcrack-0.3.3-register.sip", "sipvicious/svcrack/0.3.x", "0.3.x", 0);
	expect("svcrack-0.3.3-register-auth.sip", "sipvicious/svcrack/0.3.x", "0.3.x", 0);
	expect("sipsak-0.9.8.1-options-udp.sip", "sipsak/options", "0.9.8.1", 0);
	expect("sipsak-0.9.8.1-options-tcp.sip", "sipsak/options", "0.9.8.1", 0);
	expect("nmap-7.93-sip-methods.sip", "nmap/nse", "", 0);
	expect("nmap-7.93-service-probe.sip", "nmap/service-probe", "", 0);
	expect("masscan-1.3.2.sip", "masscan/udp-5060/1.3.2", "1.3.2", 0);
	expect("zmap-2.1.1.sip", "zmap/sip_options", "", 0);
	expect("metasploit-options.sip", "metasploit/options", "", 0);
	expect("sippts-sipscan.sip", "sippts/sipscan/4.x", "4.x", 0);
}

static void tags_leak(void **state)
{
	(void)state;
	result *r = attribute("svmap-0.3.3-options.sip");
	sv_tag d;
	assert_int_equal(
	    sv_tag_decode(sip_eval_slot(&r->e, sig_slot_find(sigs->t[r->e.tmpl], "tag")), &d), 0);
	assert_true(d.target_ok);
	assert_int_equal(d.ip, 0x0ac90002); /* 10.201.0.2, the svmap target */
	assert_int_equal(d.port, 5060);
	r = attribute("svwar-0.3.3-register.sip");
	sv_tag_decode(sip_eval_slot(&r->e, sig_slot_find(sigs->t[r->e.tmpl], "tag")), &d);
	assert_string_equal(d.text, "101");
	assert_false(d.target_ok);
	r = attribute("svcrack-0.3.3-register-auth.sip");
	sv_tag_decode(sip_eval_slot(&r->e, sig_slot_find(sigs->t[r->e.tmpl], "tag")), &d);
	assert_string_equal(d.text, "100:100");
	/* the first REGISTER's constant tag is no SIPVicious tag */
	r = attribute("svcrack-0.3.3-register.sip");
	assert_int_equal(
	    sv_tag_decode(sip_eval_slot(&r->e, sig_slot_find(sigs->t[r->e.tmpl], "tag")), &d), -1);
	assert_int_equal(sv_tag_decode(sip_str_of("3031", 4), &d), -1);	 /* no 0x01 */
	assert_int_equal(sv_tag_decode(sip_str_of("30310", 5), &d), -1); /* odd */
	assert_int_equal(sv_tag_decode(sip_str_of("3031016162", 10), &d),
			 -1); /* random not digits */
}

/* ---- the seeds ---------------------------------------------------------------- */

static void seed_payload_1_is_stock_svmap(void **state)
{
	(void)state;
	result *r = attribute("seed003-payload1.sip");
	assert_string_equal(tmpl_of(r), "sipvicious/svmap/0.2.x");
	assert_int_equal(r->a.nchange, 0); /* stock: friendly-scanner, "sipvicious", 1.1.1.1 */
	assert_int_equal(r->a.kit, -1);
	/* the missing ';' before tag= is layout, not a change of the kit */
	assert_int_equal(r->a.ndev, 1);
	assert_non_null(strstr(r->a.dev[0], "> tag="));
	sv_tag d;
	sv_tag_decode(sip_eval_slot(&r->e, sig_slot_find(sigs->t[r->e.tmpl], "tag")), &d);
	assert_true(d.target_ok);
	assert_int_equal(d.ip, (69u << 24) | (17u << 16) | (22u << 8) | 74u); /* not 192.0.2.1 */
	assert_int_equal(d.port, 5060);
	sip_str local = sip_eval_slot(&r->e, sig_slot_find(sigs->t[r->e.tmpl], "local"));
	assert_true(sip_str_eq(local, "127.0.0.1"));
}

static void seed_payload_2_is_sundayddr(void **state)
{
	(void)state;
	result *r = attribute("seed003-payload2.sip");
	assert_string_equal(tmpl_of(r), "sipvicious/svmap/0.2.x");
	assert_true(r->a.kit >= 0);
	assert_string_equal(sigs->kit[r->a.kit].name, "sundayddr");
	const sip_change *c = change(r, "User-Agent");
	assert_non_null(c);
	assert_string_equal(c->expected, "friendly-scanner");
	assert_string_equal(c->seen, "sundayddr");
	assert_string_equal(change(r, "From.display")->seen, "sipsscuser");
	assert_string_equal(change(r, "To.display")->seen, "sipscc");
	assert_string_equal(change(r, "From.host")->seen, "192.168.1.9");
	assert_string_equal(change(r, "To.host")->seen, "192.168.1.9");
	/* decimal digits (47 here): the kit writes its own tags */
	assert_string_equal(change(r, "From.tag")->seen, "decimal digits, not decodable");
	assert_int_equal(r->a.nchange, 6);
}

static void seed_000_is_sundayddr_with_its_cookie(void **state)
{
	(void)state;
	result *r = attribute("seed000-sundayddr.sip");
	assert_string_equal(sigs->kit[r->a.kit].name, "sundayddr");
	assert_int_equal(r->a.kit_marks, 5);
	assert_string_equal(change(r, "Via.branch-cookie")->seen, "zqwehwebK");
	assert_null(change(r, "From.tag")); /* its tag decodes */
	assert_non_null(strstr(r->a.dev[0], "; tag="));
}

/* The "Asterisk PBX" kit: svwar 0.2.x with its User-Agent, no magic
 * cookie and no From tag (ET 2012296, domain.md 2). */
static void asterisk_pbx_kit(void **state)
{
	(void)state;
	static const char msg[] =
	    "REGISTER sip:192.0.2.1 SIP/2.0\r\n"
	    "Via: SIP/2.0/UDP 10.0.0.5:5060;branch=1234567890;rport\r\n"
	    "Content-Length: 0\r\nFrom: \"100\"<sip:100@192.0.2.1>\r\n"
	    "Accept: application/sdp\r\nUser-Agent: Asterisk PBX\r\n"
	    "To: \"100\"<sip:100@192.0.2.1>\r\nContact: sip:100@192.0.2.1\r\n"
	    "CSeq: 1 REGISTER\r\nCall-ID: 1234567890\r\nMax-Forwards: 70\r\n\r\n";
	result *r = attribute_bytes((const uint8_t *)msg, sizeof msg - 1);
	assert_string_equal(tmpl_of(r), "sipvicious/svwar/0.2.x");
	assert_string_equal(sigs->kit[r->a.kit].name, "asterisk-pbx");
	assert_string_equal(change(r, "User-Agent")->seen, "Asterisk PBX");
	/* the branch without its cookie and the From without its tag */
	assert_int_equal(change(r, "Via")->kind, CH_HEADER);
	assert_string_equal(change(r, "Via")->seen, "SIP/2.0/UDP <ip>:<n>;branch=<n>;rport");
	assert_string_equal(change(r, "From")->seen, "\"100\"<sip:100@<ip>>");
}

static void ccxllrlflgig_kit(void **state)
{
	(void)state;
	uint8_t d[4096];
	size_t n = slurp("seed003-payload1.sip", d, sizeof d - 64);
	n = replace(d, n, "From: \"sipvicious\"", "From: \"ccxllrlflgig\"");
	result *r = attribute_bytes(d, n);
	assert_string_equal(sigs->kit[r->a.kit].name, "ccxllrlflgig");
	assert_string_equal(change(r, "From.display")->seen, "ccxllrlflgig");
}

/* ---- modified and unknown ------------------------------------------------------ */

static size_t replace(uint8_t *d, size_t n, const char *from, const char *to)
{
	uint8_t *p = memmem(d, n, from, strlen(from));
	assert_non_null(p);
	size_t fl = strlen(from), tl = strlen(to), off = (size_t)(p - d);
	memmove(p + tl, p + fl, n - off - fl);
	memcpy(p, to, tl);
	return n - fl + tl;
}

/* A kit nobody has seen: svmap with other strings is still svmap. */
static void new_kit_keeps_the_shape(void **state)
{
	(void)state;
	uint8_t d[4096];
	size_t n = slurp("svmap-0.3.3-options.sip", d, sizeof d - 64);
	n = replace(d, n, "friendly-scanner", "VoIPcheck/2.1");
	n = replace(d, n, "From: \"sipvicious\"", "From: \"admin\"");
	n = replace(d, n, "Max-Forwards: 70", "Max-Forwards: 69");
	result *r = attribute_bytes(d, n);
	assert_string_equal(tmpl_of(r), "sipvicious/svmap/0.3.x");
	assert_int_equal(r->a.kit, -1);
	assert_int_equal(r->a.nchange, 3);
	assert_string_equal(change(r, "User-Agent")->seen, "VoIPcheck/2.1");
	assert_string_equal(change(r, "From.display")->expected, "sipvicious");
	assert_string_equal(change(r, "From.display")->seen, "admin");
	assert_string_equal(change(r, "Max-Forwards")->seen, "69");
	/* a header removed and one added are changes too */
	n = replace(d, n, "Accept: application/sdp\r\n", "X-Scan: yes\r\n");
	r = attribute_bytes(d, n);
	assert_string_equal(tmpl_of(r), "sipvicious/svmap/0.3.x");
	assert_non_null(change(r, "Accept"));
	assert_string_equal(change(r, "Accept")->seen, "(absent)");
	assert_string_equal(change(r, "X-Scan")->seen, "yes");
}

/* svmap 0.3.x with the 0.2.x header order is 0.2.x. */
static void order_gives_the_version(void **state)
{
	(void)state;
	result *r = attribute("seed003-payload1.sip");
	assert_string_equal(r->a.version, "0.2.x");
	r = attribute("svmap-0.3.3-options.sip");
	assert_string_equal(r->a.version, "0.3.x");
}

static void benign_requests_match_nothing(void **state)
{
	(void)state;
	static const char *const files[] = {"benign-nero-register.sip", "benign-xlite-register.sip",
					    "benign-zoiper-register.sip"};
	for (size_t i = 0; i < 3; i++) {
		result *r = attribute(files[i]);
		if (r->e.tmpl >= 0)
			fail_msg("%s matched %s", files[i], tmpl_of(r));
		assert_true(r->e.score < 0.7f);
		assert_int_equal(sip_agent_find(sigs, &r->m), -1);
	}
}

static void agents_name_reworked_tools(void **state)
{
	(void)state;
	static const char msg[] = "REGISTER sip:192.0.2.1 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1\r\n"
				  "User-Agent: sipcli/v1.8\r\nTo: <sip:1@192.0.2.1>\r\n\r\n";
	result *r = attribute_bytes((const uint8_t *)msg, sizeof msg - 1);
	assert_int_equal(r->e.tmpl, -1);
	int a = sip_agent_find(sigs, &r->m);
	assert_true(a >= 0);
	assert_string_equal(sigs->agent[a].tool, "sipcli");
}

/* ---- shapes ------------------------------------------------------------------ */

static uint64_t shape_of(const uint8_t *d, size_t n, char *out, size_t outlen)
{
	sip_hdr h[SIP_HDRS];
	sip_msg m;
	assert_int_equal(sip_parse(&m, d, n, h, SIP_HDRS, 0), SIP_OK);
	return sip_shape(&m, out, outlen);
}

static void shapes(void **state)
{
	(void)state;
	uint8_t a[4096], b[4096];
	size_t na = slurp("svwar-0.3.3-register.sip", a, sizeof a - 64);
	memcpy(b, a, na);
	/* another extension, tag, branch, Call-ID and port: same shape */
	size_t nb = replace(b, na, "101", "4711");
	nb = replace(b, nb, "101", "4711");
	nb = replace(b, nb, "101", "4711");
	nb = replace(b, nb, "127.0.0.1:5060", "10.9.8.7:5063");
	char sa[600], sb[600];
	uint64_t ha = shape_of(a, na, sa, sizeof sa), hb = shape_of(b, nb, sb, sizeof sb);
	if (ha != hb)
		fail_msg("shapes differ:\n%s\n%s", sa, sb);
	/* another layout: another shape */
	nb = replace(b, nb, "\"4711\"<sip", "\"4711\" <sip");
	assert_true(shape_of(b, nb, sb, sizeof sb) != ha);
	/* another User-Agent does not change the shape */
	memcpy(b, a, na);
	nb = replace(b, na, "friendly-scanner", "x");
	assert_true(shape_of(b, nb, NULL, 0) == ha);
	assert_non_null(strstr(sa, "|From: \"q\"<sip:u@h>;tag=t"));
}

static void normalisation(void **state)
{
	(void)state;
	static const struct {
		const char *in, *out;
	} cases[] = {
	    {"\"x\" <sip:a@b>; tag=1", "\"x\"<sip:a@b>;tag=1"},
	    {"\"x\"<sip:a@b> tag=1", "\"x\"<sip:a@b>;tag=1"},
	    {"<sip:a@b>tag=1", "<sip:a@b>;tag=1"},
	    {"sip:a@b tag=1", "sip:a@b;tag=1"},
	    {"SIP/2.0/UDP  h:5060 ; branch = z", "SIP/2.0/UDP h:5060;branch=z"},
	    {"\"a ; b\" <sip:x>", "\"a ; b\"<sip:x>"},
	    {"1 OPTIONS", "1 OPTIONS"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		uint8_t out[128];
		int inq = 0;
		size_t n = sig_norm((const uint8_t *)cases[i].in, strlen(cases[i].in), out,
				    sizeof out, &inq);
		out[n] = 0;
		assert_string_equal((char *)out, cases[i].out);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(file_loads),
	    cmocka_unit_test(errors_name_file_and_line),
	    cmocka_unit_test(real_tools),
	    cmocka_unit_test(tags_leak),
	    cmocka_unit_test(seed_payload_1_is_stock_svmap),
	    cmocka_unit_test(seed_payload_2_is_sundayddr),
	    cmocka_unit_test(seed_000_is_sundayddr_with_its_cookie),
	    cmocka_unit_test(asterisk_pbx_kit),
	    cmocka_unit_test(ccxllrlflgig_kit),
	    cmocka_unit_test(new_kit_keeps_the_shape),
	    cmocka_unit_test(order_gives_the_version),
	    cmocka_unit_test(benign_requests_match_nothing),
	    cmocka_unit_test(agents_name_reworked_tools),
	    cmocka_unit_test(shapes),
	    cmocka_unit_test(normalisation),
	};
	return cmocka_run_group_tests(tests, load, unload);
}
