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

#include "core/clock.h"

/* Where a procedure stands while it is performed. */
struct gesture {
	double mark;        /* feedback before it belongs to an earlier gesture */
	double gesture_end; /* when the last press/hold/tap/slide ended (a
			     * phase's start-within counts from it) */
	double prev_end;    /* when the previous step ended (an expectation's
			     * `within` counts from it, docs/model-format.md) */
	double press_t;     /* when the held controls went down, -1 none */
	unsigned pressed;   /* controls held down now */
	double latency;     /* first feedback after its gesture ended, -1 none */
};

/* The feedback a procedure gave, kept for the watch after it (seq_reset). */
struct seen {
	double led_from[ST_MAX_STEPS]; /* an LED expectation's pattern counts
					* from here; -1 not an LED step or unseen */
	double last;                   /* when the last expectation was seen */
};

/* Tap: short presses `count` times, `gap` apart. */
static int tap(struct seq *s, const struct st_step *st)
{
	int ret = 0;

	for (int k = 0; k < st->count && !ret; k++) {
		ret = st_fixture_press(s->fx, st->controls, 0.1, s->err);
		if (!ret && k + 1 < st->count)
			ret = seq_pass_time(s, st->gap > 0.1 ? st->gap - 0.1 : 0.1);
	}
	return ret;
}

/* Slide every switch of the step's controls. */
static int slide(struct seq *s, const struct st_step *st)
{
	int ret = 0;

	for (int c = 0; c < s->m->ncontrols && !ret; c++)
		if (st->controls & (1u << c))
			ret = st_fixture_slide(s->fx, c, st->position, s->err);
	return ret;
}

static int release(struct seq *s, const struct st_step *st, struct gesture *g)
{
	unsigned mask = st->controls ? st->controls : g->pressed;
	char names[96];
	int ret;

	st_model_controls_str(s->m, mask, names, sizeof(names));
	seq_say(s, ST_EV_ACTION, "release %s after %.1f s", names,
		g->press_t >= 0 ? st_fixture_now(s->fx) - g->press_t : 0.0);
	ret = st_fixture_release(s->fx, mask, s->err);
	g->pressed &= ~mask;
	return ret;
}

/* Seed 000: "precise timing windows (+-0.3 sec tolerance)": every hold as
 * the bench timed it, against reset.hold_error_s.  A hold outside it is the
 * fixture's fault (ERROR), never the unit's. */
static int hold_error(struct seq *s, const struct st_step *st, const char *names, double held)
{
	double e = held - st->seconds;
	struct st_clock *c = s->fx->clock;

	/* a sped-up real clock (--time-scale, the simulators' test benches)
	 * multiplies the host's scheduling jitter: there the hold is only
	 * reported; a real bench (scale 1) and the virtual clock judge it */
	if (c && !st_clock_is_virtual(c) && st_clock_scale(c) > 1.0) {
		seq_say(s, ST_EV_INFO, "hold %s took %.2f s for %.1f s (not judged on a %gx clock)",
			names, held, st->seconds, st_clock_scale(c));
		return ST_OK;
	}
	if (seq_measure(s, "reset.hold_error_s", e, "s") != ST_FAIL)
		return ST_OK;
	snprintf(s->err, sizeof(s->err),
		 "the fixture held %s %.2f s for a %.1f s hold (%+.2f s, outside seed 000's +-0.3 s window): the fixture's timing, not the unit",
		 names, held, st->seconds, e);
	return ST_ERR_IO;
}

/* One action of the procedure on the fixture.  0 or an error. */
static int gesture(struct seq *s, const struct st_step *st, struct gesture *g)
{
	char names[96];
	double t = st_fixture_now(s->fx);
	int ret = 0;

	st_model_controls_str(s->m, st->controls, names, sizeof(names));
	switch (st->op) {
	case ST_OP_HOLD:
		seq_say(s, ST_EV_ACTION, "hold %s %.1f s", names, st->seconds);
		g->mark = t;
		ret = st_fixture_press(s->fx, st->controls, st->seconds, s->err);
		if (!ret)
			ret = hold_error(s, st, names, st_fixture_now(s->fx) - t);
		break;
	case ST_OP_PRESS:
		seq_say(s, ST_EV_ACTION, "press %s (fixture releases by itself after %.1f s)", names,
			s->m->max_hold);
		g->mark = g->press_t = t;
		g->pressed |= st->controls;
		return st_fixture_hold(s->fx, st->controls, s->m->max_hold, s->err);
	case ST_OP_RELEASE:
		ret = release(s, st, g);
		break;
	case ST_OP_TAP:
		seq_say(s, ST_EV_ACTION, "tap %s x%d", names, st->count);
		g->mark = t;
		ret = tap(s, st);
		break;
	case ST_OP_SLIDE:
		seq_say(s, ST_EV_ACTION, "slide %s %s", names, st->position ? "on" : "off");
		if (!g->pressed)
			g->mark = t;
		ret = slide(s, st);
		break;
	case ST_OP_WAIT:
		seq_say(s, ST_EV_ACTION, "wait %.1f s", st->seconds);
		return seq_pass_time(s, st->seconds);
	case ST_OP_CHARGE:
		ret = seq_charge_for(s, st->seconds);
		break;
	default:
		return 0;
	}
	g->gesture_end = st_fixture_now(s->fx);
	return ret;
}

/* One expectation: 1 seen, 0 not seen (the held controls released), <0
 * station error. */
static int expectation(struct seq *s, const struct st_step *st, struct gesture *g,
		       double *led_from)
{
	/* feedback counts from the gesture that caused it (the press, while
	 * controls are held) */
	double from = g->pressed ? g->press_t : g->mark;
	double lat = -1;
	int ret = seq_expect(s, st, from, g->prev_end + st->within, &lat);

	/* latency counts from where the data says the feedback is due: the
	 * release, or the end of the waits while a control is held (the
	 * MDR-1000X's 12 s hold is the seed's, not the unit's slowness) */
	if (ret == 1 && lat >= 0 && g->latency < 0)
		g->latency = lat - (g->prev_end > from ? g->prev_end - from : 0);
	if (ret == 1 && st->op == ST_OP_EXPECT_LED)
		*led_from = from;
	if (ret == 0 && g->pressed) {
		char e[ST_ERRLEN]; /* the run's end releases everything again */
		st_fixture_release(s->fx, g->pressed, e);
	}
	return ret;
}

static int is_expectation(enum st_step_op op)
{
	return op == ST_OP_EXPECT_LED || op == ST_OP_EXPECT_CHIME || op == ST_OP_EXPECT_PROMPT ||
	       op == ST_OP_EXPECT_TONE;
}

/* Perform the procedure's steps once.  Returns 1 when every expected
 * feedback was seen, 0 when not (step_msg says what), <0 station error. */
static int perform(struct seq *s, const struct st_procedure *p, double *latency,
		   struct seen *seen)
{
	double t0 = st_fixture_now(s->fx);
	struct gesture g = { .mark = t0, .gesture_end = t0, .prev_end = t0, .press_t = -1,
			     .latency = -1 };
	int ret;

	*latency = -1;
	for (int i = 0; i < ST_MAX_STEPS; i++)
		seen->led_from[i] = -1;
	seen->last = t0;
	s->nfb = 0;
	ret = seq_collect(s); /* drop what came before */
	if (ret)
		return ret;
	s->nfb = 0;
	for (int i = 0; i < p->nsteps; i++) {
		const struct st_step *st = &p->steps[i];

		if (seq_aborted(s))
			return ST_ERR_ABORT;
		s->err[0] = '\0';
		if (st->start_within > 0 &&
		    st_fixture_now(s->fx) - g.gesture_end > st->start_within + 1e-9) {
			snprintf(s->step_msg, sizeof(s->step_msg),
				 "%.160s:%d must start within %.1f s of the previous phase; the feedback took too long",
				 s->m->path, st->line, st->start_within);
			return 0;
		}
		if (is_expectation(st->op)) {
			ret = expectation(s, st, &g, &seen->led_from[i]);
			*latency = g.latency;
			if (ret <= 0)
				return ret;
			seen->last = st_fixture_now(s->fx);
		} else {
			ret = gesture(s, st, &g);
			if (ret)
				return ret;
		}
		g.prev_end = st_fixture_now(s->fx);
	}
	if (g.pressed) {
		s->err[0] = '\0';
		ret = st_fixture_release(s->fx, g.pressed, s->err);
		if (ret)
			return ret;
	}
	return 1;
}

static int octets_differ(const char *a, const char *b)
{
	/* the first 3 octets (limit bt.addr_fresh, its source in defaults.lim) */
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
			seq_finding(s, ST_FAIL, ST_DISP_WIPES,
				"%s reset changed the paired-device table (%s -> %s); %s:%d says it keeps it",
				kind, b, a, s->m->path, p->line);
		}
	}
	b = seq_kv_get(info_before, "bt_addr");
	a = seq_kv_get(info_after, "bt_addr");
	if (a && b) {
		if ((p->wipes >> ST_ITEM_BT_ADDR) & 1) {
			if (seq_measure(s, "bt.addr_fresh", octets_differ(a, b) ? 1 : 0, "bool") == ST_FAIL)
				seq_finding(s, ST_FAIL, ST_DISP_PAIRING,
					"%s reset kept the first 3 octets of the Bluetooth address (%s -> %s): seed 001 - pairing table corruption persists",
					kind, b, a);
		} else if (strcmp(a, b))
			seq_finding(s, ST_FAIL, ST_DISP_WIPES,
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
			seq_finding(s, ST_FAIL, ST_DISP_WIPES,
				"%s reset did not wipe %s (reads '%s'); %s:%d says it wipes it", kind, key,
				a, s->m->path, p->line);
		else if (!wiped && strcmp(a, b))
			seq_finding(s, ST_FAIL, ST_DISP_WIPES, "%s reset changed %s (%s -> %s); %s:%d says it keeps it",
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

/* What the unit reports about itself: INFO and ITEMS. */
struct unit_state {
	struct kv info;   /* identity, power, paired count, Bluetooth address */
	struct kv items;  /* the state items a reset wipes or keeps */
};

static int read_state(struct seq *s, struct unit_state *u)
{
	int ret = seq_info(s, &u->info);

	return ret ? ret : seq_items(s, &u->items);
}

/* The unit reports a USB connection while the station's charger is off
 * (seed 001's lint: "false 'connection detected' signals that block reset
 * logic").  The charger is only on inside charge steps. */
static int false_usb(struct seq *s)
{
	struct kv kv;

	if (!(s->fx->caps & ST_CAP_UART) || seq_info(s, &kv) != ST_OK)
		return 0;
	return seq_kv_is(&kv, "usb", "1");
}

/* Perform the procedure, with the plan's retries while feedback is not
 * seen.  1 registered (latency measured), 0 failed (finding made), <0
 * station error. */
static int attempt(struct seq *s, const struct st_procedure *p, struct seen *seen)
{
	const char *kind = st_reset_name(p->kind);
	int ret = 0, attempts, tries = s->cfg->plan->retries + 1;
	double latency = -1;
	char msg[256];

	for (attempts = 0; attempts < tries; attempts++) {
		/* a retry starts as soon as the last attempt is judged (its
		 * windows ran out): no pause of the station's own */
		if (attempts)
			seq_say(s, ST_EV_INFO, "no feedback (%s); attempt %d of %d", s->step_msg,
				attempts + 1, tries);
		s->step_msg[0] = '\0';
		double t0 = st_fixture_now(s->fx);

		ret = perform(s, p, &latency, seen);
		/* the data's gestures and waits, and the unit's feedback (the
		 * waits for it end when it is seen, or when the data's window
		 * runs out) */
		seq_mandated_since(s, t0);
		if (ret != 0 || strstr(s->step_msg, "EEPROM"))
			break; /* red flashing: retrying does not help */
	}
	if (ret < 0)
		return ret;
	if (ret == 0) {
		st_strlcpy(msg, s->step_msg, sizeof(msg));
		s->step_msg[0] = '\0';
		if (false_usb(s))
			seq_finding(s, ST_FAIL, ST_DISP_PORT_LINT,
				    "%s reset did not register and the unit reports USB with the charger off: seed 001 - lint in the %s port gives false 'connection detected' signals that block reset logic; clean it with a 0.3 mm brass brush (%s)",
				    kind, s->m->port == ST_PORT_MICRO_USB ? "micro-USB" : "USB", msg);
		else if (strstr(msg, "EEPROM"))
			seq_finding(s, ST_FAIL, ST_DISP_EEPROM, "%s reset: %s", kind, msg);
		else
			seq_finding(s, ST_FAIL, ST_DISP_NO_RESPONSE,
				    "%s reset: unit did not respond as its model must (%s)", kind, msg);
		return 0;
	}
	if (attempts > 0)
		seq_say(s, ST_EV_INFO, "%s reset registered on attempt %d", kind, attempts + 1);
	if (latency >= 0)
		seq_measure(s, "led.feedback_latency_s", latency, "s");
	return 1;
}

/* Seed 001: "Red flashing indicates error state, not success ... red
 * blink = failed EEPROM write", whatever else the procedure showed.
 * 1 no red seen (or red is the procedure's own feedback), 0 finding made. */
static int no_red(struct seq *s, const struct st_procedure *p, double done)
{
	struct st_led_expect red = { .ncolors = 1, .colors = { "red" } };
	struct led_summary sum;

	/* a procedure whose own feedback is red (the MDR-1000X's red/green
	 * alternate): only red after the procedure is done counts */
	seq_led_summarise(s, &red, red_expected(p) ? done : 0, &sum);
	if (sum.on_count[0] == 0)
		return 1;
	seq_finding(s, ST_FAIL, ST_DISP_EEPROM,
		    "%s reset: LED flashed red %d times - failed EEPROM write, an error state, not success",
		    st_reset_name(p->kind), sum.on_count[0]);
	return 0;
}

/* After the procedure's last expected feedback the LED is watched for the
 * model's `after-feedback` seconds, a need measured and stated in the
 * model file (docs/model-format.md): seed 001's red EEPROM flashing, and
 * flashes beyond the expected count, come in it.  1 nothing wrong, 0
 * finding made, <0 station error or abort. */
static int watch_after(struct seq *s, const struct st_procedure *p, const struct seen *seen)
{
	const struct st_step *last = NULL;
	double from = -1;
	struct led_summary sum;
	char want[160];
	int ret = seq_pass_time(s, s->m->after_feedback);

	if (ret)
		return ret;
	if (!no_red(s, p, seen->last))
		return 0;
	for (int i = 0; i < p->nsteps; i++)
		if (seen->led_from[i] >= 0) {
			last = &p->steps[i];
			from = seen->led_from[i];
		}
	if (!last)
		return 1;
	seq_led_summarise(s, &last->led, from, &sum);
	if (seq_led_count_ok(&last->led, &sum))
		return 1;
	seq_led_describe(&last->led, want, sizeof(want));
	seq_led_mismatch(s, want, &sum, last->within);
	seq_finding(s, ST_FAIL, ST_DISP_NO_RESPONSE,
		    "%s reset: unit did not respond as its model must (%s)", st_reset_name(p->kind),
		    s->step_msg);
	s->step_msg[0] = '\0';
	return 0;
}

/* After the procedure: the unit comes back up (switched on if the
 * procedure ends with it off) and what it wiped and kept is checked. */
static int check_after(struct seq *s, const struct st_procedure *p, const struct unit_state *before)
{
	struct unit_state after;
	int ret;

	/* back up: the wait ends when the unit answers (answer-within is the
	 * fault case's limit) */
	ret = seq_info_until(s, &after.info, NULL, NULL);
	if (ret == ST_OK && seq_kv_get(&after.info, "power") && !seq_kv_is(&after.info, "power", "on") &&
	    s->m->power_controls && s->m->power_on_hold > 0)
		/* a procedure that ends switched off (the model file says
		 * so): switch it on to verify it */
		ret = seq_power_on(s, "power on to verify", &after.info);
	if (ret == ST_ERR_UNIT || ret == ST_ERR_TIMEOUT) {
		seq_finding(s, ST_FAIL, ST_DISP_UNIT_DEAD, "unit stopped answering after the %s reset",
			    st_reset_name(p->kind));
		return 0;
	}
	if (!ret)
		ret = seq_items(s, &after.items);
	if (ret)
		return ret;
	verify_wipes(s, p, &before->info, &after.info, &before->items, &after.items);
	if (((p->wipes >> ST_ITEM_BT_ADDR) & 1) && seq_kv_get(&before->info, "bt_addr"))
		st_strlcpy(s->addr_before, seq_kv_get(&before->info, "bt_addr"),
			   sizeof(s->addr_before));
	return s->step_verdict == ST_PASS || s->step_verdict == ST_SKIP;
}

/* One reset procedure with its gates, retries and verification.
 * Returns 1 done and verified, 0 refused / failed / skipped, <0 station error. */
int seq_reset(struct seq *s, enum st_reset_kind kind)
{
	const struct st_procedure *p = st_model_proc(s->m, kind);
	struct unit_state before;
	struct seen seen;
	int ret;

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
	if (s->fx->caps & ST_CAP_UART) {
		ret = read_state(s, &before);
		if (ret)
			return ret;
	}
	seq_say(s, ST_EV_INFO, "%s reset (%s%s)", st_reset_name(kind), p->source,
		p->generic ? "; generic procedure" : "");
	s->tried[kind] = 1;
	st_strlcpy(s->last_reset, st_reset_name(kind), sizeof(s->last_reset));
	ret = attempt(s, p, &seen);
	if (ret <= 0)
		return ret;
	if (!(s->fx->caps & ST_CAP_UART))
		return s->step_verdict <= ST_PASS;
	ret = watch_after(s, p, &seen);
	if (ret <= 0)
		return ret;
	ret = check_after(s, p, &before);
	if (ret > 0 && kind == ST_RESET_FACTORY)
		s->factory_done_at = seq_now(s);   /* the relearn window starts */
	return ret;
}

/* A reset step of a procedure the model lacks is skipped, saying why. */
int seq_reset_step(struct seq *s, enum st_reset_kind kind)
{
	int r;

	if (!st_model_proc(s->m, kind)) {
		s->step_verdict = ST_SKIP;
		snprintf(s->step_msg, sizeof(s->step_msg), "%s has no %s reset: %s", s->m->id,
			 st_reset_name(kind),
			 s->m->procs[kind].absent_reason[0] ? s->m->procs[kind].absent_reason
							    : "the seeds give none");
		return 1;
	}
	r = seq_reset(s, kind);
	if (r == 0 && s->step_verdict == ST_PASS)
		s->step_verdict = ST_FAIL;
	return r;
}
