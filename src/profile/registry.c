/* Where analysers are plugged in. Adding one is a line in each table. */
#include "profile/analyzer.h"
#include "sip/analysis.h"
#include "sip/blob.h"

#include "campaign/activity.h"
#include "campaign/campaign.h"
#include "fingerprint/host.h"

#include <stdio.h>
#include <string.h>

const analyzer_ops *const analyzer_list[] = {
	&sip_analyzer,
	&host_analyzer_ops,
	&activity_analyzer,
	NULL,
};

const profile_ext_ops *profile_ext_registry[EXT_COUNT] = {
	&sip_ext_ops, /* EXT_SIP */
	&host_ext_ops, /* EXT_HOST */
	&campaign_ext_ops, /* EXT_CAMPAIGN */
	NULL, /* EXT_SPARE */
};

const profile_tools_fn profile_tools_list[] = {
	sip_profile_tools,
	host_profile_tools,
	NULL,
};

const profile_keys_fn profile_keys_list[] = {
	sip_profile_keys,
	host_profile_keys,
	campaign_profile_keys, /* last: derived from the keys above */
	NULL,
};

void profile_tools(const profile *p, buf *out)
{
	buf_reset(out);
	buf_putc(out, ',');
	for (int i = 0; profile_tools_list[i]; i++)
		profile_tools_list[i](p, out);
	if (out->len == 1)
		buf_reset(out);
}

void profile_keys(const profile *p, key_list *out)
{
	out->n = 0;
	for (int i = 0; profile_keys_list[i]; i++)
		profile_keys_list[i](p, out);
}

void key_list_add(key_list *l, const char *kind, const char *key)
{
	for (int i = 0; i < l->n; i++)
		if (!strcmp(l->k[i].kind, kind) && !strcmp(l->k[i].key, key))
			return;
	if (l->n == KEYS_MAX)
		return;
	snprintf(l->k[l->n].kind, KEY_KIND_MAX, "%s", kind);
	snprintf(l->k[l->n].key, KEY_TEXT_MAX, "%s", key);
	l->n++;
}

#include "report/facts.h"

const describe_fn describe_list[] = {
	describe_core,
	sip_describe,
	host_describe,
	campaign_describe,
	NULL,
};
