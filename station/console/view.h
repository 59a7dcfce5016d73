/*
 * view.h - what the run screen shows, built from the sequencer's events
 * alone: the plan's steps with their states, the action in progress (a
 * held control with its length, for the countdown bar), the LED and what
 * was heard, measurements beside their limits, ANC bands against their
 * mask, microphone delays and gains, an operator question, and the run's
 * verdict.  Pure bookkeeping with no terminal and no test logic: a unit
 * test feeds it events and reads the fields.
 */
#ifndef ST_CONSOLE_VIEW_H
#define ST_CONSOLE_VIEW_H

#include "console/runner.h"

struct st_plan;

#define VIEW_MAX_STEPS 40
#define VIEW_MAX_MEAS 48
#define VIEW_MAX_BANDS 24
#define VIEW_MAX_MICS 8
#define VIEW_MAX_FAILS 8
#define VIEW_MAX_NOTES 4

enum view_state { VS_PENDING, VS_RUNNING, VS_PASS, VS_FAIL, VS_ERROR, VS_ABORTED, VS_SKIP };

struct view_step {
	char name[48];            /* "identify", "ladder bluetooth" */
	enum view_state state;
	char detail[24];          /* a short result beside it ("80 %", "fw 2.4.1") */
	int from_plan;            /* 1: a placeholder from the plan, not yet started */
	int nmeas, npass;         /* its measurements, and how many passed */
};

struct view_meas {
	char name[64];
	double value;
	char unit[16];
	int has_low, has_high;
	double low, high;
	enum st_verdict verdict;
	int marginal;
};

struct view_band {
	double hz;                /* 1/3-octave band centre */
	double db;                /* measured attenuation */
	double mask;              /* the mask's lower bound there */
	int has_mask;
	enum st_verdict verdict;
};

struct view_mic {
	int have_delay, have_gain;
	struct view_meas delay, gain;  /* mic.N.delay_us, mic.N.gain_db */
};

struct run_view {
	char model[32], serial[64], plan[32], operator_[64];
	struct view_step steps[VIEW_MAX_STEPS];
	int nsteps;
	int cur;                  /* running step index, -1 */
	char step_text[64];       /* the running step's name */
	char action[160];         /* what the fixture is doing */
	int holding;              /* a control is held: countdown */
	char hold_what[64];       /* "POWER+NC_AMBIENT" */
	int timed;                /* a wait of known length: a progress bar */
	double hold_len;          /* bench seconds (hold or wait) */
	double hold_wall;         /* wall time the hold began (CLOCK_MONOTONIC s) */
	char led[48];             /* "main blue" */
	char heard[64];           /* "chime x2", "voice prompt ..." */
	char notes[VIEW_MAX_NOTES][160]; /* last info / refusal lines, newest last */
	int nnotes;
	struct view_meas meas[VIEW_MAX_MEAS]; /* last measurements (ring) */
	int nmeas;                /* how many in the ring */
	int meas_total;           /* all measurements of the run */
	struct view_band bands[VIEW_MAX_BANDS]; /* anc.active_db.L.* */
	int nbands;
	struct view_mic mics[VIEW_MAX_MICS];
	int nmics;
	struct view_meas fails[VIEW_MAX_FAILS]; /* failing measurements, worst first */
	int nfails;
	char question[320];       /* the operator must answer (Enter = yes) */
	int asking;
	double t;                 /* bench time of the last event */
	int started;              /* run-start seen */
	int ended;                /* run-end seen */
	int aborting;             /* the operator asked for an abort */
	enum st_verdict verdict;
	char disposition[64], reason[256], uuid[37];
	int steps_run;
};

/* A fresh view for a run of `plan` (its steps as pending placeholders). */
void view_reset(struct run_view *v, const struct st_plan *plan, const char *model,
		const char *serial, const char *operator_);
void view_apply(struct run_view *v, const struct cons_event *e);
/* Seconds of the current hold elapsed at wall time `now`, given the
 * bench's scale; clamped to [0, hold_len]. */
double view_hold_elapsed(const struct run_view *v, double now, double scale);
/* "anc.active_db.L.100Hz" -> ear 'L', hz 100; 0 if the name is not one. */
int view_parse_band(const char *name, const char *kind, char *ear, double *hz);
/* How far a failing measurement misses its limit (for worst-first). */
double view_miss(const struct view_meas *m);

#endif
