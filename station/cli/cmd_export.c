/*
 * cmd_export.c - `station export`: every measurement of the chosen runs as
 * CSV or JSON lines, for spreadsheets and manufacturing systems (the thin
 * front end of station/golden/export.c; docs/export.md).  The store is
 * opened read-only when it cannot be written and never created; --out is
 * written whole or not at all.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "core/enc.h"
#include "core/st.h"
#include "golden/export.h"
#include "golden/outfile.h"
#include "store/store.h"

struct export_args {
	enum st_export_format fmt;
	int has_fmt;                /* --format given */
	char since[32];             /* --since as stored times are written, "" = none */
	struct st_run_filter f;     /* what to export */
	const char *db;             /* --db FILE */
	const char *out;            /* --out FILE, NULL = stdout */
};

static void export_usage(FILE *f)
{
	fprintf(f, "usage: station export --format csv|json [--since DATE] [--serial S] [--model M]\n"
		   "                      [--plan P] [--db FILE] [--out FILE]\n"
		   "  --format csv|json  RFC 4180 CSV with a header row, or one JSON object per line\n"
		   "  --since DATE       runs started then or later: YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS]\n"
		   "                     (local time, or UTC with Z, or an offset like +01:00)\n"
		   "  --serial S         runs of this unit only\n"
		   "  --model M          runs of this model only\n"
		   "  --plan P           runs of this plan only\n"
		   "  --db FILE          result database (default $STATION_DB, else station.db)\n"
		   "  --out FILE         write there, whole or not at all (default: stdout)\n"
		   "One row per measurement: run, serial, model, firmware, plan, station, operator,\n"
		   "started, outcome, step, measurement, value, unit, limits, verdict (docs/export.md).\n");
}

static int check_option(const char *what, const char *v, char *err)
{
	return !strcmp(what, "--serial") ? st_serial_check(v, err) : st_name_check(what, v, err);
}

static int parse_option(void *ctx, int c, const char *v, char *err)
{
	struct export_args *a = ctx;

	switch (c) {
	case 'f':
		if (strcmp(v, "csv") && strcmp(v, "json"))
			return st_fail(err, ST_ERR_ARG, "--format is csv or json");
		a->fmt = strcmp(v, "csv") ? ST_EXPORT_JSON : ST_EXPORT_CSV;
		a->has_fmt = 1;
		return ST_OK;
	case 's':
		if (st_export_since(v, a->since, err))
			return ST_ERR_ARG;
		a->f.since = a->since;
		return ST_OK;
	case 'S': a->f.serial = v; return check_option("--serial", v, err);
	case 'm': a->f.model = v; return check_option("--model", v, err);
	case 'p': a->f.plan = v; return check_option("--plan", v, err);
	case 'd': a->db = v; return ST_OK;
	case 'o': a->out = v; return ST_OK;
	}
	return ST_ERR_ARG;
}

static int parse_args(int argc, char **argv, struct export_args *a)
{
	static const struct option opts[] = {
		{ "format", required_argument, 0, 'f' }, { "since", required_argument, 0, 's' },
		{ "serial", required_argument, 0, 'S' }, { "model", required_argument, 0, 'm' },
		{ "plan", required_argument, 0, 'p' },   { "db", required_argument, 0, 'd' },
		{ "out", required_argument, 0, 'o' },    { "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	int ret;

	memset(a, 0, sizeof(*a));
	ret = cli_getopt("export", "export", argc, argv, opts, export_usage, parse_option, a);
	if (ret)
		return ret;
	if (optind < argc)
		return cli_usage_error("export", "unexpected '%s' (station export --help)", argv[optind]);
	if (!a->has_fmt)
		return cli_usage_error("export", "give --format csv or --format json");
	return 0;
}

int cmd_export(int argc, char **argv)
{
	struct export_args a;
	struct st_store *s = NULL;
	struct st_outfile out;
	char err[ST_ERRLEN] = "";
	const char *path;
	long rows = 0;
	int ret;

	ret = parse_args(argc, argv, &a);
	if (ret)
		return ret < 0 ? ST_EXIT_PASS : ret;
	ret = cli_open_store(a.db, ST_STORE_NOCREATE | ST_STORE_READONLY_OK, &s, &path, err);
	if (ret) {
		cli_error("export", "%s", err);
		return ret == ST_ERR_DB || ret == ST_ERR_IO ? ST_EXIT_ERROR : ST_EXIT_USAGE;
	}
	ret = st_outfile_open(&out, a.out, err);
	if (!ret) {
		ret = st_export(s, &a.f, a.fmt, out.f, &rows, err);
		if (ret)
			st_outfile_abort(&out);
		else
			ret = st_outfile_commit(&out, err);
	}
	st_store_close(s);
	if (ret) {
		cli_error("export", "%s", err);
		return ret == ST_ERR_ARG ? ST_EXIT_USAGE : ST_EXIT_ERROR;
	}
	if (a.out) {
		fprintf(stderr, "%ld measurements written to ", rows);
		st_term_put(stderr, a.out);
		fputc('\n', stderr);
	}
	return ST_EXIT_PASS;
}
