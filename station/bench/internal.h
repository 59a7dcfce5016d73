/*
 * internal.h - the bench session's private state, shared by bench.c
 * (opening, running, closing), connect.c (fixture and audio, the
 * simulated unit) and info.c (accessors and signal handling).  Front ends
 * see only the opaque struct st_bench of bench.h.
 */
#ifndef ST_BENCH_INTERNAL_H
#define ST_BENCH_INTERNAL_H

#include <signal.h>

#include "audio/audio.h"
#include "bench/bench.h"
#include "core/clock.h"
#include "core/st.h"

#define BENCH_PATH 512   /* room for a path option */
#define BENCH_WORD 128   /* room for a name option */
#define BENCH_FAULT 48   /* room for one simulated fault name */

/* The simulated unit's options, copied out of the caller's strings. */
struct bench_sim {
	char faults[ST_BENCH_MAX_FAULTS][BENCH_FAULT]; /* fault names */
	int nfaults;              /* entries used */
	double battery;           /* initial charge %, <0 default */
	int worn;                 /* wear sensor starts worn */
	char identity[ST_NAME_LEN]; /* model the unit reports, "" = the model's */
	unsigned seed;            /* simulator seed */
	char firmware[32];        /* build the unit reports, "" = the simulator's default */
};

struct st_bench {
	char data_dir[BENCH_PATH];   /* models/, plans/, limits/ live here */
	char plan[BENCH_WORD];       /* default plan name, "" = none */
	char limits_file[BENCH_PATH];/* explicit limit file, "" = per model */
	char limits_used[BENCH_PATH];/* the limit file loaded (for the start screen) */
	char db[BENCH_PATH];         /* database path, "" = no store */
	char fixture[BENCH_PATH];    /* fixture address, "" = simulated bench */
	char audio_addr[BENCH_WORD]; /* "sim", "pa", "pa:DEV", "none" */
	char captures[BENCH_PATH];   /* capture directory, "" = none */
	char calibration[BENCH_PATH];/* open-ear calibrations: DIR/<bench>.cal */
	char operator_[BENCH_WORD];  /* who runs the station */
	char station[BENCH_WORD];    /* this station's name */
	enum st_bench_confirm confirm; /* how operator questions are answered */
	int (*confirm_fn)(const char *question, void *ctx); /* for CONFIRM_ASK */
	double time_scale;           /* real clock speed (real fixtures) */
	int simulated;               /* 1: the simulated bench */
	struct bench_sim sim;        /* simulated unit options */
	struct st_audio_bench abench;/* audio wiring */
	struct st_model *model;      /* current model (NULL before one is set) */
	struct st_limits *limits;    /* its limits */
	struct st_store *store;      /* result store, NULL = none */
	struct st_clock *clock;      /* bench time, NULL until connected */
	struct st_fixture *fx;       /* open fixture, NULL until connected */
	struct st_audio *audio;      /* open audio back end, NULL = none */
	char unit_serial[64];        /* simulated unit now on the bench */
	int stale;                   /* 1: fixture must be reopened before a run */
	volatile sig_atomic_t abort_flag; /* set to stop the current run */
};

/* connect.c */
int bench_sim_copy(struct bench_sim *dst, const struct st_bench_sim *src, char *err);
int bench_sim_check(struct st_bench *b, char *err);
int bench_connect(struct st_bench *b, const char *serial, char *err);
void bench_disconnect(struct st_bench *b);

/* info.c */
void bench_signals_forget(struct st_bench *b);

#endif
