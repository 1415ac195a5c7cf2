/* Fuzzes the stored profile blob: a corrupt store is input too. Arbitrary
 * bytes are decoded; whatever decodes must encode and decode again to the
 * same blob, and merge (with itself and with another profile) without
 * trouble. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "profile/profile.h"
#include "util/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void other_profile(profile *p)
{
	profile_init(p);
	p->first_ns = 1278678191LL * 1000000000;
	p->last_ns = p->first_ns + 5;
	p->packets = 3;
	for (uint32_t i = 0; i < 80; i++)
		dset_add(&p->targets, i * 2654435761u);
	dset_add(&p->dports, (17u << 16) | 5060);
	profile_add_sensor(p, "fuzz");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* a copy of exactly size bytes, so that any read past it is caught */
	uint8_t *blob = malloc(size ? size : 1);
	if (!blob)
		return 0;
	memcpy(blob, data, size);
	profile p;
	profile_init(&p);
	if (profile_decode(&p, blob, size) == 0) {
		buf a, b;
		buf_init(&a);
		buf_init(&b);
		profile_encode(&p, &a);
		profile q;
		profile_init(&q);
		if (profile_decode(&q, a.p, a.len) != 0)
			abort(); /* what we wrote we must read */
		profile_encode(&q, &b);
		if (a.len != b.len || memcmp(a.p, b.p, a.len) != 0)
			abort(); /* and it must not change on the way */
		profile o;
		other_profile(&o);
		profile_merge(&q, &p);
		profile_merge(&o, &p);
		profile_merge(&p, &o);
		buf_reset(&a);
		profile_encode(&q, &a);
		profile_encode(&o, &a);
		profile_free(&o);
		profile_free(&q);
		buf_free(&a);
		buf_free(&b);
	}
	profile_free(&p);
	free(blob);
	return 0;
}
