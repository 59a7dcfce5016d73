/*
 * fft.c - serialised FFTW planning (see fft.h): one mutex around every
 * fftw_plan_* and fftw_destroy_plan call in the station.  The first plan of
 * each kind and size is planned twice and the second copy ("keeper") kept
 * until the process ends (up to KEEPERS sizes, the oldest let go first):
 * FFTW shares twiddle tables between live plans of a size and frees them
 * with the last one, so without a keeper every context would rebuild them
 * (about 9 ms at sweep sizes).  Keepers are never executed.
 */
#include "analysis/fft.h"

#include <pthread.h>
#include <stdint.h>

#define KEEPERS 12

static pthread_mutex_t plan_lock = PTHREAD_MUTEX_INITIALIZER;

/* Plans kept alive so their sizes' twiddles outlive every context. */
static struct keeper {
	int kind;             /* 0 r2c, 1 c2r */
	int n;                /* size; 0 = free slot */
	fftw_plan plan;       /* never executed */
} keepers[KEEPERS];
static unsigned keeper_next; /* slot to reuse when all are taken */

/* With plan_lock held: keep a second plan of this kind and size unless
 * one is kept already. */
static void keep(int kind, int n, void *in, void *out)
{
	struct keeper *k;
	fftw_plan p;

	for (unsigned i = 0; i < KEEPERS; i++)
		if (keepers[i].n == n && keepers[i].kind == kind)
			return;
	p = kind ? fftw_plan_dft_c2r_1d(n, in, out, FFTW_ESTIMATE)
		 : fftw_plan_dft_r2c_1d(n, in, out, FFTW_ESTIMATE);
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
		keep(0, n, in, out);
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
		keep(1, n, in, out);
	pthread_mutex_unlock(&plan_lock);
	return p;
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
