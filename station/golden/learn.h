/*
 * learn.h - limits learned from golden units (`station limits learn`,
 * docs/limit-format.md "Learned limits"): the stored runs of a few golden
 * units give, for every value a limit judges and every band of every mask,
 * the mean and standard deviation over the units' runs after outliers are
 * rejected (median / MAD, stats.h); the limit is mean - k sd .. mean + k sd.
 * The result is written as a normal limit file that includes the model's
 * own (so safety gates and rules stay as the seeds give them) and
 * overrides what was learned; its header comments name the units, the runs
 * (uuids), the firmware builds and each rejected outlier.  Same runs in,
 * byte-identical file out: no time stamps, everything in a fixed order.
 */
#ifndef ST_GOLDEN_LEARN_H
#define ST_GOLDEN_LEARN_H

#include <stdio.h>

#include "store/store.h"

#define ST_LEARN_MAX_UNITS 32     /* golden serials in one learn */
#define ST_LEARN_MAX_RUNS 4096    /* runs read */

struct st_learn_opts {
	const char *serials[ST_LEARN_MAX_UNITS]; /* the golden units */
	int nserials;
	double k;              /* limits at mean +- k sd (default 3) */
	int min_runs;          /* refuse a unit with fewer runs (default 5) */
	const char *model;     /* only runs of this model; NULL: the units' model */
	const char *plan;      /* only runs of this plan; NULL: "nightly" */
	const char *data_dir;  /* where limits/ lives; NULL = st_data_dir() */
	const char *out_name;  /* the output file's name, for its first comment line */
};

void st_learn_opts_init(struct st_learn_opts *o);

struct st_learn;  /* opaque: runs read, samples per quantity, their statistics */

/* Read the golden units' PASS runs of the plan from the store, map every
 * measurement to the model limit or mask band that judges it, and compute
 * the statistics.  Refused (ST_ERR_ARG, one line): a unit with fewer than
 * min_runs runs (naming it and how many it has), runs of several models
 * without --model, a model with no limit file.  *out is freed with
 * st_learn_free. */
int st_learn_gather(struct st_store *s, const struct st_learn_opts *o, struct st_learn **out,
		    char *err);
void st_learn_free(struct st_learn *L);

/* Write the learned limit file.  ST_OK or ST_ERR_IO. */
int st_learn_write(const struct st_learn *L, FILE *f, char *err);

/* A summary for the operator (stderr): runs per unit, what was learned,
 * each outlier rejected (run, unit, measurement, value, median). */
void st_learn_summary(const struct st_learn *L, FILE *f);

/* The model's limit file the learned file includes (its file name). */
const char *st_learn_include(const struct st_learn *L);

#endif
