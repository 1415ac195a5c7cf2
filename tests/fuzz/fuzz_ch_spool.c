/* Spool files are read back after crashes and disk trouble: any content
 * must be read as a whole batch or refused, never crash. The input is
 * written to a file, which is then read (index only, and whole). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "store/clickhouse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[] = "/tmp/fuzz-ch-spool-XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		unlink(path);
		return 0;
	}
	close(fd);
	for (int index_only = 1; index_only >= 0; index_only--) {
		ch_spool_r r;
		char err[1200];
		if (ch_spool_read(path, &r, index_only, err, sizeof err) == 0) {
			for (uint32_t i = 0; i < r.nsec; i++)
				ch_spool_patch(&r, i, 0x0102030405060708ULL);
			ch_spool_close(&r);
		}
	}
	unlink(path);
	return 0;
}
