/*
 * bench_tmp.h - TEMPORARY (console branch only): assembles a bench for one
 * run the way `station run` does, until the shared bench session library
 * (station/bench/) lands; then the runner calls that and this file goes.
 */
#ifndef ST_CONSOLE_BENCH_TMP_H
#define ST_CONSOLE_BENCH_TMP_H

#include "console/runner.h"
#include "sim/headset.h"

struct st_clock;
struct st_fixture;
struct st_audio;
struct st_limits;
struct st_store;

struct cons_bench {
	struct st_clock *clock;     /* real (scaled) clock */
	struct st_fixture *fx;      /* the fixture, opened for the run's model */
	struct st_audio *audio;     /* acoustic bench, NULL: acoustic steps SKIP */
	struct st_limits *limits;   /* the model's limits */
	struct st_store *store;     /* the run's database connection, NULL: none */
	struct st_sim_opts sim;     /* simulated unit (in-process bench) */
	char captures[512];         /* raw captures directory */
};

int cons_bench_open(const struct cons_bench_opts *o, const struct st_model *m,
		    const char *serial, int with_store, struct cons_bench *b, char *err);
void cons_bench_close(struct cons_bench *b);

#endif
