/* scanprint honeypot [--db PATH] [--sensor NAME] [--listen ADDR:PORT]... [--personality NAME]
 *
 * Puts the pieces of src/honeypot together: settings (config file, then
 * options), the personality, the store and ingest, the recorder thread,
 * the network loop; binds, then drops root. */
#include "cli/cli.h"
#include "honeypot/config.h"
#include "honeypot/record.h"
#include "honeypot/respond.h"
#include "honeypot/server.h"
#include "profile/ingest.h"
#include "store/store.h"

#include <getopt.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void help(void)
{
	printf("usage: scanprint honeypot [--db PATH] [--sensor NAME] [--listen ADDR:PORT]...\n"
	       "                          [--personality NAME] [OPTIONS]\n\n"
	       "A SIP honeypot that answers like a real PBX (Asterisk, FreePBX, a Cisco gateway),\n"
	       "never amplifies, and feeds what it sees into the store like a capture: every\n"
	       "message is profiled and attributed, tagged with the sensor name, and kept whole\n"
	       "(table 'messages') with the reply sent. Runs until SIGTERM or Ctrl-C; SIGHUP\n"
	       "reopens the log. See docs/honeypot.md.\n\n"
	       "  --db PATH             store (default $SCANPRINT_DB or ./scanprint.db)\n"
	       "  --sensor NAME         sensor name in the profiles (default honeypot)\n"
	       "  --listen [udp:|tcp:]ADDR:PORT  where to listen; both transports unless\n"
	       "                        one is named; repeatable (default 0.0.0.0:5060)\n"
	       "  --personality NAME    asterisk, freepbx, cisco, or a .personality file\n"
	       "  --config FILE         settings, extensions and weak accounts (options win)\n"
	       "  --log FILE            JSON Lines event log for SIEMs (\"-\": stdout)\n"
	       "  --user NAME           become NAME after binding when started as root (nobody)\n"
	       "  --rate-source N[/B]   replies a second to one source, burst B (250/500)\n"
	       "  --rate-global N[/B]   replies a second in all (20000/40000)\n"
	       "  --max-message BYTES   longest message handled (16384)\n"
	       "  --max-connections N   TCP connections at once (256)\n"
	       "  --max-per-source N    TCP connections from one address (16)\n"
	       "  --idle-timeout S      close TCP connections idle this long (30)\n"
	       "  --max-sources N       sources whose limits are tracked (65536)\n"
	       "  --flush S             commit to the store at least this often (10)\n"
	       "  --memory SIZE         profile memory before an early commit (256M)\n"
	       "  --stats S             a stats event in the log this often (60; 0 never)\n"
	       "  -q, --quiet           nothing on stderr but errors and alerts\n");
}

static const struct option opts[] = {
    {"db", required_argument, NULL, 0},
    {"sensor", required_argument, NULL, 0},
    {"listen", required_argument, NULL, 0},
    {"personality", required_argument, NULL, 0},
    {"config", required_argument, NULL, 0},
    {"log", required_argument, NULL, 0},
    {"user", required_argument, NULL, 0},
    {"rate-source", required_argument, NULL, 0},
    {"rate-global", required_argument, NULL, 0},
    {"max-message", required_argument, NULL, 0},
    {"max-connections", required_argument, NULL, 0},
    {"max-per-source", required_argument, NULL, 0},
    {"idle-timeout", required_argument, NULL, 0},
    {"max-sources", required_argument, NULL, 0},
    {"flush", required_argument, NULL, 0},
    {"memory", required_argument, NULL, 0},
    {"stats", required_argument, NULL, 0},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* The config file first, so that options given on the line win. */
static int load_config(int argc, char **argv, hp_config *c)
{
	for (int i = 1; i < argc; i++) {
		const char *path = NULL;
		if (!strcmp(argv[i], "--config") && i + 1 < argc)
			path = argv[i + 1];
		else if (!strncmp(argv[i], "--config=", 9))
			path = argv[i] + 9;
		if (!path)
			continue;
		char err[700];
		if (hp_config_load(c, path, err, sizeof err) < 0) {
			fprintf(stderr, "scanprint: %s\n", err);
			return EXIT_FAIL;
		}
	}
	return EXIT_OK;
}

static int parse_args(int argc, char **argv, hp_config *c, int *quiet)
{
	int ch, idx, cli_listen = 0;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "qh", opts, &idx)) != -1) {
		if (ch == 'q') {
			*quiet = 1;
			continue;
		}
		if (ch == 'h') {
			help();
			return -1;
		}
		if (ch != 0)
			return cli_usage("honeypot", "unknown option");
		const char *k = opts[idx].name;
		if (!strcmp(k, "config"))
			continue;
		if (!strcmp(k, "listen") && !cli_listen++)
			c->nlisten = 0; /* listeners on the line replace the file's */
		char err[400];
		if (hp_config_set(c, k, optarg, err, sizeof err) < 0)
			return cli_usage("honeypot", "--%s", err);
	}
	if (optind < argc)
		return cli_usage("honeypot", "unexpected argument '%s'", argv[optind]);
	return 0;
}

static int load_personality(hp_config *c, hp_personality *p)
{
	char path[600], err[800];
	if (hp_personality_find(c->personality, path, sizeof path) < 0) {
		fprintf(stderr,
			"scanprint: personality '%s' not found (asterisk, freepbx, cisco, "
			"or a .personality file)\n",
			c->personality);
		return -1;
	}
	if (hp_personality_load(p, path, err, sizeof err) < 0) {
		fprintf(stderr, "scanprint: %s\n", err);
		return -1;
	}
	if (c->has_acc)
		hp_accounts_move(&p->acc, &c->acc);
	return 0;
}

typedef struct parts {
	store *st;
	ingest *g;
	hp_ctx *ctx;
	hp_pipe *pipe;
	hp_server *srv;
	hp_recorder *rec;
} parts;

static void free_parts(parts *x)
{
	hp_server_free(x->srv);
	hp_pipe_free(x->pipe);
	hp_ctx_free(x->ctx);
	ingest_free(x->g);
	store_close(x->st);
}

static void on_hup(void *arg)
{
	hp_recorder_reopen(arg);
}

/* Opens everything that needs privileges: the store, the sockets, the log. */
static int open_parts(hp_config *c, const hp_personality *p, parts *x, char *desc, size_t dn)
{
	char err[800];
	x->st = store_open(c->db[0] ? c->db : NULL, STORE_WRITE, err, sizeof err);
	if (!x->st) {
		fprintf(stderr, "scanprint: %s: %s\n", store_location(c->db[0] ? c->db : NULL),
			err);
		return -1;
	}
	ingest_opts io = {
	    .sensor = c->sensor, .mem_cap = c->memory, .flush_interval_s = (int)c->flush_s};
	x->g = ingest_new(x->st, &io);
	x->ctx = hp_ctx_new(p, &c->lim, 0);
	x->pipe = hp_pipe_new(sizeof(hp_rec) + (size_t)c->lim.max_message * 3 + 16384);
	if (!x->g || !x->ctx || !x->pipe) {
		fprintf(stderr, "scanprint: honeypot: out of memory\n");
		return -1;
	}
	hp_server_opts so = {.max_message = c->lim.max_message,
			     .max_connections = c->max_connections,
			     .max_per_source = c->max_per_source,
			     .idle_timeout_s = c->idle_timeout_s,
			     .stats_s = c->stats_s,
			     .rcvbuf = 4 << 20,
			     .on_hup = on_hup};
	memcpy(so.listen, c->listen, sizeof c->listen);
	so.nlisten = c->nlisten;
	x->srv = hp_server_new(&so, x->ctx, x->pipe, err, sizeof err);
	if (!x->srv) {
		fprintf(stderr, "scanprint: honeypot: %s\n", err);
		return -1;
	}
	hp_server_describe(x->srv, desc, dn);
	return 0;
}

static int start_recorder(hp_config *c, const hp_personality *p, parts *x, const char *desc,
			  int quiet)
{
	char err[800];
	hp_recorder_opts ro = {.sensor = c->sensor,
			       .log_path = c->log[0] ? c->log : NULL,
			       .personality = p->name,
			       .listen = desc,
			       .flush_s = (int)c->flush_s,
			       .mem_cap = c->memory,
			       .quiet = quiet};
	x->rec = hp_recorder_new(&ro, x->st, x->g, x->pipe, err, sizeof err);
	if (!x->rec) {
		fprintf(stderr, "scanprint: honeypot: log %s\n", err);
		return -1;
	}
	hp_server_set_hup_arg(x->srv, x->rec);
	/* the unprivileged user must be able to reopen the log after a rotation */
	struct passwd *pw = geteuid() == 0 ? getpwnam(c->user) : NULL;
	int fd = hp_recorder_log_fd(x->rec);
	if (pw && fd >= 0 && fchown(fd, pw->pw_uid, pw->pw_gid) < 0)
		fprintf(stderr, "scanprint: honeypot: cannot give the log to %s\n", c->user);
	/* and the store the files it makes later (the ClickHouse spool) */
	if (pw && pw->pw_uid != 0 && store_give_to(x->st, pw->pw_uid, pw->pw_gid) < 0) {
		fprintf(stderr, "scanprint: honeypot: %s: %s\n", x->st->where, store_error(x->st));
		return -1;
	}
	if (hp_drop_privileges(c->user, err, sizeof err) < 0) {
		fprintf(stderr, "scanprint: honeypot: %s\n", err);
		return -1;
	}
	return hp_recorder_start(x->rec);
}

int cmd_honeypot(int argc, char **argv)
{
	hp_config c;
	hp_personality p;
	parts x;
	int quiet = 0, rc;
	char desc[1024];
	memset(&x, 0, sizeof x);
	hp_config_default(&c);
	if ((rc = load_config(argc, argv, &c)) != EXIT_OK) {
		hp_config_free(&c);
		return rc;
	}
	if ((rc = parse_args(argc, argv, &c, &quiet)) != 0) {
		hp_config_free(&c);
		return rc < 0 ? EXIT_OK : rc;
	}
	char err[300];
	if (!c.nlisten && hp_config_set(&c, "listen", "0.0.0.0:5060", err, sizeof err) < 0)
		return EXIT_FAIL;
	if (!c.sensor[0])
		snprintf(c.sensor, sizeof c.sensor, "honeypot");
	if (load_personality(&c, &p) < 0) {
		hp_config_free(&c);
		return EXIT_FAIL;
	}
	rc = EXIT_FAIL;
	if (open_parts(&c, &p, &x, desc, sizeof desc) == 0 &&
	    start_recorder(&c, &p, &x, desc, quiet) == 0) {
		if (!quiet)
			fprintf(stderr,
				"scanprint honeypot: %s (%u extensions, %d weak accounts) on %s; "
				"sensor %s, store %s, running as uid %u\n",
				p.name, p.acc.n, p.acc.nweak, desc, c.sensor, x.st->where,
				(unsigned)getuid());
		hp_server_run(x.srv);
		rc = EXIT_OK;
	} else {
		if (x.pipe)
			hp_pipe_close(x.pipe);
	}
	if (x.rec && hp_recorder_finish(x.rec) != 0)
		rc = EXIT_FAIL;
	free_parts(&x);
	hp_personality_free(&p);
	hp_config_free(&c);
	return rc;
}
