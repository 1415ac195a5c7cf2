/* A reader of p0f v3 signature files (p0f.fp, as Debian ships it in
 * /etc/p0f/p0f.fp) and a matcher of stored SYN signatures against its
 * [tcp:request] section, with p0f's rules: exact specific signatures first,
 * then generic ones, then fuzzy matches (df/id+ may vanish, id-/ecn may
 * appear, the TTL may be out of range); none of the code is p0f's.
 *
 * Signature: ver:ittl:olen:mss:wsize,scale:olayout:quirks:pclass */
#ifndef SP_HOST_P0F_H
#define SP_HOST_P0F_H
#include <stddef.h>
#include <stdint.h>

#include "profile/profile.h"

enum {
	P0F_DF = 1 << 0,      /* df */
	P0F_ID_NZ = 1 << 1,   /* id+ */
	P0F_ID_ZERO = 1 << 2, /* id- */
	P0F_ECN = 1 << 3,     /* ecn */
	P0F_MBZ = 1 << 4,     /* 0+ */
	P0F_FLOW = 1 << 5,    /* flow */
	P0F_SEQ0 = 1 << 6,    /* seq- */
	P0F_ACK_NZ = 1 << 7,  /* ack+ */
	P0F_ACK0 = 1 << 8,    /* ack- */
	P0F_UPTR = 1 << 9,    /* uptr+ */
	P0F_URGF = 1 << 10,   /* urgf+ */
	P0F_PUSHF = 1 << 11,  /* pushf+ */
	P0F_TS1 = 1 << 12,    /* ts1- */
	P0F_TS2 = 1 << 13,    /* ts2+ */
	P0F_OPTP = 1 << 14,   /* opt+ */
	P0F_EXWS = 1 << 15,   /* exws */
	P0F_BAD = 1 << 16,    /* bad */
};

enum { P0F_WIN_NORMAL, P0F_WIN_ANY, P0F_WIN_MOD, P0F_WIN_MSS, P0F_WIN_MTU };

typedef struct p0f_label {
	char type;	 /* 's' specific, 'g' generic */
	char cls[16];	 /* "unix", "win", ... or "!" for applications */
	char name[48];	 /* "Linux" */
	char flavor[48]; /* "3.11 and newer" */
	int line;
} p0f_label;

typedef struct p0f_sig {
	int8_t ver;	  /* 4, 6, or -1 for both */
	uint8_t ttl;	  /* initial TTL */
	uint8_t bad_ttl;  /* "ttl-": random TTLs up to ttl */
	uint8_t olen;	  /* IP option bytes */
	int32_t mss;	  /* -1 = any */
	uint8_t win_type; /* P0F_WIN_* */
	int32_t win;	  /* value, modulus or multiplier */
	int16_t wscale;	  /* -1 = any */
	uint8_t nopt;
	uint8_t opt[40]; /* option kinds, EOL (0) last if present */
	uint8_t eol_pad;
	uint32_t quirks; /* P0F_* */
	int8_t pclass;	 /* -1 any, 0 none, 1 payload */
	uint8_t request; /* [tcp:request] (1) or [tcp:response] (0) */
	uint16_t label;	 /* index into labels */
	int line;
	char text[128]; /* as written */
} p0f_sig;

typedef struct p0f_mtu {
	uint16_t mtu;
	char label[48];
} p0f_mtu;

typedef struct p0f_db {
	int nlabels, nsigs, nmtu;
	p0f_label *labels;
	p0f_sig *sigs;
	p0f_mtu *mtu;
	char path[256];
} p0f_db;

typedef struct p0f_match {
	const p0f_label *label; /* NULL: no match */
	const p0f_sig *sig;
	int fuzzy;	  /* matched only with p0f's allowances */
	int generic;	  /* a 'g' signature */
	int dist;	  /* hops: signature TTL - seen TTL */
	const char *link; /* [mtu] label for MSS + headers, or NULL */
	int mtu;
} p0f_match;

/* Parses a p0f.fp text; errors name fname and the line. */
p0f_db *p0f_parse(const char *text, size_t len, const char *fname, char *err, size_t errlen);
p0f_db *p0f_load(const char *path, char *err, size_t errlen);
void p0f_free(p0f_db *db);

/* The database of this process, read once from $SCANPRINT_P0F_FP or
 * /etc/p0f/p0f.fp. NULL when it could not be read: *err says why and
 * *absent is set when the file does not exist. */
const p0f_db *p0f_default(const char **err, int *absent, const char **path);
const char *p0f_default_path(void);

/* Matches one stored SYN against the [tcp:request] signatures. */
int p0f_match_syn(const p0f_db *db, const syn_sig *s, p0f_match *m);
/* The p0f quirks of a stored SYN. */
uint32_t p0f_syn_quirks(const syn_sig *s);
/* The observed SYN written as a p0f signature (ttl as seen+distance). */
void p0f_syn_str(const syn_sig *s, char *out, size_t n);
/* "s:unix:Linux:3.11 and newer" */
void p0f_label_str(const p0f_label *l, char *out, size_t n);

#endif
