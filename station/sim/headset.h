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
};

/* Fault names the simulator understands (for usage messages). */
extern const char *const st_sim_fault_names[];
/* Check one fault name ("worn-switch:VOL_DOWN" needs a control of m). */
int st_sim_fault_check(const struct st_model *m, const char *fault, char *err);

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
};
void st_headset_view(const struct st_headset *h, struct st_headset_view *v);

#endif
