/*
 * scr_fixture.c - the fixture panel (F3, engineer mode) and Help (F1).
 *
 * The panel opens the bench for the current model on the worker thread
 * and lists every control of the model's fixture map with its state.
 * Enter presses the selected control briefly; `h` asks for a hold time and
 * holds it, refused past the model's safe maximum or a hazard (the rule is
 * named); `r` releases everything.  What the fixture and the unit report
 * (LED, battery, wear, charger) shows as it arrives.  Esc closes the
 * bench, which releases every actuator.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console/app.h"

#define SHORT_PRESS 0.3   /* seconds of a plain press */

void fixture_enter(struct console *c)
{
	char err[ST_ERRLEN];

	c->screen = SCR_FIXTURE;
	c->fsel = 0;
	c->typing_hold = 0;
	c->hold_field[0] = 0;
	c->fx_led[0] = c->fx_sensors[0] = c->fx_last[0] = 0;
	if (!c->have_model) {
		snprintf(c->fx_last, sizeof(c->fx_last),
			 "no model yet: scan a unit first (or start with --model)");
		c->fx_last_role = CRT_PROMPT;
		return;
	}
	if (runner_fixture_open(c->runner, &c->model, err)) {
		snprintf(c->fx_last, sizeof(c->fx_last), "%s", err);
		c->fx_last_role = CRT_ERROR;
		return;
	}
	c->fx_open = 1;
}

void fixture_leave(struct console *c)
{
	if (c->fx_open) {
		runner_fixture_close(c->runner);   /* releases everything; returns at once */
		c->fx_open = 0;
		c->fx_closing = 1;                 /* its last events are the panel's */
	}
	c->screen = c->back;
}

/* The value of `key=` in the unit's INFO reply, "?" if absent. */
static void kv(const char *reply, const char *key, char *out, size_t n)
{
	size_t k = strlen(key);
	const char *p = reply;

	st_strlcpy(out, "?", n);
	for (; (p = strstr(p, key)); p += k)
		if ((p == reply || p[-1] == ' ') && p[k] == '=') {
			size_t len = strcspn(p + k + 1, " ");
			snprintf(out, n, "%.*s", (int)(len < n ? len : n - 1), p + k + 1);
			return;
		}
}

/* battery, wear, charger, power and link from the unit's report. */
static void sensors_line(char *out, size_t n, const char *reply)
{
	char bat[16], worn[8], usb[8], power[16], bt[16];

	if (!strchr(reply, '=')) {
		st_strlcpy(out, reply, n);
		return;
	}
	kv(reply, "battery", bat, sizeof(bat));
	kv(reply, "worn", worn, sizeof(worn));
	kv(reply, "usb", usb, sizeof(usb));
	kv(reply, "power", power, sizeof(power));
	kv(reply, "bt", bt, sizeof(bt));
	snprintf(out, n, "battery %s %%  worn %s  charger %s  power %s  bt %s", bat,
		 !strcmp(worn, "1") ? "yes" : "no", !strcmp(usb, "1") ? "on" : "off", power, bt);
}

void fixture_event(struct console *c, const struct cons_event *e)
{
	if (e->kind == ST_EV_FEEDBACK && !strncmp(e->text, "LED ", 4)) {
		st_strlcpy(c->fx_led, e->text + 4, sizeof(c->fx_led));
		return;
	}
	if (e->kind == ST_EV_INFO && !strncmp(e->text, "sensors: ", 9)) {
		sensors_line(c->fx_sensors, sizeof(c->fx_sensors), e->text + 9);
		return;
	}
	st_strlcpy(c->fx_last, e->text, sizeof(c->fx_last));
	c->fx_last_role = e->kind == ST_EV_REFUSED ? CRT_ERROR :
			  e->kind == ST_EV_ACTION ? CRT_HELD : CRT_NORMAL;
}

static void press(struct console *c, double seconds)
{
	char err[ST_ERRLEN];

	if (runner_fixture_press(c->runner, 1u << c->fsel, seconds, err)) {
		st_strlcpy(c->fx_last, err, sizeof(c->fx_last));
		c->fx_last_role = CRT_ERROR;
	}
}

static int seconds_char(int ch)
{
	return isdigit(ch) || ch == '.';
}

int fixture_key(struct console *c, int key)
{
	char err[ST_ERRLEN];

	if (c->typing_hold) {
		if (key == CRT_KEY_ENTER) {
			double s;

			c->typing_hold = 0;
			if (st_parse_double(c->hold_field, &s)) {
				snprintf(c->fx_last, sizeof(c->fx_last), "'%s' is not a number of seconds",
					 c->hold_field);
				c->fx_last_role = CRT_ERROR;
				return 1;
			}
			press(c, s);
		} else if (key == CRT_KEY_ESC) {
			c->typing_hold = 0;
		} else {
			app_field_key(c->hold_field, sizeof(c->hold_field), key, seconds_char);
		}
		return 1;
	}
	if (key == CRT_KEY_ESC) {
		fixture_leave(c);
		return 1;
	}
	if (!c->fx_open)
		return 1;
	if (key == CRT_KEY_UP && c->fsel > 0)
		c->fsel--;
	else if (key == CRT_KEY_DOWN && c->fsel + 1 < c->model.ncontrols)
		c->fsel++;
	else if (key == CRT_KEY_ENTER || key == 'p')
		press(c, SHORT_PRESS);
	else if (key == 'h') {
		c->typing_hold = 1;
		c->hold_field[0] = 0;
	} else if (key == 'r' && runner_fixture_release(c->runner, err)) {
		st_strlcpy(c->fx_last, err, sizeof(c->fx_last));
		c->fx_last_role = CRT_ERROR;
	}
	return 1;
}

void fixture_draw(struct console *c, int rows, int cols)
{
	unsigned held = c->fx_open ? runner_fixture_held(c->runner) : 0;
	char title[96];
	int y = 4;

	snprintf(title, sizeof(title), "FIXTURE PANEL  engineer mode  %s",
		 c->have_model ? c->model.id : "");
	app_header(c, title);
	crt_text(2, 2, 0, CRT_DIM, c->fixture_desc);
	crt_printf(3, 2, 0, CRT_DIM, "safe maximum hold %.1f s; hazards are refused",
		   c->have_model ? c->model.max_hold : 0.0);
	for (int i = 0; c->have_model && i < c->model.ncontrols && y < rows - 7; i++, y++) {
		const struct st_control *ct = &c->model.controls[i];
		int on = (held >> i) & 1;
		enum crt_role r = i == c->fsel ? CRT_SELECT : CRT_NORMAL;

		crt_fill(y, 2, 40, r);
		crt_printf(y, 2, 32, r, " %s %-14s %-7s", i == c->fsel ? crt_sym_str(CRT_SYM_RUNNING) : " ",
			   ct->name, ct->where);
		crt_text(y, 34, 6, on ? CRT_HELD : r, on ? "HELD" : "open");
	}
	crt_text(4, 46, 6, CRT_DIM, "LED");
	crt_text(4, 54, cols - 55, CRT_NORMAL, c->fx_led[0] ? c->fx_led : "-");
	crt_text(rows - 6, 2, 8, CRT_DIM, "unit");
	crt_text(rows - 6, 10, cols - 11, CRT_NORMAL, c->fx_sensors[0] ? c->fx_sensors : "-");
	if (c->typing_hold) {
		crt_printf(rows - 5, 2, 0, CRT_PROMPT, " hold %s for how many seconds? ",
			   c->model.controls[c->fsel].name);
		crt_text(rows - 5, 50, 10, CRT_FIELD, c->hold_field);
		crt_cursor(rows - 5, 50 + (int)strlen(c->hold_field));
	}
	crt_text(rows - 4, 2, cols - 4, c->fx_last_role, c->fx_last);
	if ((int)strlen(c->fx_last) > cols - 4)
		crt_text(rows - 3, 2, cols - 4, c->fx_last_role, c->fx_last + cols - 4);
	app_footer(c, "Enter press   h hold   r release all   arrows select   Esc back   F10 quit");
}

void help_draw(struct console *c, int rows, int cols)
{
	static const char *const lines[] = {
		"Every screen",
		"  F1          this help (F1 or Esc goes back)",
		"  F2          history: stored runs, newest first",
		"  F3          fixture panel (engineer mode; not during a run)",
		"  F10         quit (not while a run is on the bench: abort it first)",
		"Start screen",
		"  letters     type the operator, then the serial (a scanner types it + Enter)",
		"  Enter       accept; start the run     Backspace  erase",
		"  arrows      move in the model or plan list; Esc back to the serial",
		"Run",
		"  Esc Ctrl-C  ABORT now: every actuator released, the run stored ABORTED",
		"  Enter / n   answer the operator's question yes / no",
		"  Enter       after the verdict: next unit, same operator, model, plan",
		"History",
		"  type        filter by serial, model or outcome; Enter opens a run",
		"  arrows      move (PgUp/PgDn a page); Esc back",
		"Fixture panel",
		"  arrows      select a control; Enter press it; h hold it for N seconds",
		"  r           release everything; Esc back (releases everything)",
	};
	int y = 2;

	app_header(c, "HELP  every key");
	for (size_t i = 0; i < ST_ARRAY_SIZE(lines) && y < rows - 2; i++, y++)
		crt_text(y, 1, cols - 2, lines[i][0] == ' ' ? CRT_NORMAL : CRT_HELD, lines[i]);
	app_footer(c, "F1 or Esc back   F10 quit");
}
