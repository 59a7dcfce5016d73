/*
 * cmd_limits.c - `station limits`: validate limit files and show the limits
 * a model is judged by.
 *
 *   station limits check FILE... [--firmware V]
 *	every problem as "file:line:col: message" on stderr, exit 2; or
 *	"FILE: ok (N limits, M masks, sha256 HASH)" on stdout, exit 0.  The
 *	file is resolved with its includes as a run resolves it, and must
 *	hold every limit a run judges by (st_limits_require)
 *   station limits show MODEL|FILE [--firmware V]
 *	the resolved set: each limit's bounds, unit, guard band, the file:line
 *	that defined it and its source; each mask's points
 *
 * Everything is a call into station/limits (format: docs/limit-format.md).
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "core/st.h"
#include "limits/limits.h"
#include "model/model.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: station limits check FILE... [--firmware V]\n"
		"       station limits show MODEL|FILE [--firmware V]\n"
		"       station limits learn --from-golden SERIAL... --out FILE [--k K] [--min-runs N]\n"
		"                            [--model M] [--plan P] [--db FILE]\n"
		"\n"
		"check: validate limit files and their includes, and that the resolved set\n"
		"  holds every limit a run judges by (battery.min_pct, ...); prints one\n"
		"  'file:line:col: message' per problem (exit 2) or 'FILE: ok (...)' (exit 0).\n"
		"show: print the limits and masks a model (limits/MODEL.lim under the data\n"
		"  directory) or a file resolves to, with where each was defined.\n"
		"learn: limits and masks at mean +- K sd of golden units' stored runs, outliers\n"
		"  rejected and listed, written as a limit file that passes check\n"
		"  (station limits learn --help).\n"
		"--firmware V: apply the firmware blocks that match version V (e.g. 2.3.1).\n"
		"Format: docs/limit-format.md\n");
}

static void print_err(void *ctx, const char *msg)
{
	(void)ctx;
	fprintf(stderr, "%s\n", msg);
}

static int check_files(char **files, int nfiles, const char *firmware)
{
	int rc = ST_EXIT_PASS;

	for (int i = 0; i < nfiles; i++) {
		struct st_limits *l = NULL;

		if (st_limits_check(files[i], firmware, &l, print_err, NULL) != ST_OK) {
			rc = ST_EXIT_USAGE;
			continue;
		}
		/* what a run needs: a set without it would blame the unit */
		if (st_limits_require(l, print_err, NULL) != ST_OK) {
			rc = ST_EXIT_USAGE;
			st_limits_free(l);
			continue;
		}
		printf("%s: ok (%d limits, %d masks, sha256 %s)\n", files[i], st_limits_count(l),
		       st_limits_mask_count(l), st_limits_hash(l));
		st_limits_free(l);
	}
	return rc;
}

static void bounds_str(const struct st_limit *lim, char *buf, size_t n)
{
	if (lim->has_low && lim->has_high && lim->low == lim->high)
		snprintf(buf, n, "= %g", lim->low);
	else if (lim->has_low && lim->has_high)
		snprintf(buf, n, "%g .. %g", lim->low, lim->high);
	else if (lim->has_low)
		snprintf(buf, n, ">= %g", lim->low);
	else if (lim->has_high)
		snprintf(buf, n, "<= %g", lim->high);
	else
		snprintf(buf, n, "-");
}

/* A path under the data directory, shown relative to it. */
static const char *short_path(const char *path)
{
	const char *dir = st_data_dir();
	size_t n = strlen(dir);

	if (n && !strncmp(path, dir, n) && path[n] == '/')
		return path + n + 1;
	return path;
}

static void show_set(const struct st_limits *l)
{
	const char *fw = st_limits_firmware(l);

	printf("%s  firmware %s  sha256 %s\n", short_path(st_limits_path(l)), fw[0] ? fw : "(none)",
	       st_limits_hash(l));
	printf("%-30s %-16s %-6s %-8s %-28s %s\n", "LIMIT", "PASS IF", "UNIT", "MARGINAL",
	       "DEFINED AT", "SOURCE");
	for (int i = 0; i < st_limits_count(l); i++) {
		const struct st_limit *lim = st_limits_at(l, i);
		char b[64], m[24], at[300];

		bounds_str(lim, b, sizeof(b));
		if (lim->marginal > 0)
			snprintf(m, sizeof(m), "%g", lim->marginal);
		else
			snprintf(m, sizeof(m), "-");
		snprintf(at, sizeof(at), "%s:%d", short_path(lim->file), lim->line);
		printf("%-30s %-16s %-6s %-8s %-28s %s\n", lim->name, b,
		       lim->unit[0] ? lim->unit : "-", m, at, lim->source);
	}
	for (int i = 0; i < st_limits_mask_count(l); i++) {
		const struct st_mask *mk = st_limits_mask_at(l, i);

		printf("\nmask %s (%s)  %s:%d  %s\n", mk->name, mk->unit[0] ? mk->unit : "-",
		       short_path(mk->file), mk->line, mk->source);
		printf("  %10s %8s %8s\n", "HZ", "LOW", "HIGH");
		for (int k = 0; k < mk->npts; k++) {
			const struct st_mask_point *pt = &mk->pts[k];
			char lo[24], hi[24];

			if (pt->has_low)
				snprintf(lo, sizeof(lo), "%g", pt->low);
			else
				st_strlcpy(lo, "-", sizeof(lo));
			if (pt->has_high)
				snprintf(hi, sizeof(hi), "%g", pt->high);
			else
				st_strlcpy(hi, "-", sizeof(hi));
			printf("  %10g %8s %8s\n", pt->hz, lo, hi);
		}
	}
	if (st_limits_regress_count(l))
		printf("\n%-30s %-16s %-6s %-28s %s\n", "REGRESS (nightly)", "BEYOND", "UNIT",
		       "DEFINED AT", "SOURCE");
	for (int i = 0; i < st_limits_regress_count(l); i++) {
		const struct st_regress *r = st_limits_regress_at(l, i);
		char b[32], at[300];

		if (r->off)
			st_strlcpy(b, "off", sizeof(b));
		else
			snprintf(b, sizeof(b), "%g", r->threshold);
		snprintf(at, sizeof(at), "%s:%d", short_path(r->file), r->line);
		printf("%-30s %-16s %-6s %-28s %s\n", r->name, b, r->unit[0] ? r->unit : "-", at,
		       r->source);
	}
}

static int show(const char *what, const char *firmware)
{
	struct st_limits *l = NULL;
	char err[ST_ERRLEN];
	struct stat st;
	int ret;

	if (stat(what, &st) == 0 && S_ISREG(st.st_mode))
		ret = st_limits_load(what, firmware, &l, err);
	else
		ret = st_limits_load_model(st_data_dir(), what, firmware, &l, err);
	if (ret) {
		cli_error("limits", "%s", err);
		return ret == ST_ERR_PARSE || ret == ST_ERR_ARG || ret == ST_ERR_NOTFOUND ?
			       ST_EXIT_USAGE : ST_EXIT_ERROR;
	}
	show_set(l);
	st_limits_free(l);
	return ST_EXIT_PASS;
}

int cmd_limits(int argc, char **argv)
{
	const char *firmware = NULL;
	char *files[64];
	int nfiles = 0;

	if (argc < 2) {
		usage(stderr);
		return ST_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return ST_EXIT_PASS;
	}
	if (!strcmp(argv[1], "learn"))
		return cmd_limits_learn(argc - 1, argv + 1);
	if (strcmp(argv[1], "check") && strcmp(argv[1], "show"))
		return cli_usage_error("limits", "unknown sub-command '%s' (check, show, learn)", argv[1]);
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--firmware")) {
			if (i + 1 >= argc)
				return cli_usage_error("limits", "--firmware needs a version");
			firmware = argv[++i];
		} else if (!strncmp(argv[i], "--firmware=", 11)) {
			firmware = argv[i] + 11;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return ST_EXIT_PASS;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			return cli_usage_error("limits", "unknown option '%s'", argv[i]);
		} else if (nfiles == (int)ST_ARRAY_SIZE(files)) {
			return cli_usage_error("limits", "more than %d files", (int)ST_ARRAY_SIZE(files));
		} else {
			files[nfiles++] = argv[i];
		}
	}
	if (!nfiles)
		return cli_usage_error("limits", "%s needs a %s", argv[1],
				       strcmp(argv[1], "check") ? "MODEL or FILE" : "FILE");
	if (firmware) {
		int cmp;

		if (st_version_cmp(firmware, firmware, &cmp) != ST_OK)
			return cli_usage_error("limits", "--firmware '%s' is not a dotted version like 2.3.1",
					       firmware);
	}
	if (!strcmp(argv[1], "check"))
		return check_files(files, nfiles, firmware);
	if (nfiles > 1)
		return cli_usage_error("limits", "show takes one MODEL or FILE");
	return show(files[0], firmware);
}
