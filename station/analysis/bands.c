/*
 * bands.c - the 31 IEC 61260 base-10 1/3-octave bands (20 Hz .. 20 kHz)
 * and Welch band levels of a raw capture (st_an_band_levels).
 */
#include "analysis/analysis.h"
#include "analysis/fft.h"
#include "analysis/internal.h"
#include "core/st.h"

#include <math.h>
#include <stdlib.h>

static const double nominal[ST_AN_NBANDS] = {
	20, 25, 31.5, 40, 50, 63, 80, 100, 125, 160, 200, 250, 315, 400, 500,
	630, 800, 1000, 1250, 1600, 2000, 2500, 3150, 4000, 5000, 6300, 8000,
	10000, 12500, 16000, 20000,
};

double st_an_band_centre(int i)
{
	if (i < 0 || i >= ST_AN_NBANDS)
		return NAN;
	return 1000.0 * pow(10.0, (i - ST_AN_BAND_1K) / 10.0);
}

double st_an_band_lo(int i)
{
	return st_an_band_centre(i) * pow(10.0, -0.05);
}

double st_an_band_hi(int i)
{
	return st_an_band_centre(i) * pow(10.0, 0.05);
}

double st_an_band_nominal(int i)
{
	if (i < 0 || i >= ST_AN_NBANDS)
		return NAN;
	return nominal[i];
}

int st_an_band_index(double hz)
{
	if (!(hz > 0))
		return -1;
	for (int i = 0; i < ST_AN_NBANDS; i++)
		if (fabs(hz - nominal[i]) <= 0.01 * nominal[i] ||
		    fabs(hz - st_an_band_centre(i)) <= 0.01 * nominal[i])
			return i;
	return -1;
}

/* Bins [*k0, *k1] (inclusive) of an M-point spectrum at `rate` whose
 * centre frequencies lie in [lo, hi); 0 if there are none. */
int an_band_bins(double lo, double hi, size_t m, double rate, size_t *k0, size_t *k1)
{
	double df = rate / (double)m;
	double a = ceil(lo / df), b = ceil(hi / df) - 1;
	size_t top = m / 2;

	if (a < 1)
		a = 1;
	if (b > (double)top)
		b = (double)top;
	if (b < a)
		return 0;
	*k0 = (size_t)a;
	*k1 = (size_t)b;
	return 1;
}

size_t an_pow2_at_least(size_t n)
{
	size_t m = 1;

	while (m < n && m < ((size_t)1 << 30))
		m <<= 1;
	return m;
}

int an_check_samples(const float *x, size_t n, size_t stride, const char *what, char *err)
{
	if (!x || n == 0)
		return st_fail(err, ST_ERR_ARG, "%s: no samples", what);
	if (stride == 0)
		return st_fail(err, ST_ERR_ARG, "%s: stride 0", what);
	for (size_t i = 0; i < n; i++)
		if (!isfinite(x[i * stride]))
			return st_fail(err, ST_ERR_ARG, "%s: sample %zu is not a finite number", what, i);
	return ST_OK;
}

/* Welch PSD band sums of (x, n, stride) with Hann frames of `frame`
 * samples (power of two) and 50 % overlap; writes dB re full-scale sine. */
int an_welch_bands(const float *x, size_t n, size_t stride, double rate, size_t frame,
		   double out_db[ST_AN_NBANDS], char *err)
{
	double *buf = NULL, *win = NULL, *acc = NULL;
	fftw_complex *spec = NULL;
	fftw_plan plan = NULL;
	size_t hop, nframes, bins;
	double wsum2 = 0;
	int ret = ST_ERR_MEM;

	if (frame < 16)
		frame = 16;
	bins = frame / 2 + 1;
	buf = fftw_malloc(sizeof(double) * frame);
	spec = fftw_malloc(sizeof(fftw_complex) * bins);
	win = malloc(sizeof(double) * frame);
	acc = calloc(bins, sizeof(double));
	if (!buf || !spec || !win || !acc) {
		st_seterr(err, "band levels: out of memory");
		goto out_free;
	}
	plan = st_fft_plan_r2c((int)frame, buf, spec);
	if (!plan) {
		st_seterr(err, "band levels: FFTW plan of %zu points failed", frame);
		goto out_free;
	}
	for (size_t i = 0; i < frame; i++) {
		win[i] = 0.5 - 0.5 * cos(2 * M_PI * (double)i / (double)frame);
		wsum2 += win[i] * win[i];
	}
	hop = frame / 2;
	nframes = n <= frame ? 1 : 1 + (n - frame) / hop;
	for (size_t f = 0; f < nframes; f++) {
		size_t s = f * hop;

		for (size_t i = 0; i < frame; i++)
			buf[i] = s + i < n ? (double)x[(s + i) * stride] * win[i] : 0.0;
		fftw_execute_dft_r2c(plan, buf, spec);
		for (size_t k = 0; k < bins; k++)
			acc[k] += spec[k][0] * spec[k][0] + spec[k][1] * spec[k][1];
	}
	for (int b = 0; b < ST_AN_NBANDS; b++) {
		size_t k0, k1;
		double sum = 0;

		out_db[b] = NAN;
		if (st_an_band_hi(b) > rate / 2 ||
		    !an_band_bins(st_an_band_lo(b), st_an_band_hi(b), frame, rate, &k0, &k1))
			continue;
		for (size_t k = k0; k <= k1; k++)
			sum += acc[k];
		/* mean square = 2 sum |X|^2 / (frame * sum w^2); dB re sine: x2 */
		sum = 2.0 * 2.0 * sum / ((double)frame * wsum2 * (double)nframes);
		out_db[b] = an_db10(sum);
	}
	ret = ST_OK;
out_free:
	st_fft_destroy(plan);
	fftw_free(buf);
	fftw_free(spec);
	free(win);
	free(acc);
	return ret;
}

int st_an_band_levels(const float *x, size_t n, size_t stride, double rate,
		      double out_db[ST_AN_NBANDS], char *err)
{
	size_t frame;
	int ret;

	for (int b = 0; b < ST_AN_NBANDS; b++)
		out_db[b] = NAN;
	if (!(rate > 0))
		return st_fail(err, ST_ERR_ARG, "band levels: bad rate %g", rate);
	ret = an_check_samples(x, n, stride, "band levels", err);
	if (ret)
		return ret;
	frame = an_pow2_at_least((size_t)(rate * 0.5));
	return an_welch_bands(x, n, stride, rate, frame, out_db, err);
}
