/*
 * limits.h - limit files: the numbers a measurement is judged against.
 *
 * One file per model under limits/ (limits/WH-1000XM5.lim), which includes
 * the shared limits/defaults.lim and overrides what differs; a file may hold
 * firmware blocks that apply only to some firmware versions.  Loading
 * resolves all of that into one flat set for one model + firmware: scalar
 * limits (min / max / range / eq, with a unit and an optional "marginal"
 * guard band) and frequency masks (dB bounds per frequency, interpolated
 * linearly in log-frequency).  Every limit remembers the file:line that
 * defined it, and the set carries a SHA-256 over every file read, so a
 * stored result says exactly which limits judged it.  The format, its
 * inheritance rules and every error message are in docs/limit-format.md.
 *
 * Loading never crashes on any input: a bad file gives "file:line:col: what"
 * messages.  Judging is pure (numbers in, verdict out).
 */
#ifndef ST_LIMITS_H
#define ST_LIMITS_H

#include "core/st.h"

#define ST_LIMIT_NAME_LEN 64
#define ST_LIMIT_UNIT_LEN 16
#define ST_LIMIT_SOURCE_LEN 160
#define ST_LIMIT_FILE_LEN 256
#define ST_LIMITS_MAX 1024        /* limits in one resolved set */
#define ST_LIMITS_MAX_MASKS 256   /* masks in one resolved set */
#define ST_MASK_MAX_POINTS 256    /* points in one mask */

struct st_limits;                 /* opaque: a resolved set for one model + firmware */

struct st_limit {
	char name[ST_LIMIT_NAME_LEN];     /* "anc.rampup_s" */
	char unit[ST_LIMIT_UNIT_LEN];     /* "s", "dB", ... or "" */
	int has_low, has_high;            /* which bounds exist */
	double low, high;                 /* eq X => low = high = X */
	double marginal;                  /* guard band width inside the bounds; 0 = none */
	char source[ST_LIMIT_SOURCE_LEN]; /* "seed 001: ..." or "" */
	char file[ST_LIMIT_FILE_LEN];     /* file that defined it (after overrides) */
	int line;                         /* ... and its line */
};

/* A regression threshold for nightly runs (`regress NAME X UNIT` or
 * `regress NAME off`, docs/limit-format.md, docs/nightly.md): NAME is a
 * measurement, a mask (every band of it) or a dotted prefix of names. */
struct st_regress {
	char name[ST_LIMIT_NAME_LEN];     /* "anc.total_db" */
	int off;                          /* 1: not compared */
	double threshold;                 /* > 0, in unit (NAN when off) */
	char unit[ST_LIMIT_UNIT_LEN];     /* "dB" ("" when off) */
	char source[ST_LIMIT_SOURCE_LEN]; /* "" or why */
	char file[ST_LIMIT_FILE_LEN];     /* file and line that defined it (after overrides) */
	int line;
};

struct st_mask_point {
	double hz;                        /* frequency, > 0, strictly increasing */
	double low, high;                 /* bounds at hz */
	int has_low, has_high;            /* 0 where the file says '-' */
};

struct st_mask {
	char name[ST_LIMIT_NAME_LEN];     /* "anc.total_db" */
	char unit[ST_LIMIT_UNIT_LEN];     /* usually "dB" */
	struct st_mask_point *pts;        /* npts points, owned by the set */
	int npts;
	char source[ST_LIMIT_SOURCE_LEN]; /* "seed ..." or "" */
	char file[ST_LIMIT_FILE_LEN];     /* file and line of the `mask` keyword */
	int line;
};

/* Called once per problem found with one line "file:line:col: message". */
typedef void (*st_limits_report_fn)(void *ctx, const char *msg);

/* Load a limit file and its includes, applying the firmware blocks that
 * match `firmware` (NULL = none).  On error returns ST_ERR_PARSE (or
 * ST_ERR_NOTFOUND / ST_ERR_IO / ST_ERR_ARG) and err holds the first problem
 * as "file:line:col: message". */
int st_limits_load(const char *path, const char *firmware, struct st_limits **out, char *err);

/* As st_limits_load, but reports every problem (up to 100) through `report`
 * and keeps going; returns ST_OK only if there was none.  `out` may be NULL
 * to validate only. */
int st_limits_check(const char *path, const char *firmware, struct st_limits **out,
		    st_limits_report_fn report, void *ctx);

/* Load <dir>/limits/<model>.lim (model id with spaces -> '-', matched
 * case-insensitively), falling back to <dir>/limits/defaults.lim when the
 * model has no file, with st_limits_load_run (every needed limit present).
 * dir NULL = st_data_dir(). */
int st_limits_load_model(const char *dir, const char *model, const char *firmware,
			 struct st_limits **out, char *err);

/* What every run judges by: the battery gate's `battery.min_pct` and the
 * limits and masks the sequencer's steps judge (station/seq/).  A set that
 * lacks one would either leave a step unjudgeable mid-run or, for the
 * battery gate, blame the unit; runs refuse it before they start. */
struct st_limit_need {
	const char *name;     /* limit or mask name */
	int is_mask;          /* 1: a mask */
	const char *why;      /* who judges by it */
};
extern const struct st_limit_need st_limits_needed[];
extern const int st_limits_nneeded;

/* Report every needed limit or mask the resolved set lacks, as
 * "TOP:LINE:1: no limit 'NAME' (WHY)" with LINE the end of the top file;
 * returns ST_OK, or ST_ERR_PARSE if any is missing. */
int st_limits_require(const struct st_limits *l, st_limits_report_fn report, void *ctx);

/* st_limits_load, then st_limits_require: the set a run may use.  err holds
 * the first problem (and how many more). */
int st_limits_load_run(const char *path, const char *firmware, struct st_limits **out,
		       char *err);

void st_limits_free(struct st_limits *l);

const struct st_limit *st_limits_get(const struct st_limits *l, const char *name); /* NULL if absent */
const struct st_mask *st_limits_mask(const struct st_limits *l, const char *name);  /* NULL if absent */

/* Judge a value: ST_PASS or ST_FAIL; ST_ERROR for a NaN/infinite value or
 * a NULL limit (a station fault, not the unit's).  *marginal (may be NULL)
 * is set to 1 when the value passes but lies within `marginal` of a bound.
 * Bounds are inclusive, with a relative slack of 1e-9 for rounding. */
int st_limit_judge(const struct st_limit *lim, double value, int *marginal);

/* Mask bounds at a frequency: log-frequency interpolation between the two
 * neighbouring points; a bound exists between two points only when both
 * have it, and nowhere outside [first point, last point].  Returns ST_OK,
 * or ST_ERR_ARG for hz <= 0 / NaN or a NULL mask. */
int st_mask_at(const struct st_mask *m, double hz, double *low, int *has_low,
	       double *high, int *has_high);

/* Judge a curve (n points, hz need not be sorted) against a mask.  Points
 * outside the mask's range are not judged.  Returns ST_PASS, ST_FAIL, or
 * ST_ERROR when no point falls inside the mask or a judged value is not
 * finite.  *worst_index (may be NULL) = the index of the largest violation
 * on FAIL, of the smallest margin on PASS, -1 if none was judged. */
int st_mask_judge(const struct st_mask *m, const double *hz, const double *db, int n,
		  int *worst_index);

/* The `regress` threshold named exactly `name`, NULL if absent; and all of them. */
const struct st_regress *st_limits_regress(const struct st_limits *l, const char *name);
int st_limits_regress_count(const struct st_limits *l);
const struct st_regress *st_limits_regress_at(const struct st_limits *l, int i);

const char *st_limits_path(const struct st_limits *l);    /* the top file */
const char *st_limits_hash(const struct st_limits *l);    /* SHA-256 hex over every file read, in order */
const char *st_limits_firmware(const struct st_limits *l);/* firmware it was resolved for, "" = none */
int st_limits_count(const struct st_limits *l);
const struct st_limit *st_limits_at(const struct st_limits *l, int i);
int st_limits_mask_count(const struct st_limits *l);
const struct st_mask *st_limits_mask_at(const struct st_limits *l, int i);

/* Compare dotted versions ("2.3.1", "v2.4"; missing parts count as 0).
 * Returns ST_OK and *cmp < 0, 0, > 0; ST_ERR_PARSE if either is not one. */
int st_version_cmp(const char *a, const char *b, int *cmp);

#endif
