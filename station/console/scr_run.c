/*
 * scr_run.c - the run screen and the verdict.  While the run is on the
 * bench: the plan's steps with a symbol and a colour for each state, the
 * action in progress with a countdown bar for a held control, the LED and
 * what was heard, an operator question (Enter yes, n no), and on the right
 * the measurements beside their limits, or the ANC bands drawn against
 * their mask, or the microphones' delays and gains.  When it ends: the
 * verdict in block letters, its disposition and reason, the failing
 * measurements worst first, and what the run took.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "console/app.h"
#include "seq/seq.h"

#define LEFT_W 31   /* the step list's column */

void run_begin(struct console *c)
{
	char err[ST_ERRLEN];

	view_reset(&c->view, &c->plan, c->model.id, c->serial, c->operator_);
	if (runner_start(c->runner, &c->model, &c->plan, c->serial, c->operator_, err)) {
		app_message(c, CRT_ERROR, "%s", err);
		return;
	}
	c->running = 1;
	c->msg[0] = 0;
	c->screen = SCR_RUN;
}

int run_key(struct console *c, int key)
{
	struct run_view *v = &c->view;

	if (!v->ended) {
		if (v->asking && (key == CRT_KEY_ENTER || key == 'y' || key == 'Y')) {
			runner_answer(c->runner, 1);
			v->asking = 0;
		} else if (v->asking && (key == 'n' || key == 'N')) {
			runner_answer(c->runner, 0);
			v->asking = 0;
		}
		return 1;
	}
	if (key == CRT_KEY_ENTER) {
		scan_enter(c);
		return 1;
	}
	return 0;
}

static enum crt_role state_role(enum view_state s)
{
	switch (s) {
	case VS_PASS: return CRT_PASS;
	case VS_FAIL: return CRT_FAIL;
	case VS_ERROR: case VS_ABORTED: return CRT_ERROR;
	case VS_RUNNING: return CRT_HELD;
	default: return CRT_DIM;
	}
}

static enum crt_sym state_sym(enum view_state s)
{
	switch (s) {
	case VS_PASS: return CRT_SYM_PASS;
	case VS_FAIL: return CRT_SYM_FAIL;
	case VS_ERROR: case VS_ABORTED: return CRT_SYM_ERROR;
	case VS_RUNNING: return CRT_SYM_RUNNING;
	case VS_SKIP: return CRT_SYM_SKIP;
	default: return CRT_SYM_PENDING;
	}
}

static enum crt_role verdict_role(enum st_verdict v)
{
	return v == ST_PASS ? CRT_PASS : v == ST_FAIL ? CRT_FAIL : CRT_ERROR;
}

static void run_header(struct console *c)
{
	char left[160];

	snprintf(left, sizeof(left), "%s  %s  %s", c->view.model, c->view.serial, c->view.plan);
	app_header(c, left);
}

static void draw_steps(struct console *c, int rows)
{
	const struct run_view *v = &c->view;
	int h = rows - 4, top = 0;

	if (v->cur >= h)
		top = v->cur - h + 1;
	for (int i = top, y = 2; i < v->nsteps && y < rows - 2; i++, y++) {
		const struct view_step *s = &v->steps[i];
		enum crt_role r = state_role(s->state);

		crt_sym(y, 1, r, state_sym(s->state), 1);
		crt_text(y, 3, 17, s->state == VS_PENDING ? CRT_DIM : r == CRT_HELD ? CRT_HELD : CRT_NORMAL,
			 s->name);
		crt_text(y, 20, LEFT_W - 21, CRT_DIM, s->detail);
	}
	for (int y = 2; y < rows - 2; y++)
		crt_sym(y, LEFT_W, CRT_DIM, CRT_SYM_VLINE, 1);
}

static void limits_str(const struct view_meas *m, char *buf, size_t n)
{
	if (m->has_low && m->has_high && m->low == m->high)
		snprintf(buf, n, "= %g", m->low);
	else if (m->has_low && m->has_high)
		snprintf(buf, n, "%g..%g", m->low, m->high);
	else if (m->has_low)
		snprintf(buf, n, ">= %g", m->low);
	else if (m->has_high)
		snprintf(buf, n, "<= %g", m->high);
	else
		snprintf(buf, n, "-");
}

static void draw_meas_line(int y, int x, int w, const struct view_meas *m)
{
	char lim[48];
	enum crt_role r = m->verdict == ST_PASS ? (m->marginal ? CRT_ERROR : CRT_NORMAL) :
			  verdict_role(m->verdict);

	char val[32];

	limits_str(m, lim, sizeof(lim));
	snprintf(val, sizeof(val), "%.4g %s", m->value,
		 !strcmp(m->unit, "count") || !strcmp(m->unit, "bool") ? "" : m->unit);
	crt_sym(y, x, verdict_role(m->verdict), m->verdict == ST_PASS ? CRT_SYM_PASS :
		m->verdict == ST_FAIL ? CRT_SYM_FAIL : CRT_SYM_ERROR, 1);
	crt_printf(y, x + 2, w - 2, r, "%-22.22s %10s  %s", m->name, val, lim);
}

/* ANC attenuation per band as bars, the mask as a marker. */
static void draw_bands(const struct run_view *v, int y0, int x, int w, int h)
{
	double top = 30;
	int every = 1, bar_w = w - 17, y = y0 + 1;

	for (int i = 0; i < v->nbands; i++)
		if (v->bands[i].db > top)
			top = v->bands[i].db;
	while (v->nbands / every > h - 1)
		every++;
	crt_printf(y0, x, w, CRT_NORMAL, "ANC attenuation (left)    mask %s", crt_sym_str(CRT_SYM_MARK));
	for (int i = 0; i < v->nbands && y < y0 + h; i += every, y++) {
		const struct view_band *b = &v->bands[i];
		int len = b->db > 0 ? (int)lround(b->db / top * bar_w) : 0;
		int mk = b->has_mask && b->mask > 0 ? (int)lround(b->mask / top * bar_w) : 0;
		enum crt_role r = b->verdict == ST_PASS ? CRT_PASS : verdict_role(b->verdict);

		char label[16];

		if (b->hz >= 1000)
			snprintf(label, sizeof(label), "%.3gkHz", b->hz / 1000);
		else
			snprintf(label, sizeof(label), "%.0f Hz", b->hz);
		crt_printf(y, x, 7, CRT_NORMAL, "%7s", label);
		crt_sym(y, x + 8, r, CRT_SYM_BLOCK, len > bar_w ? bar_w : len);
		if (b->has_mask)
			crt_sym(y, x + 8 + (mk > bar_w ? bar_w : mk), CRT_ERROR, CRT_SYM_MARK, 1);
		crt_printf(y, x + 9 + bar_w, 8, r, "%5.1f dB", b->db);
	}
}

static void draw_mics(const struct run_view *v, int y0, int x, int w, int h)
{
	char ld[32], lg[32];

	crt_text(y0, x, w, CRT_NORMAL, "mic   delay us  limit       gain dB  limit");
	for (int i = 0; i < v->nmics && i < h - 1; i++) {
		const struct view_mic *m = &v->mics[i];
		int y = y0 + 1 + i;

		limits_str(&m->delay, ld, sizeof(ld));
		limits_str(&m->gain, lg, sizeof(lg));
		crt_printf(y, x, 4, CRT_NORMAL, "%d", i + 1);
		if (m->have_delay)
			crt_printf(y, x + 5, 22, verdict_role(m->delay.verdict), "%+8.2f  %-11s",
				   m->delay.value, ld);
		if (m->have_gain)
			crt_printf(y, x + 27, w - 27, verdict_role(m->gain.verdict), "%+6.2f   %s",
				   m->gain.value, lg);
	}
}

static void draw_now(struct console *c, int x, int w)
{
	const struct run_view *v = &c->view;
	char bar[64];

	crt_text(2, x, 4, CRT_DIM, "NOW");
	crt_text(2, x + 5, w - 5, CRT_NORMAL, v->cur >= 0 ? v->step_text : v->started ? "-" : "starting");
	crt_text(3, x + 2, w - 2, v->holding ? CRT_HELD : CRT_NORMAL, v->action);
	if (v->holding || v->timed) {
		double el = view_hold_elapsed(v, app_wall(), runner_scale(c->runner));
		int bw = w - 18, full = (int)lround(el / v->hold_len * bw);
		enum crt_role r = v->holding ? CRT_HELD : CRT_NORMAL;

		crt_sym(4, x + 2, r, CRT_SYM_BLOCK, full);
		crt_sym(4, x + 2 + full, CRT_DIM, CRT_SYM_SHADE, bw - full);
		snprintf(bar, sizeof(bar), "%.1f / %.1f s", el, v->hold_len);
		crt_text(4, x + 3 + bw, 0, r, bar);
	}
	crt_text(5, x, 6, CRT_DIM, "LED");
	if (v->led[0] && !strstr(v->led, " off"))
		crt_sym(5, x + 6, CRT_NORMAL, CRT_SYM_DOT, 1);
	crt_text(5, x + 8, w - 8, CRT_NORMAL, v->led[0] ? v->led : "-");
	crt_text(6, x, 6, CRT_DIM, "heard");
	crt_text(6, x + 8, w - 8, CRT_NORMAL, v->heard[0] ? v->heard : "-");
}

static void draw_running(struct console *c, int rows, int cols)
{
	const struct run_view *v = &c->view;
	int x = LEFT_W + 2, w = cols - x - 1, y0 = 8, h = rows - 2 - y0 - 2;

	draw_steps(c, rows);
	draw_now(c, x, w);
	if (v->asking) {
		crt_fill(y0, x, w, CRT_PROMPT);
		crt_text(y0, x + 1, w - 2, CRT_PROMPT, v->question);
		crt_fill(y0 + 1, x, w, CRT_PROMPT);
		crt_text(y0 + 1, x + 1, w - 2, CRT_PROMPT, "Enter = yes    n = no    Esc = abort the run");
		y0 += 3;
		h -= 3;
	}
	/* the latest acoustic result stays up: the bands until the mics arrive */
	if (v->nmics)
		draw_mics(v, y0, x, w, h);
	else if (v->nbands)
		draw_bands(v, y0, x, w, h);
	else
		for (int i = v->nmeas - h > 0 ? v->nmeas - h : 0, y = y0; i < v->nmeas; i++, y++)
			draw_meas_line(y, x, w, &v->meas[i]);
	for (int i = v->nnotes > 2 ? v->nnotes - 2 : 0, y = rows - 4; i < v->nnotes; i++, y++)
		crt_text(y, x, w, CRT_DIM, v->notes[i]);
	app_footer(c, v->aborting ? "ABORTING: releasing every actuator..." :
		   "Esc ABORT (releases everything)   F1 help   F2 history");
}

/* Block letters, 5 rows. */
static const char *glyph(char ch, int row)
{
	static const struct { char c; const char *rows[5]; } font[] = {
		{ 'A', { " #### ", "##  ##", "######", "##  ##", "##  ##" } },
		{ 'B', { "##### ", "##  ##", "##### ", "##  ##", "##### " } },
		{ 'D', { "##### ", "##  ##", "##  ##", "##  ##", "##### " } },
		{ 'E', { "######", "##    ", "##### ", "##    ", "######" } },
		{ 'F', { "######", "##    ", "##### ", "##    ", "##    " } },
		{ 'I', { "######", "  ##  ", "  ##  ", "  ##  ", "######" } },
		{ 'L', { "##    ", "##    ", "##    ", "##    ", "######" } },
		{ 'O', { " #### ", "##  ##", "##  ##", "##  ##", " #### " } },
		{ 'P', { "##### ", "##  ##", "##### ", "##    ", "##    " } },
		{ 'R', { "##### ", "##  ##", "##### ", "## ## ", "##  ##" } },
		{ 'S', { " #####", "##    ", " #### ", "    ##", "##### " } },
		{ 'T', { "######", "  ##  ", "  ##  ", "  ##  ", "  ##  " } },
	};

	for (size_t i = 0; i < ST_ARRAY_SIZE(font); i++)
		if (font[i].c == ch)
			return font[i].rows[row];
	return "      ";
}

static void draw_banner(int y, int cols, const char *word, enum crt_role r)
{
	int n = (int)strlen(word), x0 = (cols - n * 8) / 2;

	for (int row = 0; row < 5; row++)
		for (int i = 0; i < n; i++) {
			const char *g = glyph(word[i], row);

			for (int k = 0; g[k]; k++)
				if (g[k] == '#')
					crt_sym(y + row, x0 + i * 8 + k, r, CRT_SYM_BLOCK, 1);
		}
}

static void draw_verdict(struct console *c, int rows, int cols)
{
	const struct run_view *v = &c->view;
	enum crt_role r = verdict_role(v->verdict);
	int y = 9;

	draw_banner(2, cols, st_verdict_name(v->verdict), r);
	crt_printf(8, 2, 0, r, "verdict       %s", st_verdict_name(v->verdict));
	if (v->disposition[0]) {
		const struct st_disposition *d = st_disposition_find(v->disposition);

		crt_printf(y++, 2, 0, CRT_NORMAL, "disposition   %s", v->disposition);
		if (d && d->todo) {
			crt_text(y, 2, 14, CRT_NORMAL, "what to do");
			y += crt_wrap(y, 16, cols - 18, 2, CRT_NORMAL, d->todo);
		}
		if (d && d->advice) {
			crt_text(y, 2, 14, CRT_NORMAL, "tell them");
			y += crt_wrap(y, 16, cols - 18, 2, CRT_DIM, d->advice);
		}
	}
	if (v->reason[0]) {
		crt_text(y, 2, 14, CRT_NORMAL, "reason");
		y += crt_wrap(y, 16, cols - 18, 4, r, v->reason);
	}
	if (v->nfails) {
		crt_text(y++, 2, 0, CRT_NORMAL, "failing measurements, worst first:");
		for (int i = 0; i < v->nfails && y < rows - 4; i++)
			draw_meas_line(y++, 4, cols - 6, &v->fails[i]);
	}
	if (v->verdict == ST_ABORTED || v->verdict == ST_ERROR)
		for (int i = v->nnotes > 2 ? v->nnotes - 2 : 0; i < v->nnotes && y < rows - 4; i++)
			if (strcmp(v->notes[i], v->reason) && strncmp(v->notes[i], "every actuator", 14))
				crt_text(y++, 4, cols - 6, CRT_DIM, v->notes[i]);
	crt_printf(rows - 3, 2, 0, CRT_DIM, "%.0f s of bench time %s %d step%s %s %d measurement%s %s run %.8s%s",
		   v->t, crt_sym_str(CRT_SYM_PENDING), v->steps_run, v->steps_run == 1 ? "" : "s",
		   crt_sym_str(CRT_SYM_PENDING), v->meas_total, v->meas_total == 1 ? "" : "s",
		   crt_sym_str(CRT_SYM_PENDING), v->uuid[0] ? v->uuid : "-",
		   v->uuid[0] ? "" : " (not stored)");
	app_footer(c, "Enter next unit   F2 history   F10 quit");
}

void run_draw(struct console *c, int rows, int cols)
{
	run_header(c);
	if (c->view.ended)
		draw_verdict(c, rows, cols);
	else
		draw_running(c, rows, cols);
	if (c->msg[0])
		crt_text(rows - 1, cols / 2, cols / 2 - 1, c->msg_role, c->msg);
}
