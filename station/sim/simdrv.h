/*
 * simdrv.h - the "sim" fixture driver: a simulated headset
 * (station/sim/headset.h) behind a simulated relay board, on the fixture's
 * clock.  It registers in the fixture driver table like any relay board
 * (ST_FIXTURE_DRIVER, fixture.h), so st_fixture_open(&fx, "sim", model,
 * clock, opts, nopts, err) gives it; the simulated unit's options are
 * driver options (key=value):
 *
 *   fault=NAME (repeatable)   battery=PCT   worn=0|1   identity=MODEL
 *   serial=TEXT   seed=N   start-off=0|1   firmware=VERSION
 *
 * The accessors let the simulated audio bench and the tests reach the
 * headset behind it; st_sim_fixture_open() takes a struct st_sim_opts.
 */
#ifndef ST_SIM_SIMDRV_H
#define ST_SIM_SIMDRV_H

#include "fixture/fixture.h"
#include "sim/headset.h"

extern const struct st_fixture_ops st_fixture_sim_ops;
/* Option keys the driver takes, NULL-ended. */
extern const char *const st_sim_fixture_keys[];

/* Storage for the text options a parse points into. */
struct st_sim_text {
	char serial[ST_NAME_LEN * 2]; /* serial= */
	char identity[ST_NAME_LEN];   /* identity= */
	char firmware[24];            /* firmware= */
};

/* Parse driver options into so (strings point into t). */
int st_sim_opts_parse(const struct st_fixture_opt *opts, int nopts, struct st_sim_opts *so,
		      struct st_sim_text *t, char *err);
/* The driver's check: options well formed, faults known for model m. */
int st_sim_fixture_check(const struct st_model *m, const struct st_fixture_opt *opts,
			 int nopts, char *err);

/* A struct st_sim_opts written out as driver options (pointing into so
 * and into this struct). */
#define ST_SIM_MAX_FXOPTS (ST_SIM_MAX_FAULTS + 8)
struct st_sim_fxopts {
	struct st_fixture_opt o[ST_SIM_MAX_FXOPTS]; /* the options */
	int n;                                      /* entries used */
	char battery[32];                           /* battery= value */
	char seed[16];                              /* seed= value */
};
void st_sim_fixture_opts(const struct st_sim_opts *so, struct st_sim_fxopts *out);
/* st_fixture_open with so's options (so NULL: none). */
int st_sim_fixture_open(struct st_fixture **out, const char *addr, const struct st_model *m,
			struct st_clock *clock, const struct st_sim_opts *so, char *err);

/* The simulated headset behind fx, or NULL when fx is not the sim driver. */
struct st_headset *st_fixture_sim_headset(struct st_fixture *fx);
/* The options the sim fixture was opened with (its own copy), or NULL. */
const struct st_sim_opts *st_fixture_sim_opts(struct st_fixture *fx);

/* Longest step of bench time the driver advances the headset by while it
 * waits (seconds). */
#define ST_FIXTURE_SIM_STEP 0.05

#endif
