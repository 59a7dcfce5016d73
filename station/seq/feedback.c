/*
 * feedback.c - what the unit shows: bench time passing in small slices
 * while LEDs, chimes, prompts and tones are collected; LED patterns
 * summarised and matched against a model's `expect` lines.
 */
#include "internal.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* Feedback the fixture saw since the last poll goes into s->fb and out as
 * events.  Returns a station error or ST_OK. */
int seq_collect(struct seq *s)
{
	struct st_feedback ev[64];
	int n;

	for (;;) {
		s->err[0] = '\0';
		n = st_fixture_poll(s->fx, ev, (int)ST_ARRAY_SIZE(ev), s->err);
		if (n < 0)
			return n;
		for (int i = 0; i < n; i++) {
			if (s->nfb < SEQ_MAX_FB)
				s->fb[s->nfb++] = ev[i];
			if (ev[i].kind == ST_FB_LED)
				seq_say(s, ST_EV_FEEDBACK, "LED %s %s", ev[i].where, ev[i].color);
			else if (ev[i].kind == ST_FB_CHIME)
				seq_say(s, ST_EV_FEEDBACK, "chime x%d", ev[i].count);
			else if (ev[i].kind == ST_FB_PROMPT)
				seq_say(s, ST_EV_FEEDBACK, "voice prompt \"%s\"", ev[i].text);
			else if (ev[i].kind == ST_FB_SWEEP)
				continue;  /* the driver test sweep the response step asked for */
			else
				seq_say(s, ST_EV_FEEDBACK, "tone %.0f Hz", ev[i].hz);
		}
		if (n < (int)ST_ARRAY_SIZE(ev))
			return ST_OK;
	}
}

/* Let `seconds` of bench time pass in small slices, collecting feedback
 * and honouring an abort. */
int seq_pass_time(struct seq *s, double seconds)
{
	double end = st_fixture_now(s->fx) + seconds;

	while (st_fixture_now(s->fx) < end - 1e-9) {
		double left = end - st_fixture_now(s->fx);
		int ret;

		if (seq_aborted(s))
			return ST_ERR_ABORT;
		s->err[0] = '\0';
		ret = st_fixture_wait(s->fx, left < SEQ_SLICE_S ? left : SEQ_SLICE_S, s->err);
		if (ret)
			return ret;
		ret = seq_collect(s);
		if (ret)
			return ret;
	}
	return ST_OK;
}

void seq_mandated_since(struct seq *s, double since)
{
	double d = st_fixture_now(s->fx) - since;

	if (d > 0)
		s->mandated += d;
}

/* A wait that ends on an event: done(s, ctx) is asked at once and after
 * every slice of bench time (feedback collected, an abort honoured) until
 * it says 1 or `limit` seconds have passed.  1 the event came, 0 the limit
 * passed without it, <0 a station error or ST_ERR_ABORT. */
int seq_wait_for(struct seq *s, double limit, int (*done)(struct seq *, void *), void *ctx)
{
	double end = st_fixture_now(s->fx) + limit;

	for (;;) {
		double left;
		int ret = done(s, ctx);

		if (ret)
			return ret;
		left = end - st_fixture_now(s->fx);
		if (left <= 1e-9)
			return 0;
		ret = seq_pass_time(s, left < SEQ_SLICE_S ? left : SEQ_SLICE_S);
		if (ret)
			return ret;
	}
}

/* USB charge power on for `seconds` (collecting feedback), then off. */
int seq_charge_for(struct seq *s, double seconds)
{
	int ret;

	double t0 = st_fixture_now(s->fx);

	seq_say(s, ST_EV_ACTION, "charger on for %.0f s", seconds);
	s->err[0] = '\0';
	ret = st_fixture_charge(s->fx, 1, s->err);
	if (!ret)
		ret = seq_pass_time(s, seconds);
	seq_mandated_since(s, t0); /* a data or seed figure */
	if (!ret)
		ret = st_fixture_charge(s->fx, 0, s->err);
	return ret;
}

/* ------------------------------------------------------------ feedback */

/* Index of the expected colour c matches (`any` matches every lit
 * colour: seed 000's generic "until LED flashes rapidly" names none), -1. */
static int color_index(const char *c, const struct st_led_expect *e)
{
	for (int i = 0; i < e->ncolors; i++)
		if (st_streq_ci(c, e->colors[i]) ||
		    (st_streq_ci(e->colors[i], "any") && !st_streq_ci(c, "off")))
			return i;
	return -1;
}

static int color_in(const char *c, const struct st_led_expect *e)
{
	return color_index(c, e) >= 0;
}

static int where_matches(const char *seen, const char *want)
{
	if (!want[0] || st_streq_ci(want, "any"))
		return 1;
	if (st_streq_ci(seen, want))
		return 1;
	return st_streq_ci(want, "main") && (!seen[0] || st_streq_ci(seen, "main"));
}



void seq_led_summarise(const struct seq *s, const struct st_led_expect *e, double from,
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
		sum->lit = strcmp(cur, "off") != 0;
		if (!sum->lit)
			continue;
		on_t = f->t;
		if (color_in(cur, e)) {
			sum->on_count[color_index(cur, e)]++;
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

int seq_led_count_ok(const struct st_led_expect *e, const struct led_summary *sum)
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

void seq_led_describe(const struct st_led_expect *e, char *buf, size_t n)
{
	snprintf(buf, n, "%s LED %s%s%s %s x%d", e->where, e->colors[0],
		 e->ncolors > 1 ? "/" : "", e->ncolors > 1 ? e->colors[1] : "", e->pattern,
		 e->count);
}

/* What was seen instead of the expected pattern, into step_msg. */
void seq_led_mismatch(struct seq *s, const char *want, const struct led_summary *sum,
		      double within)
{
	if (sum->other)
		snprintf(s->step_msg, sizeof(s->step_msg), "expected %s, saw %s LED (%d flashes)%s",
			 want, sum->other_color, sum->other,
			 st_streq_ci(sum->other_color, "red")
				 ? ": red flashing = failed EEPROM write"
				 : "");
	else if (sum->first_t >= 0)
		snprintf(s->step_msg, sizeof(s->step_msg), "expected %s, saw %d/%d flashes", want,
			 sum->on_count[0], sum->on_count[1]);
	else
		snprintf(s->step_msg, sizeof(s->step_msg), "expected %s within %.1f s, saw nothing",
			 want, within);
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

/* What an expectation waits for, in words. */
static void expect_describe(const struct st_step *st, char *want, size_t n)
{
	if (st->op == ST_OP_EXPECT_LED)
		seq_led_describe(&st->led, want, n);
	else if (st->op == ST_OP_EXPECT_CHIME)
		snprintf(want, n, "chime x%d", st->count);
	else if (st->op == ST_OP_EXPECT_PROMPT)
		snprintf(want, n, "voice prompt \"%.100s\"", st->text);
	else
		snprintf(want, n, "a tone");
}

/* A bench without the sensor asks the operator instead. */
static int expect_by_operator(struct seq *s, const struct st_step *st, const char *want,
			      double *latency)
{
	char q[256], no_answer[256];
	int a;

	snprintf(q, sizeof(q), "Did the unit give %s within %.1f s?", want, st->within);
	snprintf(no_answer, sizeof(no_answer),
		 "the bench cannot see %s and no operator answered",
		 want);
	a = seq_ask_or_fault(s, q, no_answer);
	if (a == 0)
		snprintf(s->step_msg, sizeof(s->step_msg), "operator did not see %s", want);
	*latency = -1;
	return a;
}

/* The LED pattern at bench time t: 1 seen, 0 judged not seen (step_msg
 * says what was seen instead), -1 keep watching.  The pattern is seen the
 * moment its count is reached and the LED goes dark (an event, no settling
 * time); flashes beyond the count are caught by the watch after the
 * procedure (reset.c).  A pattern that began in its window but does not
 * complete is given up `within` seconds after its first flash: the data's
 * window again, not a grace of the station's own. */
static int led_judge(struct seq *s, const struct st_step *st, const char *want, double mark,
		     double deadline, double t, double *latency)
{
	struct led_summary sum;
	double give_up = deadline;

	seq_led_summarise(s, &st->led, mark, &sum);
	if (sum.first_t >= 0 && !sum.lit && seq_led_count_ok(&st->led, &sum)) {
		*latency = sum.first_t - mark;
		return 1;
	}
	if (sum.first_t >= 0 && sum.first_t + st->within > give_up)
		give_up = sum.first_t + st->within;
	if (t < give_up - 1e-9)
		return -1;
	seq_led_mismatch(s, want, &sum, st->within);
	return 0;
}

/* Whether a chime, tone or prompt feedback answers the expectation. */
static int sound_matches(const struct st_step *st, const struct st_feedback *f)
{
	char a[64], b[64];
	size_t la, lb;

	switch (st->op) {
	case ST_OP_EXPECT_CHIME:
		return f->kind == ST_FB_CHIME && (st->count <= 0 || f->count == st->count);
	case ST_OP_EXPECT_TONE:
		return f->kind == ST_FB_TONE || f->kind == ST_FB_CHIME;
	case ST_OP_EXPECT_PROMPT:
		if (f->kind != ST_FB_PROMPT)
			return 0;
		norm_text(f->text, a, sizeof(a));
		norm_text(st->text, b, sizeof(b));
		la = strlen(a);
		lb = strlen(b);
		return !a[0] || !strncmp(a, b, la < lb ? la : lb);
	default:
		return 0;
	}
}

/* The sounds heard since mark: 1 seen, 0 judged not seen, -1 keep listening. */
static int sound_judge(struct seq *s, const struct st_step *st, const char *want, double mark,
		       double deadline, double t, double *latency)
{
	for (int i = 0; i < s->nfb; i++) {
		const struct st_feedback *f = &s->fb[i];

		if (f->t >= mark - 1e-6 && sound_matches(st, f)) {
			*latency = f->t - mark;
			return 1;
		}
	}
	if (t < deadline)
		return -1;
	snprintf(s->step_msg, sizeof(s->step_msg), "expected %s within %.1f s, heard nothing", want,
		 st->within);
	return 0;
}

/* Wait for one expectation.  Returns 1 seen, 0 not seen (s->step_msg
 * says what was seen instead), <0 station error / abort. */
int seq_expect(struct seq *s, const struct st_step *st, double mark, double deadline,
	       double *latency)
{
	char want[160];
	int led = st->op == ST_OP_EXPECT_LED;
	int ret;

	expect_describe(st, want, sizeof(want));
	if (!(s->fx->caps & (led ? ST_CAP_LED_SENSOR : ST_CAP_SOUND)))
		return expect_by_operator(s, st, want, latency);
	for (;;) {
		double t = st_fixture_now(s->fx);

		ret = seq_collect(s);
		if (ret)
			return ret;
		ret = led ? led_judge(s, st, want, mark, deadline, t, latency)
			  : sound_judge(s, st, want, mark, deadline, t, latency);
		if (ret >= 0)
			return ret;
		ret = seq_pass_time(s, SEQ_SLICE_S);
		if (ret)
			return ret;
	}
}
