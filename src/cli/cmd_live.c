/* scanprint live [--db PATH] [--sensor NAME] -i IFACE [BPF FILTER] */
#include "cli/cli.h"
#include "profile/ingest.h"
#include "store/store.h"

#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void help(void)
{
	printf("usage: scanprint live [--db PATH] [--sensor NAME] [--flush SECONDS] -i IFACE [BPF FILTER]\n\n"
	       "Reads a live interface into the store until interrupted (Ctrl-C, SIGTERM);\n"
	       "what was seen is stored on the way out and every --flush seconds (default 60).\n\n"
	       "  --db PATH        store (default $SCANPRINT_DB or ./scanprint.db)\n"
	       "  --sensor NAME    sensor name (default: the interface name)\n"
	       "  -i IFACE         interface to read\n"
	       "  --flush SECONDS  commit at least this often (1 to 86400)\n"
	       "  --memory SIZE    profile memory before flushing early (default 1G)\n"
	       "  -q, --quiet      no summary on stderr\n"
	       "  BPF FILTER       a tcpdump-style filter, e.g. 'udp port 5060 or tcp[13] == 2'\n");
}

int cmd_live(int argc, char **argv)
{
	static const struct option opts[] = {
		{"db", required_argument, NULL, 'd'},     {"sensor", required_argument, NULL, 's'},
		{"interface", required_argument, NULL, 'i'}, {"flush", required_argument, NULL, 'f'},
		{"memory", required_argument, NULL, 'm'}, {"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
	};
	const char *db = NULL, *iface = NULL;
	ingest_opts io = {0};
	int quiet = 0, c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "d:s:i:f:m:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			db = optarg;
			break;
		case 's':
			if (!cli_valid_sensor(optarg))
				return cli_usage("live", "bad sensor name '%s'", optarg);
			io.sensor = optarg;
			break;
		case 'i':
			iface = optarg;
			break;
		case 'f': {
			uint32_t f;
			if (cli_parse_count("live", "--flush", optarg, 1, 86400, "seconds", &f))
				return EXIT_USAGE;
			io.flush_interval_s = (int)f;
			break;
		}
		case 'm':
			if (cli_parse_size(optarg, &io.mem_cap) < 0 || io.mem_cap < (1u << 20))
				return cli_usage("live", "bad --memory '%s'", optarg);
			break;
		case 'q':
			quiet = 1;
			break;
		case 'h':
			help();
			return EXIT_OK;
		default:
			return cli_usage("live", "unknown option");
		}
	}
	if (!iface)
		return cli_usage("live", "no interface given (-i IFACE)");
	char filter[4096] = "";
	size_t n = 0;
	for (int i = optind; i < argc; i++)
		n += (size_t)snprintf(filter + n, sizeof filter - n, "%s%s", i > optind ? " " : "",
				      argv[i]);
	if (!io.sensor && cli_valid_sensor(iface))
		io.sensor = iface;
	char err[600];
	store *st = store_open(db, STORE_WRITE, err, sizeof err);
	if (!st) {
		fprintf(stderr, "scanprint: %s: %s\n", store_location(db), err);
		return EXIT_FAIL;
	}
	ingest *g = ingest_new(st, &io);
	if (!g) {
		store_close(st);
		return EXIT_FAIL;
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	int rc = ingest_live(g, iface, filter, &stop_flag);
	const ingest_stats *s = ingest_get_stats(g);
	if (!quiet && (rc == 0 || s->frames)) /* not after "cannot capture there" */
		fprintf(stderr, "scanprint: %s: %" PRIu64 " frames, %" PRIu64 " IP packets, %" PRIu64
			" source profiles written\n", iface, s->frames, s->ip_packets, s->sources);
	ingest_free(g);
	store_close(st);
	return rc ? EXIT_FAIL : EXIT_OK;
}
