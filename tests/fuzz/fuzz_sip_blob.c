/* libFuzzer target for the stored SIP blob (a store is input too): decode,
 * merge with itself and with a valid blob, describe. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "profile/profile.h"
#include "report/facts.h"
#include "sip/analysis.h"
#include "sip/blob.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	buf out;
	buf_init(&out);
	if (sip_ext_ops.merge(&out, data, size, data, size) == 0) {
		buf again;
		buf_init(&again);
		if (sip_ext_ops.merge(&again, out.p, out.len, NULL, 0) != 0)
			__builtin_trap(); /* what merge wrote must read back */
		buf_free(&again);
	}
	buf_free(&out);
	profile p;
	profile_init(&p);
	buf_put(&p.ext[EXT_SIP], data, size);
	facts f;
	facts_init(&f);
	sip_describe(&p, &f, NULL);
	buf tools;
	buf_init(&tools);
	sip_profile_tools(&p, &tools);
	key_list keys;
	keys.n = 0;
	sip_profile_keys(&p, &keys);
	buf_free(&tools);
	facts_free(&f);
	profile_free(&p);
	return 0;
}
