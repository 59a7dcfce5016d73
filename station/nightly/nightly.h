/*
 * nightly.h - nightly regression of firmware builds on golden units: the
 * baseline of a unit (its last N good builds: median and spread per
 * measurement), the regression judgement (a change beyond the threshold
 * the limit files state with `regress`, or a default per unit), and the
 * bench drift rule (every golden unit moving the same way by a similar
 * amount points at the bench, not the firmware).  docs/nightly.md.
 *
 * Two halves:
 *  - pure functions on arrays (no I/O): st_nl_stats, st_nl_judge,
 *    st_nl_common_shift, st_nl_family, st_nl_judge_night;
 *  - the store side (nightly/nstore.c): the unit's history read from the
 *    result store (st_nl_history, st_nl_baseline) and each night's
 *    judgement recorded in the tables of db/NNN_nightly.sql
 *    (st_nl_record_*), which later baselines read to know which builds
 *    were good.
 *
 * A measurement is known by its *key*: "STEP/NAME", the plan step that
 * measured it and the measurement's name ("anc/anc.active_db.L.500Hz");
 * when a step name repeats in a run, its second occurrence is "STEP#2"
 * ("verify#2/assistant.latency_s").  The same plan gives the same keys
 * night after night.
 */
#ifndef ST_NIGHTLY_H
#define ST_NIGHTLY_H

#include <stddef.h>
#include <stdio.h>

#include "core/st.h"

struct st_limits;
struct st_store;

#define ST_NL_KEY_LEN 96        /* "STEP#k/NAME" */
#define ST_NL_NAME_LEN 64       /* measurement name (as the store's) */
#define ST_NL_UNIT_LEN 16
#define ST_NL_BASELINE_MAX 32   /* most builds a baseline may span */
#define ST_NL_DEFAULT_BUILDS 5  /* builds in a baseline by default */
#define ST_NL_SPREAD_K 3.0      /* the threshold widens to K x spread on a noisy unit */

/* ---------------------------------------------------------------- stats */

/* A baseline of one measurement: its values on the unit's last good builds. */
struct st_nl_stats {
	int n;           /* values used (NaN skipped); 0 = no baseline */
	double median;   /* the baseline value */
	double spread;   /* 1.4826 x median absolute deviation (a robust sigma); 0 for n < 3 */
	double min, max; /* range of the values */
};
/* Median, spread and range of v[0..n-1], skipping non-finite values.
 * ST_OK (s->n may be 0), ST_ERR_ARG for a NULL s or n < 0. */
int st_nl_stats(const double *v, int n, struct st_nl_stats *s);

/* ------------------------------------------------------------ threshold */

/* The regression threshold in force for one measurement. */
struct st_nl_threshold {
	int off;                  /* 1: not compared (`regress NAME off`) */
	double value;             /* threshold, in unit; NAN when off */
	char unit[ST_NL_UNIT_LEN];/* its unit */
	char from[300];           /* "limits/defaults.lim:88 (regress anc.active_db)"
	                           * or "default for dB" */
};
/* Default threshold for a unit kind: dB 1, deg 5, us 5, s 0.25, ms 250,
 * % 2, count and bool 0.5 (any change), V 0.05, Hz 5; NAN for any other
 * unit (not compared). */
double st_nl_default_threshold(const char *unit);
/* Threshold of measurement `name` (unit `unit`): the limit set's `regress`
 * for the name itself, else for its longest dotted prefix
 * ("anc.active_db.L.500Hz" -> "anc.active_db.L" -> "anc.active_db" ->
 * "anc"), else the default for the unit.  A `regress` whose unit differs
 * from the measurement's is not used (t->from says so).  l may be NULL. */
void st_nl_threshold_for(const struct st_limits *l, const char *name, const char *unit,
			 struct st_nl_threshold *t);

/* ---------------------------------------------------------- judgements */

enum st_nl_verdict {
	ST_NL_NONE = 0,     /* not measured tonight on this unit */
	ST_NL_SAME,         /* within the threshold of the baseline */
	ST_NL_NOBASE,       /* no baseline yet (first good build) */
	ST_NL_OFF,          /* not compared (threshold off) */
	ST_NL_REGRESSION,   /* changed beyond the threshold: the firmware */
	ST_NL_BENCH,        /* changed with every golden unit: the bench may have drifted */
	ST_NL_LIMIT,        /* out of its limits (whatever the baseline says) */
	ST_NL_INVALID,      /* not a number (a station fault) */
};
const char *st_nl_verdict_name(enum st_nl_verdict v);  /* "same", "regression", ... */

/* Judge one value against its baseline: the effective threshold is
 * max(threshold, ST_NL_SPREAD_K x base->spread); *change = value - median.
 * ST_NL_SAME, ST_NL_REGRESSION (beyond), ST_NL_NOBASE (base NULL or n 0),
 * ST_NL_OFF (threshold NAN), ST_NL_INVALID (value not finite).
 * *effective (may be NULL) gets the threshold used. */
enum st_nl_verdict st_nl_judge(double value, const struct st_nl_stats *base, double threshold,
			       double *change, double *effective);

/* Do n units share one shift?  changes[i] = value - baseline of unit i,
 * effective[i] its effective threshold.  Returns +1 / -1 when n >= 2 and
 * every unit moved beyond its threshold in that direction by a similar
 * amount (max - min of the changes <= similar), else 0. */
int st_nl_common_shift(const double *changes, const double *effective, int n, double similar);

/* The family of a measurement name: every dotted part that is a number or
 * a frequency ("500Hz") replaced by '*' ("anc.active_db.L.500Hz" ->
 * "anc.active_db.L.*", "mic.3.gain_db" -> "mic.*.gain_db"). */
void st_nl_family(const char *name, char *fam, size_t n);

/* --------------------------------------------------------------- a night */

/* One measurement (key) of a night. */
struct st_nl_key {
	char key[ST_NL_KEY_LEN];      /* "anc/anc.active_db.L.500Hz" */
	char name[ST_NL_NAME_LEN];    /* "anc.active_db.L.500Hz" */
	char unit[ST_NL_UNIT_LEN];
	char family[ST_NL_NAME_LEN];  /* st_nl_family(name) */
	int band;                     /* 1: an ANC band (a mask's point) */
	struct st_nl_threshold thr;   /* threshold in force */
	int common;                   /* +1/-1 after st_nl_judge_night: every unit shifted */
};

/* One unit's value of one key. */
struct st_nl_cell {
	int has;                      /* measured tonight */
	double value;                 /* tonight's value */
	double low, high;             /* its limits (NAN = none) */
	int limit_fail;               /* the run judged it FAIL against its limits */
	struct st_nl_stats base;      /* baseline (n 0 = none) */
	double change;                /* value - base.median */
	double effective;             /* threshold used */
	enum st_nl_verdict verdict;   /* filled by st_nl_judge_night */
};

/* A night: nunits golden units x nkeys measurements, cells unit-major
 * (cells[u * nkeys + k]).  The caller fills keys (key, name, unit, band,
 * thr), unit_ok, same_build and the cells' has/value/limits/base. */
struct st_nl_night {
	int nunits, nkeys;
	struct st_nl_key *keys;       /* nkeys */
	struct st_nl_cell *cells;     /* nunits * nkeys */
	int *unit_ok;                 /* nunits: 1 = measured on the build under test */
	int *same_build;              /* nunits: tonight's build is already in its baseline */
};

/* What a night came to (st_nl_judge_night). */
struct st_nl_summary {
	int regressions;              /* cells judged ST_NL_REGRESSION */
	int limit_fails;              /* cells ST_NL_LIMIT */
	int bench;                    /* cells ST_NL_BENCH */
	int bench_keys;               /* keys every unit moved together on (bench suspect) */
	int compared;                 /* cells with a baseline */
	int units_error;              /* units not ok */
};

/* Judge every cell, then apply the drift rule (docs/nightly.md):
 *  - a key is a common shift when every ok unit with a baseline for it
 *    (at least 2) moved beyond its threshold the same way by a similar
 *    amount (within the key's threshold of each other);
 *  - a common shift is the bench's (ST_NL_BENCH) when every unit's build
 *    was already in its baseline (the firmware did not change), or when
 *    its family (3 or more keys) shifted together the same way in at
 *    least half of its keys (a flat offset across bands or microphones,
 *    as a reference microphone or coupler gives); otherwise it stays a
 *    regression (the firmware moved every unit).
 *  - a value out of its limits is ST_NL_LIMIT unless the key is the bench's.
 * Returns the night's exit code: 1 any regression or limit failure,
 * else 3 bench suspect or a unit not ok, else 0. */
int st_nl_judge_night(struct st_nl_night *night, struct st_nl_summary *sum);

/* The unit's overall status word for the store and the report:
 * "error" (not ok), "regression", "bench-suspect", "no-baseline" (nothing
 * compared), "no-change". */
const char *st_nl_unit_status(const struct st_nl_night *night, int u);

/* ---------------------------------------------------------------- store */

/* One measurement of a stored run, keyed. */
struct st_nl_value {
	char key[ST_NL_KEY_LEN];
	char name[ST_NL_NAME_LEN];
	char unit[ST_NL_UNIT_LEN];
	double value, low, high;      /* NAN = none */
	int limit_fail;               /* stored verdict FAIL */
};

/* Every measurement of stored run `run_id`, keyed "STEP/NAME" as above:
 * *out (malloc'd, free it) gets *n values in step order. */
int st_nl_run_values(struct st_store *s, long long run_id, struct st_nl_value **out, int *n,
		     char *err);

/* A good run of a golden unit: one per build, newest first. */
struct st_nl_good {
	long long run_id;
	char uuid[37];
	char firmware[32];
	char started[32];
};
/* The unit's last good builds on `plan`: runs that PASSed and that a
 * night judged "no-change" or "no-baseline", the newest run of each
 * build, at most max builds, newest first, runs started before `before`
 * (ISO time; NULL or "" = any).  Returns the count or < 0 (err). */
int st_nl_good_builds(struct st_store *s, const char *serial, const char *plan,
		      const char *before, struct st_nl_good *out, int max, char *err);

/* The baseline of every key over runs good[0..ngood-1]: *keys / *stats
 * (malloc'd, free both) get *n entries. */
int st_nl_baseline(struct st_store *s, const struct st_nl_good *good, int ngood,
		   struct st_nl_value **keys, struct st_nl_stats **stats, int *n, char *err);

/* A night as stored (db/NNN_nightly.sql). */
struct st_nl_night_row {
	long long id;
	char uuid[37];
	char started[32], ended[32];
	char firmware[32];            /* the build under test */
	char model[32], plan[48], station[64];
	char outcome[16];             /* running no-change regression bench-suspect error */
	char summary[512];            /* one line: what changed */
};
/* Begin a night (outcome running): fills row->id, uuid, started. */
int st_nl_record_night(struct st_store *s, struct st_nl_night_row *row, char *err);
/* One golden unit of the night: its run (0 = none), status and reason. */
int st_nl_record_unit(struct st_store *s, long long night_id, const char *serial,
		      long long run_id, const char *status, const char *reason,
		      long long *unit_id, char *err);
/* One judged measurement of a unit (stored only when it is not "same"). */
int st_nl_record_change(struct st_store *s, long long unit_id, const struct st_nl_key *k,
			const struct st_nl_cell *c, char *err);
/* End a night: outcome and one-line summary, ended = now. */
int st_nl_end_night(struct st_store *s, long long night_id, const char *outcome,
		    const char *summary, char *err);

/* ------------------------------------------------- a night, assembled */

/* One golden unit of a night, as the front end gathered it. */
struct st_nl_unit {
	char serial[64];
	int ok;                       /* 1: measured on the build under test */
	char reason[256];             /* why it is ERROR ("" when ok) */
	long long run_id;             /* its run tonight, 0 = none */
	char run_uuid[37];
	char started[32];             /* the run's start (baseline: runs before it) */
	char firmware[32];            /* the build it reported */
	struct st_nl_value *vals;     /* tonight's values (owned) */
	int nvals;
	struct st_nl_good good[ST_NL_BASELINE_MAX]; /* builds in its baseline, newest first */
	int ngood;
	struct st_nl_value *bkeys;    /* baseline keys (owned) */
	struct st_nl_stats *bstats;   /* ... and their stats (owned) */
	int nbase;
	int same_build;               /* the build under test is one of good[] */
};
/* Free what a unit owns (not the struct). */
void st_nl_unit_free(struct st_nl_unit *u);

/* Read unit u's run tonight (u->run_id) and its baseline over its last
 * `builds` good builds before that run, from the store. */
int st_nl_unit_load(struct st_store *s, struct st_nl_unit *u, const char *plan,
		    const char *build, int builds, char *err);

/* Build the night's matrix from the units (keys: every key measured on an
 * ok unit, in first-seen order; thresholds from l, which may be NULL).
 * Free with st_nl_night_free. */
int st_nl_night_build(struct st_nl_night *n, const struct st_nl_unit *units, int nunits,
		      const struct st_limits *l, char *err);
void st_nl_night_free(struct st_nl_night *n);

/* One line on what the night came to, naming the measurements:
 * "regression: anc/anc.active_db.L.500Hz on G1 G2 G3 (-2.0 dB); ..." or
 * "bench suspect: every golden unit moved together in anc.active_db.L.* (21
 * keys, +1.5 dB) ...". */
void st_nl_summary_line(const struct st_nl_night *n, const struct st_nl_unit *units,
			char *buf, size_t len);

/* Store the night's units and their changes (st_nl_record_unit/change). */
int st_nl_record_units(struct st_store *s, long long night_id, const struct st_nl_night *n,
		       const struct st_nl_unit *units, char *err);

/* JUnit XML for CI (junit.c): one testsuite per golden unit, a testcase
 * for the build check and one per measurement and ANC band; failures carry
 * value, baseline, threshold and limits.  Every text is XML-encoded.
 * Returns 0, or -1 when writing failed (errno). */
int st_nl_junit_write(FILE *f, const struct st_nl_night *n, const struct st_nl_unit *units,
		      const char *build, const char *model, const char *night_uuid);

#endif
