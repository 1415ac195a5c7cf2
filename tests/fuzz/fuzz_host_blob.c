/* libFuzzer target: the host analyser's stored blob (a corrupt store is
 * input too): decode, merge with itself, encode, decode again. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fingerprint/host_blob.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	host_blob b, c;
	if (hb_decode(&b, data, size) < 0)
		return 0;
	buf out;
	buf_init(&out);
	if (hb_merge_blobs(&out, data, size, data, size) < 0)
		abort(); /* a blob that decodes must merge */
	if (hb_decode(&c, out.p, out.len) < 0)
		abort();
	buf_reset(&out);
	hb_encode(&b, &out);
	if (hb_decode(&c, out.p, out.len) < 0)
		abort(); /* what we write we can read */
	buf_free(&out);
	return 0;
}
