/*
 * fft.h - the one place where FFTW plans are made and destroyed.
 *
 * FFTW's planner is not thread-safe (fftw_execute and the new-array execute
 * functions are), so every plan in the station is made and destroyed through
 * these wrappers, which hold one process-wide mutex.  Double precision
 * (fftw_*) everywhere except the deconvolution's n-point transforms
 * (fftwf_*: the captures are single precision to begin with, see ctx.h).
 * Plans use FFTW_ESTIMATE, except the tuned ones once st_fft_tune(1) was
 * called: FFTW_MEASURE from wisdom (10-25 % faster at sweep sizes, but
 * tens of seconds to measure a size, so never during a run: see
 * station/measure/wisdom.h).  Plans may overwrite in/out while planning:
 * make them before filling the buffers.  Buffers passed to the new-array
 * execute functions must come from fftw_malloc (fftwf_malloc for single
 * precision: the same alignment as at planning time).
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
/* The same for a transform made once and rarely again (a context's
 * set-up): no keeper, so FFTW frees the size's twiddles with the plan
 * (megabytes at sweep sizes) and the next plan of the size rebuilds them
 * (milliseconds). */
fftw_plan st_fft_plan_r2c_once(int n, double *in, fftw_complex *out);
fftw_plan st_fft_plan_c2r_once(int n, fftw_complex *in, double *out);
/* The same for the transforms a context repeats for every channel: after
 * st_fft_tune(1), FFTW_MEASURE when FFTW has wisdom for the size (checked
 * on a known signal), else FFTW_ESTIMATE and the size noted as missing. */
fftw_plan st_fft_plan_r2c_tuned(int n, double *in, fftw_complex *out);
fftw_plan st_fft_plan_c2r_tuned(int n, fftw_complex *in, double *out);
/* The same in single precision (kinds 2 and 3 below). */
fftwf_plan st_fft_plan_r2c_single_tuned(int n, float *in, fftwf_complex *out);
fftwf_plan st_fft_plan_c2r_single_tuned(int n, fftwf_complex *in, float *out);
void st_fft_destroy(fftw_plan p);
void st_fft_destroy_single(fftwf_plan p);
/* Smallest size >= n with no prime factor above 7 (fast for FFTW); 0 on
 * overflow. */
size_t st_fft_good_size(size_t n);

/* Tuned plans from wisdom from now on (1) or FFTW_ESTIMATE only (0). */
void st_fft_tune(int on);
/* FFTW_MEASURE (tuned plans from wisdom) or FFTW_ESTIMATE. */
unsigned st_fft_tuned_flags(void);
/* Tuned sizes planned without wisdom since the last call: kind (0 r2c,
 * 1 c2r, 2 r2c single, 3 c2r single) and size, up to max; returns how many. */
int st_fft_missing(int *kind, int *n, int max);
/* Measure the FFTW_MEASURE plan of a kind and size into FFTW's wisdom
 * (seconds to minutes at sweep sizes); 0, or -1 on failure. */
int st_fft_measure(int kind, int n);
/* Add FFTW wisdom (the text of an exported file: double precision's, then
 * single's, either may be absent); 0, or -1 when FFTW refuses it (then no
 * wisdom at all is kept). */
int st_fft_wisdom_import(const char *text);
/* All wisdom, double precision's then single's, as text (free() it; NULL
 * on failure); *bad = 1 when imported wisdom gave a plan that failed its
 * check (and was forgotten). */
char *st_fft_wisdom_export(int *bad);

#endif
