/*
 * run.c - a run: the store row, step bookkeeping (begin, end, verdicts),
 * the repair ladder with its verify after each rung, and st_seq_run, which
 * releases every actuator on every path before it returns.
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "limits/limits.h"

/* ------------------------------------------------------- step bookkeeping */

static void step_begin(struct seq *s, const char *name)
{
	st_strlcpy(s->step_name, name, sizeof(s->step_name));
	s->step_t0 = seq_now(s);
	s->step_verdict = ST_PASS;
	s->step_msg[0] = '\0';
	s->step_id = 0;
	seq_say(s, ST_EV_STEP_START, "%s", name);
}

static void step_end(struct seq *s, int fixable)
{
	struct st_event ev = { .kind = ST_EV_STEP_END, .verdict = s->step_verdict,
			       .text = s->step_msg };

	seq_emit(s, &ev); /* a store failure there makes the step ERROR */
	if (fixable && s->step_verdict == ST_FAIL)
		s->fixable_verdict = ST_FAIL;
	else
		s->verdict = st_verdict_worst(s->verdict, s->step_verdict);
	if (s->step_verdict == ST_ERROR || s->step_verdict == ST_ABORTED)
		s->stop = 1;
	s->res->steps_run++;
	s->step_idx++;
}

/* Run one action inside a rung: a reset, or a wait or charge through the
 * step table.  1 done, 0 not, <0 station error. */
static int action(struct seq *s, const struct st_plan_action *a)
{
	struct st_plan_step st = { .op = a->op, .reset_kind = a->reset_kind, .seconds = a->seconds };

	if (a->op == ST_PS_RESET)
		return seq_reset(s, (enum st_reset_kind)a->reset_kind);
	return seq_step_run(s, &st);
}


/* 1 when the model has a procedure for what the rung does (a rung whose
 * resets the model lacks is skipped). */
static int rung_applies(const struct seq *s, const struct st_plan_rung *rung)
{
	int any = 0;

	for (int a = 0; a < rung->nacts; a++)
		if (rung->acts[a].op != ST_PS_RESET ||
		    st_model_proc(s->m, (enum st_reset_kind)rung->acts[a].reset_kind))
			any |= rung->acts[a].op == ST_PS_RESET || rung->nacts == 1;
	return any;
}

/* The rung's actions as one step.  1 go on and verify, 0 the ladder ends. */
static int rung_actions(struct seq *s, const struct st_plan_rung *rung)
{
	char name[96];
	int ret = 1, go_on;

	snprintf(name, sizeof(name), "ladder %s", rung->name);
	step_begin(s, name);
	for (int a = 0; a < rung->nacts && ret > 0; a++) {
		if (rung->acts[a].op == ST_PS_RESET &&
		    !st_model_proc(s->m, (enum st_reset_kind)rung->acts[a].reset_kind))
			continue;
		ret = action(s, &rung->acts[a]);
	}
	if (ret < 0)
		seq_handle_error(s, ret, name);
	/* a unit that failed a reset (no feedback, red LED): that is the
	 * finding, not something the next rung fixes */
	if (s->step_verdict == ST_FAIL)
		s->stop = 1;
	go_on = !s->stop && s->step_verdict != ST_ABORTED;
	step_end(s, 0);
	return go_on;
}

/* Verify the unit after a rung.  1 healthy, 0 not yet, -1 the ladder ends. */
static int rung_verify(struct seq *s, const struct st_plan_rung *rung)
{
	char name[96];
	int ret, healthy;

	snprintf(name, sizeof(name), "verify after %s", rung->name);
	step_begin(s, name);
	ret = seq_verify_protocol(s, 0);
	if (ret < 0)
		seq_handle_error(s, ret, name);
	healthy = ret > 0 && s->step_verdict == ST_PASS && !s->symptom_link && !s->symptom_mics;
	step_end(s, !healthy && !s->hardware_fault && !s->stop);
	if (s->stop)
		return -1;
	if (healthy && s->fixable_verdict == ST_FAIL) {
		s->fixed = 1;
		snprintf(s->res->disposition, sizeof(s->res->disposition), "%s%s",
			 st_disposition(ST_DISP_FIXED)->name, rung->name);
		snprintf(s->res->reason, sizeof(s->res->reason), "%s restored by the %s rung",
			 s->mic_symptom[0] ? "microphone alignment" : "Bluetooth link", rung->name);
		seq_say(s, ST_EV_INFO, "unit verifies after the %s rung", rung->name);
	}
	return healthy;
}

/* The repair ladder: rungs until the unit verifies (at least min_rungs). */
static void run_ladder(struct seq *s, const struct st_plan_step *ps)
{
	int rungs_run = 0, healthy = !s->symptom_link && !s->symptom_mics && !s->hardware_fault;

	for (int r = 0; r < ps->nrungs && !s->stop; r++) {
		const struct st_plan_rung *rung = &ps->rungs[r];

		if (healthy && rungs_run >= ps->min_rungs)
			break;
		if (!rung_applies(s, rung)) {
			seq_say(s, ST_EV_INFO, "ladder rung %s skipped: %s has no such procedure",
				rung->name, s->m->id);
			continue;
		}
		if (!rung_actions(s, rung))
			return;
		rungs_run++;
		healthy = rung_verify(s, rung);
		if (healthy != 0)
			return;
	}
	if (!healthy && !s->stop && s->symptom_mics) {
		seq_symptom_persists(s);
		s->verdict = st_verdict_worst(s->verdict, ST_FAIL);
	} else if (!healthy && !s->stop) {
		seq_finding(s, ST_FAIL, ST_DISP_NOT_FIXED,
			    "not fixed by any reset: the Bluetooth link test still fails after every rung");
		s->verdict = st_verdict_worst(s->verdict, ST_FAIL);
	}
}

/* ------------------------------------------------------------------- run */


/* The step's name in events and the store. */
static void step_name(const struct st_plan_step *ps, char *name, size_t n)
{
	if (ps->op == ST_PS_RESET)
		snprintf(name, n, "reset %s", st_reset_name((enum st_reset_kind)ps->reset_kind));
	else
		snprintf(name, n, "%s", st_plan_op_name(ps->op));
}


/* One step of the plan, from its start event to its end. */
static void run_step(struct seq *s, const struct st_plan_step *ps)
{
	char name[64];
	int r;
	const struct st_step_kind *k = st_seq_step((int)ps->op);
	int fixable = k && k->fixable;

	step_name(ps, name, sizeof(name));
	step_begin(s, name);
	r = seq_step_run(s, ps);
	if (r < 0)
		seq_handle_error(s, r, name);
	/* the table's fixable steps (health), and the microphones while their
	 * misalignment is a symptom the resets may cure (seed 000) */
	fixable = (fixable || (ps->op == ST_PS_MICS && s->symptom_mics)) && !s->hardware_fault;
	if (s->step_verdict == ST_FAIL && !ps->keep_going && !fixable)
		s->stop = 1;
	step_end(s, fixable);
}

/* Every exit path: nothing stays pressed, the charger is off. */
static void release_everything(struct seq *s)
{
	char e[ST_ERRLEN] = "";

	if (st_fixture_release_all(s->fx, e) != ST_OK && s->verdict < ST_ERROR) {
		st_strlcpy(s->err, e, sizeof(s->err));
		seq_station_fault(s, ST_ERR_IO, "releasing all controls");
		s->verdict = ST_ERROR;
	}
	st_fixture_charge(s->fx, 0, e);
}

/* The run's verdict, disposition and reason from what its steps found. */
static void conclude(struct seq *s)
{
	struct st_seq_result *res = s->res;

	if (s->cfg->abort_flag && *s->cfg->abort_flag) {
		s->verdict = st_verdict_worst(s->verdict, ST_ABORTED);
		if (!s->have_finding) {
			st_strlcpy(s->first.reason, "operator abort: run stopped, all controls released",
				   sizeof(s->first.reason));
			st_strlcpy(s->first.disposition, st_disposition(ST_DISP_ABORT)->name,
				   sizeof(s->first.disposition));
			s->have_finding = 1;
		}
	}
	if (s->fixable_verdict == ST_FAIL && !s->fixed) {
		s->verdict = st_verdict_worst(s->verdict, ST_FAIL);
		if (s->symptom_mics && !s->have_finding)
			seq_symptom_persists(s);
	}
	res->verdict = s->verdict == ST_SKIP ? ST_PASS : s->verdict;
	res->bench_s = st_fixture_now(s->fx) - s->t0;
	res->mandated_s = s->mandated;
	if (res->verdict == ST_PASS) {
		if (!res->disposition[0])
			st_strlcpy(res->disposition, s->cfg->plan->pass_disposition,
				   sizeof(res->disposition));
	} else if (s->have_finding) {
		st_strlcpy(res->disposition, s->first.disposition, sizeof(res->disposition));
		st_strlcpy(res->reason, s->first.reason, sizeof(res->reason));
	}
}

/* Tell the listeners and the store how the run ended.  ST_ERR_DB when
 * the store failed at any time: the run was not stored. */
static int run_end(struct seq *s, char *err)
{
	struct st_seq_result *res = s->res;
	struct st_event ev = { .kind = ST_EV_RUN_END, .verdict = res->verdict,
			       .disposition = res->disposition, .reason = res->reason,
			       .uuid = res->uuid, .text = res->reason };

	seq_emit(s, &ev);
	if (s->store_err[0])
		return st_fail(err, ST_ERR_DB, "%s (the run was not stored)", s->store_err);
	return ST_OK;
}

/* A plan whose own purpose is a reset the model lacks (a `step reset
 * KIND` that stops the run on failure, outside a ladder) is refused before
 * it starts; nightly-style `on-fail continue` resets are skipped instead. */
static int plan_fits_model(const struct st_plan *p, const struct st_model *m, char *err)
{
	for (int i = 0; i < p->nsteps; i++) {
		const struct st_plan_step *ps = &p->steps[i];
		enum st_reset_kind k = (enum st_reset_kind)ps->reset_kind;

		if (ps->op != ST_PS_RESET || ps->keep_going || st_model_proc(m, k))
			continue;
		return st_fail(err, ST_ERR_ARG, "plan %s needs a %s reset and %s has none: %s",
			       p->name, st_reset_name(k), m->id,
			       m->procs[k].absent_reason[0] ? m->procs[k].absent_reason
							    : "the seeds give none");
	}
	return ST_OK;
}

/* A model without a limit file of its own is judged by defaults.lim:
 * said in the run, never silently. */
static void say_default_limits(struct seq *s)
{
	const char *path = s->lim ? st_limits_path(s->lim) : NULL;
	const char *base = path ? strrchr(path, '/') : NULL;

	base = base ? base + 1 : path;
	if (base && !strcmp(base, "defaults.lim"))
		seq_say(s, ST_EV_INFO, "%s has no limit file of its own in limits/: judged by %s",
			s->m->id, path);
}

int st_seq_run(const struct st_seq_config *cfg, struct st_seq_result *res, char *err)
{
	struct seq *s;
	struct st_limits *fw_limits = NULL;
	int ret;

	if (!cfg || !cfg->model || !cfg->plan || !cfg->fx || !res)
		return st_fail(err, ST_ERR_ARG, "sequencer: model, plan, fixture and result are required");
	if (plan_fits_model(cfg->plan, cfg->model, err) != ST_OK)
		return ST_ERR_ARG;
	s = calloc(1, sizeof(*s));
	if (!s)
		return st_fail(err, ST_ERR_MEM, "sequencer: out of memory");
	memset(res, 0, sizeof(*res));
	s->cfg = cfg;
	s->lim = cfg->limits;
	s->fw_limits = &fw_limits;
	s->m = cfg->model;
	s->fx = cfg->fx;
	s->res = res;
	s->battery = -1;
	s->factory_done_at = -1;
	s->t0 = st_fixture_now(cfg->fx);
	st_uuid4(res->uuid);
	seq_say(s, ST_EV_RUN_START, "%s plan on %s serial %s (%s)", cfg->plan->name, s->m->id,
		cfg->serial ? cfg->serial : "?", cfg->fx->desc);
	if (s->store_err[0]) {
		ret = st_fail(err, ST_ERR_DB, "%s", s->store_err);
		goto out_free;
	}
	say_default_limits(s);
	for (int i = 0; i < cfg->plan->nsteps && !s->stop && !seq_aborted(s); i++) {
		const struct st_plan_step *ps = &cfg->plan->steps[i];

		if (ps->op != ST_PS_LADDER)
			run_step(s, ps);
		else if (s->hardware_fault)
			break;
		else
			run_ladder(s, ps);
	}
	release_everything(s);
	conclude(s);
	ret = run_end(s, err);
out_free:
	st_limits_free(fw_limits);
	free(s);
	return ret;
}
