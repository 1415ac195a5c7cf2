/* Where analysers are plugged in. Adding one is a line in each table. */
#include "profile/analyzer.h"

#include <string.h>

const analyzer_ops *const analyzer_list[] = {
	NULL,
};

const profile_ext_ops *profile_ext_registry[EXT_COUNT] = {
	NULL, /* EXT_SIP */
	NULL, /* EXT_HOST */
	NULL, /* EXT_CAMPAIGN */
	NULL, /* EXT_SPARE */
};

const profile_tools_fn profile_tools_list[] = {
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

#include "report/facts.h"

const describe_fn describe_list[] = {
	describe_core,
	NULL,
};
