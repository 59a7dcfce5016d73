/*
 * bench_analysis.c - speed and memory of the acoustic analysis: the full
 * analysis (deconvolution and 1/3-octave bands, noise floor and harmonics
 * of every channel, alignment of every microphone to channel 0) of an
 * 8-channel, 48 kHz capture of a 3 s sweep (plus 0.6 s tail), with the
 * context built once and reused by every run, as the station does.  In the
 * same run, interleaved with it: the FFTW floor (deconv_floor.h: the same
 * deconvolution with nothing else) in double precision, and its twin with
 * the n-point work in single precision as the analysis has it.  After
 * them, when /usr/bin/python3 has numpy: the numpy twin of the whole
 * analysis (analysis_numpy.py: the same steps and sizes, written as numpy
 * is written; its results must agree with the C analysis's, or the bench
 * fails) and of the floor (deconv_numpy.py).  Prints medians of RUNS runs
 * (wall and CPU time of this thread), their ratios, the context's set-up
 * time (first and again: FFTW keeps the channels' plans' twiddles between
 * contexts of a size) and peak RSS.  One line per figure for tests/bench.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "../unit/test_analysis_synth.h"
#include "core/st.h"
#include "deconv_floor.h"
#define FLOOR_SINGLE
#include "deconv_floor.h"
#include "measure/wisdom.h"

#define RUNS 21
#define CH 8
#define RATE 48000.0
#define PY "/usr/bin/python3"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double cpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(double), cmp);
	return v[n / 2];
}

static int make_ctx(struct st_an_ctx **ctx, const float *stim, size_t ns, size_t nc)
{
	struct st_an_config cfg;
	char err[ST_ERRLEN];

	st_an_config_default(&cfg, RATE);
	cfg.max_capture = nc;
	if (st_an_ctx_create(ctx, stim, ns, &cfg, err)) {
		fprintf(stderr, "bench_analysis: %s\n", err);
		return -1;
	}
	return 0;
}

/* Channel 0's 1 kHz band level (dB) of the last analysis, for the numpy
 * twin to agree with. */
static double db_1k;

/* The whole analysis of the capture, channels on `threads` threads; adds
 * the mean delay to *chk. */
static int analyse(struct st_an_ctx *ctx, const float *cap, size_t nc, int threads, double *chk)
{
	struct st_an_response r[CH];
	struct st_an_align al[CH];
	char err[ST_ERRLEN];
	int ret = 0;

	memset(r, 0, sizeof(r));
	if (threads > 1) {
		const float *chs[CH];
		const struct st_an_response *rs[CH];

		for (int c = 0; c < CH; c++) {
			chs[c] = cap + c;
			rs[c] = &r[c];
		}
		ret = st_an_responses(ctx, chs, nc, CH, CH, r, threads, err);
		if (!ret)
			ret = st_an_aligns(ctx, &r[0], rs + 1, CH - 1, 0, 0, al + 1, threads, err);
	}
	for (int c = 0; c < CH && !ret && threads <= 1; c++)
		ret = st_an_response(ctx, cap + c, nc, CH, &r[c], err);
	for (int c = 1; c < CH && !ret && threads <= 1; c++)
		ret = st_an_align(ctx, &r[0], &r[c], 0, 0, &al[c], err);
	for (int c = 1; c < CH && !ret; c++)
		*chk += al[c].delay_us;
	db_1k = r[0].band_db[ST_AN_BAND_1K];
	if (ret)
		fprintf(stderr, "bench_analysis: %s\n", err);
	for (int c = 0; c < CH; c++)
		st_an_response_free(&r[c]);
	return ret;
}

/* Per-run times (s) and ratios, each run's figures side by side. */
struct figs {
	double an[RUNS], an_cpu[RUNS];   /* analysis, one thread */
	double an2[RUNS];                /* analysis, two threads (wall) */
	double fl[RUNS], fl_cpu[RUNS];   /* floor, double precision */
	double fs[RUNS], fs_cpu[RUNS];   /* floor, n-point work single */
	double ratio[RUNS];              /* an_cpu / fl_cpu */
	double ratio_s[RUNS];            /* an_cpu / fs_cpu */
	double ratio2[RUNS];             /* an2 / fl (wall) */
};

/* One run of each floor: wall and CPU seconds into run r of f. */
static void floors_run(struct floor_ctx *fd, struct floors_ctx *fsc, const float *cap, size_t nc,
		       struct figs *f, int r)
{
	double t0 = now(), c0 = cpu();

	floor_all(fd, cap, nc, CH);
	f->fl_cpu[r] = cpu() - c0;
	f->fl[r] = now() - t0;
	t0 = now();
	c0 = cpu();
	floors_all(fsc, cap, nc, CH);
	f->fs_cpu[r] = cpu() - c0;
	f->fs[r] = now() - t0;
}

/* What the numpy twins gave: medians (ms, NAN when there is no numpy),
 * and the analysis twin's mean microphone delay (us) and channel 0's
 * 1 kHz band (dB), checked against the C analysis's. */
struct py_figs {
	double floor_ms, an_ms, an_delay_us, an_1k_db;
};

/* Run one numpy twin: up to nout numbers from its stdout; how many. */
static int run_py(const char *cmd, double *out, int nout)
{
	FILE *p = popen(cmd, "r");
	int got = 0;

	if (!p)
		return 0;
	while (got < nout && fscanf(p, "%lf", &out[got]) == 1)
		got++;
	if (pclose(p) != 0)
		got = 0;
	return got;
}

/* The numpy twins of the floor (deconv_numpy.py) and of the whole
 * analysis (analysis_numpy.py) on the same stimulus and capture. */
static void numpy_twins(const float *stim, size_t ns, const float *cap, size_t nc,
			const struct floor_ctx *fl, const struct st_an_ctx *ctx, struct py_figs *py)
{
	char sf[] = "/tmp/bench_an_stimXXXXXX", cf[] = "/tmp/bench_an_capXXXXXX", cmd[768];
	int fs = mkstemp(sf), fc = fs >= 0 ? mkstemp(cf) : -1;
	double v[3];
	size_t dec = 8;

	py->floor_ms = py->an_ms = py->an_delay_us = py->an_1k_db = NAN;
	if (fs < 0 || fc < 0 || access(PY, X_OK) != 0)
		goto out_unlink;
	if (write(fs, stim, ns * sizeof(float)) != (ssize_t)(ns * sizeof(float)) ||
	    write(fc, cap, nc * CH * sizeof(float)) != (ssize_t)(nc * CH * sizeof(float)))
		goto out_unlink;
	snprintf(cmd, sizeof(cmd), PY " tests/bench/deconv_numpy.py %s %s %d %zu %zu %zu %zu %g %d 2>/dev/null",
		 sf, cf, CH, fl->n, fl->m, fl->pre, fl->post, RATE, RUNS);
	if (run_py(cmd, v, 1) == 1)
		py->floor_ms = v[0];
	/* the analysis's coarse-search decimation (ctx.c, peak_decimation) */
	while (dec > 2 && (fl->n % dec || 2 * dec > fl->pre / 2))
		dec /= 2;
	snprintf(cmd, sizeof(cmd), PY " tests/bench/analysis_numpy.py %s %s %d %zu %zu %zu %zu %g %d %zu %.17g %.17g %.17g"
		 " 2>/dev/null", sf, cf, CH, fl->n, fl->m, fl->pre, fl->post, RATE, RUNS, dec,
		 st_an_ctx_sweep_l(ctx), st_an_ctx_f1(ctx), st_an_ctx_f2(ctx));
	if (run_py(cmd, v, 3) == 3) {
		py->an_ms = v[0];
		py->an_delay_us = v[1];
		py->an_1k_db = v[2];
	}
out_unlink:
	if (fs >= 0) {
		close(fs);
		unlink(sf);
	}
	if (fc >= 0) {
		close(fc);
		unlink(cf);
	}
}

/* The figures, each with its goal (issue 13). */
static void print_figures(struct figs *g, const struct py_figs *py, const struct floor_ctx *flc,
			  double cap_s)
{
	double a = median(g->an, RUNS), ac = median(g->an_cpu, RUNS), f = median(g->fl, RUNS);
	double fc = median(g->fl_cpu, RUNS), fs = median(g->fs, RUNS), fsc = median(g->fs_cpu, RUNS);
	double r = median(g->ratio, RUNS), rs = median(g->ratio_s, RUNS), a2 = median(g->an2, RUNS);
	double r2 = median(g->ratio2, RUNS), rlo = g->ratio[0], rhi = g->ratio[RUNS - 1];
	double amin = g->an_cpu[0], fmin = g->fl_cpu[0];   /* sorted by median() */

	printf("analysis %dch 3s 48k: median %.1f ms wall, %.1f ms CPU (%.4f of capture length %.1f s) "
	       "over %d runs, one thread, context reused\n", CH, a * 1e3, ac * 1e3, a / cap_s, cap_s, RUNS);
	printf("analysis %dch 3s 48k: FFTW floor (%dx r2c+multiply+c2r at n=%zu, peak, window r2c at m=%zu, 31 bands) "
	       "median %.1f ms wall, %.1f ms CPU in double precision; %.1f ms wall, %.1f ms CPU with the "
	       "n-point work in single precision\n", CH, CH, flc->n, flc->m, f * 1e3, fc * 1e3, fs * 1e3,
	       fsc * 1e3);
	printf("analysis %dch 3s 48k: analysis / floor = %.2fx one thread (median of per-run CPU-time ratios, "
	       "range %.2f-%.2f; fastest runs %.1f / %.1f ms = %.2fx; goal 1.3x)\n", CH, r, rlo, rhi,
	       amin * 1e3, fmin * 1e3, amin / fmin);
	printf("analysis %dch 3s 48k: analysis / single-precision floor = %.2fx one thread (the analysis's "
	       "n-point work is single precision: this is its like-for-like floor)\n", CH, rs);
	printf("analysis %dch 3s 48k: two threads (st_an_responses, st_an_aligns) median %.1f ms wall: "
	       "analysis / one-thread floor = %.2fx wall (median of per-run ratios; goal 0.65x = 1.3x / 2 cores); "
	       "%.2fx of the single-precision floor\n", CH, a2 * 1e3, r2, a2 / fs);
	if (isfinite(py->an_ms))
		printf("analysis %dch 3s 48k: numpy twin of the analysis (double precision) median %.1f ms wall: "
		       "numpy / C analysis = %.2fx one thread, %.2fx two threads (goal 5x)\n", CH, py->an_ms,
		       py->an_ms / (a * 1e3), py->an_ms / (a2 * 1e3));
	if (isfinite(py->floor_ms))
		printf("analysis %dch 3s 48k: numpy twin of the floor (double precision) median %.1f ms wall: "
		       "numpy / C double-precision floor = %.2fx\n", CH, py->floor_ms, py->floor_ms / (f * 1e3));
	if (!isfinite(py->an_ms) && !isfinite(py->floor_ms))
		printf("analysis %dch 3s 48k: numpy comparison skipped (no " PY " with numpy)\n", CH);
}

int main(int argc, char **argv)
{
	(void)argc;
	size_t ns, nc;
	float *stim = syn_sweep(20, 20000, 3.0, RATE, 0.6, &ns, &nc), *cap, *tmp;
	static struct figs g;
	double chk = 0, t0, c0;
	double setup1, setup2;
	struct py_figs py;
	struct st_an_ctx *ctx, *ctx2;
	struct floor_ctx flc;
	struct floors_ctx fsc;
	struct rusage ru;
	char wpath[1024];
	int had_wisdom, measured;
	double tmeasure;

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
	/* FFTW wisdom next to this program, as a station keeps it next to its
	 * database: the first bench measures the plans, later ones read them. */
	{
		const char *slash = strrchr(argv[0], '/');

		snprintf(wpath, sizeof(wpath), "%.*s/fftw-wisdom", slash ? (int)(slash - argv[0]) : 1,
			 slash ? argv[0] : ".");
		had_wisdom = meas_wisdom_open(wpath);
	}
	/* First context of the process, freed; then the one every run uses. */
	t0 = now();
	if (make_ctx(&ctx2, stim, ns, nc))
		return 1;
	setup1 = now() - t0;
	st_an_ctx_free(ctx2);
	t0 = now();
	measured = meas_wisdom_measure_now();
	tmeasure = now() - t0;
	t0 = now();
	if (make_ctx(&ctx, stim, ns, nc))
		return 1;
	setup2 = now() - t0;
	/* Floor with the analysis's window: pre 5 ms, post 200 ms (defaults). */
	if (floor_init(&flc, stim, ns, nc, RATE, (size_t)(0.005 * RATE), (size_t)(0.2 * RATE)) ||
	    floors_init(&fsc, stim, ns, nc, RATE, (size_t)(0.005 * RATE), (size_t)(0.2 * RATE))) {
		fprintf(stderr, "bench_analysis: floor set-up failed\n");
		return 1;
	}
	for (int run = 0; run < RUNS; run++) {
		/* the floors first every other run: drift shifts both sides */
		if (run & 1)
			floors_run(&flc, &fsc, cap, nc, &g, run);
		t0 = now();
		c0 = cpu();
		if (analyse(ctx, cap, nc, 1, &chk))
			return 1;
		g.an_cpu[run] = cpu() - c0;
		g.an[run] = now() - t0;
		t0 = now();
		if (analyse(ctx, cap, nc, 2, &chk))
			return 1;
		g.an2[run] = now() - t0;
		if (!(run & 1))
			floors_run(&flc, &fsc, cap, nc, &g, run);
		g.ratio[run] = g.an_cpu[run] / g.fl_cpu[run];
		g.ratio_s[run] = g.an_cpu[run] / g.fs_cpu[run];
		g.ratio2[run] = g.an2[run] / g.fl[run];
	}
	numpy_twins(stim, ns, cap, nc, &flc, ctx, &py);
	getrusage(RUSAGE_SELF, &ru);
	print_figures(&g, &py, &flc, (double)nc / RATE);
	if (st_fft_tuned_flags() == FFTW_ESTIMATE)
		printf("analysis %dch 3s 48k: FFTW plans FFTW_ESTIMATE (STATION_FFT_WISDOM=off)\n", CH);
	else
		printf("analysis %dch 3s 48k: FFTW plans FFTW_MEASURE from the wisdom in %s\n", CH, wpath);
	if (measured)
		printf("analysis %dch 3s 48k: %d sizes measured into it now, %.1f s (once)\n", CH, measured, tmeasure);
	printf("analysis %dch 3s 48k: context set-up %.1f ms first (%s), %.1f ms again after freeing it "
	       "(the channels' FFTW twiddles kept, the set-up's double-precision ones made again)\n",
	       CH, setup1 * 1e3, had_wisdom ? "plans from wisdom" : "no wisdom yet", setup2 * 1e3);
	printf("analysis %dch 3s 48k: peak RSS %.1f MB (whole bench process)\n", CH,
	       (double)ru.ru_maxrss / 1024.0);
	/* Keep the work honest: channels are 0.37 samples apart (plus their
	 * filters' phase), so the mean delay is about 4 * 0.37 / 48 kHz. */
	chk /= (CH - 1) * RUNS * 2;
	if (!(chk > 20 && chk < 45)) {
		fprintf(stderr, "bench_analysis: alignment result off (%.3f us mean)\n", chk);
		return 1;
	}
	/* and the numpy twin does the same work: it agrees */
	if (isfinite(py.floor_ms) && !isfinite(py.an_ms)) {
		fprintf(stderr, "bench_analysis: numpy is there but its twin of the analysis gave no result\n");
		return 1;
	}
	if (isfinite(py.an_ms) && !(fabs(py.an_delay_us - chk) < 0.5 && fabs(py.an_1k_db - db_1k) < 0.2)) {
		fprintf(stderr, "bench_analysis: the numpy twin disagrees: mean delay %.3f us (C %.3f), "
			"1 kHz band %.3f dB (C %.3f)\n", py.an_delay_us, chk, py.an_1k_db, db_1k);
		return 1;
	}
	if (isfinite(py.an_ms))
		printf("analysis %dch 3s 48k: the numpy twin agrees: microphones' mean delay %.3f us (C %.3f), "
		       "channel 0 at 1 kHz %.3f dB (C %.3f)\n", CH, py.an_delay_us, chk, py.an_1k_db, db_1k);
	st_an_ctx_free(ctx);
	floor_free(&flc);
	floors_free(&fsc);
	free(stim);
	free(cap);
	free(tmp);
	return 0;
}
