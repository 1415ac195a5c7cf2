/* libFuzzer target: the p0f.fp reader, and matching a few SYNs against
 * whatever it accepted. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "decode/decode.h"
#include "fingerprint/host_p0f.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void syn(syn_sig *s, uint16_t win, uint8_t ttl, const uint8_t *opt, uint8_t n, uint8_t pad)
{
	memset(s, 0, sizeof *s);
	s->ver = 4;
	s->ttl = ttl;
	s->win = win;
	s->mss = 1460;
	s->wscale = 7;
	s->has = SYNF_MSS | SYNF_WS | SYNF_DF;
	s->ipid = 1;
	s->nopt = n;
	memcpy(s->opt, opt, n);
	s->eol_pad = pad;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512];
	p0f_db *db = p0f_parse((const char *)data, size, "fuzz.fp", err, sizeof err);
	if (!db)
		return 0;
	static const uint8_t linux_[] = {2, 4, 8, 1, 3}, mac[] = {2, 1, 3, 1, 1, 8, 4, 0};
	syn_sig s;
	p0f_match m;
	char out[256];
	syn(&s, 29200, 57, linux_, sizeof linux_, 0);
	p0f_match_syn(db, &s, &m);
	p0f_syn_str(&s, out, sizeof out);
	syn(&s, 65535, 250, mac, sizeof mac, 1);
	p0f_match_syn(db, &s, &m);
	if (m.label)
		p0f_label_str(m.label, out, sizeof out);
	p0f_free(db);
	return 0;
}
