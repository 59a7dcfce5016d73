/*
 * cmd_report.c - `station report run RUN`, `station report batch BATCH` and
 * `station report nightly [--firmware BUILD] [--last N]`:
 * the thin front end of station/report/.  It opens the store (never
 * creating one), renders the report through the templates in reports/ and
 * writes it atomically to --out (or stdout).  A batch report also writes
 * each unit's run report beside it, so its links work.  docs/reports.md.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "core/st.h"
#include "report/report.h"
#include "seq/seq.h"
#include "store/store.h"

struct report_args {
	const char *what;   /* "run" or "batch" */
	const char *id;     /* run or batch uuid prefix */
	const char *out;    /* --out FILE.html, NULL = stdout */
	const char *csv;    /* --csv FILE (batch) */
	const char *db;     /* --db FILE */
	const char *firmware; /* --firmware BUILD (nightly) */
	long last;          /* --last N (nightly): builds in the trends */
};

static void report_usage(FILE *f)
{
	fprintf(f, "usage: station report run RUN [--out FILE.html] [--db FILE]\n"
		   "       station report batch BATCH [--out FILE.html] [--csv FILE] [--db FILE]\n"
		   "       station report nightly [--firmware BUILD] [--last N] [--out FILE.html] [--db FILE]\n"
		   "  RUN, BATCH     a uuid or its first characters (station history, station triage)\n"
		   "  --out FILE     write the HTML report there (default: stdout); a batch report\n"
		   "                 also writes each unit's run report beside it (run-XXXXXXXX.html)\n"
		   "  --csv FILE     (batch) the unit list as CSV\n"
		   "  --firmware B   (nightly) the night that tested build B (default: the latest night)\n"
		   "  --last N       (nightly) trends over the last N builds (default 10)\n"
		   "  --db FILE      result database (default $STATION_DB, else station.db)\n");
}

static int report_option(void *ctx, int c, const char *v, char *err)
{
	struct report_args *a = ctx;

	switch (c) {
	case 'o': a->out = v; return ST_OK;
	case 'c': a->csv = v; return ST_OK;
	case 'd': a->db = v; return ST_OK;
	case 'f': a->firmware = v; return ST_OK;
	case 'l':
		if (st_parse_int(v, &a->last) || a->last < 1 || a->last > 60)
			return st_fail(err, ST_ERR_ARG, "--last wants 1 to 60 builds");
		return ST_OK;
	}
	return ST_ERR_ARG;
}

static int parse_args(int argc, char **argv, struct report_args *a)
{
	static const struct option opts[] = {
		{ "out", required_argument, 0, 'o' }, { "csv", required_argument, 0, 'c' },
		{ "db", required_argument, 0, 'd' },  { "help", no_argument, 0, 'h' },
		{ "firmware", required_argument, 0, 'f' }, { "last", required_argument, 0, 'l' },
		{ 0, 0, 0, 0 },
	};
	int ret;

	memset(a, 0, sizeof(*a));
	a->last = 10;
	ret = cli_getopt("report", "report", argc, argv, opts, report_usage, report_option, a);
	if (ret)
		return ret;
	if (argc - optind == 1 && !strcmp(argv[optind], "nightly")) {
		a->what = argv[optind];
		if (a->csv)
			return cli_usage_error("report", "--csv is for batch reports");
		return 0;
	}
	if (a->firmware || a->last != 10)
		return cli_usage_error("report", "--firmware and --last are for nightly reports");
	if (argc - optind != 2)
		return cli_usage_error("report", "give run RUN, batch BATCH or nightly (station report --help)");
	a->what = argv[optind];
	a->id = argv[optind + 1];
	if (strcmp(a->what, "run") && strcmp(a->what, "batch"))
		return cli_usage_error("report", "unknown report '%s': run, batch or nightly", a->what);
	if (a->csv && strcmp(a->what, "batch"))
		return cli_usage_error("report", "--csv is for batch reports");
	if (!a->id[0])
		return cli_usage_error("report", "empty %s id", a->what);
	return 0;
}

/* What to do for a disposition, from the sequencer's disposition table:
 * the technician's line, the customer's advice and the seed it comes from. */
static const char *advice_cb(const char *disposition, void *ctx)
{
	static char buf[1024];
	const struct st_disposition *d = st_disposition_find(disposition);

	(void)ctx;
	if (!d || !d->todo)
		return NULL;
	snprintf(buf, sizeof(buf), "%s%s%s%s%s%s", d->todo, d->advice ? ". Customer: " : "",
		 d->advice ? d->advice : "", d->quote ? " (" : "", d->quote ? d->quote : "",
		 d->quote ? ")" : "");
	return buf;
}

static int exit_for(int ret)
{
	return ret == ST_ERR_NOTFOUND || ret == ST_ERR_ARG || ret == ST_ERR_PARSE ||
			       ret == ST_ERR_REFUSED
		       ? ST_EXIT_USAGE
		       : ST_EXIT_ERROR;
}

int cmd_report(int argc, char **argv)
{
	struct report_args a;
	struct st_report_opts o = { .advice = advice_cb };
	struct st_store *s = NULL;
	struct st_sbuf out = { 0 }, csv = { 0 };
	char err[ST_ERRLEN] = "";
	const char *path;
	int ret;

	ret = parse_args(argc, argv, &a);
	if (ret)
		return ret < 0 ? ST_EXIT_PASS : ret;
	ret = cli_open_store(a.db, ST_STORE_NOCREATE | ST_STORE_READONLY_OK, &s, &path, err);
	if (ret) {
		cli_error("report", "%s", err);
		return exit_for(ret);
	}
	if (!strcmp(a.what, "nightly")) {
		ret = st_report_nightly(s, a.firmware, (int)a.last, &o, &out, err);
	} else if (!strcmp(a.what, "run")) {
		ret = st_report_run(s, a.id, &o, &out, err);
	} else {
		ret = st_report_batch(s, a.id, &o, &out, a.csv ? &csv : NULL, err);
		if (!ret && a.out)
			ret = st_report_batch_runs(s, a.id, a.out, &o, err);
	}
	if (!ret)
		ret = st_report_write(a.out, &out, err);
	if (!ret && a.csv)
		ret = st_report_write(a.csv, &csv, err);
	st_sbuf_free(&out);
	st_sbuf_free(&csv);
	st_store_close(s);
	if (ret) {
		fprintf(stderr, "station report: %s\n", err);
		return exit_for(ret);
	}
	if (a.out)
		fprintf(stderr, "report written to %s\n", a.out);
	return ST_EXIT_PASS;
}
