/*
 * console.c - `station console`'s start-up, main loop and global keys.
 *
 * Start-up checks everything that would otherwise garble a screen, before
 * curses starts: a terminal, the model and plan asked for, the database,
 * the bench (one line on stderr and exit 2 or 3).  The main loop, as in
 * htop: wait for a key (or the worker's wake-up) with a timeout, handle
 * it, take the worker's queued events into the screens' state, redraw
 * the current panel into the curses buffer and present it once.  Every
 * exit path (F10, SIGHUP, SIGTERM, a crash) aborts the run, releases the
 * fixture and restores the terminal.
 */
#include "console/app.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/st.h"
#include "fixture/fixture.h"
#include "fixture/proto/proto.h"
#include "store/store.h"

#define EVENT_BATCH 64

double app_wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void app_header(struct console *c, const char *left)
{
	int rows, cols;
	char right[160], clock_s[16];
	time_t now = time(NULL);
	struct tm tm;

	crt_size(&rows, &cols);
	localtime_r(&now, &tm);
	strftime(clock_s, sizeof(clock_s), "%H:%M", &tm);
	crt_fill(0, 0, cols, CRT_TITLE);
	crt_text(0, 1, cols - 30, CRT_TITLE, left);
	snprintf(right, sizeof(right), "operator %s   %s", c->operator_[0] ? c->operator_ : "-", clock_s);
	crt_text(0, cols - 1 - (int)strlen(right), 0, CRT_TITLE, right);
	crt_hline(1);
}

void app_footer(struct console *c, const char *keys)
{
	int rows, cols;

	(void)c;
	crt_size(&rows, &cols);
	crt_hline(rows - 2);
	crt_text(rows - 1, 1, cols - 2, CRT_NORMAL, keys);
}

void app_message(struct console *c, enum crt_role r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->msg, sizeof(c->msg), fmt, ap);
	va_end(ap);
	c->msg_role = r;
}

int app_field_key(char *field, size_t size, int key, int (*allowed)(int ch))
{
	size_t n = strlen(field);

	if (key == CRT_KEY_BACKSPACE) {
		if (n)
			field[n - 1] = 0;
		return 1;
	}
	if (key < 0x20 || key > 0x7e)
		return 0;
	if (allowed ? !allowed(key) : 0)
		return 1;   /* swallowed: not a character this field takes */
	if (n + 1 < size) {
		field[n] = (char)key;
		field[n + 1] = 0;
	}
	return 1;
}

static void draw(struct console *c)
{
	int rows, cols;

	crt_size(&rows, &cols);
	crt_erase();
	if (rows < CRT_MIN_ROWS || cols < CRT_MIN_COLS) {
		crt_printf(0, 0, cols, CRT_ERROR, "terminal %dx%d is too small: the console needs %dx%d",
			   cols, rows, CRT_MIN_COLS, CRT_MIN_ROWS);
		crt_present();
		return;
	}
	switch (c->screen) {
	case SCR_SCAN: scan_draw(c, rows, cols); break;
	case SCR_RUN: run_draw(c, rows, cols); break;
	case SCR_HISTORY: history_draw(c, rows, cols); break;
	case SCR_FIXTURE: fixture_draw(c, rows, cols); break;
	default: help_draw(c, rows, cols); break;
	}
	crt_present();
}

static int run_on_bench(const struct console *c)
{
	return c->running && !c->view.ended;
}

static void abort_run(struct console *c)
{
	runner_abort(c->runner);
	c->view.aborting = 1;
	c->screen = SCR_RUN;
}

/* Keys every screen shares; returns 1 if taken. */
static int global_key(struct console *c, int k)
{
	if (k == CRT_KEY_CTRL_C) {
		if (run_on_bench(c))
			abort_run(c);
		else
			c->quit = 1;
		return 1;
	}
	if (k == CRT_KEY_ESC && c->screen == SCR_RUN && run_on_bench(c)) {
		abort_run(c);
		return 1;
	}
	if (k == CRT_KEY_F(10)) {
		if (run_on_bench(c))
			app_message(c, CRT_ERROR, "a run is on the bench: Esc aborts it, then F10 quits");
		else
			c->quit = 1;
		return 1;
	}
	if (k == CRT_KEY_F(1)) {
		if (c->screen == SCR_HELP) {
			c->screen = c->back;
		} else {
			c->back = c->screen == SCR_HISTORY || c->screen == SCR_FIXTURE ? c->back : c->screen;
			if (c->screen == SCR_FIXTURE)
				fixture_leave(c);
			c->screen = SCR_HELP;
		}
		return 1;
	}
	if (k == CRT_KEY_F(2) && c->screen != SCR_HISTORY) {
		if (c->screen == SCR_FIXTURE)
			fixture_leave(c);
		else if (c->screen != SCR_HELP)
			c->back = c->screen;
		history_enter(c);
		return 1;
	}
	if (k == CRT_KEY_F(3) && c->screen != SCR_FIXTURE) {
		if (c->running) {
			app_message(c, CRT_ERROR, "the fixture panel is closed while a run is on the bench");
			return 1;
		}
		if (c->screen != SCR_HELP && c->screen != SCR_HISTORY)
			c->back = c->screen;
		fixture_enter(c);
		return 1;
	}
	return 0;
}

static void key(struct console *c, int k)
{
	int rows, cols;

	if (k == CRT_KEY_RESIZE || global_key(c, k))
		return;
	crt_size(&rows, &cols);
	if (rows < CRT_MIN_ROWS || cols < CRT_MIN_COLS)
		return;
	switch (c->screen) {
	case SCR_SCAN: scan_key(c, k); break;
	case SCR_RUN: run_key(c, k); break;
	case SCR_HISTORY: history_key(c, k); break;
	case SCR_FIXTURE: fixture_key(c, k); break;
	default:
		if (k == CRT_KEY_ESC || k == CRT_KEY_ENTER)
			c->screen = c->back;
		break;
	}
}

/* The worker's events into the screens' state. */
static void take_events(struct console *c)
{
	struct cons_event ev[EVENT_BATCH];
	int n;

	while ((n = runner_take(c->runner, ev, EVENT_BATCH)) > 0) {
		for (int i = 0; i < n; i++) {
			if (ev[i].identity) {
				scan_identity(c, &ev[i]);
				continue;
			}
			if (c->fx_open || c->fx_closing) {
				fixture_event(c, &ev[i]);
				continue;
			}
			view_apply(&c->view, &ev[i]);
			if (ev[i].kind == ST_EV_RUN_END) {
				if (c->have_plan)
					st_strlcpy(c->last_plan, c->plan.name, sizeof(c->last_plan));
				scan_refresh_status(c);
			}
		}
	}
	c->running = runner_running(c->runner);
	if (c->fx_closing && !runner_busy(c->runner)) {
		c->fx_closing = 0;
		scan_refresh_status(c);
	}
}

static void loop(struct console *c)
{
	while (!c->quit) {
		int k, sig;

		draw(c);
		k = crt_getkey(c->running ? 50 : 1000, runner_wake_fd(c->runner));
		sig = crt_take_signal();
		if (sig) {
			/* terminal lost, terminate, interrupt from outside: stop */
			if (run_on_bench(c))
				abort_run(c);
			c->quit = 1;
			c->exit_code = run_on_bench(c) ? ST_EXIT_ABORTED : 0;
			break;
		}
		if (k >= 0)
			key(c, k);
		take_events(c);
	}
}

/* Model, plan and the lists: what can fail before the bench opens. */
static int setup(struct console *c, const struct console_opts *o, char *err)
{
	int ret;

	if (o->model) {
		if ((ret = st_model_find(st_data_dir(), o->model, &c->model, err)))
			return ret;
		c->have_model = c->model_fixed = 1;
	}
	if (o->plan) {
		if ((ret = st_plan_find(st_data_dir(), o->plan, &c->plan, err)))
			return ret;
		c->have_plan = c->plan_fixed = 1;
	}
	if (o->operator_)
		st_strlcpy(c->operator_, o->operator_, sizeof(c->operator_));
	c->nmodels = st_model_list(st_data_dir(), c->models, APP_MAX_MODELS, err);
	if (c->nmodels < 0)
		return c->nmodels;
	c->nplans = st_plan_list(st_data_dir(), c->plans, APP_MAX_PLANS, err);
	if (c->nplans < 0)
		return c->nplans;
	return ST_OK;
}

/* The bench session (the fixture is reached now when the model is known),
 * and, with a real fixture but no model yet, its handshake alone. */
static int open_bench(struct console *c, const struct console_opts *o, char *err)
{
	struct st_bench_opts bo = o->bench;
	const char *db;
	int ret;

	bo.model = c->have_model ? c->model.id : NULL;
	bo.plan = NULL;
	bo.operator_ = o->operator_;
	bo.confirm = ST_BENCH_CONFIRM_ASK;
	bo.confirm_fn = runner_confirm;
	ret = st_bench_open(&c->bench, &bo, err);
	if (ret)
		return ret;
	db = st_bench_db_path(c->bench);
	st_strlcpy(c->db, db ? db : "(none)", sizeof(c->db));
	st_strlcpy(c->limits, st_bench_limits_dir(c->bench), sizeof(c->limits));
	st_strlcpy(c->station, st_bench_station(c->bench), sizeof(c->station));
	if (bo.fixture && strcmp(bo.fixture, "sim") && !c->have_model) {
		if (strncmp(bo.fixture, "numato:", 7)) {
			ret = st_proto_probe(bo.fixture, 1000, c->fixture_desc, sizeof(c->fixture_desc), err);
			if (ret)
				return st_fail(err, ST_ERR_IO, "fixture %s does not answer: %s", bo.fixture, err);
			c->fixture_ok = 1;
		} else {
			snprintf(c->fixture_desc, sizeof(c->fixture_desc), "%s (opened on the first run)",
				 bo.fixture);
		}
	}
	if (db && (ret = st_store_open(&c->store, db, err)))
		return ret;
	return ST_OK;
}

int console_main(const struct console_opts *o)
{
	struct console *c = calloc(1, sizeof(*c));
	char err[ST_ERRLEN] = "";
	int code = ST_EXIT_USAGE, ret;

	if (!c) {
		fprintf(stderr, "station console: out of memory\n");
		return ST_EXIT_ERROR;
	}
	c->o = o;
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "station console: needs a terminal (stdin and stdout are not a tty); "
			"use `station run` for headless runs\n");
		goto out_free;
	}
	if (setup(c, o, err)) {
		fprintf(stderr, "station console: %s\n", err);
		goto out_free;
	}
	if ((ret = open_bench(c, o, err))) {
		fprintf(stderr, "station console: %s\n", err);
		code = st_bench_exit_code(ret);
		goto out_bench;
	}
	if (!c->store) {
		fprintf(stderr, "station console: the console keeps its runs: --no-db is not for it\n");
		goto out_bench;
	}
	if (runner_new(&c->runner, c->bench, err)) {
		fprintf(stderr, "station console: %s\n", err);
		code = ST_EXIT_ERROR;
		goto out_bench;
	}
	atexit(st_fixture_emergency_release);
	if (crt_init(runner_emergency_release, err)) {
		fprintf(stderr, "station console: %s\n", err);
		goto out_runner;
	}
	scan_refresh_status(c);
	scan_enter(c);
	loop(c);
	code = c->exit_code;
	if (c->fx_open)
		fixture_leave(c);
out_runner:
	runner_free(c->runner);   /* aborts and joins the worker */
	crt_done();
	history_free(c);
out_bench:
	st_bench_close(c->bench); /* releases every actuator */
	st_store_close(c->store);
out_free:
	free(c);
	return code;
}
