/* scanprint campaigns [--db PATH] [--json | --csv | --suricata]
 * scanprint trends    [--db PATH] [--json | --csv] [--days N] [--top N] [--port P]
 * scanprint report    [--db PATH] --html FILE [--redact] [--days N] */
#include "campaign/campaign.h"
#include "campaign/rules.h"
#include "campaign/trend.h"
#include "cli/cli.h"
#include "report/html.h"
#include "store/store.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static store *open_store(const char *db)
{
	char err[600];
	store *st = store_open(db, STORE_READ, err, sizeof err);
	if (!st)
		fprintf(stderr, "scanprint: %s: %s\n", store_location(db), err);
	return st;
}

static int store_failed(store *st)
{
	fprintf(stderr, "scanprint: %s: %s\n", st->where, store_error(st));
	store_close(st);
	return EXIT_FAIL;
}

/* --- campaigns ----------------------------------------------------------------------- */

enum { OUT_TABLE, OUT_JSON, OUT_CSV, OUT_SURICATA };

static void campaigns_help(void)
{
	printf("usage: scanprint campaigns [--db PATH] [--json | --csv | --suricata]\n\n"
	       "Groups the sources that share a kit fingerprint (a modified SIP kit, a request\n"
	       "shape no known tool writes, a hard-coded local address, one Nmap, Unicornscan\n"
	       "or Masscan run's parameters) into campaigns, most members first: members, first\n"
	       "and last seen, growth per day, the ports members also probe, the kit and its\n"
	       "evidence, and whether it is a botnet or one scanner. --json writes one object\n"
	       "per line, --csv one row per campaign, --suricata rules that detect each\n"
	       "modified kit (one per token it changed). Campaign ids never change: use them\n"
	       "with 'scanprint sources --campaign ID'.\n");
}

int cmd_campaigns(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"db", required_argument, NULL, 'd'}, {"json", no_argument, NULL, 'j'},
	    {"csv", no_argument, NULL, 'c'},	  {"suricata", no_argument, NULL, 'r'},
	    {"help", no_argument, NULL, 'h'},	  {NULL, 0, NULL, 0},
	};
	const char *db = NULL;
	int out = OUT_TABLE, c, nout = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "d:jcrh", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			db = optarg;
			break;
		case 'j':
			out = OUT_JSON, nout++;
			break;
		case 'c':
			out = OUT_CSV, nout++;
			break;
		case 'r':
			out = OUT_SURICATA, nout++;
			break;
		case 'h':
			campaigns_help();
			return EXIT_OK;
		default:
			return cli_usage("campaigns", "unknown option");
		}
	}
	if (optind < argc)
		return cli_usage("campaigns", "unexpected argument '%s'", argv[optind]);
	if (nout > 1)
		return cli_usage("campaigns", "give one of --json, --csv, --suricata");
	store *st = open_store(db);
	if (!st)
		return EXIT_FAIL;
	campaign_set set;
	if (campaigns_build(st, NULL, &set) < 0)
		return store_failed(st);
	if (out == OUT_SURICATA) {
		campaign_rules_write(stdout, &set);
	} else if (out == OUT_JSON) {
		buf line;
		buf_init(&line);
		for (size_t i = 0; i < set.n; i++) {
			jw w;
			buf_reset(&line);
			jw_init(&w, &line);
			campaign_json(&w, &set.c[i]);
			buf_putc(&line, '\n');
			fwrite(line.p, 1, line.len, stdout);
		}
		buf_free(&line);
	} else if (out == OUT_CSV) {
		campaign_csv_header(stdout);
		for (size_t i = 0; i < set.n; i++)
			campaign_csv_row(stdout, &set.c[i]);
	} else {
		campaign_table_header(stdout);
		for (size_t i = 0; i < set.n; i++)
			campaign_table_row(stdout, &set.c[i]);
		printf("(%zu campaign%s)\n", set.n, set.n == 1 ? "" : "s");
	}
	campaigns_free(&set);
	store_close(st);
	return EXIT_OK;
}

/* --- trends ------------------------------------------------------------------------- */

static void trends_help(void)
{
	printf("usage: scanprint trends [--db PATH] [--json | --csv] [--days N] [--top N]\n"
	       "                        [--port PORT/PROTO]\n\n"
	       "Per destination port and day: the probes (TCP SYN, UDP) and the distinct\n"
	       "sources, over the last N days with data (default 28), for the N busiest ports\n"
	       "(default 10) and every port with a significant rise in sources (against the\n"
	       "median of the 14 days before; see the manual). --json writes one object per\n"
	       "port and line, --csv one row per port and day.\n");
}

int cmd_trends(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"db", required_argument, NULL, 'd'},  {"json", no_argument, NULL, 'j'},
	    {"csv", no_argument, NULL, 'c'},	   {"days", required_argument, NULL, 'n'},
	    {"top", required_argument, NULL, 't'}, {"port", required_argument, NULL, 'p'},
	    {"help", no_argument, NULL, 'h'},	   {NULL, 0, NULL, 0},
	};
	const char *db = NULL;
	int out = OUT_TABLE, c, nout = 0;
	trend_opts o = {28, 10, 0};
	optind = 1;
	while ((c = getopt_long(argc, argv, "d:jcn:t:p:h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			db = optarg;
			break;
		case 'j':
			out = OUT_JSON, nout++;
			break;
		case 'c':
			out = OUT_CSV, nout++;
			break;
		case 'n':
			if (cli_parse_count("trends", "--days", optarg, 1, 3660, NULL, &o.days))
				return EXIT_USAGE;
			break;
		case 't':
			if (cli_parse_count("trends", "--top", optarg, 1, 100000, NULL, &o.top))
				return EXIT_USAGE;
			break;
		case 'p':
			if (!(o.port = trend_parse_port(optarg)))
				return cli_usage("trends", "bad --port '%s' (like 5060/udp)",
						 optarg);
			break;
		case 'h':
			trends_help();
			return EXIT_OK;
		default:
			return cli_usage("trends", "unknown option");
		}
	}
	if (optind < argc)
		return cli_usage("trends", "unexpected argument '%s'", argv[optind]);
	if (nout > 1)
		return cli_usage("trends", "give one of --json, --csv");
	store *st = open_store(db);
	if (!st)
		return EXIT_FAIL;
	trends t;
	if (trends_build(st, &o, &t) < 0)
		return store_failed(st);
	if (out == OUT_JSON) {
		buf line;
		buf_init(&line);
		for (uint32_t i = 0; i < t.nports; i++) {
			jw w;
			buf_reset(&line);
			jw_init(&w, &line);
			trend_port_json(&w, &t, &t.ports[i]);
			buf_putc(&line, '\n');
			fwrite(line.p, 1, line.len, stdout);
		}
		buf_free(&line);
	} else if (out == OUT_CSV) {
		trend_csv(stdout, &t);
	} else {
		trend_table(stdout, &t);
	}
	trends_free(&t);
	store_close(st);
	return EXIT_OK;
}

/* --- report -------------------------------------------------------------------------- */

static void report_help(void)
{
	printf("usage: scanprint report [--db PATH] --html FILE [--redact] [--days N]\n\n"
	       "Writes the analyst's report as one self-contained HTML file (no network needed\n"
	       "to open it): the overview, each campaign written up (kit, changes, evidence,\n"
	       "host traits, growth chart, a sample message), port trend charts and the top\n"
	       "sources. --redact replaces the sensors' addresses with documentation addresses\n"
	       "(192.0.2.0/24, 2001:db8::/32) and removes tags, Call-IDs and branch values, as\n"
	       "published analyses do. --days: the trend window (default 28).\n");
}

int cmd_report(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"db", required_argument, NULL, 'd'}, {"html", required_argument, NULL, 'o'},
	    {"redact", no_argument, NULL, 'r'},	  {"days", required_argument, NULL, 'n'},
	    {"help", no_argument, NULL, 'h'},	  {NULL, 0, NULL, 0},
	};
	const char *db = NULL, *file = NULL;
	report_opts o = {0, 28};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "d:o:rn:h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			db = optarg;
			break;
		case 'o':
			file = optarg;
			break;
		case 'r':
			o.redact = 1;
			break;
		case 'n':
			if (cli_parse_count("report", "--days", optarg, 1, 3660, NULL, &o.days))
				return EXIT_USAGE;
			break;
		case 'h':
			report_help();
			return EXIT_OK;
		default:
			return cli_usage("report", "unknown option");
		}
	}
	if (optind < argc)
		return cli_usage("report", "unexpected argument '%s'", argv[optind]);
	if (!file || !*file)
		return cli_usage("report", "give the file to write: --html FILE");
	store *st = open_store(db);
	if (!st)
		return EXIT_FAIL;
	/* written beside, then renamed: a failed report never leaves half a file */
	char tmp[4200];
	snprintf(tmp, sizeof tmp, "%s.tmp%d", strcmp(file, "-") ? file : "report", (int)getpid());
	int to_stdout = !strcmp(file, "-");
	FILE *f = to_stdout ? stdout : fopen(tmp, "w");
	if (!f) {
		fprintf(stderr, "scanprint: %s: cannot write: %s\n", file, strerror(errno));
		store_close(st);
		return EXIT_FAIL;
	}
	int rc = report_html(f, st, &o);
	if (rc < 0)
		fprintf(stderr, "scanprint: %s: %s\n", st->where, store_error(st));
	if (!to_stdout) {
		if (fclose(f) != 0 && rc == 0) {
			fprintf(stderr, "scanprint: %s: cannot write: %s\n", file, strerror(errno));
			rc = -1;
		}
		if (rc == 0 && rename(tmp, file) != 0) {
			fprintf(stderr, "scanprint: %s: cannot write: %s\n", file, strerror(errno));
			rc = -1;
		}
		if (rc < 0)
			unlink(tmp);
	}
	store_close(st);
	return rc < 0 ? EXIT_FAIL : EXIT_OK;
}
