/* Matching SIP requests against tool templates (sip_sig.h).
 *
 * A request is compared with a template header by header: the headers are
 * aligned in order (longest common subsequence of their ids), each aligned
 * value is matched against the template's pattern exactly, or else after
 * normalising the layout (blanks around separators, a missing ';' before a
 * parameter), and the slots' values are captured. The score weighs the
 * values that follow the pattern, the header order and the request line;
 * a template whose score reaches its threshold names the tool. What the
 * captured values say against the tool's stock values are the changes; the
 * headers that do not follow the pattern are changes too; layout that only
 * matched after normalising is reported as a deviation, not a change.
 *
 * Nothing here allocates: results live in the caller's sip_eval. */
#ifndef SP_SIP_MATCH_H
#define SP_SIP_MATCH_H
#include <stddef.h>
#include <stdint.h>

#include "fingerprint/sip_sig.h"
#include "sip/sip.h"

/* How one template header (or the request line) compared. */
enum sip_level {
	LV_ABSENT = 0, /* not in the message */
	LV_FAIL = 1,   /* present, value does not follow the pattern */
	LV_NORM = 2,   /* follows it once the layout is normalised */
	LV_EXACT = 3,  /* follows it as written */
};

typedef struct sip_cap {
	const uint8_t *p; /* into the message, or into sip_eval.scratch */
	uint16_t len;
	uint8_t set;
} sip_cap;

#define EVAL_SCRATCH 4096
#define EVAL_EXTRA   8

typedef struct sip_eval {
	int tmpl;			 /* template index, -1 none */
	float score;			 /* structure: 0..1 */
	float rank;			 /* score plus agreement with stock values */
	uint8_t req_level;		 /* enum sip_level of the request line */
	uint8_t level[SIG_HEADERS];	 /* per template header */
	int16_t msg_idx[SIG_HEADERS];	 /* aligned message header, -1 none */
	uint8_t name_dev[SIG_HEADERS];	 /* name or separator written differently */
	uint8_t aligned, missing, extra; /* header counts */
	uint8_t extra_idx[EVAL_EXTRA];	 /* message headers the template lacks */
	uint8_t end_dev;		 /* empty line present/absent unlike the tool */
	uint8_t eol_dev;
	uint16_t nhdr_seen;
	/* the request's headers (the score counts them) */ /* bare LF/CR line endings */
	uint8_t stock_total, stock_same; /* slots with a stock value: captured, equal */
	uint64_t levels;		 /* digest of the levels (cache check) */
	int alt;	     /* sip_eval_best: a runner-up so close that the values of the
				request could decide between them (-1 none) */
	uint64_t alt_levels; /* its levels */
	sip_cap cap[SIG_SLOTS];
	uint16_t scratch_used;
	uint8_t scratch[EVAL_SCRATCH]; /* normalised copies of values */
} sip_eval;

/* Compares m with template t (index ti); fills e. Returns the score. */
float sip_eval_template(const sip_sigs *s, int ti, const sip_msg *m, sip_eval *e);
/* The best template for m whose score reaches its threshold; e->tmpl = -1
 * when none does (e then holds the best attempt's score). e->alt names a
 * runner-up whose structure scored the same, so that only the agreement
 * with stock values set them apart. */
int sip_eval_best(const sip_sigs *s, const sip_msg *m, sip_eval *e);

/* Where two templates' structures tie, the one whose stock values the
 * request carries more of ranks first. */
#define RANK_STOCK_WEIGHT 0.03f

/* dst = src, with the captures that point into src's scratch space moved
 * to dst's copy of it. */
void sip_eval_copy(sip_eval *dst, const sip_eval *src);

/* A captured slot value (empty view if not captured). */
sip_str sip_eval_slot(const sip_eval *e, int slot);

/* ---- what a match means -------------------------------------------------- */

#define ATTR_CHANGES 12
#define ATTR_DEVS    6
#define ATTR_TEXT    96

enum sip_change_kind {
	CH_VALUE = 0,	/* a slot holds another value than the stock tool's */
	CH_HEADER = 1,	/* a header's value does not follow the tool's pattern */
	CH_MISSING = 2, /* a header the tool sends is not there */
	CH_ADDED = 3,	/* a header the tool does not send */
};

typedef struct sip_change {
	uint8_t kind;
	char field[32];
	char expected[ATTR_TEXT];
	char seen[ATTR_TEXT];
} sip_change;

typedef struct sip_attr {
	int tmpl; /* -1: none */
	int kit;  /* -1: none */
	uint8_t kit_marks, kit_total;
	char version[24]; /* resolved: slot value, kit release, or template's */
	float confidence;
	uint8_t nchange;
	sip_change change[ATTR_CHANGES];
	uint8_t ndev;
	char dev[ATTR_DEVS][300]; /* layout deviations, as sentences */
} sip_attr;

/* Turns a match into an attribution: kit, changes against the stock tool
 * (or the kit's release), deviations, confidence. */
void sip_attr_from_eval(const sip_sigs *s, const sip_msg *m, const sip_eval *e, sip_attr *a);
/* Text of a header value with what varies between requests of one tool
 * (addresses, numbers, random strings) replaced by <ip>, <n>, <x>: what
 * changes and deviations quote. */
void sip_mask_volatile(const char *in, char *out, size_t cap);

/* The agent line that names a tool for m (-1 none). */
int sip_agent_find(const sip_sigs *s, const sip_msg *m);

/* ---- shape --------------------------------------------------------------- */

/* The shape of a request: method, header names and separators in order,
 * and each value with the parts that vary between requests of one tool
 * (numbers, random strings, addresses, users, display names, tags,
 * branches, Call-IDs) reduced to their class. Requests of one template and
 * one layout share a shape, whatever they carry: attribution is computed
 * once per shape. Writes a readable form into out (truncated to outlen) and
 * returns its 64-bit hash (of the whole shape). */
uint64_t sip_shape(const sip_msg *m, char *out, size_t outlen);
/* A short readable summary of a shape for reports: method and header
 * names in order ("OPTIONS Via,From,To,Call-ID,..."). */
void sip_shape_summary(const sip_msg *m, char *out, size_t outlen);

/* ---- SIPVicious tags ------------------------------------------------------ */

typedef struct sv_tag {
	uint8_t ok;	   /* decoded: hex of text, 0x01, decimal random */
	uint8_t target_ok; /* svmap: 8 hex digits of IPv4 + 4 of port */
	uint32_t ip;	   /* svmap target, host order */
	uint16_t port;
	char text[72]; /* the payload before 0x01 (svwar: ext; svcrack: user:password) */
} sv_tag;
/* Decodes a SIPVicious tag (hex(payload + "\x01" + random)). */
int sv_tag_decode(sip_str tag, sv_tag *out);

#endif
