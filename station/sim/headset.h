/*
 * headset.h - a simulated headset, faithful to the seeds, driven by the
 * same model data the sequencer uses.
 *
 * The simulator knows nothing of the station: it is fed timestamped
 * inputs (which controls are held, slide positions, charger, wear
 * shutter, placement in the case) and answers on its factory-test UART and
 * with feedback (LED colour changes, chimes, prompts) exactly as the
 * model file says.  It accepts a procedure only inside its timing window,
 * changes exactly the state items the procedure wipes, and misbehaves the
 * way the seeds describe when abused or when a fault is injected.
 *
 * Time is whatever the caller says it is (bench seconds); the in-process
 * fixture drives it from a virtual clock, `station sim` from a real one.
 */
#ifndef ST_HEADSET_H
#define ST_HEADSET_H

#include <stddef.h>
#include "../model/model.h"
#include "../fixture/fixture.h"

#define ST_SIM_MAX_FAULTS 16

/* Options of a simulated bench (in-process or `station sim`). */
struct st_sim_opts {
	char faults[ST_SIM_MAX_FAULTS][48]; /* "low-battery", "worn-switch:VOL_DOWN", ... */
	int nfaults;
	double battery;      /* initial charge %, <0 = default (80, or 6 with low-battery) */
	int worn;            /* 1: wear sensor starts "worn" */
	const char *serial;  /* unit serial (default "SIM0001") */
	const char *identity;/* model the unit reports, if not the model's (wrong-model tests) */
	unsigned seed;       /* for the few random choices (0 = fixed default) */
	int start_off;       /* 1: the unit starts powered off */
	const char *firmware;/* firmware version it reports (default "2.4.1") */
};

/* Fault names the simulator understands (for usage messages); NULL-ended.
 * "worn-switch:CONTROL" takes a control name of the model. */
extern const char *const st_sim_fault_names[];
/* Check one fault name ("worn-switch:VOL_DOWN" needs a control of m). */
int st_sim_fault_check(const struct st_model *m, const char *fault, char *err);
/* faults.c: one line on what a catalogue fault name does ("" unknown), and
 * every fault instance that applies to model m with its argument filled in
 * (worn-switch:C per pressed control, mic faults on mic 1, anc-ramp:22.5);
 * returns the count. */
const char *st_sim_fault_about(const char *name);
int st_sim_fault_instances(const struct st_model *m, char out[][48], int max);
/* Seconds the simulated fixture holds past what it is asked
 * (fault fixture-hold-drift: 0.5 s, outside seed 000's +-0.3 s), else 0. */
double st_sim_hold_drift(const struct st_sim_opts *o);

struct st_headset;

struct st_headset *st_headset_new(const struct st_model *m,
				  const struct st_sim_opts *opts, char *err);
void st_headset_free(struct st_headset *h);

/* Inputs at bench time t (t never goes backwards). */
void st_headset_controls(struct st_headset *h, double t, unsigned held);
void st_headset_slide(struct st_headset *h, double t, int control, int position);
void st_headset_charge(struct st_headset *h, double t, int on);
void st_headset_wear(struct st_headset *h, double t, int worn);
void st_headset_place(struct st_headset *h, double t, int in_case, int lid_closed);
/* Run internal timers (hold thresholds, phantom resets, LED patterns) up to t. */
void st_headset_advance(struct st_headset *h, double t);

/* Factory-test UART: one command line in, one reply line out (see
 * docs/unit-uart.md).  Returns ST_OK, or ST_ERR_TIMEOUT when the unit is
 * dead (no reply). */
int st_headset_uart(struct st_headset *h, double t, const char *cmd,
		    char *reply, size_t n);

/* Also hand every feedback event, as it is produced (at the advance that
 * reaches its time), to fn - the simulated audio bench renders the chimes
 * and prompts.  fn NULL stops it.  Added by the audio engineer. */
void st_headset_listen(struct st_headset *h,
		       void (*fn)(void *ctx, const struct st_feedback *ev), void *ctx);

/* Feedback produced up to the last advance, oldest first; returns count. */
int st_headset_feedback(struct st_headset *h, struct st_feedback *ev, int max);

/* Read-only views for the acoustic model and for tests. */
struct st_headset_view {
	int powered;          /* 1 when on */
	int anc_on;           /* ANC mode engaged */
	double anc_since;     /* bench time ANC engaged (ramp-up) */
	double battery;       /* % */
	int paired;           /* devices in the paired table */
	char bt_state[16];    /* "connected", "pairing", "limbo", "off", "dead" */
	int touch_bricked;    /* wrong-model brick in force */
	int bootloader_corrupt;
	int bt_bricked;
	int last_reset;       /* enum st_reset_kind of the last accepted reset, -1 none */
	int resets[ST_RESET_COUNT]; /* accepted resets by kind */
	char fw[24];          /* firmware version, "unknown" when corrupt */
	char bt_addr[18];
	int boots;            /* boot counter (phantom resets raise it) */
	/* Added by the simulator's owner (after the fields above). */
	char model[ST_NAME_LEN]; /* model id the unit reports (opts->identity) */
	int overholds;        /* holds longer than the model's max-hold */
	int aborted;          /* accepted gestures the unit refused to act on
	                       * (precondition, worn, blocked by a fault) */
	int failed;           /* resets that ended in an EEPROM write failure */
	int keytest;          /* key-test mode on */
	int charger;          /* USB charge power present */
	int usb;              /* unit detects a USB connection (charger or false) */
	int worn, in_case, lid_closed;
	int bms_tripped;      /* battery protection tripped (unit dead) */
	int bt_limbo;         /* Bluetooth controller in limbo */
	double touch_until;   /* bench time the touch brick ends (0 = none) */
	double booted_at;     /* bench time of the last boot */
	int items[ST_ITEM_COUNT]; /* 1 = custom, 0 = default (wiped) */
	double battery_reported; /* % the fuel gauge reports (faults bend it) */
	double play_volume;   /* playback volume %, 0 = not playing */
};
void st_headset_view(const struct st_headset *h, struct st_headset_view *v);

/* The model the headset was made for, and the bench time it has reached. */
const struct st_model *st_headset_model(const struct st_headset *h);
double st_headset_now(const struct st_headset *h);

#endif
