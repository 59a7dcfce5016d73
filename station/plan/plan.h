/*
 * plan.h - a plan: the steps of a run, loaded from fixtures/plans/NAME.plan.
 *
 * A plan names what to do to a unit (identify it, check its battery and
 * controls, run a reset ladder, verify, measure), not how: how to press a
 * model's controls lives in its model file, what counts as good lives in
 * its limit file.  The format is in docs/plan-format.md.
 */
#ifndef ST_PLAN_H
#define ST_PLAN_H

#include <stddef.h>

#define ST_PLAN_MAX_STEPS 24
#define ST_PLAN_MAX_RUNGS 8
#define ST_PLAN_MAX_ACTS 6

enum st_plan_op {
	ST_PS_IDENTIFY,   /* ask the unit who it is; refuse a wrong model */
	ST_PS_BATTERY,    /* battery level against limits and reset minimums */
	ST_PS_CONTROLS,   /* key test: every control registers on one press */
	ST_PS_HEALTH,     /* link test, phantom resets, false USB detect, touch */
	ST_PS_RESET,      /* run one reset procedure of the model */
	ST_PS_VERIFY,     /* seed 001's verification protocol, quick part */
	ST_PS_WAIT,       /* let time pass */
	ST_PS_CHARGE,     /* USB charge power on for a while */
	ST_PS_LADDER,     /* escalation: rungs until the unit verifies */
	ST_PS_ANC,        /* ANC attenuation against the model's masks */
	ST_PS_MICS,       /* microphone-array alignment */
	ST_PS_RAMP,       /* ANC ramp-up time */
	ST_PS_ASSISTANT,  /* voice-assistant latency */
	ST_PS_VERIFY_FULL,/* seed 001's four verification tests (an hour or two) */
	ST_PS_RESPONSE,   /* both drivers' frequency response (crackling, dropouts) */
	ST_PS_COUNT
};
/* The step kinds a plan may name are the rows of the sequencer's step
 * table (station/seq/steps.c, which defines these three; docs/hacking.md):
 * the built-in kinds above and any added with st_seq_step_register. */
const char *st_plan_op_name(enum st_plan_op op);
/* The kind named `name` ("anc", or two words such as "verify full"), -1 none. */
int st_plan_step_kind(const char *name);
/* Every name a `step` line may use, ", "-separated, for error messages. */
int st_plan_step_names(char *buf, size_t n);

struct st_plan_action {
	enum st_plan_op op;   /* RESET, WAIT or CHARGE inside a rung */
	int reset_kind;       /* enum st_reset_kind for RESET */
	double seconds;       /* WAIT, CHARGE */
};

struct st_plan_rung {
	char name[32];        /* "soft-then-bluetooth"; disposition "fixed-by-<name>" */
	struct st_plan_action acts[ST_PLAN_MAX_ACTS];
	int nacts;
	int line;
};

struct st_plan_step {
	enum st_plan_op op;
	int reset_kind;       /* RESET */
	double seconds;       /* WAIT, CHARGE, HEALTH observation time */
	int keep_going;       /* 1: a FAIL does not end the run ("on-fail continue") */
	struct st_plan_rung rungs[ST_PLAN_MAX_RUNGS]; /* LADDER */
	int nrungs;
	int min_rungs;        /* LADDER: rungs run even on a healthy unit */
	int line;
};

struct st_plan {
	char name[32];
	char description[160];
	int escalation;       /* 1: factory only after bluetooth and soft were tried */
	int retries;          /* extra attempts of a procedure whose feedback was not seen */
	char pass_disposition[48]; /* disposition of a PASS with nothing fixed */
	struct st_plan_step steps[ST_PLAN_MAX_STEPS];
	int nsteps;
	char path[256];
};

/* Parse a plan from text (`name` in messages); every error is
 * "file:line:col: message" with ST_ERR_PARSE.  The _buf form takes len
 * bytes, so a NUL byte in them is refused rather than ending the text. */
int st_plan_parse(const char *name, const char *text, struct st_plan *p, char *err);
int st_plan_parse_buf(const char *name, const char *buf, size_t len, struct st_plan *p,
		      char *err);
int st_plan_load(const char *path, struct st_plan *p, char *err);
/* fixtures/plans/<name>.plan under dir. */
int st_plan_find(const char *dir, const char *name, struct st_plan *p, char *err);
int st_plan_list(const char *dir, char names[][32], int max, char *err);

#endif
