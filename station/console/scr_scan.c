/*
 * scr_scan.c - the start screen: the station's status in one block
 * (fixture, audio bench, database and its run count, limits, operator),
 * then one question at a time in the field: the operator's name (when
 * --operator was not given), the serial (a barcode scanner types it and
 * Enter), the model (from the serial's prefix, else a list to pick from),
 * the plan (the last plan used is the default).  With --model and --plan
 * both preselected, Enter on a serial starts the run at once.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "console/app.h"
#include "bench/bench.h"
#include "core/enc.h"
#include "store/store.h"

/* What a barcode serial is made of (st_serial_check has the last word). */
static int serial_char(int ch)
{
	return isalnum(ch) || ch == '.' || ch == '_' || ch == '-';
}

static int recent_cb(const struct st_run_info *ri, void *ctx)
{
	struct console *c = ctx;
	struct hist_row *h;

	if (c->nrecent == 0 && !c->last_plan[0])
		st_strlcpy(c->last_plan, ri->plan, sizeof(c->last_plan));
	if (c->nrecent >= (int)ST_ARRAY_SIZE(c->recent))
		return 1;
	h = &c->recent[c->nrecent++];
	st_strlcpy(h->serial, ri->serial, sizeof(h->serial));
	st_strlcpy(h->outcome, ri->outcome, sizeof(h->outcome));
	st_strlcpy(h->disposition, ri->disposition, sizeof(h->disposition));
	st_strlcpy(h->started, ri->started, sizeof(h->started));
	return 0;
}

/* The bench's status, the database's count and the last runs (at start
 * and after each run, while the worker is idle). */
void scan_refresh_status(struct console *c)
{
	struct st_bench_fixture_info fi;
	char err[ST_ERRLEN];

	if (!runner_busy(c->runner)) {
		st_bench_fixture_info(c->bench, &fi);
		if (fi.connected || fi.simulated) {
			c->fixture_ok = 1;
			snprintf(c->fixture_desc, sizeof(c->fixture_desc), "%s", fi.simulated ?
				 "simulated bench (in-process)" : fi.desc);
		}
		snprintf(c->audio_desc, sizeof(c->audio_desc), "%s", st_bench_audio_desc(c->bench));
	}
	if (st_store_count_runs(c->store, NULL, &c->nruns, err))
		c->nruns = -1;
	c->nrecent = 0;
	st_store_runs(c->store, NULL, 3, recent_cb, c, err);
}

static int index_of(char names[][32], int n, const char *want)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(names[i], want))
			return i;
	return -1;
}

void scan_enter(struct console *c)
{
	c->screen = SCR_SCAN;
	c->field[0] = 0;
	c->stage = c->operator_[0] ? STAGE_SERIAL : STAGE_OPERATOR;
}

static void start_run(struct console *c)
{
	run_begin(c);
}

static void ask_plan(struct console *c)
{
	int i;

	if (c->plan_fixed) {
		start_run(c);
		return;
	}
	c->stage = STAGE_PLAN;
	i = index_of(c->plans, c->nplans, c->have_plan ? c->plan.name : c->last_plan);
	if (i < 0)
		i = index_of(c->plans, c->nplans, "repair");
	c->pick = i < 0 ? 0 : i;
	c->pick_top = 0;
}

static void pick_model(struct console *c, const char *why)
{
	app_message(c, CRT_PROMPT, "%s: pick the model", why);
	c->stage = STAGE_MODEL;
	c->pick = 0;
	c->pick_top = 0;
}

static void serial_entered(struct console *c)
{
	char err[ST_ERRLEN];
	int ret;

	if (!c->field[0])
		return;
	if (st_serial_check(c->field, err)) {
		app_message(c, CRT_ERROR, "%s", err);
		return;
	}
	st_strlcpy(c->serial, c->field, sizeof(c->serial));
	c->field[0] = 0;
	c->msg[0] = 0;
	if (c->model_fixed) {
		ask_plan(c);
		return;
	}
	ret = st_model_for_serial(st_data_dir(), c->serial, &c->model, err);
	if (ret == ST_OK) {
		c->have_model = 1;
		ask_plan(c);
		return;
	}
	if (c->o->bench.fixture && strcmp(c->o->bench.fixture, "sim")) {
		/* a real fixture: ask the unit itself (its test UART) */
		struct st_model guess;

		if (st_model_find(st_data_dir(), c->models[0], &guess, err) == ST_OK &&
		    runner_identify(c->runner, c->have_model ? &c->model : &guess, err) == ST_OK) {
			app_message(c, CRT_PROMPT, "no model's serial prefix matches: asking the unit...");
			c->stage = STAGE_IDENTIFY;
			return;
		}
	}
	pick_model(c, err);
}

/* The unit's answer to runner_identify(). */
void scan_identity(struct console *c, const struct cons_event *e)
{
	char err[ST_ERRLEN];

	if (c->stage != STAGE_IDENTIFY)
		return;
	if (e->name[0] && st_model_find(st_data_dir(), e->name, &c->model, err) == ST_OK) {
		c->have_model = 1;
		app_message(c, CRT_NORMAL, "%s", e->text);
		ask_plan(c);
		return;
	}
	pick_model(c, e->text);
}

static void pick_key(struct console *c, int key, int n)
{
	if (key == CRT_KEY_UP && c->pick > 0)
		c->pick--;
	else if (key == CRT_KEY_DOWN && c->pick + 1 < n)
		c->pick++;
	else if (key == CRT_KEY_PGUP)
		c->pick = c->pick > 8 ? c->pick - 8 : 0;
	else if (key == CRT_KEY_PGDN)
		c->pick = c->pick + 8 < n ? c->pick + 8 : n - 1;
	else if (key == CRT_KEY_HOME)
		c->pick = 0;
	else if (key == CRT_KEY_END)
		c->pick = n - 1;
}

static void picked(struct console *c)
{
	char err[ST_ERRLEN];

	if (c->stage == STAGE_MODEL) {
		if (st_model_find(st_data_dir(), c->models[c->pick], &c->model, err)) {
			app_message(c, CRT_ERROR, "%s", err);
			return;
		}
		c->have_model = 1;
		c->msg[0] = 0;
		ask_plan(c);
		return;
	}
	if (st_plan_find(st_data_dir(), c->plans[c->pick], &c->plan, err)) {
		app_message(c, CRT_ERROR, "%s", err);
		return;
	}
	c->have_plan = 1;
	start_run(c);
}

int scan_key(struct console *c, int key)
{
	switch (c->stage) {
	case STAGE_OPERATOR:
		if (key == CRT_KEY_ENTER) {
			char *t = st_trim(c->field);

			char err[ST_ERRLEN];

			if (!*t) {
				app_message(c, CRT_ERROR, "type your name or badge, then Enter");
				return 1;
			}
			if (st_name_check("operator", t, err)) {
				app_message(c, CRT_ERROR, "%s", err);
				return 1;
			}
			st_strlcpy(c->operator_, t, sizeof(c->operator_));
			c->field[0] = 0;
			c->msg[0] = 0;
			c->stage = STAGE_SERIAL;
			return 1;
		}
		return app_field_key(c->field, ST_NAME_MAX + 1, key, NULL);
	case STAGE_SERIAL:
		if (key == CRT_KEY_ENTER) {
			serial_entered(c);
			return 1;
		}
		return app_field_key(c->field, ST_SERIAL_MAX + 1, key, serial_char);
	case STAGE_IDENTIFY:
		return 1;   /* the unit is being asked; Esc aborts nothing here */
	case STAGE_MODEL:
	case STAGE_PLAN:
		if (key == CRT_KEY_ENTER) {
			picked(c);
			return 1;
		}
		if (key == CRT_KEY_ESC || key == CRT_KEY_BACKSPACE) {
			c->stage = STAGE_SERIAL;
			st_strlcpy(c->field, c->serial, sizeof(c->field));
			c->msg[0] = 0;
			return 1;
		}
		pick_key(c, key, c->stage == STAGE_MODEL ? c->nmodels : c->nplans);
		return 1;
	}
	return 0;
}

static void draw_status(struct console *c, int cols)
{
	const char *ok = crt_sym_str(CRT_SYM_PASS);
	int w = cols - 36;

	crt_text(2, 2, 10, CRT_DIM, "fixture");
	crt_text(2, 12, w, CRT_NORMAL, c->fixture_desc);
	if (c->fixture_ok)
		crt_printf(2, cols - 16, 15, CRT_PASS, "%s connected", ok);
	else
		crt_printf(2, cols - 16, 15, CRT_DIM, "%s on first run", crt_sym_str(CRT_SYM_PENDING));
	crt_text(3, 2, 10, CRT_DIM, "audio");
	crt_text(3, 12, w, CRT_NORMAL, c->audio_desc);
	if (strcmp(c->audio_desc, "none"))
		crt_printf(3, cols - 16, 15, CRT_PASS, "%s ready", ok);
	else
		crt_printf(3, cols - 16, 15, CRT_DIM, "- acoustic skip");
	crt_text(4, 2, 10, CRT_DIM, "database");
	crt_text(4, 12, w - 14, CRT_NORMAL, c->db);
	if (c->nruns >= 0)
		crt_printf(4, cols - 34, 16, CRT_NORMAL, "%lld run%s", c->nruns, c->nruns == 1 ? "" : "s");
	crt_printf(4, cols - 16, 15, CRT_PASS, "%s writable", ok);
	crt_text(5, 2, 10, CRT_DIM, "limits");
	crt_text(5, 12, w, CRT_NORMAL, c->limits);
	crt_text(6, 2, 10, CRT_DIM, "operator");
	crt_text(6, 12, w, c->operator_[0] ? CRT_NORMAL : CRT_PROMPT,
		 c->operator_[0] ? c->operator_ : "(not given)");
	crt_text(8, 2, 10, CRT_DIM, "model");
	crt_text(8, 12, 24, CRT_NORMAL, c->have_model ? c->model.id : "(from the serial)");
	crt_text(8, 38, 6, CRT_DIM, "plan");
	crt_text(8, 44, 24, CRT_NORMAL, c->have_plan ? c->plan.name :
		 c->last_plan[0] ? c->last_plan : "(pick after the serial)");
}

static void draw_field(struct console *c, int cols)
{
	const char *label = c->stage == STAGE_OPERATOR ? "Operator name or badge:" :
			    "Scan or type the serial:";
	const char *value = c->stage == STAGE_OPERATOR || c->stage == STAGE_SERIAL ? c->field : c->serial;
	int x = 8, w = cols - 16, lx;

	crt_box(10, x, 3, w, CRT_DIM);
	lx = x + 3 + crt_text(11, x + 3, 0, CRT_PROMPT, label) + 2;
	crt_text(11, lx, w - (lx - x) - 2, CRT_FIELD, value);
	if (c->stage == STAGE_OPERATOR || c->stage == STAGE_SERIAL)
		crt_cursor(11, lx + (int)strlen(value));
}

static void draw_pick(struct console *c, int rows, int cols)
{
	int n = c->stage == STAGE_MODEL ? c->nmodels : c->nplans;
	int h = rows - 2 - 15, y = 15;

	crt_text(14, 4, 0, CRT_PROMPT, c->stage == STAGE_MODEL ? " Model (arrows, Enter): " :
		 " Plan (arrows, Enter; the last plan used is selected): ");
	if (c->pick < c->pick_top)
		c->pick_top = c->pick;
	if (c->pick >= c->pick_top + h)
		c->pick_top = c->pick - h + 1;
	for (int i = c->pick_top; i < n && y < rows - 2; i++, y++) {
		const char *name = c->stage == STAGE_MODEL ? c->models[i] : c->plans[i];
		enum crt_role r = i == c->pick ? CRT_SELECT : CRT_NORMAL;

		crt_fill(y, 6, 40, r);
		crt_printf(y, 6, 40, r, " %s %s", i == c->pick ? crt_sym_str(CRT_SYM_RUNNING) : " ", name);
	}
	(void)cols;
}

static void draw_recent(struct console *c)
{
	if (!c->nrecent)
		return;
	crt_text(15, 2, 10, CRT_DIM, "last runs");
	for (int i = 0; i < c->nrecent; i++) {
		const struct hist_row *h = &c->recent[i];
		enum crt_role r = !strcmp(h->outcome, "PASS") ? CRT_PASS :
				  !strcmp(h->outcome, "FAIL") ? CRT_FAIL : CRT_ERROR;

		crt_text(15 + i, 14, 16, CRT_NORMAL, h->serial);
		crt_text(15 + i, 31, 12, r, h->outcome);
		crt_text(15 + i, 44, 24, CRT_NORMAL, h->disposition);
		crt_printf(15 + i, 69, 10, CRT_DIM, "%.5s", h->started[0] ? h->started + 11 : "");
	}
}

void scan_draw(struct console *c, int rows, int cols)
{
	char title[96];

	snprintf(title, sizeof(title), "STATION %s", c->station);
	app_header(c, title);
	draw_status(c, cols);
	if (c->msg[0])
		crt_text(13, 4, cols - 8, c->msg_role, c->msg);
	if (c->stage == STAGE_MODEL || c->stage == STAGE_PLAN)
		draw_pick(c, rows, cols);
	else
		draw_recent(c);
	app_footer(c, c->stage == STAGE_MODEL || c->stage == STAGE_PLAN ?
		   "Enter choose   arrows move   Esc back   F1 help   F2 history   F10 quit" :
		   "Enter start   F1 help   F2 history   F3 fixture   F10 quit");
	draw_field(c, cols);
}
