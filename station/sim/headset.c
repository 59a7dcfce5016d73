/*
 * headset.c - the simulated headset (headset.h): a unit that reads its
 * procedures from the same model data the sequencer uses, recognises them
 * from a timeline of control edges, answers with the feedback the data
 * gives, changes exactly the state items the procedure wipes, and suffers
 * the abuse and faults the seeds describe.  No I/O and no clock of its own:
 * the caller says what time it is.  docs/simulator.md describes the
 * behaviour, docs/unit-uart.md the factory-test UART.
 *
 * How a procedure is recognised: at creation each present procedure is
 * compiled into "gesture specs" (a hold of one exact control set with a
 * release window, N taps, a slide outside a hold) grouped into phases; the
 * expectation steps after a phase's last gesture are the feedback given
 * when that phase is accepted, expectations between `press` and `release`
 * are given during the hold when its threshold is crossed.  The input
 * edges are turned into gestures (first press to full release); each
 * finished gesture is fed to a small matcher per procedure.
 */
#include "headset.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/st.h"
#include "sim/acoustic.h"

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
	F_COUNT
};

const char *const st_sim_fault_names[] = {
	[F_LOW_BATTERY] = "low-battery",
	[F_WORN_SWITCH] = "worn-switch:CONTROL",
	[F_BT_LIMBO] = "bt-limbo",
	[F_BMS_TRIPPED] = "bms-tripped",
	[F_FW_CORRUPT] = "firmware-corrupt",
	[F_PORT_OXIDISED] = "port-oxidised",
	[F_EEPROM_FAIL] = "eeprom-fail",
	[F_PAIRING_CORRUPT] = "pairing-corrupt",
	[F_BATTERY_JUMP] = "battery-jump",
	[F_BATTERY_DRIFT] = "battery-drift",
	[F_COUNT] = NULL,
};

/* Parse one fault; *ctl gets the control of worn-switch (else -1). */
static int fault_parse(const struct st_model *m, const char *s, enum fault *f, int *ctl,
		       char *err)
{
	const char *colon;
	size_t n;

	*ctl = -1;
	if (!s || !*s)
		return st_fail(err, ST_ERR_ARG, "empty fault name");
	colon = strchr(s, ':');
	n = colon ? (size_t)(colon - s) : strlen(s);
	for (int i = 0; i < F_COUNT; i++) {
		const char *name = st_sim_fault_names[i];
		size_t len = strcspn(name, ":");

		if (len != n || strncasecmp(name, s, n))
			continue;
		*f = (enum fault)i;
		if (i != F_WORN_SWITCH) {
			if (colon)
				return st_fail(err, ST_ERR_ARG, "fault '%s' takes no ':' argument", s);
			return ST_OK;
		}
		if (!colon || !colon[1])
			return st_fail(err, ST_ERR_ARG,
				       "fault '%s' needs a control: worn-switch:CONTROL", s);
		if (!m)
			return ST_OK;
		*ctl = st_model_control(m, colon + 1);
		if (*ctl < 0)
			return st_fail(err, ST_ERR_ARG, "fault '%s': %s has no control '%s'", s,
				       m->id, colon + 1);
		if (m->controls[*ctl].kind == ST_CTL_SLIDE)
			return st_fail(err, ST_ERR_ARG,
				       "fault '%s': %s is a slide switch, not a switch that is pressed",
				       s, colon + 1);
		return ST_OK;
	}
	/* the simulated fixture's own fault (faults.c, simdrv.c) */
	if (!strcasecmp(s, "fixture-hold-drift")) {
		*f = F_COUNT;
		return ST_OK;
	}
	/* the bench's acoustic faults (station/sim/acoustic.h) share the list:
	 * accepted here, acted on by the acoustic model (*f = F_COUNT) */
	{
		int aret = st_acoustic_fault_check(m, s, err);

		if (aret != ST_ERR_NOTFOUND) {
			*f = F_COUNT;
			return aret;
		}
	}
	return st_fail(err, ST_ERR_ARG,
		       "unknown fault '%s' (low-battery, worn-switch:CONTROL, bt-limbo, bms-tripped, "
		       "firmware-corrupt, port-oxidised, eeprom-fail, pairing-corrupt, battery-jump, "
		       "battery-drift, fixture-hold-drift; acoustic: anc-weak, anc-instant, anc-slow, anc-ramp:S, "
		       "mic-misaligned:N, mic-polarity:N, noisy-room, assistant-slow)", s);
}

int st_sim_fault_check(const struct st_model *m, const char *fault, char *err)
{
	enum fault f;
	int ctl;

	return fault_parse(m, fault, &f, &ctl, err);
}

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

static int has(const struct st_headset *h, enum fault f)
{
	return (h->faults >> f) & 1u;
}

static int alive(const struct st_headset *h)
{
	return !h->bootloader_corrupt && !h->bms_tripped;
}

static unsigned long long rnd(struct st_headset *h)
{
	unsigned long long x = h->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	h->rng = x;
	return x * 0x2545F4914F6CDD1DULL;
}

static double rnd_unit(struct st_headset *h)
{
	return (double)(rnd(h) >> 11) / 9007199254740992.0;
}

static unsigned long long fnv(const char *s, unsigned long long hsh)
{
	for (; s && *s; s++) {
		hsh ^= (unsigned char)*s;
		hsh *= 0x100000001b3ULL;
	}
	return hsh;
}

static int lowest_bit(unsigned x)
{
	for (int i = 0; i < 32; i++)
		if (x & (1u << i))
			return i;
	return -1;
}

static unsigned kind_mask(const struct st_model *m, enum st_control_kind k)
{
	unsigned mask = 0;

	for (int i = 0; i < m->ncontrols; i++)
		if (m->controls[i].kind == k)
			mask |= 1u << i;
	return mask;
}

static const char *led_default_where(const struct st_headset *h)
{
	return h->m->kind == ST_KIND_EARBUDS ? "left" : "main";
}

static const char *charge_led_where(const struct st_headset *h)
{
	return h->m->kind == ST_KIND_EARBUDS ? "case" : "main";
}

/* ---- feedback queue ------------------------------------------------------- */

static void ring_push(struct st_headset *h, const struct st_feedback *ev)
{
	int idx;

	if (h->ring_n == FB_RING) {          /* drop the oldest */
		h->ring_head = (h->ring_head + 1) % FB_RING;
		h->ring_n--;
	}
	idx = (h->ring_head + h->ring_n) % FB_RING;
	h->ring[idx] = *ev;
	h->ring_n++;
	if (h->listen)
		h->listen(h->listen_ctx, ev);
}

void st_headset_listen(struct st_headset *h,
		       void (*fn)(void *ctx, const struct st_feedback *ev), void *ctx)
{
	h->listen = fn;
	h->listen_ctx = ctx;
}

/* Move scheduled feedback up to time t into the ring. */
static void flush_pending(struct st_headset *h, double t)
{
	int k = 0;

	while (k < h->npending && h->pending[k].t <= t + EPS)
		ring_push(h, &h->pending[k++]);
	if (k) {
		memmove(h->pending, h->pending + k, (size_t)(h->npending - k) * sizeof(h->pending[0]));
		h->npending -= k;
	}
}

static void schedule(struct st_headset *h, const struct st_feedback *ev)
{
	int i;

	if (h->npending == FB_PENDING) {     /* full: the earliest goes out now */
		ring_push(h, &h->pending[0]);
		memmove(h->pending, h->pending + 1, (size_t)(h->npending - 1) * sizeof(h->pending[0]));
		h->npending--;
	}
	i = h->npending;
	while (i > 0 && h->pending[i - 1].t > ev->t) {
		h->pending[i] = h->pending[i - 1];
		i--;
	}
	h->pending[i] = *ev;
	h->npending++;
}

static void fb_led(struct st_headset *h, double t, const char *where, const char *color)
{
	struct st_feedback ev;

	memset(&ev, 0, sizeof(ev));
	ev.t = t;
	ev.kind = ST_FB_LED;
	st_strlcpy(ev.where, where, sizeof(ev.where));
	st_strlcpy(ev.color, color, sizeof(ev.color));
	schedule(h, &ev);
}

static void fb_sound(struct st_headset *h, double t, enum st_fb_kind kind, int count,
		     const char *text)
{
	struct st_feedback ev;

	memset(&ev, 0, sizeof(ev));
	ev.t = t;
	ev.kind = kind;
	ev.count = count;
	if (kind == ST_FB_TONE)
		ev.hz = TONE_HZ;
	if (text)
		st_strlcpy(ev.text, text, sizeof(ev.text));
	schedule(h, &ev);
}

/* LED pattern of an expectation starting at t0 (emit = 0: only measure).
 * Returns its length in seconds. */
static double led_pattern(struct st_headset *h, const struct st_led_expect *le, double t0,
			  int emit)
{
	const char *where = le->where[0] ? le->where : led_default_where(h);
	int ncol = le->ncolors > 0 ? le->ncolors : 1;
	double on, off, len;
	int n;

	if (!strcmp(le->pattern, "solid")) {
		if (emit) {
			fb_led(h, t0, where, strcmp(le->colors[0], "any") ? le->colors[0] : "white");
			fb_led(h, t0 + SOLID_SECONDS, where, "off");
		}
		return SOLID_SECONDS;
	}
	if (!strcmp(le->pattern, "alternate")) {
		int cycles = le->count > 0 ? le->count : DEFAULT_ALT_CYCLES;

		n = cycles * (ncol > 1 ? ncol : 2);
		for (int k = 0; emit && k < n; k++) {
			const char *c = ncol > 1 ? le->colors[k % ncol] : (k % 2 ? "off" : le->colors[0]);

			fb_led(h, t0 + 0.3 * k, where, strcmp(c, "any") ? c : "white");
		}
		len = 0.3 * n;
		if (emit)
			fb_led(h, t0 + len, where, "off");
		return len;
	}
	if (!strcmp(le->pattern, "flash")) {
		on = 0.1;
		off = 0.1;
	} else if (!strcmp(le->pattern, "pulse")) {
		on = 0.5;
		off = 0.5;
	} else {                                 /* blink */
		on = 0.25;
		off = 0.25;
	}
	n = le->count > 0 ? le->count : DEFAULT_LED_COUNT;
	for (int k = 0; emit && k < n; k++) {
		const char *c = le->colors[k % ncol];

		fb_led(h, t0 + k * (on + off), where, strcmp(c, "any") ? c : "white");
		fb_led(h, t0 + k * (on + off) + on, where, "off");
	}
	return n * (on + off);
}

static int where_slot(const char *where)
{
	static const char *const names[] = { "main", "left", "right", "case" };

	for (int i = 0; i < 4; i++)
		if (!strcmp(where, names[i]))
			return i;
	return 0;
}

/* Give the expectation steps idx[0..n) of procedure p starting at t (emit =
 * 0: only measure).  They start in the data's order (docs/model-format.md:
 * each window starts when the previous feedback is seen): each one 0.2 s
 * after the previous one began, and not before its channel (one LED, or the
 * speaker) is free.  Returns the length in seconds. */
static double give_feedback(struct st_headset *h, const struct st_procedure *p,
			    const int *idx, int n, double t, int emit)
{
	double busy[5] = { 0, 0, 0, 0, 0 };   /* main, left, right, case, speaker */
	double start = -FB_STAGGER, len = 0;
	double t0 = t + FB_LATENCY;

	for (int i = 0; i < n; i++) {
		const struct st_step *s = &p->steps[idx[i]];
		int ch = 4;
		double d = 0;

		if (s->op == ST_OP_EXPECT_LED)
			ch = where_slot(s->led.where[0] ? s->led.where : led_default_where(h));
		start += FB_STAGGER;
		if (start < busy[ch])
			start = busy[ch];
		switch (s->op) {
		case ST_OP_EXPECT_LED:
			d = led_pattern(h, &s->led, t0 + start, emit);
			break;
		case ST_OP_EXPECT_PROMPT:
			if (emit)
				fb_sound(h, t0 + start, ST_FB_PROMPT, 0, s->text);
			d = PROMPT_SECONDS;
			break;
		case ST_OP_EXPECT_CHIME:
			if (emit)
				fb_sound(h, t0 + start, ST_FB_CHIME, s->count > 0 ? s->count : 1, NULL);
			d = CHIME_TONE_SECONDS * (s->count > 0 ? s->count : 1);
			break;
		case ST_OP_EXPECT_TONE:
			for (int k = 0; k < (s->count > 0 ? s->count : 1); k++) {
				if (emit)
					fb_sound(h, t0 + start + d, ST_FB_TONE, 1, NULL);
				d += TONE_SECONDS;
			}
			break;
		default:
			break;
		}
		busy[ch] = start + d;
		if (busy[ch] > len)
			len = busy[ch];
	}
	return n ? FB_LATENCY + len : 0;
}

/* ---- compiling a procedure ------------------------------------------------ */

static struct gspec *new_gspec(struct cproc *cp, const struct st_step *s, enum gs_kind kind,
			       double *pending_wait)
{
	struct gspec *g;

	if (cp->ng == MAX_GSPECS)
		return NULL;
	/* A gesture after feedback starts the next phase. */
	if (cp->nph == 0 || cp->ph[cp->nph - 1].nfb > 0) {
		memset(&cp->ph[cp->nph], 0, sizeof(cp->ph[0]));
		cp->nph++;
	}
	g = &cp->g[cp->ng++];
	memset(g, 0, sizeof(*g));
	g->kind = kind;
	g->phase = cp->nph - 1;
	g->first_of_phase = cp->ng == 1 || cp->g[cp->ng - 2].phase != g->phase;
	g->start_within = s->start_within;
	g->wait_before = *pending_wait;
	g->line = s->line;
	*pending_wait = 0;
	return g;
}

static void compile_proc(struct st_headset *h, struct cproc *cp, const struct st_procedure *p)
{
	const struct st_model *m = h->m;
	struct gspec *open = NULL;     /* press ... release being compiled */
	double open_tol = m->tolerance, open_within = 0, pending_wait = 0;

	memset(cp, 0, sizeof(*cp));
	cp->p = p;
	for (int i = 0; i < p->nsteps; i++) {
		const struct st_step *s = &p->steps[i];
		double tol = s->tolerance >= 0 ? s->tolerance : m->tolerance;
		struct gspec *g;

		switch (s->op) {
		case ST_OP_HOLD:
			if (open)
				break;   /* the parser forbids it; ignore */
			g = new_gspec(cp, s, GS_HOLD, &pending_wait);
			if (!g)
				return;
			g->set = s->controls;
			g->t = s->seconds;
			g->lo = s->seconds - tol;
			g->hi = s->seconds + tol;
			break;
		case ST_OP_TAP:
			g = new_gspec(cp, s, GS_TAPS, &pending_wait);
			if (!g)
				return;
			g->set = s->controls;
			g->count = s->count > 0 ? s->count : 1;
			g->tap_gap = s->gap + tol;
			break;
		case ST_OP_PRESS:
			if (open) {
				open->set |= s->controls;
				break;
			}
			open = new_gspec(cp, s, GS_HOLD, &pending_wait);
			if (!open)
				return;
			open->set = s->controls;
			open_tol = m->tolerance;
			open_within = 0;
			break;
		case ST_OP_SLIDE:
			if (open) {
				if (open->nslides < MAX_SLIDES) {
					open->slide_ctl[open->nslides] = lowest_bit(s->controls);
					open->slide_pos[open->nslides++] = s->position;
				}
				break;
			}
			g = new_gspec(cp, s, GS_SLIDE, &pending_wait);
			if (!g)
				return;
			g->control = lowest_bit(s->controls);
			g->position = s->position;
			break;
		case ST_OP_WAIT:
			if (open)
				open->t += s->seconds;
			else
				pending_wait += s->seconds;
			break;
		case ST_OP_RELEASE:
			if (!open)
				break;
			open->lo = open->t - open_tol;
			open->hi = open->t + open_tol + open_within;
			open = NULL;
			break;
		case ST_OP_EXPECT_LED:
		case ST_OP_EXPECT_CHIME:
		case ST_OP_EXPECT_PROMPT:
		case ST_OP_EXPECT_TONE:
			if (open) {
				open->mid[open->nmid] = i;
				open->mid_at[open->nmid++] = open->t;
				open_within += s->within;
			} else if (cp->nph > 0) {
				struct phase *ph = &cp->ph[cp->nph - 1];

				ph->fb[ph->nfb++] = i;
			}
			break;
		case ST_OP_CHARGE:
			break;   /* a plan matter; the unit does not check it */
		}
	}
	if (open) {
		open->lo = open->t - open_tol;
		open->hi = open->t + open_tol + open_within;
	}
	for (int k = 0; k < cp->nph; k++)
		cp->ph[k].fb_len = give_feedback(h, p, cp->ph[k].fb, cp->ph[k].nfb, 0, 0);
	for (int k = 0; k < cp->ng; k++) {
		struct gspec *g = &cp->g[k];

		if (g->start_within > 0)
			g->max_gap = g->start_within;
		else if (k > 0 && g->first_of_phase)
			g->max_gap = cp->ph[g->phase - 1].fb_len + PHASE_GAP_DEFAULT + g->wait_before;
		else
			g->max_gap = GAP_DEFAULT + g->wait_before;
	}
}

static void proc_reset(struct cproc *cp)
{
	cp->cur = 0;
	cp->taps = 0;
}

static void matchers_reset(struct st_headset *h)
{
	for (int k = 0; k < ST_RESET_COUNT; k++)
		proc_reset(&h->procs[k]);
}

/* ---- unit state changes --------------------------------------------------- */

static void new_bt_addr(struct st_headset *h)
{
	unsigned char o[6];
	char old[18];

	st_strlcpy(old, h->bt_addr, sizeof(old));
	if (old[0] && has(h, F_PAIRING_CORRUPT)) {
		/* seed 001: "Pairing table corruption persists" - the reset
		 * renews only the device part; the first 3 octets stay */
		for (int i = 3; i < 6; i++)
			o[i] = (unsigned char)(rnd(h) >> 24);
		snprintf(h->bt_addr + 8, sizeof(h->bt_addr) - 8, ":%02X:%02X:%02X", o[3], o[4], o[5]);
		return;
	}
	do {
		for (int i = 0; i < 6; i++)
			o[i] = (unsigned char)(rnd(h) >> 24);
		o[0] &= 0xfc;   /* globally administered unicast */
		snprintf(h->bt_addr, sizeof(h->bt_addr), "%02X:%02X:%02X:%02X:%02X:%02X",
			 o[0], o[1], o[2], o[3], o[4], o[5]);
	} while (old[0] && !strncmp(old, h->bt_addr, 8));
}

/* The firmware starts: after power-on, a soft reset or a phantom reset.
 * The `ram` state item is left to the procedures that wipe it. */
static void boot(struct st_headset *h, double t)
{
	h->boots++;
	h->booted_at = t;
	h->anc_on = 1;
	h->anc_since = t;
	h->keytest = 0;
	memset(h->keycount, 0, sizeof(h->keycount));
}

/* A reboot while running (soft or phantom reset) forgets gestures in
 * progress.  (A power-on by the slide switch does not: the XB950N1 reset
 * holds CALL across it.) */
static void reboot(struct st_headset *h, double t)
{
	boot(h, t);
	matchers_reset(h);
	h->g.clean = 0;        /* a hold across a reboot is no gesture */
}

static void power_on(struct st_headset *h, double t)
{
	if (h->powered || !alive(h))
		return;
	h->powered = 1;
	boot(h, t);
}

static void power_off(struct st_headset *h)
{
	h->powered = 0;
	h->play_volume = 0;
	h->anc_on = 0;
	h->keytest = 0;
}

static void brick_bootloader(struct st_headset *h)
{
	h->bootloader_corrupt = 1;
	h->powered = 0;
	h->play_volume = 0;
	h->anc_on = 0;
	h->keytest = 0;
	st_strlcpy(h->fw, "unknown", sizeof(h->fw));
}

static const char *bt_state(const struct st_headset *h)
{
	if (h->bootloader_corrupt)
		return "dead";
	if (!h->powered)
		return "off";
	if (h->bt_bricked)
		return "dead";
	if (h->bt_limbo)
		return "limbo";
	return h->paired > 0 ? "connected" : "pairing";
}

/* Resets have no effect: firmware corrupt, or (micro-USB) a false USB
 * connection blocks the reset logic. */
static int resets_blocked(const struct st_headset *h)
{
	if (has(h, F_FW_CORRUPT))
		return 1;
	return has(h, F_PORT_OXIDISED) && h->m->port == ST_PORT_MICRO_USB;
}

static int preconditions_ok(const struct st_headset *h, const struct cproc *cp, int powered)
{
	unsigned pre = cp->p->preconditions;

	if (!alive(h) || h->keytest || resets_blocked(h))
		return 0;
	if ((pre & ST_PRE_POWERED_ON) && !powered)
		return 0;
	if ((pre & ST_PRE_POWERED_OFF) && powered)
		return 0;
	if ((pre & ST_PRE_IN_CASE) && !h->in_case)
		return 0;
	if ((pre & ST_PRE_LID_CLOSED) && !h->lid_closed)
		return 0;
	if ((pre & ST_PRE_NOT_WORN) && h->worn)
		return 0;
	if (h->m->wear == ST_WEAR_ABORTS && h->worn)
		return 0;
	return 1;
}

static void complete_reset(struct st_headset *h, struct cproc *cp, double t, double fb_end)
{
	const struct st_procedure *p = cp->p;
	/* seed 000: bricking is "sub-10%" for every model; the earbuds' 20 %
	 * is about resetting out of the case, not about harm */
	if (h->battery < BRICK_BATTERY)
		h->bt_bricked = 1;    /* seed 000: voltage instability bricks the BT controller */
	if (has(h, F_EEPROM_FAIL)) {
		struct st_led_expect le;

		memset(&le, 0, sizeof(le));
		st_strlcpy(le.where, led_default_where(h), sizeof(le.where));
		for (int i = 0; i < p->nsteps; i++)
			if (p->steps[i].op == ST_OP_EXPECT_LED && p->steps[i].led.where[0]) {
				st_strlcpy(le.where, p->steps[i].led.where, sizeof(le.where));
				break;
			}
		st_strlcpy(le.colors[0], "red", sizeof(le.colors[0]));
		le.ncolors = 1;
		st_strlcpy(le.pattern, "flash", sizeof(le.pattern));
		le.count = EEPROM_FLASHES;
		led_pattern(h, &le, fb_end, 1);
		h->failed++;
		return;
	}
	for (int it = 0; it < ST_ITEM_COUNT; it++) {
		if (!(p->wipes & (1u << it)))
			continue;
		h->items[it] = 0;
		if (it == ST_ITEM_PAIRED)
			h->paired = 0;
		else if (it == ST_ITEM_BT_ADDR)
			new_bt_addr(h);
	}
	h->resets[p->kind]++;
	h->last_reset = p->kind;
	if (p->kind == ST_RESET_FACTORY)
		h->bt_limbo = 0;   /* seed 000: a factory reset "clears corrupted
		                    * Bluetooth stack caches" */
	if (p->kind == ST_RESET_SOFT) {
		h->last_soft = t;
		if (h->limbo_tried < 0)
			h->limbo_tried = t;
		reboot(h, t);
	} else if (p->kind == ST_RESET_BLUETOOTH) {
		if (h->limbo_tried < 0)
			h->limbo_tried = t;
		if (h->bt_limbo && h->last_soft >= 0 && t - h->last_soft <= LIMBO_CHAIN + EPS)
			h->bt_limbo = 0;
	}
}

/* A phase's last gesture was accepted at t.  Returns 0 to go on, 1 when the
 * procedure is complete or aborted (matcher resets). */
static int phase_accepted(struct st_headset *h, struct cproc *cp, int phase, double t)
{
	struct phase *ph = &cp->ph[phase];
	double len;

	if (!preconditions_ok(h, cp, cp->phase_powered)) {
		h->aborted++;
		return 1;
	}
	len = give_feedback(h, cp->p, ph->fb, ph->nfb, t, 1);
	if (phase < cp->nph - 1)
		return 0;
	complete_reset(h, cp, t, t + len);
	return 1;
}

/* ---- gestures --------------------------------------------------------------- */

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

enum { M_NO, M_PARTIAL, M_DONE };

static int spec_match(const struct gspec *g, const struct gev *e, int taps)
{
	switch (g->kind) {
	case GS_HOLD:
		if (e->kind != EV_HOLD || !e->clean || e->set != g->set || e->nslides != g->nslides)
			return M_NO;
		for (int i = 0; i < g->nslides; i++)
			if (e->slide_ctl[i] != g->slide_ctl[i] || e->slide_pos[i] != g->slide_pos[i])
				return M_NO;
		if (e->dur < g->lo - EPS || e->dur > g->hi + EPS)
			return M_NO;
		if (g->t >= TAP_MAX && e->dur < TAP_MAX)
			return M_NO;
		return M_DONE;
	case GS_TAPS:
		if (e->kind != EV_HOLD || !e->clean || e->set != g->set || e->nslides ||
		    e->dur >= TAP_MAX)
			return M_NO;
		return taps + 1 >= g->count ? M_DONE : M_PARTIAL;
	case GS_SLIDE:
		if (e->kind != EV_SLIDE || e->control != g->control || e->position != g->position)
			return M_NO;
		return M_DONE;
	}
	return M_NO;
}

static void proc_feed(struct st_headset *h, struct cproc *cp, const struct gev *e)
{
	for (int attempt = 0; attempt < 2; attempt++) {
		int at_start = cp->cur == 0 && cp->taps == 0;
		struct gspec *g;
		int r;

		if (!at_start) {
			g = &cp->g[cp->cur];
			if (e->start - cp->last_end > (cp->taps ? g->tap_gap : g->max_gap) + EPS) {
				proc_reset(cp);
				at_start = 1;
			}
		}
		g = &cp->g[cp->cur];
		r = spec_match(g, e, cp->taps);
		if (r == M_NO) {
			if (at_start)
				return;
			proc_reset(cp);
			continue;
		}
		if (g->first_of_phase && cp->taps == 0)
			cp->phase_powered = e->powered_before;
		cp->last_end = e->end;
		if (r == M_PARTIAL) {
			cp->taps++;
			return;
		}
		cp->taps = 0;
		cp->cur++;
		if (cp->cur == cp->ng || cp->g[cp->cur].phase != g->phase) {
			if (phase_accepted(h, cp, g->phase, e->end) || cp->cur == cp->ng)
				proc_reset(cp);
		}
		return;
	}
}

static int power_ctl_is_slide(const struct st_headset *h)
{
	return (h->m->power_controls & kind_mask(h->m, ST_CTL_SLIDE)) != 0;
}

static int nc_control(const struct st_model *m)
{
	int i = st_model_control(m, "NC_AMBIENT");

	if (i < 0)
		i = st_model_control(m, "NC");
	return i;
}

/* A gesture or a slide outside a hold is finished: procedures, power, ANC. */
static void gesture_done(struct st_headset *h, const struct gev *e)
{
	const struct st_model *m = h->m;
	int nc;

	if (!alive(h) || h->keytest)
		return;
	for (int k = 0; k < ST_RESET_COUNT; k++)
		if (h->procs[k].p)
			proc_feed(h, &h->procs[k], e);
	if (e->kind != EV_HOLD || !e->clean || e->nslides || !alive(h))
		return;
	if (m->power_controls && !power_ctl_is_slide(h) && e->set == m->power_controls) {
		double want = h->powered ? m->power_off_hold : m->power_on_hold;

		if (want > 0 && e->dur >= want - m->tolerance - EPS &&
		    e->dur <= want + m->tolerance + EPS) {
			if (h->powered) {
				power_off(h);
				fb_sound(h, e->end + FB_LATENCY, ST_FB_PROMPT, 0, "Power off");
			} else {
				power_on(h, e->end);
				fb_sound(h, e->end + FB_LATENCY, ST_FB_PROMPT, 0, "Power on");
			}
			return;
		}
	}
	nc = nc_control(m);
	if (nc >= 0 && e->set == (1u << nc) && e->dur < TAP_MAX && h->powered) {
		h->anc_on = !h->anc_on;
		if (h->anc_on)
			h->anc_since = e->end;
		fb_sound(h, e->end + FB_LATENCY, ST_FB_PROMPT, 0,
			 h->anc_on ? "Noise canceling" : "Ambient sound");
	}
}

/* Effective control set changed at t. */
static void gesture_edge(struct st_headset *h, double t, unsigned eff)
{
	struct gesture *g = &h->g;

	if (!g->active) {
		if (!eff)
			return;
		memset(g, 0, sizeof(*g));
		g->active = 1;
		g->set = eff;
		g->cur = eff;
		g->start = t;
		g->first_release = -1;
		g->clean = alive(h) && !h->keytest;
		g->powered_before = h->powered;
		for (int k = 0; k < ST_RESET_COUNT; k++)
			g->mid_gs[k] = -1;
		return;
	}
	if (eff & ~g->cur) {                       /* more pressed */
		if (t - g->start > SETTLE + EPS || g->first_release >= 0)
			g->clean = 0;
		g->set |= eff;
	}
	if (g->cur & ~eff) {                       /* some released */
		if (g->first_release < 0)
			g->first_release = t;
		else if (t - g->first_release > SETTLE + EPS)
			g->clean = 0;
	}
	g->cur = eff;
	if (!eff) {
		struct gev e;

		memset(&e, 0, sizeof(e));
		e.kind = EV_HOLD;
		e.set = g->set;
		e.start = g->start;
		e.end = g->first_release;
		e.dur = g->first_release - g->start;
		e.clean = g->clean;
		e.powered_before = g->powered_before;
		e.nslides = g->nslides;
		e.slide_ctl = g->slide_ctl;
		e.slide_pos = g->slide_pos;
		g->active = 0;
		gesture_done(h, &e);
	}
}

/* The mid-hold candidate of a procedure for the current hold: the gspec
 * the matcher expects next, else its first one; -1 when none fits. */
static int mid_candidate(const struct st_headset *h, const struct cproc *cp)
{
	const struct gesture *g = &h->g;
	int cands[2], nc = 0;

	if (g->mid_gs[cp->p->kind] >= 0)
		return g->mid_gs[cp->p->kind];
	if (cp->cur > 0 && cp->taps == 0 && g->start - cp->last_end <= cp->g[cp->cur].max_gap + EPS)
		cands[nc++] = cp->cur;
	cands[nc++] = 0;
	for (int i = 0; i < nc; i++) {
		const struct gspec *s = &cp->g[cands[i]];
		int ok = 1;

		if (s->kind != GS_HOLD || !s->nmid || s->set != g->set || g->nslides > s->nslides)
			continue;
		for (int j = 0; j < g->nslides; j++)
			if (g->slide_ctl[j] != s->slide_ctl[j] || g->slide_pos[j] != s->slide_pos[j])
				ok = 0;
		if (ok)
			return cands[i];
	}
	return -1;
}

/* ---- timers ------------------------------------------------------------------ */

enum timer { T_NONE, T_OVERHOLD, T_HAZARD, T_MID, T_TOUCH, T_BMS, T_LIMBO, T_BLINK, T_PHANTOM };

static int hold_live(const struct st_headset *h)
{
	return h->g.active && h->g.clean && h->g.first_release < 0 && alive(h) && !h->keytest;
}

static double next_timer(const struct st_headset *h, enum timer *which, int *arg)
{
	const struct st_model *m = h->m;
	double best = INFINITY;

	*which = T_NONE;
	*arg = 0;
#define CONSIDER(tt, w, a) do { if ((tt) < best) { best = (tt); *which = (w); *arg = (a); } } while (0)
	if (m->max_hold > 0)
		for (int i = 0; i < m->ncontrols; i++)
			if ((h->eff & (1u << i)) && !(h->over_fired & (1u << i)))
				CONSIDER(h->since[i] + m->max_hold + EPS, T_OVERHOLD, i);
	/* docs/model-format.md: holding more controls than a hazard names
	 * still counts; the firmware's window is the model's tolerance. */
	if (alive(h) && !h->keytest)
		for (int k = 0; k < m->nhazards && k < ST_MAX_HAZARDS; k++)
			if (h->hz_since[k] >= 0 && !(h->hz_fired & (1u << k)))
				CONSIDER(h->hz_since[k] + m->hazards[k].seconds - m->tolerance, T_HAZARD, k);
	if (hold_live(h)) {
		for (int k = 0; k < ST_RESET_COUNT; k++) {
			const struct cproc *cp = &h->procs[k];
			int gi;

			if (!cp->p || (gi = mid_candidate(h, cp)) < 0)
				continue;
			for (int j = 0; j < cp->g[gi].nmid; j++)
				if (!(h->g.mid_done[k] & (1u << j)))
					CONSIDER(h->g.start + cp->g[gi].mid_at[j], T_MID, k);
		}
	}
	if (h->touch_until > 0)
		CONSIDER(h->touch_until, T_TOUCH, 0);
	if (h->bms_tripped && h->charger)
		CONSIDER(h->charger_since + BMS_TRICKLE, T_BMS, 0);
	if (h->bt_limbo && h->limbo_tried >= 0 && h->charger && alive(h))
		/* "for 30 sec": a 30 s charge counts even when the fixture
		 * switches off a rounding error early */
		CONSIDER(fmax(h->charger_since, h->limbo_tried) + LIMBO_CHARGE - 0.01, T_LIMBO, 0);
	if (h->blink_next >= 0)
		CONSIDER(h->blink_next, T_BLINK, 0);
	if (h->phantom_next >= 0)
		CONSIDER(h->phantom_next, T_PHANTOM, 0);
#undef CONSIDER
	return best;
}

static void charge_led_update(struct st_headset *h, double t)
{
	int want_blink = h->charger && h->bms_tripped && !h->bootloader_corrupt;
	int want_solid = h->charger && !h->bms_tripped && !h->bootloader_corrupt &&
			 h->battery < 100.0 - EPS;

	if (want_blink && h->blink_next < 0) {
		h->blink_next = t;
		h->blink_on = 0;
	} else if (!want_blink && h->blink_next >= 0) {
		h->blink_next = -1;
		if (h->blink_on)
			fb_led(h, t, charge_led_where(h), "off");
		h->blink_on = 0;
	}
	if (want_solid != h->charge_led) {
		fb_led(h, t, charge_led_where(h), want_solid ? "amber" : "off");
		h->charge_led = want_solid;
	}
}

static void fire_mid(struct st_headset *h, int k, double t)
{
	struct cproc *cp = &h->procs[k];
	int gi = mid_candidate(h, cp), idx[ST_MAX_STEPS], n = 0, powered;
	const struct gspec *s;

	if (gi < 0)
		return;
	s = &cp->g[gi];
	h->g.mid_gs[k] = gi;
	for (int j = 0; j < s->nmid; j++)
		if (!(h->g.mid_done[k] & (1u << j)) && h->g.start + s->mid_at[j] <= t + EPS) {
			h->g.mid_done[k] |= 1u << j;
			idx[n++] = s->mid[j];
		}
	powered = s->first_of_phase ? h->g.powered_before : cp->phase_powered;
	if (n && preconditions_ok(h, cp, powered))
		give_feedback(h, cp->p, idx, n, t, 1);
}

static void fire(struct st_headset *h, enum timer which, int arg, double t)
{
	const struct st_model *m = h->m;
	const struct st_hazard *hz;

	switch (which) {
	case T_NONE:
		break;
	case T_OVERHOLD:
		h->over_fired |= 1u << arg;
		h->overholds++;
		break;
	case T_HAZARD:
		hz = &m->hazards[arg];
		h->hz_fired |= 1u << arg;
		if (hz->effect == ST_HAZ_SHUTDOWN) {
			brick_bootloader(h);   /* seed 000: forced shutdown, boot loader corrupt */
			h->g.clean = 0;
			charge_led_update(h, t);
		} else if (hz->effect == ST_HAZ_TOUCH_BRICK) {
			h->touch_until = hz->hours > 0 ? t + hz->hours * 3600.0 : -1;
		} else {
			h->bt_bricked = 1;
		}
		break;
	case T_MID:
		fire_mid(h, arg, t);
		break;
	case T_TOUCH:
		h->touch_until = 0;
		break;
	case T_BMS:
		h->bms_tripped = 0;    /* seed 001: 12 h trickle re-enables discharge */
		charge_led_update(h, t);
		if (!m->power_controls)
			power_on(h, t); /* nothing to press: it wakes by itself */
		break;
	case T_LIMBO:
		h->bt_limbo = 0;       /* seed 000: the charger stabilises the PMIC */
		break;
	case T_BLINK:
		h->blink_on = !h->blink_on;
		fb_led(h, t, charge_led_where(h), h->blink_on ? "amber" : "off");
		h->blink_next = t + 0.1;   /* "blinks amber rapidly" */
		break;
	case T_PHANTOM:
		if (h->powered && alive(h))
			reboot(h, t);
		h->phantom_next = t + PHANTOM_PERIOD + (2 * rnd_unit(h) - 1) * PHANTOM_JITTER;
		break;
	}
}

static void battery_to(struct st_headset *h, double t)
{
	double dt = t - h->now;

	if (!(dt > 0))
		return;
	if (h->charger && !h->bms_tripped && !h->bootloader_corrupt) {
		h->battery += dt * CHARGE_RATE;
		if (h->battery >= 100) {
			h->battery = 100;
			h->played = 0;   /* the fuel gauge recalibrates at full */
		}
	} else if (h->play_volume > 0 && h->powered) {
		h->battery -= dt * DRAIN_PER_S * h->play_volume / DRAIN_VOLUME;
		h->played += dt;
		if (h->battery <= 0) {
			h->battery = 0;
			power_off(h);
		}
	}
}

/* The charge the unit reports: the fuel gauge's reading, which a damaged
 * EEPROM battery profile bends (seed 001: "Battery % should drop linearly
 * ... Jumps of >8% indicate EEPROM calibration failure"). */
static double battery_reported(const struct st_headset *h)
{
	double b = h->battery;

	if (has(h, F_BATTERY_JUMP) && h->played >= JUMP_AFTER_S)
		b -= JUMP_PCT;
	if (has(h, F_BATTERY_DRIFT))
		b -= DRIFT_PCT * sin(M_PI * fmin(h->played / DRIFT_SPAN_S, 1.0));
	return b < 0 ? 0 : b > 100 ? 100 : b;
}

/* The name the unit advertises (what a scanner such as nRF Connect shows):
 * the model id, spaces as '_'.  A corrupt pairing table leaves the
 * "_XXXX" suffix of seed 001 ("'Headphones' (not 'Headphones_XXXX')"). */
static void adv_name(const struct st_headset *h, char *buf, size_t n)
{
	st_strlcpy(buf, h->reported, n);
	for (char *c = buf; *c; c++)
		if (*c == ' ')
			*c = '_';
	if (has(h, F_PAIRING_CORRUPT)) {
		size_t len = strlen(buf);

		snprintf(buf + len, n > len ? n - len : 0, "_%c%c%c%c", h->bt_addr[12],
			 h->bt_addr[13], h->bt_addr[15], h->bt_addr[16]);
	}
}

void st_headset_advance(struct st_headset *h, double t)
{
	if (!h || !(t > h->now))
		return;
	for (;;) {
		enum timer which;
		int arg;
		double tn = next_timer(h, &which, &arg);

		if (which == T_NONE || tn > t)
			break;
		if (tn < h->now)
			tn = h->now;
		battery_to(h, tn);
		h->now = tn;
		flush_pending(h, tn);
		fire(h, which, arg, tn);
	}
	battery_to(h, t);
	h->now = t;
	if (h->charge_led && h->battery >= 100.0 - EPS)
		charge_led_update(h, t);
	flush_pending(h, t);
}

/* ---- inputs --------------------------------------------------------------------- */

void st_headset_controls(struct st_headset *h, double t, unsigned held)
{
	const struct st_model *m;
	unsigned valid, rising, eff = 0, touch;

	if (!h)
		return;
	m = h->m;
	st_headset_advance(h, t);
	t = h->now;
	valid = (m->ncontrols >= 32 ? ~0u : (1u << m->ncontrols) - 1) & ~kind_mask(m, ST_CTL_SLIDE);
	held &= valid;
	rising = held & ~h->raw;
	touch = kind_mask(m, ST_CTL_TOUCH);
	for (int i = 0; i < m->ncontrols; i++) {
		unsigned bit = 1u << i;
		int contact = 1;

		if (!(rising & bit))
			continue;
		h->presses[i]++;
		if ((h->worn_mask & bit) && h->presses[i] % WORN_EVERY)
			contact = 0;  /* seed 001: fatigued conductive rubber */
		if ((touch & bit) && h->touch_until != 0)
			contact = 0;  /* touch interface bricked */
		if (contact)
			h->contact |= bit;
		else
			h->contact &= ~bit;
		if (contact && h->keytest && h->powered && alive(h))
			h->keycount[i]++;
	}
	h->raw = held;
	eff = held & h->contact;
	for (int i = 0; i < m->ncontrols; i++)
		if ((eff & ~h->eff) & (1u << i)) {
			h->since[i] = t;
			h->over_fired &= ~(1u << i);
		}
	h->eff = eff;
	for (int k = 0; k < m->nhazards && k < ST_MAX_HAZARDS; k++) {
		unsigned c = m->hazards[k].controls;

		if (c && (eff & c) == c) {
			if (h->hz_since[k] < 0)
				h->hz_since[k] = t;
		} else {
			h->hz_since[k] = -1;
			h->hz_fired &= ~(1u << k);
		}
	}
	gesture_edge(h, t, eff);
}

void st_headset_slide(struct st_headset *h, double t, int control, int position)
{
	const struct st_model *m;

	if (!h)
		return;
	m = h->m;
	if (control < 0 || control >= m->ncontrols || m->controls[control].kind != ST_CTL_SLIDE)
		return;
	st_headset_advance(h, t);
	t = h->now;
	position = position ? 1 : 0;
	if (h->slide_pos[control] == position)
		return;
	h->slide_pos[control] = position;
	{
		int powered_before = h->powered;

		if (m->power_controls & (1u << control)) {
			if (position)
				power_on(h, t);
			else
				power_off(h);
		}
		if (h->g.active) {
			if (h->g.nslides < MAX_SLIDES) {
				h->g.slide_ctl[h->g.nslides] = control;
				h->g.slide_pos[h->g.nslides++] = position;
			} else {
				h->g.clean = 0;
			}
		} else {
			struct gev e;

			memset(&e, 0, sizeof(e));
			e.kind = EV_SLIDE;
			e.start = e.end = t;
			e.clean = 1;
			e.powered_before = powered_before;
			e.control = control;
			e.position = position;
			gesture_done(h, &e);
		}
	}
}

void st_headset_charge(struct st_headset *h, double t, int on)
{
	if (!h)
		return;
	st_headset_advance(h, t);
	on = on ? 1 : 0;
	if (h->charger == on)
		return;
	h->charger = on;
	h->charger_since = h->now;
	charge_led_update(h, h->now);
}

void st_headset_wear(struct st_headset *h, double t, int worn)
{
	if (!h)
		return;
	st_headset_advance(h, t);
	h->worn = worn ? 1 : 0;
}

void st_headset_place(struct st_headset *h, double t, int in_case, int lid_closed)
{
	if (!h)
		return;
	st_headset_advance(h, t);
	h->in_case = in_case ? 1 : 0;
	h->lid_closed = lid_closed ? 1 : 0;
}

/* ---- life cycle ------------------------------------------------------------------ */

struct st_headset *st_headset_new(const struct st_model *m, const struct st_sim_opts *opts,
				  char *err)
{
	static const struct st_sim_opts defaults = { .battery = -1 };
	struct st_headset *h;
	unsigned long long seed;

	if (!m)
		return st_fail(err, ST_ERR_ARG, "st_headset_new: no model"), NULL;
	if (!opts)
		opts = &defaults;
	if (opts->nfaults < 0 || opts->nfaults > ST_SIM_MAX_FAULTS)
		return st_fail(err, ST_ERR_ARG, "st_headset_new: %d faults (max %d)",
			       opts->nfaults, ST_SIM_MAX_FAULTS), NULL;
	h = calloc(1, sizeof(*h));
	if (!h)
		return st_fail(err, ST_ERR_MEM, "st_headset_new: out of memory"), NULL;
	h->model = *m;
	h->m = &h->model;
	for (int i = 0; i < opts->nfaults; i++) {
		enum fault f;
		int ctl;

		if (fault_parse(m, opts->faults[i], &f, &ctl, err) != ST_OK) {
			free(h);
			return NULL;
		}
		if (f == F_COUNT)
			continue;  /* acoustic fault: the acoustic model's */
		h->faults |= 1u << f;
		if (f == F_WORN_SWITCH)
			h->worn_mask |= 1u << ctl;
	}
	st_strlcpy(h->serial, opts->serial && *opts->serial ? opts->serial : "SIM0001",
		   sizeof(h->serial));
	st_strlcpy(h->reported, opts->identity && *opts->identity ? opts->identity :
		   m->identity[0] ? m->identity : m->id, sizeof(h->reported));
	st_strlcpy(h->fw, opts->firmware && *opts->firmware ? opts->firmware : DEFAULT_FW,
		   sizeof(h->fw));
	seed = opts->seed ? opts->seed : 0x5eedULL;
	h->rng = fnv(m->id, fnv(h->serial, 0xcbf29ce484222325ULL ^ (seed * 0x9E3779B97F4A7C15ULL)));
	if (!h->rng)
		h->rng = 1;

	for (int k = 0; k < ST_RESET_COUNT; k++)
		if (h->model.procs[k].present && h->model.procs[k].nsteps > 0)
			compile_proc(h, &h->procs[k], &h->model.procs[k]);
	for (int it = 0; it < ST_ITEM_COUNT; it++)
		h->items[it] = 1;
	h->paired = HEALTHY_PAIRED;
	new_bt_addr(h);
	h->battery = opts->battery >= 0 ? opts->battery :
		     has(h, F_LOW_BATTERY) ? LOW_BATTERY : DEFAULT_BATTERY;
	if (h->battery > 100)
		h->battery = 100;
	h->worn = opts->worn ? 1 : 0;
	h->last_reset = -1;
	h->last_soft = -1;
	h->limbo_tried = -1;
	h->blink_next = -1;
	h->phantom_next = -1;
	h->contact = ~0u;
	for (int k = 0; k < ST_MAX_HAZARDS; k++)
		h->hz_since[k] = -1;
	if (has(h, F_FW_CORRUPT))
		st_strlcpy(h->fw, "unknown", sizeof(h->fw));
	if (has(h, F_BT_LIMBO))
		h->bt_limbo = 1;
	if (has(h, F_BMS_TRIPPED))
		h->bms_tripped = 1;
	if (has(h, F_PORT_OXIDISED) && m->port == ST_PORT_USB_C)
		h->phantom_next = PHANTOM_PERIOD + (2 * rnd_unit(h) - 1) * PHANTOM_JITTER;
	if (!opts->start_off && alive(h)) {
		h->powered = 1;
		boot(h, 0);
	}
	for (int i = 0; i < m->ncontrols; i++)
		if (m->controls[i].kind == ST_CTL_SLIDE)
			h->slide_pos[i] = (m->power_controls & (1u << i)) ? h->powered : 1;
	return h;
}

void st_headset_free(struct st_headset *h)
{
	free(h);
}

const struct st_model *st_headset_model(const struct st_headset *h)
{
	return h ? h->m : NULL;
}

double st_headset_now(const struct st_headset *h)
{
	return h ? h->now : 0;
}

int st_headset_feedback(struct st_headset *h, struct st_feedback *ev, int max)
{
	int n = 0;

	if (!h || !ev)
		return 0;
	while (n < max && h->ring_n > 0) {
		ev[n++] = h->ring[h->ring_head];
		h->ring_head = (h->ring_head + 1) % FB_RING;
		h->ring_n--;
	}
	return n;
}

/* ---- factory-test UART ------------------------------------------------------------ */

struct outbuf {
	char *s;
	size_t n, len;
};

static void out(struct outbuf *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void out(struct outbuf *o, const char *fmt, ...)
{
	va_list ap;
	int r;

	if (o->len + 1 >= o->n)
		return;
	va_start(ap, fmt);
	r = vsnprintf(o->s + o->len, o->n - o->len, fmt, ap);
	va_end(ap);
	if (r < 0)
		return;
	o->len += (size_t)r;
	if (o->len >= o->n)
		o->len = o->n - 1;
}

static int usb_detected(const struct st_headset *h)
{
	return h->charger || (has(h, F_PORT_OXIDISED) && h->m->port == ST_PORT_MICRO_USB);
}

static const char *const info_keys[] = {
	"model", "serial", "fw", "battery", "bt_addr", "paired", "power", "bt", "touch",
	"usb", "worn", "in_case", "lid", "anc", "boots", "uptime", "overhold", "keytest",
};

static int is_info_key(const char *s)
{
	for (size_t i = 0; i < ST_ARRAY_SIZE(info_keys); i++)
		if (!strcmp(info_keys[i], s))
			return 1;
	return 0;
}

static void reply_info(struct st_headset *h, struct outbuf *o)
{
	const char *bt = bt_state(h);
	char model[ST_NAME_LEN];

	if (!strcmp(bt, "limbo"))
		bt = "pairing";    /* seed 000: shows "Pairing Mode" but won't connect */
	/* values carry no spaces: "LinkBuds S" is reported as LinkBuds_S */
	st_strlcpy(model, h->reported, sizeof(model));
	for (char *c = model; *c; c++)
		if (*c == ' ')
			*c = '_';
	out(o, "model=%s serial=%s fw=%s battery=%.0f bt_addr=%s paired=%d power=%s bt=%s "
	    "touch=%s usb=%d worn=%d in_case=%d lid=%s anc=%s boots=%d uptime=%.0f "
	    "overhold=%d keytest=%s",
	    model, h->serial, h->fw, floor(battery_reported(h) + 1e-6), h->bt_addr, h->paired,
	    h->powered ? "on" : "off", bt, h->touch_until != 0 ? "bricked" : "ok",
	    usb_detected(h), h->worn, h->in_case, h->lid_closed ? "closed" : "open",
	    h->powered && h->anc_on ? "on" : "off", h->boots,
	    h->powered ? floor(h->now - h->booted_at) : 0.0, h->overholds,
	    h->keytest ? "on" : "off");
	for (int it = 0; it < ST_ITEM_COUNT; it++) {
		const char *name = st_item_name((enum st_item)it);

		if (!is_info_key(name))
			out(o, " %s=%s", name, h->items[it] ? "custom" : "default");
	}
}

static void reply_items(struct st_headset *h, struct outbuf *o)
{
	for (int it = 0; it < ST_ITEM_COUNT; it++)
		out(o, "%s%s=%s", it ? " " : "", st_item_name((enum st_item)it),
		    h->items[it] ? "custom" : "default");
}

int st_headset_uart(struct st_headset *h, double t, const char *cmd, char *reply, size_t n)
{
	char line[128], *w, *arg;
	struct outbuf o;

	if (!reply || !n)
		return ST_ERR_ARG;
	reply[0] = '\0';
	if (!h || !cmd)
		return ST_ERR_ARG;
	st_headset_advance(h, t);
	if (!alive(h))
		return ST_ERR_TIMEOUT;
	o.s = reply;
	o.n = n;
	o.len = 0;
	st_strlcpy(line, cmd, sizeof(line));
	w = st_trim(line);
	for (arg = w; *arg && !isspace((unsigned char)*arg); arg++)
		;
	if (*arg)
		*arg++ = '\0';
	arg = st_trim(arg);

	if (!strcasecmp(w, "INFO") && !*arg) {
		reply_info(h, &o);
	} else if (!strcasecmp(w, "ITEMS") && !*arg) {
		reply_items(h, &o);
	} else if (!strcasecmp(w, "LINKTEST") && !*arg) {
		const char *bt = bt_state(h);

		out(&o, "link=%s", !strcmp(bt, "connected") || !strcmp(bt, "pairing") ? "ok" : "fail");
	} else if (!strcasecmp(w, "KEYTEST") && (!strcasecmp(arg, "ON") || !strcasecmp(arg, "OFF"))) {
		if (!h->powered) {
			out(&o, "ERR powered off");
		} else {
			h->keytest = !strcasecmp(arg, "ON");
			memset(h->keycount, 0, sizeof(h->keycount));
			h->g.clean = 0;
			out(&o, "keytest=%s", h->keytest ? "on" : "off");
		}
	} else if (!strcasecmp(w, "KEYS") && !*arg) {
		if (!h->keytest) {
			out(&o, "ERR keytest off");
		} else {
			for (int i = 0; i < h->m->ncontrols; i++)
				out(&o, "%s%s=%d", i ? " " : "", h->m->controls[i].name, h->keycount[i]);
		}
	} else if (!strcasecmp(w, "ADV") && !*arg) {
		char name[ST_NAME_LEN + 8];

		if (!h->powered || h->bt_bricked) {
			out(&o, "ERR not advertising");
		} else {
			adv_name(h, name, sizeof(name));
			out(&o, "name=%s addr=%s", name, h->bt_addr);
		}
	} else if (!strcasecmp(w, "PLAY")) {
		long vol;

		if (!strcasecmp(arg, "OFF")) {
			h->play_volume = 0;
			out(&o, "play=off");
		} else if (st_parse_int(arg, &vol) != ST_OK || vol < 1 || vol > 100) {
			out(&o, "ERR volume 1..100 or OFF");
		} else if (!h->powered || h->bt_bricked || h->bt_limbo) {
			out(&o, "ERR no link");
		} else {
			h->play_volume = (double)vol;
			out(&o, "play=%ld", vol);
		}
	} else if (!strcasecmp(w, "ANC") && (!strcasecmp(arg, "ON") || !strcasecmp(arg, "OFF"))) {
		if (!h->powered) {
			out(&o, "ERR powered off");
		} else {
			int on = !strcasecmp(arg, "ON");

			if (on && !h->anc_on)
				h->anc_since = h->now;
			h->anc_on = on;
			out(&o, "anc=%s", on ? "on" : "off");
		}
	} else {
		out(&o, "ERR unknown command");
	}
	return ST_OK;
}

/* ---- view -------------------------------------------------------------------------- */

void st_headset_view(const struct st_headset *h, struct st_headset_view *v)
{
	if (!v)
		return;
	memset(v, 0, sizeof(*v));
	if (!h)
		return;
	v->powered = h->powered;
	v->anc_on = h->powered && h->anc_on;
	v->anc_since = h->anc_since;
	v->battery = h->battery;
	v->battery_reported = battery_reported(h);
	v->play_volume = h->play_volume;
	v->paired = h->paired;
	st_strlcpy(v->bt_state, bt_state(h), sizeof(v->bt_state));
	v->touch_bricked = h->touch_until != 0;
	v->bootloader_corrupt = h->bootloader_corrupt;
	v->bt_bricked = h->bt_bricked;
	v->last_reset = h->last_reset;
	memcpy(v->resets, h->resets, sizeof(v->resets));
	st_strlcpy(v->fw, h->fw, sizeof(v->fw));
	st_strlcpy(v->bt_addr, h->bt_addr, sizeof(v->bt_addr));
	v->boots = h->boots;
	st_strlcpy(v->model, h->reported, sizeof(v->model));
	v->overholds = h->overholds;
	v->aborted = h->aborted;
	v->failed = h->failed;
	v->keytest = h->keytest;
	v->charger = h->charger;
	v->usb = usb_detected(h);
	v->worn = h->worn;
	v->in_case = h->in_case;
	v->lid_closed = h->lid_closed;
	v->bms_tripped = h->bms_tripped;
	v->bt_limbo = h->bt_limbo;
	v->touch_until = h->touch_until;
	v->booted_at = h->booted_at;
	memcpy(v->items, h->items, sizeof(v->items));
}
