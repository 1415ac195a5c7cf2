/* The command line: one file per command, shared option handling here. */
#ifndef SP_CLI_H
#define SP_CLI_H
#include <stdint.h>
#include <stdio.h>

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

typedef struct cli_cmd {
	const char *name;
	const char *summary;
	int (*run)(int argc, char **argv);
} cli_cmd;

int cmd_read(int argc, char **argv);
int cmd_live(int argc, char **argv);
int cmd_sources(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_honeypot(int argc, char **argv);
int cmd_campaigns(int argc, char **argv);
int cmd_trends(int argc, char **argv);
int cmd_report(int argc, char **argv);

/* Prints "scanprint CMD: message" and the hint to use --help; returns 2. */
int cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Parses sizes like 512M, 2G, 100000; returns 0 on success. */
int cli_parse_size(const char *s, uint64_t *out);
/* A whole number from min to max for option opt of cmd; on failure prints the usage
 * error ("bad --top 'x' (1 to 100000)", with unit first when given) and returns
 * cli_usage's status. */
int cli_parse_count(const char *cmd, const char *opt, const char *v, uint32_t min, uint32_t max,
		    const char *unit, uint32_t *out);
/* Sensor names: 1-31 of [A-Za-z0-9._-]. */
int cli_valid_sensor(const char *s);

#endif
