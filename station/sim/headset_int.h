/*
 * headset_int.h - private to the simulated headset (headset.h): its
 * constants, state, compiled procedures and the helpers its files share.
 * headset.c holds the life cycle, the inputs and the timers;
 * headset_proc.c compiles and recognises procedures from control edges;
 * headset_state.c changes the unit's state (power, boot, resets);
 * headset_fb.c schedules the feedback (LEDs, chimes, prompts);
 * headset_faults.c parses faults and models the battery and fuel gauge
 * they bend; headset_uart.c answers on the factory-test UART.
 * Nothing outside these files includes it.
 */
#ifndef ST_HEADSET_INT_H
#define ST_HEADSET_INT_H

#include <stddef.h>

#include "headset.h"

#define EPS 1e-6
#define TAP_MAX 0.5             /* s: a gesture shorter than this is a tap */
#define SETTLE 0.2              /* s: presses (releases) this close are "together" */
#define GAP_DEFAULT 5.0         /* s allowed between two gestures of one phase */
#define PHASE_GAP_DEFAULT 10.0  /* s allowed after a phase's feedback has ended */
#define FB_LATENCY 0.05         /* s from acceptance to the first feedback */
#define FB_STAGGER 0.2          /* s between the starts of successive feedback */
#define PROMPT_SECONDS 1.2      /* length of a voice prompt */
#define CHIME_TONE_SECONDS 0.25 /* length of one chime tone */
#define TONE_SECONDS 0.3
#define TONE_HZ 1000.0
#define SOLID_SECONDS 2.0       /* a "solid" LED expectation stays lit this long */
#define DEFAULT_LED_COUNT 3     /* blinks for an expectation with count 0 */
#define DEFAULT_ALT_CYCLES 2    /* alternate cycles for count 0 */
#define EEPROM_FLASHES 6        /* red flashes after a failed EEPROM write */
#define LIMBO_CHAIN 60.0        /* BT reset within this of a soft reset clears limbo */
#define LIMBO_CHARGE 30.0       /* s on the charger that wake a limbo controller */
#define BMS_TRICKLE (12 * 3600.0) /* seed 001: 12 h of trickle re-enables the BMS */
#define CHARGE_RATE (100.0 / (4 * 3600.0)) /* %/s: seed 001 "fully charge for 4 hours" */
#define PHANTOM_PERIOD 40.0     /* s between phantom resets (oxidised USB-C port) */
#define PHANTOM_JITTER 5.0      /* +- s */
#define WORN_EVERY 3            /* a worn switch makes contact every 3rd press */
#define HEALTHY_PAIRED 3
#define DEFAULT_BATTERY 80.0
#define LOW_BATTERY 6.0
#define BRICK_BATTERY 10.0      /* seed 000: "Never attempt resets on sub-10% battery -
                                 * voltage instability can brick the BT controller" */
#define DRAIN_PER_S (25.0 / 3600.0) /* %/s playing at 70 % volume: seed 001's example
                                 * "100% -> 87% -> 75%" over 60 minutes */
#define DRAIN_VOLUME 70.0       /* volume the drain rate is for (seed 001: "70% volume") */
#define JUMP_AFTER_S 1800.0     /* battery-jump: the report falls after 30 min of play */
#define JUMP_PCT 10.0           /* ... by this much (seed 001: "Jumps of >8%") */
#define DRIFT_PCT 8.0           /* battery-drift: the report sags up to this much */
#define DRIFT_SPAN_S 3600.0     /* ... over an hour of playback */
#define DEFAULT_FW "2.4.1"
#define FB_RING 1024
#define FB_PENDING 512
#define MAX_SLIDES 8
#define MAX_GSPECS ST_MAX_STEPS

/* ---- faults --------------------------------------------------------------- */

enum fault {
	F_LOW_BATTERY,
	F_WORN_SWITCH,
	F_BT_LIMBO,
	F_BMS_TRIPPED,
	F_FW_CORRUPT,
	F_PORT_OXIDISED,
	F_EEPROM_FAIL,
	F_PAIRING_CORRUPT,
	F_BATTERY_JUMP,
	F_BATTERY_DRIFT,
	F_DRIVER_CRACKLE,   /* seed 001: crackling, oxidized driver leads */
	F_LEFT_DROPOUT,     /* seed 001: left-channel dropouts */
	F_COUNT
};

/* ---- compiled procedures -------------------------------------------------- */

enum gs_kind { GS_HOLD, GS_TAPS, GS_SLIDE };

/* One gesture a procedure expects. */
struct gspec {
	enum gs_kind kind;
	int phase;              /* phase it belongs to */
	int first_of_phase;     /* 1: the phase starts with it */
	unsigned set;           /* GS_HOLD, GS_TAPS: exact control set */
	double t;               /* GS_HOLD: threshold = hold length */
	double lo, hi;          /* GS_HOLD: accepted hold length on release */
	int count;              /* GS_TAPS: taps */
	double tap_gap;         /* GS_TAPS: max release-to-press gap between taps */
	int control, position;  /* GS_SLIDE */
	int nslides;            /* GS_HOLD: slides that must happen inside the hold */
	int slide_ctl[MAX_SLIDES], slide_pos[MAX_SLIDES];
	int nmid;               /* GS_HOLD: expectations given during the hold */
	int mid[ST_MAX_STEPS];  /* ... step indices */
	double mid_at[ST_MAX_STEPS]; /* ... hold time at which each is given */
	double start_within;    /* from the step (0 = default) */
	double wait_before;     /* waits in the data before this gesture */
	double max_gap;         /* allowed gap from the previous gesture's end */
	int line;               /* model-file line of the step */
};

struct phase {
	int nfb;                /* feedback after the phase's last gesture */
	int fb[ST_MAX_STEPS];   /* ... step indices */
	double fb_len;          /* how long that feedback lasts */
};

struct cproc {
	const struct st_procedure *p; /* NULL: absent */
	struct gspec g[MAX_GSPECS];
	int ng;
	struct phase ph[MAX_GSPECS];
	int nph;
	/* matcher */
	int cur;                /* next gspec expected */
	int taps;               /* taps already counted toward g[cur] */
	double last_end;        /* end of the last matched gesture */
	int phase_powered;      /* unit powered when the current phase began */
};

/* ---- the headset ---------------------------------------------------------- */

struct gesture {
	int active;             /* a control is held */
	unsigned set;           /* controls held together */
	unsigned cur;           /* controls held now */
	double start;           /* first press */
	double first_release;   /* first release, <0 none yet */
	int clean;              /* one exact set, pressed and released together */
	int powered_before;     /* unit powered at the first press */
	int nslides;            /* slides seen during the hold */
	int slide_ctl[MAX_SLIDES], slide_pos[MAX_SLIDES];
	int mid_gs[ST_RESET_COUNT];   /* gspec whose mid feedback is being given, -1 */
	unsigned mid_done[ST_RESET_COUNT]; /* bit per mid expectation given */
};

struct st_headset {
	const struct st_model *m;
	struct st_model model;  /* private copy the compiled specs point into */
	struct cproc procs[ST_RESET_COUNT];
	double now;             /* bench time reached */
	unsigned long long rng; /* xorshift state */

	/* faults */
	unsigned faults;        /* bit per enum fault */
	unsigned worn_mask;     /* controls with a worn tact switch */

	/* identity */
	char serial[ST_NAME_LEN];
	char reported[ST_NAME_LEN];
	char fw[24];

	/* unit state */
	int powered;
	double battery;         /* true charge % */
	double played;          /* s of playback since the last full charge (fuel gauge) */
	double play_volume;     /* playback volume %, 0 = not playing */
	char bt_addr[18];
	int paired;
	int items[ST_ITEM_COUNT];
	int bt_bricked;
	int bt_limbo;
	double limbo_tried;     /* first soft or BT reset in limbo, <0 none */
	double last_soft;       /* time of the last soft reset, <0 none */
	double touch_until;     /* touch interface bricked until (0 none, <0 forever) */
	int bootloader_corrupt;
	int bms_tripped;
	int boots;
	double booted_at;
	int worn, in_case, lid_closed;
	int charger;
	double charger_since;
	int anc_on;
	double anc_since;
	int keytest;
	int keycount[ST_MAX_CONTROLS];
	int overholds;
	int aborted;
	int failed;
	int last_reset;
	int resets[ST_RESET_COUNT];
	int slide_pos[ST_MAX_CONTROLS];

	/* inputs */
	unsigned raw;           /* controls the fixture holds */
	unsigned eff;           /* ... that make contact */
	unsigned contact;       /* this press of each control makes contact */
	int presses[ST_MAX_CONTROLS];
	double since[ST_MAX_CONTROLS]; /* when each effective control was pressed */
	unsigned over_fired;    /* overhold counted for this press */
	double hz_since[ST_MAX_HAZARDS]; /* all of a hazard's controls held since, <0 not */
	unsigned hz_fired;      /* hazard struck during this hold, bit per hazard */
	struct gesture g;

	/* timers */
	double phantom_next;    /* next phantom reset, <0 none */
	double blink_next;      /* next bms charging-LED toggle, <0 none */
	int blink_on;
	int charge_led;         /* charging LED lit (normal charging) */

	/* feedback */
	struct st_feedback pending[FB_PENDING]; /* scheduled, time order */
	int npending;
	struct st_feedback ring[FB_RING];       /* produced, not yet taken */
	int ring_head, ring_n;
	/* sounds also go to a listener (the simulated audio bench) */
	void (*listen)(void *ctx, const struct st_feedback *ev);
	void *listen_ctx;
};

/* ---- gestures and timers ------------------------------------------------ */

/* A finished gesture (first press to full release) or a slide outside a
 * hold, as fed to the procedure matchers. */
enum ev_kind { EV_HOLD, EV_SLIDE };

struct gev {
	enum ev_kind kind;
	unsigned set;
	double start, end, dur;
	int clean;
	int powered_before;
	int nslides;
	const int *slide_ctl, *slide_pos;
	int control, position;   /* EV_SLIDE */
};

/* How a gesture matches the gspec a matcher expects. */
enum { M_NO, M_PARTIAL, M_DONE };

/* The headset's internal timers (headset.c's next_timer and fire). */
enum timer { T_NONE, T_OVERHOLD, T_HAZARD, T_MID, T_TOUCH, T_BMS, T_LIMBO, T_BLINK, T_PHANTOM };

/* ---- small helpers ------------------------------------------------------- */

static inline int has(const struct st_headset *h, enum fault f)
{
	return (h->faults >> f) & 1u;
}

static inline int alive(const struct st_headset *h)
{
	return !h->bootloader_corrupt && !h->bms_tripped;
}

static inline unsigned long long rnd(struct st_headset *h)
{
	unsigned long long x = h->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	h->rng = x;
	return x * 0x2545F4914F6CDD1DULL;
}

static inline double rnd_unit(struct st_headset *h)
{
	return (double)(rnd(h) >> 11) / 9007199254740992.0;
}

static inline unsigned kind_mask(const struct st_model *m, enum st_control_kind k)
{
	unsigned mask = 0;

	for (int i = 0; i < m->ncontrols; i++)
		if (m->controls[i].kind == k)
			mask |= 1u << i;
	return mask;
}

static inline const char *led_default_where(const struct st_headset *h)
{
	return h->m->kind == ST_KIND_EARBUDS ? "left" : "main";
}

static inline const char *charge_led_where(const struct st_headset *h)
{
	return h->m->kind == ST_KIND_EARBUDS ? "case" : "main";
}

/* ---- shared between the headset's files ----------------------------------- */

/* headset_faults.c: faults and the battery model */
int hs_fault_parse(const struct st_model *m, const char *s, enum fault *f, int *ctl,
		   char *err);
int hs_resets_blocked(const struct st_headset *h);
void hs_battery_to(struct st_headset *h, double t);
double hs_battery_reported(const struct st_headset *h);
void hs_adv_name(const struct st_headset *h, char *buf, size_t n);
int hs_usb_detected(const struct st_headset *h);

/* headset_fb.c: feedback */
void hs_flush_pending(struct st_headset *h, double t);
void hs_fb_led(struct st_headset *h, double t, const char *where, const char *color);
/* The driver test sweep (UART SWEEP) starting at t, announced to the
 * listeners now so the acoustic bench has it before it starts. */
void hs_fb_sweep(struct st_headset *h, double t);
void hs_fb_sound(struct st_headset *h, double t, enum st_fb_kind kind, int count,
		 const char *text);
double hs_led_pattern(struct st_headset *h, const struct st_led_expect *le, double t0,
		      int emit);
double hs_give_feedback(struct st_headset *h, const struct st_procedure *p,
			const int *idx, int n, double t, int emit);
void hs_charge_led_update(struct st_headset *h, double t);

/* headset_proc.c: procedures and gestures */
void hs_compile_proc(struct st_headset *h, struct cproc *cp, const struct st_procedure *p);
void hs_matchers_reset(struct st_headset *h);
int hs_phase_accepted(struct st_headset *h, struct cproc *cp, int phase, double t);
void hs_gesture_done(struct st_headset *h, const struct gev *e);
void hs_gesture_edge(struct st_headset *h, double t, unsigned eff);
int hs_mid_candidate(const struct st_headset *h, const struct cproc *cp);

/* headset_state.c: unit state changes */
void hs_new_bt_addr(struct st_headset *h);
void hs_boot(struct st_headset *h, double t);
void hs_reboot(struct st_headset *h, double t);
void hs_power_on(struct st_headset *h, double t);
void hs_power_off(struct st_headset *h);
void hs_brick_bootloader(struct st_headset *h);
const char *hs_bt_state(const struct st_headset *h);
int hs_preconditions_ok(const struct st_headset *h, const struct cproc *cp, int powered);
void hs_complete_reset(struct st_headset *h, struct cproc *cp, double t, double fb_end);

#endif
