/*
 * seq.h - the sequencer: runs a plan on one unit through a fixture, keeps
 * the seeds' safety rules, judges measurements against limits, stores the
 * run, and reports everything it does as events.
 *
 * It is a library with no I/O of its own beyond the fixture, the limits
 * and the store it is handed: `station run` (headless, text or JSON) and
 * the operator console are two thin front ends that listen to its events.
 * It never knows whether the fixture is simulated or real.
 */
#ifndef ST_SEQ_H
#define ST_SEQ_H

#include <signal.h>

#include "core/st.h"
#include "fixture/fixture.h"
#include "model/model.h"
#include "plan/plan.h"

struct st_limits;
struct st_store;
struct st_audio;

enum st_ev_kind {
	ST_EV_RUN_START,   /* text: plan and unit */
	ST_EV_STEP_START,  /* step, step_idx */
	ST_EV_ACTION,      /* what the fixture is doing: press, hold, release... */
	ST_EV_FEEDBACK,    /* what the unit did (LED, chime, prompt) */
	ST_EV_MEASUREMENT, /* name, value, unit, limits, verdict */
	ST_EV_INFO,        /* a note for the operator */
	ST_EV_REFUSED,     /* a safety rule refused an action (text says why) */
	ST_EV_STEP_END,    /* verdict, text = message */
	ST_EV_RUN_END,     /* verdict, disposition, reason */
};
const char *st_ev_kind_name(enum st_ev_kind k);

struct st_event {
	enum st_ev_kind kind;
	double t;                 /* bench seconds since the run started */
	int step_idx;             /* 0-based, -1 outside steps */
	const char *step;         /* step name, "" outside steps */
	const char *text;         /* one human line */
	enum st_verdict verdict;  /* STEP_END, RUN_END, MEASUREMENT */
	/* MEASUREMENT */
	const char *name;
	double value;
	const char *unit;
	int has_low, has_high;
	double low, high;
	int marginal;
	/* RUN_END */
	const char *disposition;
	const char *reason;
	const char *uuid;
	/* INFO, where the store keeps more than the text (NULL: nothing) */
	const char *firmware;     /* the unit's firmware, once read */
	const char *artifact;     /* a raw capture kept: what it is ("anc-off") */
	const char *path;         /* its file */
	const char *sha256;       /* its SHA-256, hex */
};

struct st_seq_config {
	const struct st_model *model;
	const struct st_plan *plan;
	struct st_fixture *fx;
	const struct st_limits *limits;   /* resolved for the model, no firmware */
	const char *limits_dir;           /* non-NULL: once the unit's firmware is known,
					   * re-resolve limits/<MODEL>.lim under this
					   * directory for it (firmware blocks) */
	struct st_store *store;           /* NULL: do not store */
	const char *serial;               /* scanned serial */
	const char *operator_;            /* who runs it */
	const char *station;              /* this station's name */
	void (*on_event)(const struct st_event *ev, void *ctx);
	void *ctx;
	/* Ask the operator a yes/no question the bench cannot answer itself
	 * (a Numato board has no LED sensor).  1 = yes, 0 = no, <0 = abort.
	 * NULL: questions are answered by `assume`. */
	int (*confirm)(const char *question, void *ctx);
	int assume;                        /* with confirm NULL: 1 = assume yes, 0 = no answer (ERROR) */
	volatile sig_atomic_t *abort_flag; /* set by a signal handler: stop now */
	struct st_audio *audio;            /* acoustic bench; NULL: acoustic steps SKIP */
	const char *capture_dir;           /* raw captures go to DIR/<run uuid>/ (NULL: none) */
	const char *calibration_dir;       /* open-ear calibrations DIR/<bench>.cal
	                                    * (station calibrate); NULL: "." */
};

struct st_seq_result {
	enum st_verdict verdict;
	char disposition[64];
	char reason[256];
	char uuid[37];
	char firmware[32];
	int steps_run;
	/* bench time (`make bench`, tests/bench/bench_plans.c) */
	double bench_s;          /* bench seconds the run took */
	double mandated_s;       /* ... of which the data and the unit asked for:
	                          * holds, taps and waits of the model and plan
	                          * files, the unit's feedback and answers (waits
	                          * that end on them), seed figures (charges,
	                          * idle watches, 60 min of playback, 30 s on
	                          * the charger) and audio capture lengths */
};

/* ---------------------------------------------------------- dispositions
 *
 * What to do with a unit, as data (seq/dispositions.c).  A finding names a
 * disposition id; the run stores and prints its `name`.  The general rows
 * come first: one per stored name. */
enum st_disp {
	/* general rows, one per stored disposition name */
	ST_DISP_RETEST, ST_DISP_SERVICE, ST_DISP_SERVICE_CENTRE, ST_DISP_SERVICE_ANC,
	ST_DISP_CHARGE, ST_DISP_CHECK_MODEL, ST_DISP_CLEAN_MIC, ST_DISP_CLEAN_PORT,
	ST_DISP_FIX_MODEL, ST_DISP_REMOVE_HEAD, ST_DISP_REPLACE_SWITCH, ST_DISP_TRICKLE,
	ST_DISP_WAIT_6H, ST_DISP_NO_FAULT, ST_DISP_GOLDEN_OK, ST_DISP_RESET_SOFT_DONE,
	ST_DISP_RESET_BT_DONE, ST_DISP_RESET_FACTORY_DONE, ST_DISP_RETURN_TO_STOCK,
	ST_DISP_BACKUP,           /* seed 000's backup rule before a factory reset */
	ST_DISP_HARDWARE_RMA,     /* seed 001: crackling, channel dropouts */
	ST_DISP_FIXED,            /* "fixed-by-<rung>" */
	/* causes with their own advice or seed rule, stored as a name above */
	ST_DISP_STATION_FAULT, ST_DISP_ABORT, ST_DISP_ESCALATION, ST_DISP_UNJUDGEABLE,
	ST_DISP_BATTERY_LOW, ST_DISP_WRONG_MODEL, ST_DISP_PHANTOM_RESETS, ST_DISP_PORT_LINT,
	ST_DISP_EEPROM, ST_DISP_FIRMWARE_CORRUPT, ST_DISP_BT_DEAD, ST_DISP_UNIT_DEAD,
	ST_DISP_NOT_FIXED, ST_DISP_NO_RESPONSE, ST_DISP_WIPES, ST_DISP_MIC_POLARITY,
	ST_DISP_DSP_FIRMWARE, ST_DISP_ANC_RAMP,
	ST_DISP_PAIRING, ST_DISP_BATTERY_REPORT, /* seed 001's verification tests */
	ST_DISP_CALIBRATION,      /* the bench's open-ear calibration is missing or stale */
	ST_DISP_COUNT
};

struct st_disposition {
	enum st_disp id;
	const char *name;    /* what runs store and print: "service-centre" ("fixed-by-" a prefix) */
	const char *todo;    /* what to do with the unit, one line for the technician */
	const char *advice;  /* for the customer, where the seeds give it; NULL none */
	const char *quote;   /* the seed sentence it comes from ("seed 001: ..."); NULL none */
};
/* The row of an id; NULL if out of range. */
const struct st_disposition *st_disposition(enum st_disp id);
/* The general row of a stored disposition name ("fixed-by-soft" finds the
 * fixed-by row); NULL for a name the table does not know (a plan's own
 * pass-disposition). */
const struct st_disposition *st_disposition_find(const char *name);

/* ------------------------------------------------------------ step table
 *
 * Every kind of plan step is one row of the sequencer's step table
 * (seq/steps.c): the plan parser takes its step names from it and the run
 * dispatches through it.  docs/hacking.md "Add a measurement step". */

struct seq; /* a run in progress (opaque outside station/seq/) */

#define ST_STEP_NEEDS_UART  0x1u  /* talks to the unit's test UART */
#define ST_STEP_NEEDS_AUDIO 0x2u  /* needs the acoustic bench (station run --audio) */

struct st_step_kind {
	const char *name;     /* the word(s) after `step` in a plan: "anc", "verify full" */
	/* Run the step: 1 done (its verdict is what it recorded), 0 not done
	 * or failed, <0 a station error (the run ends ERROR). */
	int (*run)(struct seq *s, const struct st_plan_step *ps);
	unsigned needs;       /* ST_STEP_NEEDS_*: on a bench without them the step SKIPs */
	const char *skip_why; /* the SKIP message then (NULL: a standard one) */
	int fixable;          /* 1: a FAIL may be fixed by a later ladder rung (health) */
	const char *summary;  /* what it does, one line (docs, `station plans`) */
	const void *data;     /* for the run function: st_seq_step(ps->op)->data */
};

/* Add a step kind to the table (at start-up, before plans are parsed; not
 * thread-safe).  Returns its step kind (>= ST_PS_COUNT, the value plans
 * then carry in st_plan_step.op) or an error: a name already taken, no
 * run function, or the table full. */
int st_seq_step_register(const struct st_step_kind *k, char *err);
/* The row of step kind `op`, NULL if there is none. */
const struct st_step_kind *st_seq_step(int op);

/* For a step's run function: judge `value` against limit `limit` of the
 * limit file in force, emit it as a MEASUREMENT and store it.  A limit
 * the file lacks is a station fault (ERROR). */
enum st_verdict st_seq_measure(struct seq *s, const char *limit, double value, const char *unit);
/* For a step's run function: record a failure of the unit (or the
 * station's ERROR) with its disposition and one line for the technician. */
void st_seq_fail(struct seq *s, enum st_verdict v, enum st_disp disposition, const char *reason);
struct st_fixture *st_seq_fixture(struct seq *s);
const struct st_model *st_seq_model(struct seq *s);
struct st_audio *st_seq_audio(struct seq *s);

/* Run the plan.  Returns ST_OK when the run was carried out (whatever its
 * verdict, in res), or an error when it could not start (err says why).
 * Every actuator is released before it returns, on every path. */
int st_seq_run(const struct st_seq_config *cfg, struct st_seq_result *res, char *err);

/* Nominal bench seconds of a plan on a real bench (estimate.c): every
 * step's waits, holds and captures, every ladder rung; the procedures'
 * own times from the model when one is given (NULL: a typical one).
 * *upper (may be NULL) gets the bound with `verify full`'s charge taking
 * all of its 4 h. */
double st_seq_plan_seconds(const struct st_plan *p, const struct st_model *m, double *upper);

#endif
