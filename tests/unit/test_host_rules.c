/* The raw-tool rule file: the shipped file loads, mistakes are reported
 * with file and line, and marks decide packets as documented. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fingerprint/host_rules.h"
#include "host_testlib.h"

static void shipped_file_loads(void **state)
{
	(void)state;
	char err[512];
	hr_set *s = hr_load(SP_SIGNATURES "/raw-tools.rules", err, sizeof err);
	if (!s)
		fail_msg("%s", err);
	const char *tools[] = {"zmap", "masscan", "mirai", "nmap", "unicornscan", "conficker"};
	for (size_t t = 0; t < sizeof tools / sizeof tools[0]; t++) {
		int found = 0;
		for (int i = 0; i < s->nrules; i++)
			found |= !strcmp(s->rule[i].tool, tools[t]);
		assert_true(found);
	}
	const hr_rule *m = hr_find(s, "masscan");
	assert_non_null(m);
	assert_int_equal(m->nversions, 2);
	assert_string_equal(m->version[0].label, "<=1.3.2");
	assert_true(m->hash != 0);
	hr_free(s);
}

static void parse_error(const char *text, const char *want)
{
	char err[512];
	hr_set *s = hr_parse(text, strlen(text), "r.rules", err, sizeof err);
	if (s)
		fail_msg("parsed, expected: %s", want);
	assert_string_equal(err, want);
}

static void errors_name_file_and_line(void **state)
{
	(void)state;
	parse_error("[a]\ntool = x\nrequire = ipid=1\nwhat = 1\n", "r.rules:4: unknown key 'what'");
	parse_error("tool = x\n", "r.rules:1: 'tool' outside a rule (start one with [name])");
	parse_error("[a]\ntool = x\n\nrequire = ipid=99999\n",
		    "r.rules:4: bad mark 'ipid=99999' (see docs/signatures-raw.md)");
	parse_error("[a]\ntool = x\napplies = udp\nrequire = ipid=1\nexpect = win=1024\n",
		    "r.rules:5: rule [a]: a TCP mark needs applies = tcp-syn");
	parse_error("# c\n[a]\nrequire = ipid=1\n", "r.rules:2: rule [a] has no tool");
	parse_error("[a]\ntool = x\nexpect = sport=fixed\n",
		    "r.rules:1: rule [a] requires no packet or series mark");
	parse_error("[a]\ntool = x\nrequire = ipid=1\n[a]\n", "r.rules:4: rule [a] defined twice");
	parse_error("[a]\ntool = x\nrequire = ipid=1\napplies = udp\n",
		    "r.rules:4: applies must come before the marks");
	parse_error("[a]\ntool = x\nrequire = ittl=100\n",
		    "r.rules:3: bad mark 'ittl=100' (see docs/signatures-raw.md)");
	parse_error("[a]\ntool = x\nrequire = seq=same\nexpect = win=1024\n",
		    "r.rules:4: rule [a]: a packet mark in expect/support/version needs a packet "
		    "mark in require (given first)");
	parse_error("[a]\ntool = X\n",
		    "r.rules:2: tool: 'X' has characters other than a-z 0-9 . _ - +");
	parse_error("[a]\ntool = x\nrequire = ipid=1\nconfidence = 2\n",
		    "r.rules:4: confidence: '2' is not a number from 0 to 1");
	parse_error("[a]\ntool = x\nrequire = opts=mss,eol+1,nop\n",
		    "r.rules:3: bad mark 'opts=mss,eol+1,nop' (see docs/signatures-raw.md)");
	parse_error("# nothing\n", "r.rules:1: no rules");
	parse_error(
	    "[a]\ntool = x\nrequire = seq!=dst seq=same\n",
	    "r.rules:1: rule [a]: its packet marks in require are all negated ('!='): give one "
	    "that must hold");
}

static int holds(const char *mark, const pkt_spec *s)
{
	char text[256], err[256];
	/* a mark that always holds first: a rule needs one that is not negated */
	snprintf(text, sizeof text, "[t]\ntool = t\nrequire = df=0,1 %s\n", mark);
	hr_set *rs = hr_parse(text, strlen(text), "t", err, sizeof err);
	if (!rs)
		fail_msg("%s", err);
	uint8_t frame[256];
	pkt_view v;
	tl_view(s, frame, &v);
	int r = hr_mark_holds(&rs->mark[1], &v);
	hr_free(rs);
	return r;
}

static void marks_decide_packets(void **state)
{
	(void)state;
	static const uint8_t bsd[] = {2, 4, 5, 0xb4, 1, 3, 3, 6, 1, 1, 8, 10,
				      0, 0, 0, 0,    0, 0, 0, 0, 4, 2, 0, 0};
	uint8_t o[24];
	memcpy(o, bsd, sizeof o);
	pkt_spec s;
	memset(&s, 0, sizeof s);
	s.src = 0xcb007105u;
	s.dst = 0xc6336411u;
	s.dport = 8080;
	s.seq = 0x12345678u;
	s.ipid = (uint16_t)(s.dst ^ s.dport ^ s.seq);
	s.ttl = 240;
	s.win = 65535;
	s.ts_ns = 1700000000123456789LL;
	tl_be32(o + 12, 1700000000u + 5);
	s.opts = o;
	s.optlen = sizeof o;
	assert_true(holds("ipid=dst^dport^seq", &s));
	assert_false(holds("seq=dst", &s));
	assert_true(holds("seq!=dst", &s));
	assert_true(holds("ittl=255", &s));
	assert_true(holds("ttl=200-250", &s));
	assert_false(holds("ttl=37-59", &s));
	assert_true(holds("win=1024,65535", &s));
	assert_true(holds("ws=6", &s));
	assert_true(holds("mss=1460", &s));
	assert_true(holds("opts=mss,nop,ws,nop,nop,ts,sok,eol+1", &s));
	assert_false(holds("opts=mss,nop,ws,nop,nop,ts,sok", &s));
	assert_false(holds("opts=none", &s));
	assert_true(holds("tsval=clock", &s));
	assert_true(holds("df=0", &s));
	assert_true(holds("dport=8000-8100", &s));
	s.seq = s.dst;
	assert_true(holds("seq=dst", &s));
	assert_false(holds("seq!=dst", &s));
	tl_be32(o + 12, 123456); /* a Linux-like millisecond counter */
	assert_false(holds("tsval=clock", &s));
	s.opts = NULL;
	s.optlen = 0;
	assert_true(holds("opts=none", &s));
	assert_false(holds("mss=1460", &s));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(shipped_file_loads),
	    cmocka_unit_test(errors_name_file_and_line),
	    cmocka_unit_test(marks_decide_packets),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
