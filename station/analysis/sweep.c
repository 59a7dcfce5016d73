/*
 * sweep.c - the exponential sine sweep stimulus (Farina 2000):
 * x(t) = A sin(2 pi f1 L (e^(t/L) - 1)), L = T / ln(f2/f1), with
 * raised-cosine fades at both ends.
 */
#include "analysis/analysis.h"
#include "core/st.h"

#include <math.h>

void st_sweep_default(struct st_sweep *s)
{
	s->f1 = 20.0;
	s->f2 = 20000.0;
	s->seconds = 3.0;
	s->rate = 48000.0;
	s->level_db = -6.0;
	s->fade_ms = 10.0;
}

int st_sweep_check(const struct st_sweep *s, char *err)
{
	if (!s)
		return st_fail(err, ST_ERR_ARG, "sweep: no parameters");
	if (!(s->rate >= 1000.0 && s->rate <= 768000.0))
		return st_fail(err, ST_ERR_ARG, "sweep: rate %g Hz outside 1000..768000", s->rate);
	if (!(s->f1 > 0.0))
		return st_fail(err, ST_ERR_ARG, "sweep: f1 %g Hz must be > 0", s->f1);
	if (!(s->f2 > s->f1))
		return st_fail(err, ST_ERR_ARG, "sweep: f2 %g Hz must be above f1 %g Hz", s->f2, s->f1);
	if (!(s->f2 <= s->rate / 2))
		return st_fail(err, ST_ERR_ARG, "sweep: f2 %g Hz above Nyquist (%g Hz)", s->f2, s->rate / 2);
	if (!(s->seconds >= 0.05 && s->seconds <= 600.0))
		return st_fail(err, ST_ERR_ARG, "sweep: %g s outside 0.05..600 s", s->seconds);
	if (!(s->level_db <= 0.0 && s->level_db >= -120.0))
		return st_fail(err, ST_ERR_ARG, "sweep: level %g dBFS outside -120..0", s->level_db);
	if (!(s->fade_ms >= 0.0 && s->fade_ms * 2e-3 <= s->seconds))
		return st_fail(err, ST_ERR_ARG, "sweep: fade %g ms longer than half the sweep", s->fade_ms);
	return ST_OK;
}

size_t st_sweep_frames(const struct st_sweep *s)
{
	return (size_t)llround(s->seconds * s->rate);
}

double st_sweep_rate_constant(const struct st_sweep *s)
{
	return s->seconds / log(s->f2 / s->f1);
}

int st_sweep_generate(const struct st_sweep *s, float *out, size_t n, char *err)
{
	size_t frames, fade;
	double l, a;
	int ret = st_sweep_check(s, err);

	if (ret)
		return ret;
	frames = st_sweep_frames(s);
	if (!out || n < frames)
		return st_fail(err, ST_ERR_ARG, "sweep: buffer of %zu frames, need %zu", n, frames);
	l = st_sweep_rate_constant(s);
	a = pow(10.0, s->level_db / 20.0);
	fade = (size_t)llround(s->fade_ms * 1e-3 * s->rate);
	for (size_t i = 0; i < frames; i++) {
		double t = (double)i / s->rate;
		double ph = 2.0 * M_PI * s->f1 * l * expm1(t / l);
		double g = 1.0;

		if (fade > 0 && i < fade)
			g = 0.5 - 0.5 * cos(M_PI * (double)i / (double)fade);
		else if (fade > 0 && frames - 1 - i < fade)
			g = 0.5 - 0.5 * cos(M_PI * (double)(frames - 1 - i) / (double)fade);
		out[i] = (float)(a * g * sin(ph));
	}
	return ST_OK;
}
