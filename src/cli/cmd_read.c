/* scanprint read [--db PATH] [--sensor NAME] [--quiet] [--memory SIZE] FILE... */
#include "cli/cli.h"
#include "profile/ingest.h"
#include "store/store.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void help(void)
{
	printf("usage: scanprint read [--db PATH] [--sensor NAME] [--quiet] [--memory SIZE] FILE...\n\n"
	       "Reads capture files into the store, profiling every source.\n"
	       "FILE is pcap or pcapng, plain or compressed with gzip, zstd or xz (detected by\n"
	       "content); - reads standard input. A capture whose content was already read is\n"
	       "skipped, so nothing is counted twice.\n\n"
	       "  --db PATH       store (default $SCANPRINT_DB or ./scanprint.db)\n"
	       "  --sensor NAME   name of the sensor that captured it (default: default)\n"
	       "  --memory SIZE   profile memory before flushing to the store (default 1G)\n"
	       "  -q, --quiet     no progress or summary on stderr\n"
	       "  -h, --help      this text\n\n"
	       "Exit status: 0 all read; 1 a file could not be read or was cut short (what could\n"
	       "be read is kept); 2 bad usage.\n");
}

static void summary(const ingest_stats *s, double secs)
{
	fprintf(stderr,
		"scanprint: read %" PRIu64 " frames (%" PRIu64 " IP, %" PRIu64 " not IP, %" PRIu64
		" malformed) from %" PRIu64 " file(s) in %.2fs (%.2fs of it storing); %" PRIu64
		" source profiles written, peak profile memory %.1f MiB",
		s->frames, s->ip_packets, s->not_ip, s->malformed, s->files_read, secs, s->flush_s,
		s->sources, (double)s->peak_mem / (1 << 20));
	if (s->files_skipped)
		fprintf(stderr, "; %" PRIu64 " skipped as already read", s->files_skipped);
	fprintf(stderr, "\n");
	if (s->early_flushes)
		fprintf(stderr,
			"scanprint: the memory cap was reached %" PRIu64
			" time(s): profiles were flushed to the store early and merged there\n",
			s->early_flushes);
}

int cmd_read(int argc, char **argv)
{
	static const struct option opts[] = {
		{"db", required_argument, NULL, 'd'},   {"sensor", required_argument, NULL, 's'},
		{"quiet", no_argument, NULL, 'q'},      {"memory", required_argument, NULL, 'm'},
		{"help", no_argument, NULL, 'h'},       {NULL, 0, NULL, 0},
	};
	const char *db = NULL;
	ingest_opts io = {0};
	int quiet = 0, c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "d:s:qm:h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			db = optarg;
			break;
		case 's':
			if (!cli_valid_sensor(optarg))
				return cli_usage("read", "bad sensor name '%s' (1-31 of A-Z a-z 0-9 . _ -)", optarg);
			io.sensor = optarg;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'm':
			if (cli_parse_size(optarg, &io.mem_cap) < 0 || io.mem_cap < (1u << 20))
				return cli_usage("read", "bad --memory '%s' (e.g. 512M, 2G; at least 1M)", optarg);
			break;
		case 'h':
			help();
			return EXIT_OK;
		default:
			return cli_usage("read", "unknown option");
		}
	}
	if (optind >= argc)
		return cli_usage("read", "no capture file given");
	char err[600];
	store *st = store_open(db, STORE_WRITE, err, sizeof err);
	if (!st) {
		fprintf(stderr, "scanprint: %s: %s\n", store_location(db), err);
		return EXIT_FAIL;
	}
	io.progress = !quiet && isatty(2);
	ingest *g = ingest_new(st, &io);
	if (!g) {
		fprintf(stderr, "scanprint: out of memory\n");
		store_close(st);
		return EXIT_FAIL;
	}
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int failed = 0;
	for (int i = optind; i < argc; i++)
		failed |= ingest_file(g, argv[i]);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (!quiet)
		summary(ingest_get_stats(g),
			(double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	ingest_free(g);
	store_close(st);
	return failed ? EXIT_FAIL : EXIT_OK;
}
