/*
 * cmd_rejudge.c - `station rejudge RUN --limits FILE`: a stored run judged
 * again against another limit file and stored as a new judgement beside
 * the original, which stays untouched (station/golden/rejudge.h).  Prints
 * the measurements whose verdict differs from the original or that do not
 * pass, then the judgement's verdict; exits as `station run` would for
 * that verdict.
 */
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "core/enc.h"
#include "core/st.h"
#include "golden/reanalyse.h"
#include "golden/rejudge.h"
#include "store/store.h"

static void rejudge_usage(FILE *f)
{
	fprintf(f, "usage: station rejudge RUN --limits FILE [--db FILE] [--all] [--reanalyse]\n"
		   "  RUN            a run's uuid or its first characters (station history)\n"
		   "  --limits FILE  the limit file to judge the run's measurements against\n"
		   "                 (e.g. one from station limits learn)\n"
		   "  --db FILE      result database (default $STATION_DB, else station.db)\n"
		   "  --all          list every measurement, not only changed, moved and failing ones\n"
		   "  --reanalyse    re-analyse the run's ANC and microphone captures even when\n"
		   "                 they name this station's analysis version (they are\n"
		   "                 re-analysed anyway when the analysis changed)\n"
		   "The judgement is stored beside the run's original verdict, which is kept;\n"
		   "station history --run RUN lists the run's judgements.\n"
		   "exit: 0 PASS, 1 FAIL, 2 usage, 3 ERROR (or a database fault), 4 ABORTED\n");
}

struct rejudge_args {
	const char *run, *limits, *db;
	int all;                     /* --all */
	int reanalyse;               /* --reanalyse */
};

static int rejudge_option(void *ctx, int c, const char *v, char *err)
{
	struct rejudge_args *a = ctx;

	(void)err;
	switch (c) {
	case 'l': a->limits = v; return ST_OK;
	case 'd': a->db = v; return ST_OK;
	case 'a': a->all = 1; return ST_OK;
	case 'r': a->reanalyse = 1; return ST_OK;
	}
	return ST_ERR_ARG;
}

static int parse_args(int argc, char **argv, struct rejudge_args *a)
{
	static const struct option opts[] = {
		{ "limits", required_argument, 0, 'l' }, { "db", required_argument, 0, 'd' },
		{ "all", no_argument, 0, 'a' },          { "help", no_argument, 0, 'h' },
		{ "reanalyse", no_argument, 0, 'r' },
		{ 0, 0, 0, 0 },
	};
	int ret;

	memset(a, 0, sizeof(*a));
	ret = cli_getopt("rejudge", "rejudge", argc, argv, opts, rejudge_usage, rejudge_option, a);
	if (ret)
		return ret;
	if (argc - optind != 1)
		return cli_usage_error("rejudge", "give one RUN (station rejudge --help)");
	a->run = argv[optind];
	if (!a->limits)
		return cli_usage_error("rejudge", "give --limits FILE");
	return 0;
}

static void num(char *buf, size_t n, double v)
{
	if (isfinite(v))
		snprintf(buf, n, "%.6g", v);
	else
		snprintf(buf, n, "-");
}

/* 1 when a re-analysed value moved from the stored one. */
static int moved(const struct st_judgement_result *r)
{
	return r->reanalysed && !(fabs(r->value - r->stored) <= ST_REANALYSE_MOVED) &&
	       (isfinite(r->value) || isfinite(r->stored));
}

/* Where the value came from: "stored", "re-analysed", or with the move. */
static void source(const struct st_judgement_result *r, char *buf, size_t n)
{
	char st[24];

	if (!r->reanalysed) {
		snprintf(buf, n, "stored");
		return;
	}
	num(st, sizeof(st), r->stored);
	if (moved(r))
		snprintf(buf, n, "re-analysed, moved from %s", st);
	else
		snprintf(buf, n, "re-analysed, as stored");
}

static void print_results(const struct st_rejudge *rj, int all)
{
	char v[24], lo[24], hi[24], name[64], lim[80], src[64];
	int head = 0;

	for (int i = 0; i < rj->n; i++) {
		const struct st_judgement_result *r = &rj->r[i];
		if (!all && !moved(r) &&
		    (!r->verdict[0] || (!strcmp(r->verdict, "PASS") && !strcmp(r->was, "PASS"))))
			continue;
		if (!head++)
			printf("%-30s %12s %-5s %10s %10s %-7s %-7s %-24s %s\n", "MEASUREMENT", "VALUE",
			       "UNIT", "LOW", "HIGH", "WAS", "NOW", "LIMIT", "FROM");
		num(v, sizeof(v), r->value);
		num(lo, sizeof(lo), r->low);
		num(hi, sizeof(hi), r->high);
		source(r, src, sizeof(src));
		printf("%-30s %12s %-5s %10s %10s %-7s %-7s %-24s %s\n",
		       st_term_clean(name, sizeof(name), r->name), v, r->unit, lo, hi,
		       r->was[0] ? r->was : "-", r->verdict[0] ? r->verdict : "-",
		       r->limit_name[0] ? st_term_clean(lim, sizeof(lim), r->limit_name) : "(none)",
		       src);
	}
	if (head)
		putchar('\n');
}

/* What was re-analysed, whether it moved, and what could not be. */
static void print_reanalysis(const struct st_rejudge *rj, int forced)
{
	const struct st_judgement *j = &rj->j;
	char t[1100];

	if (j->reanalysed[0])
		printf("re-analysed (analysis %d, the captures' %d%s): %s\n"
		       "  %d measurements from re-analysis, %d moved by more than %g from the stored value\n",
		       j->analysis, j->run_analysis, forced ? ", --reanalyse" : "",
		       st_term_clean(t, sizeof(t), j->reanalysed), rj->reanalysed, rj->moved,
		       ST_REANALYSE_MOVED);
	else if (!j->not_reanalysed[0])
		printf("re-analysed: nothing (the captures name analysis %d, this station's; "
		       "--reanalyse forces it)\n", j->run_analysis);
	if (j->not_reanalysed[0])
		printf("not re-analysed: %s\n", st_term_clean(t, sizeof(t), j->not_reanalysed));
}

static void print_verdict(const struct st_rejudge *rj, const char *db, int forced)
{
	const struct st_judgement *j = &rj->j;
	char serial[64], fw[32], reason[300], lim[300];

	printf("%s  run %.8s  serial %s  firmware %s  (originally %s)\n", j->verdict, rj->run.uuid,
	       st_term_clean(serial, sizeof(serial), rj->run.serial),
	       st_term_clean(fw, sizeof(fw), rj->run.firmware[0] ? rj->run.firmware : "-"),
	       rj->run.outcome);
	printf("limits: %s  sha256 %.12s\n", st_term_clean(lim, sizeof(lim), j->limits_path),
	       j->limits_hash);
	printf("reason: %s\n", st_term_clean(reason, sizeof(reason), j->reason));
	printf("judged %d measurements, %d with another verdict than the original; captures: %s\n",
	       j->judged, j->changed, j->captures);
	print_reanalysis(rj, forced);
	printf("judgement %s stored in ", j->uuid);
	st_term_put(stdout, db);
	printf(" beside the original\n");
}

/* The database's directory, where relative capture paths live. */
static void db_dir(const char *db, char *out, size_t n)
{
	const char *slash = strrchr(db, '/');

	if (!slash)
		snprintf(out, n, ".");
	else
		snprintf(out, n, "%.*s", (int)(slash - db) ? (int)(slash - db) : 1, db);
}

int cmd_rejudge(int argc, char **argv)
{
	struct rejudge_args a;
	struct st_store *s = NULL;
	struct st_rejudge rj;
	char err[ST_ERRLEN] = "", dir[PATH_MAX], who[64];
	const char *path;
	enum st_verdict v;
	int ret;

	ret = parse_args(argc, argv, &a);
	if (ret)
		return ret < 0 ? ST_EXIT_PASS : ret;
	ret = cli_open_store(a.db, ST_STORE_NOCREATE, &s, &path, err);
	if (!ret) {
		db_dir(path, dir, sizeof(dir));
		ret = st_rejudge_ex(s, a.run, a.limits, dir,
				    a.reanalyse ? ST_REJUDGE_REANALYSE : 0, &rj, err);
	}
	if (!ret) {
		gethostname(rj.j.station, sizeof(rj.j.station) - 1);
		if (getenv("USER") && !st_name_check("USER", getenv("USER"), who))
			st_strlcpy(rj.j.operator_, getenv("USER"), sizeof(rj.j.operator_));
		ret = st_store_judgement(s, &rj.j, rj.r, rj.n, err);
		if (!ret) {
			print_results(&rj, a.all);
			print_verdict(&rj, path, a.reanalyse);
		}
		st_rejudge_free(&rj);
	}
	st_store_close(s);
	if (ret) {
		cli_error("rejudge", "%s", err);
		return ret == ST_ERR_DB || ret == ST_ERR_IO || ret == ST_ERR_MEM ? ST_EXIT_ERROR
										   : ST_EXIT_USAGE;
	}
	return st_verdict_parse(rj.j.verdict, &v) ? ST_EXIT_ERROR : st_verdict_exit(v);
}
