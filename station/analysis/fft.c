/*
 * fft.c - serialised FFTW planning (see fft.h): one mutex around every
 * fftw_plan_* and fftw_destroy_plan call in the station.  The first plan of
 * each kind and size is planned twice (but by st_fft_plan_*_once) and the
 * second copy ("keeper") kept until the process ends (up to KEEPERS sizes, the oldest let go first):
 * FFTW shares twiddle tables between live plans of a size and frees them
 * with the last one, so without a keeper every context would rebuild them
 * (about 9 ms at sweep sizes).  Keepers are never executed.
 *
 * Plans come in double precision (fftw_*) and single (fftwf_*: the
 * deconvolution's n-point transforms, see ctx.h); FFTW keeps a wisdom
 * store for each, and the wisdom text exported here is the two one after
 * the other.  A plan's kind: 0 r2c, 1 c2r, 2 and 3 the same in single
 * precision.
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
	int kind;             /* 0 r2c, 1 c2r, 2 r2c single, 3 c2r single */
	int n;                /* size; 0 = free slot */
	void *plan;           /* fftw_plan or fftwf_plan; never executed */
} keepers[KEEPERS];
static unsigned keeper_next; /* slot to reuse when all are taken */
static int tuned;              /* st_fft_tune(1): tuned plans from wisdom */
static int wisdom_bad;         /* a wisdom plan failed its check */
static struct missing {
	int kind, n;           /* tuned size planned without wisdom */
} missing[KEEPERS];
static int nmissing;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

/* With plan_lock held: a plan of kind and size n on in/out (buffers of
 * that kind's precision), or NULL. */
static void *plan_make(int kind, int n, void *in, void *out, unsigned flags)
{
	switch (kind) {
	case 0:
		return fftw_plan_dft_r2c_1d(n, in, out, flags);
	case 1:
		return fftw_plan_dft_c2r_1d(n, in, out, flags);
	case 2:
		return fftwf_plan_dft_r2c_1d(n, in, out, flags);
	default:
		return fftwf_plan_dft_c2r_1d(n, in, out, flags);
	}
}

/* With plan_lock held. */
static void plan_free(int kind, void *p)
{
	if (kind < 2)
		fftw_destroy_plan(p);
	else
		fftwf_destroy_plan(p);
}

/* With plan_lock held: keep a second plan of this kind and size unless
 * one is kept already. */
static void keep(int kind, int n, void *in, void *out, unsigned flags)
{
	struct keeper *k;
	void *p;

	for (unsigned i = 0; i < KEEPERS; i++)
		if (keepers[i].n == n && keepers[i].kind == kind)
			return;
	p = plan_make(kind, n, in, out, flags);
	if (!p)
		return;
	k = &keepers[keeper_next++ % KEEPERS];
	if (k->plan)
		plan_free(k->kind, k->plan);
	k->kind = kind;
	k->n = n;
	k->plan = p;
}

/* An FFTW_ESTIMATE plan of kind and size n, its twiddles kept (or not:
 * with_keeper 0). */
static void *plan_estimate(int kind, int n, void *in, void *out, int with_keeper)
{
	void *p;

	if (n <= 0 || !in || !out)
		return NULL;
	pthread_mutex_lock(&plan_lock);
	p = plan_make(kind, n, in, out, FFTW_ESTIMATE);
	if (p && with_keeper)
		keep(kind, n, in, out, FFTW_ESTIMATE);
	pthread_mutex_unlock(&plan_lock);
	return p;
}

fftw_plan st_fft_plan_r2c(int n, double *in, fftw_complex *out)
{
	return plan_estimate(0, n, in, out, 1);
}

fftw_plan st_fft_plan_c2r(int n, fftw_complex *in, double *out)
{
	return plan_estimate(1, n, in, out, 1);
}

fftw_plan st_fft_plan_r2c_once(int n, double *in, fftw_complex *out)
{
	return plan_estimate(0, n, in, out, 0);
}

fftw_plan st_fft_plan_c2r_once(int n, fftw_complex *in, double *out)
{
	return plan_estimate(1, n, in, out, 0);
}

/* Execute plan p of kind on t (n reals) and f (n/2+1 bins), double
 * buffers from fftw_malloc; a single-precision plan through float copies
 * (its own buffers, new-array execute).  0, or -1 out of memory. */
static int plan_run(int kind, void *p, int n, double *t, fftw_complex *f)
{
	size_t bins = (size_t)n / 2 + 1;
	float *ts;
	fftwf_complex *fs;

	if (kind == 0) {
		fftw_execute_dft_r2c(p, t, f);
		return 0;
	}
	if (kind == 1) {
		fftw_execute_dft_c2r(p, f, t);
		return 0;
	}
	ts = fftwf_malloc(sizeof(float) * (size_t)n);
	fs = fftwf_malloc(sizeof(fftwf_complex) * bins);
	if (!ts || !fs) {
		fftwf_free(ts);
		fftwf_free(fs);
		return -1;
	}
	if (kind == 2) {
		for (int i = 0; i < n; i++)
			ts[i] = (float)t[i];
		fftwf_execute_dft_r2c(p, ts, fs);
		for (size_t k = 0; k < bins; k++) {
			f[k][0] = fs[k][0];
			f[k][1] = fs[k][1];
		}
	} else {
		for (size_t k = 0; k < bins; k++) {
			fs[k][0] = (float)f[k][0];
			fs[k][1] = (float)f[k][1];
		}
		fftwf_execute_dft_c2r(p, fs, ts);
		for (int i = 0; i < n; i++)
			t[i] = ts[i];
	}
	fftwf_free(ts);
	fftwf_free(fs);
	return 0;
}

/* With plan_lock held: does plan p (kind, size n) transform a known
 * signal right?  Every bin's (sample's) magnitude, and the exact value at
 * 64 of them, against the closed form, to 1e-9 (double) or 1e-4 (single
 * precision).  Uses its own buffers (new-array execute). */
static int plan_ok(int kind, int n, void *p)
{
	size_t bins = (size_t)n / 2 + 1, step = bins / 64 + 1;
	double *t = fftw_malloc(sizeof(double) * (size_t)n), err = 0, sum = 0, sum2 = 0;
	fftw_complex *f = fftw_malloc(sizeof(fftw_complex) * bins);
	int ok = 0;

	if (!t || !f || n < 4)
		goto out_free;
	if (kind % 2 == 0) {
		/* r2c of a unit impulse at 1: e^{-2 pi i k / n} */
		memset(t, 0, sizeof(double) * (size_t)n);
		t[1] = 1;
		if (plan_run(kind, p, n, t, f))
			goto out_free;
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
		if (plan_run(kind, p, n, t, f))
			goto out_free;
		for (int i = 0; i < n; i++) {
			sum += t[i];
			sum2 += t[i] * t[i];
		}
		err = fmax(fabs(sum - n), fabs(sum2 - 3.0 * n)) / n;
		for (size_t i = 0; i < (size_t)n; i += step)
			err = fmax(err, fabs(t[i] - 1 - 2 * cos(2 * M_PI * (double)i / n)));
	}
	ok = err < (kind < 2 ? 1e-9 : 1e-4);
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

/* With plan_lock held: forget the wisdom of both precisions. */
static void forget_wisdom(void)
{
	fftw_forget_wisdom();
	fftwf_forget_wisdom();
}

/* With plan_lock held: a tuned plan of kind and size n. */
static void *plan_tuned(int kind, int n, void *in, void *out)
{
	unsigned flags = FFTW_MEASURE | FFTW_WISDOM_ONLY;
	void *p = NULL;

	if (n <= 0 || !in || !out)
		return NULL;
	if (tuned) {
		p = plan_make(kind, n, in, out, flags);
		if (p && !plan_ok(kind, n, p)) {
			plan_free(kind, p);
			p = NULL;
			forget_wisdom();
			wisdom_bad = 1;
		}
		if (!p)
			note_missing(kind, n);
	}
	if (!p) {
		flags = FFTW_ESTIMATE;
		p = plan_make(kind, n, in, out, flags);
	}
	if (p)
		keep(kind, n, in, out, flags);
	return p;
}

/* plan_tuned under plan_lock. */
static void *plan_tuned_locked(int kind, int n, void *in, void *out)
{
	void *p;

	pthread_mutex_lock(&plan_lock);
	p = plan_tuned(kind, n, in, out);
	pthread_mutex_unlock(&plan_lock);
	return p;
}

fftw_plan st_fft_plan_r2c_tuned(int n, double *in, fftw_complex *out)
{
	return plan_tuned_locked(0, n, in, out);
}

fftw_plan st_fft_plan_c2r_tuned(int n, fftw_complex *in, double *out)
{
	return plan_tuned_locked(1, n, in, out);
}

fftwf_plan st_fft_plan_r2c_single_tuned(int n, float *in, fftwf_complex *out)
{
	return plan_tuned_locked(2, n, in, out);
}

fftwf_plan st_fft_plan_c2r_single_tuned(int n, fftwf_complex *in, float *out)
{
	return plan_tuned_locked(3, n, in, out);
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
	size_t bins = (size_t)n / 2 + 1, real = kind < 2 ? sizeof(double) : sizeof(float);
	void *t = NULL, *f = NULL, *p = NULL;

	if (kind < 0 || kind > 3 || n <= 0)
		return -1;
	t = kind < 2 ? fftw_malloc(real * (size_t)n) : fftwf_malloc(real * (size_t)n);
	f = kind < 2 ? fftw_malloc(2 * real * bins) : fftwf_malloc(2 * real * bins);
	pthread_mutex_lock(&plan_lock);
	if (t && f)
		p = kind % 2 ? plan_make(kind, n, f, t, FFTW_MEASURE) : plan_make(kind, n, t, f, FFTW_MEASURE);
	if (p)
		plan_free(kind, p);
	pthread_mutex_unlock(&plan_lock);
	if (kind < 2) {
		fftw_free(t);
		fftw_free(f);
	} else {
		fftwf_free(t);
		fftwf_free(f);
	}
	return p ? 0 : -1;
}

/* Where the wisdom of single precision starts in text (FFTW's export of
 * it begins "(fftw-<version> fftwf_wisdom"), or NULL. */
static const char *single_part(const char *text)
{
	for (const char *s = strstr(text, "(fftw-"); s; s = strstr(s + 1, "\n(fftw-")) {
		const char *head = *s == '\n' ? s + 1 : s;
		const char *sp = strchr(head, ' ');

		if (sp && strncmp(sp + 1, "fftwf_wisdom", 12) == 0)
			return head;
	}
	return NULL;
}

int st_fft_wisdom_import(const char *text)
{
	const char *single = single_part(text);
	char *dbl = NULL;
	int ok = 1;

	if (single != text) {
		/* the double part alone: FFTW stops at its closing parenthesis,
		 * but a copy keeps the single part from being read as its tail */
		dbl = single ? strndup(text, (size_t)(single - text)) : strdup(text);
		if (!dbl)
			return -1;
	}
	pthread_mutex_lock(&plan_lock);
	if (dbl)
		ok = fftw_import_wisdom_from_string(dbl);
	if (ok && single)
		ok = fftwf_import_wisdom_from_string(single);
	if (!ok)
		forget_wisdom();
	pthread_mutex_unlock(&plan_lock);
	free(dbl);
	return ok ? 0 : -1;
}

char *st_fft_wisdom_export(int *bad)
{
	char *d, *f, *s = NULL;

	pthread_mutex_lock(&plan_lock);
	d = fftw_export_wisdom_to_string();
	f = fftwf_export_wisdom_to_string();
	*bad = wisdom_bad;
	wisdom_bad = 0;
	pthread_mutex_unlock(&plan_lock);
	if (d && f && asprintf(&s, "%s%s", d, f) < 0)
		s = NULL;
	free(d);
	free(f);
	return s;
}

/* Destroy plan p of kind (NULL: nothing) under plan_lock. */
static void destroy_locked(int kind, void *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&plan_lock);
	plan_free(kind, p);
	pthread_mutex_unlock(&plan_lock);
}

void st_fft_destroy(fftw_plan p)
{
	destroy_locked(0, p);
}

void st_fft_destroy_single(fftwf_plan p)
{
	destroy_locked(2, p);
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
