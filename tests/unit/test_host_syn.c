/* SYN fingerprints: JA4T as FoxIO defines it, and p0f v3 signatures read
 * from Debian's /etc/p0f/p0f.fp as it is. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fingerprint/host_p0f.h"
#include "host_testlib.h"

#define DEBIAN_FP "/etc/p0f/p0f.fp"

static const uint8_t O_MAC[] = {2, 4, 5, 0xb4, 1, 3, 3, 6, 1, 1, 8, 10,
				0, 0, 0, 1,    0, 0, 0, 0, 4, 2, 0, 0};
static const uint8_t O_WIN10[] = {2, 4, 5, 0xb4, 1, 3, 3, 8, 1, 1, 4, 2};
static const uint8_t O_LINUX7[] = {2, 4, 5, 0xb4, 4, 2, 8, 10, 0, 1, 2, 3, 0, 0, 0, 0, 1, 3, 3, 7};
static const uint8_t O_MSS[] = {2, 4, 5, 0xb4};

static void syn_of(syn_sig *sig, uint16_t win, const uint8_t *o, size_t n, uint8_t ttl, int df,
		   uint16_t ipid)
{
	pkt_spec s;
	memset(&s, 0, sizeof s);
	s.src = 0xcb007105u;
	s.dst = 0xc6336401u;
	s.sport = 40000;
	s.dport = 80;
	s.seq = 12345;
	s.win = win;
	s.opts = o;
	s.optlen = n;
	s.ttl = ttl;
	s.df = (uint8_t)df;
	s.ipid = ipid;
	uint8_t frame[256];
	pkt_view v;
	tl_view(&s, frame, &v);
	syn_sig_from_view(sig, &v);
}

static void ja4t_of(uint16_t win, const uint8_t *o, size_t n, const char *want)
{
	syn_sig s;
	char got[SYN_JA4T_MAX];
	syn_of(&s, win, o, n, 64, 1, 1);
	syn_sig_ja4t(&s, got, sizeof got);
	assert_string_equal(got, want);
}

/* FoxIO's own examples (technical_details/JA4T.md). */
static void ja4t_examples(void **state)
{
	(void)state;
	ja4t_of(65535, O_MAC, sizeof O_MAC, "65535_2-1-3-1-1-8-4-0-0_1460_6");
	ja4t_of(64240, O_WIN10, sizeof O_WIN10, "64240_2-1-3-1-1-4_1460_8");
	ja4t_of(1024, O_MSS, sizeof O_MSS, "1024_2_1460_00");
	ja4t_of(65535, NULL, 0, "65535_00_00_00");
	ja4t_of(65535, O_LINUX7, sizeof O_LINUX7, "65535_2-4-8-1-3_1460_7");
}

static void syn_sig_still_64_bytes(void **state)
{
	(void)state;
	assert_int_equal(sizeof(syn_sig), 64);
}

static p0f_db *debian(void)
{
	char err[512];
	p0f_db *db = p0f_load(DEBIAN_FP, err, sizeof err);
	if (!db)
		fail_msg("Debian's p0f.fp must be readable (apt-get install p0f): %s", err);
	return db;
}

static void reads_debian_file(void **state)
{
	(void)state;
	p0f_db *db = debian();
	int req = 0, resp = 0;
	for (int i = 0; i < db->nsigs; i++)
		db->sigs[i].request ? req++ : resp++;
	/* Debian's file (p0f 3.09b): every signature of it is read */
	assert_int_equal(req, 91);
	assert_int_equal(resp, 101);
	assert_int_equal(db->nmtu, 25);
	p0f_free(db);
}

static void label_of(const p0f_db *db, const syn_sig *s, const char *want, const char *how)
{
	p0f_match m;
	char l[160];
	assert_int_equal(p0f_match_syn(db, s, &m), 1);
	p0f_label_str(m.label, l, sizeof l);
	assert_string_equal(l, want);
	assert_string_equal(m.fuzzy ? "fuzzy" : m.generic ? "generic" : "exact", how);
}

static void matches_known_stacks(void **state)
{
	(void)state;
	p0f_db *db = debian();
	syn_sig s;
	syn_of(&s, 29200, O_LINUX7, sizeof O_LINUX7, 57, 1, 4321); /* mss*20, ws 7 */
	label_of(db, &s, "s:unix:Linux:3.11 and newer", "exact");
	char sig[200];
	p0f_syn_str(&s, sig, sizeof sig);
	assert_string_equal(sig, "4:57+7:0:1460:mss*20,7:mss,sok,ts,nop,ws:df,id+:0");
	p0f_match m;
	p0f_match_syn(db, &s, &m);
	assert_int_equal(m.dist, 7);
	assert_string_equal(m.link, "Ethernet or modem");

	static const uint8_t o7[] = {2, 4, 5, 0xb4, 1, 3, 3, 8, 1, 1, 4, 2};
	syn_of(&s, 8192, o7, sizeof o7, 120, 1, 777);
	label_of(db, &s, "s:win:Windows:7 or 8", "exact");

	syn_of(&s, 1024, O_MSS, sizeof O_MSS, 50, 0, 31337);
	label_of(db, &s, "s:!:NMap:SYN scan", "exact");

	/* Linux with its default TTL raised to 128: only a fuzzy match */
	syn_of(&s, 29200, O_LINUX7, sizeof O_LINUX7, 127, 1, 4321);
	label_of(db, &s, "s:unix:Linux:3.11 and newer", "fuzzy");

	/* a SYN from no known stack */
	syn_of(&s, 1234, NULL, 0, 250, 0, 54321);
	assert_int_equal(p0f_match_syn(db, &s, &m), 0);
	p0f_free(db);
}

static void parse_error(const char *text, const char *want)
{
	char err[512];
	p0f_db *db = p0f_parse(text, strlen(text), "t.fp", err, sizeof err);
	assert_null(db);
	assert_string_equal(err, want);
}

static void errors_name_file_and_line(void **state)
{
	(void)state;
	parse_error("classes = win\n[tcp:request]\nlabel = s:bogus:X:\n",
		    "t.fp:3: label class 'bogus' not declared in classes");
	parse_error("classes = unix\n[tcp:request]\nlabel = s:unix:X:\n; c\nsig = *:64:0:*:*,*\n",
		    "t.fp:5: TCP signature needs 8 fields ver:ittl:olen:mss:wsize,scale:olayout:"
		    "quirks:pclass");
	parse_error("classes = unix\n[tcp:request]\nsig = *:64:0:*:*,*:mss::0\n",
		    "t.fp:3: sig before any label in this section");
	parse_error(
	    "classes = unix\n[tcp:request]\nlabel = s:unix:X:\nsig = *:64:0:*:*,*:mss:df,huh:0\n",
	    "t.fp:4: unknown quirk 'huh'");
	parse_error("[tcp:nowhere]\n", "t.fp:1: unknown section [tcp:nowhere]");
	char err[512];
	assert_null(p0f_load("/nonexistent/p0f.fp", err, sizeof err));
	assert_non_null(strstr(err, "/nonexistent/p0f.fp: No such file"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(ja4t_examples),
	    cmocka_unit_test(syn_sig_still_64_bytes),
	    cmocka_unit_test(reads_debian_file),
	    cmocka_unit_test(matches_known_stacks),
	    cmocka_unit_test(errors_name_file_and_line),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
