/*
 * bench.h - a bench session: everything one station needs to run plans on
 * units, opened from one options struct and closed with one call.
 *
 * A session holds the model and its limits, the result store, the bench
 * clock, the fixture (a real relay board, or the simulated bench with its
 * simulated unit), the audio back end, the capture directory, the operator
 * and the station's name.  Front ends (`station run`, `station audio`, the
 * operator console, batch triage) open one session and run unit after unit
 * on it; none of them assembles a bench itself.
 *
 *   struct st_bench_opts o;
 *   st_bench_opts_init(&o);            // defaults: simulated bench, sim audio
 *   o.model = "WH-1000XM5";
 *   if (st_bench_open(&b, &o, err)) ...
 *   st_bench_run(b, "repair", "SN123", on_event, ctx, &res, err);
 *   st_bench_set_model(b, "WF-1000XM4", err);    // next unit, other model
 *   st_bench_run(b, "repair", "SN124", on_event, ctx, &res, err);
 *   st_bench_close(b);                 // releases every actuator first
 *
 * On the simulated bench each new serial (or changed model or simulated
 * unit options) puts a fresh simulated unit on the bench; the same serial
 * again finds the unit as the last run left it.  A real fixture stays open
 * across runs and is reopened only when the model (and so its channel map)
 * changes.  Every path out of st_bench_run and st_bench_close leaves every
 * actuator released.
 *
 * Errors: ST_ERR_ARG / ST_ERR_PARSE / ST_ERR_NOTFOUND for bad options or
 * data files (a usage error), ST_ERR_IO / ST_ERR_TIMEOUT / ST_ERR_DB /
 * ST_ERR_UNSUPPORTED for a station fault (fixture, audio or store cannot
 * be reached).  st_bench_exit_code() maps them to enum st_exit.
 *
 * Not thread-safe: one thread runs a session; another may only call
 * st_bench_abort() (or a signal handler set the abort flag).
 */
#ifndef ST_BENCH_H
#define ST_BENCH_H

#include <signal.h>

#include "seq/seq.h"

struct st_bench;

#define ST_BENCH_MAX_FAULTS 16

/* The simulated bench's unit (only with fixture NULL or "sim"). */
struct st_bench_sim {
	const char *faults[ST_BENCH_MAX_FAULTS]; /* "low-battery", "worn-switch:VOL_DOWN" */
	int nfaults;             /* entries used in faults[] */
	double battery;          /* initial charge %, <0 = the simulator's default */
	int worn;                /* 1: the wear sensor starts "worn" */
	const char *identity;    /* model id the unit reports, NULL = the model's */
	unsigned seed;           /* simulator seed, 0 = fixed default */
	const char *firmware;    /* build the unit reports (station nightly --firmware),
				  * NULL = the simulator's default */
};

/* How operator questions the bench cannot answer itself are answered. */
enum st_bench_confirm {
	ST_BENCH_CONFIRM_NONE = 0, /* nobody answers: such a step is an ERROR */
	ST_BENCH_CONFIRM_YES,      /* assume yes, recorded as assumed (--confirm yes) */
	ST_BENCH_CONFIRM_ASK,      /* call opts.confirm(question, run ctx) */
};

struct st_bench_opts {
	const char *data_dir;    /* models/, plans/, limits/, fixtures/; NULL = st_data_dir() */
	const char *model;       /* model id; NULL = none yet (st_bench_set_model before a run) */
	const char *plan;        /* default plan name for st_bench_run(plan NULL); may be NULL */
	const char *limits;      /* limit file; NULL = DATA/limits/<MODEL>.lim, re-resolved
				  * for the unit's firmware once it is known */
	const char *db;          /* result database; NULL = st_store_default_path() */
	int no_db;               /* 1: store nothing */
	const char *fixture;     /* NULL or "sim": simulated bench; else a fixture address */
	struct st_bench_sim sim; /* simulated unit (refused with a real fixture) */
	const char *audio;       /* "sim", "pa", "pa:DEVICE", "none"; NULL = sim on the
				  * simulated bench, none with a real fixture */
	const char *audio_bench; /* audio wiring: fixtures/benches/NAME.audio or a path */
	const char *captures;    /* raw WAV captures under DIR/<run uuid>/; NULL = captures/
				  * beside the database when there is audio and a store */
	const char *calibration; /* open-ear calibrations DIR/<bench>.cal (station
				  * calibrate); NULL = calibration/ beside the database
				  * (beside the default database with --no-db) */
	const char *operator_;   /* who runs the station; NULL = "" */
	const char *station;     /* station name; NULL = the host name */
	enum st_bench_confirm confirm;  /* operator questions */
	int (*confirm_fn)(const char *question, void *ctx); /* for ST_BENCH_CONFIRM_ASK */
	double time_scale;       /* real-clock speed; 0 = 1.0 with a real fixture, the
				  * virtual clock on the simulated bench */
};

/* Defaults: everything NULL/0, sim.battery -1. */
void st_bench_opts_init(struct st_bench_opts *o);

/* Open a session.  Loads the model (when given) and its limits, opens the
 * store, the clock, the fixture and the audio back end.  On failure
 * nothing is left open and *out is NULL. */
int st_bench_open(struct st_bench **out, const struct st_bench_opts *o, char *err);

/* Run one plan on one unit.  plan NULL = opts.plan.  serial: 1..63
 * printable characters.  Events go to on_event(ev, ctx) (may be NULL);
 * ctx is also handed to opts.confirm_fn.  Returns ST_OK when the run was
 * carried out (whatever its verdict, in res), else an error (err).
 * Several runs per session are fine. */
int st_bench_run(struct st_bench *b, const char *plan, const char *serial,
		 void (*on_event)(const struct st_event *ev, void *ctx), void *ctx,
		 struct st_seq_result *res, char *err);
/* The same with a plan the caller parsed. */
int st_bench_run_plan(struct st_bench *b, const struct st_plan *plan, const char *serial,
		      void (*on_event)(const struct st_event *ev, void *ctx), void *ctx,
		      struct st_seq_result *res, char *err);

/* Between runs: another model (reloads its limits; the fixture is
 * reopened for it), other simulated-unit options, another operator. */
int st_bench_set_model(struct st_bench *b, const char *model, char *err);
int st_bench_set_sim(struct st_bench *b, const struct st_bench_sim *sim, char *err);
int st_bench_set_operator(struct st_bench *b, const char *operator_, char *err);

/* Ask the unit now on the fixture which model it is (its UART's INFO
 * `model` key) into id[n].  Needs an open fixture with a UART. */
int st_bench_identify(struct st_bench *b, char *id, size_t n, char *err);

/* Stop the current run at once (from another thread); the run ends
 * ABORTED with every actuator released.  The flag stays set until
 * st_bench_abort_clear(): a stop that comes between two runs (a batch's
 * units) ends the next one at once instead of being lost. */
void st_bench_abort(struct st_bench *b);
/* Forget a stop: a front end starting a run the operator asked for after
 * an abort (the console). */
void st_bench_abort_clear(struct st_bench *b);
/* The abort flag itself, for a signal handler. */
volatile sig_atomic_t *st_bench_abort_flag(struct st_bench *b);

/* SIGINT, SIGTERM and SIGHUP set b's abort flag; a second signal releases
 * every open fixture at once (st_fixture_emergency_release) and ends the
 * process with that signal.  SIGPIPE is ignored, and the fixtures are
 * released at exit too.  One session at a time owns the handlers;
 * st_bench_close() of that session restores the previous ones. */
int st_bench_signals_install(struct st_bench *b, char *err);

/* Release every actuator now (the console's `r`).  Safe when closed. */
int st_bench_release_all(struct st_bench *b, char *err);

/* Release every actuator, close audio, fixture, store; free.  NULL ok. */
void st_bench_close(struct st_bench *b);

/* ---- what the start screen shows ------------------------------------- */

struct st_bench_fixture_info {
	int connected;           /* 1: the fixture is open */
	int simulated;           /* 1: the simulated bench */
	char driver[16];         /* "sim", "proto", "numato" */
	char port[128];          /* address as given ("sim" for the simulated bench) */
	char firmware[32];       /* fixture firmware when it announced one, else "" */
	char desc[128];          /* the driver's one-line description */
};
void st_bench_fixture_info(const struct st_bench *b, struct st_bench_fixture_info *fi);
/* "sim WH-1000XM5", "pa stbench (JACK)", "none". */
const char *st_bench_audio_desc(const struct st_bench *b);
/* Database path, or NULL with no store. */
const char *st_bench_db_path(const struct st_bench *b);
/* Runs stored in the database (all serials), or < 0 on error. */
int st_bench_run_count(struct st_bench *b, long long *n, char *err);
/* Where limits come from: "DATA/limits" (re-resolved per model and
 * firmware), or the explicit limit file when one was given. */
const char *st_bench_limits_dir(const struct st_bench *b);
const char *st_bench_operator(const struct st_bench *b);
/* Folder of the bench's open-ear calibrations. */
const char *st_bench_calibration_dir(const struct st_bench *b);
const char *st_bench_station(const struct st_bench *b);
/* The session's model, or NULL before one is set; the store, clock,
 * fixture and audio back end (NULL when absent or not yet open), for
 * front ends that drive them by hand (station audio, the fixture panel). */
const struct st_model *st_bench_model(const struct st_bench *b);
struct st_store *st_bench_store(struct st_bench *b);
struct st_fixture *st_bench_fixture(struct st_bench *b);
struct st_audio *st_bench_audio(struct st_bench *b);
/* Open the fixture (and audio) now for the current model if they are not
 * open, e.g. before driving them by hand; serial NULL = "SIM0001". */
int st_bench_connect(struct st_bench *b, const char *serial, char *err);

/* Close the fixture (and audio) and open them again: a fixture that was
 * unplugged, or a simulator process restarted with the next unit, is
 * found again (the console does this before each unit). */
int st_bench_reconnect(struct st_bench *b, const char *serial, char *err);

/* enum st_exit for an error returned by this API (usage 2, station 3). */
int st_bench_exit_code(int ret);

#endif
