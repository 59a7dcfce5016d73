/*
 * fuzz_limits.c - libFuzzer harness for the limit-file parser and resolver
 * (station/limits/limits.c).  Each input is written to a file in a private
 * directory that also holds the shipped defaults.lim and earbuds.lim, so
 * includes resolve; every problem reported must be one "file:line:col:
 * message" line, and a set that loads is judged once per limit and mask.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz_check.h"
#include "limits/limits.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[256], path[300];

static void copy_shipped(const char *name)
{
	char src[512], dst[300], buf[65536];
	FILE *in, *out;
	size_t n;

	snprintf(src, sizeof(src), "%s/limits/%s", ST_DATA_DIR, name);
	snprintf(dst, sizeof(dst), "%s/%s", dir, name);
	in = fopen(src, "rb");
	out = fopen(dst, "wb");
	if (!in || !out)
		abort();
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		fwrite(buf, 1, n, out);
	fclose(in);
	fclose(out);
}

static void check_report(void *ctx, const char *msg)
{
	(void)ctx;
	/* the first field is the file at fault: the input or a shipped include */
	if (!strncmp(msg, "out of memory", 13))
		return;
	if (!strncmp(msg, path, strlen(path)))
		fuzz_check_msg(msg, path);
	else
		fuzz_check_any(msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct st_limits *l = NULL;
	FILE *f;

	if (!dir[0]) {
		const char *tmp = getenv("TMPDIR");

		/* fuzz_short.sh points TMPDIR at its own temp dir */
		snprintf(dir, sizeof(dir), "%s/st-fuzz-limits-%ld", tmp && *tmp ? tmp : "/tmp",
			 (long)getpid());
		if (mkdir(dir, 0700) && errno != EEXIST)
			abort();
		copy_shipped("defaults.lim");
		copy_shipped("earbuds.lim");
		snprintf(path, sizeof(path), "%s/fuzz.lim", dir);
	}
	f = fopen(path, "wb");
	if (!f)
		abort();
	if (size && fwrite(data, 1, size, f) != size)
		abort();
	fclose(f);
	if (st_limits_check(path, NULL, &l, check_report, NULL) == ST_OK) {
		for (int i = 0; i < st_limits_count(l); i++) {
			int marg;

			st_limit_judge(st_limits_at(l, i), 1.0, &marg);
		}
		for (int i = 0; i < st_limits_mask_count(l); i++) {
			double hz[2] = { 100, 1000 }, db[2] = { 0, 0 };
			int wi;

			st_mask_judge(st_limits_mask_at(l, i), hz, db, 2, &wi);
		}
		st_limits_require(l, check_report, NULL);
		st_limits_free(l);
	}
	return 0;
}
