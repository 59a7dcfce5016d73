/*
 * headset_fb.c - the simulated headset's feedback: LED colour changes,
 * chimes, tones and voice prompts are scheduled in time order, moved to a
 * ring as the bench time reaches them and handed to a listener (the
 * simulated audio bench).  The LED patterns and the timing of a phase's
 * feedback (each item 0.2 s after the previous one began, one channel at
 * a time) are computed here, as is the charging LED.
 */
#include "headset_int.h"

#include <string.h>

#include "core/st.h"

/* ---- feedback queue ------------------------------------------------------- */

static void ring_push(struct st_headset *h, const struct st_feedback *ev)
{
	int idx;

	if (h->ring_n == FB_RING) {          /* drop the oldest */
		h->ring_head = (h->ring_head + 1) % FB_RING;
		h->ring_n--;
	}
	idx = (h->ring_head + h->ring_n) % FB_RING;
	h->ring[idx] = *ev;
	h->ring_n++;
	if (h->listen)
		h->listen(h->listen_ctx, ev);
}

void st_headset_listen(struct st_headset *h,
		       void (*fn)(void *ctx, const struct st_feedback *ev), void *ctx)
{
	h->listen = fn;
	h->listen_ctx = ctx;
}

/* Move scheduled feedback up to time t into the ring. */
void hs_flush_pending(struct st_headset *h, double t)
{
	int k = 0;

	while (k < h->npending && h->pending[k].t <= t + EPS)
		ring_push(h, &h->pending[k++]);
	if (k) {
		memmove(h->pending, h->pending + k, (size_t)(h->npending - k) * sizeof(h->pending[0]));
		h->npending -= k;
	}
}

static void schedule(struct st_headset *h, const struct st_feedback *ev)
{
	int i;

	if (h->npending == FB_PENDING) {     /* full: the earliest goes out now */
		ring_push(h, &h->pending[0]);
		memmove(h->pending, h->pending + 1, (size_t)(h->npending - 1) * sizeof(h->pending[0]));
		h->npending--;
	}
	i = h->npending;
	while (i > 0 && h->pending[i - 1].t > ev->t) {
		h->pending[i] = h->pending[i - 1];
		i--;
	}
	h->pending[i] = *ev;
	h->npending++;
}

void hs_fb_led(struct st_headset *h, double t, const char *where, const char *color)
{
	struct st_feedback ev;

	memset(&ev, 0, sizeof(ev));
	ev.t = t;
	ev.kind = ST_FB_LED;
	st_strlcpy(ev.where, where, sizeof(ev.where));
	st_strlcpy(ev.color, color, sizeof(ev.color));
	schedule(h, &ev);
}

void hs_fb_sweep(struct st_headset *h, double t)
{
	struct st_feedback ev;

	memset(&ev, 0, sizeof(ev));
	ev.t = t;
	ev.kind = ST_FB_SWEEP;
	/* the drivers' fault rides along for the simulated bench (acdriver.h) */
	if (has(h, F_DRIVER_CRACKLE))
		st_strlcpy(ev.text, "driver-crackle", sizeof(ev.text));
	else if (has(h, F_LEFT_DROPOUT))
		st_strlcpy(ev.text, "left-dropout", sizeof(ev.text));
	ring_push(h, &ev);
}

void hs_fb_sound(struct st_headset *h, double t, enum st_fb_kind kind, int count,
		     const char *text)
{
	struct st_feedback ev;

	memset(&ev, 0, sizeof(ev));
	ev.t = t;
	ev.kind = kind;
	ev.count = count;
	if (kind == ST_FB_TONE)
		ev.hz = TONE_HZ;
	if (text)
		st_strlcpy(ev.text, text, sizeof(ev.text));
	schedule(h, &ev);
}

/* LED pattern of an expectation starting at t0 (emit = 0: only measure).
 * Returns its length in seconds. */
double hs_led_pattern(struct st_headset *h, const struct st_led_expect *le, double t0,
			  int emit)
{
	const char *where = le->where[0] ? le->where : led_default_where(h);
	int ncol = le->ncolors > 0 ? le->ncolors : 1;
	double on, off, len;
	int n;

	if (!strcmp(le->pattern, "solid")) {
		if (emit) {
			hs_fb_led(h, t0, where, strcmp(le->colors[0], "any") ? le->colors[0] : "white");
			hs_fb_led(h, t0 + SOLID_SECONDS, where, "off");
		}
		return SOLID_SECONDS;
	}
	if (!strcmp(le->pattern, "alternate")) {
		int cycles = le->count > 0 ? le->count : DEFAULT_ALT_CYCLES;

		n = cycles * (ncol > 1 ? ncol : 2);
		for (int k = 0; emit && k < n; k++) {
			const char *c = ncol > 1 ? le->colors[k % ncol] : (k % 2 ? "off" : le->colors[0]);

			hs_fb_led(h, t0 + 0.3 * k, where, strcmp(c, "any") ? c : "white");
		}
		len = 0.3 * n;
		if (emit)
			hs_fb_led(h, t0 + len, where, "off");
		return len;
	}
	if (!strcmp(le->pattern, "flash")) {
		on = 0.1;
		off = 0.1;
	} else if (!strcmp(le->pattern, "pulse")) {
		on = 0.5;
		off = 0.5;
	} else {                                 /* blink */
		on = 0.25;
		off = 0.25;
	}
	n = le->count > 0 ? le->count : DEFAULT_LED_COUNT;
	for (int k = 0; emit && k < n; k++) {
		const char *c = le->colors[k % ncol];

		hs_fb_led(h, t0 + k * (on + off), where, strcmp(c, "any") ? c : "white");
		hs_fb_led(h, t0 + k * (on + off) + on, where, "off");
	}
	return n * (on + off);
}

static int where_slot(const char *where)
{
	static const char *const names[] = { "main", "left", "right", "case" };

	for (int i = 0; i < 4; i++)
		if (!strcmp(where, names[i]))
			return i;
	return 0;
}

/* Give the expectation steps idx[0..n) of procedure p starting at t (emit =
 * 0: only measure).  They start in the data's order (docs/model-format.md:
 * each window starts when the previous feedback is seen): each one 0.2 s
 * after the previous one began, and not before its channel (one LED, or the
 * speaker) is free.  Returns the length in seconds. */
double hs_give_feedback(struct st_headset *h, const struct st_procedure *p,
			    const int *idx, int n, double t, int emit)
{
	double busy[5] = { 0, 0, 0, 0, 0 };   /* main, left, right, case, speaker */
	double start = -FB_STAGGER, len = 0;
	double t0 = t + FB_LATENCY;

	for (int i = 0; i < n; i++) {
		const struct st_step *s = &p->steps[idx[i]];
		int ch = 4;
		double d = 0;

		if (s->op == ST_OP_EXPECT_LED)
			ch = where_slot(s->led.where[0] ? s->led.where : led_default_where(h));
		start += FB_STAGGER;
		if (start < busy[ch])
			start = busy[ch];
		switch (s->op) {
		case ST_OP_EXPECT_LED:
			d = hs_led_pattern(h, &s->led, t0 + start, emit);
			break;
		case ST_OP_EXPECT_PROMPT:
			if (emit)
				hs_fb_sound(h, t0 + start, ST_FB_PROMPT, 0, s->text);
			d = PROMPT_SECONDS;
			break;
		case ST_OP_EXPECT_CHIME:
			if (emit)
				hs_fb_sound(h, t0 + start, ST_FB_CHIME, s->count > 0 ? s->count : 1, NULL);
			d = CHIME_TONE_SECONDS * (s->count > 0 ? s->count : 1);
			break;
		case ST_OP_EXPECT_TONE:
			for (int k = 0; k < (s->count > 0 ? s->count : 1); k++) {
				if (emit)
					hs_fb_sound(h, t0 + start + d, ST_FB_TONE, 1, NULL);
				d += TONE_SECONDS;
			}
			break;
		default:
			break;
		}
		busy[ch] = start + d;
		if (busy[ch] > len)
			len = busy[ch];
	}
	return n ? FB_LATENCY + len : 0;
}

void hs_charge_led_update(struct st_headset *h, double t)
{
	int want_blink = h->charger && h->bms_tripped && !h->bootloader_corrupt;
	int want_solid = h->charger && !h->bms_tripped && !h->bootloader_corrupt &&
			 h->battery < 100.0 - EPS;

	if (want_blink && h->blink_next < 0) {
		h->blink_next = t;
		h->blink_on = 0;
	} else if (!want_blink && h->blink_next >= 0) {
		h->blink_next = -1;
		if (h->blink_on)
			hs_fb_led(h, t, charge_led_where(h), "off");
		h->blink_on = 0;
	}
	if (want_solid != h->charge_led) {
		hs_fb_led(h, t, charge_led_where(h), want_solid ? "amber" : "off");
		h->charge_led = want_solid;
	}
}

int st_headset_feedback(struct st_headset *h, struct st_feedback *ev, int max)
{
	int n = 0;

	if (!h || !ev)
		return 0;
	while (n < max && h->ring_n > 0) {
		ev[n++] = h->ring[h->ring_head];
		h->ring_head = (h->ring_head + 1) % FB_RING;
		h->ring_n--;
	}
	return n;
}
