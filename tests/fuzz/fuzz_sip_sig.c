/* libFuzzer target for the signature file reader (signatures/sip.sig
 * format): any text loads or is refused with a file:line message; what
 * loads can be matched against. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fingerprint/sip_match.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[600];
	sip_sigs *s = sip_sigs_parse("fuzz.sig", (const char *)data, size, err, sizeof err);
	if (!s) {
		if (strncmp(err, "fuzz.sig:", 9) != 0)
			__builtin_trap(); /* every error names the file */
		return 0;
	}
	static const char msg[] = "OPTIONS sip:100@192.0.2.1 SIP/2.0\r\n"
				  "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK-1;rport\r\n"
				  "From: \"sipvicious\"<sip:100@1.1.1.1>;tag=3031\r\n"
				  "User-Agent: friendly-scanner\r\nContent-Length: 0\r\n\r\n";
	sip_hdr h[SIP_HDRS];
	sip_msg m;
	if (sip_parse(&m, (const uint8_t *)msg, sizeof msg - 1, h, SIP_HDRS, 0) == SIP_OK) {
		static sip_eval e;
		sip_attr a;
		for (int i = 0; i < s->ntemplate; i++) {
			sip_eval_template(s, i, &m, &e);
			sip_attr_from_eval(s, &m, &e, &a);
		}
		(void)sip_agent_find(s, &m);
	}
	sip_sigs_free(s);
	return 0;
}
