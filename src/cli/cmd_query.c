/* scanprint sources [--db PATH] [--json] [--tool NAME] [--campaign ID] [--limit N]
 * scanprint show    [--db PATH] [--json] IP */
#include "campaign/campaign.h"
#include "cli/cli.h"
#include "decode/decode.h"
#include "report/csv.h"
#include "report/facts.h"
#include "report/source_out.h"
#include "store/store.h"
#include "util/num.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

enum { LIST_TABLE, LIST_JSON, LIST_CSV };

typedef struct list_ctx {
	describe_ctx dc;
	int json; /* LIST_* */
	buf line;
	uint64_t n;
} list_ctx;

static int emit_source(void *vctx, const profile *p)
{
	list_ctx *c = vctx;
	facts f;
	facts_init(&f);
	facts_describe(p, &f, &c->dc);
	if (c->json == LIST_CSV) {
		source_csv_row(stdout, p, &f);
	} else if (c->json) {
		jw w;
		buf_reset(&c->line);
		jw_init(&w, &c->line);
		source_json(&w, p, &f);
		buf_putc(&c->line, '\n');
		fwrite(c->line.p, 1, c->line.len, stdout);
	} else {
		source_table_row(stdout, p, &f);
	}
	facts_free(&f);
	c->n++;
	return 0;
}

static void sources_help(void)
{
	printf("usage: scanprint sources [--db PATH] [--json | --csv] [--tool NAME] [--campaign ID]\n"
	       "                         [--sensor NAME] [--limit N] [--order packets|first|ip]\n\n"
	       "Lists the sources in the store, busiest first: a table, or with --json one JSON\n"
	       "object per line (see the JSON contract in the manual), or with --csv one row per\n"
	       "source. --campaign ID lists the members of a campaign ('scanprint campaigns').\n");
}

int cmd_sources(int argc, char **argv)
{
	static const struct option opts[] = {
		{"db", required_argument, NULL, 'd'},     {"json", no_argument, NULL, 'j'},
		{"tool", required_argument, NULL, 't'},   {"campaign", required_argument, NULL, 'c'},
		{"limit", required_argument, NULL, 'l'},  {"sensor", required_argument, NULL, 's'},
		{"order", required_argument, NULL, 'o'},  {"help", no_argument, NULL, 'h'},
		{"csv", no_argument, NULL, 'C'},          {NULL, 0, NULL, 0},
	};
	const char *db = NULL;
	source_query q = {0};
	list_ctx ctx = {0};
	int c;
	optind = 1;
	int nout = 0;
	while ((c = getopt_long(argc, argv, "d:jt:c:l:s:o:hC", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			db = optarg;
			break;
		case 'j':
			ctx.json = LIST_JSON;
			nout++;
			break;
		case 'C':
			ctx.json = LIST_CSV;
			nout++;
			break;
		case 't':
			q.tool = optarg;
			break;
		case 'c':
			q.campaign = optarg;
			break;
		case 's':
			q.sensor = optarg;
			break;
		case 'l': {
			uint64_t lim;
			if (num_u64(optarg, 0, UINT64_MAX, &lim) < 0)
				return cli_usage("sources", "bad --limit '%s'", optarg);
			q.limit = lim;
			break;
		}
		case 'o':
			if (!strcmp(optarg, "packets"))
				q.order = SQ_ORDER_PACKETS;
			else if (!strcmp(optarg, "first"))
				q.order = SQ_ORDER_FIRST_SEEN;
			else if (!strcmp(optarg, "ip"))
				q.order = SQ_ORDER_IP;
			else
				return cli_usage("sources", "bad --order '%s'", optarg);
			break;
		case 'h':
			sources_help();
			return EXIT_OK;
		default:
			return cli_usage("sources", "unknown option");
		}
	}
	if (optind < argc)
		return cli_usage("sources", "unexpected argument '%s'", argv[optind]);
	if (nout > 1)
		return cli_usage("sources", "give one of --json, --csv");
	char err[600];
	store *st = store_open(db, STORE_READ, err, sizeof err);
	if (!st) {
		fprintf(stderr, "scanprint: %s: %s\n", store_location(db), err);
		return EXIT_FAIL;
	}
	buf_init(&ctx.line);
	ctx.dc.st = st;
	ctx.dc.campaigns = campaign_cache_new(st); /* each campaign asked about once */
	if (ctx.json == LIST_CSV)
		source_csv_header(stdout);
	else if (!ctx.json)
		source_table_header(stdout);
	int rc = store_scan_profiles(st, &q, emit_source, &ctx);
	if (rc < 0)
		fprintf(stderr, "scanprint: %s: %s\n", st->where, store_error(st));
	else if (!ctx.json)
		printf("(%llu source%s)\n", (unsigned long long)ctx.n, ctx.n == 1 ? "" : "s");
	buf_free(&ctx.line);
	campaign_cache_free(ctx.dc.campaigns);
	store_close(st);
	return rc < 0 ? EXIT_FAIL : EXIT_OK;
}

static void show_help(void)
{
	printf("usage: scanprint show [--db PATH] [--json] IP\n\n"
	       "Writes up one source the way an analyst would: which tool, which version,\n"
	       "what was changed in it and the evidence; then what its packets say about the\n"
	       "host; then what it sent.\n");
}

int cmd_show(int argc, char **argv)
{
	static const struct option opts[] = {
		{"db", required_argument, NULL, 'd'}, {"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},     {NULL, 0, NULL, 0},
	};
	const char *db = NULL;
	int json = 0, c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "d:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			db = optarg;
			break;
		case 'j':
			json = 1;
			break;
		case 'h':
			show_help();
			return EXIT_OK;
		default:
			return cli_usage("show", "unknown option");
		}
	}
	if (optind + 1 != argc)
		return cli_usage("show", "give exactly one IP address");
	uint8_t ip[16];
	if (addr_parse(argv[optind], ip) < 0)
		return cli_usage("show", "'%s' is not an IPv4 or IPv6 address", argv[optind]);
	char err[600];
	store *st = store_open(db, STORE_READ, err, sizeof err);
	if (!st) {
		fprintf(stderr, "scanprint: %s: %s\n", store_location(db), err);
		return EXIT_FAIL;
	}
	profile p;
	profile_init(&p);
	int found = store_get_profile(st, ip, &p);
	int ret = EXIT_OK;
	if (found < 0) {
		fprintf(stderr, "scanprint: %s: %s\n", st->where, store_error(st));
		ret = EXIT_FAIL;
	} else if (!found) {
		fprintf(stderr, "scanprint: %s: no such source in %s\n", argv[optind], st->where);
		ret = EXIT_FAIL;
	} else {
		facts f;
		describe_ctx dc = {st, NULL};
		facts_init(&f);
		facts_describe(&p, &f, &dc);
		if (json) {
			buf line;
			buf_init(&line);
			jw w;
			jw_init(&w, &line);
			source_json(&w, &p, &f);
			buf_putc(&line, '\n');
			fwrite(line.p, 1, line.len, stdout);
			buf_free(&line);
		} else {
			source_show(stdout, st, &p, &f);
		}
		facts_free(&f);
	}
	profile_free(&p);
	store_close(st);
	return ret;
}
