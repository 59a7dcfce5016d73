/*
 * headset_proc.c - how the simulated headset recognises a procedure.
 *
 * At creation each present procedure is compiled into "gesture specs" (a
 * hold of one exact control set with a release window, N taps, a slide
 * outside a hold) grouped into phases; the expectation steps after a
 * phase's last gesture are the feedback given when that phase is
 * accepted, expectations between `press` and `release` are given during
 * the hold when its threshold is crossed.  The input edges are turned
 * into gestures (first press to full release); each finished gesture is
 * fed to a small matcher per procedure, and also drives power on/off and
 * the NC/ambient toggle.
 */
#include "headset_int.h"

#include <string.h>

#include "core/st.h"

static int lowest_bit(unsigned x)
{
	for (int i = 0; i < 32; i++)
		if (x & (1u << i))
			return i;
	return -1;
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

/* The compiled procedure's timing: how long each phase's feedback lasts,
 * and the gap each gesture may leave after the previous one ended. */
static void compile_gaps(struct st_headset *h, struct cproc *cp, const struct st_procedure *p)
{
	for (int k = 0; k < cp->nph; k++)
		cp->ph[k].fb_len = hs_give_feedback(h, p, cp->ph[k].fb, cp->ph[k].nfb, 0, 0);
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

void hs_compile_proc(struct st_headset *h, struct cproc *cp, const struct st_procedure *p)
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
	compile_gaps(h, cp, p);
}

static void proc_reset(struct cproc *cp)
{
	cp->cur = 0;
	cp->taps = 0;
}

void hs_matchers_reset(struct st_headset *h)
{
	for (int k = 0; k < ST_RESET_COUNT; k++)
		proc_reset(&h->procs[k]);
}


/* A phase's last gesture was accepted at t.  Returns 0 to go on, 1 when the
 * procedure is complete or aborted (matcher resets). */
int hs_phase_accepted(struct st_headset *h, struct cproc *cp, int phase, double t)
{
	struct phase *ph = &cp->ph[phase];
	double len;

	if (!hs_preconditions_ok(h, cp, cp->phase_powered)) {
		h->aborted++;
		return 1;
	}
	len = hs_give_feedback(h, cp->p, ph->fb, ph->nfb, t, 1);
	if (phase < cp->nph - 1)
		return 0;
	hs_complete_reset(h, cp, t, t + len);
	return 1;
}

/* ---- gestures --------------------------------------------------------------- */



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
			if (hs_phase_accepted(h, cp, g->phase, e->end) || cp->cur == cp->ng)
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
void hs_gesture_done(struct st_headset *h, const struct gev *e)
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
				hs_power_off(h);
				hs_fb_sound(h, e->end + FB_LATENCY, ST_FB_PROMPT, 0, "Power off");
			} else {
				hs_power_on(h, e->end);
				hs_fb_sound(h, e->end + FB_LATENCY, ST_FB_PROMPT, 0, "Power on");
			}
			return;
		}
	}
	nc = nc_control(m);
	if (nc >= 0 && e->set == (1u << nc) && e->dur < TAP_MAX && h->powered) {
		h->anc_on = !h->anc_on;
		if (h->anc_on)
			h->anc_since = e->end;
		hs_fb_sound(h, e->end + FB_LATENCY, ST_FB_PROMPT, 0,
			 h->anc_on ? "Noise canceling" : "Ambient sound");
	}
}

/* Effective control set changed at t. */
void hs_gesture_edge(struct st_headset *h, double t, unsigned eff)
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
		hs_gesture_done(h, &e);
	}
}

/* The mid-hold candidate of a procedure for the current hold: the gspec
 * the matcher expects next, else its first one; -1 when none fits. */
int hs_mid_candidate(const struct st_headset *h, const struct cproc *cp)
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
