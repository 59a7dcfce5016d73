/*
 * scr_history.c - History (F2): the stored runs, newest first, filtered as
 * the operator types (a serial, a model or an outcome, any part, any
 * case); Enter opens one run with its steps, measurements and events,
 * read from the database through the drawing thread's own connection.
 */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "console/app.h"
#include "store/store.h"

#define HIST_MAX 1000
#define DETAIL_MAX 2000

static int collect(const struct st_run_info *ri, void *ctx)
{
	struct console *c = ctx;
	struct hist_row *h;

	if (c->nhist >= HIST_MAX)
		return 1;
	h = &c->hist[c->nhist++];
	st_strlcpy(h->uuid, ri->uuid, sizeof(h->uuid));
	st_strlcpy(h->serial, ri->serial, sizeof(h->serial));
	st_strlcpy(h->model, ri->model, sizeof(h->model));
	st_strlcpy(h->plan, ri->plan, sizeof(h->plan));
	st_strlcpy(h->outcome, ri->outcome, sizeof(h->outcome));
	st_strlcpy(h->disposition, ri->disposition, sizeof(h->disposition));
	st_strlcpy(h->started, ri->started, sizeof(h->started));
	h->id = ri->id;
	return 0;
}

void history_free(struct console *c)
{
	free(c->hist);
	c->hist = NULL;
	c->nhist = 0;
	free(c->dlines);
	c->dlines = NULL;
	c->ndlines = 0;
}

void history_enter(struct console *c)
{
	char err[ST_ERRLEN];

	history_free(c);
	c->screen = SCR_HISTORY;
	c->detail = 0;
	c->hsel = c->htop = 0;
	c->hist = calloc(HIST_MAX, sizeof(*c->hist));
	if (!c->hist) {
		app_message(c, CRT_ERROR, "out of memory");
		return;
	}
	if (st_store_runs(c->store, NULL, HIST_MAX, collect, c, err))
		app_message(c, CRT_ERROR, "%s", err);
}

static int contains_ci(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay; hay++)
		if (!strncasecmp(hay, needle, n))
			return 1;
	return n == 0;
}

static int matches(const struct console *c, const struct hist_row *h)
{
	return !c->filter[0] || contains_ci(h->serial, c->filter) || contains_ci(h->model, c->filter) ||
	       contains_ci(h->outcome, c->filter) || contains_ci(h->plan, c->filter);
}

/* Index of the n-th row that passes the filter, or -1. */
static int nth(const struct console *c, int n)
{
	for (int i = 0; i < c->nhist; i++)
		if (matches(c, &c->hist[i]) && n-- == 0)
			return i;
	return -1;
}

static int count(const struct console *c)
{
	int n = 0;

	for (int i = 0; i < c->nhist; i++)
		n += matches(c, &c->hist[i]);
	return n;
}

static void dline(struct console *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void dline(struct console *c, const char *fmt, ...)
{
	va_list ap;

	if (c->ndlines >= DETAIL_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(c->dlines[c->ndlines++], sizeof(c->dlines[0]), fmt, ap);
	va_end(ap);
}

static int step_cb(const struct st_step_row *s, void *ctx)
{
	dline(ctx, "  step %2d %-24s %-8s %s", s->idx, s->name, s->verdict, s->message);
	return 0;
}

static int meas_cb(const struct st_meas_row *m, void *ctx)
{
	char lim[48] = "";

	if (!isnan(m->low) && !isnan(m->high))
		snprintf(lim, sizeof(lim), "[%g, %g]", m->low, m->high);
	else if (!isnan(m->low))
		snprintf(lim, sizeof(lim), ">= %g", m->low);
	else if (!isnan(m->high))
		snprintf(lim, sizeof(lim), "<= %g", m->high);
	dline(ctx, "  %-30s %10.4g %-6s %-16s %s", m->name, m->value, m->unit, lim, m->verdict);
	return 0;
}

static int event_cb(const struct st_event_row *e, void *ctx)
{
	dline(ctx, "  %8.1f s  %-11s %s", e->t_s, e->kind, e->text);
	return 0;
}

static void open_detail(struct console *c, const struct hist_row *h)
{
	char err[ST_ERRLEN];

	free(c->dlines);
	c->ndlines = c->dtop = 0;
	c->dlines = calloc(DETAIL_MAX, sizeof(*c->dlines));
	if (!c->dlines) {
		app_message(c, CRT_ERROR, "out of memory");
		return;
	}
	c->detail = 1;
	dline(c, "run %s", h->uuid);
	dline(c, "%s  %s  serial %s  plan %s  started %s", h->outcome, h->model, h->serial, h->plan,
	      h->started);
	dline(c, "disposition %s", h->disposition[0] ? h->disposition : "-");
	dline(c, "%s", "");
	dline(c, "%s", "steps");
	if (st_store_steps(c->store, h->id, step_cb, c, err))
		dline(c, "  (%s)", err);
	dline(c, "%s", "measurements");
	if (st_store_measurements(c->store, h->id, meas_cb, c, err))
		dline(c, "  (%s)", err);
	dline(c, "%s", "events");
	if (st_store_events(c->store, h->id, event_cb, c, err))
		dline(c, "  (%s)", err);
}

static int filter_char(int ch)
{
	return isalnum(ch) || ch == '-' || ch == ' ';
}

static void move_sel(int *sel, int n, int key, int page)
{
	if (key == CRT_KEY_UP)
		(*sel)--;
	else if (key == CRT_KEY_DOWN)
		(*sel)++;
	else if (key == CRT_KEY_PGUP)
		*sel -= page;
	else if (key == CRT_KEY_PGDN)
		*sel += page;
	else if (key == CRT_KEY_HOME)
		*sel = 0;
	else if (key == CRT_KEY_END)
		*sel = n - 1;
	if (*sel >= n)
		*sel = n - 1;
	if (*sel < 0)
		*sel = 0;
}

int history_key(struct console *c, int key)
{
	int rows, cols, page;

	crt_size(&rows, &cols);
	page = rows - 6;
	if (c->detail) {
		if (key == CRT_KEY_ESC || key == CRT_KEY_BACKSPACE || key == CRT_KEY_ENTER)
			c->detail = 0;
		else
			move_sel(&c->dtop, c->ndlines - page > 0 ? c->ndlines - page + 1 : 1, key, page);
		return 1;
	}
	if (key == CRT_KEY_ESC) {
		c->screen = c->back;
		history_free(c);
		return 1;
	}
	if (key == CRT_KEY_ENTER) {
		int i = nth(c, c->hsel);

		if (i >= 0)
			open_detail(c, &c->hist[i]);
		return 1;
	}
	if (app_field_key(c->filter, sizeof(c->filter), key, filter_char)) {
		c->hsel = c->htop = 0;
		return 1;
	}
	move_sel(&c->hsel, count(c), key, page);
	return 1;
}

static void draw_detail(struct console *c, int rows, int cols)
{
	for (int i = c->dtop, y = 2; i < c->ndlines && y < rows - 2; i++, y++)
		crt_text(y, 1, cols - 2, i < 2 ? CRT_NORMAL : CRT_NORMAL, c->dlines[i]);
	app_footer(c, "arrows PgUp/PgDn scroll   Esc back to the list   F10 quit");
}

void history_draw(struct console *c, int rows, int cols)
{
	int n, h = rows - 6, y = 4;

	app_header(c, "HISTORY  stored runs, newest first");
	if (c->detail) {
		draw_detail(c, rows, cols);
		return;
	}
	n = count(c);
	crt_text(2, 2, 0, CRT_DIM, "filter");
	crt_text(2, 10, 30, CRT_FIELD, c->filter);
	crt_printf(2, 42, 0, CRT_DIM, "%d of %d runs", n, c->nhist);
	crt_printf(3, 1, cols - 2, CRT_DIM, "%-16s %-8s %-14s %-12s %-10s %s", "started", "outcome",
		   "serial", "model", "plan", "disposition");
	if (c->hsel < c->htop)
		c->htop = c->hsel;
	if (c->hsel >= c->htop + h)
		c->htop = c->hsel - h + 1;
	for (int k = c->htop; k < n && y < rows - 2; k++, y++) {
		const struct hist_row *r = &c->hist[nth(c, k)];
		enum crt_role role = k == c->hsel ? CRT_SELECT : CRT_NORMAL;
		enum crt_role out = k == c->hsel ? CRT_SELECT : !strcmp(r->outcome, "PASS") ? CRT_PASS :
				    !strcmp(r->outcome, "FAIL") ? CRT_FAIL : CRT_ERROR;

		crt_fill(y, 1, cols - 2, role);
		crt_printf(y, 1, 17, role, "%.16s", r->started);
		crt_printf(y, 18, 9, out, "%-8s", r->outcome);
		crt_printf(y, 27, cols - 28, role, "%-14.14s %-12.12s %-10.10s %s", r->serial, r->model,
			   r->plan, r->disposition);
	}
	if (!n)
		crt_text(5, 4, 0, CRT_DIM, c->nhist ? "no run matches the filter" : "no runs stored yet");
	app_footer(c, "type to filter   Enter open   arrows PgUp/PgDn move   Esc back   F10 quit");
	crt_cursor(2, 10 + (int)strlen(c->filter));
}
