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
#include "store/store.h"

/* ------------------------------------------------------- step bookkeeping */

static void step_begin(struct seq *s, const char *name)
{
	st_strlcpy(s->step_name, name, sizeof(s->step_name));
	s->step_t0 = seq_now(s);
	s->step_verdict = ST_PASS;
	s->step_msg[0] = '\0';
	s->step_id = 0;
	if (s->cfg->store && s->run_id) {
		char e[ST_ERRLEN];
		/* stored now so measurements can refer to it; finished in step_end */
		if (st_store_step(s->cfg->store, s->run_id, s->step_idx, name, "step", "running",
				  s->step_t0, 0, "", &s->step_id, e) != ST_OK)
			s->step_id = 0;
	}
	seq_say(s, ST_EV_STEP_START, "%s", name);
}

static void step_end(struct seq *s, int fixable)
{
	struct st_event ev = { .kind = ST_EV_STEP_END, .verdict = s->step_verdict,
			       .text = s->step_msg };

	seq_emit(s, &ev);
	if (s->cfg->store && s->run_id) {
		char e[ST_ERRLEN];
		if (s->step_id)
			st_store_step_end(s->cfg->store, s->step_id, st_verdict_name(s->step_verdict),
					  seq_now(s) - s->step_t0, s->step_msg, e);
	}
	if (fixable && s->step_verdict == ST_FAIL)
		s->fixable_verdict = ST_FAIL;
	else
		s->verdict = st_verdict_worst(s->verdict, s->step_verdict);
	if (s->step_verdict == ST_ERROR || s->step_verdict == ST_ABORTED)
		s->stop = 1;
	s->res->steps_run++;
	s->step_idx++;
}

/* Run one action inside a step (reset / wait / charge). <0 station error. */
static int action(struct seq *s, const struct st_plan_action *a)
{
	int ret;

	switch (a->op) {
	case ST_PS_RESET:
		return seq_reset(s, (enum st_reset_kind)a->reset_kind);
	case ST_PS_WAIT:
		seq_say(s, ST_EV_ACTION, "wait %.0f s", a->seconds);
		return seq_pass_time(s, a->seconds) ? -1 : 1;
	case ST_PS_CHARGE:
		ret = seq_charge_for(s, a->seconds);
		return ret ? ret : 1;
	default:
		return 1;
	}
}


static void run_ladder(struct seq *s, const struct st_plan_step *ps)
{
	int rungs_run = 0, healthy;
	char name[96];

	healthy = !s->symptom_link && !s->hardware_fault;
	for (int r = 0; r < ps->nrungs && !s->stop; r++) {
		const struct st_plan_rung *rung = &ps->rungs[r];
		int any = 0, ret = 1;

		if (healthy && rungs_run >= ps->min_rungs)
			break;
		/* a rung whose resets the model lacks is skipped */
		for (int a = 0; a < rung->nacts; a++)
			if (rung->acts[a].op != ST_PS_RESET ||
			    st_model_proc(s->m, (enum st_reset_kind)rung->acts[a].reset_kind))
				any |= rung->acts[a].op == ST_PS_RESET || rung->nacts == 1;
		if (!any) {
			seq_say(s, ST_EV_INFO, "ladder rung %s skipped: %s has no such procedure", rung->name,
			    s->m->id);
			continue;
		}
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
		if (s->step_verdict == ST_ABORTED || s->stop) {
			step_end(s, 0);
			return;
		}
		if (s->step_verdict == ST_FAIL) {
			/* the unit failed a reset (no feedback, red LED): that is
			 * the finding, not something the next rung fixes */
			step_end(s, 0);
			s->stop = 1;
			return;
		}
		step_end(s, 0);
		rungs_run++;
		snprintf(name, sizeof(name), "verify after %s", rung->name);
		step_begin(s, name);
		ret = seq_verify(s);
		if (ret < 0)
			seq_handle_error(s, ret, name);
		healthy = ret > 0 && s->step_verdict == ST_PASS;
		step_end(s, !healthy && !s->hardware_fault && !s->stop);
		if (s->stop)
			return;
		if (healthy) {
			if (s->fixable_verdict == ST_FAIL) {
				s->fixed = 1;
				snprintf(s->res->disposition, sizeof(s->res->disposition), "fixed-by-%s",
					 rung->name);
				snprintf(s->res->reason, sizeof(s->res->reason),
					 "Bluetooth link restored by the %s rung", rung->name);
				seq_say(s, ST_EV_INFO, "unit verifies after the %s rung", rung->name);
			}
			return;
		}
	}
	if (!healthy && !s->stop) {
		seq_finding(s, ST_FAIL, "service-centre",
			"not fixed by any reset: the Bluetooth link test still fails after every rung");
		s->verdict = st_verdict_worst(s->verdict, ST_FAIL);
	}
}

/* ------------------------------------------------------------------- run */

int st_seq_run(const struct st_seq_config *cfg, struct st_seq_result *res, char *err)
{
	struct seq *s;
	struct st_limits *fw_limits = NULL;
	struct st_run_info ri;
	char e[ST_ERRLEN];
	int ret = ST_OK;

	if (!cfg || !cfg->model || !cfg->plan || !cfg->fx || !res)
		return st_fail(err, ST_ERR_ARG, "sequencer: model, plan, fixture and result are required");
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
	s->t0 = st_fixture_now(cfg->fx);
	s->step_idx = 0;
	st_uuid4(res->uuid);

	if (cfg->store) {
		memset(&ri, 0, sizeof(ri));
		st_strlcpy(ri.uuid, res->uuid, sizeof(ri.uuid));
		st_strlcpy(ri.serial, cfg->serial ? cfg->serial : "", sizeof(ri.serial));
		st_strlcpy(ri.model, s->m->id, sizeof(ri.model));
		st_strlcpy(ri.plan, cfg->plan->name, sizeof(ri.plan));
		if (cfg->limits) {
			st_strlcpy(ri.limits_path, st_limits_path(cfg->limits), sizeof(ri.limits_path));
			st_strlcpy(ri.limits_hash, st_limits_hash(cfg->limits), sizeof(ri.limits_hash));
		}
		st_strlcpy(ri.station, cfg->station ? cfg->station : "", sizeof(ri.station));
		st_strlcpy(ri.operator_, cfg->operator_ ? cfg->operator_ : "", sizeof(ri.operator_));
		st_strlcpy(ri.fixture, cfg->fx->desc, sizeof(ri.fixture));
		ret = st_store_run_begin(cfg->store, &ri, err);
		if (ret) {
			free(s);
			return ret;
		}
		s->run_id = ri.id;
	}
	seq_say(s, ST_EV_RUN_START, "%s plan on %s serial %s (%s)", cfg->plan->name, s->m->id,
	    cfg->serial ? cfg->serial : "?", cfg->fx->desc);

	for (int i = 0; i < cfg->plan->nsteps && !s->stop; i++) {
		const struct st_plan_step *ps = &cfg->plan->steps[i];
		char name[64];
		int r = 1;

		if (seq_aborted(s))
			break;
		if (ps->op == ST_PS_LADDER) {
			if (s->hardware_fault)
				break;
			run_ladder(s, ps);
			continue;
		}
		if (ps->op == ST_PS_RESET)
			snprintf(name, sizeof(name), "reset %s", st_reset_name((enum st_reset_kind)ps->reset_kind));
		else
			snprintf(name, sizeof(name), "%s", st_plan_op_name(ps->op));
		step_begin(s, name);
		switch (ps->op) {
		case ST_PS_IDENTIFY:
			r = seq_step_identify(s);
			break;
		case ST_PS_BATTERY:
			r = seq_step_battery(s);
			break;
		case ST_PS_CONTROLS:
			r = seq_step_controls(s);
			break;
		case ST_PS_HEALTH:
			r = seq_step_health(s, ps->seconds);
			break;
		case ST_PS_RESET:
			if (!st_model_proc(s->m, (enum st_reset_kind)ps->reset_kind)) {
				s->step_verdict = ST_SKIP;
				snprintf(s->step_msg, sizeof(s->step_msg), "%s has no %s reset: %s", s->m->id,
					 st_reset_name((enum st_reset_kind)ps->reset_kind),
					 s->m->procs[ps->reset_kind].absent_reason[0]
						 ? s->m->procs[ps->reset_kind].absent_reason
						 : "the seeds give none");
				break;
			}
			r = seq_reset(s, (enum st_reset_kind)ps->reset_kind);
			if (r == 0 && s->step_verdict == ST_PASS)
				s->step_verdict = ST_FAIL;
			break;
		case ST_PS_VERIFY:
			r = seq_verify(s);
			if (r == 0 && s->step_verdict == ST_PASS)
				s->step_verdict = ST_FAIL;
			break;
		case ST_PS_WAIT:
		case ST_PS_CHARGE: {
			struct st_plan_action a = { .op = ps->op, .seconds = ps->seconds };
			r = action(s, &a);
			break;
		}
		case ST_PS_ANC:
			r = seq_step_anc(s);
			break;
		case ST_PS_MICS:
			r = seq_step_mics(s);
			break;
		case ST_PS_RAMP:
			r = seq_step_ramp(s);
			break;
		case ST_PS_ASSISTANT:
			r = seq_step_assistant(s);
			break;
		default:
			break;
		}
		if (r < 0)
			seq_handle_error(s, r, name);
		if (s->step_verdict == ST_FAIL && !ps->keep_going && ps->op != ST_PS_HEALTH)
			s->stop = 1;
		step_end(s, ps->op == ST_PS_HEALTH && !s->hardware_fault);
	}

	/* every exit path: nothing stays pressed */
	e[0] = '\0';
	if (st_fixture_release_all(cfg->fx, e) != ST_OK && s->verdict < ST_ERROR) {
		st_strlcpy(s->err, e, sizeof(s->err));
		seq_station_fault(s, ST_ERR_IO, "releasing all controls");
		s->verdict = ST_ERROR;
	}
	st_fixture_charge(cfg->fx, 0, e);

	if (s->cfg->abort_flag && *s->cfg->abort_flag) {
		s->verdict = st_verdict_worst(s->verdict, ST_ABORTED);
		if (!s->have_finding) {
			st_strlcpy(s->first.reason, "operator abort: run stopped, all controls released",
				   sizeof(s->first.reason));
			st_strlcpy(s->first.disposition, "retest", sizeof(s->first.disposition));
			s->have_finding = 1;
		}
	}
	if (s->fixable_verdict == ST_FAIL && !s->fixed)
		s->verdict = st_verdict_worst(s->verdict, ST_FAIL);
	res->verdict = s->verdict == ST_SKIP ? ST_PASS : s->verdict;
	if (res->verdict == ST_PASS) {
		if (!res->disposition[0])
			st_strlcpy(res->disposition, cfg->plan->pass_disposition, sizeof(res->disposition));
	} else if (s->have_finding) {
		st_strlcpy(res->disposition, s->first.disposition, sizeof(res->disposition));
		st_strlcpy(res->reason, s->first.reason, sizeof(res->reason));
	}
	{
		struct st_event ev = { .kind = ST_EV_RUN_END, .verdict = res->verdict,
				       .disposition = res->disposition, .reason = res->reason,
				       .uuid = res->uuid, .text = res->reason };
		seq_emit(s, &ev);
	}
	if (cfg->store && s->run_id) {
		if (st_store_run_end(cfg->store, s->run_id, st_verdict_name(res->verdict),
				     res->disposition, res->reason, e) != ST_OK) {
			st_strlcpy(err, e, ST_ERRLEN);
			ret = ST_ERR_DB;
		}
	}
	st_limits_free(fw_limits);
	free(s);
	return ret;
}
