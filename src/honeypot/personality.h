/* Honeypot personalities: how the PBX the honeypot pretends to be answers.
 *
 * A personality is a text file, signatures/honeypot/NAME.personality
 * (docs/honeypot.md describes the format): directives ("realm asterisk",
 * "to-tag as{hex8}", "extension 100-105") and reply templates, the header
 * lines of every reply in the order that PBX writes them, with placeholders
 * ({via}, {to}, {nonce}, ...) and random tokens ({hex8}, {uuid}, ...). The
 * loader compiles the templates once; a parse error names the file and line.
 *
 * The same line format carries the honeypot's configuration file (config.h)
 * and the extension / weak-account lists both may hold (hp_accounts). */
#ifndef SP_HP_PERSONALITY_H
#define SP_HP_PERSONALITY_H
#include <stddef.h>
#include <stdint.h>

#define HP_MAX_LINES   48     /* header lines in one reply block */
#define HP_MAX_BLOCKS  32     /* reply blocks in a personality */
#define HP_MAX_REASONS 16     /* reason-phrase overrides */
#define HP_MAX_EXT     100000 /* extensions a personality or config may list */
#define HP_MAX_WEAK    64     /* weak accounts */
#define HP_TEXT	       256    /* longest directive value kept */
#define HP_USER_MAX    64     /* longest extension / user name */

/* Compiled templates keep placeholders as HP_MARK followed by one byte: a
 * placeholder id (enum hp_ph), or HP_TOK | kind followed by a count byte
 * (a random token, enum hp_tok). Template text never holds control bytes,
 * so the mark cannot be confused with text. */
#define HP_MARK 0x01
#define HP_TOK	0x80

enum hp_ph {
	HP_PH_VIA = 1,	      /* line repeated for each Via; the top one gets received/rport */
	HP_PH_FROM,	      /* From value as received */
	HP_PH_TO,	      /* To value, with our tag added when it has none */
	HP_PH_CALL_ID,	      /* Call-ID as received */
	HP_PH_CSEQ,	      /* CSeq as received */
	HP_PH_EXTRA,	      /* where the lines of the specific reply go */
	HP_PH_CONTENT_LENGTH, /* length of the body sent */
	HP_PH_REALM,	      /* the realm directive */
	HP_PH_NONCE,	      /* a fresh nonce (challenges) */
	HP_PH_OPAQUE,	      /* the opaque value of that challenge */
	HP_PH_STALE,	      /* ", stale=true" when the nonce had expired, else nothing */
	HP_PH_ALLOW,	      /* the allow directive's text */
	HP_PH_LOCAL_IP,	      /* the address the message was sent to */
	HP_PH_LOCAL_PORT,     /* and its port */
	HP_PH_SRC_IP,	      /* the sender's address */
	HP_PH_SRC_PORT,	      /* and port */
	HP_PH_TRANSPORT,      /* UDP or TCP */
	HP_PH_DATE,	      /* RFC 1123 date, e.g. "Sat, 13 Nov 2010 23:29:00 GMT" */
	HP_PH_EXPIRES,	      /* registration lifetime granted */
	HP_PH_CONTACT,	      /* the request's Contact value */
	HP_PH_USER,	      /* the extension the request is for */
	HP_PH_REQUIRE,	      /* the request's Require value (420 replies) */
	HP_PH_BRANCH,	      /* the request's top Via branch (to-tag formats may use it) */
	HP_PH_COUNT
};

enum hp_tok {
	HP_TOK_HEX = 1, /* {hexN}: N lower-case hex digits */
	HP_TOK_HEXU,	/* {HEXN}: upper-case */
	HP_TOK_DEC,	/* {decN}: N decimal digits, the first not 0 */
	HP_TOK_ALNUM,	/* {alnumN}: letters and digits */
	HP_TOK_UUID,	/* {uuid}: 8-4-4-4-12 lower-case hex */
	HP_TOK_TIME,	/* {time}: Unix seconds */
};

typedef struct hp_line {
	char *text; /* compiled (see HP_MARK) */
	uint16_t len;
	uint8_t optional; /* 1 ("?"): dropped, last first, when the reply must
			     shrink; 2 ("??"): only after every "?" line */
	uint8_t via;	  /* the line holds {via} */
	/* known when loaded, not looked for in every reply: */
	uint8_t content_length; /* the line holds {content-length} (expanded last) */
	uint8_t content_type;	/* the line starts "Content-Type:" (goes with the body) */
} hp_line;

/* The lines of one kind of reply: method (-1 any) and status (0: the
 * template of every reply). */
typedef struct hp_block {
	int method;
	int status;
	int nlines;
	hp_line lines[HP_MAX_LINES];
	char *body; /* compiled, lines joined with CRLF; NULL if none */
	uint16_t body_len;
	uint8_t body_optional;
	int src_line; /* where it was defined, for messages */
} hp_block;

/* Extensions that exist and the weak accounts that accept their password. */
typedef struct hp_accounts {
	char **ext; /* sorted, distinct */
	uint32_t n, cap;
	int nweak;
	struct {
		char user[HP_USER_MAX];
		char pass[HP_USER_MAX];
	} weak[HP_MAX_WEAK];
} hp_accounts;

typedef struct hp_personality {
	char name[64];
	char description[HP_TEXT];
	char path[512]; /* the file it came from */
	char realm[128];
	char allow[HP_TEXT];	    /* text of {allow} */
	uint32_t allow_mask;	    /* 1 << enum sip_method for each method in it */
	char *tag, *nonce, *opaque; /* compiled token formats (opaque: NULL = none) */
	uint32_t expires;	    /* granted registration lifetime */
	uint32_t nonce_life_s;	    /* a nonce older than this is stale */
	uint16_t unknown_user;	    /* status for a request to an extension that does not exist */
	uint16_t options_unknown;   /* OPTIONS to one */
	uint16_t unsupported;	    /* methods outside allow */
	uint16_t call_answer;	    /* an INVITE whose credentials were right */
	uint16_t in_dialog;	    /* BYE, CANCEL, ... outside any dialog */
	uint8_t via_inplace;	    /* rport=PORT where rport was, received after it */
	uint8_t registrar;	    /* handles REGISTER even if allow does not list it */
	int nblocks;
	hp_block *blocks; /* [0] is "reply *" */
	int nreasons;
	struct {
		uint16_t code;
		char text[64];
	} reasons[HP_MAX_REASONS];
	hp_accounts acc;
} hp_personality;

/* Loads a personality file. Returns 0, or -1 with "FILE:LINE: problem" in err. */
int hp_personality_load(hp_personality *p, const char *path, char *err, size_t errlen);
/* The same from text in memory; `name` stands for the file in messages. */
int hp_personality_parse(hp_personality *p, const char *name, const char *text, size_t len,
			 char *err, size_t errlen);
void hp_personality_free(hp_personality *p);
/* Where the personality NAME is: NAME itself if it names a file, else
 * NAME.personality under $SCANPRINT_SIGNATURES/honeypot, the source tree's
 * signatures/honeypot and the installed one. 0 if found. */
int hp_personality_find(const char *name, char *path, size_t n);

/* The reply block for (method, status): the most specific one, NULL if none. */
const hp_block *hp_personality_block(const hp_personality *p, int method, int status);
/* Reason phrase of a status code (the personality's own first). */
const char *hp_reason(const hp_personality *p, int status);

/* Accounts. */
void hp_accounts_init(hp_accounts *a);
void hp_accounts_free(hp_accounts *a);
/* Adds "100", "100-199" or a name; -1 with a message in err. Call
 * hp_accounts_finish() once all are added. */
int hp_accounts_add(hp_accounts *a, const char *item, char *err, size_t errlen);
int hp_accounts_add_weak(hp_accounts *a, const char *user, const char *pass, char *err,
			 size_t errlen);
void hp_accounts_finish(hp_accounts *a);
int hp_accounts_exists(const hp_accounts *a, const uint8_t *user, size_t n);
/* The weak account's password, NULL if user is not one. */
const char *hp_accounts_weak(const hp_accounts *a, const uint8_t *user, size_t n);
/* The "extension" and "weak-account" directives (personality and config
 * files alike): k is the directive, v its value. -1 with a message. */
int hp_directive_accounts(hp_accounts *a, const char *k, const char *v, char *err, size_t errlen);
/* Replaces dst's lists by src's (src is emptied). */
void hp_accounts_move(hp_accounts *dst, hp_accounts *src);

/* Compiles template text or a token format ("as{hex8}"): allow_ph 1 allows
 * every placeholder, 0 only random tokens, 2 tokens and {branch}. NULL with
 * a message in err if it is bad. */
char *hp_fmt_compile(const char *spec, int allow_ph, char *err, size_t errlen);

/* The lines of a text: each with its number; comments and blank lines are
 * the caller's to skip. */
typedef struct hp_lines {
	const char *p, *end;
	int lineno;
} hp_lines;
void hp_lines_init(hp_lines *l, const char *text, size_t len);
/* Next line (without its end of line); 0 at the end. */
int hp_lines_next(hp_lines *l, const char **line, size_t *len);
/* Splits "key value..." : key into k (NUL-terminated), the rest trimmed
 * into v. Returns 0, or -1 if a part is too long. */
int hp_split(const char *line, size_t len, char *k, size_t kn, char *v, size_t vn);

#endif
