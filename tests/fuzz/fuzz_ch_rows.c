/* The ClickHouse store's readers of query results (RowBinary from the
 * server): merged profiles and sensor messages. Any bytes must give rows,
 * "need more", or "corrupt", never a crash or a read out of bounds; both
 * readers see every input. Seeds are real answers of clickhouse-server
 * 18.16 to the merging SELECT, to the messages SELECT (msg-*.bin) and to
 * the key rows SELECT (keys-*.bin). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "store/clickhouse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void profiles(const uint8_t *data, size_t size)
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
}

/* Touches every byte a message claims, as show does. */
static unsigned touch(const sensor_msg *m)
{
	unsigned h = m->sport ^ m->dport ^ m->status ^ m->proto;
	for (uint32_t i = 0; i < m->len; i++)
		h += m->data[i];
	for (uint32_t i = 0; i < m->reply_len; i++)
		h += m->reply[i];
	return h + (unsigned)strlen(m->sensor) + (unsigned)strlen(m->action) +
	       (unsigned)strlen(m->note);
}

static void messages(const uint8_t *data, size_t size)
{
	buf text;
	buf_init(&text);
	size_t used = 0;
	volatile unsigned sink = 0;
	while (used < size) {
		cursor c = rd_init(data + used, size - used);
		sensor_msg m;
		if (ch_msg_read(&c, &m, &text) <= 0)
			break;
		sink += touch(&m);
		used = size - rd_left(&c);
	}
	(void)sink;
	buf_free(&text);
}

static void keys(const uint8_t *data, size_t size)
{
	size_t used = 0;
	volatile size_t sink = 0;
	while (used < size) {
		cursor c = rd_init(data + used, size - used);
		char kind[KEY_KIND_MAX], key[KEY_TEXT_MAX];
		uint8_t ip[16];
		if (ch_key_read(&c, kind, key, ip) <= 0)
			break;
		sink += strlen(kind) + strlen(key) + ip[15];
		used = size - rd_left(&c);
	}
	(void)sink;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	profiles(data, size);
	messages(data, size);
	keys(data, size);
	return 0;
}
