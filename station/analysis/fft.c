/*
 * fft.c - serialised FFTW planning (see fft.h): one mutex around every
 * fftw_plan_* and fftw_destroy_plan call in the station.  The first plan of
 * each kind and size is planned twice and the second copy ("keeper") kept
 * until the process ends (up to KEEPERS sizes, the oldest let go first):
 * FFTW shares twiddle tables between live plans of a size and frees them
 * with the last one, so without a keeper every context would rebuild them
 * (about 9 ms at sweep sizes).  Keepers are never executed.
 *
 * Tuned plans (st_fft_plan_*_tuned, the deconvolution's) are FFTW_ESTIMATE
 * until st_fft_tune(1): then a size FFTW has wisdom for (imported, or
 * measured by st_fft_measure) gets its FFTW_MEASURE plan at no cost, and
 * a size without is planned FFTW_ESTIMATE and listed as missing
 * (st_fft_missing), so that nobody waits for FFTW_MEASURE (tens of
 * seconds at sweep sizes) in the middle of a run.  Every plan from wisdom
 * is checked on a known signal before use; one that fails (wisdom from a
 * hostile or corrupt file) is dropped, all wisdom forgotten, and the size
 * planned with FFTW_ESTIMATE.
 */
#include "analysis/fft.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define KEEPERS 12

static pthread_mutex_t plan_lock = PTHREAD_MUTEX_INITIALIZER;

/* Plans kept alive so their sizes' twiddles outlive every context. */
static struct keeper {
	int kind;             /* 0 r2c, 1 c2r */
	int n;                /* size; 0 = free slot */
	fftw_plan plan;       /* never executed */
} keepers[KEEPERS];
static unsigned keeper_next; /* slot to reuse when all are taken */
static int tuned;              /* st_fft_tune(1): tuned plans from wisdom */
static int wisdom_bad;         /* a wisdom plan failed its check */
static struct missing {
	int kind, n;           /* tuned size planned without wisdom */
} missing[KEEPERS];
static int nmissing;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

/* With plan_lock held: keep a second plan of this kind and size unless
 * one is kept already. */
static void keep(int kind, int n, void *in, void *out, unsigned flags)
{
	struct keeper *k;
	fftw_plan p;

	for (unsigned i = 0; i < KEEPERS; i++)
		if (keepers[i].n == n && keepers[i].kind == kind)
			return;
	p = kind ? fftw_plan_dft_c2r_1d(n, in, out, flags)
		 : fftw_plan_dft_r2c_1d(n, in, out, flags);
	if (!p)
		return;
	k = &keepers[keeper_next++ % KEEPERS];
	if (k->plan)
		fftw_destroy_plan(k->plan);
	k->kind = kind;
	k->n = n;
	k->plan = p;
}

fftw_plan st_fft_plan_r2c(int n, double *in, fftw_complex *out)
{
	fftw_plan p;

	if (n <= 0 || !in || !out)
		return NULL;
	pthread_mutex_lock(&plan_lock);
	p = fftw_plan_dft_r2c_1d(n, in, out, FFTW_ESTIMATE);
	if (p)
		keep(0, n, in, out, FFTW_ESTIMATE);
	pthread_mutex_unlock(&plan_lock);
	return p;
}

fftw_plan st_fft_plan_c2r(int n, fftw_complex *in, double *out)
{
	fftw_plan p;

	if (n <= 0 || !in || !out)
		return NULL;
	pthread_mutex_lock(&plan_lock);
	p = fftw_plan_dft_c2r_1d(n, in, out, FFTW_ESTIMATE);
	if (p)
		keep(1, n, in, out, FFTW_ESTIMATE);
	pthread_mutex_unlock(&plan_lock);
	return p;
}

/* With plan_lock held: does plan p (kind, size n) transform a known
 * signal right?  Every bin's (sample's) magnitude, and the exact value at
 * 64 of them, against the closed form.  Uses its own buffers (new-array
 * execute). */
static int plan_ok(int kind, int n, fftw_plan p)
{
	size_t bins = (size_t)n / 2 + 1, step = bins / 64 + 1;
	double *t = fftw_malloc(sizeof(double) * (size_t)n), err = 0, sum = 0, sum2 = 0;
	fftw_complex *f = fftw_malloc(sizeof(fftw_complex) * bins);
	int ok = 0;

	if (!t || !f || n < 4)
		goto out_free;
	if (kind == 0) {
		/* r2c of a unit impulse at 1: e^{-2 pi i k / n} */
		memset(t, 0, sizeof(double) * (size_t)n);
		t[1] = 1;
		fftw_execute_dft_r2c(p, t, f);
		for (size_t k = 0; k < bins; k++)
			err = fmax(err, fabs(f[k][0] * f[k][0] + f[k][1] * f[k][1] - 1));
		for (size_t k = 0; k < bins; k += step) {
			double a = -2 * M_PI * (double)k / n;

			err = fmax(err, fabs(f[k][0] - cos(a)) + fabs(f[k][1] - sin(a)));
		}
	} else {
		/* c2r of bins 0 and 1 (1 each): 1 + 2 cos(2 pi t / n), whose
		 * sum is n and sum of squares 3 n */
		memset(f, 0, sizeof(fftw_complex) * bins);
		f[0][0] = 1;
		f[1][0] = 1;
		fftw_execute_dft_c2r(p, f, t);
		for (int i = 0; i < n; i++) {
			sum += t[i];
			sum2 += t[i] * t[i];
		}
		err = fmax(fabs(sum - n), fabs(sum2 - 3.0 * n)) / n;
		for (size_t i = 0; i < (size_t)n; i += step)
			err = fmax(err, fabs(t[i] - 1 - 2 * cos(2 * M_PI * (double)i / n)));
	}
	ok = err < 1e-9;
out_free:
	fftw_free(t);
	fftw_free(f);
	return ok;
}

/* With plan_lock held: note a tuned size planned without wisdom. */
static void note_missing(int kind, int n)
{
	for (int i = 0; i < nmissing; i++)
		if (missing[i].kind == kind && missing[i].n == n)
			return;
	if (nmissing < KEEPERS)
		missing[nmissing++] = (struct missing){ kind, n };
}

/* With plan_lock held: a tuned plan of kind and size n. */
static fftw_plan plan_tuned(int kind, int n, void *in, void *out)
{
	unsigned flags = FFTW_MEASURE | FFTW_WISDOM_ONLY;
	fftw_plan p = NULL;

	if (tuned) {
		p = kind ? fftw_plan_dft_c2r_1d(n, in, out, flags) : fftw_plan_dft_r2c_1d(n, in, out, flags);
		if (p && !plan_ok(kind, n, p)) {
			fftw_destroy_plan(p);
			p = NULL;
			fftw_forget_wisdom();
			wisdom_bad = 1;
		}
		if (!p)
			note_missing(kind, n);
	}
	if (!p) {
		flags = FFTW_ESTIMATE;
		p = kind ? fftw_plan_dft_c2r_1d(n, in, out, flags) : fftw_plan_dft_r2c_1d(n, in, out, flags);
	}
	if (p)
		keep(kind, n, in, out, flags);
	return p;
}

fftw_plan st_fft_plan_r2c_tuned(int n, double *in, fftw_complex *out)
{
	fftw_plan p;

	if (n <= 0 || !in || !out)
		return NULL;
	pthread_mutex_lock(&plan_lock);
	p = plan_tuned(0, n, in, out);
	pthread_mutex_unlock(&plan_lock);
	return p;
}

fftw_plan st_fft_plan_c2r_tuned(int n, fftw_complex *in, double *out)
{
	fftw_plan p;

	if (n <= 0 || !in || !out)
		return NULL;
	pthread_mutex_lock(&plan_lock);
	p = plan_tuned(1, n, in, out);
	pthread_mutex_unlock(&plan_lock);
	return p;
}

/* Nobody holds plan_lock across fork (a child measuring wisdom plans). */
static void atfork_prepare(void) { pthread_mutex_lock(&plan_lock); }
static void atfork_release(void) { pthread_mutex_unlock(&plan_lock); }
static void atfork_setup(void) { pthread_atfork(atfork_prepare, atfork_release, atfork_release); }

void st_fft_tune(int on)
{
	pthread_once(&atfork_once, atfork_setup);
	pthread_mutex_lock(&plan_lock);
	tuned = on;
	pthread_mutex_unlock(&plan_lock);
}

unsigned st_fft_tuned_flags(void)
{
	unsigned f;

	pthread_mutex_lock(&plan_lock);
	f = tuned ? FFTW_MEASURE : FFTW_ESTIMATE;
	pthread_mutex_unlock(&plan_lock);
	return f;
}

int st_fft_missing(int *kind, int *n, int max)
{
	int cnt;

	pthread_mutex_lock(&plan_lock);
	cnt = nmissing < max ? nmissing : max;
	for (int i = 0; i < cnt; i++) {
		kind[i] = missing[i].kind;
		n[i] = missing[i].n;
	}
	nmissing = 0;
	pthread_mutex_unlock(&plan_lock);
	return cnt;
}

int st_fft_measure(int kind, int n)
{
	size_t bins = (size_t)n / 2 + 1;
	double *t = fftw_malloc(sizeof(double) * (size_t)n);
	fftw_complex *f = fftw_malloc(sizeof(fftw_complex) * bins);
	fftw_plan p = NULL;

	pthread_mutex_lock(&plan_lock);
	if (t && f)
		p = kind ? fftw_plan_dft_c2r_1d(n, f, t, FFTW_MEASURE) : fftw_plan_dft_r2c_1d(n, t, f, FFTW_MEASURE);
	if (p)
		fftw_destroy_plan(p);
	pthread_mutex_unlock(&plan_lock);
	fftw_free(t);
	fftw_free(f);
	return p ? 0 : -1;
}

int st_fft_wisdom_import(const char *text)
{
	int ok;

	pthread_mutex_lock(&plan_lock);
	ok = fftw_import_wisdom_from_string(text);
	if (!ok)
		fftw_forget_wisdom();
	pthread_mutex_unlock(&plan_lock);
	return ok ? 0 : -1;
}

char *st_fft_wisdom_export(int *bad)
{
	char *s;

	pthread_mutex_lock(&plan_lock);
	s = fftw_export_wisdom_to_string();
	*bad = wisdom_bad;
	wisdom_bad = 0;
	pthread_mutex_unlock(&plan_lock);
	return s;
}

void st_fft_destroy(fftw_plan p)
{
	if (!p)
		return;
	pthread_mutex_lock(&plan_lock);
	fftw_destroy_plan(p);
	pthread_mutex_unlock(&plan_lock);
}

size_t st_fft_good_size(size_t n)
{
	static const unsigned primes[] = { 2, 3, 5, 7 };

	if (n < 2)
		return 2;
	for (size_t m = n; m < (size_t)INT32_MAX; m++) {
		size_t r = m;

		for (unsigned i = 0; i < 4; i++)
			while (r % primes[i] == 0)
				r /= primes[i];
		if (r == 1)
			return m;
	}
	return 0;
}
