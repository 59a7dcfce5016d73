/*
 * cmd_sync.c - `station sync` (send finished runs to the fleet's central
 * PostgreSQL database, once or as a daemon) and `station fleet report|unit`
 * (read the fleet back).  Thin over station/fleet/ (fleet.h, docs/fleet.md).
 *
 * Exit codes: 0 done; 2 usage; 3 the central database could not be reached
 * or refused (nothing is lost: the runs stay pending and go next time).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "core/enc.h"
#include "core/st.h"
#include "fleet/fleet.h"
#include "store/store.h"

static volatile int sync_stop;

static void on_stop(int sig)
{
	(void)sig;
	sync_stop = 1;
}

static void sync_usage(FILE *f)
{
	fprintf(f,
		"usage: station sync [--to URL] [--db FILE] [--with-captures] [--max-runs N]\n"
		"       station sync --init [--to URL]\n"
		"       station sync --status [--to URL] [--db FILE]\n"
		"       station sync --daemon [--interval S] [--to URL] [--db FILE]\n"
		"\n"
		"Send every finished run of this station's database to the fleet's central\n"
		"PostgreSQL database, each run once, in one transaction per run.\n"
		"  --to URL          libpq connection string (default $STATION_SYNC_URL)\n"
		"  --db FILE         this station's database (default $STATION_DB or ./station.db)\n"
		"  --init            create or upgrade the central schema (db/central)\n"
		"  --status          how many runs are still to be sent\n"
		"  --with-captures   also send the raw captures' bytes\n"
		"  --max-runs N      send at most N runs now\n"
		"  --daemon          sync again and again; back off while the server is away\n"
		"  --interval S      seconds between syncs with --daemon (default 60)\n"
		"exit: 0 done, 2 usage, 3 central database unreachable or refused (runs stay pending)\n");
}

static int exit_for(int ret)
{
	return ret == ST_ERR_ARG ? ST_EXIT_USAGE : ST_EXIT_ERROR;
}

/* One sync pass: connect, send, report one line. */
static int sync_once(const char *url, const char *db, const struct st_sync_opts *o, int quiet)
{
	struct st_fleet *f = NULL;
	struct st_store *s = NULL;
	struct st_sync_stats st;
	char err[ST_ERRLEN];
	int ret;

	ret = st_store_open(&s, db, err);
	if (ret) {
		fprintf(stderr, "station sync: %s\n", err);
		return ret == ST_ERR_ARG || ret == ST_ERR_PARSE ? ST_EXIT_USAGE : ST_EXIT_ERROR;
	}
	ret = st_fleet_connect(&f, url, err);
	if (!ret)
		ret = st_fleet_sync(f, s, o, &st, err);
	if (ret) {
		fprintf(stderr, "station sync: %s\n", err);
	} else if (!quiet || st.sent || st.already) {
		printf("synced %d run%s to %s (%lld rows)%s; %d pending, %d still running\n",
		       st.sent, st.sent == 1 ? "" : "s", st_fleet_target(f), st.rows,
		       st.already ? " - some were there already" : "", st.pending, st.running);
		fflush(stdout);
	}
	st_fleet_close(f);
	st_store_close(s);
	return ret ? exit_for(ret) : 0;
}

static void nap(double seconds)
{
	struct timespec ts = { 0, 100 * 1000 * 1000 };

	for (double t = 0; t < seconds && !sync_stop; t += 0.1)
		nanosleep(&ts, NULL);
}

static int sync_daemon(const char *url, const char *db, const struct st_sync_opts *o,
		       double interval)
{
	double backoff = interval;
	int rc = 0;

	signal(SIGINT, on_stop);
	signal(SIGTERM, on_stop);
	while (!sync_stop) {
		rc = sync_once(url, db, o, 1);
		if (rc == ST_EXIT_USAGE)
			return rc;
		backoff = rc ? (backoff * 2 > 600 ? 600 : backoff * 2) : interval;
		if (rc)
			fprintf(stderr, "station sync: trying again in %.0f s\n", backoff);
		nap(backoff);
	}
	return rc;
}

static int sync_init(const char *url)
{
	struct st_fleet *f = NULL;
	char err[ST_ERRLEN], id[64];
	int ret, applied = 0;

	ret = st_fleet_connect(&f, url, err);
	if (!ret)
		ret = st_fleet_init(f, &applied, err);
	if (!ret)
		ret = st_fleet_check(f, id, err);
	if (ret) {
		fprintf(stderr, "station sync: %s\n", err);
		st_fleet_close(f);
		return exit_for(ret);
	}
	printf("central database %s: %d migration%s applied, fleet %s\n", st_fleet_target(f),
	       applied, applied == 1 ? "" : "s", id);
	st_fleet_close(f);
	return 0;
}

static int sync_status(const char *url, const char *db)
{
	struct st_fleet *f = NULL;
	struct st_store *s = NULL;
	char err[ST_ERRLEN], id[64];
	int ret, pending = 0, running = 0;

	ret = st_store_open_ex(&s, db, ST_STORE_NOCREATE | ST_STORE_READONLY_OK, NULL, err);
	if (!ret)
		ret = st_fleet_connect(&f, url, err);
	if (!ret)
		ret = st_fleet_check(f, id, err);
	if (!ret)
		ret = st_fleet_pending(s, id, &pending, &running, err);
	if (ret)
		fprintf(stderr, "station sync: %s\n", err);
	else
		printf("%s -> %s: %d run%s to send, %d still running\n", st_store_path(s),
		       st_fleet_target(f), pending, pending == 1 ? "" : "s", running);
	st_fleet_close(f);
	st_store_close(s);
	return ret ? exit_for(ret) : 0;
}

int cmd_sync(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "to", required_argument, NULL, 't' },
		{ "db", required_argument, NULL, 'd' },
		{ "init", no_argument, NULL, 'i' },
		{ "status", no_argument, NULL, 's' },
		{ "with-captures", no_argument, NULL, 'c' },
		{ "max-runs", required_argument, NULL, 'm' },
		{ "daemon", no_argument, NULL, 'D' },
		{ "interval", required_argument, NULL, 'I' },
		{ "help", no_argument, NULL, 'h' },
		{ 0, 0, 0, 0 },
	};
	struct st_sync_opts o = { .stop = &sync_stop };
	const char *url = NULL, *db = st_store_default_path();
	int init = 0, status = 0, daemon = 0, c;
	double interval = 60;
	long n;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 't': url = optarg; break;
		case 'd': db = optarg; break;
		case 'i': init = 1; break;
		case 's': status = 1; break;
		case 'c': o.with_captures = 1; break;
		case 'D': daemon = 1; break;
		case 'm':
			if (st_parse_int(optarg, &n) || n < 1 || n > 1000000000)
				return cli_usage_error("sync", "--max-runs wants a positive count, not '%.40s'", optarg);
			o.max_runs = (int)n;
			break;
		case 'I':
			if (st_parse_double(optarg, &interval) || interval < 1 || interval > 86400)
				return cli_usage_error("sync", "--interval wants 1 to 86400 seconds");
			break;
		case 'h': sync_usage(stdout); return 0;
		default: sync_usage(stderr); return ST_EXIT_USAGE;
		}
	}
	if (optind < argc)
		return cli_usage_error("sync", "unexpected argument '%.40s'", argv[optind]);
	if (init + status + daemon > 1)
		return cli_usage_error("sync", "--init, --status and --daemon go alone");
	if (init)
		return sync_init(url);
	if (status)
		return sync_status(url, db);
	if (daemon)
		return sync_daemon(url, db, &o, interval);
	return sync_once(url, db, &o, 0);
}

static void fleet_usage(FILE *f)
{
	fprintf(f,
		"usage: station fleet report [--to URL] [--since DATE] [--out FILE.html] [--charts N]\n"
		"       station fleet unit SERIAL [--to URL] [--json]\n"
		"\n"
		"Read the fleet's central PostgreSQL database (docs/fleet.md).\n"
		"  report   yield by model, station and day; Cpk of every limited measurement with\n"
		"           control charts; Pareto of failure causes and dispositions; stations\n"
		"           that stand out; one self-contained HTML file (default fleet-report.html)\n"
		"  unit     one unit's runs at every station, oldest first\n"
		"  --to URL        libpq connection string (default $STATION_SYNC_URL)\n"
		"  --since DATE    only runs started then or later (YYYY-MM-DD or ISO 8601)\n"
		"exit: 0 done, 2 usage or unknown serial, 3 central database unreachable\n");
}

static int since_ok(const char *s)
{
	size_t n = strlen(s);

	if (n < 10 || n > 32)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!strchr("0123456789-:TZ.+ ", s[i]))
			return 0;
	return 1;
}

int cmd_fleet(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "to", required_argument, NULL, 't' },
		{ "since", required_argument, NULL, 's' },
		{ "out", required_argument, NULL, 'o' },
		{ "charts", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0, 0, 0, 0 },
	};
	struct st_fleet_report_opts ro = { 0 };
	const char *url = NULL, *out_path = "fleet-report.html", *what;
	struct st_fleet *f = NULL;
	char err[ST_ERRLEN];
	int json = 0, c, ret;
	FILE *out;
	long n;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fleet_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? ST_EXIT_USAGE : 0;
	}
	what = argv[1];
	if (strcmp(what, "report") && strcmp(what, "unit"))
		return cli_usage_error("fleet", "unknown sub-command '%.40s' (report or unit)", what);
	optind = 2;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 't': url = optarg; break;
		case 's':
			if (!since_ok(optarg))
				return cli_usage_error("fleet", "--since wants a date (YYYY-MM-DD or "
						       "ISO 8601), not '%.40s'", optarg);
			ro.since = optarg;
			break;
		case 'o': out_path = optarg; break;
		case 'c':
			if (st_parse_int(optarg, &n) || n < 1 || n > 100)
				return cli_usage_error("fleet", "--charts wants 1 to 100");
			ro.charts = (int)n;
			break;
		case 'j': json = 1; break;
		case 'h': fleet_usage(stdout); return 0;
		default: fleet_usage(stderr); return ST_EXIT_USAGE;
		}
	}
	if (!strcmp(what, "unit") && optind != argc - 1)
		return cli_usage_error("fleet", "unit wants one SERIAL");
	if (!strcmp(what, "unit") && st_serial_check(argv[optind], err))
		return cli_usage_error("fleet", "%s", err);  /* the serial alphabet, docs/cli.md */
	if (!strcmp(what, "report") && optind != argc)
		return cli_usage_error("fleet", "unexpected argument '%.40s'", argv[optind]);
	ret = st_fleet_connect(&f, url, err);
	if (ret)
		goto out_err;
	if (!strcmp(what, "unit")) {
		ret = st_fleet_unit(f, argv[optind], json, stdout, err);
		goto out_close;
	}
	out = fopen(out_path, "w");
	if (!out) {
		ret = st_fail(err, ST_ERR_ARG, "%s: cannot write: %s", out_path, strerror(errno));
		goto out_close;
	}
	ret = st_fleet_report(f, &ro, out, err);
	if (fclose(out) && !ret)
		ret = st_fail(err, ST_ERR_IO, "%s: %s", out_path, strerror(errno));
	if (!ret)
		printf("fleet report written to %s\n", out_path);
out_close:
	st_fleet_close(f);
out_err:
	if (ret)
		fprintf(stderr, "station fleet: %s\n", err);
	return !ret ? 0 : (ret == ST_ERR_ARG || ret == ST_ERR_NOTFOUND) ? ST_EXIT_USAGE : ST_EXIT_ERROR;
}
