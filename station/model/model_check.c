/*
 * model_check.c - what the model parser checks once the whole file is
 * read: required keywords, defaults, power holds, and every procedure
 * walked on a worst-case timeline so that no control is held past the
 * model's max-hold and no hold reaches one of its hazards: the one
 * safety check for holds and hazards, which the sequencer's gate calls
 * too (st_model_check_holds).  Also the longest hold query, which walks
 * the same timeline.  Part of the model
 * parser (internal.h).
 */
#include "internal.h"

#include <stdio.h>
#include <string.h>

/* ---- whole-model checks ------------------------------------------------- */

/*
 * The one safety check for holds and hazards, for the parser and (through
 * st_model_check_holds) the sequencer's gate in front of every procedure.
 * Walk a procedure on a worst-case timeline: holds and waits take their
 * seconds, expectations their whole window, taps count x gap.  For each
 * control track when it was pressed; at each release check the hold plus
 * its tolerance (a step's own when above 0, else the model's) against
 * max-hold and every hazard whose controls were all held together.
 */
struct hold_check {
	int check;        /* 1: refuse a hold that breaks a rule; 0: only measure */
	char why[ST_ERRLEN]; /* the refusal, without its place */
	int line;         /* the line it is about */
	double longest;   /* longest hold seen (nominal + tolerance), s */
};

static int mp_check_release(struct hold_check *hc, const struct st_model *m, const double *since,
			 unsigned held, unsigned mask, double now, double tol, int line)
{
	char names[128];

	for (int i = 0; i < m->ncontrols; i++) {
		double d;

		if (!(mask & (1u << i)))
			continue;
		d = now - since[i] + tol;
		if (d > hc->longest)
			hc->longest = d;
		if (hc->check && d > m->max_hold + EPS) {
			snprintf(hc->why, sizeof(hc->why),
				 "%s held up to %.2f s (with tolerance), over max-hold %g, the model's safe maximum",
				 m->controls[i].name, d, m->max_hold);
			hc->line = line;
			return ST_ERR_REFUSED;
		}
	}
	for (int h = 0; h < m->nhazards; h++) {
		const struct st_hazard *hz = &m->hazards[h];
		double start = -1e300;

		if (!(hz->controls & mask) || (hz->controls & held) != hz->controls)
			continue;
		for (int i = 0; i < m->ncontrols; i++)
			if ((hz->controls & (1u << i)) && since[i] > start)
				start = since[i];
		if (hc->check && now - start + tol >= hz->seconds - EPS) {
			st_model_controls_str(m, hz->controls, names, sizeof(names));
			snprintf(hc->why, sizeof(hc->why),
				 "holds %s for up to %.2f s: reaches the hazard on line %d (%g s): %s",
				 names, now - start + tol, hz->line, hz->seconds, hz->source);
			hc->line = line;
			return ST_ERR_REFUSED;
		}
	}
	return ST_OK;
}

/* The press and hold steps on the timeline. */
static int mp_walk_press(struct pstate *ps, struct hold_check *hc, const struct st_model *m,
		      const struct st_step *s, double *since, unsigned *held, double *now)
{
	double tol = s->tolerance > 0 ? s->tolerance : m->tolerance;

	if (ps && (*held & s->controls)) {
		char names[128];

		st_model_controls_str(m, *held & s->controls, names, sizeof(names));
		return mp_perr(ps, s->line, "%s already pressed", names);
	}
	for (int i = 0; i < m->ncontrols; i++)
		if (s->controls & (1u << i))
			since[i] = *now;
	*held |= s->controls;
	if (s->op == ST_OP_PRESS)
		return ST_OK;
	*now += s->seconds;
	if (mp_check_release(hc, m, since, *held, s->controls, *now, tol, s->line))
		return ps ? mp_perr(ps, hc->line, "%s", hc->why) : ST_ERR_REFUSED;
	*held &= ~s->controls;
	return ST_OK;
}

/* Walk procedure p (see above).  With ps, also the structural checks of
 * the parser, reported through it; without, only hc says what is wrong. */
static int mp_walk_procedure(struct pstate *ps, struct hold_check *hc, const struct st_model *m,
			  const struct st_procedure *p)
{
	double since[ST_MAX_CONTROLS] = { 0 };
	unsigned held = 0, mask;
	double now = 0;

	for (int k = 0; k < p->nsteps; k++) {
		const struct st_step *s = &p->steps[k];

		if (ps && s->start_within > 0 && k == 0)
			return mp_perr(ps, s->line, "start-within on the first step");
		switch (s->op) {
		case ST_OP_HOLD:
		case ST_OP_PRESS:
			if (mp_walk_press(ps, hc, m, s, since, &held, &now))
				return ps ? ST_ERR_PARSE : ST_ERR_REFUSED;
			break;
		case ST_OP_RELEASE:
			mask = s->controls ? s->controls : held;
			if (ps && !mask)
				return mp_perr(ps, s->line, "release with nothing pressed");
			if (ps && (mask & ~held))
				return mp_perr(ps, s->line, "release of a control that is not pressed");
			if (mp_check_release(hc, m, since, held, mask & held, now,
					  s->tolerance > 0 ? s->tolerance : m->tolerance, s->line))
				return ps ? mp_perr(ps, hc->line, "%s", hc->why) : ST_ERR_REFUSED;
			held &= ~mask;
			break;
		case ST_OP_TAP:
			if (ps && (held & s->controls))
				return mp_perr(ps, s->line, "tap of a control that is pressed");
			now += s->count * s->gap;
			break;
		case ST_OP_WAIT:
		case ST_OP_CHARGE:
			now += s->seconds;
			break;
		case ST_OP_EXPECT_LED:
		case ST_OP_EXPECT_CHIME:
		case ST_OP_EXPECT_PROMPT:
		case ST_OP_EXPECT_TONE:
			now += s->within;
			break;
		case ST_OP_SLIDE:
			break;
		}
	}
	if (ps && held) {
		char names[128];

		st_model_controls_str(m, held, names, sizeof(names));
		return mp_perr(ps, p->steps[p->nsteps - 1].line,
			    "procedure %s ends with %s still pressed (add 'release')",
			    st_reset_name(p->kind), names);
	}
	return ST_OK;
}

/* Every required keyword, a control and every procedure are there. */
static int mp_check_present(struct pstate *ps, int last_line)
{
	static const struct { int k; const char *kw; } required[] = {
		{ K_MODEL, "model" }, { K_KIND, "kind" }, { K_PORT, "port" },
		{ K_BATTERY, "battery-min" }, { K_TOLERANCE, "tolerance" },
		{ K_MAXHOLD, "max-hold" }, { K_PON, "power-on-hold" },
		{ K_POFF, "power-off-hold" }, { K_WEAR, "wear" },
	};

	if (ps->p)
		return mp_perr(ps, ps->p->line, "procedure %s has no 'end'",
			    st_reset_name(ps->p->kind));
	for (size_t i = 0; i < ST_ARRAY_SIZE(required); i++)
		if (!ps->seen[required[i].k])
			return mp_perr(ps, last_line, "no '%s' line", required[i].kw);
	if (!ps->m->ncontrols)
		return mp_perr(ps, last_line, "model has no controls");
	for (int k = 0; k < ST_RESET_COUNT; k++)
		if (!ps->proc_line[k])
			return mp_perr(ps, last_line,
				    "no procedure %s (write it, or 'absent \"why\"' inside it)",
				    st_reset_name((enum st_reset_kind)k));
	return ST_OK;
}

/* The defaults of the optional keywords, and the power controls (POWER
 * unless a 'power' line names them). */
static int mp_fill_defaults(struct pstate *ps)
{
	struct st_model *m = ps->m;

	if (!ps->seen[K_NAME])
		snprintf(m->name, sizeof(m->name), "Sony %s", m->id);
	if (!ps->seen[K_IDENTITY])
		st_strlcpy(m->identity, m->id, sizeof(m->identity));
	if (!ps->seen[K_FBATTERY])
		m->factory_battery_min = m->battery_min;
	if (!ps->seen[K_ANSWER])
		m->answer_within = ST_MODEL_ANSWER_WITHIN;
	if (!ps->seen[K_AFTERFB])
		m->after_feedback = ST_MODEL_AFTER_FEEDBACK;
	if (m->factory_battery_min < m->battery_min)
		return mp_perr(ps, ps->seen[K_FBATTERY],
			    "factory-battery-min %g is below battery-min %g",
			    m->factory_battery_min, m->battery_min);
	if (!ps->seen[K_POWER]) {
		int pw = st_model_control(m, "POWER");

		if (pw >= 0)
			m->power_controls = 1u << pw;
	} else if (ps->power[0]) {
		char msg[ST_ERRLEN];

		if (st_model_controls_parse(m, ps->power, &m->power_controls, msg) != ST_OK)
			return mp_perr(ps, ps->seen[K_POWER], "%s", msg);
	}
	return ST_OK;
}

/* max-hold stays below every one-control hazard, and the power holds
 * (holds too) break no rule. */
static int mp_check_power_holds(struct pstate *ps, struct hold_check *hc)
{
	struct st_model *m = ps->m;
	double since[ST_MAX_CONTROLS] = { 0 };
	const double holds[2] = { m->power_on_hold, m->power_off_hold };
	const int lines[2] = { ps->seen[K_PON], ps->seen[K_POFF] };
	int slide = 0;

	for (int h = 0; h < m->nhazards; h++)
		if (m->max_hold + EPS >= m->hazards[h].seconds &&
		    m->hazards[h].controls &&
		    !(m->hazards[h].controls & (m->hazards[h].controls - 1)))
			return mp_perr(ps, ps->seen[K_MAXHOLD],
				    "max-hold %g reaches the hazard on line %d (%g s)",
				    m->max_hold, m->hazards[h].line, m->hazards[h].seconds);
	if (!m->power_controls)
		return ST_OK;
	for (int i = 0; i < m->ncontrols; i++)
		if ((m->power_controls & (1u << i)) && m->controls[i].kind == ST_CTL_SLIDE)
			slide = 1;
	for (int j = 0; j < 2 && !slide; j++)
		if (holds[j] > 0 &&
		    mp_check_release(hc, m, since, m->power_controls, m->power_controls,
				     holds[j], m->tolerance, lines[j]))
			return mp_perr(ps, hc->line, "%s", hc->why);
	return ST_OK;
}

/* Procedure k's battery floor and step defaults (tolerance, power holds
 * by name), then its walk on the worst-case timeline. */
static int mp_finish_procedure(struct pstate *ps, struct hold_check *hc, int k)
{
	struct st_model *m = ps->m;
	struct st_procedure *p = &m->procs[k];

	if (!p->present)
		return ST_OK;
	if (p->battery_min < 0)
		p->battery_min = k == ST_RESET_FACTORY ? m->factory_battery_min
						       : m->battery_min;
	else if (p->battery_min < m->battery_min)
		return mp_perr(ps, ps->battery_line[k],
			    "procedure %s battery-min %g is below the model's %g",
			    st_reset_name(p->kind), p->battery_min, m->battery_min);
	for (int i = 0; i < p->nsteps; i++) {
		struct st_step *s = &p->steps[i];

		if (s->tolerance < 0)
			s->tolerance = m->tolerance;
		if (s->op != ST_OP_HOLD)
			continue;
		if (s->seconds == SEC_POWER_ON_HOLD)
			s->seconds = m->power_on_hold;
		else if (s->seconds == SEC_POWER_OFF_HOLD)
			s->seconds = m->power_off_hold;
		if (s->seconds <= 0)
			return mp_perr(ps, s->line, "hold of 0 s (the power hold is 0)");
	}
	if (mp_walk_procedure(ps, hc, m, p))
		return ST_ERR_PARSE;
	return ST_OK;
}

int mp_finish(struct pstate *ps, int last_line)
{
	struct hold_check hc = { .check = 1 };
	int rc;

	rc = mp_check_present(ps, last_line);
	if (!rc)
		rc = mp_fill_defaults(ps);
	if (!rc)
		rc = mp_check_power_holds(ps, &hc);
	for (int k = 0; !rc && k < ST_RESET_COUNT; k++)
		rc = mp_finish_procedure(ps, &hc, k);
	return rc;
}


double st_model_longest_hold(const struct st_model *m)
{
	struct hold_check hc = { .check = 0 };

	if (!m)
		return 0;
	for (int k = 0; k < ST_RESET_COUNT; k++)
		if (m->procs[k].present)
			mp_walk_procedure(NULL, &hc, m, &m->procs[k]);
	return hc.longest;
}

int st_model_check_holds(const struct st_model *m, const struct st_procedure *p, char *why,
			 size_t n)
{
	struct hold_check hc = { .check = 1 };
	int ret = mp_walk_procedure(NULL, &hc, m, p);

	if (ret)
		snprintf(why, n, "%s:%d: %s", m->path, hc.line, hc.why);
	return ret;
}
