/* Raw-packet tool rules (signatures/raw-tools.rules, format in
 * docs/signatures-raw.md): which header marks name ZMap, Masscan, Mirai,
 * Nmap, Unicornscan, Conficker, in which version.
 *
 * A mark is `field=value`. It is one of three classes:
 *   packet   decided on one packet (ipid=54321, ipid=dst^dport^seq, win=1024)
 *   series   decided against the source's first SYN (seq=same, seq=nmap-try,
 *            seq^dst_le^ports=same): tracked as flags per source
 *   profile  decided on the stored profile (sport=pair16, ttl=varies)
 * Distinct packet marks of all rules are evaluated once per probe packet
 * into one 64-bit mask; a rule hits a packet when its required packet marks
 * are all in the mask. */
#ifndef SP_HOST_RULES_H
#define SP_HOST_RULES_H
#include <stddef.h>
#include <stdint.h>

#include <string.h>

#include "decode/decode.h"

#define HR_MAX_RULES	48
#define HR_MAX_MARKS	64 /* distinct marks of all classes */
#define HR_MAX_LOCAL	16 /* expect + version marks of one rule */
#define HR_MAX_VERSIONS 4
#define HR_MAX_WHY	4
#define HR_MAX_VALS	8
#define HR_MAX_OPTS	16
#define HR_NAME		32
#define HR_TEXT		200

/* Probe kinds a rule applies to. */
enum { HK_SYN = 1, HK_UDP = 2, HK_ICMP = 4, HK_ANY = 7 };

enum hr_class { HM_PACKET = 0, HM_SERIES = 1, HM_PROFILE = 2 };

enum hr_field {
	/* packet */
	HF_IPID,
	HF_IPID_MASSCAN, /* ipid == (uint16)(dst ^ dport ^ seq) */
	HF_SEQ_DST,	 /* seq == dst */
	HF_TTL,
	HF_ITTL,
	HF_WIN,
	HF_MSS,
	HF_WS,
	HF_OPTS,
	HF_DF,
	HF_DPORT,
	HF_SPORT,
	HF_IPLEN,
	HF_TSVAL_CLOCK, /* TSval within a day of the capture time, in seconds */
	/* series */
	HF_SEQ_SAME,
	HF_SEQ_NMAP,
	HF_UNI_BE,
	HF_UNI_LE,
	/* profile */
	HF_P_SPORT_FIXED,
	HF_P_SPORT_PAIR16,
	HF_P_WIN_FIXED,
	HF_P_TTL_VARIES,
	HF_P_CONFICKER_OCTETS,
	HF_P_SYN_RETRANS,
};

/* Series flags kept per source (bit = 1 << (field - HF_SEQ_SAME)). */
enum { HS_SEQ_SAME = 1, HS_SEQ_NMAP = 2, HS_UNI_BE = 4, HS_UNI_LE = 8, HS_ALL = 15 };

typedef struct hr_mark {
	uint8_t cls;   /* enum hr_class */
	uint8_t field; /* enum hr_field */
	uint8_t kinds; /* HK_* of the rules that use it */
	uint8_t n;     /* ranges in lo/hi, or option kinds in opts */
	uint16_t lo[HR_MAX_VALS], hi[HR_MAX_VALS];
	uint8_t opts[HR_MAX_OPTS]; /* option kinds (EOL = 0) for HF_OPTS */
	uint8_t eol_pad;	   /* bytes after EOL ("eol+N") */
	uint8_t none;		   /* opts=none */
	uint8_t neg;		   /* "field!=value": holds when the value does not */
	char text[48];		   /* canonical "field=value" */
} hr_mark;

typedef struct hr_version {
	char label[24];
	uint16_t local; /* local marks that must hold */
} hr_version;

typedef struct hr_rule {
	char name[HR_NAME];
	char tool[HR_NAME];
	char component[24];
	uint8_t applies; /* HK_* */
	uint64_t req;	 /* packet marks required (bits = mark index) */
	uint8_t nreq;
	uint8_t reqv[HR_MAX_LOCAL]; /* the same, in the order written: rare and cheap first */
	uint8_t series_req;	    /* HS_* required */
	uint8_t nreq_profile;
	uint8_t req_profile[4]; /* profile marks required (mark index) */
	uint8_t nlocal;
	uint8_t local[HR_MAX_LOCAL]; /* mark index of each local mark */
	uint16_t expect;	     /* local marks the stock tool always shows */
	uint16_t support;	     /* local marks that add evidence when they hold */
	uint16_t local_packet;	     /* local marks of the packet class */
	int nversions;
	hr_version version[HR_MAX_VERSIONS];
	uint8_t crafted;  /* the tool writes TTL / IP ID / options itself */
	char host_os[32]; /* the OS the tool implies ("" = none) */
	double confidence, min_share;
	uint32_t min_packets;
	int nwhy;
	char why[HR_MAX_WHY][HR_TEXT];
	uint32_t hash; /* of the definition: stored results say which one */
	int line;      /* where it starts */
} hr_rule;

typedef struct hr_set {
	int nrules;
	hr_rule rule[HR_MAX_RULES];
	int nmarks;
	hr_mark mark[HR_MAX_MARKS];
	/* per kind (0 syn, 1 udp, 2 icmp): packet marks to evaluate */
	uint8_t neval[3];
	uint8_t eval[3][HR_MAX_MARKS];
	uint8_t series_used; /* HS_* any rule mentions */
	char path[256];
} hr_set;

/* Parses rules from text; fname names it in errors ("FILE:LINE: what").
 * Returns NULL with the message in err. */
hr_set *hr_parse(const char *text, size_t len, const char *fname, char *err, size_t errlen);
hr_set *hr_load(const char *path, char *err, size_t errlen);
void hr_free(hr_set *s);

/* The rules of this process, loaded once from the signature directory
 * ($SCANPRINT_SIGNATURES, the source tree, or the installed copy). NULL when
 * they could not be loaded; *err (static) then says why. */
const hr_set *hr_default(const char **err);
/* Where signature files are looked for: fills out with DIR/name. */
void hr_sigpath(const char *name, char *out, size_t outlen);

const hr_rule *hr_find(const hr_set *s, const char *name);
/* HK_SYN -> 0, HK_UDP -> 1, HK_ICMP -> 2 */
static inline int hr_kind_index(int kind)
{
	return kind == HK_SYN ? 0 : kind == HK_UDP ? 1 : 2;
}

/* A DNS response (UDP from port 53 with QR set): backscatter, not a probe. */
static inline int hr_dns_response(const pkt_view *v)
{
	return v->proto == 17 && v->l4_ok && v->sport == 53 && v->payload_len >= 3 &&
	       (v->payload[2] & 0x80);
}

/* Probe kind of a packet (HK_*), 0 if it is not a probe. */
static inline int hr_probe_kind(const pkt_view *v)
{
	if (!v->l4_ok)
		return 0;
	if (v->proto == 6)
		return (v->tcp_flags & (TCP_SYN | TCP_ACK)) == TCP_SYN ? HK_SYN : 0;
	if (v->proto == 17)
		return hr_dns_response(v) ? 0 : HK_UDP;
	if (!v->quote.family &&
	    ((v->proto == 1 && v->icmp_type == 8) || (v->proto == 58 && v->icmp_type == 128)))
		return HK_ICMP;
	return 0;
}

/* Packet marks of one probe of kind index ki (bits = mark index). */
uint64_t hr_eval(const hr_set *s, int ki, const pkt_view *v);

/* Initial TTL of a TTL seen (ttl_initial() without the call). */
static inline uint32_t hr_ittl(uint8_t ttl)
{
	return ttl <= 32 ? 32 : ttl <= 64 ? 64 : ttl <= 128 ? 128 : 255;
}

static inline int hr_in_ranges(const hr_mark *m, uint32_t v)
{
	for (int i = 0; i < m->n; i++)
		if (v >= m->lo[i] && v <= m->hi[i])
			return 1;
	return 0;
}

static inline int hr_layout_equal(const hr_mark *m, const pkt_view *v)
{
	if (m->none)
		return v->tcp_hlen == 20;
	if (v->opt.n != m->n || memcmp(v->opt.kind, m->opts, m->n) != 0)
		return 0;
	return m->opts[m->n - 1] != 0 || v->opt.eol_pad == m->eol_pad;
}

__attribute__((always_inline)) static inline int hr_mark_value(const hr_mark *m, const pkt_view *v)
{
	switch (m->field) {
	case HF_IPID:
		return v->family == 4 && hr_in_ranges(m, v->ipid);
	case HF_IPID_MASSCAN:
		return v->family == 4 && v->ipid == (uint16_t)(v->dst4 ^ v->dport ^ v->seq);
	case HF_SEQ_DST:
		return v->family == 4 && v->seq == v->dst4;
	case HF_TTL:
		return hr_in_ranges(m, v->ttl);
	case HF_ITTL:
		return hr_in_ranges(m, hr_ittl(v->ttl));
	case HF_WIN:
		return hr_in_ranges(m, v->win);
	case HF_MSS:
		return v->opt.has_mss && hr_in_ranges(m, v->opt.mss);
	case HF_WS:
		return v->opt.has_ws && hr_in_ranges(m, v->opt.wscale);
	case HF_OPTS:
		return hr_layout_equal(m, v);
	case HF_DF:
		return hr_in_ranges(m, v->df);
	case HF_DPORT:
		return hr_in_ranges(m, v->dport);
	case HF_SPORT:
		return hr_in_ranges(m, v->sport);
	case HF_IPLEN:
		return hr_in_ranges(m, v->ip_len);
	case HF_TSVAL_CLOCK: {
		int64_t d = (int64_t)v->opt.tsval - v->ts_ns / 1000000000;
		return v->opt.has_ts && d >= -86400 && d <= 86400;
	}
	default:
		return 0;
	}
}

__attribute__((always_inline)) static inline int hr_mark_holds(const hr_mark *m, const pkt_view *v)
{
	return hr_mark_value(m, v) ^ m->neg;
}

/* Marks of one packet, decided when first asked (most rules fail on their
 * first mark, so most marks are never evaluated). */
typedef struct hr_lazy {
	uint64_t known, val;
} hr_lazy;

__attribute__((always_inline)) static inline int hr_lazy_mark(const hr_set *s, hr_lazy *c, int i,
							      const pkt_view *v)
{
	uint64_t b = 1ull << i;
	if (!(c->known & b)) {
		c->known |= b;
		if (hr_mark_holds(&s->mark[i], v))
			c->val |= b;
	}
	return (c->val & b) != 0;
}

/* The marks reqv[0..n) all hold on the packet (decided in that order). */
__attribute__((always_inline)) static inline int hr_marks_hold(const hr_set *s, const uint8_t *reqv,
							       int n, hr_lazy *c, const pkt_view *v)
{
	for (int k = 0; k < n; k++)
		if (!hr_lazy_mark(s, c, reqv[k], v))
			return 0;
	return 1;
}

/* All the rule's required packet marks hold on the packet. */
__attribute__((always_inline)) static inline int hr_rule_hits(const hr_set *s, const hr_rule *r,
							      hr_lazy *c, const pkt_view *v)
{
	return hr_marks_hold(s, r->reqv, r->nreq, c, v);
}

#endif
