/* Host and scanner profiling from IP and TCP headers (issue 4): the
 * analyser that evaluates raw-tool marks per packet, counts spoofing and
 * backscatter, and the describe function that turns a stored profile into
 * TTL, IP ID, OS, tools and traffic kind. Logic: docs/host-profiling.md. */
#ifndef SP_HOST_H
#define SP_HOST_H
#include "profile/analyzer.h"
#include "report/facts.h"

extern const analyzer_ops host_analyzer_ops;
extern const profile_ext_ops host_ext_ops;

void host_describe(const profile *p, facts *f, const describe_ctx *ctx);
void host_profile_tools(const profile *p, buf *out);
void host_profile_keys(const profile *p, key_list *out);

#endif
