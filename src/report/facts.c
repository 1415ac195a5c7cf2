#include "report/facts.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void facts_init(facts *f)
{
	memset(f, 0, sizeof *f);
	f->processes = -1;
	f->ttl_initial = f->ttl_hops = -1;
	buf_init(&f->extra_json);
	buf_init(&f->notes);
}

void facts_free(facts *f)
{
	buf_free(&f->extra_json);
	buf_free(&f->notes);
}

void facts_describe(const profile *p, facts *f, const describe_ctx *ctx)
{
	describe_ctx none = {NULL, NULL};
	for (int i = 0; describe_list[i]; i++)
		describe_list[i](p, f, ctx ? ctx : &none);
}

fact_tool *facts_add_tool(facts *f, const char *tool)
{
	for (int i = 0; i < f->ntools; i++)
		if (strcmp(f->tools[i].tool, tool) == 0)
			return &f->tools[i];
	if (f->ntools == FACT_TOOLS)
		return &f->tools[FACT_TOOLS - 1];
	fact_tool *t = &f->tools[f->ntools++];
	memset(t, 0, sizeof *t);
	snprintf(t->tool, sizeof t->tool, "%s", tool);
	return t;
}

void fact_tool_evidence(fact_tool *t, const char *fmt, ...)
{
	if (t->nevidence == FACT_EVIDENCE)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(t->evidence[t->nevidence++], FACT_TEXT, fmt, ap);
	va_end(ap);
}

void fact_tool_change(fact_tool *t, const char *field, const char *expected, const char *seen)
{
	if (t->nchanges == FACT_CHANGES)
		return;
	fact_change *c = &t->changes[t->nchanges++];
	snprintf(c->field, sizeof c->field, "%s", field);
	snprintf(c->expected, sizeof c->expected, "%s", expected);
	snprintf(c->seen, sizeof c->seen, "%s", seen);
	t->modified = 1;
}

void facts_os_evidence(facts *f, const char *fmt, ...)
{
	if (f->nos_evidence == FACT_EVIDENCE)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(f->os_evidence[f->nos_evidence++], FACT_TEXT, fmt, ap);
	va_end(ap);
}

void facts_note(facts *f, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&f->notes, fmt, ap);
	va_end(ap);
	buf_putc(&f->notes, '\n');
}

void facts_add_local(facts *f, const char *addr)
{
	for (int i = 0; i < f->nlocal; i++)
		if (strcmp(f->local_addresses[i], addr) == 0)
			return;
	if (f->nlocal < FACT_LOCAL)
		snprintf(f->local_addresses[f->nlocal++], sizeof f->local_addresses[0], "%s", addr);
}

void facts_add_method(facts *f, const char *method, uint64_t count)
{
	for (int i = 0; i < f->nmethods; i++) {
		if (strcmp(f->method[i], method) == 0) {
			f->method_count[i] += count;
			return;
		}
	}
	if (f->nmethods == FACT_METHODS)
		return;
	snprintf(f->method[f->nmethods], sizeof f->method[0], "%s", method);
	f->method_count[f->nmethods++] = count;
}
