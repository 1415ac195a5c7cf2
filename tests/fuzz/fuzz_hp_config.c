/* libFuzzer target for the honeypot's configuration file (`--config`):
 * any text as the file. What loads is then asked about, so that the
 * accounts the file defined (ranges, names, weak passwords) are looked up
 * the way the honeypot does for every request. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "honeypot/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const users[] = {"100", "0100", "1001", "199", "admin", "", "9999999999"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > HP_CONFIG_MAX)
		return 0;
	hp_config c;
	hp_config_default(&c);
	char err[512];
	err[0] = 0;
	if (hp_config_parse(&c, "fuzz.conf", (const char *)data, size, err, sizeof err) < 0) {
		/* the message names the file and line, and is a string */
		if (strncmp(err, "fuzz.conf:", 10) != 0 || strlen(err) >= sizeof err)
			abort();
	} else {
		if (c.nlisten < 0 || c.nlisten > HP_MAX_LISTEN)
			abort();
		for (size_t i = 0; i < sizeof users / sizeof *users; i++) {
			const uint8_t *u = (const uint8_t *)users[i];
			size_t n = strlen(users[i]);
			(void)hp_accounts_exists(&c.acc, u, n);
			const char *pw = hp_accounts_weak(&c.acc, u, n);
			if (pw && strlen(pw) > 1024)
				abort();
		}
	}
	hp_config_free(&c);
	return 0;
}
