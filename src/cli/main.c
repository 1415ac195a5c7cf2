/* scanprint: attribute the scanners that reach darknets and honeypots. */
#include "cli/cli.h"
#include "util/num.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static const cli_cmd commands[] = {
	{"read", "read captures (pcap/pcapng, also .gz .zst .xz; - = stdin) into the store", cmd_read},
	{"live", "read a live interface into the store until interrupted", cmd_live},
	{"honeypot", "run a SIP honeypot that feeds the store (a believable PBX)", cmd_honeypot},
	{"sources", "list the sources in the store (table, or --json lines)", cmd_sources},
	{"show", "write up one source: what it is, with the evidence", cmd_show},
	{"campaigns", "group sources that share a kit fingerprint (table, --json, --csv, --suricata)",
	 cmd_campaigns},
	{"trends", "probes and sources per destination port and day, with significant rises",
	 cmd_trends},
	{"report", "write the analyst's report as one self-contained HTML file", cmd_report},
};
#define N_COMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *out)
{
	fprintf(out, "usage: scanprint COMMAND [OPTIONS] [ARGS]\n\n"
		     "Profiles the sources of unsolicited traffic seen by darknets and honeypots,\n"
		     "and names the scanning tools they run.\n\ncommands:\n");
	for (size_t i = 0; i < N_COMMANDS; i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\nThe store is ./scanprint.db unless --db or $SCANPRINT_DB says otherwise;\n"
		     "clickhouse://[USER[:PASSWORD]@]HOST[:PORT]/DATABASE is a ClickHouse store.\n"
		     "Run 'scanprint COMMAND --help' for a command's options; 'man scanprint' for more.\n");
}

int cli_usage(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "scanprint %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'scanprint %s --help'.\n", cmd);
	return EXIT_USAGE;
}

int cli_parse_size(const char *s, uint64_t *out)
{
	return num_size(s, NUM_SIZE_B, NUM_SIZE_U64_MAX, out);
}

int cli_parse_count(const char *cmd, const char *opt, const char *v, uint32_t min, uint32_t max,
		    const char *unit, uint32_t *out)
{
	if (num_u32(v, min, max, out) < 0)
		return cli_usage(cmd, "bad %s '%s' (%s%s%u to %u)", opt, v, unit ? unit : "",
				 unit ? ", " : "", min, max);
	return 0;
}

int cli_valid_sensor(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 31)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
		usage(stdout);
		return EXIT_OK;
	}
	if (!strcmp(cmd, "--version") || !strcmp(cmd, "version")) {
		printf("scanprint %s\n", SP_VERSION);
		return EXIT_OK;
	}
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (!strcmp(cmd, commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "scanprint: unknown command '%s'\n\n", cmd);
	usage(stderr);
	return EXIT_USAGE;
}
