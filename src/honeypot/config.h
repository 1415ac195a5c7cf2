/* The honeypot's settings: defaults, a configuration file in the
 * personality files' line format ("key value", # comments; every key is
 * also a command-line option, which wins), and the extension and weak
 * account lists that replace the personality's. docs/honeypot.md lists
 * the keys. */
#ifndef SP_HP_CONFIG_H
#define SP_HP_CONFIG_H
#include <stddef.h>
#include <stdint.h>

#include "honeypot/personality.h"
#include "honeypot/respond.h"
#include "honeypot/server.h"

typedef struct hp_config {
	char personality[512]; /* a name or a file */
	char user[64];	       /* who to become after binding, when root */
	char sensor[32];
	char db[512];
	char log[512];
	hp_listen listen[HP_MAX_LISTEN];
	int nlisten;
	hp_limits lim;
	uint32_t max_connections, max_per_source, idle_timeout_s;
	uint32_t flush_s, stats_s;
	uint64_t memory;
	hp_accounts acc; /* replaces the personality's when has_acc */
	int has_acc;
} hp_config;

void hp_config_default(hp_config *c);
void hp_config_free(hp_config *c);
/* One setting; `key` without "--". -1 with a message in err. */
int hp_config_set(hp_config *c, const char *key, const char *value, char *err, size_t errlen);
/* A configuration file (at most HP_CONFIG_MAX bytes: a larger one is an
 * error, never read in part); errors name file and line. */
#define HP_CONFIG_MAX (1u << 20)
int hp_config_load(hp_config *c, const char *path, char *err, size_t errlen);
/* The same from text in memory (name is what errors call it). On an error
 * the settings before the bad line are applied; hp_config_free still frees
 * them. */
int hp_config_parse(hp_config *c, const char *name, const char *text, size_t len, char *err,
		    size_t errlen);

#endif
