/*
 * cmd_check.c - `station check FILE...`: check data files of every kind
 * (docs/data-files.md) with the loader a run uses, chosen by extension:
 * .model, .lim (resolved with its includes, and holding every limit a run
 * judges by), .plan, .audio, .fixture.  Every problem is one line
 * "file:line:col: message" on stderr (a file that cannot be read: "file:
 * reason"); "FILE: ok" on stdout per good file.  Exit 0 when every file is
 * good, 2 otherwise.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audio/audio.h"
#include "cli.h"
#include "core/st.h"
#include "fixture/proto/fixmap.h"
#include "limits/limits.h"
#include "model/model.h"
#include "plan/plan.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: station check FILE...\n"
		"\n"
		"Check data files by extension: .model, .lim, .plan, .audio, .fixture.\n"
		"Prints 'FILE: ok' per good file, one 'file:line:col: message' per\n"
		"problem on stderr; exit 0 when all are good, 2 otherwise.\n"
		"Format: docs/data-files.md\n");
}

static void print_err(void *ctx, const char *msg)
{
	(void)ctx;
	fprintf(stderr, "%s\n", msg);
}

static int ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);

	return n > t && !strcmp(s + n - t, tail);
}

static int check_limits(const char *path)
{
	struct st_limits *l = NULL;
	int ret = st_limits_check(path, NULL, &l, print_err, NULL);

	if (ret == ST_OK)
		ret = st_limits_require(l, print_err, NULL);
	st_limits_free(l);
	return ret;
}

/* One file: ST_OK, or an error already printed. */
static int check_one(const char *path)
{
	char err[ST_ERRLEN] = "";
	int ret;

	if (ends_with(path, ".lim"))
		return check_limits(path);
	if (ends_with(path, ".model")) {
		struct st_model *m = malloc(sizeof(*m));

		ret = m ? st_model_load(path, m, err) : st_fail(err, ST_ERR_MEM, "out of memory");
		free(m);
	} else if (ends_with(path, ".plan")) {
		struct st_plan *p = malloc(sizeof(*p));

		ret = p ? st_plan_load(path, p, err) : st_fail(err, ST_ERR_MEM, "out of memory");
		free(p);
	} else if (ends_with(path, ".audio")) {
		struct st_audio_bench b;

		ret = st_audio_bench_load(path, &b, err);
	} else if (ends_with(path, ".fixture")) {
		struct st_fixmap *fm = malloc(sizeof(*fm));

		ret = fm ? st_fixmap_load(path, fm, err) : st_fail(err, ST_ERR_MEM, "out of memory");
		free(fm);
	} else {
		return cli_usage_error("check",
				       "%s: not a data file (.model, .lim, .plan, .audio, .fixture)",
				       path);
	}
	if (ret != ST_OK)
		fprintf(stderr, "%s\n", err);
	return ret;
}

int cmd_check(int argc, char **argv)
{
	int rc = ST_EXIT_PASS, nfiles = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return ST_EXIT_PASS;
		}
		if (argv[i][0] == '-' && argv[i][1])
			return cli_usage_error("check", "unknown option '%s' (station check --help)",
					       argv[i]);
	}
	for (int i = 1; i < argc; i++) {
		nfiles++;
		if (check_one(argv[i]) != ST_OK)
			rc = ST_EXIT_USAGE;
		else
			printf("%s: ok\n", argv[i]);
	}
	if (!nfiles) {
		usage(stderr);
		return ST_EXIT_USAGE;
	}
	return rc;
}
