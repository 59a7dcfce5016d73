/*
 * events.c - what the sequencer tells its listeners: every event goes out
 * through seq_emit (to the front end's callback and to the store), findings
 * keep the first reason and disposition of a run, station faults become
 * ERROR and an operator abort ABORTED.
 */
#include "internal.h"

#include <stdio.h>
#include <string.h>


static const char *const ev_names[] = {
	[ST_EV_RUN_START] = "run-start", [ST_EV_STEP_START] = "step-start",
	[ST_EV_ACTION] = "action", [ST_EV_FEEDBACK] = "feedback",
	[ST_EV_MEASUREMENT] = "measurement", [ST_EV_INFO] = "info",
	[ST_EV_REFUSED] = "refused", [ST_EV_STEP_END] = "step-end",
	[ST_EV_RUN_END] = "run-end",
};

const char *st_ev_kind_name(enum st_ev_kind k)
{
	return (unsigned)k < ST_ARRAY_SIZE(ev_names) ? ev_names[k] : "?";
}

double seq_now(struct seq *s)
{
	return st_fixture_now(s->fx) - s->t0;
}

void seq_emit(struct seq *s, struct st_event *ev)
{
	ev->t = seq_now(s);
	if (ev->kind != ST_EV_RUN_START && ev->kind != ST_EV_RUN_END) {
		ev->step_idx = s->step_idx;
		ev->step = s->step_name;
	} else {
		ev->step_idx = -1;
		ev->step = "";
	}
	/* the store first: a run that cannot be stored does not start, and a
	 * write that fails makes the event's step ERROR before anyone hears it */
	if (seq_persist(s, ev) != ST_OK && ev->kind == ST_EV_RUN_START)
		return;
	if (s->cfg->on_event)
		s->cfg->on_event(ev, s->cfg->ctx);
}

void seq_say(struct seq *s, enum st_ev_kind kind, const char *fmt, ...)
{
	char text[512];
	struct st_event ev = { .kind = kind, .text = text };
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	seq_emit(s, &ev);
}

/* Record what the unit did wrong, once per run (the first finding is the
 * one the technician reads first), and mark the step.  The disposition's
 * seed rule, if it has one, follows the text in brackets. */
void seq_finding(struct seq *s, enum st_verdict v, enum st_disp disp, const char *fmt, ...)
{
	const struct st_disposition *d = st_disposition(disp);
	char text[256];
	size_t n;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	n = strlen(text);
	if (d->quote)
		snprintf(text + n, sizeof(text) - n, " (%s)", d->quote);
	s->step_verdict = st_verdict_worst(s->step_verdict, v);
	if (!s->step_msg[0])
		st_strlcpy(s->step_msg, text, sizeof(s->step_msg));
	int severe = v == ST_ERROR || v == ST_ABORTED;

	if (!s->have_finding || severe) {
		if (!s->have_finding || s->first.reason[0] == '\0' || severe) {
			st_strlcpy(s->first.reason, text, sizeof(s->first.reason));
			st_strlcpy(s->first.disposition, d->name, sizeof(s->first.disposition));
		}
		s->have_finding = 1;
	}
	seq_say(s, v == ST_ABORTED ? ST_EV_REFUSED : ST_EV_INFO, "%s: %s", st_verdict_name(v), text);
}

/* A fault of the bench: ERROR, never the unit's fault. */
void seq_station_fault(struct seq *s, int ret, const char *what)
{
	seq_finding(s, ST_ERROR, ST_DISP_STATION_FAULT, "station fault while %s: %s (%s)", what,
		s->err[0] ? s->err : st_strret(ret), st_strret(ret));
	s->stop = 1;
}

int seq_aborted(struct seq *s)
{
	if (s->cfg->abort_flag && *s->cfg->abort_flag) {
		if (s->step_verdict != ST_ABORTED)
			seq_finding(s, ST_ABORTED, ST_DISP_ABORT, "operator abort: run stopped, all controls released");
		s->stop = 1;
		return 1;
	}
	return 0;
}

void seq_handle_error(struct seq *s, int ret, const char *what)
{
	if (ret == ST_ERR_ABORT) {
		seq_aborted(s);
		return;
	}
	seq_station_fault(s, ret, what);
}

/* A step that cannot run on this bench: SKIP, with why.  Returns 1. */
int seq_skip(struct seq *s, const char *why)
{
	s->step_verdict = ST_SKIP;
	st_strlcpy(s->step_msg, why, sizeof(s->step_msg));
	return 1;
}
