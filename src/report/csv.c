/* CSV output (csv.h). */
#include "report/csv.h"

#include "decode/decode.h"
#include "report/source_out.h"
#include "util/json.h"

#include <inttypes.h>
#include <string.h>

void csv_field(FILE *out, const char *s, int last)
{
	if (strpbrk(s, ",\"\r\n")) {
		fputc('"', out);
		for (; *s; s++) {
			if (*s == '"')
				fputc('"', out);
			fputc(*s, out);
		}
		fputc('"', out);
	} else {
		fputs(s, out);
	}
	fputc(last ? '\n' : ',', out);
}

void source_csv_header(FILE *out)
{
	fputs("ip,first_seen,last_seen,packets,bytes,targets,ports,tools,modified,campaign,"
	      "processes,local_addresses,ip_id_class,ttl_initial,ttl_hops,os,sensors\n",
	      out);
}

static void csv_uint(FILE *out, uint64_t v)
{
	fprintf(out, "%" PRIu64 ",", v);
}

static void csv_int_or_empty(FILE *out, int v)
{
	if (v >= 0)
		fprintf(out, "%d,", v);
	else
		fputc(',', out);
}

void source_csv_row(FILE *out, const profile *p, const facts *f)
{
	char t[64], ps[32];
	buf b;
	buf_init(&b);
	csv_field(out, addr_str(p->ip, t), 0);
	time_rfc3339(p->first_ns, t, sizeof t);
	csv_field(out, t, 0);
	time_rfc3339(p->last_ns, t, sizeof t);
	csv_field(out, t, 0);
	csv_uint(out, p->packets);
	csv_uint(out, p->bytes);
	csv_uint(out, dset_count(&p->targets));
	uint32_t v[DSET_EXACT], nv = dset_sorted(&p->dports, v);
	for (uint32_t i = 0; i < nv; i++)
		buf_printf(&b, "%s%s", i ? " " : "", port_str(v[i], ps, sizeof ps));
	csv_field(out, buf_cstr(&b), 0);
	buf_reset(&b);
	int modified = 0;
	for (int i = 0; i < f->ntools; i++) {
		const fact_tool *x = &f->tools[i];
		buf_printf(&b, "%s%s%s%s%s%s", i ? " " : "", x->tool, x->component[0] ? "/" : "",
			   x->component, x->version[0] ? "/" : "", x->version);
		modified |= x->modified;
	}
	csv_field(out, buf_cstr(&b), 0);
	csv_field(out, modified ? "true" : "false", 0);
	csv_field(out, f->campaign, 0);
	csv_int_or_empty(out, f->processes);
	buf_reset(&b);
	for (int i = 0; i < f->nlocal; i++)
		buf_printf(&b, "%s%s", i ? " " : "", f->local_addresses[i]);
	csv_field(out, buf_cstr(&b), 0);
	csv_field(out, f->ipid_class, 0);
	csv_int_or_empty(out, f->ttl_initial);
	csv_int_or_empty(out, f->ttl_hops);
	csv_field(out, f->os_guess, 0);
	buf_reset(&b);
	for (uint32_t i = 0; i < p->n_sensors; i++)
		buf_printf(&b, "%s%s", i ? " " : "", p->sensors[i]);
	csv_field(out, buf_cstr(&b), 1);
	buf_free(&b);
}
