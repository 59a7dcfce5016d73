/*
 * runner.h - the console's worker thread.  A run (or a fixture-panel
 * action) is carried out on it by the same sequencer and bench assembly
 * `station run` uses; every sequencer event is copied into a thread-safe
 * queue and a byte written to a wake-up pipe, so the drawing thread never
 * blocks on the bench and a key is answered while a hold or a capture
 * runs.  The bench is the shared session (station/bench/bench.h), the same
 * `station run` uses; the console assembles none of it.  The drawing
 * thread takes the queued events and asks for an abort; the worker
 * releases every actuator before it reports the run's end.
 */
#ifndef ST_CONSOLE_RUNNER_H
#define ST_CONSOLE_RUNNER_H

#include "core/st.h"
#include "seq/seq.h"

struct st_bench;
struct st_model;
struct st_plan;

/* A sequencer event, copied (the strings live in the event). */
struct cons_event {
	enum st_ev_kind kind;
	double t;                 /* bench seconds since the run started */
	double wall;              /* CLOCK_MONOTONIC seconds when it was queued */
	int step_idx;
	char step[64];
	char text[320];
	enum st_verdict verdict;
	char name[64];            /* MEASUREMENT */
	double value;
	char unit[16];
	int has_low, has_high;
	double low, high;
	int marginal;
	char disposition[64];     /* RUN_END */
	char reason[256];
	char uuid[37];
	int question;             /* INFO that asks the operator (confirm): answer with runner_answer */
	int identity;             /* INFO answering runner_identify: name = the unit's model id,
				   * "" when it could not say (text says why) */
};

struct runner;

/* A worker for bench session `b` (the console keeps and closes it; the
 * drawing thread may use it only while runner_busy() is 0). */
int runner_new(struct runner **out, struct st_bench *b, char *err);
/* The session's confirm_fn (ST_BENCH_CONFIRM_ASK): the question goes to
 * the screen and the run waits for runner_answer() or an abort. */
int runner_confirm(const char *question, void *ctx);
/* Aborts and joins whatever runs, releases the fixture, frees. */
void runner_free(struct runner *r);
/* Readable when events are queued (for crt_getkey). */
int runner_wake_fd(const struct runner *r);
/* Wall-clock-to-bench-time scale of the running bench (1 when idle). */
double runner_scale(const struct runner *r);

/* Start a run of `plan` on unit `serial` of `model` on the worker thread.
 * ST_ERR_ARG if one is already running. */
int runner_start(struct runner *r, const struct st_model *model, const struct st_plan *plan,
		 const char *serial, const char *operator_, char *err);
/* Ask the run to stop now (every actuator released first); returns at
 * once. */
void runner_abort(struct runner *r);
/* 1 while a run or fixture action is on the worker thread. */
int runner_busy(struct runner *r);
/* 1 while a run (not a fixture-panel session) is on the worker thread. */
int runner_running(struct runner *r);
/* Answer an operator question the run waits on: 1 yes, 0 no, -1 abort. */
void runner_answer(struct runner *r, int answer);

/* Ask the unit on the fixture which model it is (its test UART), the
 * fixture opened for `guess` (any model the fixture is wired for); the
 * answer arrives as an INFO event with `identity` set. */
int runner_identify(struct runner *r, const struct st_model *guess, char *err);

/* Fixture panel: open the bench for `model` (no run), press one set of
 * controls for `seconds` (refused past the model's safety limits), release
 * everything, close.  Each returns at once; results arrive as events
 * (ACTION, FEEDBACK, REFUSED, INFO with step_idx -1). */
int runner_fixture_open(struct runner *r, const struct st_model *model, char *err);
int runner_fixture_press(struct runner *r, unsigned mask, double seconds, char *err);
int runner_fixture_release(struct runner *r, char *err);
void runner_fixture_close(struct runner *r);
/* Controls the station believes are held right now (fixture panel). */
unsigned runner_fixture_held(struct runner *r);

/* Take up to `max` queued events, oldest first; returns how many. */
int runner_take(struct runner *r, struct cons_event *out, int max);

/* Release every open fixture now (signal handlers). */
void runner_emergency_release(void);

#endif
