/*
 * cmd_learn.c - `station limits learn --from-golden SERIAL... --out FILE`:
 * limits learned from golden units' stored runs (station/golden/learn.h,
 * docs/limit-format.md "Learned limits").  The file is written beside its
 * target first and checked the way `station limits check` checks a file
 * (resolved with its include, every limit a run needs present) before it is
 * renamed into place, so what lands at FILE always passes the check.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "core/enc.h"
#include "core/st.h"
#include "golden/learn.h"
#include "golden/outfile.h"
#include "limits/limits.h"
#include "store/store.h"

static void learn_usage(FILE *f)
{
	fprintf(f, "usage: station limits learn --from-golden SERIAL... --out FILE [--k K]\n"
		   "                            [--min-runs N] [--model M] [--plan P] [--db FILE]\n"
		   "  --from-golden SERIAL...  the golden units whose PASS runs teach the limits\n"
		   "  --out FILE               the limit file to write (it includes the model's own)\n"
		   "  --k K                    limits at mean +- K standard deviations (default 3)\n"
		   "  --min-runs N             refuse a unit with fewer runs than N (default 5)\n"
		   "  --model M                runs of this model (default: the units' model)\n"
		   "  --plan P                 runs of this plan (default nightly)\n"
		   "  --db FILE                result database (default $STATION_DB, else station.db)\n"
		   "Outliers (modified z-score above 3.5 by the median and MAD) are rejected and listed.\n");
}

struct learn_args {
	struct st_learn_opts o;
	const char *db;   /* --db FILE */
	const char *out;  /* --out FILE */
	int golden;       /* --from-golden given: the operands are serials too */
};

static int add_serial(struct learn_args *a, const char *s, char *err)
{
	if (st_serial_check(s, err))
		return ST_ERR_ARG;
	for (int i = 0; i < a->o.nserials; i++)
		if (!strcmp(a->o.serials[i], s))
			return st_fail(err, ST_ERR_ARG, "golden unit %s given twice", s);
	if (a->o.nserials >= ST_LEARN_MAX_UNITS)
		return st_fail(err, ST_ERR_ARG, "more than %d golden units", ST_LEARN_MAX_UNITS);
	a->o.serials[a->o.nserials++] = s;
	return ST_OK;
}

static int learn_option(void *ctx, int c, const char *v, char *err)
{
	struct learn_args *a = ctx;
	double k;
	long n;

	switch (c) {
	case 'g':
		a->golden = 1;
		return add_serial(a, v, err);
	case 'k':
		if (st_parse_double(v, &k) || !(k > 0) || k > 100)
			return st_fail(err, ST_ERR_ARG, "--k wants a number above 0 (at most 100)");
		a->o.k = k;
		return ST_OK;
	case 'n':
		if (st_parse_int(v, &n) || n < 2 || n > 100000)
			return st_fail(err, ST_ERR_ARG, "--min-runs wants a whole number of at least 2");
		a->o.min_runs = (int)n;
		return ST_OK;
	case 'm': a->o.model = v; return st_name_check("--model", v, err);
	case 'p': a->o.plan = v; return st_name_check("--plan", v, err);
	case 'd': a->db = v; return ST_OK;
	case 'o': a->out = v; return ST_OK;
	}
	return ST_ERR_ARG;
}

static int parse_args(int argc, char **argv, struct learn_args *a)
{
	static const struct option opts[] = {
		{ "from-golden", required_argument, 0, 'g' }, { "k", required_argument, 0, 'k' },
		{ "min-runs", required_argument, 0, 'n' },    { "model", required_argument, 0, 'm' },
		{ "plan", required_argument, 0, 'p' },        { "db", required_argument, 0, 'd' },
		{ "out", required_argument, 0, 'o' },         { "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	char err[ST_ERRLEN];
	int ret;

	memset(a, 0, sizeof(*a));
	st_learn_opts_init(&a->o);
	ret = cli_getopt("limits", "limits learn", argc, argv, opts, learn_usage, learn_option, a);
	if (ret)
		return ret;
	/* --from-golden G1 G2 G3: the serials after the first one */
	for (; optind < argc; optind++)
		if (!a->golden || add_serial(a, argv[optind], err))
			return cli_usage_error("limits", "%s", a->golden ? err : "learn takes --from-golden "
					       "SERIAL... (station limits learn --help)");
	if (!a->o.nserials)
		return cli_usage_error("limits", "learn needs --from-golden SERIAL...");
	if (!a->out)
		return cli_usage_error("limits", "learn needs --out FILE");
	return 0;
}

/* Write the file beside its target, check it as `limits check` does, then
 * rename it into place. */
static int write_checked(const struct st_learn *L, const char *path, char *err)
{
	struct st_outfile out;
	struct st_limits *lim = NULL;
	int ret;

	ret = st_outfile_open(&out, path, err);
	if (ret)
		return ret;
	if (!out.path[0]) {
		st_outfile_abort(&out);
		return st_fail(err, ST_ERR_ARG, "--out wants a file (it is checked before it lands)");
	}
	ret = st_learn_write(L, out.f, err);
	if (!ret && fflush(out.f))
		ret = st_fail(err, ST_ERR_IO, "%s: %s", out.tmp, strerror(errno));
	if (!ret && (ret = st_limits_load_run(out.tmp, NULL, &lim, err)) != ST_OK)
		ret = ret == ST_ERR_IO ? ret : ST_ERR_PARSE;
	st_limits_free(lim);
	if (ret) {
		st_outfile_abort(&out);
		return ret;
	}
	return st_outfile_commit(&out, err);
}

int cmd_limits_learn(int argc, char **argv)
{
	struct learn_args a;
	struct st_store *s = NULL;
	struct st_learn *L = NULL;
	char err[ST_ERRLEN] = "";
	const char *path, *slash;
	int ret;

	ret = parse_args(argc, argv, &a);
	if (ret)
		return ret < 0 ? ST_EXIT_PASS : ret;
	slash = strrchr(a.out, '/');
	a.o.out_name = slash ? slash + 1 : a.out;
	ret = cli_open_store(a.db, ST_STORE_NOCREATE | ST_STORE_READONLY_OK, &s, &path, err);
	if (!ret)
		ret = st_learn_gather(s, &a.o, &L, err);
	if (!ret) {
		st_learn_summary(L, stderr);
		ret = write_checked(L, a.out, err);
	}
	st_learn_free(L);
	st_store_close(s);
	if (ret) {
		cli_error("limits", "%s", err);
		return ret == ST_ERR_DB || ret == ST_ERR_IO || ret == ST_ERR_MEM ? ST_EXIT_ERROR
										   : ST_EXIT_USAGE;
	}
	fputs("limits written to ", stderr);
	st_term_put(stderr, a.out);
	fputc('\n', stderr);
	return ST_EXIT_PASS;
}
