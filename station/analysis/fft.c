/*
 * fft.c - serialised FFTW planning (see fft.h): one mutex around every
 * fftw_plan_* and fftw_destroy_plan call in the station.
 */
#include "analysis/fft.h"

#include <pthread.h>
#include <stdint.h>

static pthread_mutex_t plan_lock = PTHREAD_MUTEX_INITIALIZER;

fftw_plan st_fft_plan_r2c(int n, double *in, fftw_complex *out)
{
	fftw_plan p;

	if (n <= 0 || !in || !out)
		return NULL;
	pthread_mutex_lock(&plan_lock);
	p = fftw_plan_dft_r2c_1d(n, in, out, FFTW_ESTIMATE);
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
