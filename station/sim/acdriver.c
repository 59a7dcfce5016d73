/*
 * acdriver.c - the simulated unit's drivers and their test sweep (see
 * acdriver.h).  Healthy drivers play the sweep as it is; with
 * driver-crackle both drivers lose contact for 70-120 ms once in every
 * 0.3 s, at a seeded place, with a click at each break (oxidised leads);
 * with left-dropout the left driver goes silent for 0.2 s of every 0.5 s
 * (a cracked flex cable, a failing DAC stage).  The gaps fall on the sweep
 * where it is sweeping through some bands, so those bands come out
 * missing in the measured response.
 */
#include "acdriver.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analysis.h"
#include "core/st.h"
#include "fixture/fixture.h"
#include "measure/measure.h"

enum drv_fault { DRV_OK, DRV_CRACKLE, DRV_LEFT_DROPOUT };

struct st_acdriver {
	double rate;          /* Hz */
	float *sweep;         /* the unit's test sweep, n frames */
	size_t n;
	int active;           /* a sweep is scheduled or playing */
	int playing;          /* it has started: pos runs on sample by sample */
	long pos;             /* next sweep sample (a block's bench time jitters on a
	                       * real clock; the sweep must not) */
	double t0;            /* its start, bench time */
	enum drv_fault fault; /* the unit's driver fault */
};

int st_acdriver_new(struct st_acdriver **out, double rate, char *err)
{
	struct st_acdriver *d = calloc(1, sizeof(*d));
	struct st_sweep sw;
	int ret;

	*out = NULL;
	if (!d)
		return st_fail(err, ST_ERR_MEM, "driver model: out of memory");
	st_measure_driver_sweep(&sw, rate);
	d->rate = rate;
	d->n = st_sweep_frames(&sw);
	d->sweep = malloc(d->n * sizeof(float));
	if (!d->sweep) {
		free(d);
		return st_fail(err, ST_ERR_MEM, "driver model: out of memory");
	}
	ret = st_sweep_generate(&sw, d->sweep, d->n, err);
	if (ret != ST_OK) {
		st_acdriver_free(d);
		return ret;
	}
	*out = d;
	return ST_OK;
}

void st_acdriver_free(struct st_acdriver *d)
{
	if (!d)
		return;
	free(d->sweep);
	free(d);
}

void st_acdriver_schedule(struct st_acdriver *d, const struct st_feedback *ev)
{
	if (!d || ev->kind != ST_FB_SWEEP)
		return;
	d->t0 = ev->t;
	d->fault = !strcmp(ev->text, "driver-crackle") ? DRV_CRACKLE :
		   !strcmp(ev->text, "left-dropout") ? DRV_LEFT_DROPOUT : DRV_OK;
	d->active = 1;
	d->playing = 0;
}

/* Contact of the crackling leads at audio time u: 1 on, 0 broken, with a
 * click (returned in *click) on the sample a break starts. */
static double crackle(double u, double rate, double *click)
{
	const double slot = 0.3;
	long k = (long)floor(u / slot);
	unsigned long long h = (unsigned long long)k * 0x9E3779B97F4A7C15ULL + 0x2545F4914F6CDD1DULL;
	double off, len, v = u - (double)k * slot;

	h ^= h >> 31;
	h *= 0xBF58476D1CE4E5B9ULL;
	h ^= h >> 29;
	*click = 0;
	off = (double)((h >> 8) % 1000) / 1000.0 * (slot - 0.12);
	len = 0.07 + (double)((h >> 20) % 1000) / 1000.0 * 0.05;
	if (v >= off && v < off + 1.0 / rate)
		*click = (h & 2) ? 0.3 : -0.3;
	return v >= off && v < off + len ? 0 : 1;
}

void st_acdriver_render(struct st_acdriver *d, double t0, double scale, int live, float *ear_l,
			float *ear_r, size_t n)
{
	double sc = scale > 0 ? scale : 1.0;

	if (!d || !d->active)
		return;
	for (size_t i = 0; i < n; i++) {
		double u, g[2] = { 1, 1 }, click = 0, x;
		long k;

		if (!d->playing) {
			u = (t0 - d->t0) / sc + (double)i / d->rate; /* audio s into the sweep */
			if (u < 0)
				continue;
			d->playing = 1;
			d->pos = lround(u * d->rate);
		}
		k = d->pos++;
		u = (double)k / d->rate;
		if (k >= (long)d->n) {
			d->active = d->playing = 0;
			return;
		}
		if (!live)
			continue;
		x = d->sweep[k];
		if (d->fault == DRV_CRACKLE)
			g[0] = g[1] = crackle(u, d->rate, &click);
		else if (d->fault == DRV_LEFT_DROPOUT && fmod(u, 0.5) >= 0.1 && fmod(u, 0.5) < 0.3)
			g[0] = 0;
		if (ear_l)
			ear_l[i] += (float)(g[0] * x + click);
		if (ear_r)
			ear_r[i] += (float)(g[1] * x + click);
	}
}
