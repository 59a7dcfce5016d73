/*
 * headset.c - the simulated headset (headset.h): a unit that reads its
 * procedures from the same model data the sequencer uses, recognises them
 * from a timeline of control edges, answers with the feedback the data
 * gives, changes exactly the state items the procedure wipes, and suffers
 * the abuse and faults the seeds describe.  No I/O and no clock of its own:
 * the caller says what time it is.  docs/simulator.md describes the
 * behaviour, docs/unit-uart.md the factory-test UART.
 *
 * This file holds the life cycle, the inputs (controls, slides, charger,
 * wear, case), the internal timers and the read-only view; the rest is
 * split by concern (headset_int.h lists the files): procedure recognition
 * in headset_proc.c, state changes in headset_state.c, feedback in
 * headset_fb.c, faults and the battery model in headset_faults.c, the
 * factory-test UART in headset_uart.c.
 */
#include "headset_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/st.h"

static unsigned long long fnv(const char *s, unsigned long long hsh)
{
	for (; s && *s; s++) {
		hsh ^= (unsigned char)*s;
		hsh *= 0x100000001b3ULL;
	}
	return hsh;
}

/* ---- timers ------------------------------------------------------------------ */

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

			if (!cp->p || (gi = hs_mid_candidate(h, cp)) < 0)
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

static void fire_mid(struct st_headset *h, int k, double t)
{
	struct cproc *cp = &h->procs[k];
	int gi = hs_mid_candidate(h, cp), idx[ST_MAX_STEPS], n = 0, powered;
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
	if (n && hs_preconditions_ok(h, cp, powered))
		hs_give_feedback(h, cp->p, idx, n, t, 1);
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
			hs_brick_bootloader(h);   /* seed 000: forced shutdown, boot loader corrupt */
			h->g.clean = 0;
			hs_charge_led_update(h, t);
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
		hs_charge_led_update(h, t);
		if (!m->power_controls)
			hs_power_on(h, t); /* nothing to press: it wakes by itself */
		break;
	case T_LIMBO:
		h->bt_limbo = 0;       /* seed 000: the charger stabilises the PMIC */
		break;
	case T_BLINK:
		h->blink_on = !h->blink_on;
		hs_fb_led(h, t, charge_led_where(h), h->blink_on ? "amber" : "off");
		h->blink_next = t + 0.1;   /* "blinks amber rapidly" */
		break;
	case T_PHANTOM:
		if (h->powered && alive(h))
			hs_reboot(h, t);
		h->phantom_next = t + PHANTOM_PERIOD + (2 * rnd_unit(h) - 1) * PHANTOM_JITTER;
		break;
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
		hs_battery_to(h, tn);
		h->now = tn;
		hs_flush_pending(h, tn);
		fire(h, which, arg, tn);
	}
	hs_battery_to(h, t);
	h->now = t;
	if (h->charge_led && h->battery >= 100.0 - EPS)
		hs_charge_led_update(h, t);
	hs_flush_pending(h, t);
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
	hs_gesture_edge(h, t, eff);
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
				hs_power_on(h, t);
			else
				hs_power_off(h);
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
			hs_gesture_done(h, &e);
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
	hs_charge_led_update(h, h->now);
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

		if (hs_fault_parse(m, opts->faults[i], &f, &ctl, err) != ST_OK) {
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
			hs_compile_proc(h, &h->procs[k], &h->model.procs[k]);
	for (int it = 0; it < ST_ITEM_COUNT; it++)
		h->items[it] = 1;
	h->paired = HEALTHY_PAIRED;
	hs_new_bt_addr(h);
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
		hs_boot(h, 0);
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
	v->battery_reported = hs_battery_reported(h);
	v->play_volume = h->play_volume;
	v->paired = h->paired;
	st_strlcpy(v->bt_state, hs_bt_state(h), sizeof(v->bt_state));
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
	v->usb = hs_usb_detected(h);
	v->worn = h->worn;
	v->in_case = h->in_case;
	v->lid_closed = h->lid_closed;
	v->bms_tripped = h->bms_tripped;
	v->bt_limbo = h->bt_limbo;
	v->touch_until = h->touch_until;
	v->booted_at = h->booted_at;
	memcpy(v->items, h->items, sizeof(v->items));
}
