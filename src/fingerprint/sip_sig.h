/* SIP tool templates, in-the-wild kits and header marks, loaded from a data
 * file (signatures/sip.sig; format in docs/signatures.md).
 *
 * A template is the shape of the requests one tool builds: the request line
 * and each header in order, written as patterns. A pattern is literal text
 * (the exact layout: separators, blanks, fixed words) with slots
 * {name:class=stock} for what varies: a slot's class says what characters
 * it takes, its stock value is what the unmodified tool puts there (a
 * different value is a change, not a different tool). A kit is a set of
 * marks (slot values) on a template that names a modified copy seen in the
 * wild. An agent line names a tool from a header substring alone, for tools
 * whose layout is not known. Loading allocates; matching does not. */
#ifndef SP_SIP_SIG_H
#define SP_SIP_SIG_H
#include <stddef.h>
#include <stdint.h>

#define SIG_NAME     64
#define SIG_ELEMS    40	 /* elements of one pattern */
#define SIG_TEXT     320 /* bytes of literal and stock text of one pattern */
#define SIG_ALTS     3	 /* alternative patterns of one header or request line */
#define SIG_HEADERS  24	 /* headers of one template */
#define SIG_SLOTS    40	 /* distinct slot names of one template (at most 64) */
#define SIG_NOTES    4
#define SIG_MARKS    8
#define SIG_NOTE_LEN 200
_Static_assert(SIG_SLOTS <= 64, "slot sets are 64-bit masks");

/* Character classes of slots. */
enum sig_class {
	SC_ANY = 0, /* anything, shortest first (up to the next literal) */
	SC_TEXT,    /* anything but '"', shortest first */
	SC_DEC,	    /* 0-9 */
	SC_HEX,	    /* 0-9 a-f A-F */
	SC_ALNUM,   /* 0-9 A-Z a-z */
	SC_ALPHA,   /* A-Z a-z */
	SC_WORD,    /* RFC 3261 token characters */
	SC_USER,    /* a URI user part: not '@', '>', ':' or blank */
	SC_HOST,    /* host name, IPv4, or [IPv6] */
	SC_PORT,    /* 1-5 digits */
	SC_METHOD,  /* token equal to the request's method */
	SC_COUNT
};
const char *sig_class_name(unsigned c);

/* What a slot's value means beyond the template (by its name). */
enum sig_role {
	SR_NONE = 0,
	SR_LOCAL,     /* "local": the sender's own address (Via, Contact) */
	SR_LOCALPORT, /* "localport": the port the tool bound */
	SR_TARGET,    /* "target": the scanned host (Request-URI host) */
	SR_EXT,	      /* "ext": the extension (user) being tried */
	SR_TAG,	      /* "tag": the From tag (SIPVicious tags leak, see leak) */
	SR_METHOD,    /* "method" */
	SR_COUNT
};

enum sig_elem_kind { SE_LIT = 0, SE_SLOT = 1 };

typedef struct sig_elem {
	uint8_t kind; /* enum sig_elem_kind */
	uint8_t cls;  /* slots: enum sig_class */
	uint8_t slot; /* slots: index in the template's slots */
	uint8_t min;  /* slots: fewest characters (0..255) */
	uint16_t max; /* slots: most characters */
	uint16_t off; /* literal text: offset in the pattern's text */
	uint16_t len; /* literal text: its length */
} sig_elem;

typedef struct sig_pattern {
	uint8_t n; /* elements */
	sig_elem e[SIG_ELEMS];
	char text[SIG_TEXT]; /* literal text of the elements */
	uint16_t text_len;
	char src[SIG_TEXT]; /* the pattern as written, for messages */
} sig_pattern;

/* Patterns live in the signature set's pool (sip_sigs.pat) and are named by
 * index: templates derived with "like" share what they do not replace. Each
 * pattern has its layout-normalised twin (see sig_norm). */
typedef struct sig_header {
	char name[40];	  /* as the tool writes it ("Call-ID", "v") */
	char sep[8];	  /* between the name and the value, as written (": ") */
	uint8_t name_len; /* strlen(name), strlen(sep): set by the loader */
	uint8_t sep_len;
	uint16_t id;		 /* enum sip_hdr_id */
	uint8_t optional;	 /* may be absent */
	uint8_t nalt;		 /* alternative patterns */
	uint16_t alt[SIG_ALTS];	 /* pattern indices */
	uint16_t norm[SIG_ALTS]; /* their normalised twins */
} sig_header;

typedef struct sig_slot {
	char name[32];	/* e.g. "User-Agent", "From.display", "local" */
	char stock[96]; /* the unmodified tool's value; "" = none */
	uint8_t has_stock;
	uint8_t stock_len; /* strlen(stock): set by the loader */
	uint8_t role;	   /* enum sig_role */
} sig_slot;

enum sig_leak { LEAK_NONE = 0, LEAK_SVMAP, LEAK_SVWAR, LEAK_SVCRACK };

typedef struct sip_template {
	char name[SIG_NAME]; /* unique, e.g. "sipvicious/svmap/0.3.x" */
	char tool[32];	     /* contract tool name */
	char component[24];
	char version[24]; /* "" = null; "{slot}" = taken from a slot */
	uint32_t methods; /* bit per enum sip_method; ~0 = any */
	uint8_t nrequest;
	uint16_t request[SIG_ALTS]; /* pattern indices */
	uint16_t request_norm[SIG_ALTS];
	uint8_t nhdr;
	sig_header hdr[SIG_HEADERS];
	uint8_t nslot;
	sig_slot slot[SIG_SLOTS];
	int8_t role[SR_COUNT]; /* the slot of each role, -1 none */
	int8_t from_host;      /* slot "From.host", -1 none */
	int8_t version_slot;   /* version "{slot}": its slot, else -1 */
	uint8_t leak;	       /* enum sig_leak */
	uint8_t no_end;	       /* the tool sends no empty line after the headers */
	uint16_t localport;    /* first port it binds, +1 while busy; 0 = none */
	float threshold;       /* least score to be this tool */
	uint64_t id_mask;      /* bit per sip_hdr_id of required headers */
	uint64_t stock_mask;   /* bit per slot with a stock value */
	uint8_t nrequired;     /* required headers */
	uint8_t nnote;
	char note[SIG_NOTES][SIG_NOTE_LEN];
	char ref[SIG_NOTE_LEN];
	int line; /* where it was defined */
} sip_template;

typedef struct sip_kit {
	char name[SIG_NAME];
	int base; /* template index */
	uint8_t nmark;
	struct {
		uint8_t slot; /* slot of the base template */
		char value[96];
	} mark[SIG_MARKS];
	char release[24]; /* the marks are a stock release's values ("0.2.3") */
	uint8_t nnote;
	char note[SIG_NOTES][SIG_NOTE_LEN];
	char ref[SIG_NOTE_LEN];
} sip_kit;

/* A tool named by a substring of one header, when no template matches. */
typedef struct sip_agent {
	char tool[32];
	uint16_t id; /* header id (SIP_H_OTHER: compare name) */
	char header[40];
	char needle[64];
	char ref[SIG_NOTE_LEN];
} sip_agent;

typedef struct sip_sigs {
	char path[512];
	int ntemplate, nkit, nagent, npat;
	sip_template **t;
	sig_pattern *pat;
	/* kitslot[k * ntemplate + t][i]: slot of kit k's mark i in template t,
	 * -1 when absent; kit_on[k * ntemplate + t]: the kit applies to t */
	int8_t (*kitslot)[SIG_MARKS];
	uint8_t *kit_on;
	sip_kit *kit;
	sip_agent *agent;
	uint64_t digest; /* hash of the file: attributions name the rules they used */
} sip_sigs;

/* Loads a signature file. NULL on failure, with "FILE:LINE: problem" in err. */
sip_sigs *sip_sigs_load(const char *path, char *err, size_t errlen);
/* Parses signature text (name is used in messages). */
sip_sigs *sip_sigs_parse(const char *name, const char *text, size_t len, char *err, size_t errlen);
void sip_sigs_free(sip_sigs *s);

/* The signature file scanprint uses: $SCANPRINT_SIGNATURES/sip.sig, else the
 * source tree's signatures/ (a build), else the installed copy. */
const char *sip_sigs_default_path(char *out, size_t outlen);
/* The loaded default signatures (loaded once). On error prints
 * "scanprint: FILE:LINE: problem" and exits with status 1: nothing can be
 * attributed without them. */
const sip_sigs *sip_sigs_default(void);

int sip_sigs_find(const sip_sigs *s, const char *name);
static inline const sig_pattern *sig_pat(const sip_sigs *s, uint16_t i)
{
	return &s->pat[i];
}

/* Layout normalisation, the same for patterns and values: outside quoted
 * strings, blanks next to a separator (;:<>=,@/") go, blanks before a
 * "name=" that should have been ";name=" become ';', a parameter glued to
 * '>' gets its ';', other blank runs become one space. Byte 0x01 stands for
 * a slot (a token character). *inq carries the quote state across calls.
 * Returns the bytes written (at most cap). */
size_t sig_norm(const uint8_t *in, size_t n, uint8_t *out, size_t cap, int *inq);
int sig_slot_find(const sip_template *t, const char *name);

#endif
