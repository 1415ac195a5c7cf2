/* clickhouse:// locations: any text is parsed or refused with a message,
 * and shown without its password. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/clickhouse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *url = malloc(size + 1);
	if (!url)
		return 0;
	memcpy(url, data, size);
	url[size] = 0;
	ch_config c;
	char err[256], shown[512];
	if (ch_parse_url(url, &c, err, sizeof err) == 0 && c.password[0] && !strchr(c.user, ':')) {
		char leak[300];
		snprintf(leak, sizeof leak, ":%s@", c.password);
		if (strstr(c.where, leak))
			abort(); /* the password is in what is shown */
	}
	ch_redact_url(url, shown, sizeof shown);
	buf b;
	buf_init(&b);
	ch_sql_str(&b, url, size);
	ch_url_escape(&b, url, size);
	buf_free(&b);
	free(url);
	return 0;
}
