/*
 * test_analysis_synth.h - synthetic signals for the analysis tests and
 * the analysis bench: a seeded Gaussian noise source, RBJ biquads with
 * their exact responses, an exact (FFT) fractional delay, and the analytic
 * 1/3-octave band level of a known filter.  Header-only, static functions.
 */
#ifndef ST_TEST_ANALYSIS_SYNTH_H
#define ST_TEST_ANALYSIS_SYNTH_H

/* fftw3.h before complex.h: fftw_complex stays double[2]. */
#include "analysis/analysis.h"
#include "analysis/fft.h"

#include <complex.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct syn_rng {
	uint64_t s;
};

static inline double syn_uniform(struct syn_rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return (double)((r->s * 2685821657736338717ULL) >> 11) * (1.0 / 9007199254740992.0);
}

static inline double syn_gauss(struct syn_rng *r)
{
	double u = syn_uniform(r), v = syn_uniform(r);

	if (u < 1e-300)
		u = 1e-300;
	return sqrt(-2.0 * log(u)) * cos(2 * M_PI * v);
}

/* Add white Gaussian noise of RMS `rms` to x (n samples, stride). */
static inline void syn_add_noise(float *x, size_t n, size_t stride, double rms, uint64_t seed)
{
	struct syn_rng r = { seed * 0x9E3779B97F4A7C15ULL + 1 };

	for (size_t i = 0; i < n; i++)
		x[i * stride] += (float)(rms * syn_gauss(&r));
}

struct syn_biquad {
	double b0, b1, b2, a1, a2;
};

/* RBJ audio-EQ cookbook filters. */
static inline struct syn_biquad syn_peaking(double f0, double q, double gain_db, double fs)
{
	double a = pow(10, gain_db / 40), w = 2 * M_PI * f0 / fs, al = sin(w) / (2 * q);
	double a0 = 1 + al / a;
	struct syn_biquad b = {
		(1 + al * a) / a0, -2 * cos(w) / a0, (1 - al * a) / a0,
		-2 * cos(w) / a0, (1 - al / a) / a0,
	};
	return b;
}

static inline struct syn_biquad syn_shelf(int high, double f0, double gain_db, double fs)
{
	double a = pow(10, gain_db / 40), w = 2 * M_PI * f0 / fs, cw = cos(w);
	double al = sin(w) / 2 * sqrt(2.0), sa = 2 * sqrt(a) * al, a0;
	struct syn_biquad b;

	if (!high) {
		a0 = (a + 1) + (a - 1) * cw + sa;
		b.b0 = a * ((a + 1) - (a - 1) * cw + sa) / a0;
		b.b1 = 2 * a * ((a - 1) - (a + 1) * cw) / a0;
		b.b2 = a * ((a + 1) - (a - 1) * cw - sa) / a0;
		b.a1 = -2 * ((a - 1) + (a + 1) * cw) / a0;
		b.a2 = ((a + 1) + (a - 1) * cw - sa) / a0;
	} else {
		a0 = (a + 1) - (a - 1) * cw + sa;
		b.b0 = a * ((a + 1) + (a - 1) * cw + sa) / a0;
		b.b1 = -2 * a * ((a - 1) + (a + 1) * cw) / a0;
		b.b2 = a * ((a + 1) + (a - 1) * cw - sa) / a0;
		b.a1 = 2 * ((a - 1) - (a + 1) * cw) / a0;
		b.a2 = ((a + 1) - (a - 1) * cw - sa) / a0;
	}
	return b;
}

static inline struct syn_biquad syn_highpass(double f0, double q, double fs)
{
	double w = 2 * M_PI * f0 / fs, al = sin(w) / (2 * q), cw = cos(w), a0 = 1 + al;
	struct syn_biquad b = {
		(1 + cw) / 2 / a0, -(1 + cw) / a0, (1 + cw) / 2 / a0, -2 * cw / a0, (1 - al) / a0,
	};
	return b;
}

static inline double complex syn_biquad_h(const struct syn_biquad *b, double f, double fs)
{
	double complex z1 = cexp(-I * 2 * M_PI * f / fs), z2 = z1 * z1;

	return (b->b0 + b->b1 * z1 + b->b2 * z2) / (1 + b->a1 * z1 + b->a2 * z2);
}

static inline double complex syn_chain_h(const struct syn_biquad *bq, int nb, double gain,
					 double f, double fs)
{
	double complex h = gain;

	for (int i = 0; i < nb; i++)
		h *= syn_biquad_h(&bq[i], f, fs);
	return h;
}

/* In place: x (n, stride) through the biquad chain times gain. */
static inline void syn_filter(float *x, size_t n, size_t stride, const struct syn_biquad *bq,
			      int nb, double gain)
{
	for (int j = 0; j < nb; j++) {
		double z1 = 0, z2 = 0;
		const struct syn_biquad *b = &bq[j];

		for (size_t i = 0; i < n; i++) {
			double in = x[i * stride], y = b->b0 * in + z1;

			z1 = b->b1 * in - b->a1 * y + z2;
			z2 = b->b2 * in - b->a2 * y;
			x[i * stride] = (float)y;
		}
	}
	for (size_t i = 0; i < n; i++)
		x[i * stride] = (float)(x[i * stride] * gain);
}

/* out[i * stride] = in delayed by d samples (fractional, exact band-limited
 * delay via FFT, circular over a padded length), for i < n_out. */
static inline int syn_delay(const float *in, size_t n_in, float *out, size_t n_out,
			    size_t stride, double d)
{
	size_t n = 1;
	double *t;
	fftw_complex *f;
	fftw_plan p1, p2;

	while (n < n_in + n_out + 64)
		n <<= 1;
	t = fftw_malloc(sizeof(double) * n);
	f = fftw_malloc(sizeof(fftw_complex) * (n / 2 + 1));
	if (!t || !f)
		return -1;
	p1 = st_fft_plan_r2c((int)n, t, f);
	p2 = st_fft_plan_c2r((int)n, f, t);
	for (size_t i = 0; i < n; i++)
		t[i] = i < n_in ? in[i] : 0.0;
	fftw_execute(p1);
	for (size_t k = 0; k <= n / 2; k++) {
		double complex z = (f[k][0] + I * f[k][1]) * cexp(-I * 2 * M_PI * (double)k * d / (double)n);

		if (k == n / 2)
			z = creal(z);
		f[k][0] = creal(z) / (double)n;
		f[k][1] = cimag(z) / (double)n;
	}
	fftw_execute(p2);
	for (size_t i = 0; i < n_out; i++)
		out[i * stride] = (float)t[i];
	st_fft_destroy(p1);
	st_fft_destroy(p2);
	fftw_free(t);
	fftw_free(f);
	return 0;
}

/* Energy average of |H|^2 of the chain over [lo, hi], dB. */
static inline double syn_band_db(const struct syn_biquad *bq, int nb, double gain,
				 double lo, double hi, double fs)
{
	double sum = 0;
	int steps = 4000;

	for (int i = 0; i < steps; i++) {
		double f = lo + (hi - lo) * (i + 0.5) / steps, m = cabs(syn_chain_h(bq, nb, gain, f, fs));

		sum += m * m;
	}
	return 10 * log10(sum / steps);
}

/* A sweep plus tail: returns malloc'd stimulus (frames *n_stim) and sets
 * *n_cap = stimulus + tail frames. */
static inline float *syn_sweep(double f1, double f2, double secs, double rate, double tail_s,
			       size_t *n_stim, size_t *n_cap)
{
	struct st_sweep s;
	float *x;

	st_sweep_default(&s);
	s.f1 = f1;
	s.f2 = f2;
	s.seconds = secs;
	s.rate = rate;
	*n_stim = st_sweep_frames(&s);
	*n_cap = *n_stim + (size_t)(tail_s * rate);
	x = calloc(*n_cap, sizeof(float));
	if (x && st_sweep_generate(&s, x, *n_stim, NULL)) {
		free(x);
		return NULL;
	}
	return x;
}

#endif
