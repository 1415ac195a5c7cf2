/* TTL analysis and the OS guess. */
#include "fingerprint/host_os.h"

#include <stdio.h>
#include <string.h>

#define P0F_DIST_MAX 35

void ttl_analyse(const profile *p, ttl_result *t)
{
	memset(t, 0, sizeof *t);
	t->min = profile_ttl_min(p);
	t->max = profile_ttl_max(p);
	t->distinct = profile_ttl_distinct(p);
	t->initial = t->hops = -1;
	if (t->max < 0)
		return;
	t->initial = ttl_initial(t->max);
	t->hops = t->initial - t->max;
	int seen[4] = {0};
	for (int v = t->min; v <= t->max; v++) {
		if (!(p->ttls[v >> 3] & (1u << (v & 7))))
			continue;
		int i = ttl_initial(v);
		seen[i == 32 ? 0 : i == 64 ? 1 : i == 128 ? 2 : 3] = 1;
	}
	t->bands = seen[0] + seen[1] + seen[2] + seen[3];
	t->varies = t->distinct >= 3 && t->max - t->min >= 6;
	t->doubtful = t->hops > P0F_DIST_MAX;
}

/* OS families the evidence votes for. */
enum { FAM_UNIX, FAM_WIN, FAM_OTHER, FAM_N };

typedef struct vote {
	double score[FAM_N];
	int linux_votes; /* evidence that names Linux within unix */
	int old_linux;	 /* the IP ID 0 rule of Linux 2.4/2.6 contributed */
	int p0f_fam;	 /* family of the best p0f OS match, -1 none */
	const p0f_match *best;
} vote;

static int family_of(const char *cls)
{
	if (!strcmp(cls, "win"))
		return FAM_WIN;
	if (!strcmp(cls, "unix"))
		return FAM_UNIX;
	return FAM_OTHER;
}

static int match_rank(const p0f_match *m)
{
	return m->fuzzy ? 1 : m->generic ? 2 : 3;
}

static void vote_p0f(const os_input *in, vote *v, facts *f)
{
	for (int i = 0; i < in->nsyn; i++) {
		const p0f_match *m = &in->syn[i];
		if (!m->label || !strcmp(m->label->cls, "!"))
			continue;
		if (!v->best || match_rank(m) > match_rank(v->best))
			v->best = m;
	}
	v->p0f_fam = -1;
	if (!v->best)
		return;
	const p0f_match *m = v->best;
	int fam = family_of(m->label->cls);
	v->p0f_fam = fam;
	v->score[fam] += match_rank(m);
	if (!strcmp(m->label->name, "Linux"))
		v->linux_votes++;
	char l[160];
	p0f_label_str(m->label, l, sizeof l);
	facts_os_evidence(f, "SYN matches p0f signature %s (%s, p0f.fp line %d)", l,
			  m->fuzzy     ? "fuzzy"
			  : m->generic ? "generic"
				       : "exact",
			  m->sig->line);
}

static void vote_ttl(const os_input *in, vote *v, facts *f)
{
	const ttl_result *t = in->ttl;
	if (t->initial < 0 || t->varies || t->bands > 1)
		return;
	switch (t->initial) {
	case 128:
		v->score[FAM_WIN] += 1;
		facts_os_evidence(f, "initial TTL 128 (seen %d, %d hop%s): Windows' default",
				  t->max, t->hops, t->hops == 1 ? "" : "s");
		break;
	case 64:
		v->score[FAM_UNIX] += 1;
		facts_os_evidence(
		    f, "initial TTL 64 (seen %d, %d hop%s): Linux, BSD and macOS default", t->max,
		    t->hops, t->hops == 1 ? "" : "s");
		break;
	case 32:
		v->score[FAM_WIN] += 0.5;
		facts_os_evidence(f, "initial TTL 32 (seen %d): old Windows (95/98) used 32",
				  t->max);
		break;
	default:
		v->score[FAM_OTHER] += 1;
		facts_os_evidence(f,
				  "initial TTL 255 (seen %d): routers, Solaris/AIX, or a tool that "
				  "sets it",
				  t->max);
		break;
	}
}

static void vote_ipid(const os_input *in, vote *v, facts *f)
{
	const ipid_result *r = in->ipid;
	const char *c = r->cls;
	if (r->zero_udp_df && strcmp(c, "tool-formula")) {
		v->score[FAM_UNIX] += 2;
		v->linux_votes++;
		v->old_linux = 1;
		facts_os_evidence(f, "IP ID 0 with DF on UDP (Linux 2.4/2.6, CVE-2002-0510; "
				     "later kernels send non-zero IDs, so this dates the host)");
	}
	if ((!strcmp(c, "zero-df") || !strcmp(c, "zero")) && !r->zero_udp_df) {
		v->score[FAM_UNIX] += 0.5;
		facts_os_evidence(f,
				  "IP ID 0 with DF on every packet (Linux for DF packets without "
				  "a connected socket; others rarely)");
	} else if (!strcmp(c, "per-destination")) {
		v->score[FAM_UNIX] += 1;
		v->linux_votes++;
		facts_os_evidence(f, "IP IDs count per destination (Linux's hashed per-destination "
				     "counters)");
	} else if (!strcmp(c, "incremental")) {
		v->score[FAM_WIN] += 1;
		facts_os_evidence(f,
				  "one global IP ID counter (Windows; also old BSDs and embedded "
				  "stacks)");
	} else if (!strcmp(c, "incremental-byteswapped")) {
		v->score[FAM_WIN] += 2;
		facts_os_evidence(f, "global IP ID counter written little-endian (old Windows: "
				     "nmap's 'broken little-endian incremental')");
	} else if (!strcmp(c, "random") || !strcmp(c, "random-increments")) {
		v->score[FAM_UNIX] += 0.5;
		facts_os_evidence(f, "IP IDs that follow no counter across destinations (today's "
				     "Linux, OpenBSD, FreeBSD/macOS with random IDs; or a NAT)");
	}
}

/* A tool that writes its own headers hides the OS; one that uses the OS's
 * stack (or runs only on one OS) names it. Returns 1 if it decided. */
static int tool_decides(const os_input *in, vote *v, facts *f)
{
	for (int i = 0; i < in->nattr; i++) {
		const host_attr *a = &in->attr[i];
		if (!a->accepted || !a->rule)
			continue;
		const hr_rule *r = a->rule;
		if (r->crafted && a->confidence >= 0.7) {
			facts_note(f,
				   "OS: TTL, IP ID and TCP options were written by %s, not by the "
				   "OS: they say nothing about it",
				   r->tool);
			if (!r->host_os[0])
				return 1;
			snprintf(f->os_guess, sizeof f->os_guess, "%s", r->host_os);
			facts_os_evidence(f, "%s runs on %s (rule %s)", r->tool, r->host_os,
					  r->name);
			return 1;
		}
		if (!r->crafted && r->host_os[0]) {
			int fam = strstr(r->host_os, "Windows") ? FAM_WIN : FAM_UNIX;
			v->score[fam] += 2;
			facts_os_evidence(f, "%s spreads through %s's own TCP stack", r->tool,
					  r->host_os);
		}
	}
	return 0;
}

static void name_guess(const os_input *in, const vote *v, int fam, facts *f)
{
	const p0f_match *m = v->best;
	if (m && v->p0f_fam == fam && (m->generic || m->fuzzy)) {
		/* a catch-all or approximate signature: its flavor is a guess */
		snprintf(f->os_guess, sizeof f->os_guess, "%.47s",
			 v->old_linux && !strcmp(m->label->name, "Linux") ? "Linux 2.4/2.6"
									  : m->label->name);
		return;
	}
	if (m && v->p0f_fam == fam) {
		char name[112];
		snprintf(name, sizeof name, "%s%s%s", m->label->name,
			 m->label->flavor[0] ? " " : "", m->label->flavor);
		snprintf(f->os_guess, sizeof f->os_guess, "%.47s", name);
		if (v->old_linux && !strcmp(m->label->name, "Linux"))
			snprintf(f->os_guess, sizeof f->os_guess, "Linux 2.4/2.6");
		return;
	}
	if (fam == FAM_WIN)
		snprintf(f->os_guess, sizeof f->os_guess, "Windows");
	else if (fam == FAM_UNIX && v->old_linux)
		snprintf(f->os_guess, sizeof f->os_guess, "Linux 2.4/2.6");
	else if (fam == FAM_UNIX && v->linux_votes)
		snprintf(f->os_guess, sizeof f->os_guess, "Linux");
	else if (fam == FAM_UNIX)
		snprintf(f->os_guess, sizeof f->os_guess, "Linux, BSD or macOS");
	else if (in->ttl->initial == 255)
		snprintf(f->os_guess, sizeof f->os_guess, "router or Solaris/AIX");
}

static const char *fam_name(int fam)
{
	return fam == FAM_WIN ? "Windows" : fam == FAM_UNIX ? "a Unix-like OS" : "something else";
}

void os_guess(const os_input *in, facts *f)
{
	vote v;
	memset(&v, 0, sizeof v);
	f->os_guess[0] = 0;
	f->nos_evidence = 0;
	if (tool_decides(in, &v, f))
		return;
	vote_p0f(in, &v, f);
	vote_ttl(in, &v, f);
	vote_ipid(in, &v, f);
	int best = -1;
	double top = 0;
	for (int i = 0; i < FAM_N; i++) {
		if (v.score[i] > top || (v.score[i] == top && top > 0 && i == v.p0f_fam)) {
			top = v.score[i];
			best = i;
		}
	}
	if (best < 0) {
		f->nos_evidence = 0;
		return;
	}
	for (int i = 0; i < FAM_N; i++)
		if (i != best && v.score[i] > 0)
			facts_os_evidence(f,
					  "against: some evidence points to %s (NAT, a changed "
					  "default, or several hosts)",
					  fam_name(i));
	name_guess(in, &v, best, f);
	if (!f->os_guess[0])
		f->nos_evidence = 0;
	else if (in->spoofed)
		facts_os_evidence(f, "but the source address looks spoofed: these headers may be "
				     "another host's");
}
