/* The ClickHouse store's reader of merged profiles (RowBinary from the
 * server): any bytes must give rows, "need more", or "corrupt", never a
 * crash or a read out of bounds. Seeds are real answers of clickhouse-server
 * 18.16 to the merging SELECT. */
#include <stddef.h>
#include <stdint.h>

#include "store/clickhouse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t used = 0;
	while (used < size) {
		cursor c = rd_init(data + used, size - used);
		profile p;
		profile_init(&p);
		int r = ch_profile_read(&c, &p);
		profile_free(&p);
		if (r <= 0)
			break;
		used = size - rd_left(&c);
	}
	return 0;
}
