/*
 * internal.h - what the sequencer's files share and nothing outside
 * station/seq/ may include: the run state `struct seq` and the helpers
 * each concern offers the others.
 *
 * The files, one concern each:
 *   events.c          events, say, findings, station faults, abort
 *   judge.c           judging values against limits and masks, recording them
 *   uart.c            the unit's test UART and its key=value replies
 *   prompt.c          questions for the operator the bench cannot answer
 *   feedback.c        bench time, feedback collection, LED patterns, `expect`
 *   gates.c           safety gates and preconditions in front of a reset
 *   reset.c           performing a reset procedure and verifying what it wiped
 *   steps.c           the step table: plan step kinds, their run functions
 *   steps_unit.c      identify, battery, controls, health, verify
 *   steps_acoustic.c  anc, mics, ramp, assistant, response
 *   persist.c         the store, as a listener of the events
 *   dispositions.c    what to do with a unit, as data
 *   run.c             step bookkeeping, the ladder, st_seq_run
 */
#ifndef ST_SEQ_INTERNAL_H
#define ST_SEQ_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>

#include "seq.h"

struct st_mask;
struct st_meas_files;

#define SEQ_MAX_KV 64
#define SEQ_MAX_FB 1024
#define SEQ_SLICE_S 0.05  /* bench time passes in slices this long; every
                           * wait sees feedback and an abort within it */

/* key=value pairs of one reply of the unit's test UART. */
struct kv {
	char buf[1024];          /* the reply, split in place */
	char *key[SEQ_MAX_KV];   /* keys, into buf */
	char *val[SEQ_MAX_KV];   /* values, into buf */
	int n;                   /* pairs */
};

/* A failure of the unit, with what the technician should do about it. */
struct finding {
	char reason[256];        /* one line for the technician */
	char disposition[64];    /* what to do with the unit */
};

/* The state of one run. */
struct seq {
	const struct st_seq_config *cfg;
	const struct st_limits *lim;    /* limits in force (firmware-resolved once known) */
	struct st_limits **fw_limits;   /* owned firmware-resolved set, freed at the end */
	const struct st_model *m;       /* the unit's model */
	struct st_fixture *fx;          /* the bench */
	struct st_seq_result *res;      /* what the caller gets */
	double t0;                      /* bench time the run started */
	long long run_id;               /* store row, 0 without a store */
	/* current step */
	int step_idx;                   /* 0-based index of the step being run */
	char step_name[96];             /* its name in events and the store */
	double step_t0;                 /* run time it started */
	long long step_id;              /* store row, 0 without one */
	enum st_verdict step_verdict;   /* worst verdict of the step so far */
	char step_msg[256];             /* the step's one-line message */
	/* what the run knows about the unit */
	int identified;                 /* identity matched the model */
	int battery_checked;            /* the battery step read a level */
	double battery;                 /* last battery reading, % (-1 unknown) */
	int tried[ST_RESET_COUNT];      /* procedures attempted this run */
	int symptom_link;               /* fixable: Bluetooth link test fails */
	int symptom_mics;               /* fixable: microphone array misaligned
	                                 * (seed 000: "a reset reinitializes their
	                                 * phase alignment") */
	char mic_symptom[160];          /* ... what was measured */
	char last_reset[16];            /* last reset performed ("" none) */
	int backup_confirmed;           /* operator: settings backed up (gates.c) */
	int surface_confirmed;          /* operator: XM3/XM4 flat, no metal near */
	double factory_done_at;         /* run time of this run's factory reset, -1 none */
	int hardware_fault;             /* a fault no reset fixes was found */
	int fixed;                      /* a ladder rung made the unit verify */
	char addr_before[18];           /* Bluetooth address before the last reset
	                                 * that wiped it ("" none): verify.c */
	/* verdict bookkeeping */
	enum st_verdict verdict;        /* worst counted step verdict */
	enum st_verdict fixable_verdict;/* worst verdict excused if a rung fixes the unit */
	struct finding first;           /* first finding (reason + disposition) */
	int have_finding;               /* first holds one */
	int stop;                       /* end the run after this step */
	double mandated;                /* bench seconds the data and the unit
	                                 * asked for so far (seq_mandated) */
	/* feedback seen since the current procedure began */
	struct st_feedback fb[SEQ_MAX_FB];
	int nfb;                        /* entries of fb */
	char err[ST_ERRLEN];            /* last station fault */
	char store_err[ST_ERRLEN];      /* the store failed: nothing more is written */
};

/* events.c */
double seq_now(struct seq *s);
void seq_emit(struct seq *s, struct st_event *ev);
void seq_say(struct seq *s, enum st_ev_kind kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void seq_finding(struct seq *s, enum st_verdict v, enum st_disp disp, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void seq_station_fault(struct seq *s, int ret, const char *what);
int seq_aborted(struct seq *s);
void seq_handle_error(struct seq *s, int ret, const char *what);
/* A step that cannot run on this bench: SKIP with why. Returns 1. */
int seq_skip(struct seq *s, const char *why);

/* persist.c: write what the event says to the store.  ST_OK, or
 * ST_ERR_DB when the store failed (the run is ending ERROR). */
int seq_persist(struct seq *s, struct st_event *ev);

/* judge.c */
void seq_record(struct seq *s, const char *name, double value, const char *unit, int has_low,
		double low, int has_high, double high, enum st_verdict v, int marginal);
void seq_missing_limit(struct seq *s, const char *what);
enum st_verdict seq_measure_as(struct seq *s, const char *limit, const char *name, double value,
			       const char *unit);
enum st_verdict seq_measure(struct seq *s, const char *name, double value, const char *unit);
enum st_verdict seq_mask_point(struct seq *s, const struct st_mask *mk, const char *name,
			       double hz, double value, double *bound);

/* uart.c */
int seq_kv_parse(struct kv *kv, const char *line);
const char *seq_kv_get(const struct kv *kv, const char *key);
int seq_kv_num(const struct kv *kv, const char *key, double *v);
int seq_kv_is(const struct kv *kv, const char *key, const char *value);
int seq_uart(struct seq *s, const char *cmd, char *reply, size_t n);
int seq_same_model(const char *a, const char *b);
int seq_info(struct seq *s, struct kv *kv);
int seq_items(struct seq *s, struct kv *kv);
int seq_info_until(struct seq *s, struct kv *kv, const char *key, const char *value);

/* prompt.c */
int seq_ask(struct seq *s, const char *question);
int seq_ask_or_fault(struct seq *s, const char *question, const char *no_answer);

/* feedback.c */
struct led_summary {
	int on_count[2];      /* on-periods of each expected colour */
	int other;            /* on-periods of other colours */
	char other_color[16]; /* first such colour */
	double mean_on;       /* mean on-time of expected colours, s */
	double first_t;       /* first on of an expected colour, -1 none */
	double last_t;        /* last LED change */
	int lit;              /* the LED is lit after the last change */
};
int seq_collect(struct seq *s);
int seq_pass_time(struct seq *s, double seconds);
/* Count bench seconds that the data or the unit asked for (a hold, a
 * data wait, the unit's feedback or answer, a capture) towards the run's
 * mandated minimum; since = the bench time the span began. */
void seq_mandated_since(struct seq *s, double since);
int seq_wait_for(struct seq *s, double limit, int (*done)(struct seq *, void *), void *ctx);
int seq_charge_for(struct seq *s, double seconds);
void seq_led_summarise(const struct seq *s, const struct st_led_expect *e, double from,
		       struct led_summary *sum);
int seq_led_count_ok(const struct st_led_expect *e, const struct led_summary *sum);
void seq_led_describe(const struct st_led_expect *e, char *buf, size_t n);
void seq_led_mismatch(struct seq *s, const char *want, const struct led_summary *sum,
		      double within);
int seq_expect(struct seq *s, const struct st_step *st, double mark, double deadline,
	       double *latency);

/* gates.c */
int seq_gates(struct seq *s, const struct st_procedure *p);
int seq_preconditions(struct seq *s, const struct st_procedure *p);
int seq_power_on(struct seq *s, const char *why, struct kv *kv);

/* reset.c */
int seq_reset(struct seq *s, enum st_reset_kind kind);
int seq_reset_step(struct seq *s, enum st_reset_kind kind);

/* steps.c */
int seq_step_run(struct seq *s, const struct st_plan_step *ps);

/* steps_unit.c (run functions of the step table) */
int seq_step_identify(struct seq *s, const struct st_plan_step *ps);
int seq_step_battery(struct seq *s, const struct st_plan_step *ps);
int seq_step_controls(struct seq *s, const struct st_plan_step *ps);
int seq_step_health(struct seq *s, const struct st_plan_step *ps);
int seq_step_verify(struct seq *s, const struct st_plan_step *ps);
int seq_step_verify_full(struct seq *s, const struct st_plan_step *ps);
int seq_verify(struct seq *s);
int seq_identify(struct seq *s);

/* steps_acoustic.c (run functions of the step table) */
struct seq_acoustic; /* how one acoustic step measures and judges */
int seq_step_acoustic(struct seq *s, const struct st_plan_step *ps);
extern const struct seq_acoustic seq_acoustic_anc, seq_acoustic_mics, seq_acoustic_ramp,
	seq_acoustic_assistant, seq_acoustic_response;
/* Inside a verify step: the assistant latency, and with full the ANC
 * ramp-up; no acoustic bench is a note, not a SKIP of the whole step. */
int seq_verify_acoustic(struct seq *s, int full);

/* verify.c: seed 001's verification protocol; full adds the ANC ramp-up
 * and battery reporting.  1 pass, 0 not, <0 station error. */
int seq_verify_protocol(struct seq *s, int full);

/* relearn.c: 1 when the ANC masks may judge the unit now; 0 inside seed
 * 000's relearn window after a factory reset (*relaxed: judge against the
 * limit file's relearn masks instead). */
int seq_anc_judgeable(struct seq *s, int *relaxed);

/* The run ends with a symptom no reset cured: the finding for it. */
void seq_symptom_persists(struct seq *s);

#endif
