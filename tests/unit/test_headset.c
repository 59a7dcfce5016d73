/*
 * test_headset.c - the simulated headset against the model files: every
 * present procedure of every model, performed as its steps say, is
 * accepted, gives the data's feedback and wipes exactly its items; wrong
 * timing and wrong controls are refused; abuse and each fault behave as
 * the seeds say; the factory-test UART answers as docs/unit-uart.md says.
 *
 * The headset is driven directly on its own timeline (no fixture): a small
 * performer walks a procedure's steps like the sequencer does, in 50 ms
 * steps, waiting for each expectation within its window.
 */
#include "testutil.h"

#include <math.h>

#include "core/st.h"
#include "model/model.h"
#include "sim/headset.h"

#define MAX_MODELS 32
#define MAX_EV 8192

static char model_ids[MAX_MODELS][ST_NAME_LEN];
static int nmodels;

static void load(const char *id, struct st_model *m)
{
	char err[ST_ERRLEN] = "";
	int r = st_model_find(st_data_dir(), id, m, err);

	if (r != ST_OK)
		fail_msg("model %s: %s", id, err);
}

static int setup_models(void **state)
{
	char err[ST_ERRLEN] = "";

	(void)state;
	nmodels = st_model_list(st_data_dir(), model_ids, MAX_MODELS, err);
	if (nmodels < 0) {
		fprintf(stderr, "st_model_list: %s\n", err);
		return -1;
	}
	return 0;
}

/* ---- performer --------------------------------------------------------------- */

struct perf {
	struct st_headset *h;
	const struct st_model *m;
	double t;
	unsigned held;
	struct st_feedback ev[MAX_EV];
	int nev;
	int missed;             /* expectations not seen */
	char missed_what[256];
};

/* How to spoil one gesture (by ordinal) of a procedure. */
struct spoil {
	int target;             /* gesture ordinal, -1 = perform as written */
	int timing;             /* -1 too short, +1 too long, 0 as written */
	int wrong_set;          /* 1: another control set */
	double late;            /* extra seconds before the target gesture */
};

static const struct spoil as_written = { -1, 0, 0, 0 };

static void collect(struct perf *p)
{
	int n;

	while (p->nev < MAX_EV &&
	       (n = st_headset_feedback(p->h, p->ev + p->nev, MAX_EV - p->nev)) > 0)
		p->nev += n;
}

static void adv(struct perf *p, double dt)
{
	double end = p->t + dt;

	while (p->t < end - 1e-9) {
		double s = end - p->t;

		if (s > 0.05)
			s = 0.05;
		p->t += s;
		st_headset_advance(p->h, p->t);
		collect(p);
	}
}

static void set_held(struct perf *p, unsigned mask)
{
	p->held = mask;
	st_headset_controls(p->h, p->t, mask);
	collect(p);
}

static void hold_for(struct perf *p, unsigned mask, double seconds)
{
	set_held(p, mask);
	adv(p, seconds);
	set_held(p, 0);
}

static int ev_matches(const struct st_feedback *e, const struct st_step *s)
{
	switch (s->op) {
	case ST_OP_EXPECT_LED:
		if (e->kind != ST_FB_LED || strcmp(e->where, s->led.where) || !strcmp(e->color, "off"))
			return 0;
		if (!strcmp(s->led.colors[0], "any"))
			return 1;
		for (int c = 0; c < s->led.ncolors; c++)
			if (!strcmp(e->color, s->led.colors[c]))
				return 1;
		return 0;
	case ST_OP_EXPECT_CHIME:
		return e->kind == ST_FB_CHIME && e->count == s->count;
	case ST_OP_EXPECT_PROMPT:
		return e->kind == ST_FB_PROMPT && !strcmp(e->text, s->text);
	case ST_OP_EXPECT_TONE:
		return e->kind == ST_FB_TONE;
	default:
		return 0;
	}
}

/* Wait up to `within` for feedback matching s among events from `from`;
 * returns the index of the event or -1. */
static int expect(struct perf *p, const struct st_step *s, int *from)
{
	double deadline = p->t + s->within;

	for (;;) {
		for (int i = *from; i < p->nev; i++)
			if (ev_matches(&p->ev[i], s)) {
				*from = i + 1;
				return i;
			}
		if (p->t >= deadline - 1e-9)
			return -1;
		adv(p, 0.05);
	}
}

/* Another control set than `mask`, avoiding slides: drop the highest
 * control of a combination, or add one to a single control.  0 if none. */
static unsigned wrong_set(const struct st_model *m, unsigned mask)
{
	int hi = -1;

	for (int i = 0; i < m->ncontrols; i++)
		if (mask & (1u << i))
			hi = i;
	if (mask & (mask - 1))
		return mask & ~(1u << hi);
	for (int i = 0; i < m->ncontrols; i++)
		if (!(mask & (1u << i)) && m->controls[i].kind != ST_CTL_SLIDE)
			return mask | (1u << i);
	return 0;
}

/* Count the gestures (hold, press, tap) of a procedure. */
static int gestures_of(const struct st_procedure *pr)
{
	int n = 0;

	for (int i = 0; i < pr->nsteps; i++)
		if (pr->steps[i].op == ST_OP_HOLD || pr->steps[i].op == ST_OP_PRESS ||
		    pr->steps[i].op == ST_OP_TAP)
			n++;
	return n;
}

/* The press-hold upper window the data allows: waits + tolerance + the
 * windows of the expectations inside it. */
static double press_window(const struct st_model *m, const struct st_procedure *pr, int press)
{
	double t = 0, within = 0;

	for (int i = press + 1; i < pr->nsteps && pr->steps[i].op != ST_OP_RELEASE; i++) {
		if (pr->steps[i].op == ST_OP_WAIT)
			t += pr->steps[i].seconds;
		else if (pr->steps[i].op >= ST_OP_EXPECT_LED && pr->steps[i].op <= ST_OP_EXPECT_TONE)
			within += pr->steps[i].within;
	}
	return t + m->tolerance + within;
}

/* Perform procedure pr on p->h from p->t, spoiled as sp says.  Returns
 * 1 when the spoil could be applied (or none asked). */
static int perform(struct perf *p, const struct st_procedure *pr, const struct spoil *sp)
{
	const struct st_model *m = p->m;
	unsigned pressed = 0;
	double press_t = -1, press_hi = 0;
	int ord = 0, target_press = 0, from = p->nev, applied = sp->target < 0;

	p->missed = 0;
	p->missed_what[0] = '\0';
	for (int i = 0; i < pr->nsteps; i++) {
		const struct st_step *s = &pr->steps[i];
		unsigned mask = s->controls;
		int is_target = 0;

		if (s->op == ST_OP_HOLD || s->op == ST_OP_PRESS || s->op == ST_OP_TAP) {
			is_target = ord++ == sp->target;
			if (is_target) {
				applied = 1;
				if (sp->late > 0)
					adv(p, sp->late);
				if (sp->wrong_set) {
					mask = wrong_set(m, mask);
					if (!mask)
						return 0;
				}
			}
		}
		switch (s->op) {
		case ST_OP_HOLD: {
			double d = s->seconds;

			if (is_target && sp->timing)
				d += sp->timing * (s->tolerance + 0.4);
			hold_for(p, mask, d);
			break;
		}
		case ST_OP_PRESS:
			pressed |= mask;
			press_t = p->t;
			target_press = is_target;
			press_hi = press_window(m, pr, i);
			set_held(p, pressed);
			break;
		case ST_OP_RELEASE:
			if (target_press && sp->timing > 0 && p->t < press_t + press_hi + 0.4)
				adv(p, press_t + press_hi + 0.4 - p->t);
			pressed &= s->controls ? ~s->controls : 0;
			set_held(p, pressed);
			if (!pressed)
				target_press = 0;
			break;
		case ST_OP_TAP: {
			int count = s->count - (is_target && sp->timing < 0 ? 1 : 0);
			double gap = s->gap - 0.1 + (is_target && sp->timing > 0 ? s->tolerance + 1.0 : 0);

			for (int k = 0; k < count; k++) {
				hold_for(p, mask, 0.1);
				if (k + 1 < count)
					adv(p, gap);
			}
			break;
		}
		case ST_OP_SLIDE:
			st_headset_slide(p->h, p->t, __builtin_ctz(s->controls), s->position);
			collect(p);
			break;
		case ST_OP_WAIT: {
			double w = s->seconds;

			/* too short: end the press-hold early (last wait before release) */
			if (target_press && sp->timing < 0) {
				int last = 1;

				for (int j = i + 1; j < pr->nsteps && pr->steps[j].op != ST_OP_RELEASE; j++)
					if (pr->steps[j].op == ST_OP_WAIT)
						last = 0;
				if (last)
					w -= m->tolerance + 0.4;
			}
			adv(p, w > 0 ? w : 0);
			break;
		}
		case ST_OP_CHARGE:
			st_headset_charge(p->h, p->t, 1);
			adv(p, s->seconds);
			st_headset_charge(p->h, p->t, 0);
			break;
		default:
			if (target_press && sp->timing < 0)
				break;  /* a too-short hold must not wait for its feedback */
			if (expect(p, s, &from) < 0) {
				p->missed++;
				snprintf(p->missed_what, sizeof(p->missed_what), "line %d", s->line);
			}
			break;
		}
	}
	if (pressed)
		set_held(p, 0);
	adv(p, 3.0);
	return applied;
}

static struct st_headset *mk(const struct st_model *m, struct st_sim_opts *o)
{
	char err[ST_ERRLEN] = "";
	struct st_headset *h = st_headset_new(m, o, err);

	if (!h)
		fail_msg("st_headset_new(%s): %s", m->id, err);
	return h;
}

static void perf_init(struct perf *p, const struct st_model *m, const struct st_procedure *pr,
		      struct st_sim_opts *o)
{
	struct st_sim_opts def;

	if (!o) {
		memset(&def, 0, sizeof(def));
		def.battery = -1;
		o = &def;
	}
	if (pr && (pr->preconditions & ST_PRE_POWERED_OFF))
		o->start_off = 1;
	memset(p, 0, sizeof(*p));
	p->m = m;
	p->h = mk(m, o);
	if (pr && (pr->preconditions & (ST_PRE_IN_CASE | ST_PRE_LID_CLOSED)))
		st_headset_place(p->h, 0, 1, 1);
	adv(p, 1.0);
}

static int uart(struct perf *p, const char *cmd, char *reply, size_t n)
{
	return st_headset_uart(p->h, p->t, cmd, reply, n);
}

/* Value of key in a "k=v k=v" line (static buffer), NULL if absent. */
static const char *kv(const char *line, const char *key)
{
	static char val[64];
	size_t kl = strlen(key);

	for (const char *s = line; s && *s;) {
		while (*s == ' ')
			s++;
		if (!strncmp(s, key, kl) && s[kl] == '=') {
			size_t n = strcspn(s + kl + 1, " ");

			if (n >= sizeof(val))
				n = sizeof(val) - 1;
			memcpy(val, s + kl + 1, n);
			val[n] = '\0';
			return val;
		}
		s = strchr(s, ' ');
	}
	return NULL;
}

/* ---- every procedure of every model ---------------------------------------- */

static void test_every_procedure_accepted(void **state)
{
	int checked = 0;

	(void)state;
	for (int mi = 0; mi < nmodels; mi++) {
		struct st_model m;

		load(model_ids[mi], &m);
		for (int k = 0; k < ST_RESET_COUNT; k++) {
			const struct st_procedure *pr = &m.procs[k];
			struct st_headset_view before, after;
			struct perf *p;

			if (!pr->present)
				continue;
			p = calloc(1, sizeof(*p));
			perf_init(p, &m, pr, NULL);
			st_headset_view(p->h, &before);
			perform(p, pr, &as_written);
			st_headset_view(p->h, &after);
			if (p->missed)
				fail_msg("%s %s: expectation at %s not given", m.id, st_reset_name(k),
					 p->missed_what);
			if (after.resets[k] != 1)
				fail_msg("%s %s: not accepted (resets %d, aborted %d)", m.id,
					 st_reset_name(k), after.resets[k], after.aborted);
			assert_int_equal(after.last_reset, k);
			for (int it = 0; it < ST_ITEM_COUNT; it++) {
				int wiped = (pr->wipes >> it) & 1;

				if (after.items[it] != !wiped)
					fail_msg("%s %s: item %s is %s", m.id, st_reset_name(k),
						 st_item_name(it), after.items[it] ? "custom" : "default");
			}
			if (pr->wipes & (1u << ST_ITEM_PAIRED))
				assert_int_equal(after.paired, 0);
			else
				assert_int_equal(after.paired, before.paired);
			if (pr->wipes & (1u << ST_ITEM_BT_ADDR))
				assert_true(strncmp(before.bt_addr, after.bt_addr, 8) != 0);
			else
				assert_string_equal(before.bt_addr, after.bt_addr);
			if (k == ST_RESET_SOFT)
				assert_int_equal(after.boots, before.boots + 1);
			assert_int_equal(after.bt_bricked, 0);
			st_headset_free(p->h);
			free(p);
			checked++;
		}
	}
	assert_true(checked > 0);
}

static void refused(const struct st_model *m, int k, const struct spoil *sp, const char *what)
{
	struct perf *p = calloc(1, sizeof(*p));
	struct st_headset_view v;
	const struct st_procedure *pr = &m->procs[k];

	perf_init(p, m, pr, NULL);
	if (perform(p, pr, sp)) {
		st_headset_view(p->h, &v);
		if (v.resets[k] != 0)
			fail_msg("%s %s: accepted with %s on gesture %d", m->id, st_reset_name(k), what,
				 sp->target);
		if (!v.resets[0] && !v.resets[1] && !v.resets[2])
			for (int it = 0; it < ST_ITEM_COUNT; it++)
				if (!v.items[it])
					fail_msg("%s %s (%s): item %s changed", m->id, st_reset_name(k),
						 what, st_item_name(it));
	}
	st_headset_free(p->h);
	free(p);
}

static void test_wrong_timing_and_controls_refused(void **state)
{
	int checked = 0;

	(void)state;
	for (int mi = 0; mi < nmodels; mi++) {
		struct st_model m;

		load(model_ids[mi], &m);
		for (int k = 0; k < ST_RESET_COUNT; k++) {
			int n;

			if (!m.procs[k].present)
				continue;
			n = gestures_of(&m.procs[k]);
			for (int g = 0; g < n; g++) {
				struct spoil shorter = { g, -1, 0, 0 }, longer = { g, +1, 0, 0 };
				struct spoil wrong = { g, 0, 1, 0 };

				refused(&m, k, &shorter, "too short");
				refused(&m, k, &longer, "too long");
				refused(&m, k, &wrong, "wrong controls");
				checked += 3;
			}
		}
	}
	assert_true(checked > 0);
}

/* A procedure's hold-threshold feedback (press ... expect ... release) comes
 * while the controls are still held. */
static void test_feedback_during_hold(void **state)
{
	struct st_model m;
	struct perf *p = calloc(1, sizeof(*p));
	const struct st_procedure *pr;
	double release_t = -1;
	int seen_during = 0;

	(void)state;
	load("MDR-1000X", &m);
	pr = &m.procs[ST_RESET_FACTORY];
	perf_init(p, &m, pr, NULL);
	set_held(p, pr->steps[0].controls);
	adv(p, 12.0);
	adv(p, 1.2);
	release_t = p->t;
	for (int i = 0; i < p->nev; i++)
		if (p->ev[i].kind == ST_FB_LED && !strcmp(p->ev[i].color, "green") &&
		    p->ev[i].t < release_t)
			seen_during++;
	assert_int_equal(seen_during, 2);   /* "release only after the second green flash" */
	set_held(p, 0);
	adv(p, 1);
	{
		struct st_headset_view v;

		st_headset_view(p->h, &v);
		assert_int_equal(v.resets[ST_RESET_FACTORY], 1);
	}
	st_headset_free(p->h);
	free(p);
}

/* MDR-1000XM4: "Initializing" after phase 1; phase 2 late = no reset. */
static void test_two_phases_start_within(void **state)
{
	struct st_model m;
	struct perf *p = calloc(1, sizeof(*p));
	const struct st_procedure *pr;
	struct spoil late = { 1, 0, 0, 3.5 };
	struct st_headset_view v;
	int init = 0;

	(void)state;
	load("MDR-1000XM4", &m);
	pr = &m.procs[ST_RESET_FACTORY];
	perf_init(p, &m, pr, NULL);
	perform(p, pr, &late);
	for (int i = 0; i < p->nev; i++)
		if (p->ev[i].kind == ST_FB_PROMPT && !strcmp(p->ev[i].text, "Initializing"))
			init++;
	assert_int_equal(init, 1);
	st_headset_view(p->h, &v);
	assert_int_equal(v.resets[ST_RESET_FACTORY], 0);
	/* and done in time, it completes */
	perform(p, pr, &as_written);
	st_headset_view(p->h, &v);
	assert_int_equal(v.resets[ST_RESET_FACTORY], 1);
	st_headset_free(p->h);
	free(p);
}

/* XB950N1: the slides must come in order around the CALL hold. */
static void test_slides_in_order(void **state)
{
	struct st_model m;
	struct perf *p = calloc(1, sizeof(*p));
	struct st_headset_view v;
	int sw, call;

	(void)state;
	load("MDR-XB950N1", &m);
	sw = st_model_control(&m, "POWER_SWITCH");
	call = st_model_control(&m, "CALL");
	assert_true(sw >= 0 && call >= 0);
	perf_init(p, &m, NULL, NULL);
	/* CALL pressed first, then the slide off/on: wrong order */
	set_held(p, 1u << call);
	st_headset_slide(p->h, p->t, sw, 0);
	adv(p, 0.2);
	st_headset_slide(p->h, p->t, sw, 1);
	adv(p, 15.0);
	set_held(p, 0);
	adv(p, 6);
	st_headset_view(p->h, &v);
	assert_int_equal(v.resets[ST_RESET_FACTORY], 0);
	assert_int_equal(v.powered, 1);
	/* as written */
	perform(p, &m.procs[ST_RESET_FACTORY], &as_written);
	st_headset_view(p->h, &v);
	assert_int_equal(v.resets[ST_RESET_FACTORY], 1);
	assert_int_equal(v.powered, 1);
	st_headset_free(p->h);
	free(p);
}

/* ---- abuse -------------------------------------------------------------------- */

static void test_low_battery_bricks_bt(void **state)
{
	int checked = 0;

	(void)state;
	for (int mi = 0; mi < nmodels; mi++) {
		struct st_model m;

		load(model_ids[mi], &m);
		for (int k = 0; k < ST_RESET_COUNT; k++) {
			struct st_sim_opts o;
			struct st_headset_view v;
			struct perf *p;

			if (!m.procs[k].present)
				continue;
			for (int low = 0; low < 2; low++) {
				p = calloc(1, sizeof(*p));
				memset(&o, 0, sizeof(o));
				/* seed 000: "Never attempt resets on sub-10% battery -
				 * voltage instability can brick the BT controller":
				 * sub-10 % for every model (earbuds' 20 % is about
				 * resetting out of the case, not about harm) */
				o.battery = low ? 9 : 10.5;
				perf_init(p, &m, &m.procs[k], &o);
				perform(p, &m.procs[k], &as_written);
				st_headset_view(p->h, &v);
				assert_int_equal(v.resets[k], 1);
				if (v.bt_bricked != low)
					fail_msg("%s %s at %g%%: bt_bricked %d", m.id, st_reset_name(k),
						 o.battery, v.bt_bricked);
				if (low && v.powered) {
					char r[1024];

					assert_int_equal(uart(p, "LINKTEST", r, sizeof(r)), ST_OK);
					assert_string_equal(r, "link=fail");
					assert_string_equal(v.bt_state, "dead");
				}
				st_headset_free(p->h);
				free(p);
			}
			checked++;
			break;
		}
	}
	assert_true(checked > 0);
}

static void test_xm4_wrong_model_bricks_touch(void **state)
{
	struct st_model m;
	struct perf *p = calloc(1, sizeof(*p));
	struct st_headset_view v;
	char r[1024];
	unsigned mask;

	(void)state;
	load("MDR-1000XM4", &m);
	assert_int_equal(st_model_controls_parse(&m, "POWER+VOL_DOWN", &mask, r), ST_OK);
	perf_init(p, &m, NULL, NULL);
	hold_for(p, mask, 10.0);         /* the MDR-1000XM3 factory gesture */
	st_headset_view(p->h, &v);
	assert_int_equal(v.touch_bricked, 1);
	assert_int_equal(uart(p, "INFO", r, sizeof(r)), ST_OK);
	assert_string_equal(kv(r, "touch"), "bricked");
	assert_string_equal(kv(r, "model"), "MDR-1000XM4");
	/* 5 h later (seed 001: 4-6 hours) it recovers */
	st_headset_advance(p->h, p->t + 5 * 3600.0 - 60);
	st_headset_view(p->h, &v);
	assert_int_equal(v.touch_bricked, 1);
	st_headset_advance(p->h, p->t + 5 * 3600.0 + 1);
	st_headset_view(p->h, &v);
	assert_int_equal(v.touch_bricked, 0);
	st_headset_free(p->h);
	free(p);
}

static void test_xm5_power_20s_shutdown(void **state)
{
	struct st_model m;
	struct perf *p = calloc(1, sizeof(*p));
	struct st_headset_view v;
	char r[1024];

	(void)state;
	load("WH-1000XM5", &m);
	perf_init(p, &m, NULL, NULL);
	set_held(p, 1u << st_model_control(&m, "POWER"));
	adv(p, 19.0);
	st_headset_view(p->h, &v);
	assert_int_equal(v.bootloader_corrupt, 0);
	adv(p, 1.0);
	st_headset_view(p->h, &v);
	assert_int_equal(v.bootloader_corrupt, 1);
	assert_int_equal(v.powered, 0);
	assert_string_equal(v.fw, "unknown");
	assert_string_equal(v.bt_state, "dead");
	assert_true(v.overholds >= 1);   /* 20 s is over max-hold 12.3 */
	set_held(p, 0);
	assert_int_equal(uart(p, "INFO", r, sizeof(r)), ST_ERR_TIMEOUT);
	/* dead: nothing brings it back */
	hold_for(p, 1u << st_model_control(&m, "POWER"), 2.0);
	st_headset_view(p->h, &v);
	assert_int_equal(v.powered, 0);
	st_headset_free(p->h);
	free(p);
}

/* Every hazard of every model does what the data says. */
static void test_every_hazard(void **state)
{
	int checked = 0;

	(void)state;
	for (int mi = 0; mi < nmodels; mi++) {
		struct st_model m;

		load(model_ids[mi], &m);
		for (int k = 0; k < m.nhazards; k++) {
			const struct st_hazard *hz = &m.hazards[k];
			struct perf *p = calloc(1, sizeof(*p));
			struct st_headset_view v;

			perf_init(p, &m, NULL, NULL);
			hold_for(p, hz->controls, hz->seconds);
			st_headset_view(p->h, &v);
			switch (hz->effect) {
			case ST_HAZ_SHUTDOWN:
				assert_int_equal(v.bootloader_corrupt, 1);
				break;
			case ST_HAZ_TOUCH_BRICK:
				assert_int_equal(v.touch_bricked, 1);
				break;
			case ST_HAZ_BT_BRICK:
				assert_int_equal(v.bt_bricked, 1);
				break;
			}
			st_headset_free(p->h);
			free(p);
			checked++;
		}
	}
	assert_true(checked >= 2);
}

static void test_overhold_counted(void **state)
{
	struct st_model m;
	struct perf *p = calloc(1, sizeof(*p));
	char r[1024];

	(void)state;
	load("WH-1000XM5", &m);
	perf_init(p, &m, NULL, NULL);
	hold_for(p, 1u << st_model_control(&m, "VOL_UP"), m.max_hold + 0.5);
	assert_int_equal(uart(p, "INFO", r, sizeof(r)), ST_OK);
	assert_string_equal(kv(r, "overhold"), "1");
	hold_for(p, 1u << st_model_control(&m, "VOL_UP"), m.max_hold - 0.5);
	assert_int_equal(uart(p, "INFO", r, sizeof(r)), ST_OK);
	assert_string_equal(kv(r, "overhold"), "1");
	st_headset_free(p->h);
	free(p);
}

static void test_worn_aborts(void **state)
{
	struct st_model m;
	struct perf *p = calloc(1, sizeof(*p));
	struct st_sim_opts o;
	struct st_headset_view v;

	(void)state;
	load("MDR-1000XM3", &m);
	assert_int_equal(m.wear, ST_WEAR_ABORTS);
	memset(&o, 0, sizeof(o));
	o.battery = -1;
	o.worn = 1;
	perf_init(p, &m, NULL, &o);
	perform(p, &m.procs[ST_RESET_SOFT], &as_written);
	st_headset_view(p->h, &v);
	assert_int_equal(v.resets[ST_RESET_SOFT], 0);
	assert_int_equal(v.aborted, 1);
	st_headset_wear(p->h, p->t, 0);
	perform(p, &m.procs[ST_RESET_SOFT], &as_written);
	st_headset_view(p->h, &v);
	assert_int_equal(v.resets[ST_RESET_SOFT], 1);
	st_headset_free(p->h);
	free(p);
}

static void test_preconditions_in_case(void **state)
{
	struct st_model m;
	struct perf *p = calloc(1, sizeof(*p));
	struct st_headset_view v;

	(void)state;
	load("WF-1000XM4", &m);
	perf_init(p, &m, NULL, NULL);       /* buds out of the case */
	perform(p, &m.procs[ST_RESET_FACTORY], &as_written);
	st_headset_view(p->h, &v);
	assert_int_equal(v.resets[ST_RESET_FACTORY], 0);
	assert_int_equal(v.aborted, 1);
	st_headset_place(p->h, p->t, 1, 0); /* in the case, lid open */
	perform(p, &m.procs[ST_RESET_FACTORY], &as_written);
	st_headset_view(p->h, &v);
	assert_int_equal(v.resets[ST_RESET_FACTORY], 0);
	st_headset_place(p->h, p->t, 1, 1);
	perform(p, &m.procs[ST_RESET_FACTORY], &as_written);
	st_headset_view(p->h, &v);
	assert_int_equal(v.resets[ST_RESET_FACTORY], 1);
	st_headset_free(p->h);
	free(p);
}

/* ---- faults -------------------------------------------------------------------- */

static struct st_sim_opts fault_opts(const char *f)
{
	struct st_sim_opts o;

	memset(&o, 0, sizeof(o));
	o.battery = -1;
	st_strlcpy(o.faults[0], f, sizeof(o.faults[0]));
	o.nfaults = 1;
	return o;
}

static void test_fault_names(void **state)
{
	struct st_model m;
	struct st_sim_opts o = fault_opts("gremlins");
	char err[ST_ERRLEN] = "";

	(void)state;
	load("WH-1000XM5", &m);
	assert_null(st_headset_new(&m, &o, err));
	assert_non_null(strstr(err, "unknown fault 'gremlins'"));
	assert_null(strchr(err, '\n'));
	assert_int_equal(st_sim_fault_check(&m, "worn-switch:VOL_UP", err), ST_OK);
	assert_int_not_equal(st_sim_fault_check(&m, "worn-switch:CALL", err), ST_OK);
	assert_non_null(strstr(err, "CALL"));
	assert_int_not_equal(st_sim_fault_check(&m, "worn-switch", err), ST_OK);
	assert_int_not_equal(st_sim_fault_check(&m, "bt-limbo:x", err), ST_OK);
	for (int i = 0; st_sim_fault_names[i]; i++) {
		char name[64];

		st_strlcpy(name, st_sim_fault_names[i], sizeof(name));
		if (strchr(name, ':'))
			strcpy(strchr(name, ':') + 1, "POWER");
		assert_int_equal(st_sim_fault_check(&m, name, err), ST_OK);
	}
}

static void test_fault_low_battery(void **state)
{
	struct st_model m;
	struct st_sim_opts o = fault_opts("low-battery");
	struct perf *p = calloc(1, sizeof(*p));
	char r[1024];

	(void)state;
	load("WH-1000XM5", &m);
	perf_init(p, &m, NULL, &o);
	assert_int_equal(uart(p, "INFO", r, sizeof(r)), ST_OK);
	assert_string_equal(kv(r, "battery"), "6");
	st_headset_free(p->h);
	free(p);
}

/* seed 001: the XM2's VOL_DOWN tact switch; every 3rd press makes contact. */
static void test_fault_worn_switch(void **state)
{
	struct st_model m;
	struct st_sim_opts o = fault_opts("worn-switch:VOL_DOWN");
	struct perf *p = calloc(1, sizeof(*p));
	struct st_headset_view v;
	unsigned vd, pw;
	char r[1024];

	(void)state;
	load("MDR-1000XM2", &m);
	vd = 1u << st_model_control(&m, "VOL_DOWN");
	pw = 1u << st_model_control(&m, "POWER");
	perf_init(p, &m, NULL, &o);
	for (int attempt = 1; attempt <= 3; attempt++) {
		struct st_headset_view before;

		st_headset_view(p->h, &before);
		if (!before.powered) {
			hold_for(p, pw, m.power_on_hold);
			adv(p, 2);
		}
		perform(p, &m.procs[ST_RESET_FACTORY], &as_written);
		st_headset_view(p->h, &v);
		assert_int_equal(v.resets[ST_RESET_FACTORY], attempt == 3);
		adv(p, 12);
	}
	/* key test: count presses that make contact */
	if (!v.powered)
		hold_for(p, pw, m.power_on_hold);
	adv(p, 1);
	assert_int_equal(uart(p, "KEYTEST ON", r, sizeof(r)), ST_OK);
	assert_string_equal(r, "keytest=on");
	for (int i = 0; i < 3; i++) {
		hold_for(p, vd, 0.1);
		hold_for(p, pw, 0.1);
		adv(p, 0.3);
	}
	assert_int_equal(uart(p, "KEYS", r, sizeof(r)), ST_OK);
	assert_string_equal(r, "POWER=3 VOL_DOWN=1");
	/* key-test presses cause no action */
	hold_for(p, pw, m.power_off_hold);
	st_headset_view(p->h, &v);
	assert_int_equal(v.powered, 1);
	assert_int_equal(uart(p, "KEYTEST OFF", r, sizeof(r)), ST_OK);
	st_headset_free(p->h);
	free(p);
}

static void test_fault_bt_limbo(void **state)
{
	struct st_model m;
	struct st_sim_opts o = fault_opts("bt-limbo");
	struct perf *p = calloc(1, sizeof(*p));
	struct st_headset_view v;
	char r[1024];

	(void)state;
	load("WH-1000XM5", &m);
	perf_init(p, &m, NULL, &o);
	assert_int_equal(uart(p, "INFO", r, sizeof(r)), ST_OK);
	assert_string_equal(kv(r, "bt"), "pairing");
	assert_int_equal(uart(p, "LINKTEST", r, sizeof(r)), ST_OK);
	assert_string_equal(r, "link=fail");
	/* a Bluetooth reset alone does not help */
	perform(p, &m.procs[ST_RESET_BLUETOOTH], &as_written);
	assert_int_equal(uart(p, "LINKTEST", r, sizeof(r)), ST_OK);
	assert_string_equal(r, "link=fail");
	/* soft reset, wait 70 s: too late for the Bluetooth reset */
	perform(p, &m.procs[ST_RESET_SOFT], &as_written);
	adv(p, 70);
	perform(p, &m.procs[ST_RESET_BLUETOOTH], &as_written);
	assert_int_equal(uart(p, "LINKTEST", r, sizeof(r)), ST_OK);
	assert_string_equal(r, "link=fail");
	/* seed 000: soft reset, wait 10 s, Bluetooth reset */
	perform(p, &m.procs[ST_RESET_SOFT], &as_written);
	adv(p, 10);
	perform(p, &m.procs[ST_RESET_BLUETOOTH], &as_written);
	assert_int_equal(uart(p, "LINKTEST", r, sizeof(r)), ST_OK);
	assert_string_equal(r, "link=ok");
	st_headset_view(p->h, &v);
	assert_int_equal(v.bt_limbo, 0);
	st_headset_free(p->h);
	free(p);

	/* ... or, after the resets, 30 s on the USB charger */
	p = calloc(1, sizeof(*p));
	perf_init(p, &m, NULL, &o);
	perform(p, &m.procs[ST_RESET_SOFT], &as_written);
	adv(p, 100);
	st_headset_charge(p->h, p->t, 1);
	adv(p, 29);
	assert_int_equal(uart(p, "LINKTEST", r, sizeof(r)), ST_OK);
	assert_string_equal(r, "link=fail");
	adv(p, 1.5);
	assert_int_equal(uart(p, "LINKTEST", r, sizeof(r)), ST_OK);
	assert_string_equal(r, "link=ok");
	st_headset_free(p->h);
	free(p);
}

static void test_fault_bms_tripped(void **state)
{
	struct st_model m;
	struct st_sim_opts o = fault_opts("bms-tripped");
	struct perf *p = calloc(1, sizeof(*p));
	struct st_headset_view v;
	unsigned pw;
	char r[1024];
	int amber = 0, off = 0;

	(void)state;
	load("MDR-1000XM3", &m);
	pw = 1u << st_model_control(&m, "POWER");
	perf_init(p, &m, NULL, &o);
	assert_int_equal(uart(p, "INFO", r, sizeof(r)), ST_ERR_TIMEOUT);
	hold_for(p, pw, m.power_on_hold);
	st_headset_view(p->h, &v);
	assert_int_equal(v.powered, 0);
	/* charger on: the charging LED blinks amber rapidly */
	st_headset_charge(p->h, p->t, 1);
	p->nev = 0;
	adv(p, 2.0);
	for (int i = 0; i < p->nev; i++) {
		if (p->ev[i].kind == ST_FB_LED && !strcmp(p->ev[i].color, "amber"))
			amber++;
		if (p->ev[i].kind == ST_FB_LED && !strcmp(p->ev[i].color, "off"))
			off++;
	}
	assert_true(amber >= 9 && off >= 9);   /* 0.1 s on / 0.1 s off */
	/* 12 h of trickle (seed 001) on the simulator's clock */
	st_headset_advance(p->h, p->t + 12 * 3600.0 - 60);
	p->t += 12 * 3600.0 - 60;
	collect(p);
	assert_int_equal(uart(p, "INFO", r, sizeof(r)), ST_ERR_TIMEOUT);
	adv(p, 61);
	assert_int_equal(uart(p, "INFO", r, sizeof(r)), ST_OK);
	assert_string_equal(kv(r, "power"), "off");
	assert_string_equal(kv(r, "usb"), "1");
	hold_for(p, pw, m.power_on_hold);
	st_headset_view(p->h, &v);
	assert_int_equal(v.powered, 1);
	st_headset_free(p->h);
	free(p);
}

static void test_fault_firmware_corrupt(void **state)
{
	struct st_model m;
	struct st_sim_opts o = fault_opts("firmware-corrupt");
	struct perf *p = calloc(1, sizeof(*p));
	struct st_headset_view v;
	char r[1024];

	(void)state;
	load("WH-1000XM5", &m);
	perf_init(p, &m, NULL, &o);
	assert_int_equal(uart(p, "INFO", r, sizeof(r)), ST_OK);
	assert_string_equal(kv(r, "fw"), "unknown");
	p->nev = 0;
	perform(p, &m.procs[ST_RESET_FACTORY], &as_written);
	assert_int_equal(p->nev, 0);
	st_headset_view(p->h, &v);
	assert_int_equal(v.resets[ST_RESET_FACTORY], 0);
	assert_int_equal(v.aborted, 1);
	assert_int_equal(v.items[ST_ITEM_EQ], 1);
	st_headset_free(p->h);
	free(p);
}

static void test_fault_port_oxidised(void **state)
{
	struct st_model m;
	struct st_sim_opts o = fault_opts("port-oxidised");
	struct perf *p = calloc(1, sizeof(*p));
	struct st_headset_view v;
	char r[1024];

	(void)state;
	/* USB-C: phantom resets about every 40 s */
	load("WH-1000XM5", &m);
	assert_int_equal(m.port, ST_PORT_USB_C);
	perf_init(p, &m, NULL, &o);
	st_headset_view(p->h, &v);
	assert_int_equal(v.boots, 1);
	adv(p, 200);
	st_headset_view(p->h, &v);
	assert_in_range(v.boots, 1 + 4, 1 + 6);
	st_headset_free(p->h);
	free(p);

	/* micro-USB: a false "USB connection detected" blocks resets */
	p = calloc(1, sizeof(*p));
	load("MDR-1000XM2", &m);
	assert_int_equal(m.port, ST_PORT_MICRO_USB);
	perf_init(p, &m, NULL, &o);
	assert_int_equal(uart(p, "INFO", r, sizeof(r)), ST_OK);
	assert_string_equal(kv(r, "usb"), "1");
	p->nev = 0;
	perform(p, &m.procs[ST_RESET_FACTORY], &as_written);
	for (int i = 0; i < p->nev; i++)   /* only the manual power-off's prompt */
		assert_string_equal(p->ev[i].text, "Power off");
	st_headset_view(p->h, &v);
	assert_int_equal(v.resets[ST_RESET_FACTORY], 0);
	assert_int_equal(v.paired, 3);
	assert_int_equal(v.boots, 1);
	st_headset_free(p->h);
	free(p);
}

static void test_fault_eeprom_fail(void **state)
{
	struct st_model m;
	struct st_sim_opts o = fault_opts("eeprom-fail");
	struct perf *p = calloc(1, sizeof(*p));
	struct st_headset_view v;
	int red = 0;

	(void)state;
	load("WH-1000XM5", &m);
	perf_init(p, &m, NULL, &o);
	perform(p, &m.procs[ST_RESET_FACTORY], &as_written);
	assert_int_equal(p->missed, 0);      /* the usual feedback, then ... */
	for (int i = 0; i < p->nev; i++)
		if (p->ev[i].kind == ST_FB_LED && !strcmp(p->ev[i].color, "red"))
			red++;
	assert_true(red >= 3);               /* ... red flashing: failed EEPROM write */
	st_headset_view(p->h, &v);
	assert_int_equal(v.resets[ST_RESET_FACTORY], 0);
	assert_int_equal(v.failed, 1);
	assert_int_equal(v.paired, 3);
	for (int it = 0; it < ST_ITEM_COUNT; it++)
		assert_int_equal(v.items[it], 1);
	st_headset_free(p->h);
	free(p);
}

/* ---- UART, ANC, power, determinism ------------------------------------------------ */

static void test_uart(void **state)
{
	struct st_model m;
	struct st_sim_opts o;
	struct perf *p = calloc(1, sizeof(*p));
	char r[2048];
	static const char *const keys[] = {
		"model", "serial", "fw", "battery", "bt_addr", "paired", "power", "bt", "touch",
		"usb", "worn", "in_case", "lid", "anc", "boots", "overhold", "eq", "ram",
	};

	(void)state;
	load("WH-1000XM5", &m);
	memset(&o, 0, sizeof(o));
	o.battery = -1;
	o.serial = "SN42";
	o.identity = "WH-1000XM4";
	perf_init(p, &m, NULL, &o);
	assert_int_equal(uart(p, "INFO", r, sizeof(r)), ST_OK);
	for (size_t i = 0; i < ST_ARRAY_SIZE(keys); i++)
		if (!kv(r, keys[i]))
			fail_msg("INFO lacks %s: %s", keys[i], r);
	assert_null(strchr(r, '\n'));
	assert_string_equal(kv(r, "model"), "WH-1000XM4");
	assert_string_equal(kv(r, "serial"), "SN42");
	assert_string_equal(kv(r, "fw"), "2.4.1");
	assert_string_equal(kv(r, "paired"), "3");
	assert_string_equal(kv(r, "power"), "on");
	assert_string_equal(kv(r, "bt"), "connected");
	assert_string_equal(kv(r, "anc"), "on");
	assert_string_equal(kv(r, "eq"), "custom");
	assert_int_equal(uart(p, "ITEMS", r, sizeof(r)), ST_OK);
	assert_string_equal(kv(r, "paired"), "custom");
	assert_string_equal(kv(r, "bt-addr"), "custom");
	assert_int_equal(uart(p, "LINKTEST", r, sizeof(r)), ST_OK);
	assert_string_equal(r, "link=ok");
	assert_int_equal(uart(p, "FROB", r, sizeof(r)), ST_OK);
	assert_string_equal(r, "ERR unknown command");
	assert_int_equal(uart(p, "KEYS", r, sizeof(r)), ST_OK);
	assert_string_equal(r, "ERR keytest off");
	assert_int_equal(uart(p, "ANC OFF", r, sizeof(r)), ST_OK);
	assert_string_equal(r, "anc=off");
	assert_int_equal(uart(p, "  anc on ", r, sizeof(r)), ST_OK);
	assert_string_equal(r, "anc=on");
	/* a tiny reply buffer is cut, never overrun */
	assert_int_equal(uart(p, "INFO", r, 8), ST_OK);
	assert_int_equal(strlen(r), 7);
	/* powered off: INFO still answers */
	hold_for(p, 1u << st_model_control(&m, "POWER"), m.power_off_hold);
	assert_int_equal(uart(p, "INFO", r, sizeof(r)), ST_OK);
	assert_string_equal(kv(r, "power"), "off");
	assert_string_equal(kv(r, "bt"), "off");
	assert_string_equal(kv(r, "anc"), "off");
	assert_string_equal(kv(r, "battery"), "80");
	assert_int_equal(uart(p, "LINKTEST", r, sizeof(r)), ST_OK);
	assert_string_equal(r, "link=fail");
	hold_for(p, 1u << st_model_control(&m, "POWER"), m.power_on_hold);
	assert_int_equal(uart(p, "INFO", r, sizeof(r)), ST_OK);
	assert_string_equal(kv(r, "power"), "on");
	assert_string_equal(kv(r, "boots"), "2");
	st_headset_free(p->h);
	free(p);
}

static void test_anc_toggle(void **state)
{
	struct st_model m;
	struct perf *p = calloc(1, sizeof(*p));
	struct st_headset_view v;
	unsigned nc;

	(void)state;
	load("WH-1000XM5", &m);
	nc = 1u << st_model_control(&m, "NC_AMBIENT");
	perf_init(p, &m, NULL, NULL);
	st_headset_view(p->h, &v);
	assert_int_equal(v.anc_on, 1);
	p->nev = 0;
	hold_for(p, nc, 0.1);
	adv(p, 0.5);
	st_headset_view(p->h, &v);
	assert_int_equal(v.anc_on, 0);
	assert_int_equal(p->ev[0].kind, ST_FB_PROMPT);
	assert_string_equal(p->ev[0].text, "Ambient sound");
	hold_for(p, nc, 0.1);
	adv(p, 0.5);
	st_headset_view(p->h, &v);
	assert_int_equal(v.anc_on, 1);
	assert_true(fabs(v.anc_since - (p->t - 0.5)) < 1e-6);
	assert_string_equal(p->ev[1].text, "Noise canceling");
	st_headset_free(p->h);
	free(p);
}

static void run_script(const struct st_model *m, unsigned seed, char *info, size_t n,
		       struct st_feedback *ev, int *nev)
{
	struct st_sim_opts o = fault_opts("port-oxidised");
	struct perf *p = calloc(1, sizeof(*p));

	o.seed = seed;
	perf_init(p, m, NULL, &o);
	perform(p, &m->procs[ST_RESET_FACTORY], &as_written);
	perform(p, &m->procs[ST_RESET_SOFT], &as_written);
	adv(p, 130);
	st_headset_uart(p->h, p->t, "INFO", info, n);
	memcpy(ev, p->ev, sizeof(*ev) * (size_t)p->nev);
	*nev = p->nev;
	st_headset_free(p->h);
	free(p);
}

static void test_deterministic(void **state)
{
	struct st_model m;
	static struct st_feedback e1[MAX_EV], e2[MAX_EV];
	char a[2048], b[2048], addr[32];
	int n1, n2;

	(void)state;
	load("WH-1000XM5", &m);
	run_script(&m, 7, a, sizeof(a), e1, &n1);
	run_script(&m, 7, b, sizeof(b), e2, &n2);
	assert_string_equal(a, b);
	assert_int_equal(n1, n2);
	assert_memory_equal(e1, e2, sizeof(e1[0]) * (size_t)n1);
	st_strlcpy(addr, kv(a, "bt_addr"), sizeof(addr));
	run_script(&m, 8, b, sizeof(b), e2, &n2);
	assert_string_not_equal(addr, kv(b, "bt_addr"));
}

static void test_garbage_inputs(void **state)
{
	struct st_model m;
	struct st_headset *h;
	struct st_feedback ev[4];
	char r[64];

	(void)state;
	load("WH-1000XM5", &m);
	h = mk(&m, NULL);
	st_headset_controls(h, 1, ~0u);     /* bits beyond the model's controls */
	st_headset_controls(h, 0.5, 0);     /* time going backwards */
	st_headset_slide(h, 2, 99, 1);
	st_headset_slide(h, 2, 0, 1);       /* not a slide */
	st_headset_advance(h, NAN);
	assert_int_equal(st_headset_uart(h, 3, NULL, r, sizeof(r)), ST_ERR_ARG);
	assert_int_equal(st_headset_uart(h, 3, "INFO", r, 0), ST_ERR_ARG);
	assert_int_equal(st_headset_feedback(h, ev, 4) >= 0, 1);
	st_headset_free(h);
	st_headset_free(NULL);
	assert_null(st_headset_new(NULL, NULL, r));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_procedure_accepted),
		cmocka_unit_test(test_wrong_timing_and_controls_refused),
		cmocka_unit_test(test_feedback_during_hold),
		cmocka_unit_test(test_two_phases_start_within),
		cmocka_unit_test(test_slides_in_order),
		cmocka_unit_test(test_low_battery_bricks_bt),
		cmocka_unit_test(test_xm4_wrong_model_bricks_touch),
		cmocka_unit_test(test_xm5_power_20s_shutdown),
		cmocka_unit_test(test_every_hazard),
		cmocka_unit_test(test_overhold_counted),
		cmocka_unit_test(test_worn_aborts),
		cmocka_unit_test(test_preconditions_in_case),
		cmocka_unit_test(test_fault_names),
		cmocka_unit_test(test_fault_low_battery),
		cmocka_unit_test(test_fault_worn_switch),
		cmocka_unit_test(test_fault_bt_limbo),
		cmocka_unit_test(test_fault_bms_tripped),
		cmocka_unit_test(test_fault_firmware_corrupt),
		cmocka_unit_test(test_fault_port_oxidised),
		cmocka_unit_test(test_fault_eeprom_fail),
		cmocka_unit_test(test_uart),
		cmocka_unit_test(test_anc_toggle),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_garbage_inputs),
	};

	return cmocka_run_group_tests(tests, setup_models, NULL);
}
