/*
 * triage.c - the batch walk of RMA triage (triage.h): one bench session,
 * unit after unit.  Per unit: the placement and serial prompts (assumed
 * with confirm_yes), the unit's own serial read from its test UART and
 * compared with the row, the plan from the symptom table run through the
 * session (the plans' reset ladders re-verify after every rung), and the
 * disposition recorded.  Every step is committed to the store first, so a
 * batch killed anywhere resumes without testing a finished unit again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench.h"
#include "fixture/fixture.h"
#include "model/model.h"
#include "triage/triage.h"

/* What one batch walk holds. */
struct walk {
	const struct st_triage_opts *o;
	struct st_bench *b;             /* the bench session */
	struct st_store *s;             /* its store */
	struct st_symptoms sym;         /* the symptom table */
	struct st_batch_info bi;
	struct st_batch_unit *units;    /* file order */
	int n, cap;
	int simulated;                  /* the simulated bench (faults allowed) */
	int human;                      /* the current unit needed a person */
	int stopped;                    /* the operator stopped the batch */
};

enum { UNIT_NEXT = 0, UNIT_STOP = 1 };  /* unit_walk() results besides errors */

static void progress(struct walk *w, const struct st_batch_unit *u, const char *what, const char *text)
{
	if (w->o->on_unit)
		w->o->on_unit(u, what, text, w->o->ctx);
}

/* The run's events go on to the front end (the walk is the run's ctx). */
static void event_bridge(const struct st_event *ev, void *ctx)
{
	struct walk *w = ctx;

	if (w->o->on_event)
		w->o->on_event(ev, w->o->ctx);
}

/* Mid-run operator questions (a bench without sensors): a person answers. */
static int confirm_bridge(const char *question, void *ctx)
{
	struct walk *w = ctx;
	char answer[16] = "";

	w->human = 1;
	if (!w->o->ask || w->o->ask("confirm", question, answer, sizeof(answer), w->o->ctx) < 0)
		return -1;
	return answer[0] == 'y' || answer[0] == 'Y';
}

static int bench_open(struct walk *w, char *err)
{
	struct st_bench_opts bo;
	int ret;

	st_bench_opts_init(&bo);
	bo.data_dir = w->o->data_dir;
	bo.db = w->o->db;
	bo.fixture = w->o->fixture;
	w->simulated = !w->o->fixture || !strcmp(w->o->fixture, "sim");
	bo.operator_ = w->o->operator_;
	bo.station = w->o->station;
	bo.confirm = w->o->confirm_yes ? ST_BENCH_CONFIRM_YES
		     : w->o->ask	   ? ST_BENCH_CONFIRM_ASK
					   : ST_BENCH_CONFIRM_NONE;
	bo.confirm_fn = confirm_bridge;
	ret = st_bench_open(&w->b, &bo, err);
	if (!ret)
		ret = st_bench_signals_install(w->b, err);
	if (!ret) {
		w->s = st_bench_store(w->b);
		if (!w->s)
			ret = st_fail(err, ST_ERR_ARG, "batch triage needs a result database");
	}
	if (!ret && !w->sym.n)
		ret = st_symptoms_load(w->o->data_dir, &w->sym, err);
	return ret;
}

static void walk_close(struct walk *w)
{
	st_bench_close(w->b);
	st_symptoms_free(&w->sym);
	free(w->units);
}

/* Faults of a row for the simulated bench, and the serial of the unit
 * actually placed (placed=SERIAL, else the row's). */
static void row_sim(const struct st_batch_unit *u, char buf[256], struct st_bench_sim *sim,
		    const char **placed)
{
	char *save = NULL, *t;

	memset(sim, 0, sizeof(*sim));
	sim->battery = -1;
	*placed = u->serial;
	st_strlcpy(buf, u->faults, 256);
	for (t = strtok_r(buf, "; \t", &save); t; t = strtok_r(NULL, "; \t", &save)) {
		if (!strncmp(t, "placed=", 7))
			*placed = t + 7;
		else if (sim->nfaults < ST_BENCH_MAX_FAULTS)
			sim->faults[sim->nfaults++] = t;
	}
}

/* Point the session at a row's model and simulated unit.  The simulated
 * unit is cleared first: the last row's faults may not fit this model. */
static int bench_for(struct walk *w, const struct st_batch_unit *u, const char **placed,
		     char buf[256], char *err)
{
	struct st_bench_sim sim, none = { .battery = -1 };
	int ret;

	row_sim(u, buf, &sim, placed);
	if (!w->simulated) {
		if (sim.nfaults || strcmp(*placed, u->serial))
			return st_fail(err, ST_ERR_ARG, "faults are for the simulated bench, not a fixture");
		return st_bench_set_model(w->b, u->model, err);
	}
	ret = st_bench_set_sim(w->b, &none, err);
	if (!ret)
		ret = st_bench_set_model(w->b, u->model, err);
	if (!ret)
		ret = st_bench_set_sim(w->b, &sim, err);
	return ret;
}

/* Before any unit is touched: every row's model, faults and plan are
 * accepted by the bench (a fault naming a control the model lacks...). */
static int rows_check_bench(struct walk *w, const char *path, char *err)
{
	char buf[256], e[ST_ERRLEN];
	const char *placed;

	for (int i = 0; i < w->n; i++)
		if (bench_for(w, &w->units[i], &placed, buf, e))
			return st_fail(err, ST_ERR_PARSE, "%s:%d: %s", path, w->units[i].line, e);
	return ST_OK;
}

/* The serial the unit on the fixture reports on its test UART, "" when
 * the bench has no UART or the unit is silent (a dead unit: its plan finds
 * out why). */
static void unit_serial(struct walk *w, const char *placed, char out[64])
{
	struct st_fixture *fx;
	char reply[1024], e[ST_ERRLEN];
	const char *p;

	out[0] = '\0';
	if (st_bench_connect(w->b, placed, e))
		return;
	fx = st_bench_fixture(w->b);
	if (!fx || !(fx->caps & ST_CAP_UART) || st_fixture_uart(fx, "INFO", reply, sizeof(reply), e))
		return;
	for (p = reply; (p = strstr(p, "serial=")); p++)
		if (p == reply || p[-1] == ' ') {
			p += 7;
			snprintf(out, 64, "%.*s", (int)strcspn(p, " "), p);
			return;
		}
}

/* The batch disposition of a finished run: the run's own, except that a
 * unit in which the bench found nothing gets the symptom's no-fault
 * disposition (customer advice: the cause lies outside the headset). */
static void disposition_for(struct walk *w, const struct st_batch_unit *u, const struct st_run_info *ri,
			    char disp[64], char reason[1024])
{
	const struct st_symptom *sym = st_symptom_match(&w->sym, u->symptom);

	st_strlcpy(disp, ri->disposition, 64);
	st_strlcpy(reason, ri->reason, 1024);
	if (!strcmp(ri->outcome, "PASS") && sym && sym->nff[0] &&
	    (!strcmp(ri->disposition, "no-fault-found") || !strcmp(ri->disposition, "return-to-stock"))) {
		st_strlcpy(disp, sym->nff, 64);
		snprintf(reason, 1024, "no fault found on the bench: %s", sym->advice[0] ? sym->advice : "-");
	}
}

static int unit_finish(struct walk *w, struct st_batch_unit *u, const struct st_run_info *ri, char *err)
{
	char disp[64], reason[1024], line[400];
	int ret;

	disposition_for(w, u, ri, disp, reason);
	ret = st_batch_unit_end(w->s, w->bi.id, u->id, "done", ri->id, ri->outcome, disp, reason,
				w->human, err);
	if (ret)
		return ret;
	st_strlcpy(u->status, "done", sizeof(u->status));
	st_strlcpy(u->outcome, ri->outcome, sizeof(u->outcome));
	st_strlcpy(u->disposition, disp, sizeof(u->disposition));
	st_strlcpy(u->reason, reason, sizeof(u->reason));
	snprintf(line, sizeof(line), "%s %s", ri->outcome, disp);
	progress(w, u, "done", line);
	return ST_OK;
}

static int unit_stop(struct walk *w, struct st_batch_unit *u, const char *disp, const char *why, char *err)
{
	int ret = st_batch_unit_end(w->s, w->bi.id, u->id, "stopped", 0, "", disp, why, 1, err);

	if (!ret) {
		st_strlcpy(u->status, "stopped", sizeof(u->status));
		progress(w, u, "stop", why);
	}
	return ret;
}

/* A unit left "testing" by a batch that died: adopt its run if that run
 * ended with a verdict (the unit was tested), else it is tested again. */
static int unit_recover(struct walk *w, struct st_batch_unit *u, int *adopted, char *err)
{
	struct st_run_info ri;
	char e[ST_ERRLEN];

	*adopted = 0;
	if (!u->started[0] || st_batch_unit_last_run(w->s, u, &ri, e))
		return ST_OK;
	if (!strcmp(ri.outcome, "running") || !strcmp(ri.outcome, "interrupted"))
		return st_batch_link_run(w->s, w->bi.id, u->id, ri.id, err);
	*adopted = 1;
	w->human = u->human;
	return unit_finish(w, u, &ri, err);
}

/* Placement and serial scan: UNIT_NEXT to test, UNIT_STOP to stop the
 * batch, 1 + 1 = 2 when the unit was stopped (not tested). */
static int unit_prompts(struct walk *w, struct st_batch_unit *u, char assumed[64], char *err)
{
	char q[400], ans[80] = "";

	assumed[0] = '\0';
	if (w->o->confirm_yes) {
		st_strlcpy(assumed, "placement,serial", 64);
		return UNIT_NEXT;
	}
	snprintf(q, sizeof(q), "Place unit %s (RMA %s, %s) on the fixture: Enter when placed, s to skip it, q to stop the batch",
		 u->serial, u->rma, u->model);
	if (!w->o->ask || w->o->ask("place", q, ans, sizeof(ans), w->o->ctx) < 0)
		return st_fail(err, ST_ERR_ARG, "nobody answers the placement prompt: use --confirm yes for headless batches");
	if (ans[0] == 'q' || ans[0] == 'Q')
		return UNIT_STOP;
	if (ans[0] == 's' || ans[0] == 'S')
		return unit_stop(w, u, "skipped", "skipped by the operator", err) ? ST_ERR_DB : 2;
	snprintf(q, sizeof(q), "Scan the serial of the unit on the fixture (the list says %s)", u->serial);
	if (w->o->ask("scan", q, ans, sizeof(ans), w->o->ctx) < 0)
		return st_fail(err, ST_ERR_ARG, "nobody answers the serial prompt");
	st_trim(ans);
	if (strcmp(ans, u->serial)) {
		snprintf(q, sizeof(q), "scanned serial '%.63s' is not %s, the unit this row names: not tested", ans,
			 u->serial);
		return unit_stop(w, u, "serial-mismatch", q, err) ? ST_ERR_DB : 2;
	}
	return UNIT_NEXT;
}

/* Test one unit. */
static int unit_test(struct walk *w, struct st_batch_unit *u, char *err)
{
	struct st_seq_result res;
	struct st_run_info ri;
	char assumed[64], buf[256], read[64], why[256];
	const char *placed;
	int ret;

	w->human = 0;
	ret = unit_prompts(w, u, assumed, err);
	if (ret)
		return ret == 2 ? UNIT_NEXT : ret;
	ret = bench_for(w, u, &placed, buf, err);
	if (!ret)
		ret = st_batch_unit_begin(w->s, u->id, u->plan, assumed, 0, err);
	if (ret)
		return ret;
	st_strlcpy(u->status, "testing", sizeof(u->status));
	unit_serial(w, placed, read);
	if (read[0] && strcmp(read, u->serial)) {
		snprintf(why, sizeof(why), "the unit on the fixture reports serial '%.63s', the row names %s: not tested",
			 read, u->serial);
		return unit_stop(w, u, "serial-mismatch", why, err);
	}
	if (*st_bench_abort_flag(w->b))
		return st_batch_unit_reset(w->s, u->id, err) ? ST_ERR_DB : UNIT_STOP;
	progress(w, u, "start", u->plan);
	ret = st_bench_run(w->b, u->plan, u->serial, event_bridge, w, &res, err);
	if (ret)
		return ret;
	ret = st_store_find_run(w->s, res.uuid, &ri, err);
	if (!ret)
		ret = st_batch_link_run(w->s, w->bi.id, u->id, ri.id, err);
	if (ret)
		return ret;
	if (*st_bench_abort_flag(w->b) && !strcmp(ri.outcome, "ABORTED")) {
		/* the operator's stop is no finding: the unit is tested again on resume */
		ret = st_batch_unit_reset(w->s, u->id, err);
		progress(w, u, "stop", "stopped by the operator: tested again on resume");
		return ret ? ret : UNIT_STOP;
	}
	/* a stop that came after the run's verdict stops the batch after
	 * this unit: the unit was tested and keeps its disposition */
	ret = unit_finish(w, u, &ri, err);
	return !ret && *st_bench_abort_flag(w->b) ? UNIT_STOP : ret;
}

static int walk_units(struct walk *w, char *err)
{
	int ret = ST_OK, adopted;

	for (int i = 0; i < w->n && !ret; i++) {
		struct st_batch_unit *u = &w->units[i];

		if (!strcmp(u->status, "done") || !strcmp(u->status, "stopped")) {
			if (!w->o->retest) {
				progress(w, u, "skip", "already has a disposition");
				continue;
			}
		} else if (!strcmp(u->status, "testing")) {
			ret = unit_recover(w, u, &adopted, err);
			if (ret || adopted)
				continue;
		}
		if (*st_bench_abort_flag(w->b)) {
			ret = UNIT_STOP;
			break;
		}
		ret = unit_test(w, u, err);
	}
	if (ret == UNIT_STOP) {
		w->stopped = 1;
		ret = ST_OK;
	}
	if (!ret)
		ret = st_batch_set_state(w->s, w->bi.id, w->stopped ? "stopped" : "done", err);
	return ret;
}

static int units_cb(const struct st_batch_unit *u, void *ctx)
{
	struct walk *w = ctx;
	struct st_batch_unit *nu;

	if (w->n == w->cap) {
		int ncap = w->cap ? w->cap * 2 : 32;

		nu = realloc(w->units, (size_t)ncap * sizeof(*nu));
		if (!nu)
			return 1;
		w->units = nu;
		w->cap = ncap;
	}
	w->units[w->n++] = *u;
	return 0;
}

int st_triage_start(const char *csv, const struct st_triage_opts *o, char batch_uuid[37],
		    int *stopped, char *err)
{
	struct walk w = { .o = o };
	int ret;

	batch_uuid[0] = '\0';
	*stopped = 0;
	/* the whole file is checked before the bench and the store are opened */
	ret = st_symptoms_load(o->data_dir, &w.sym, err);
	if (!ret)
		ret = st_triage_load(csv, o->data_dir, &w.sym, &w.units, &w.n, w.bi.file_sha256, err);
	if (!ret)
		ret = bench_open(&w, err);
	if (!ret)
		ret = rows_check_bench(&w, csv, err);
	if (!ret) {
		st_strlcpy(w.bi.file, csv, sizeof(w.bi.file));
		st_strlcpy(w.bi.operator_, st_bench_operator(w.b), sizeof(w.bi.operator_));
		st_strlcpy(w.bi.station, st_bench_station(w.b), sizeof(w.bi.station));
		st_strlcpy(w.bi.confirm, o->confirm_yes ? "yes" : "", sizeof(w.bi.confirm));
		ret = st_batch_create(w.s, &w.bi, w.units, w.n, err);
	}
	if (!ret) {
		st_strlcpy(batch_uuid, w.bi.uuid, 37);
		if (o->on_batch)
			o->on_batch(&w.bi, 0, o->ctx);
		ret = walk_units(&w, err);
		*stopped = w.stopped;
	}
	walk_close(&w);
	return ret;
}

int st_triage_resume(const char *batch, const struct st_triage_opts *o, char batch_uuid[37],
		     int *stopped, char *err)
{
	struct walk w = { .o = o };
	int ret;

	batch_uuid[0] = '\0';
	*stopped = 0;
	ret = bench_open(&w, err);
	if (!ret)
		ret = st_batch_find(w.s, batch, &w.bi, err);
	if (!ret)
		ret = st_batch_units(w.s, w.bi.id, units_cb, &w, err);
	if (!ret && w.n != w.bi.rows_total)
		ret = st_fail(err, ST_ERR_DB, "batch %s: %d units stored, %d expected", w.bi.uuid, w.n,
			      w.bi.rows_total);
	if (!ret) {
		st_strlcpy(batch_uuid, w.bi.uuid, 37);
		ret = st_batch_set_state(w.s, w.bi.id, "running", err);
	}
	if (!ret && o->on_batch)
		o->on_batch(&w.bi, 1, o->ctx);
	if (!ret) {
		ret = walk_units(&w, err);
		*stopped = w.stopped;
	}
	walk_close(&w);
	return ret;
}
