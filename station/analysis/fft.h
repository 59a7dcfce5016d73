/*
 * fft.h - the one place where FFTW plans are made and destroyed.
 *
 * FFTW's planner is not thread-safe (fftw_execute and the new-array execute
 * functions are), so every plan in the station is made and destroyed through
 * these wrappers, which hold one process-wide mutex.  Plans use
 * FFTW_ESTIMATE: FFTW_MEASURE takes tens of seconds at sweep sizes for a
 * 10-20 % gain.  Buffers passed to the new-array execute functions must come
 * from fftw_malloc (same alignment as at planning time).
 */
#ifndef ST_FFT_H
#define ST_FFT_H

#include <stddef.h>
#include <fftw3.h>

/* Real -> complex (n/2 + 1 bins) and complex -> real (unnormalised) plans
 * of size n; in/out are scratch buffers of the right sizes (contents are
 * left alone with FFTW_ESTIMATE).  NULL on failure. */
fftw_plan st_fft_plan_r2c(int n, double *in, fftw_complex *out);
fftw_plan st_fft_plan_c2r(int n, fftw_complex *in, double *out);
void st_fft_destroy(fftw_plan p);
/* Smallest size >= n with no prime factor above 7 (fast for FFTW); 0 on
 * overflow. */
size_t st_fft_good_size(size_t n);

#endif
