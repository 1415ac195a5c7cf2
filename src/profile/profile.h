/* The per-source profile as it is stored, merged and reported.
 *
 * Every field has a merge kind, so that profiles built from different
 * captures, flushes or sensors combine into the same answer in any order:
 *   sum   counters                    min/max  first/last seen
 *   or    bit sets (TTLs seen, quirks) dset     distinct values (util/dset.h)
 *   first-N samples ordered by time   ext      an analyser's own blob, merged
 *                                              by that analyser
 * The in-memory accumulator (ptable.h) is smaller; it turns into this form
 * when it is flushed to the store. */
#ifndef SP_PROFILE_H
#define SP_PROFILE_H
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/dset.h"

#define IPID_SAMPLES 16 /* first IP IDs kept per source, by time */
#define SYN_SAMPLES 4   /* distinct SYN signatures kept per source */
#define SYN_OPTS 16     /* TCP option kinds kept per SYN signature (fits the 64 bytes) */
#define SENSORS_MAX 8

/* One IP ID observation; enough to classify the series and its slope. */
typedef struct ipid_obs {
	int64_t ts_ns;  /* when */
	uint32_t dst;   /* destination (IPv4, or hash of IPv6) */
	uint32_t seq;   /* TCP sequence number (tool formulas) */
	uint16_t ipid;  /* IP ID */
	uint16_t dport; /* destination port (or ICMP type) */
	uint8_t proto;  /* L4 protocol */
	uint8_t df;     /* DF set */
	uint8_t ttl;    /* TTL as seen */
	uint8_t flags;  /* TCP flags */
} ipid_obs;

/* A distinct TCP SYN: everything p0f v3 and JA4T look at. Two SYNs with
 * the same signature but another TTL or IP ID count as one. */
typedef struct syn_sig {
	uint64_t key;         /* hash of what makes it distinct (syn_sig_key) */
	int64_t first_ns;     /* first time seen */
	uint32_t count;       /* SYNs with this signature */
	uint32_t quirks;      /* decoder quirk bits of the first one */
	uint32_t tsval;       /* TCP timestamp value of the first one */
	uint32_t seq;         /* sequence number of the first one */
	uint16_t win;         /* window */
	uint16_t mss;         /* MSS option value (if has MSS) */
	uint16_t ipid;        /* IP ID of the first one */
	uint8_t ver;          /* 4 or 6 */
	uint8_t ttl;          /* TTL of the first one */
	uint8_t ip_opt_len;   /* IPv4 option bytes */
	uint8_t wscale;       /* window scale (if has WS) */
	uint8_t has;          /* SYNF_* */
	uint8_t flags;        /* TCP flags (SYN, maybe ECE/CWR) */
	uint8_t nopt;         /* option kinds in opt[] */
	uint8_t opt[SYN_OPTS];/* option kinds in wire order */
	uint8_t eol_pad;      /* bytes after EOL */
	uint8_t payload;      /* the SYN carried data */
	uint8_t tos;          /* TOS / traffic class */
} syn_sig;
enum { SYNF_MSS = 1, SYNF_WS = 2, SYNF_TS = 4, SYNF_SACK = 8, SYNF_DF = 16, SYNF_FLOW = 32 };

struct pkt_view;
void syn_sig_from_view(syn_sig *s, const struct pkt_view *v);
/* The key of the signature the view's SYN would have (without building it). */
uint64_t syn_view_key(const struct pkt_view *v);
uint64_t syn_sig_key(const syn_sig *s);
int syn_sig_same(const syn_sig *a, const syn_sig *b);
/* JA4T (FoxIO): window_options_mss_wscale, e.g. 64240_2-1-3-1-1-4_1460_8.
 * Options are every kind byte in wire order, EOL and the padding after it
 * included (macOS: ..._2-1-3-1-1-8-4-0-0_...); "00" for what is absent.
 * SYN_JA4T_MAX holds the longest. */
#define SYN_JA4T_MAX 200
void syn_sig_ja4t(const syn_sig *s, char *out, size_t outlen);

/* Counters. Add a field here and it is summed, stored and reported. */
#define PROFILE_COUNTERS(X)                                                            \
	X(packets, "packets")                                                          \
	X(bytes, "bytes")                                                              \
	PROFILE_COUNTERS_HOT(X)                                                        \
	PROFILE_COUNTERS_WARM(X)                                                       \
	X(evictions, "evictions")
/* Counters that grow by at most 1 a packet, in two groups so that the
 * in-memory accumulator can keep the busiest ones in its first cache line. */
#define PROFILE_COUNTERS_HOT(X)                                                        \
	X(pkts_tcp, "tcp")                                                             \
	X(pkts_udp, "udp")                                                             \
	X(pkts_icmp, "icmp")                                                           \
	X(pkts_other, "other")                                                         \
	X(tcp_syn, "syn")
#define PROFILE_COUNTERS_WARM(X)                                                       \
	X(tcp_synack, "synack")                                                        \
	X(tcp_rst, "rst")                                                              \
	X(tcp_fin, "fin")                                                              \
	X(tcp_ack, "ack")                                                              \
	X(tcp_data, "tcp_payload")                                                     \
	X(udp_data, "udp_payload")                                                     \
	X(icmp_echo, "icmp_echo")                                                      \
	X(icmp_error, "icmp_error")                                                    \
	X(df, "df")                                                                    \
	X(ipid_zero, "ipid_zero")                                                      \
	X(ipid_zero_df, "ipid_zero_df")                                                \
	X(malformed, "malformed")                                                      \
	X(fragments, "fragments")

typedef struct profile {
	uint8_t ip[16]; /* the source (IPv4 mapped into ::ffff:0:0/96) */
	int64_t first_ns, last_ns;
#define X(name, label) uint64_t name;
	PROFILE_COUNTERS(X)
#undef X
	uint32_t quirks;      /* OR of enum quirk bits */
	uint8_t ttls[32];     /* bit set of TTL values seen */
	dset targets;         /* destination addresses (IPv4, or hash of IPv6) */
	dset dports;          /* proto << 16 | destination port */
	dset sports;          /* proto << 16 | source port */
	uint32_t n_ipid;
	ipid_obs ipid[IPID_SAMPLES];
	uint32_t n_syn;
	syn_sig syn[SYN_SAMPLES];
	uint32_t n_sensors;
	char sensors[SENSORS_MAX][32];
	buf ext[4];           /* analysers' blobs, by enum profile_ext */
} profile;

/* Analysers that keep their own per-source state store it as a blob in the
 * profile; they say how two blobs merge and how they appear in output. */
enum profile_ext { EXT_SIP = 0, EXT_HOST = 1, EXT_CAMPAIGN = 2, EXT_SPARE = 3, EXT_COUNT = 4 };

struct jw;
typedef struct profile_ext_ops {
	const char *name; /* column / key name */
	/* out = merge(a, b); either may be empty. Returns 0 or -1. */
	int (*merge)(buf *out, const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);
} profile_ext_ops;

/* Registered by the analyser modules (NULL slots are unused). */
extern const profile_ext_ops *profile_ext_registry[EXT_COUNT];

void profile_init(profile *p);
void profile_free(profile *p);
/* dst = dst + src (same source). */
void profile_merge(profile *dst, const profile *src);
void profile_add_sensor(profile *p, const char *sensor);
void profile_add_ipid(profile *p, const ipid_obs *o);
void profile_add_syn(profile *p, const syn_sig *s);

/* Derived facts used by every report. */
int profile_ttl_min(const profile *p);
int profile_ttl_max(const profile *p);
int profile_ttl_distinct(const profile *p);
int ttl_initial(int ttl); /* 32, 64, 128 or 255 */

/* The whole profile (but the address) as one versioned blob: what stores
 * keep. profile_decode() fills an initialised profile; -1 if corrupt. */
void profile_encode(const profile *p, buf *out);
int profile_decode(profile *p, const void *blob, size_t len);

/* Serialisation of the parts. */
void profile_encode_ipid(const profile *p, buf *out);
void profile_encode_syn(const profile *p, buf *out);
void profile_encode_sensors(const profile *p, buf *out);
int profile_decode_ipid(profile *p, const void *blob, size_t len);
int profile_decode_syn(profile *p, const void *blob, size_t len);
int profile_decode_sensors(profile *p, const void *blob, size_t len);
int profile_decode_dset(dset *s, const void *blob, size_t len);

#endif
