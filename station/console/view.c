/*
 * view.c - the run screen's model, folded from sequencer events (view.h).
 * It keeps only what the screen shows; what counts as PASS or FAIL comes
 * from the events' verdicts, never from here.
 */
#include "console/view.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan/plan.h"

void view_reset(struct run_view *v, const struct st_plan *plan, const char *model,
		const char *serial, const char *operator_)
{
	memset(v, 0, sizeof(*v));
	v->cur = -1;
	st_strlcpy(v->model, model ? model : "", sizeof(v->model));
	st_strlcpy(v->serial, serial ? serial : "", sizeof(v->serial));
	st_strlcpy(v->operator_, operator_ ? operator_ : "", sizeof(v->operator_));
	if (!plan)
		return;
	st_strlcpy(v->plan, plan->name, sizeof(v->plan));
	for (int i = 0; i < plan->nsteps && v->nsteps < VIEW_MAX_STEPS; i++) {
		struct view_step *s = &v->steps[v->nsteps++];

		st_strlcpy(s->name, st_plan_op_name(plan->steps[i].op), sizeof(s->name));
		s->state = VS_PENDING;
		s->from_plan = 1;
	}
}

static enum view_state state_of(enum st_verdict vd)
{
	switch (vd) {
	case ST_PASS: return VS_PASS;
	case ST_FAIL: return VS_FAIL;
	case ST_ERROR: return VS_ERROR;
	case ST_ABORTED: return VS_ABORTED;
	default: return VS_SKIP;
	}
}

/* A started step takes the first pending placeholder whose name begins
 * its name ("ladder" for "ladder bluetooth"); ladder and verify steps are
 * inserted before their placeholder, which stays until the run ends. */
static void step_start(struct run_view *v, const char *name)
{
	int at = v->nsteps, take = 0;

	for (int i = 0; i < v->nsteps; i++) {
		const char *ph = v->steps[i].name;
		size_t n = strlen(ph);

		if (!v->steps[i].from_plan)
			continue;
		at = i;
		take = strcmp(ph, "ladder") && !strncmp(name, ph, n) && (!name[n] || name[n] == ' ');
		break;
	}
	if (!take) {
		if (v->nsteps == VIEW_MAX_STEPS)
			return;
		memmove(&v->steps[at + 1], &v->steps[at], (size_t)(v->nsteps - at) * sizeof(v->steps[0]));
		v->nsteps++;
	}
	memset(&v->steps[at], 0, sizeof(v->steps[0]));
	st_strlcpy(v->steps[at].name, name, sizeof(v->steps[at].name));
	v->steps[at].state = VS_RUNNING;
	v->cur = at;
	st_strlcpy(v->step_text, name, sizeof(v->step_text));
}

static void note(struct run_view *v, const char *text)
{
	if (v->nnotes == VIEW_MAX_NOTES) {
		memmove(v->notes[0], v->notes[1], sizeof(v->notes[0]) * (VIEW_MAX_NOTES - 1));
		v->nnotes--;
	}
	st_strlcpy(v->notes[v->nnotes++], text, sizeof(v->notes[0]));
}

/* "hold POWER+NC_AMBIENT 7.0 s", "power on: hold POWER 2.0 s": a timed
 * hold the countdown bar follows. */
static void action(struct run_view *v, const struct cons_event *e)
{
	const char *h = strstr(e->text, "hold ");
	char what[64];
	double len;

	const char *last;

	st_strlcpy(v->action, e->text, sizeof(v->action));
	v->holding = v->timed = 0;
	if (h && sscanf(h, "hold %63s %lf s", what, &len) == 2 && len > 0) {
		v->holding = 1;
		st_strlcpy(v->hold_what, what, sizeof(v->hold_what));
		v->hold_len = len;
		v->hold_wall = e->wall;
		return;
	}
	/* "wait 10.0 s", "watch the unit idle for 60 s", "charger on for 30 s" */
	last = strrchr(e->text, ' ');
	if (last && !strcmp(last, " s")) {
		const char *num = last;

		while (num > e->text && num[-1] != ' ')
			num--;
		if (sscanf(num, "%lf", &len) == 1 && len > 0) {
			v->timed = 1;
			v->hold_len = len;
			v->hold_wall = e->wall;
		}
	}
}

int view_parse_band(const char *name, const char *kind, char *ear, double *hz)
{
	char pre[64];
	int n = snprintf(pre, sizeof(pre), "anc.%s_db.", kind);
	char *end;

	if (strncmp(name, pre, (size_t)n) || !name[n] || name[n + 1] != '.')
		return 0;
	*ear = name[n];
	*hz = strtod(name + n + 2, &end);
	return !strcmp(end, "Hz") && *hz > 0;
}

double view_miss(const struct view_meas *m)
{
	double miss = 0;

	if (m->has_low && m->value < m->low)
		miss = m->low - m->value;
	if (m->has_high && m->value > m->high)
		miss = m->value - m->high;
	if (m->has_low && m->has_high && m->high > m->low)
		miss /= m->high - m->low;   /* relative to the window */
	else if (m->has_low && fabs(m->low) > 1e-9)
		miss /= fabs(m->low);
	else if (m->has_high && fabs(m->high) > 1e-9)
		miss /= fabs(m->high);
	return miss;
}

static void add_fail(struct run_view *v, const struct view_meas *m)
{
	int i;

	if (v->nfails == VIEW_MAX_FAILS && view_miss(m) <= view_miss(&v->fails[v->nfails - 1]))
		return;
	if (v->nfails < VIEW_MAX_FAILS)
		v->nfails++;
	for (i = v->nfails - 1; i > 0 && view_miss(&v->fails[i - 1]) < view_miss(m); i--)
		v->fails[i] = v->fails[i - 1];
	v->fails[i] = *m;
}

/* One measurement: its value; several: how many passed. */
static void short_detail(struct run_view *v, const struct view_meas *m)
{
	struct view_step *s;

	if (v->cur < 0)
		return;
	s = &v->steps[v->cur];
	s->nmeas++;
	s->npass += m->verdict == ST_PASS;
	if (s->nmeas == 1)
		snprintf(s->detail, sizeof(s->detail), "%.4g %s", m->value,
			 !strcmp(m->unit, "count") || !strcmp(m->unit, "bool") ? "" : m->unit);
	else
		snprintf(s->detail, sizeof(s->detail), "%d/%d pass", s->npass, s->nmeas);
}

static void measurement(struct run_view *v, const struct cons_event *e)
{
	struct view_meas m;
	char ear;
	double hz;
	int mic;
	char what[16];

	memset(&m, 0, sizeof(m));
	st_strlcpy(m.name, e->name, sizeof(m.name));
	m.value = e->value;
	st_strlcpy(m.unit, e->unit, sizeof(m.unit));
	m.has_low = e->has_low;
	m.has_high = e->has_high;
	m.low = e->low;
	m.high = e->high;
	m.verdict = e->verdict;
	m.marginal = e->marginal;
	v->meas_total++;
	if (v->nmeas == VIEW_MAX_MEAS) {
		memmove(&v->meas[0], &v->meas[1], sizeof(v->meas[0]) * (VIEW_MAX_MEAS - 1));
		v->nmeas--;
	}
	v->meas[v->nmeas++] = m;
	if (m.verdict == ST_FAIL)
		add_fail(v, &m);
	if (view_parse_band(m.name, "active", &ear, &hz) && ear == 'L' && v->nbands < VIEW_MAX_BANDS) {
		struct view_band *b = &v->bands[v->nbands++];

		b->hz = hz;
		b->db = m.value;
		b->mask = m.low;
		b->has_mask = m.has_low;
		b->verdict = m.verdict;
	} else if (sscanf(m.name, "mic.%d.%15s", &mic, what) == 2 && mic >= 1 && mic <= VIEW_MAX_MICS) {
		struct view_mic *mc = &v->mics[mic - 1];

		if (!strcmp(what, "delay_us")) {
			mc->delay = m;
			mc->have_delay = 1;
		} else if (!strcmp(what, "gain_db")) {
			mc->gain = m;
			mc->have_gain = 1;
		}
		if (mic > v->nmics)
			v->nmics = mic;
	}
	short_detail(v, &m);
}

static void step_end(struct run_view *v, const struct cons_event *e)
{
	if (v->cur >= 0)
		v->steps[v->cur].state = state_of(e->verdict);
	v->steps_run++;
	v->cur = -1;
	v->holding = v->timed = 0;
	v->action[0] = 0;
	if (e->text[0] && e->verdict != ST_PASS)
		note(v, e->text);
}

static void run_end(struct run_view *v, const struct cons_event *e)
{
	int w = 0;

	v->ended = 1;
	v->holding = v->timed = 0;
	v->asking = 0;
	v->verdict = e->verdict;
	st_strlcpy(v->disposition, e->disposition, sizeof(v->disposition));
	st_strlcpy(v->reason, e->reason, sizeof(v->reason));
	st_strlcpy(v->uuid, e->uuid, sizeof(v->uuid));
	/* placeholders never reached; a step cut short by the end */
	for (int i = 0; i < v->nsteps; i++) {
		if (v->steps[i].from_plan && !strcmp(v->steps[i].name, "ladder"))
			continue;
		if (v->steps[i].state == VS_RUNNING)
			v->steps[i].state = state_of(e->verdict == ST_PASS ? ST_ERROR : e->verdict);
		v->steps[w++] = v->steps[i];
	}
	v->nsteps = w;
	v->cur = -1;
}

void view_apply(struct run_view *v, const struct cons_event *e)
{
	if (e->t > v->t)
		v->t = e->t;
	switch (e->kind) {
	case ST_EV_RUN_START:
		v->started = 1;
		break;
	case ST_EV_STEP_START:
		step_start(v, e->step[0] ? e->step : e->text);
		v->led[0] = v->heard[0] = 0;
		break;
	case ST_EV_ACTION:
		action(v, e);
		break;
	case ST_EV_FEEDBACK:
		v->holding = 0;
		if (!strncmp(e->text, "LED ", 4))
			st_strlcpy(v->led, e->text + 4, sizeof(v->led));
		else
			st_strlcpy(v->heard, e->text, sizeof(v->heard));
		break;
	case ST_EV_MEASUREMENT:
		v->holding = v->timed = 0;
		measurement(v, e);
		break;
	case ST_EV_INFO:
	case ST_EV_REFUSED:
		if (e->question) {
			st_strlcpy(v->question, e->text, sizeof(v->question));
			v->asking = 1;
			break;
		}
		if (!strncmp(e->text, "operator answered", 17))
			v->asking = 0;
		if (!strncmp(e->text, "unit reports model", 18) && v->cur >= 0) {
			const char *fw = strstr(e->text, "firmware ");
			if (fw)
				snprintf(v->steps[v->cur].detail, sizeof(v->steps[0].detail), "fw %.16s", fw + 9);
		}
		note(v, e->text);
		break;
	case ST_EV_STEP_END:
		step_end(v, e);
		break;
	case ST_EV_RUN_END:
		run_end(v, e);
		break;
	}
}

double view_hold_elapsed(const struct run_view *v, double now, double scale)
{
	double t;

	if (!v->holding && !v->timed)
		return 0;
	t = (now - v->hold_wall) * (scale > 0 ? scale : 1.0);
	if (t < 0)
		t = 0;
	return t > v->hold_len ? v->hold_len : t;
}
