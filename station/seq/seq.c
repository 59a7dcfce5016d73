/*
 * seq.c - the sequencer (see seq.h).
 *
 * A run is a list of plan steps.  Each step talks to the unit only through
 * the fixture (presses, the LED sensor, the charger, the unit's test UART),
 * judges what it measures against the limit file, stores what it did, and
 * emits events.  Safety gates sit in front of every reset procedure:
 * identity, battery minimum, wear sensor, escalation order, and the model's
 * safe maximum hold and known hazards.  Faults of the bench (fixture
 * silent, port gone) make the run ERROR and are never blamed on the unit.
 */
#include "seq.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <errno.h>
#include <sys/stat.h>

#include "analysis/analysis.h"
#include "audio/audio.h"
#include "limits/limits.h"
#include "measure/measure.h"
#include "store/store.h"

#define MAX_KV 64
#define MAX_FB 1024

/* key=value pairs of one INFO reply. */
struct kv {
	char buf[1024];
	char *key[MAX_KV];
	char *val[MAX_KV];
	int n;
};

/* A failure of the unit, with what the technician should do about it. */
struct finding {
	char reason[256];
	char disposition[64];
};

struct seq {
	const struct st_seq_config *cfg;
	const struct st_limits *lim;    /* limits in force (firmware-resolved once known) */
	struct st_limits **fw_limits;   /* owned firmware-resolved set, freed at the end */
	const struct st_model *m;
	struct st_fixture *fx;
	struct st_seq_result *res;
	double t0;                      /* bench time the run started */
	long long run_id;               /* store row, 0 without a store */
	/* current step */
	int step_idx;
	char step_name[96];
	double step_t0;
	long long step_id;
	enum st_verdict step_verdict;
	char step_msg[256];
	/* what the run knows about the unit */
	int identified;                 /* identity matched the model */
	int battery_checked;
	double battery;                 /* last battery reading, % (-1 unknown) */
	int tried[ST_RESET_COUNT];      /* procedures attempted this run */
	int symptom_link;               /* fixable: Bluetooth link test fails */
	int hardware_fault;             /* a fault no reset fixes was found */
	int fixed;                      /* a ladder rung made the unit verify */
	/* verdict bookkeeping */
	enum st_verdict verdict;        /* worst counted step verdict */
	enum st_verdict fixable_verdict;/* worst verdict excused if a rung fixes the unit */
	struct finding first;           /* first finding (reason + disposition) */
	int have_finding;
	int stop;                       /* end the run after this step */
	/* feedback seen since the current procedure began */
	struct st_feedback fb[MAX_FB];
	int nfb;
	char err[ST_ERRLEN];            /* last station fault */
};

static const char *const ev_names[] = {
	[ST_EV_RUN_START] = "run-start", [ST_EV_STEP_START] = "step-start",
	[ST_EV_ACTION] = "action", [ST_EV_FEEDBACK] = "feedback",
	[ST_EV_MEASUREMENT] = "measurement", [ST_EV_INFO] = "info",
	[ST_EV_REFUSED] = "refused", [ST_EV_STEP_END] = "step-end",
	[ST_EV_RUN_END] = "run-end",
};

const char *st_ev_kind_name(enum st_ev_kind k)
{
	return (unsigned)k < ST_ARRAY_SIZE(ev_names) ? ev_names[k] : "?";
}

/* ---------------------------------------------------------------- events */

static double now(struct seq *s)
{
	return st_fixture_now(s->fx) - s->t0;
}

static void emit(struct seq *s, struct st_event *ev)
{
	ev->t = now(s);
	if (ev->kind != ST_EV_RUN_START && ev->kind != ST_EV_RUN_END) {
		ev->step_idx = s->step_idx;
		ev->step = s->step_name;
	} else {
		ev->step_idx = -1;
		ev->step = "";
	}
	if (s->cfg->on_event)
		s->cfg->on_event(ev, s->cfg->ctx);
	if (s->cfg->store && s->run_id && ev->kind != ST_EV_MEASUREMENT &&
	    ev->kind != ST_EV_STEP_END && ev->kind != ST_EV_RUN_END && ev->text) {
		char e[ST_ERRLEN];
		st_store_event(s->cfg->store, s->run_id, ev->t, st_ev_kind_name(ev->kind),
			       ev->text, e);
	}
}

static void say(struct seq *s, enum st_ev_kind kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void say(struct seq *s, enum st_ev_kind kind, const char *fmt, ...)
{
	char text[512];
	struct st_event ev = { .kind = kind, .text = text };
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	emit(s, &ev);
}

/* Record what the unit did wrong, once per run (the first finding is the
 * one the technician reads first), and mark the step. */
static void finding(struct seq *s, enum st_verdict v, const char *disposition,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void finding(struct seq *s, enum st_verdict v, const char *disposition,
		    const char *fmt, ...)
{
	char text[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	s->step_verdict = st_verdict_worst(s->step_verdict, v);
	if (!s->step_msg[0])
		st_strlcpy(s->step_msg, text, sizeof(s->step_msg));
	int severe = v == ST_ERROR || v == ST_ABORTED;

	if (!s->have_finding || severe) {
		if (!s->have_finding || s->first.reason[0] == '\0' || severe) {
			st_strlcpy(s->first.reason, text, sizeof(s->first.reason));
			st_strlcpy(s->first.disposition, disposition ? disposition : "",
				   sizeof(s->first.disposition));
		}
		s->have_finding = 1;
	}
	say(s, v == ST_ABORTED ? ST_EV_REFUSED : ST_EV_INFO, "%s: %s",
	    st_verdict_name(v), text);
}

/* A fault of the bench: ERROR, never the unit's fault. */
static void station_fault(struct seq *s, int ret, const char *what)
{
	finding(s, ST_ERROR, "retest", "station fault while %s: %s (%s)", what,
		s->err[0] ? s->err : st_strret(ret), st_strret(ret));
	s->stop = 1;
}

static int aborted(struct seq *s)
{
	if (s->cfg->abort_flag && *s->cfg->abort_flag) {
		if (s->step_verdict != ST_ABORTED)
			finding(s, ST_ABORTED, "retest", "operator abort: run stopped, all controls released");
		s->stop = 1;
		return 1;
	}
	return 0;
}

/* ---------------------------------------------------------- measurements */

/* Emit and store one judged measurement. */
static void record(struct seq *s, const char *name, double value, const char *unit,
		   int has_low, double low, int has_high, double high, enum st_verdict v,
		   int marginal)
{
	struct st_event ev = { .kind = ST_EV_MEASUREMENT, .name = name, .value = value,
			       .unit = unit, .verdict = v, .has_low = has_low, .low = low,
			       .has_high = has_high, .high = high, .marginal = marginal };
	char text[256];

	snprintf(text, sizeof(text), "%s = %g %s%s", name, value, unit ? unit : "",
		 marginal ? " (marginal)" : "");
	ev.text = text;
	emit(s, &ev);
	if (s->cfg->store && s->run_id) {
		char e[ST_ERRLEN];
		st_store_measurement(s->cfg->store, s->run_id, s->step_id, name, value,
				     unit ? unit : "", has_low ? low : NAN, has_high ? high : NAN,
				     st_verdict_name(v), e);
	}
	if (v != ST_PASS)
		s->step_verdict = st_verdict_worst(s->step_verdict, v);
}

/* A limit or mask the limit file lacks is a station configuration fault. */
static void missing_limit(struct seq *s, const char *what)
{
	snprintf(s->err, sizeof(s->err), "limit file %s has no %s",
		 s->lim ? st_limits_path(s->lim) : "(none)", what);
	station_fault(s, ST_ERR_NOTFOUND, "judging a measurement");
}

/* Judge `value` against limit `limit` of the limit file, emit and store it
 * as `name`. */
static enum st_verdict measure_as(struct seq *s, const char *limit, const char *name,
				  double value, const char *unit)
{
	const struct st_limit *lim = s->lim ? st_limits_get(s->lim, limit) : NULL;
	int marginal = 0;
	enum st_verdict v;

	if (!lim) {
		char what[96];
		snprintf(what, sizeof(what), "limit '%s'", limit);
		missing_limit(s, what);
		return ST_ERROR;
	}
	v = (enum st_verdict)st_limit_judge(lim, value, &marginal);
	record(s, name, value, lim->unit[0] ? lim->unit : unit, lim->has_low, lim->low,
	       lim->has_high, lim->high, v, marginal);
	return v;
}

static enum st_verdict measure(struct seq *s, const char *name, double value, const char *unit)
{
	return measure_as(s, name, name, value, unit);
}

/* -------------------------------------------------------------- the unit */

static int kv_parse(struct kv *kv, const char *line)
{
	char *p;

	st_strlcpy(kv->buf, line, sizeof(kv->buf));
	kv->n = 0;
	p = kv->buf;
	while (*p && kv->n < MAX_KV) {
		char *tok, *eq;

		while (*p == ' ')
			p++;
		if (!*p)
			break;
		tok = p;
		while (*p && *p != ' ')
			p++;
		if (*p)
			*p++ = '\0';
		eq = strchr(tok, '=');
		if (!eq)
			continue;
		*eq = '\0';
		kv->key[kv->n] = tok;
		kv->val[kv->n] = eq + 1;
		kv->n++;
	}
	return kv->n;
}

static const char *kv_get(const struct kv *kv, const char *key)
{
	for (int i = 0; i < kv->n; i++)
		if (!strcmp(kv->key[i], key))
			return kv->val[i];
	return NULL;
}

static int kv_num(const struct kv *kv, const char *key, double *v)
{
	const char *s = kv_get(kv, key);

	return s && st_parse_double(s, v) == ST_OK ? ST_OK : ST_ERR_NOTFOUND;
}

/* Ask the unit's test UART.  ST_ERR_UNIT: the unit did not answer (its
 * fault); other errors: the station's. */
static int uart(struct seq *s, const char *cmd, char *reply, size_t n)
{
	int ret;

	s->err[0] = '\0';
	ret = st_fixture_uart(s->fx, cmd, reply, n, s->err);
	if (ret == ST_OK && !strncmp(reply, "ERR", 3)) {
		snprintf(s->err, sizeof(s->err), "unit answered '%s' to '%s'", reply, cmd);
		return ST_ERR_UNIT;
	}
	return ret;
}

/* Model names compare equal whatever separates their words ("LinkBuds S",
 * "LinkBuds_S", "LinkBuds-S"). */
static int same_model(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		int ca = (*a == '_' || *a == '-' || *a == ' ') ? ' ' : tolower((unsigned char)*a);
		int cb = (*b == '_' || *b == '-' || *b == ' ') ? ' ' : tolower((unsigned char)*b);
		if (ca != cb)
			return 0;
	}
	return *a == *b;
}

static int info(struct seq *s, struct kv *kv)
{
	char reply[1024];
	int ret = uart(s, "INFO", reply, sizeof(reply));

	if (ret == ST_OK)
		kv_parse(kv, reply);
	return ret;
}

/* Feedback the fixture saw since the last poll goes into s->fb and out as
 * events.  Returns a station error or ST_OK. */
static int collect(struct seq *s)
{
	struct st_feedback ev[64];
	int n;

	for (;;) {
		s->err[0] = '\0';
		n = st_fixture_poll(s->fx, ev, (int)ST_ARRAY_SIZE(ev), s->err);
		if (n < 0)
			return n;
		for (int i = 0; i < n; i++) {
			if (s->nfb < MAX_FB)
				s->fb[s->nfb++] = ev[i];
			if (ev[i].kind == ST_FB_LED)
				say(s, ST_EV_FEEDBACK, "LED %s %s", ev[i].where, ev[i].color);
			else if (ev[i].kind == ST_FB_CHIME)
				say(s, ST_EV_FEEDBACK, "chime x%d", ev[i].count);
			else if (ev[i].kind == ST_FB_PROMPT)
				say(s, ST_EV_FEEDBACK, "voice prompt \"%s\"", ev[i].text);
			else
				say(s, ST_EV_FEEDBACK, "tone %.0f Hz", ev[i].hz);
		}
		if (n < (int)ST_ARRAY_SIZE(ev))
			return ST_OK;
	}
}

/* Let `seconds` of bench time pass in small slices, collecting feedback
 * and honouring an abort. */
static int pass_time(struct seq *s, double seconds)
{
	double end = st_fixture_now(s->fx) + seconds;

	while (st_fixture_now(s->fx) < end - 1e-9) {
		double left = end - st_fixture_now(s->fx);
		int ret;

		if (aborted(s))
			return ST_ERR_ABORT;
		s->err[0] = '\0';
		ret = st_fixture_wait(s->fx, left < 0.05 ? left : 0.05, s->err);
		if (ret)
			return ret;
		ret = collect(s);
		if (ret)
			return ret;
	}
	return ST_OK;
}

/* USB charge power on for `seconds` (collecting feedback), then off. */
static int charge_for(struct seq *s, double seconds)
{
	int ret;

	say(s, ST_EV_ACTION, "charger on for %.0f s", seconds);
	s->err[0] = '\0';
	ret = st_fixture_charge(s->fx, 1, s->err);
	if (!ret)
		ret = pass_time(s, seconds);
	if (!ret)
		ret = st_fixture_charge(s->fx, 0, s->err);
	return ret;
}

/* ------------------------------------------------------- operator prompts */

/* 1 yes, 0 no, <0 no answer possible (ERROR) or abort. */
static int ask(struct seq *s, const char *question)
{
	int a;

	if (s->cfg->confirm) {
		a = s->cfg->confirm(question, s->cfg->ctx);
		say(s, ST_EV_INFO, "operator answered %s: %s", a > 0 ? "yes" : a == 0 ? "no" : "abort",
		    question);
		if (a < 0 && s->cfg->abort_flag)
			*s->cfg->abort_flag = 1;
		return a;
	}
	if (s->cfg->assume) {
		say(s, ST_EV_INFO, "assumed yes, not seen (--confirm yes): %s", question);
		return 1;
	}
	return -1;
}

/* ------------------------------------------------------------ feedback */

static int color_in(const char *c, const struct st_led_expect *e)
{
	for (int i = 0; i < e->ncolors; i++)
		if (st_streq_ci(c, e->colors[i]))
			return 1;
	return 0;
}

static int where_matches(const char *seen, const char *want)
{
	if (!want[0] || st_streq_ci(want, "any"))
		return 1;
	if (st_streq_ci(seen, want))
		return 1;
	return st_streq_ci(want, "main") && (!seen[0] || st_streq_ci(seen, "main"));
}

struct led_summary {
	int on_count[2];      /* on-periods of each expected colour */
	int other;            /* on-periods of other colours */
	char other_color[16]; /* first such colour */
	double mean_on;       /* mean on-time of expected colours, s */
	double first_t;       /* first on of an expected colour, -1 none */
	double last_t;        /* last LED change */
};

static void led_summarise(const struct seq *s, const struct st_led_expect *e, double from,
			  struct led_summary *sum)
{
	char cur[16] = "off";
	double on_t = 0, on_total = 0;
	int on_n = 0;

	memset(sum, 0, sizeof(*sum));
	sum->first_t = -1;
	for (int i = 0; i < s->nfb; i++) {
		const struct st_feedback *f = &s->fb[i];

		if (f->kind != ST_FB_LED || f->t < from - 1e-6 || !where_matches(f->where, e->where))
			continue;
		sum->last_t = f->t;
		if (strcmp(cur, "off") && color_in(cur, e)) {
			on_total += f->t - on_t;
			on_n++;
		}
		st_strlcpy(cur, f->color, sizeof(cur));
		if (!strcmp(cur, "off"))
			continue;
		on_t = f->t;
		if (color_in(cur, e)) {
			for (int c = 0; c < e->ncolors; c++)
				if (st_streq_ci(cur, e->colors[c]))
					sum->on_count[c]++;
			if (sum->first_t < 0)
				sum->first_t = f->t;
		} else {
			if (!sum->other)
				st_strlcpy(sum->other_color, cur, sizeof(sum->other_color));
			sum->other++;
		}
	}
	sum->mean_on = on_n ? on_total / on_n : 0;
}

static int led_count_ok(const struct st_led_expect *e, const struct led_summary *sum)
{
	int total = sum->on_count[0] + sum->on_count[1];

	if (e->ncolors == 2 && (!sum->on_count[0] || !sum->on_count[1]))
		return 0;
	if (e->count <= 0)
		return total > 0;
	if (e->ncolors == 2)
		return sum->on_count[1] == e->count || sum->on_count[0] == e->count ||
		       total == e->count;
	return sum->on_count[0] == e->count;
}

static void led_describe(const struct st_led_expect *e, char *buf, size_t n)
{
	snprintf(buf, n, "%s LED %s%s%s %s x%d", e->where, e->colors[0],
		 e->ncolors > 1 ? "/" : "", e->ncolors > 1 ? e->colors[1] : "", e->pattern,
		 e->count);
}

static void norm_text(const char *in, char *out, size_t n)
{
	size_t o = 0;

	for (; *in && o + 1 < n; in++)
		if (isalnum((unsigned char)*in) || *in == ' ')
			out[o++] = (char)tolower((unsigned char)*in);
	while (o && out[o - 1] == ' ')
		o--;
	out[o] = '\0';
}

/* Wait for one expectation.  Returns 1 seen, 0 not seen (s->step_msg
 * says what was seen instead), <0 station error / abort. */
static int expect(struct seq *s, const struct st_step *st, double mark, double deadline,
		  double *latency)
{
	char want[160];
	int caps_needed = st->op == ST_OP_EXPECT_LED ? ST_CAP_LED_SENSOR : ST_CAP_SOUND;
	int ret;

	if (st->op == ST_OP_EXPECT_LED)
		led_describe(&st->led, want, sizeof(want));
	else if (st->op == ST_OP_EXPECT_CHIME)
		snprintf(want, sizeof(want), "chime x%d", st->count);
	else if (st->op == ST_OP_EXPECT_PROMPT)
		snprintf(want, sizeof(want), "voice prompt \"%.100s\"", st->text);
	else
		snprintf(want, sizeof(want), "a tone");

	if (!(s->fx->caps & caps_needed)) {
		char q[256];
		int a;

		snprintf(q, sizeof(q), "Did the unit give %s within %.1f s?", want, st->within);
		a = ask(s, q);
		if (a < 0) {
			snprintf(s->err, sizeof(s->err),
				 "the bench cannot see %s and no operator answered (use --confirm yes for unattended runs)",
				 want);
			return ST_ERR_UNSUPPORTED;
		}
		if (a == 0)
			snprintf(s->step_msg, sizeof(s->step_msg), "operator did not see %s", want);
		*latency = -1;
		return a;
	}

	for (;;) {
		double t = st_fixture_now(s->fx);

		ret = collect(s);
		if (ret)
			return ret;
		if (st->op == ST_OP_EXPECT_LED) {
			struct led_summary sum;

			led_summarise(s, &st->led, mark, &sum);
			/* let a pattern finish before counting it: 1.2 s of
			 * darkness is more than twice the longest gap inside a
			 * pattern (0.5 s off in a pulse), with room for the
			 * sensor events' delivery on a scaled real clock */
			int settled = sum.first_t >= 0 && t - sum.last_t >= 1.2;
			if (settled && led_count_ok(&st->led, &sum)) {
				*latency = sum.first_t - mark;
				return 1;
			}
			if (settled || t >= deadline + 2.5 || (t >= deadline && sum.first_t < 0)) {
				if (sum.other)
					snprintf(s->step_msg, sizeof(s->step_msg),
						 "expected %s, saw %s LED (%d flashes)%s", want,
						 sum.other_color, sum.other,
						 st_streq_ci(sum.other_color, "red")
							 ? ": red flashing = failed EEPROM write (seed 001)"
							 : "");
				else if (sum.first_t >= 0)
					snprintf(s->step_msg, sizeof(s->step_msg),
						 "expected %s, saw %d/%d flashes", want,
						 sum.on_count[0], sum.on_count[1]);
				else
					snprintf(s->step_msg, sizeof(s->step_msg),
						 "expected %s within %.1f s, saw nothing", want,
						 st->within);
				return 0;
			}
		} else {
			for (int i = 0; i < s->nfb; i++) {
				const struct st_feedback *f = &s->fb[i];
				char a[64], b[64];

				if (f->t < mark - 1e-6)
					continue;
				if (st->op == ST_OP_EXPECT_CHIME && f->kind == ST_FB_CHIME &&
				    (st->count <= 0 || f->count == st->count)) {
					*latency = f->t - mark;
					return 1;
				}
				if (st->op == ST_OP_EXPECT_TONE &&
				    (f->kind == ST_FB_TONE || f->kind == ST_FB_CHIME)) {
					*latency = f->t - mark;
					return 1;
				}
				if (st->op == ST_OP_EXPECT_PROMPT && f->kind == ST_FB_PROMPT) {
					norm_text(f->text, a, sizeof(a));
					norm_text(st->text, b, sizeof(b));
					if (!a[0] || !strncmp(a, b, strlen(a) < strlen(b) ? strlen(a) : strlen(b))) {
						*latency = f->t - mark;
						return 1;
					}
				}
			}
			if (t >= deadline) {
				snprintf(s->step_msg, sizeof(s->step_msg),
					 "expected %s within %.1f s, heard nothing", want, st->within);
				return 0;
			}
		}
		ret = pass_time(s, 0.05);
		if (ret)
			return ret;
	}
}

/* ---------------------------------------------------------- safety gates */

static int mask_covers(unsigned held, unsigned hazard)
{
	return hazard && (held & hazard) == hazard;
}

/* Refuse a procedure whose holds exceed the model's safe maximum or make
 * one of its hazards.  Returns 1 when safe. */
static int holds_safe(struct seq *s, const struct st_procedure *p, char *why, size_t n)
{
	double press_t = -1, t = 0;
	unsigned pressed = 0;

	for (int i = 0; i < p->nsteps; i++) {
		const struct st_step *st = &p->steps[i];
		double tol = st->tolerance > 0 ? st->tolerance : s->m->tolerance;
		double len = -1;
		unsigned mask = st->controls;

		switch (st->op) {
		case ST_OP_HOLD:
			len = st->seconds + tol;
			break;
		case ST_OP_PRESS:
			pressed |= st->controls;
			press_t = t;
			break;
		case ST_OP_WAIT:
			t += st->seconds;
			break;
		case ST_OP_RELEASE:
			if (press_t >= 0) {
				len = t - press_t + tol;
				mask = pressed;
			}
			pressed = 0;
			press_t = -1;
			break;
		default:
			break;
		}
		if (len < 0)
			continue;
		char names[96];
		st_model_controls_str(s->m, mask, names, sizeof(names));
		if (len > s->m->max_hold + 1e-9) {
			snprintf(why, n, "step at %s:%d would hold %s for %.1f s, past the model's safe maximum of %.1f s",
				 s->m->path, st->line, names, len, s->m->max_hold);
			return 0;
		}
		for (int h = 0; h < s->m->nhazards; h++) {
			const struct st_hazard *hz = &s->m->hazards[h];
			if (mask_covers(mask, hz->controls) && len >= hz->seconds) {
				snprintf(why, n, "step at %s:%d would hold %s for %.1f s: %s",
					 s->m->path, st->line, names, len, hz->source);
				return 0;
			}
		}
	}
	return 1;
}

static int step_identify(struct seq *s);
static int step_battery(struct seq *s);

/* Every gate in front of a reset procedure.  Returns 1 to go ahead; 0
 * refused (ABORTED recorded) or the unit failed; <0 station error. */
static int gates(struct seq *s, const struct st_procedure *p)
{
	const char *kind = st_reset_name(p->kind);
	char why[320];
	struct kv kv;
	double bat, min;
	int ret;

	if (!s->identified) {
		ret = step_identify(s);
		if (ret < 0 || !s->identified)
			return ret < 0 ? ret : 0;
	}
	if (!holds_safe(s, p, why, sizeof(why))) {
		finding(s, ST_ABORTED, "fix-model-data", "%s reset refused: %s", kind, why);
		return 0;
	}
	if (s->cfg->plan->escalation && p->kind == ST_RESET_FACTORY) {
		for (int k = ST_RESET_SOFT; k <= ST_RESET_BLUETOOTH; k++) {
			if (st_model_proc(s->m, (enum st_reset_kind)k) && !s->tried[k]) {
				finding(s, ST_ABORTED, "retest",
					"factory reset refused: the %s reset has not been tried (seed 000: Bluetooth reset first, then soft, then factory - never skipping steps)",
					st_reset_name((enum st_reset_kind)k));
				return 0;
			}
		}
	}
	/* battery minimum of this procedure: seed 000 "Never attempt resets
	 * on sub-10% battery"; a factory reset may ask for more */
	min = p->battery_min > 0 ? p->battery_min : s->m->battery_min;
	if (p->kind == ST_RESET_FACTORY && s->m->factory_battery_min > min)
		min = s->m->factory_battery_min;
	if (!(s->fx->caps & ST_CAP_UART)) {
		char q[256];
		snprintf(q, sizeof(q), "Is the unit charged to at least %.0f %% and off the head?", min);
		ret = ask(s, q);
		if (ret < 0) {
			snprintf(s->err, sizeof(s->err), "no operator to confirm the battery level");
			return ST_ERR_UNSUPPORTED;
		}
		if (ret == 0) {
			finding(s, ST_ABORTED, "charge-and-retest",
				"%s reset refused: operator says the battery is below %.0f %% or the unit is worn",
				kind, min);
			return 0;
		}
		return 1;
	}
	ret = info(s, &kv);
	if (ret)
		return ret;
	if (kv_num(&kv, "battery", &bat) != ST_OK) {
		finding(s, ST_ABORTED, "charge-and-retest",
			"%s reset refused: the battery level cannot be read, and the seeds forbid resets below %.0f %%",
			kind, min);
		return 0;
	}
	s->battery = bat;
	if (bat < min) {
		finding(s, ST_ABORTED, "charge-and-retest",
			"%s reset refused: battery %.0f %% is below the %.0f %% minimum (seed 000: voltage instability can brick the Bluetooth controller) - charge and retest",
			kind, bat, min);
		return 0;
	}
	/* identity again: the unit on the fixture may have been swapped */
	const char *model = kv_get(&kv, "model");
	if (model && !same_model(model, s->m->identity)) {
		finding(s, ST_ABORTED, "check-model",
			"%s reset refused: unit reports model %s, not %s", kind, model, s->m->identity);
		return 0;
	}
	/* wear sensor: seed 001 "proximity sensors ... may abort reset if they detect 'worn'" */
	const char *worn = kv_get(&kv, "worn");
	if (s->m->wear == ST_WEAR_ABORTS && worn && !strcmp(worn, "1")) {
		finding(s, ST_ABORTED, "remove-from-head",
			"%s reset refused: the wear sensor says worn (seed 001: it aborts resets) - take the unit off and place it flat",
			kind);
		return 0;
	}
	return 1;
}

/* Bring the unit into the state the procedure needs. */
static int preconditions(struct seq *s, const struct st_procedure *p)
{
	struct kv kv;
	int ret;

	if (!(s->fx->caps & ST_CAP_UART))
		return 1;
	if (p->preconditions & (ST_PRE_IN_CASE | ST_PRE_LID_CLOSED)) {
		say(s, ST_EV_ACTION, "place the buds in the case and close the lid");
		s->err[0] = '\0';
		ret = st_fixture_place(s->fx, 1, 1, s->err);
		if (ret)
			return ret;
		ret = pass_time(s, 1.0);
		if (ret)
			return ret;
	}
	ret = info(s, &kv);
	if (ret)
		return ret;
	const char *power = kv_get(&kv, "power");
	if ((p->preconditions & ST_PRE_POWERED_ON) && power && strcmp(power, "on")) {
		unsigned pc = s->m->power_controls;
		if (!pc || s->m->power_on_hold <= 0) {
			finding(s, ST_FAIL, "service", "unit is off and the model has no POWER button to switch it on");
			return 0;
		}
		say(s, ST_EV_ACTION, "power on: hold POWER %.1f s", s->m->power_on_hold);
		s->err[0] = '\0';
		ret = st_fixture_press(s->fx, pc, s->m->power_on_hold, s->err);
		if (ret)
			return ret;
		ret = pass_time(s, 3.0);
		if (ret)
			return ret;
		ret = info(s, &kv);
		if (ret)
			return ret;
		power = kv_get(&kv, "power");
		if (power && strcmp(power, "on")) {
			finding(s, ST_FAIL, "service", "unit does not power on (POWER held %.1f s)",
				s->m->power_on_hold);
			return 0;
		}
	}
	if (p->preconditions & ST_PRE_IN_CASE) {
		const char *in = kv_get(&kv, "in_case"), *lid = kv_get(&kv, "lid");
		if ((in && strcmp(in, "1")) || (lid && (p->preconditions & ST_PRE_LID_CLOSED) &&
						   strcmp(lid, "closed") && strcmp(lid, "1"))) {
			finding(s, ST_ERROR, "retest",
				"station fault: the buds are not reported in the case with the lid closed after placing them");
			return 0;
		}
	}
	return 1;
}

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
	ret = collect(s); /* drop what came before */
	if (ret)
		return ret;
	s->nfb = 0;
	for (int i = 0; i < p->nsteps; i++) {
		const struct st_step *st = &p->steps[i];
		char names[96];
		double lat = -1;

		if (aborted(s))
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
			say(s, ST_EV_ACTION, "hold %s %.1f s", names, st->seconds);
			mark = st_fixture_now(s->fx);
			ret = st_fixture_press(s->fx, st->controls, st->seconds, s->err);
			gesture_end = st_fixture_now(s->fx);
			break;
		case ST_OP_PRESS:
			say(s, ST_EV_ACTION, "press %s (fixture releases by itself after %.1f s)", names,
			    s->m->max_hold);
			mark = press_t = st_fixture_now(s->fx);
			pressed |= st->controls;
			ret = st_fixture_hold(s->fx, st->controls, s->m->max_hold, s->err);
			break;
		case ST_OP_RELEASE: {
			unsigned mask = st->controls ? st->controls : pressed;
			st_model_controls_str(s->m, mask, names, sizeof(names));
			say(s, ST_EV_ACTION, "release %s after %.1f s", names,
			    press_t >= 0 ? st_fixture_now(s->fx) - press_t : 0.0);
			ret = st_fixture_release(s->fx, mask, s->err);
			pressed &= ~mask;
			gesture_end = st_fixture_now(s->fx);
			break;
		}
		case ST_OP_TAP:
			say(s, ST_EV_ACTION, "tap %s x%d", names, st->count);
			mark = st_fixture_now(s->fx);
			for (int k = 0; k < st->count && !ret; k++) {
				ret = st_fixture_press(s->fx, st->controls, 0.1, s->err);
				if (!ret && k + 1 < st->count)
					ret = pass_time(s, st->gap > 0.1 ? st->gap - 0.1 : 0.1);
			}
			gesture_end = st_fixture_now(s->fx);
			break;
		case ST_OP_SLIDE:
			say(s, ST_EV_ACTION, "slide %s %s", names, st->position ? "on" : "off");
			if (!pressed)
				mark = st_fixture_now(s->fx);
			for (int c = 0; c < s->m->ncontrols && !ret; c++)
				if (st->controls & (1u << c))
					ret = st_fixture_slide(s->fx, c, st->position, s->err);
			gesture_end = st_fixture_now(s->fx);
			break;
		case ST_OP_WAIT:
			say(s, ST_EV_ACTION, "wait %.1f s", st->seconds);
			ret = pass_time(s, st->seconds);
			break;
		case ST_OP_CHARGE:
			ret = charge_for(s, st->seconds);
			gesture_end = st_fixture_now(s->fx);
			break;
		case ST_OP_EXPECT_LED:
		case ST_OP_EXPECT_CHIME:
		case ST_OP_EXPECT_PROMPT:
		case ST_OP_EXPECT_TONE: {
			/* feedback counts from the gesture that caused it (the
			 * press, while controls are held) */
			double from = pressed ? press_t : mark;
			ret = expect(s, st, from, prev_end + st->within, &lat);
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

/* The unit's state items (ITEMS: "paired=custom eq=default ..."). */
static int items(struct seq *s, struct kv *kv)
{
	char reply[1024];
	int ret = uart(s, "ITEMS", reply, sizeof(reply));

	if (ret == ST_OK)
		kv_parse(kv, reply);
	return ret;
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

	b = kv_get(info_before, "paired");
	a = kv_get(info_after, "paired");
	if (a && b) {
		if ((p->wipes >> ST_ITEM_PAIRED) & 1) {
			if (st_parse_double(a, &v) == ST_OK)
				measure(s, "bt.paired_after_reset", v, "count");
		} else if (strcmp(a, b)) {
			finding(s, ST_FAIL, "service",
				"%s reset changed the paired-device table (%s -> %s); %s:%d says it keeps it",
				kind, b, a, s->m->path, p->line);
		}
	}
	b = kv_get(info_before, "bt_addr");
	a = kv_get(info_after, "bt_addr");
	if (a && b) {
		if ((p->wipes >> ST_ITEM_BT_ADDR) & 1)
			measure(s, "bt.addr_fresh", octets_differ(a, b) ? 1 : 0, "bool");
		else if (strcmp(a, b))
			finding(s, ST_FAIL, "service",
				"%s reset changed the Bluetooth address; %s:%d says it keeps it", kind,
				s->m->path, p->line);
	}
	for (int it = 0; it < ST_ITEM_COUNT; it++) {
		const char *key = st_item_name((enum st_item)it);
		int wiped = (p->wipes >> it) & 1;

		if (it == ST_ITEM_PAIRED || it == ST_ITEM_BT_ADDR || it == ST_ITEM_RAM)
			continue;
		b = kv_get(before, key);
		a = kv_get(after, key);
		if (!a || !b)
			continue;
		if (wiped && strcmp(a, "default"))
			finding(s, ST_FAIL, "service",
				"%s reset did not wipe %s (reads '%s'); %s:%d says it wipes it", kind, key,
				a, s->m->path, p->line);
		else if (!wiped && strcmp(a, b))
			finding(s, ST_FAIL, "service", "%s reset changed %s (%s -> %s); %s:%d says it keeps it",
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
static int do_reset(struct seq *s, enum st_reset_kind kind)
{
	const struct st_procedure *p = st_model_proc(s->m, kind);
	struct kv before, after, items_before, items_after;
	int ret, attempts;
	double latency = -1;

	if (!p) {
		const struct st_procedure *abs = &s->m->procs[kind];
		say(s, ST_EV_INFO, "%s has no %s reset: %s", s->m->id, st_reset_name(kind),
		    abs->absent_reason[0] ? abs->absent_reason : "the seeds give none");
		return 0;
	}
	ret = gates(s, p);
	if (ret <= 0)
		return ret;
	ret = preconditions(s, p);
	if (ret <= 0)
		return ret;
	memset(&before, 0, sizeof(before));
	memset(&items_before, 0, sizeof(items_before));
	if (s->fx->caps & ST_CAP_UART) {
		ret = info(s, &before);
		if (!ret)
			ret = items(s, &items_before);
		if (ret)
			return ret;
	}
	say(s, ST_EV_INFO, "%s reset (%s%s)", st_reset_name(kind), p->source,
	    p->generic ? "; generic procedure" : "");
	s->tried[kind] = 1;
	for (attempts = 0; attempts <= s->cfg->plan->retries; attempts++) {
		if (attempts) {
			say(s, ST_EV_INFO, "no feedback (%s); attempt %d of %d", s->step_msg,
			    attempts + 1, s->cfg->plan->retries + 1);
			s->step_msg[0] = '\0';
			ret = pass_time(s, 2.0);
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
			finding(s, ST_FAIL, "service-centre", "%s reset: %s", st_reset_name(kind), msg);
		else
			finding(s, ST_FAIL, "service",
				"%s reset: unit did not respond as its model must (%s)",
				st_reset_name(kind), msg);
		return 0;
	}
	if (attempts > 0)
		say(s, ST_EV_INFO, "%s reset registered on attempt %d", st_reset_name(kind), attempts + 1);
	if (latency >= 0)
		measure(s, "led.feedback_latency_s", latency, "s");
	if (!(s->fx->caps & ST_CAP_UART))
		return s->step_verdict <= ST_PASS;
	ret = pass_time(s, 3.0); /* let it come back up */
	if (ret)
		return ret;
	/* seed 001: "Red flashing indicates error state, not success ... red
	 * blink = failed EEPROM write", whatever else the procedure showed */
	if (!red_expected(p)) {
		struct st_led_expect red = { .ncolors = 1, .colors = { "red" } };
		struct led_summary sum;
		led_summarise(s, &red, 0, &sum);
		if (sum.on_count[0] > 0) {
			finding(s, ST_FAIL, "service-centre",
				"%s reset: LED flashed red %d times - failed EEPROM write (seed 001: red blink is an error state, not success)",
				st_reset_name(kind), sum.on_count[0]);
			return 0;
		}
	}
	ret = info(s, &after);
	if (ret == ST_OK && kv_get(&after, "power") && strcmp(kv_get(&after, "power"), "on") &&
	    s->m->power_controls && s->m->power_on_hold > 0) {
		/* a procedure that ends switched off (seed 001: "then power off
		 * manually"): switch it on to verify it */
		say(s, ST_EV_ACTION, "power on to verify: hold %.1f s", s->m->power_on_hold);
		s->err[0] = '\0';
		ret = st_fixture_press(s->fx, s->m->power_controls, s->m->power_on_hold, s->err);
		if (!ret)
			ret = pass_time(s, 3.0);
		if (!ret)
			ret = info(s, &after);
	}
	if (ret == ST_ERR_UNIT || ret == ST_ERR_TIMEOUT) {
		finding(s, ST_FAIL, "service-centre", "unit stopped answering after the %s reset",
			st_reset_name(kind));
		return 0;
	}
	if (!ret)
		ret = items(s, &items_after);
	if (ret)
		return ret;
	verify_wipes(s, p, &before, &after, &items_before, &items_after);
	return s->step_verdict == ST_PASS || s->step_verdict == ST_SKIP;
}

/* ------------------------------------------------------------------ steps */

static int step_identify(struct seq *s)
{
	struct kv kv;
	const char *model, *fw, *serial, *bt, *touch;
	int ret;

	if (!(s->fx->caps & ST_CAP_UART)) {
		char q[160];
		snprintf(q, sizeof(q), "Is the unit on the fixture a %s (label inside the left earcup)?",
			 s->m->id);
		ret = ask(s, q);
		if (ret < 0) {
			snprintf(s->err, sizeof(s->err), "the bench cannot read the unit's identity and no operator answered");
			return ST_ERR_UNSUPPORTED;
		}
		if (ret == 0) {
			finding(s, ST_ABORTED, "check-model", "operator says the unit is not a %s", s->m->id);
			return 0;
		}
		s->identified = 1;
		return 1;
	}
	ret = info(s, &kv);
	if (ret == ST_ERR_UNIT || ret == ST_ERR_TIMEOUT) {
		/* the unit is silent; the fixture is fine (it answered).  Seed
		 * 000/001: put it on the charger and watch the charging LED. */
		/* drivers say ST_ERR_UNIT; a fixture reporting its own "unit
		 * UART timeout" error code is the unit's silence too */
		if (ret == ST_ERR_TIMEOUT && !strstr(s->err, "unit"))
			return ret;
		say(s, ST_EV_INFO, "unit does not answer on its test UART: charging it for 30 s");
		s->err[0] = '\0';
		s->nfb = 0;
		ret = st_fixture_charge(s->fx, 1, s->err);
		if (!ret)
			ret = pass_time(s, 30.0);
		if (ret)
			return ret;
		struct st_led_expect amber = { .where = "", .ncolors = 1, .colors = { "amber" } };
		struct led_summary sum;
		led_summarise(s, &amber, 0, &sum);
		ret = info(s, &kv);
		char e[ST_ERRLEN];
		st_fixture_charge(s->fx, 0, e);
		if (sum.on_count[0] >= 5) {
			finding(s, ST_FAIL, "trickle-charge-12h",
				"battery protection tripped: the charging LED blinks amber rapidly (seed 001: leave it on the original charger for 12 hours so the BMS re-enables discharge)");
			s->stop = 1;
			return 0;
		}
		if (ret == ST_ERR_UNIT || ret == ST_ERR_TIMEOUT) {
			finding(s, ST_FAIL, "service-centre",
				"unit dead: no answer on its test UART and no charging LED after 30 s on the charger");
			s->stop = 1;
			return 0;
		}
		if (ret)
			return ret;
	} else if (ret) {
		return ret;
	}
	model = kv_get(&kv, "model");
	fw = kv_get(&kv, "fw");
	serial = kv_get(&kv, "serial");
	bt = kv_get(&kv, "bt");
	touch = kv_get(&kv, "touch");
	say(s, ST_EV_INFO, "unit reports model %s, serial %s, firmware %s", model ? model : "?",
	    serial ? serial : "?", fw ? fw : "?");
	if (!model || !same_model(model, s->m->identity)) {
		finding(s, ST_ABORTED, "check-model",
			"unit reports model %s but %s was selected: refusing to run %s procedures on it (seed 001: XM3 steps on an XM4 soft-brick its touch interface)",
			model ? model : "(none)", s->m->id, s->m->id);
		s->stop = 1;
		return 0;
	}
	if (serial && s->cfg->serial && s->cfg->serial[0] && strcmp(serial, s->cfg->serial))
		say(s, ST_EV_INFO, "note: unit reports serial %s, the scanned serial is %s", serial,
		    s->cfg->serial);
	if (fw && s->cfg->limits_dir && !*s->fw_limits && !st_streq_ci(fw, "unknown")) {
		char e[ST_ERRLEN];
		if (st_limits_load_model(s->cfg->limits_dir, s->m->id, fw, s->fw_limits, e) == ST_OK) {
			s->lim = *s->fw_limits;
			say(s, ST_EV_INFO, "limits resolved for firmware %s", fw);
		} else {
			say(s, ST_EV_INFO, "limits for firmware %s not resolved (%s); model limits kept", fw, e);
		}
	}
	if (fw) {
		st_strlcpy(s->res->firmware, fw, sizeof(s->res->firmware));
		if (s->cfg->store && s->run_id) {
			char e[ST_ERRLEN];
			st_store_run_update_firmware(s->cfg->store, s->run_id, fw, e);
		}
	}
	s->identified = 1;
	if (!fw || st_streq_ci(fw, "unknown")) {
		finding(s, ST_FAIL, "service-centre",
			"firmware corrupt: reads '%s' (seed 001: the SPI flash is corrupted; only a Sony service centre can reflash it)",
			fw ? fw : "nothing");
		s->hardware_fault = 1;
		s->stop = 1;
		return 0;
	}
	if (bt && !strcmp(bt, "dead")) {
		finding(s, ST_FAIL, "service-centre", "Bluetooth controller does not start (bricked)");
		s->hardware_fault = 1;
		s->stop = 1;
		return 0;
	}
	if (touch && strcmp(touch, "ok")) {
		finding(s, ST_FAIL, "wait-6h-and-retest",
			"touch interface soft-bricked (%s) - seed 001: another model's reset does this for 4-6 hours",
			touch);
		s->hardware_fault = 1;
		s->stop = 1;
		return 0;
	}
	return 1;
}

static int step_battery(struct seq *s)
{
	struct kv kv;
	double bat, min = s->m->battery_min;
	int ret;

	if (!(s->fx->caps & ST_CAP_UART)) {
		s->step_verdict = ST_SKIP;
		st_strlcpy(s->step_msg, "no unit UART on this bench: the battery is confirmed before each reset",
			   sizeof(s->step_msg));
		return 1;
	}
	ret = info(s, &kv);
	if (ret)
		return ret;
	if (kv_num(&kv, "battery", &bat) != ST_OK) {
		finding(s, ST_FAIL, "service", "battery level unreadable");
		return 0;
	}
	s->battery = bat;
	s->battery_checked = 1;
	if (measure(s, "battery.min_pct", bat, "%") != ST_PASS || bat < min) {
		s->step_verdict = ST_PASS; /* a low battery is a refusal, not a unit failure */
		finding(s, ST_ABORTED, "charge-and-retest",
			"battery %.0f %% is below the %.0f %% minimum: no reset will be attempted (seed 000: \"Never attempt resets on sub-10%% battery\") - charge and retest",
			bat, min);
		s->stop = 1;
		return 0;
	}
	return 1;
}

static int step_controls(struct seq *s)
{
	char reply[512];
	struct kv kv;
	int ret, presses[ST_MAX_CONTROLS] = { 0 };
	unsigned pending = 0;

	if (!(s->fx->caps & ST_CAP_UART)) {
		s->step_verdict = ST_SKIP;
		st_strlcpy(s->step_msg, "no unit UART on this bench: key test not possible", sizeof(s->step_msg));
		return 1;
	}
	for (int c = 0; c < s->m->ncontrols; c++)
		if (s->m->controls[c].kind != ST_CTL_SLIDE)
			pending |= 1u << c;
	ret = uart(s, "KEYTEST ON", reply, sizeof(reply));
	if (ret)
		return ret;
	for (int round = 1; round <= 3 && pending; round++) {
		for (int c = 0; c < s->m->ncontrols; c++) {
			if (!(pending & (1u << c)))
				continue;
			say(s, ST_EV_ACTION, "key test: press %s (press %d)", s->m->controls[c].name, round);
			s->err[0] = '\0';
			ret = st_fixture_press(s->fx, 1u << c, 0.15, s->err);
			if (!ret)
				ret = pass_time(s, 0.2);
			if (ret)
				goto out_keytest;
			presses[c] = round;
		}
		ret = uart(s, "KEYS", reply, sizeof(reply));
		if (ret)
			goto out_keytest;
		kv_parse(&kv, reply);
		for (int c = 0; c < s->m->ncontrols; c++) {
			double v;
			if ((pending & (1u << c)) && kv_num(&kv, s->m->controls[c].name, &v) == ST_OK && v > 0)
				pending &= ~(1u << c);
		}
	}
	for (int c = 0; c < s->m->ncontrols; c++) {
		char name[80];

		if (s->m->controls[c].kind == ST_CTL_SLIDE)
			continue;
		snprintf(name, sizeof(name), "control.%s.presses", s->m->controls[c].name);
		double v = (pending & (1u << c)) ? 99 : presses[c];
		if (measure_as(s, "control.presses_to_register", name, v, "count") == ST_FAIL) {
			finding(s, ST_FAIL, "replace-switch",
				"control %s %s: degraded tact switch (seed 001: clean the switch cavity with >90%% isopropyl alcohol, let dry 30 min, or replace it)",
				s->m->controls[c].name,
				v >= 99 ? "did not register in 3 presses" : "needed several presses");
			s->hardware_fault = 1;
		}
	}
	ret = 0;
out_keytest:
	{
		char e[ST_ERRLEN], r2[64];
		int r = st_fixture_uart(s->fx, "KEYTEST OFF", r2, sizeof(r2), e);
		if (!ret && r)
			ret = r;
	}
	if (ret)
		return ret;
	if (s->hardware_fault && !s->cfg->plan->steps[s->step_idx].keep_going)
		s->stop = 1;
	return s->step_verdict == ST_PASS;
}

/* Link test, false USB detect, touch; with observe > 0 also phantom resets.
 * Sets symptom_link (fixable by resets) or hardware_fault. */
static int health(struct seq *s, double observe, int record)
{
	char reply[256];
	struct kv kv, kv2;
	double boots0 = 0, boots1 = 0;
	int ret;

	s->symptom_link = 0;
	ret = info(s, &kv);
	if (ret)
		return ret;
	const char *usb = kv_get(&kv, "usb");
	if (usb && !strcmp(usb, "1")) {
		finding(s, ST_FAIL, "clean-port",
			"unit reports a USB connection with the charger off: false connection detected (seed 001: lint in the %s port blocks reset logic - clean it with a 0.3 mm brass brush)",
			s->m->port == ST_PORT_MICRO_USB ? "micro-USB" : "USB-C");
		s->hardware_fault = 1;
		return 0;
	}
	const char *touch = kv_get(&kv, "touch");
	if (touch && strcmp(touch, "ok")) {
		finding(s, ST_FAIL, "wait-6h-and-retest", "touch interface soft-bricked (%s)", touch);
		s->hardware_fault = 1;
		return 0;
	}
	if (observe > 0) {
		kv_num(&kv, "boots", &boots0);
		say(s, ST_EV_ACTION, "watch the unit idle for %.0f s", observe);
		ret = pass_time(s, observe);
		if (ret)
			return ret;
		ret = info(s, &kv2);
		if (ret == ST_ERR_UNIT || ret == ST_ERR_TIMEOUT)
			ret = pass_time(s, 5.0) ? ret : info(s, &kv2);
		if (ret)
			return ret;
		kv_num(&kv2, "boots", &boots1);
		if (measure(s, "unit.phantom_resets", boots1 - boots0, "count") == ST_FAIL) {
			finding(s, ST_FAIL, "clean-port",
				"%.0f phantom resets in %.0f s idle (seed 000: an oxidised USB-C port interferes with voltage regulation - clean it with 99%% isopropyl alcohol and an anti-static brush)",
				boots1 - boots0, observe);
			s->hardware_fault = 1;
			return 0;
		}
	}
	ret = uart(s, "LINKTEST", reply, sizeof(reply));
	if (ret)
		return ret;
	kv_parse(&kv2, reply);
	const char *link = kv_get(&kv2, "link");
	int ok = link && !strcmp(link, "ok");
	if (record)
		measure(s, "bt.link_ok", ok, "bool");
	if (!ok) {
		s->symptom_link = 1;
		const char *bt = kv_get(&kv, "bt");
		if (record)
			say(s, ST_EV_INFO, "symptom: Bluetooth link test fails (controller reports '%s')",
			    bt ? bt : "?");
		return 0;
	}
	return 1;
}

static int step_health(struct seq *s, double observe)
{
	int ret;

	if (!(s->fx->caps & ST_CAP_UART)) {
		s->step_verdict = ST_SKIP;
		st_strlcpy(s->step_msg, "no unit UART on this bench: health checks not possible",
			   sizeof(s->step_msg));
		return 1;
	}
	ret = health(s, observe, 1);
	if (ret < 0)
		return ret;
	if (s->hardware_fault) {
		if (!s->cfg->plan->steps[s->step_idx].keep_going)
			s->stop = 1;
		return 0;
	}
	if (s->symptom_link) {
		s->step_verdict = ST_FAIL;
		st_strlcpy(s->step_msg, "Bluetooth link test fails (pairing limbo)", sizeof(s->step_msg));
		return 0;
	}
	return 1;
}

/* Re-verify the unit: identity, firmware, health (no idle watch). */
static int verify(struct seq *s)
{
	int ret;

	if (!(s->fx->caps & ST_CAP_UART)) {
		char q[160];
		snprintf(q, sizeof(q), "Does the %s now pair and play normally?", s->m->id);
		ret = ask(s, q);
		if (ret < 0) {
			snprintf(s->err, sizeof(s->err), "the bench cannot verify the unit and no operator answered");
			return ST_ERR_UNSUPPORTED;
		}
		if (ret == 0)
			s->step_verdict = ST_FAIL;
		return ret;
	}
	s->identified = 0;
	ret = step_identify(s);
	if (ret <= 0)
		return ret;
	ret = health(s, 0, 1);
	if (ret == 0 && s->symptom_link && !s->hardware_fault) {
		s->step_verdict = ST_FAIL;
		st_strlcpy(s->step_msg, "Bluetooth link test still fails", sizeof(s->step_msg));
	}
	return ret;
}

/* --------------------------------------------------------- acoustic steps */

/* Where this run's raw captures go: DIR/<uuid>/, made on first use. */
static const char *capture_dir(struct seq *s, char *buf, size_t n)
{
	if (!s->cfg->capture_dir)
		return NULL;
	mkdir(s->cfg->capture_dir, 0777);
	snprintf(buf, n, "%s/%s", s->cfg->capture_dir, s->res->uuid);
	if (mkdir(buf, 0777) && errno != EEXIST)
		return NULL;
	return buf;
}

static void keep_files(struct seq *s, const struct st_meas_files *f)
{
	for (int i = 0; i < f->n; i++) {
		char e[ST_ERRLEN];
		say(s, ST_EV_INFO, "capture %s: %s", f->f[i].what, f->f[i].path);
		if (s->cfg->store && s->run_id)
			st_store_artifact(s->cfg->store, s->run_id, s->step_id, f->f[i].what,
					  f->f[i].path, f->f[i].sha256, e);
	}
}

static void measure_setup(struct seq *s, struct st_measure *m, char *dir, size_t n)
{
	st_measure_init(m, s->cfg->audio, s->fx, s->m);
	m->outdir = capture_dir(s, dir, n);
	m->tag = s->cfg->serial;
}

/* Judge one band of a frequency response against a mask; returns the
 * verdict and, on FAIL, the bound it missed. */
static enum st_verdict mask_point(struct seq *s, const struct st_mask *mk, const char *name,
				  double hz, double value, double *bound)
{
	double lo, hi;
	int has_lo = 0, has_hi = 0;
	enum st_verdict v = ST_PASS;

	if (st_mask_at(mk, hz, &lo, &has_lo, &hi, &has_hi) != ST_OK || (!has_lo && !has_hi))
		return ST_SKIP;  /* outside the mask: not judged */
	if (isnan(value))
		v = ST_ERROR;
	else if (has_lo && value < lo) {
		v = ST_FAIL;
		*bound = lo;
	} else if (has_hi && value > hi) {
		v = ST_FAIL;
		*bound = hi;
	}
	record(s, name, value, mk->unit[0] ? mk->unit : "dB", has_lo, lo, has_hi, hi, v, 0);
	return v;
}

static int no_audio(struct seq *s)
{
	s->step_verdict = ST_SKIP;
	st_strlcpy(s->step_msg, "no acoustic bench on this station (station run --audio)",
		   sizeof(s->step_msg));
	return 1;
}

/* What every acoustic measurement does with its result before judging it:
 * keep the raw captures, and turn a capture too noisy to judge into the
 * station's ERROR.  Returns 1 to go on and judge, 0 when not judgeable. */
static int acoustic_result(struct seq *s, const struct st_meas_files *files, int valid,
			   int attempts, const char *why, const char *what)
{
	keep_files(s, files);
	if (valid)
		return 1;
	finding(s, ST_ERROR, "retest",
		"%s measurement not judgeable after %d attempts: %s (the room or the seal, not the unit)",
		what, attempts, why);
	return 0;
}

static int step_anc(struct seq *s)
{
	static const char *const ear_name[2] = { "L", "R" };
	struct st_measure m;
	struct st_meas_anc *r;
	const struct st_mask *active, *total, *passive;
	char dir[512], name[96], worst[256] = "";
	double worst_margin = 0;
	int ret;

	if (!s->cfg->audio)
		return no_audio(s);
	active = st_limits_mask(s->lim, "anc.active_db");
	total = st_limits_mask(s->lim, "anc.total_db");
	passive = st_limits_mask(s->lim, "anc.passive_db");
	if (!active) {
		missing_limit(s, "mask 'anc.active_db'");
		return 0;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return ST_ERR_MEM;
	measure_setup(s, &m, dir, sizeof(dir));
	say(s, ST_EV_ACTION, "sweep with ANC off, then on%s", m.open_ref ? ", and the open ear" : "");
	ret = st_measure_anc(&m, r, s->err);
	if (ret)
		goto out_free;
	ret = acoustic_result(s, &r->files, r->valid, r->attempts, r->why, "ANC");
	if (ret != 1)
		goto out_free;
	for (int e = 0; e < 2; e++) {
		if (!r->ear[e].wired)
			continue;
		for (int i = 0; i < ST_AN_NBANDS; i++) {
			const struct {
				const struct st_mask *mk; const char *what; double v;
			} judged[3] = {
				{ active, "active", r->ear[e].active_db[i] },
				{ r->has_open ? total : NULL, "total", r->ear[e].total_db[i] },
				{ r->has_open ? passive : NULL, "passive", r->ear[e].passive_db[i] },
			};
			double hz = st_an_band_nominal(i);
			for (int k = 0; k < 3; k++) {
				double bound = 0;
				if (!judged[k].mk)
					continue;
				snprintf(name, sizeof(name), "anc.%s_db.%s.%gHz", judged[k].what,
					 ear_name[e], hz);
				if (mask_point(s, judged[k].mk, name, r->fc[i], judged[k].v, &bound) == ST_FAIL &&
				    bound - judged[k].v > worst_margin) {
					worst_margin = bound - judged[k].v;
					snprintf(worst, sizeof(worst),
						 "%s ANC attenuation %.1f dB at %g Hz (%s ear) is %.1f dB short of its mask",
						 judged[k].what, judged[k].v, hz, e ? "right" : "left",
						 worst_margin);
				}
			}
		}
	}
	if (worst[0])
		finding(s, ST_FAIL, "service-anc", "%s", worst);
	ret = s->step_verdict == ST_PASS;
out_free:
	free(r);
	return ret;
}

static int step_mics(struct seq *s)
{
	struct st_measure m;
	struct st_meas_mics *r;
	char dir[512], name[64];
	int ret;

	if (!s->cfg->audio)
		return no_audio(s);
	r = calloc(1, sizeof(*r));
	if (!r)
		return ST_ERR_MEM;
	measure_setup(s, &m, dir, sizeof(dir));
	say(s, ST_EV_ACTION, "sweep to the microphone array");
	ret = st_measure_mics(&m, r, s->err);
	if (ret)
		goto out_free;
	ret = acoustic_result(s, &r->files, r->valid, r->attempts, r->why, "microphone");
	if (ret != 1)
		goto out_free;
	for (int i = 0; i < r->n; i++) {
		const struct st_meas_mic *mc = &r->mic[i];
		enum st_verdict v[4];

		snprintf(name, sizeof(name), "mic.%d.delay_us", i + 1);
		v[0] = measure_as(s, "mic.delay_us", name, mc->delay_us, "us");
		snprintf(name, sizeof(name), "mic.%d.gain_db", i + 1);
		v[1] = measure_as(s, "mic.gain_db", name, mc->gain_db, "dB");
		snprintf(name, sizeof(name), "mic.%d.phase_deg", i + 1);
		v[2] = measure_as(s, "mic.phase_deg", name, mc->phase_deg, "deg");
		snprintf(name, sizeof(name), "mic.%d.polarity", i + 1);
		v[3] = measure_as(s, "mic.polarity", name, mc->polarity, "bool");
		if (v[3] == ST_FAIL)
			finding(s, ST_FAIL, "service",
				"microphone %d is wired inverted (polarity -1): a wiring or firmware fault", i + 1);
		else if (v[0] == ST_FAIL || v[1] == ST_FAIL || v[2] == ST_FAIL)
			finding(s, ST_FAIL, "clean-mic-grilles",
				"microphone %d is out of alignment (%+.1f us, %+.2f dB, %+.1f deg against the array): seed 000 - inspect the mesh grilles with a 10x magnifier and clean with an ultra-soft brush, no compressed air",
				i + 1, mc->delay_us, mc->gain_db, mc->phase_deg);
	}
	ret = s->step_verdict == ST_PASS;
out_free:
	free(r);
	return ret;
}

static int step_ramp(struct seq *s)
{
	struct st_measure m;
	struct st_meas_ramp *r;
	char dir[512];
	int ret;

	if (!s->cfg->audio)
		return no_audio(s);
	r = calloc(1, sizeof(*r));
	if (!r)
		return ST_ERR_MEM;
	measure_setup(s, &m, dir, sizeof(dir));
	say(s, ST_EV_ACTION, "steady noise, ANC on, attenuation over time");
	ret = st_measure_ramp(&m, 0, r, s->err);
	if (ret)
		goto out_free;
	ret = acoustic_result(s, &r->files, r->valid, r->attempts, r->why, "ANC ramp-up");
	if (ret != 1)
		goto out_free;
	if (isnan(r->ramp_s)) {
		finding(s, ST_FAIL, "service-anc",
			"ANC never reached full attenuation during the capture (seed 001: microphone bias voltage misconfigured)");
	} else if (measure(s, "anc.rampup_s", r->ramp_s, "s") == ST_FAIL) {
		finding(s, ST_FAIL, "service-anc",
			"ANC took %.1f s to reach full attenuation; seed 001 says 22-38 s (outside it: microphone bias voltage misconfigured)",
			r->ramp_s);
	}
	ret = s->step_verdict == ST_PASS;
out_free:
	free(r);
	return ret;
}

static int step_assistant(struct seq *s)
{
	struct st_measure m;
	struct st_meas_assistant *r;
	char dir[512];
	int ret;

	if (!s->cfg->audio)
		return no_audio(s);
	r = calloc(1, sizeof(*r));
	if (!r)
		return ST_ERR_MEM;
	measure_setup(s, &m, dir, sizeof(dir));
	say(s, ST_EV_ACTION, "wake phrase on the speaker, listening for the answer");
	ret = st_measure_assistant(&m, NULL, 0, r, s->err);
	if (ret)
		goto out_free;
	ret = acoustic_result(s, &r->files, r->valid, 1, r->why, "voice-assistant");
	if (ret != 1)
		goto out_free;
	if (!r->answered || isnan(r->latency_s)) {
		finding(s, ST_FAIL, "service",
			"no answer to the wake phrase (seed 001: DSP firmware did not reload)");
	} else if (measure(s, "assistant.latency_s", r->latency_s, "s") == ST_FAIL) {
		finding(s, ST_FAIL, "service",
			"voice assistant answered after %.2f s, limit 1.2 s%s", r->latency_s,
			r->latency_s > 2.5 ? " (seed 001: >2.5 s means the DSP firmware did not reload)" : "");
	}
	ret = s->step_verdict == ST_PASS;
out_free:
	free(r);
	return ret;
}

/* ------------------------------------------------------- step bookkeeping */

static void step_begin(struct seq *s, const char *name)
{
	st_strlcpy(s->step_name, name, sizeof(s->step_name));
	s->step_t0 = now(s);
	s->step_verdict = ST_PASS;
	s->step_msg[0] = '\0';
	s->step_id = 0;
	if (s->cfg->store && s->run_id) {
		char e[ST_ERRLEN];
		/* stored now so measurements can refer to it; finished in step_end */
		if (st_store_step(s->cfg->store, s->run_id, s->step_idx, name, "step", "running",
				  s->step_t0, 0, "", &s->step_id, e) != ST_OK)
			s->step_id = 0;
	}
	say(s, ST_EV_STEP_START, "%s", name);
}

static void step_end(struct seq *s, int fixable)
{
	struct st_event ev = { .kind = ST_EV_STEP_END, .verdict = s->step_verdict,
			       .text = s->step_msg };

	emit(s, &ev);
	if (s->cfg->store && s->run_id) {
		char e[ST_ERRLEN];
		if (s->step_id)
			st_store_step_end(s->cfg->store, s->step_id, st_verdict_name(s->step_verdict),
					  now(s) - s->step_t0, s->step_msg, e);
	}
	if (fixable && s->step_verdict == ST_FAIL)
		s->fixable_verdict = ST_FAIL;
	else
		s->verdict = st_verdict_worst(s->verdict, s->step_verdict);
	if (s->step_verdict == ST_ERROR || s->step_verdict == ST_ABORTED)
		s->stop = 1;
	s->res->steps_run++;
	s->step_idx++;
}

/* Run one action inside a step (reset / wait / charge). <0 station error. */
static int action(struct seq *s, const struct st_plan_action *a)
{
	int ret;

	switch (a->op) {
	case ST_PS_RESET:
		return do_reset(s, (enum st_reset_kind)a->reset_kind);
	case ST_PS_WAIT:
		say(s, ST_EV_ACTION, "wait %.0f s", a->seconds);
		return pass_time(s, a->seconds) ? -1 : 1;
	case ST_PS_CHARGE:
		ret = charge_for(s, a->seconds);
		return ret ? ret : 1;
	default:
		return 1;
	}
}

static void handle_error(struct seq *s, int ret, const char *what)
{
	if (ret == ST_ERR_ABORT) {
		aborted(s);
		return;
	}
	station_fault(s, ret, what);
}

static void run_ladder(struct seq *s, const struct st_plan_step *ps)
{
	int rungs_run = 0, healthy;
	char name[96];

	healthy = !s->symptom_link && !s->hardware_fault;
	for (int r = 0; r < ps->nrungs && !s->stop; r++) {
		const struct st_plan_rung *rung = &ps->rungs[r];
		int any = 0, ret = 1;

		if (healthy && rungs_run >= ps->min_rungs)
			break;
		/* a rung whose resets the model lacks is skipped */
		for (int a = 0; a < rung->nacts; a++)
			if (rung->acts[a].op != ST_PS_RESET ||
			    st_model_proc(s->m, (enum st_reset_kind)rung->acts[a].reset_kind))
				any |= rung->acts[a].op == ST_PS_RESET || rung->nacts == 1;
		if (!any) {
			say(s, ST_EV_INFO, "ladder rung %s skipped: %s has no such procedure", rung->name,
			    s->m->id);
			continue;
		}
		snprintf(name, sizeof(name), "ladder %s", rung->name);
		step_begin(s, name);
		for (int a = 0; a < rung->nacts && ret > 0; a++) {
			if (rung->acts[a].op == ST_PS_RESET &&
			    !st_model_proc(s->m, (enum st_reset_kind)rung->acts[a].reset_kind))
				continue;
			ret = action(s, &rung->acts[a]);
		}
		if (ret < 0)
			handle_error(s, ret, name);
		if (s->step_verdict == ST_ABORTED || s->stop) {
			step_end(s, 0);
			return;
		}
		if (s->step_verdict == ST_FAIL) {
			/* the unit failed a reset (no feedback, red LED): that is
			 * the finding, not something the next rung fixes */
			step_end(s, 0);
			s->stop = 1;
			return;
		}
		step_end(s, 0);
		rungs_run++;
		snprintf(name, sizeof(name), "verify after %s", rung->name);
		step_begin(s, name);
		ret = verify(s);
		if (ret < 0)
			handle_error(s, ret, name);
		healthy = ret > 0 && s->step_verdict == ST_PASS;
		step_end(s, !healthy && !s->hardware_fault && !s->stop);
		if (s->stop)
			return;
		if (healthy) {
			if (s->fixable_verdict == ST_FAIL) {
				s->fixed = 1;
				snprintf(s->res->disposition, sizeof(s->res->disposition), "fixed-by-%s",
					 rung->name);
				snprintf(s->res->reason, sizeof(s->res->reason),
					 "Bluetooth link restored by the %s rung", rung->name);
				say(s, ST_EV_INFO, "unit verifies after the %s rung", rung->name);
			}
			return;
		}
	}
	if (!healthy && !s->stop) {
		finding(s, ST_FAIL, "service-centre",
			"not fixed by any reset: the Bluetooth link test still fails after every rung");
		s->verdict = st_verdict_worst(s->verdict, ST_FAIL);
	}
}

/* ------------------------------------------------------------------- run */

int st_seq_run(const struct st_seq_config *cfg, struct st_seq_result *res, char *err)
{
	struct seq *s;
	struct st_limits *fw_limits = NULL;
	struct st_run_info ri;
	char e[ST_ERRLEN];
	int ret = ST_OK;

	if (!cfg || !cfg->model || !cfg->plan || !cfg->fx || !res)
		return st_fail(err, ST_ERR_ARG, "sequencer: model, plan, fixture and result are required");
	s = calloc(1, sizeof(*s));
	if (!s)
		return st_fail(err, ST_ERR_MEM, "sequencer: out of memory");
	memset(res, 0, sizeof(*res));
	s->cfg = cfg;
	s->lim = cfg->limits;
	s->fw_limits = &fw_limits;
	s->m = cfg->model;
	s->fx = cfg->fx;
	s->res = res;
	s->battery = -1;
	s->t0 = st_fixture_now(cfg->fx);
	s->step_idx = 0;
	st_uuid4(res->uuid);

	if (cfg->store) {
		memset(&ri, 0, sizeof(ri));
		st_strlcpy(ri.uuid, res->uuid, sizeof(ri.uuid));
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
		ret = st_store_run_begin(cfg->store, &ri, err);
		if (ret) {
			free(s);
			return ret;
		}
		s->run_id = ri.id;
	}
	say(s, ST_EV_RUN_START, "%s plan on %s serial %s (%s)", cfg->plan->name, s->m->id,
	    cfg->serial ? cfg->serial : "?", cfg->fx->desc);

	for (int i = 0; i < cfg->plan->nsteps && !s->stop; i++) {
		const struct st_plan_step *ps = &cfg->plan->steps[i];
		char name[64];
		int r = 1;

		if (aborted(s))
			break;
		if (ps->op == ST_PS_LADDER) {
			if (s->hardware_fault)
				break;
			run_ladder(s, ps);
			continue;
		}
		if (ps->op == ST_PS_RESET)
			snprintf(name, sizeof(name), "reset %s", st_reset_name((enum st_reset_kind)ps->reset_kind));
		else
			snprintf(name, sizeof(name), "%s", st_plan_op_name(ps->op));
		step_begin(s, name);
		switch (ps->op) {
		case ST_PS_IDENTIFY:
			r = step_identify(s);
			break;
		case ST_PS_BATTERY:
			r = step_battery(s);
			break;
		case ST_PS_CONTROLS:
			r = step_controls(s);
			break;
		case ST_PS_HEALTH:
			r = step_health(s, ps->seconds);
			break;
		case ST_PS_RESET:
			if (!st_model_proc(s->m, (enum st_reset_kind)ps->reset_kind)) {
				s->step_verdict = ST_SKIP;
				snprintf(s->step_msg, sizeof(s->step_msg), "%s has no %s reset: %s", s->m->id,
					 st_reset_name((enum st_reset_kind)ps->reset_kind),
					 s->m->procs[ps->reset_kind].absent_reason[0]
						 ? s->m->procs[ps->reset_kind].absent_reason
						 : "the seeds give none");
				break;
			}
			r = do_reset(s, (enum st_reset_kind)ps->reset_kind);
			if (r == 0 && s->step_verdict == ST_PASS)
				s->step_verdict = ST_FAIL;
			break;
		case ST_PS_VERIFY:
			r = verify(s);
			if (r == 0 && s->step_verdict == ST_PASS)
				s->step_verdict = ST_FAIL;
			break;
		case ST_PS_WAIT:
		case ST_PS_CHARGE: {
			struct st_plan_action a = { .op = ps->op, .seconds = ps->seconds };
			r = action(s, &a);
			break;
		}
		case ST_PS_ANC:
			r = step_anc(s);
			break;
		case ST_PS_MICS:
			r = step_mics(s);
			break;
		case ST_PS_RAMP:
			r = step_ramp(s);
			break;
		case ST_PS_ASSISTANT:
			r = step_assistant(s);
			break;
		default:
			break;
		}
		if (r < 0)
			handle_error(s, r, name);
		if (s->step_verdict == ST_FAIL && !ps->keep_going && ps->op != ST_PS_HEALTH)
			s->stop = 1;
		step_end(s, ps->op == ST_PS_HEALTH && !s->hardware_fault);
	}

	/* every exit path: nothing stays pressed */
	e[0] = '\0';
	if (st_fixture_release_all(cfg->fx, e) != ST_OK && s->verdict < ST_ERROR) {
		st_strlcpy(s->err, e, sizeof(s->err));
		station_fault(s, ST_ERR_IO, "releasing all controls");
		s->verdict = ST_ERROR;
	}
	st_fixture_charge(cfg->fx, 0, e);

	if (s->cfg->abort_flag && *s->cfg->abort_flag) {
		s->verdict = st_verdict_worst(s->verdict, ST_ABORTED);
		if (!s->have_finding) {
			st_strlcpy(s->first.reason, "operator abort: run stopped, all controls released",
				   sizeof(s->first.reason));
			st_strlcpy(s->first.disposition, "retest", sizeof(s->first.disposition));
			s->have_finding = 1;
		}
	}
	if (s->fixable_verdict == ST_FAIL && !s->fixed)
		s->verdict = st_verdict_worst(s->verdict, ST_FAIL);
	res->verdict = s->verdict == ST_SKIP ? ST_PASS : s->verdict;
	if (res->verdict == ST_PASS) {
		if (!res->disposition[0])
			st_strlcpy(res->disposition, cfg->plan->pass_disposition, sizeof(res->disposition));
	} else if (s->have_finding) {
		st_strlcpy(res->disposition, s->first.disposition, sizeof(res->disposition));
		st_strlcpy(res->reason, s->first.reason, sizeof(res->reason));
	}
	{
		struct st_event ev = { .kind = ST_EV_RUN_END, .verdict = res->verdict,
				       .disposition = res->disposition, .reason = res->reason,
				       .uuid = res->uuid, .text = res->reason };
		emit(s, &ev);
	}
	if (cfg->store && s->run_id) {
		if (st_store_run_end(cfg->store, s->run_id, st_verdict_name(res->verdict),
				     res->disposition, res->reason, e) != ST_OK) {
			st_strlcpy(err, e, ST_ERRLEN);
			ret = ST_ERR_DB;
		}
	}
	st_limits_free(fw_limits);
	free(s);
	return ret;
}
