/*
 * bench_analysis.c - speed and memory of the acoustic analysis: the full
 * analysis (context from the stimulus, deconvolution and 1/3-octave bands
 * of every channel, alignment of every microphone to channel 0) of an
 * 8-channel, 48 kHz capture of a 3 s sweep (plus 0.6 s tail).  Median wall
 * time of 9 runs, as milliseconds and as a fraction of the capture length,
 * and peak RSS.
 * Prints one line per figure for tests/bench.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "../unit/test_analysis_synth.h"
#include "core/st.h"

#define RUNS 9
#define CH 8
#define RATE 48000.0

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(void)
{
	size_t ns, nc;
	float *stim = syn_sweep(20, 20000, 3.0, RATE, 0.6, &ns, &nc), *cap, *tmp;
	double full[RUNS], setup[RUNS], chk = 0;
	struct rusage ru;
	char err[ST_ERRLEN];

	if (!stim)
		return 1;
	cap = calloc(nc * CH, sizeof(float));
	tmp = calloc(nc, sizeof(float));
	if (!cap || !tmp)
		return 1;
	for (int c = 0; c < CH; c++) {
		struct syn_biquad bq = syn_peaking(500.0 * (c + 1), 1.0, c - 3.0, RATE);

		syn_delay(stim, ns, tmp, nc, 1, 20.0 + 0.37 * c);
		syn_filter(tmp, nc, 1, &bq, 1, 0.5);
		syn_add_noise(tmp, nc, 1, 1e-3, (uint64_t)c + 1);
		for (size_t i = 0; i < nc; i++)
			cap[i * CH + (size_t)c] = tmp[i];
	}
	for (int run = 0; run < RUNS; run++) {
		struct st_an_config cfg;
		struct st_an_ctx *ctx;
		struct st_an_response r[CH];
		struct st_an_align al;
		double t0 = now(), t1;

		st_an_config_default(&cfg, RATE);
		cfg.max_capture = nc;
		if (st_an_ctx_create(&ctx, stim, ns, &cfg, err)) {
			fprintf(stderr, "bench_analysis: %s\n", err);
			return 1;
		}
		t1 = now();
		for (int c = 0; c < CH; c++) {
			if (st_an_response(ctx, cap + c, nc, CH, &r[c], err)) {
				fprintf(stderr, "bench_analysis: %s\n", err);
				return 1;
			}
		}
		for (int c = 1; c < CH; c++) {
			if (st_an_align(ctx, &r[0], &r[c], 0, 0, &al, err)) {
				fprintf(stderr, "bench_analysis: %s\n", err);
				return 1;
			}
			chk += al.delay_us;
		}
		full[run] = now() - t0;
		setup[run] = t1 - t0;
		for (int c = 0; c < CH; c++)
			st_an_response_free(&r[c]);
		st_an_ctx_free(ctx);
	}
	qsort(full, RUNS, sizeof(double), cmp);
	qsort(setup, RUNS, sizeof(double), cmp);
	getrusage(RUSAGE_SELF, &ru);
	printf("analysis %dch 3s 48k: median %.1f ms (%.4f of capture length %.1f s) over %d runs "
	       "(of which stimulus setup %.1f ms)\n",
	       CH, full[RUNS / 2] * 1e3, full[RUNS / 2] / ((double)nc / RATE), (double)nc / RATE, RUNS,
	       setup[RUNS / 2] * 1e3);
	printf("analysis %dch 3s 48k: peak RSS %.1f MB (whole bench process)\n", CH,
	       (double)ru.ru_maxrss / 1024.0);
	/* Keep the work honest: channels are 0.37 samples apart (plus their
	 * filters' phase), so the mean delay is about 4 * 0.37 / 48 kHz. */
	chk /= (CH - 1) * RUNS;
	if (!(chk > 20 && chk < 45)) {
		fprintf(stderr, "bench_analysis: alignment result off (%.3f us mean)\n", chk);
		return 1;
	}
	free(stim);
	free(cap);
	free(tmp);
	return 0;
}
