/*
 * learn_int.h - what learn.c (reading runs, statistics) and learn_write.c
 * (the limit file) share; not part of the API.
 */
#ifndef ST_GOLDEN_LEARN_INT_H
#define ST_GOLDEN_LEARN_INT_H

#include "golden/learn.h"
#include "golden/stats.h"
#include "limits/limits.h"

/* A golden run the samples came from. */
struct learn_run {
	char uuid[37];
	char serial[64];
	char firmware[32];
	char started[32];
};

/* One stored value of a quantity. */
struct learn_sample {
	double v;          /* the value */
	int run;           /* index into runs */
	char meas[64];     /* the measurement's stored name (mic.3.delay_us, anc.active_db.L.200Hz) */
};

/* A scalar limit, or one band of a mask, and every value stored for it. */
struct learn_qty {
	char name[ST_LIMIT_NAME_LEN];   /* the limit or mask name */
	int is_mask;                    /* 1: a band of a mask */
	double hz;                      /* the band (mask) */
	int order;                      /* position of the limit/mask in the model set */
	const struct st_limit *lim;     /* the model's limit (scalar) */
	const struct st_mask *mask;     /* the model's mask (band) */
	struct learn_sample *s;         /* samples, in run order */
	int n, cap;
	unsigned char *outlier;         /* n flags after st_stats_robust */
	struct st_stats st;             /* their statistics */
	int learned;                    /* 1: a bound is written for it */
};

/* A name the learn leaves as the model has it, and why. */
struct learn_kept {
	char name[ST_LIMIT_NAME_LEN];
	char why[96];
};

struct st_learn {
	struct st_learn_opts o;          /* as given (strings not owned) */
	char model[32];                  /* the units' model */
	char plan[48];                   /* the plan learned from */
	char include[ST_LIMIT_FILE_LEN]; /* the model's limit file name, included */
	struct st_limits *lim;           /* the model's resolved set */
	struct learn_run *runs;          /* every run read, oldest first per unit */
	int nruns;
	int per_unit[ST_LEARN_MAX_UNITS];/* runs per golden serial */
	struct learn_qty *q;             /* quantities, sorted by (is_mask, order, hz) */
	int nq;
	struct learn_kept *kept;         /* limits not learned */
	int nkept;
};

/* A scalar limit learn never derives from data (a safety gate, a rule of
 * the seeds, a yes/no or a count): its reason, or NULL when it is learned. */
const char *learn_never(const struct st_limit *lim);

#endif
