/*
 * persist.c - the store as a listener of the sequencer's events: every
 * write of a run to its database happens here, in event order, before the
 * front end hears the event (the run row at RUN_START, step rows at
 * STEP_START / STEP_END, measurements, the firmware and raw captures named
 * on INFO events, every other event's text, the outcome at RUN_END).
 *
 * A write that fails ends the run at once as ERROR naming the store and
 * its message; nothing more is written, and st_seq_run returns ST_ERR_DB,
 * so a run is never reported as stored when it was not.
 */
#include "internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "limits/limits.h"
#include "store/store.h"

/* The run's row, opened at RUN_START. */
static int run_begin(struct seq *s, char *e)
{
	const struct st_seq_config *cfg = s->cfg;
	struct st_run_info ri;
	int ret;

	memset(&ri, 0, sizeof(ri));
	st_strlcpy(ri.uuid, s->res->uuid, sizeof(ri.uuid));
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
	ret = st_store_run_begin(cfg->store, &ri, e);
	if (ret == ST_OK)
		s->run_id = ri.id;
	return ret;
}

/* An INFO event may name the firmware or a raw capture besides its text. */
static int info_extras(struct seq *s, const struct st_event *ev, char *e)
{
	struct st_store *db = s->cfg->store;
	int ret = ST_OK;

	if (ev->firmware)
		ret = st_store_run_update_firmware(db, s->run_id, ev->firmware, e);
	if (!ret && ev->artifact)
		ret = st_store_artifact(db, s->run_id, s->step_id, ev->artifact, ev->path,
					ev->sha256, e);
	return ret;
}

/* Write what the event says.  ST_OK or the store's error (e says it). */
static int write_event(struct seq *s, const struct st_event *ev, char *e)
{
	struct st_store *db = s->cfg->store;
	int ret;

	switch (ev->kind) {
	case ST_EV_RUN_START:
		ret = run_begin(s, e);
		break;
	case ST_EV_STEP_START:
		/* stored now so measurements can refer to it; finished at
		 * STEP_END; idx is the 1-based step number people read
		 * (docs/store.md) */
		ret = st_store_step(db, s->run_id, s->step_idx + 1, s->step_name, "step", "running",
				    s->step_t0, 0, "", &s->step_id, e);
		break;
	case ST_EV_MEASUREMENT:
		return st_store_measurement_m(db, s->run_id, s->step_id, ev->name, ev->value,
					      ev->unit ? ev->unit : "", ev->has_low ? ev->low : NAN,
					      ev->has_high ? ev->high : NAN,
					      st_verdict_name(ev->verdict), ev->marginal, e);
	case ST_EV_STEP_END:
		return st_store_step_end(db, s->step_id, st_verdict_name(ev->verdict),
					 ev->t - s->step_t0, ev->text ? ev->text : "", e);
	case ST_EV_RUN_END:
		return st_store_run_end(db, s->run_id, st_verdict_name(ev->verdict),
					ev->disposition, ev->reason, e);
	default:
		ret = ev->kind == ST_EV_INFO ? info_extras(s, ev, e) : ST_OK;
		break;
	}
	if (!ret && ev->text)
		ret = st_store_event(db, s->run_id, ev->t, st_ev_kind_name(ev->kind), ev->text, e);
	return ret;
}

/* The store failed: the run ends ERROR now, naming the store. */
static void store_failed(struct seq *s, struct st_event *ev, const char *e)
{
	snprintf(s->store_err, sizeof(s->store_err), "the run's store %s failed: %s",
		 st_store_path(s->cfg->store), e);
	if (ev->kind == ST_EV_RUN_START)
		return; /* the run does not start */
	if (ev->kind == ST_EV_RUN_END) {
		/* the outcome itself was not written */
		s->res->verdict = ST_ERROR;
		st_strlcpy(s->res->disposition, st_disposition(ST_DISP_STATION_FAULT)->name,
			   sizeof(s->res->disposition));
		st_strlcpy(s->res->reason, s->store_err, sizeof(s->res->reason));
		ev->verdict = ST_ERROR;
		return;
	}
	st_strlcpy(s->err, s->store_err, sizeof(s->err));
	seq_station_fault(s, ST_ERR_DB, "storing the run");
	if (ev->kind == ST_EV_STEP_END)
		ev->verdict = s->step_verdict;
}

int seq_persist(struct seq *s, struct st_event *ev)
{
	char e[ST_ERRLEN] = "";

	if (!s->cfg->store || s->store_err[0])
		return ST_OK;
	if (!s->run_id && ev->kind != ST_EV_RUN_START)
		return ST_OK;
	if (write_event(s, ev, e) == ST_OK)
		return ST_OK;
	store_failed(s, ev, e[0] ? e : "write failed");
	return ST_ERR_DB;
}
