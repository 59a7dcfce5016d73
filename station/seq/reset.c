/*
 * reset.c - one reset procedure of the model: gates, preconditions, the
 * presses and expectations with retries, the red-LED EEPROM check, and the
 * check that what the procedure wipes reads default and what it keeps is
 * unchanged.
 */
#include "internal.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* ------------------------------------------------------------- procedures */

/* Perform the procedure's steps once.  Returns 1 when every expected
 * feedback was seen, 0 when not (step_msg says what), <0 station error. */
static int perform(struct seq *s, const struct st_procedure *p, double *latency)
{
	/* gesture_end: when the last press/hold/tap/slide ended (a phase's
	 * start-within counts from it); prev_end: when the previous step ended
	 * (an expectation's `within` counts from it, docs/model-format.md);
	 * mark: feedback before it belongs to an earlier gesture. */
	double mark = st_fixture_now(s->fx), gesture_end = mark, prev_end = mark;
	double press_t = -1;
	unsigned pressed = 0;
	int ret;

	*latency = -1;
	s->nfb = 0;
	ret = seq_collect(s); /* drop what came before */
	if (ret)
		return ret;
	s->nfb = 0;
	for (int i = 0; i < p->nsteps; i++) {
		const struct st_step *st = &p->steps[i];
		char names[96];
		double lat = -1;

		if (seq_aborted(s))
			return ST_ERR_ABORT;
		st_model_controls_str(s->m, st->controls, names, sizeof(names));
		s->err[0] = '\0';
		if (st->start_within > 0 && st_fixture_now(s->fx) - gesture_end > st->start_within + 1e-9) {
			snprintf(s->step_msg, sizeof(s->step_msg),
				 "%.160s:%d must start within %.1f s of the previous phase; the feedback took too long",
				 s->m->path, st->line, st->start_within);
			return 0;
		}
		switch (st->op) {
		case ST_OP_HOLD:
			seq_say(s, ST_EV_ACTION, "hold %s %.1f s", names, st->seconds);
			mark = st_fixture_now(s->fx);
			ret = st_fixture_press(s->fx, st->controls, st->seconds, s->err);
			gesture_end = st_fixture_now(s->fx);
			break;
		case ST_OP_PRESS:
			seq_say(s, ST_EV_ACTION, "press %s (fixture releases by itself after %.1f s)", names,
			    s->m->max_hold);
			mark = press_t = st_fixture_now(s->fx);
			pressed |= st->controls;
			ret = st_fixture_hold(s->fx, st->controls, s->m->max_hold, s->err);
			break;
		case ST_OP_RELEASE: {
			unsigned mask = st->controls ? st->controls : pressed;
			st_model_controls_str(s->m, mask, names, sizeof(names));
			seq_say(s, ST_EV_ACTION, "release %s after %.1f s", names,
			    press_t >= 0 ? st_fixture_now(s->fx) - press_t : 0.0);
			ret = st_fixture_release(s->fx, mask, s->err);
			pressed &= ~mask;
			gesture_end = st_fixture_now(s->fx);
			break;
		}
		case ST_OP_TAP:
			seq_say(s, ST_EV_ACTION, "tap %s x%d", names, st->count);
			mark = st_fixture_now(s->fx);
			for (int k = 0; k < st->count && !ret; k++) {
				ret = st_fixture_press(s->fx, st->controls, 0.1, s->err);
				if (!ret && k + 1 < st->count)
					ret = seq_pass_time(s, st->gap > 0.1 ? st->gap - 0.1 : 0.1);
			}
			gesture_end = st_fixture_now(s->fx);
			break;
		case ST_OP_SLIDE:
			seq_say(s, ST_EV_ACTION, "slide %s %s", names, st->position ? "on" : "off");
			if (!pressed)
				mark = st_fixture_now(s->fx);
			for (int c = 0; c < s->m->ncontrols && !ret; c++)
				if (st->controls & (1u << c))
					ret = st_fixture_slide(s->fx, c, st->position, s->err);
			gesture_end = st_fixture_now(s->fx);
			break;
		case ST_OP_WAIT:
			seq_say(s, ST_EV_ACTION, "wait %.1f s", st->seconds);
			ret = seq_pass_time(s, st->seconds);
			break;
		case ST_OP_CHARGE:
			ret = seq_charge_for(s, st->seconds);
			gesture_end = st_fixture_now(s->fx);
			break;
		case ST_OP_EXPECT_LED:
		case ST_OP_EXPECT_CHIME:
		case ST_OP_EXPECT_PROMPT:
		case ST_OP_EXPECT_TONE: {
			/* feedback counts from the gesture that caused it (the
			 * press, while controls are held) */
			double from = pressed ? press_t : mark;
			ret = seq_expect(s, st, from, prev_end + st->within, &lat);
			if (ret == 1 && lat >= 0 && *latency < 0)
				*latency = lat - (gesture_end > from ? gesture_end - from : 0);
			if (ret == 0 && pressed) {
				char e[ST_ERRLEN];
				st_fixture_release(s->fx, pressed, e);
			}
			if (ret == 0)
				return 0;
			if (ret == 1)
				ret = 0;
			break;
		}
		}
		if (ret)
			return ret;
		prev_end = st_fixture_now(s->fx);
	}
	if (pressed) {
		s->err[0] = '\0';
		ret = st_fixture_release(s->fx, pressed, s->err);
		if (ret)
			return ret;
	}
	return 1;
}

static int octets_differ(const char *a, const char *b)
{
	/* seed 001: "first 3 octets should differ" */
	return strncasecmp(a, b, 8) != 0;
}


/* After a reset: what it wipes reads default, what it keeps is unchanged;
 * the paired table and the Bluetooth address are measured against limits. */
static void verify_wipes(struct seq *s, const struct st_procedure *p,
			 const struct kv *info_before, const struct kv *info_after,
			 const struct kv *before, const struct kv *after)
{
	const char *kind = st_reset_name(p->kind);
	const char *b, *a;
	double v;

	b = seq_kv_get(info_before, "paired");
	a = seq_kv_get(info_after, "paired");
	if (a && b) {
		if ((p->wipes >> ST_ITEM_PAIRED) & 1) {
			if (st_parse_double(a, &v) == ST_OK)
				seq_measure(s, "bt.paired_after_reset", v, "count");
		} else if (strcmp(a, b)) {
			seq_finding(s, ST_FAIL, "service",
				"%s reset changed the paired-device table (%s -> %s); %s:%d says it keeps it",
				kind, b, a, s->m->path, p->line);
		}
	}
	b = seq_kv_get(info_before, "bt_addr");
	a = seq_kv_get(info_after, "bt_addr");
	if (a && b) {
		if ((p->wipes >> ST_ITEM_BT_ADDR) & 1)
			seq_measure(s, "bt.addr_fresh", octets_differ(a, b) ? 1 : 0, "bool");
		else if (strcmp(a, b))
			seq_finding(s, ST_FAIL, "service",
				"%s reset changed the Bluetooth address; %s:%d says it keeps it", kind,
				s->m->path, p->line);
	}
	for (int it = 0; it < ST_ITEM_COUNT; it++) {
		const char *key = st_item_name((enum st_item)it);
		int wiped = (p->wipes >> it) & 1;

		if (it == ST_ITEM_PAIRED || it == ST_ITEM_BT_ADDR || it == ST_ITEM_RAM)
			continue;
		b = seq_kv_get(before, key);
		a = seq_kv_get(after, key);
		if (!a || !b)
			continue;
		if (wiped && strcmp(a, "default"))
			seq_finding(s, ST_FAIL, "service",
				"%s reset did not wipe %s (reads '%s'); %s:%d says it wipes it", kind, key,
				a, s->m->path, p->line);
		else if (!wiped && strcmp(a, b))
			seq_finding(s, ST_FAIL, "service", "%s reset changed %s (%s -> %s); %s:%d says it keeps it",
				kind, key, b, a, s->m->path, p->line);
	}
}

static int red_expected(const struct st_procedure *p)
{
	for (int i = 0; i < p->nsteps; i++)
		if (p->steps[i].op == ST_OP_EXPECT_LED &&
		    (st_streq_ci(p->steps[i].led.colors[0], "red") ||
		     (p->steps[i].led.ncolors > 1 && st_streq_ci(p->steps[i].led.colors[1], "red"))))
			return 1;
	return 0;
}

/* One reset procedure with its gates, retries and verification.
 * Returns 1 done and verified, 0 refused / failed / skipped, <0 station error. */
int seq_reset(struct seq *s, enum st_reset_kind kind)
{
	const struct st_procedure *p = st_model_proc(s->m, kind);
	struct kv before, after, items_before, items_after;
	int ret, attempts;
	double latency = -1;

	if (!p) {
		const struct st_procedure *abs = &s->m->procs[kind];
		seq_say(s, ST_EV_INFO, "%s has no %s reset: %s", s->m->id, st_reset_name(kind),
		    abs->absent_reason[0] ? abs->absent_reason : "the seeds give none");
		return 0;
	}
	ret = seq_gates(s, p);
	if (ret <= 0)
		return ret;
	ret = seq_preconditions(s, p);
	if (ret <= 0)
		return ret;
	memset(&before, 0, sizeof(before));
	memset(&items_before, 0, sizeof(items_before));
	if (s->fx->caps & ST_CAP_UART) {
		ret = seq_info(s, &before);
		if (!ret)
			ret = seq_items(s, &items_before);
		if (ret)
			return ret;
	}
	seq_say(s, ST_EV_INFO, "%s reset (%s%s)", st_reset_name(kind), p->source,
	    p->generic ? "; generic procedure" : "");
	s->tried[kind] = 1;
	for (attempts = 0; attempts <= s->cfg->plan->retries; attempts++) {
		if (attempts) {
			seq_say(s, ST_EV_INFO, "no feedback (%s); attempt %d of %d", s->step_msg,
			    attempts + 1, s->cfg->plan->retries + 1);
			s->step_msg[0] = '\0';
			ret = seq_pass_time(s, 2.0);
			if (ret)
				return ret;
		}
		s->step_msg[0] = '\0';
		ret = perform(s, p, &latency);
		if (ret < 0)
			return ret;
		if (ret == 1)
			break;
		if (strstr(s->step_msg, "EEPROM"))
			break; /* red flashing: retrying does not help */
	}
	if (ret == 0) {
		char msg[256];
		st_strlcpy(msg, s->step_msg, sizeof(msg));
		s->step_msg[0] = '\0';
		if (strstr(msg, "EEPROM"))
			seq_finding(s, ST_FAIL, "service-centre", "%s reset: %s", st_reset_name(kind), msg);
		else
			seq_finding(s, ST_FAIL, "service",
				"%s reset: unit did not respond as its model must (%s)",
				st_reset_name(kind), msg);
		return 0;
	}
	if (attempts > 0)
		seq_say(s, ST_EV_INFO, "%s reset registered on attempt %d", st_reset_name(kind), attempts + 1);
	if (latency >= 0)
		seq_measure(s, "led.feedback_latency_s", latency, "s");
	if (!(s->fx->caps & ST_CAP_UART))
		return s->step_verdict <= ST_PASS;
	ret = seq_pass_time(s, 3.0); /* let it come back up */
	if (ret)
		return ret;
	/* seed 001: "Red flashing indicates error state, not success ... red
	 * blink = failed EEPROM write", whatever else the procedure showed */
	if (!red_expected(p)) {
		struct st_led_expect red = { .ncolors = 1, .colors = { "red" } };
		struct led_summary sum;
		seq_led_summarise(s, &red, 0, &sum);
		if (sum.on_count[0] > 0) {
			seq_finding(s, ST_FAIL, "service-centre",
				"%s reset: LED flashed red %d times - failed EEPROM write (seed 001: red blink is an error state, not success)",
				st_reset_name(kind), sum.on_count[0]);
			return 0;
		}
	}
	ret = seq_info(s, &after);
	if (ret == ST_OK && seq_kv_get(&after, "power") && strcmp(seq_kv_get(&after, "power"), "on") &&
	    s->m->power_controls && s->m->power_on_hold > 0) {
		/* a procedure that ends switched off (seed 001: "then power off
		 * manually"): switch it on to verify it */
		seq_say(s, ST_EV_ACTION, "power on to verify: hold %.1f s", s->m->power_on_hold);
		s->err[0] = '\0';
		ret = st_fixture_press(s->fx, s->m->power_controls, s->m->power_on_hold, s->err);
		if (!ret)
			ret = seq_pass_time(s, 3.0);
		if (!ret)
			ret = seq_info(s, &after);
	}
	if (ret == ST_ERR_UNIT || ret == ST_ERR_TIMEOUT) {
		seq_finding(s, ST_FAIL, "service-centre", "unit stopped answering after the %s reset",
			st_reset_name(kind));
		return 0;
	}
	if (!ret)
		ret = seq_items(s, &items_after);
	if (ret)
		return ret;
	verify_wipes(s, p, &before, &after, &items_before, &items_after);
	return s->step_verdict == ST_PASS || s->step_verdict == ST_SKIP;
}
