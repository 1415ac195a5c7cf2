/* Fuzzes the capture reader: the input is a whole capture file (pcap or
 * pcapng, plain or gzip/zstd/xz compressed), opened by path like any file
 * (a memfd under /proc/self/fd), read to the end, every packet decoded. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "capture/capture.h"
#include "decode/decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("capture", MFD_CLOEXEC);
	if (fd < 0)
		return 0;
	size_t done = 0;
	while (done < size) {
		ssize_t w = write(fd, data + done, size - done);
		if (w <= 0)
			break;
		done += (size_t)w;
	}
	char path[64], err[512];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	cap_source *c = cap_open_file(path, err, sizeof err);
	if (c) {
		cap_pkt p;
		pkt_view v;
		int rc, n = 0;
		uint64_t last = 0;
		while ((rc = cap_next(c, &p)) == CAP_PACKET && n++ < 100000) {
			decode_packet(cap_datalink(c), p.data, p.caplen, p.len, p.ts_ns, &v);
			if (cap_good_offset(c) < last)
				abort(); /* the offset of whole packets only grows */
			last = cap_good_offset(c);
		}
		if (rc == CAP_ERROR && !cap_error(c)[0])
			abort(); /* an error always says why */
		(void)cap_content_hash(c);
		cap_close(c);
	} else if (!err[0]) {
		abort(); /* a refusal always says why */
	}
	close(fd);
	return 0;
}
