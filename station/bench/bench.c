/*
 * bench.c - the bench session (bench.h): opening everything a run needs
 * from one options struct, running plans on unit after unit through the
 * sequencer, changing model or simulated unit between runs, and closing
 * with every actuator released.  The fixture and audio side is connect.c;
 * accessors and signal handling are info.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/internal.h"
#include "core/enc.h"
#include "fixture/fixture.h"
#include "limits/limits.h"
#include "measure/wisdom.h"
#include "model/model.h"
#include "plan/plan.h"
#include "store/store.h"

void st_bench_opts_init(struct st_bench_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->sim.battery = -1;
}

/* Copy an optional string option into dst; too long is a usage error. */
static int copy_opt(char *dst, size_t n, const char *src, const char *what, char *err)
{
	if (!src) {
		dst[0] = '\0';
		return ST_OK;
	}
	if (strlen(src) >= n)
		return st_fail(err, ST_ERR_ARG, "%s: longer than %zu characters", what, n - 1);
	for (const char *p = src; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return st_fail(err, ST_ERR_ARG, "%s: control character at position %d",
				       what, (int)(p - src) + 1);
	st_strlcpy(dst, src, n);
	return ST_OK;
}

static int copy_opts(struct st_bench *b, const struct st_bench_opts *o, char *err)
{
	int ret = copy_opt(b->data_dir, sizeof(b->data_dir), o->data_dir ? o->data_dir : st_data_dir(),
			   "data directory", err);

	if (!ret)
		ret = copy_opt(b->plan, sizeof(b->plan), o->plan, "--plan", err);
	if (!ret)
		ret = copy_opt(b->limits_file, sizeof(b->limits_file), o->limits, "--limits", err);
	if (!ret)
		ret = copy_opt(b->db, sizeof(b->db), o->no_db ? NULL : o->db ? o->db
				: st_store_default_path(), "--db", err);
	if (!ret)
		ret = copy_opt(b->fixture, sizeof(b->fixture), o->fixture, "--fixture", err);
	if (!ret)
		ret = copy_opt(b->captures, sizeof(b->captures), o->captures, "--captures", err);
	if (!ret)
		ret = copy_opt(b->calibration, sizeof(b->calibration), o->calibration,
			       "--calibration", err);
	/* names from outside: printable UTF-8, refused (never cut) when too long */
	if (!ret && o->operator_ && *o->operator_ && st_name_check("--operator", o->operator_, err))
		ret = ST_ERR_ARG;
	if (!ret && o->station && st_name_check("--station", o->station, err))
		ret = ST_ERR_ARG;
	if (!ret)
		ret = copy_opt(b->operator_, sizeof(b->operator_), o->operator_, "--operator", err);
	if (!ret)
		ret = copy_opt(b->station, sizeof(b->station), o->station, "--station", err);
	if (!ret)
		ret = bench_sim_copy(&b->sim, &o->sim, err);
	return ret;
}

/* Which fixture and audio, and are the options consistent? */
static int choose_bench(struct st_bench *b, const struct st_bench_opts *o, char *err)
{
	/* the simulated bench: no address, or "sim" with address options */
	b->simulated = !b->fixture[0] || !strcmp(b->fixture, "sim") ||
		       !strncmp(b->fixture, "sim,", 4);
	if (!b->fixture[0])
		st_strlcpy(b->fixture, "sim", sizeof(b->fixture));
	if (!b->simulated && (b->sim.nfaults || b->sim.battery >= 0 || b->sim.worn ||
			      b->sim.identity[0] || b->sim.seed || b->sim.firmware[0]))
		return st_fail(err, ST_ERR_ARG, "--fault, --battery, --worn and --identity are for "
			       "the simulated bench, not --fixture");
	if (copy_opt(b->audio_addr, sizeof(b->audio_addr),
		     o->audio ? o->audio : b->simulated ? "sim" : "none", "--audio", err))
		return ST_ERR_ARG;
	if (!strcmp(b->audio_addr, "sim") && !b->simulated)
		return st_fail(err, ST_ERR_ARG, "--audio sim is the simulated bench's; with "
			       "--fixture use pa or pa:DEVICE");
	if (!o->audio_bench) {
		st_audio_bench_default(&b->abench);
	} else {
		char e[ST_ERRLEN];
		int ret = st_audio_bench_find(b->data_dir, o->audio_bench, &b->abench, e);

		if (ret)
			return st_fail(err, ret, "--bench: %s", e);
	}
	if (!b->captures[0] && strcmp(b->audio_addr, "none") && b->db[0]) {
		const char *slash = strrchr(b->db, '/');

		if (slash)
			snprintf(b->captures, sizeof(b->captures), "%.*s/captures",
				 (int)(slash - b->db), b->db);
		else
			st_strlcpy(b->captures, "captures", sizeof(b->captures));
	}
	if (!b->calibration[0]) {
		const char *db = b->db[0] ? b->db : st_store_default_path();
		const char *slash = strrchr(db, '/');

		if (slash)
			snprintf(b->calibration, sizeof(b->calibration), "%.*s/calibration",
				 (int)(slash - db), db);
		else
			st_strlcpy(b->calibration, "calibration", sizeof(b->calibration));
	}
	if (!b->station[0]) {
		char host[64] = "station";

		gethostname(host, sizeof(host) - 1);
		host[sizeof(host) - 1] = '\0';
		st_strlcpy(b->station, host, sizeof(b->station));
	}
	return ST_OK;
}

/* Load model `id` and its limits into the session (fixture reopened for
 * it at the next connect). */
static int load_model(struct st_bench *b, const char *id, char *err)
{
	struct st_model *m, *old_model;
	struct st_limits *lim = NULL;
	int ret;

	if (!id || !*id)
		return st_fail(err, ST_ERR_ARG, "no model given");
	m = calloc(1, sizeof(*m));
	if (!m)
		return st_fail(err, ST_ERR_MEM, "out of memory");
	ret = st_model_find(b->data_dir, id, m, err);
	if (ret)
		goto undo_model;
	old_model = b->model;
	b->model = m;              /* the simulated unit's options must suit it */
	ret = bench_sim_check(b, err);
	b->model = old_model;
	if (ret)
		goto undo_model;
	ret = b->limits_file[0] ? st_limits_load_run(b->limits_file, NULL, &lim, err)
				: st_limits_load_model(b->data_dir, m->id, NULL, &lim, err);
	if (ret)
		goto undo_model;
	if (!b->model || strcmp(b->model->id, m->id)) {
		bench_disconnect(b);
		b->stale = 1;
	}
	st_limits_free(b->limits);
	free(b->model);
	b->model = m;
	b->limits = lim;
	return ST_OK;
undo_model:
	free(m);
	return ret;
}

int st_bench_set_model(struct st_bench *b, const char *id, char *err)
{
	int ret;

	if (!b)
		return st_fail(err, ST_ERR_ARG, "no bench");
	ret = load_model(b, id, err);
	/* a real fixture is connected as soon as its model is known */
	return ret || b->simulated ? ret : bench_connect(b, NULL, err);
}

int st_bench_set_sim(struct st_bench *b, const struct st_bench_sim *sim, char *err)
{
	struct bench_sim old;
	int ret;

	if (!b)
		return st_fail(err, ST_ERR_ARG, "no bench");
	if (!b->simulated)
		return st_fail(err, ST_ERR_ARG, "simulated unit options are for the simulated bench");
	old = b->sim;
	ret = bench_sim_copy(&b->sim, sim, err);
	if (!ret)
		ret = bench_sim_check(b, err);
	if (ret) {
		b->sim = old;
		return ret;
	}
	b->stale = 1;
	return ST_OK;
}

int st_bench_set_operator(struct st_bench *b, const char *op, char *err)
{
	if (!b)
		return st_fail(err, ST_ERR_ARG, "no bench");
	if (op && *op && st_name_check("operator", op, err))
		return ST_ERR_ARG;
	return copy_opt(b->operator_, sizeof(b->operator_), op, "operator", err);
}

int st_bench_open(struct st_bench **out, const struct st_bench_opts *o, char *err)
{
	struct st_bench *b;
	struct st_plan *plan;
	int ret;

	if (!out || !o)
		return st_fail(err, ST_ERR_ARG, "st_bench_open: no options");
	*out = NULL;
	b = calloc(1, sizeof(*b));
	if (!b)
		return st_fail(err, ST_ERR_MEM, "out of memory");
	b->confirm = o->confirm;
	b->confirm_fn = o->confirm_fn;
	b->time_scale = o->time_scale;
	if (b->confirm == ST_BENCH_CONFIRM_ASK && !b->confirm_fn) {
		ret = st_fail(err, ST_ERR_ARG, "confirm policy ASK without a confirm function");
		goto undo_bench;
	}
	ret = copy_opts(b, o, err);
	if (!ret)
		ret = choose_bench(b, o, err);
	if (ret)
		goto undo_bench;
	if (o->model && (ret = load_model(b, o->model, err)) != ST_OK)
		goto undo_bench;
	if (b->plan[0]) {
		plan = calloc(1, sizeof(*plan));
		ret = plan ? st_plan_find(b->data_dir, b->plan, plan, err)
			   : st_fail(err, ST_ERR_MEM, "out of memory");
		free(plan);
		if (ret)
			goto undo_bench;
	}
	if (b->db[0] && (ret = st_store_open(&b->store, b->db, err)) != ST_OK) {
		/* the database named cannot be used: a usage error; but a full
		 * disk or an I/O error is the station's fault (ERROR) */
		if (ret != ST_ERR_IO || access(b->db, F_OK) != 0)
			ret = ST_ERR_DB;
		goto undo_bench;
	}
	if (b->db[0]) {
		/* FFTW plans measured once per station, kept by its database */
		char wp[sizeof(b->db) + 16];

		if (!meas_wisdom_path(b->db, wp, sizeof(wp)))
			meas_wisdom_open(wp);
	}
	if (b->model && !b->simulated && (ret = bench_connect(b, NULL, err)) != ST_OK)
		goto undo_bench;
	*out = b;
	return ST_OK;
undo_bench:
	st_bench_close(b);
	return ret;
}

void st_bench_close(struct st_bench *b)
{
	if (!b)
		return;
	bench_signals_forget(b);
	bench_disconnect(b);   /* releases every actuator first */
	st_store_close(b->store);
	st_limits_free(b->limits);
	free(b->model);
	free(b);
}

/* The serial alphabet (core/enc.h, docs/cli.md): every front end that
 * runs a unit through the bench gets the same door. */
static int check_serial(const char *serial, char *err)
{
	char e[ST_ERRLEN];

	if (st_serial_check(serial, e))
		return st_fail(err, ST_ERR_ARG, "--serial: %s", e);
	return ST_OK;
}

int st_bench_run_plan(struct st_bench *b, const struct st_plan *plan, const char *serial,
		      void (*on_event)(const struct st_event *ev, void *ctx), void *ctx,
		      struct st_seq_result *res, char *err)
{
	struct st_seq_config cfg;
	int ret;

	if (!b || !plan || !res)
		return st_fail(err, ST_ERR_ARG, "st_bench_run: no bench, plan or result");
	ret = check_serial(serial, err);
	if (ret)
		return ret;
	ret = bench_connect(b, serial, err);
	if (ret)
		return ret;
	memset(&cfg, 0, sizeof(cfg));
	cfg.model = b->model;
	cfg.plan = plan;
	cfg.fx = b->fx;
	cfg.limits = b->limits;
	cfg.limits_dir = b->limits_file[0] ? NULL : b->data_dir;
	cfg.store = b->store;
	cfg.serial = serial;
	cfg.operator_ = b->operator_;
	cfg.station = b->station;
	cfg.on_event = on_event;
	cfg.ctx = ctx;
	cfg.confirm = b->confirm == ST_BENCH_CONFIRM_ASK ? b->confirm_fn : NULL;
	cfg.assume = b->confirm == ST_BENCH_CONFIRM_YES;
	cfg.abort_flag = &b->abort_flag;
	cfg.audio = b->audio;
	cfg.capture_dir = b->audio && b->captures[0] ? b->captures : NULL;
	cfg.calibration_dir = b->calibration;
	/* a stop asked for before the run began (between a batch's units)
	 * is kept: the run ends ABORTED at once; a front end that starts a
	 * new run after an abort clears it (st_bench_abort_clear) */
	ret = st_seq_run(&cfg, res, err);
	/* the sequencer released everything; make sure of it on every path */
	st_fixture_release_all(b->fx, NULL);
	return ret;
}

int st_bench_run(struct st_bench *b, const char *plan_name, const char *serial,
		 void (*on_event)(const struct st_event *ev, void *ctx), void *ctx,
		 struct st_seq_result *res, char *err)
{
	struct st_plan *plan;
	int ret;

	if (!b)
		return st_fail(err, ST_ERR_ARG, "st_bench_run: no bench");
	if (!plan_name)
		plan_name = b->plan;
	if (!*plan_name)
		return st_fail(err, ST_ERR_ARG, "no plan given");
	plan = calloc(1, sizeof(*plan));
	if (!plan)
		return st_fail(err, ST_ERR_MEM, "out of memory");
	ret = st_plan_find(b->data_dir, plan_name, plan, err);
	if (!ret)
		ret = st_bench_run_plan(b, plan, serial, on_event, ctx, res, err);
	free(plan);
	return ret;
}

int st_bench_connect(struct st_bench *b, const char *serial, char *err)
{
	if (!b)
		return st_fail(err, ST_ERR_ARG, "no bench");
	if (serial && check_serial(serial, err))
		return ST_ERR_ARG;
	return bench_connect(b, serial, err);
}

int st_bench_reconnect(struct st_bench *b, const char *serial, char *err)
{
	if (!b)
		return st_fail(err, ST_ERR_ARG, "no bench");
	if (serial && check_serial(serial, err))
		return ST_ERR_ARG;
	bench_disconnect(b);   /* releases every actuator first */
	return bench_connect(b, serial, err);
}

int st_bench_exit_code(int ret)
{
	switch (ret) {
	case ST_OK:
		return ST_EXIT_PASS;
	case ST_ERR_ARG:
	case ST_ERR_PARSE:
	case ST_ERR_NOTFOUND:
	case ST_ERR_DB:
	case ST_ERR_REFUSED:   /* data a safety rule refuses: a model over the bench's
				* hold ceiling (fixture/std.h) */
		return ST_EXIT_USAGE;
	case ST_ERR_ABORT:
		return ST_EXIT_ABORTED;
	default:
		return ST_EXIT_ERROR;
	}
}
