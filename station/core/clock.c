/*
 * clock.c - real (optionally scaled) and virtual clocks; see clock.h.
 */
#include "clock.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

struct st_clock {
	int is_virtual;   /* 1: time moves only in st_clock_sleep() */
	double scale;     /* bench seconds per wall second (real clocks) */
	double origin;    /* wall monotonic seconds at creation / last rescale */
	double base;      /* bench time at origin */
	double vnow;      /* current virtual time */
};

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

struct st_clock *st_clock_new_real(double scale)
{
	struct st_clock *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->scale = scale > 0 ? scale : 1.0;
	c->origin = mono();
	return c;
}

struct st_clock *st_clock_new_virtual(void)
{
	struct st_clock *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->is_virtual = 1;
	c->scale = 1.0;
	return c;
}

void st_clock_free(struct st_clock *c)
{
	free(c);
}

double st_clock_now(struct st_clock *c)
{
	if (c->is_virtual)
		return c->vnow;
	return c->base + (mono() - c->origin) * c->scale;
}

void st_clock_sleep(struct st_clock *c, double seconds)
{
	struct timespec ts;
	double wall;

	if (seconds <= 0)
		return;
	if (c->is_virtual) {
		c->vnow += seconds;
		return;
	}
	wall = seconds / c->scale;
	ts.tv_sec = (time_t)wall;
	ts.tv_nsec = (long)((wall - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

int st_clock_is_virtual(const struct st_clock *c)
{
	return c->is_virtual;
}

double st_clock_scale(const struct st_clock *c)
{
	return c->scale;
}

void st_clock_set_scale(struct st_clock *c, double scale)
{
	if (c->is_virtual || scale <= 0)
		return;
	c->base = st_clock_now(c);
	c->origin = mono();
	c->scale = scale;
}
