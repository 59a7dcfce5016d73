/*
 * test_analysis.c - the analysis library against synthetic signals with
 * known answers: bands, the sweep, magnitude response of a known filter
 * (0.1 dB, 50 Hz..16 kHz), latency, microphone delay (0.5 us at 20 dB SNR),
 * phase at 1 kHz (1 degree at 40 dB SNR), ANC band attenuation (0.1 dB),
 * distortion, SNR / judgeability, stimulus detection, and bad input.
 * Tone and ramp tests are in test_analysis_events.c.
 */
#include "testutil.h"
#include "test_analysis_synth.h"

#include "analysis/analysis.h"
#include "core/st.h"

#define FS 48000.0

static void test_bands(void **state)
{
	(void)state;
	assert_true(fabs(st_an_band_centre(ST_AN_BAND_1K) - 1000.0) < 1e-9);
	assert_true(fabs(st_an_band_centre(0) - 19.9526) < 1e-3);
	assert_true(fabs(st_an_band_centre(30) - 19952.6) < 0.1);
	assert_true(st_an_band_nominal(5) == 63);
	assert_true(st_an_band_nominal(2) == 31.5);
	assert_true(fabs(st_an_band_hi(10) - st_an_band_lo(11)) < 1e-9);
	assert_int_equal(st_an_band_index(125), 8);
	assert_int_equal(st_an_band_index(1000), ST_AN_BAND_1K);
	assert_int_equal(st_an_band_index(31.5), 2);
	assert_int_equal(st_an_band_index(33), -1);
	assert_true(isnan(st_an_band_centre(31)));
	assert_true(isnan(st_an_band_nominal(-1)));
}

static void test_sweep(void **state)
{
	struct st_sweep s;
	char err[ST_ERRLEN];
	float *x;
	size_t n;
	double peak = 0;
	int cross = 0;

	(void)state;
	st_sweep_default(&s);
	s.seconds = 1.0;
	assert_int_equal(st_sweep_check(&s, err), ST_OK);
	n = st_sweep_frames(&s);
	assert_int_equal(n, 48000);
	assert_true(fabs(st_sweep_rate_constant(&s) - 1.0 / log(1000.0)) < 1e-12);
	x = malloc(n * sizeof(float));
	assert_int_equal(st_sweep_generate(&s, x, n, err), ST_OK);
	for (size_t i = 0; i < n; i++)
		if (fabs(x[i]) > peak)
			peak = fabs(x[i]);
	assert_true(fabs(20 * log10(peak) - -6.0) < 0.01);
	assert_true(x[0] == 0.0f && fabs(x[n - 1]) < 1e-6);
	/* Zero crossings in the first 100 ms: the phase there is
	 * 2 pi f1 L (e^(0.1/L) - 1) = 2 pi * 2.89 rad-cycles. */
	for (size_t i = 1; i < 4800; i++)
		if ((x[i - 1] < 0) != (x[i] < 0))
			cross++;
	assert_true(cross >= 4 && cross <= 7);
	assert_int_equal(st_sweep_generate(&s, x, n - 1, err), ST_ERR_ARG);
	s.f2 = 30000;
	assert_int_equal(st_sweep_check(&s, err), ST_ERR_ARG);
	assert_non_null(strstr(err, "Nyquist"));
	s.f2 = 10;
	assert_int_equal(st_sweep_check(&s, err), ST_ERR_ARG);
	s.f2 = 20000;
	s.level_db = 3;
	assert_int_equal(st_sweep_check(&s, err), ST_ERR_ARG);
	s.level_db = NAN;
	assert_int_equal(st_sweep_check(&s, err), ST_ERR_ARG);
	free(x);
}

/* A loudspeaker-ish chain: high-pass, low shelf, peak, high shelf. */
static int speaker(struct syn_biquad *bq)
{
	bq[0] = syn_highpass(40, 0.7, FS);
	bq[1] = syn_shelf(0, 150, 4, FS);
	bq[2] = syn_peaking(1000, 1.4, 6, FS);
	bq[3] = syn_shelf(1, 8000, -5, FS);
	bq[4] = syn_peaking(3000, 3, -8, FS);
	return 5;
}

static struct st_an_ctx *make_ctx(const float *stim, size_t n_stim, size_t n_cap)
{
	struct st_an_config cfg;
	struct st_an_ctx *c = NULL;
	char err[ST_ERRLEN];

	st_an_config_default(&cfg, FS);
	cfg.max_capture = n_cap;
	if (st_an_ctx_create(&c, stim, n_stim, &cfg, err)) {
		fprintf(stderr, "ctx: %s\n", err);
		return NULL;
	}
	return c;
}

static void test_magnitude(void **state)
{
	size_t ns, nc;
	float *stim = syn_sweep(20, 20000, 2.0, FS, 0.6, &ns, &nc), *cap;
	struct syn_biquad bq[8];
	int nb = speaker(bq);
	struct st_an_ctx *c;
	struct st_an_response r;
	char err[ST_ERRLEN];
	double worst = 0;

	(void)state;
	assert_non_null(stim);
	c = make_ctx(stim, ns, nc);
	assert_non_null(c);
	assert_true(fabs(st_an_ctx_f1(c) - 20) < 0.5);
	assert_true(fabs(st_an_ctx_f2(c) - 20000) < 200);
	assert_true(fabs(st_an_ctx_sweep_l(c) - 2.0 / log(1000.0)) < 1e-3);
	assert_true(nc - ns >= st_an_ctx_tail(c));
	cap = calloc(nc, sizeof(float));
	assert_int_equal(syn_delay(stim, ns, cap, nc, 1, 100.0), 0);
	syn_filter(cap, nc, 1, bq, nb, 0.5);
	assert_int_equal(st_an_response(c, cap, nc, 1, &r, err), ST_OK);
	assert_true(fabs(r.latency_ms - 100.0 / 48.0) < 0.01);
	for (int b = 0; b < ST_AN_NBANDS; b++) {
		double fc = st_an_band_centre(b), want, lo, hi;

		if (fc < 49 || fc > 16500)
			continue;
		lo = fmax(st_an_band_lo(b), st_an_ctx_f1(c));
		hi = fmin(st_an_band_hi(b), st_an_ctx_f2(c));
		want = syn_band_db(bq, nb, 0.5, lo, hi, FS);
		if (fabs(r.band_db[b] - want) > worst)
			worst = fabs(r.band_db[b] - want);
		if (fabs(r.band_db[b] - want) > 0.1)
			fprintf(stderr, "band %g: got %.4f want %.4f\n", st_an_band_nominal(b), r.band_db[b], want);
	}
	fprintf(stderr, "# magnitude: worst error 50 Hz..16 kHz %.4f dB\n", worst);
	assert_true(worst < 0.1);
	/* No noise at all: SNR huge, judgeable. */
	assert_true(st_an_judgeable(&r, 100, 10000, 20, err));
	assert_true(isfinite(r.band_db[0]) || isnan(r.band_db[0]));
	assert_int_equal((int)r.clipped, 0);
	st_an_response_free(&r);
	free(cap);
	free(stim);
	st_an_ctx_free(c);
}

/* Two channels through the same speaker; the second delayed by d samples
 * (and inverted when pol < 0), independent noise at snr dB re the signal. */
static void two_mics(double d, int pol, double gain, double snr, uint64_t seed,
		     struct st_an_align *al, double *latency_ms)
{
	size_t ns, nc;
	float *stim = syn_sweep(20, 20000, 1.5, FS, 0.6, &ns, &nc), *cap;
	struct syn_biquad bq[8];
	int nb = speaker(bq);
	struct st_an_ctx *c;
	struct st_an_response r0, r1;
	char err[ST_ERRLEN];
	double rms = 0.5 * pow(10, -6 / 20.0) / sqrt(2.0) * pow(10, -snr / 20);

	assert_non_null(stim);
	c = make_ctx(stim, ns, nc);
	assert_non_null(c);
	cap = calloc(2 * nc, sizeof(float));
	assert_int_equal(syn_delay(stim, ns, cap, nc, 2, 30.0), 0);
	assert_int_equal(syn_delay(stim, ns, cap + 1, nc, 2, 30.0 + d), 0);
	syn_filter(cap, nc, 2, bq, nb, 0.5);
	syn_filter(cap + 1, nc, 2, bq, nb, 0.5 * pol * gain);
	if (snr < 200) {
		syn_add_noise(cap, nc, 2, rms, seed);
		syn_add_noise(cap + 1, nc, 2, rms * gain, seed + 1000);
	}
	assert_int_equal(st_an_response(c, cap, nc, 2, &r0, err), ST_OK);
	assert_int_equal(st_an_response(c, cap + 1, nc, 2, &r1, err), ST_OK);
	assert_int_equal(st_an_align(c, &r0, &r1, 0, 0, al, err), ST_OK);
	if (latency_ms)
		*latency_ms = r1.latency_ms;
	st_an_response_free(&r0);
	st_an_response_free(&r1);
	free(cap);
	free(stim);
	st_an_ctx_free(c);
}

static void test_delay(void **state)
{
	struct st_an_align al;
	double worst = 0, lat;
	const double ds[] = { 0.0, 0.37, -2.61, 7.5, 12.83 };

	(void)state;
	for (size_t i = 0; i < ST_ARRAY_SIZE(ds); i++) {
		double want = ds[i] / FS * 1e6;

		two_mics(ds[i], i == 3 ? -1 : 1, 1.0, 20.0, 7 + i, &al, &lat);
		fprintf(stderr, "# d %g: delay %.4f us (want %.4f) pol %d lat %.4f ms\n", ds[i],
			al.delay_us, want, al.polarity, lat);
		if (fabs(al.delay_us - want) > worst)
			worst = fabs(al.delay_us - want);
		assert_int_equal(al.polarity, i == 3 ? -1 : 1);
		assert_true(fabs(lat - (30.0 + ds[i]) / 48.0) < 0.01);
		assert_true(fabs(al.gain_db) < 0.2);
	}
	fprintf(stderr, "# delay at 20 dB SNR: worst error %.4f us\n", worst);
	assert_true(worst < 0.5);
}

static void test_phase_gain(void **state)
{
	struct st_an_align al;
	double d = 3.3, want_ph = -360.0 * 1000.0 * d / FS, want_g = -1.5;

	(void)state;
	two_mics(d, -1, pow(10, want_g / 20), 40.0, 99, &al, NULL);
	fprintf(stderr, "# phase at 40 dB SNR: %.4f deg (want %.4f), gain %.4f dB, delay %.4f us\n",
		al.phase_deg, want_ph, al.gain_db, al.delay_us);
	assert_int_equal(al.polarity, -1);
	assert_true(fabs(al.phase_deg - want_ph) < 1.0);
	assert_true(fabs(al.gain_db - want_g) < 0.05);
	assert_true(fabs(al.band_gain_db[ST_AN_BAND_1K] - want_g) < 0.1);
	assert_true(fabs(al.band_phase_deg[ST_AN_BAND_1K] - want_ph) < 2.0);
	/* Noise-free: much tighter. */
	two_mics(d, 1, 1.0, 1000.0, 1, &al, NULL);
	assert_true(fabs(al.phase_deg - want_ph) < 0.05);
	assert_true(fabs(al.delay_us - d / FS * 1e6) < 0.05);
}

static void test_anc(void **state)
{
	size_t ns, nc;
	float *stim = syn_sweep(20, 20000, 1.5, FS, 0.6, &ns, &nc), *cap[3];
	struct syn_biquad sp[8], cut[3];
	int nb = speaker(sp);
	struct st_an_ctx *c;
	struct st_an_response r[3];
	struct st_an_anc anc;
	char err[ST_ERRLEN];
	double worst = 0;

	(void)state;
	c = make_ctx(stim, ns, nc);
	assert_non_null(c);
	/* open: speaker; off: speaker + passive (high shelf -15 dB at 1 kHz);
	 * on: off + active (low-frequency cut -20 dB at 200 Hz, 1 octave). */
	cut[0] = syn_shelf(1, 1000, -15, FS);
	cut[1] = syn_peaking(200, 0.7, -20, FS);
	cut[2] = syn_peaking(90, 1.0, -8, FS);
	for (int i = 0; i < 3; i++) {
		cap[i] = calloc(nc, sizeof(float));
		memcpy(cap[i], stim, nc * sizeof(float));
		syn_filter(cap[i], nc, 1, sp, nb, 0.5);
		if (i >= 1)
			syn_filter(cap[i], nc, 1, cut, 1, 1.0);
		if (i == 2)
			syn_filter(cap[i], nc, 1, cut + 1, 2, 1.0);
		assert_int_equal(st_an_response(c, cap[i], nc, 1, &r[i], err), ST_OK);
	}
	st_an_anc(&r[0], &r[1], &r[2], &anc);
	for (int b = 0; b < ST_AN_NBANDS; b++) {
		double lo = fmax(st_an_band_lo(b), st_an_ctx_f1(c)), hi = fmin(st_an_band_hi(b), st_an_ctx_f2(c));
		double fc = st_an_band_centre(b), pas, act;

		if (fc < 49 || fc > 16500)
			continue;
		/* Band levels are energy averages of the whole chain, so the
		 * analytic attenuation is a difference of chain band levels. */
		pas = syn_band_db(sp, nb, 0.5, lo, hi, FS);
		{
			struct syn_biquad all[8];

			memcpy(all, sp, sizeof(struct syn_biquad) * (size_t)nb);
			all[nb] = cut[0];
			act = syn_band_db(all, nb + 1, 0.5, lo, hi, FS);
			pas -= act;
			all[nb + 1] = cut[1];
			all[nb + 2] = cut[2];
			act -= syn_band_db(all, nb + 3, 0.5, lo, hi, FS);
		}
		worst = fmax(worst, fabs(anc.passive_db[b] - pas));
		worst = fmax(worst, fabs(anc.active_db[b] - act));
		worst = fmax(worst, fabs(anc.total_db[b] - (pas + act)));
	}
	fprintf(stderr, "# ANC attenuation: worst error %.4f dB\n", worst);
	assert_true(worst < 0.1);
	assert_true(anc.active_db[st_an_band_index(200)] > 15);
	st_an_anc(NULL, &r[1], &r[2], &anc);
	assert_true(isnan(anc.passive_db[10]) && isnan(anc.total_db[10]) && isfinite(anc.active_db[10]));
	for (int i = 0; i < 3; i++) {
		st_an_response_free(&r[i]);
		free(cap[i]);
	}
	free(stim);
	st_an_ctx_free(c);
}

static void test_thd(void **state)
{
	size_t ns, nc;
	float *stim = syn_sweep(50, 15000, 2.0, FS, 0.6, &ns, &nc), *cap;
	struct st_an_ctx *c;
	struct st_an_response r;
	char err[ST_ERRLEN];
	double a = pow(10, -6 / 20.0);
	int seen = 0;

	(void)state;
	c = make_ctx(stim, ns, nc);
	assert_non_null(c);
	cap = calloc(nc, sizeof(float));
	/* 1 % third harmonic: x + 0.01 A T3(x / A). */
	for (size_t i = 0; i < nc; i++) {
		double u = stim[i] / a;

		cap[i] = (float)(stim[i] + 0.01 * a * (4 * u * u * u - 3 * u));
	}
	assert_int_equal(st_an_response(c, cap, nc, 1, &r, err), ST_OK);
	for (int b = 0; b < ST_AN_NBANDS; b++) {
		double fc = st_an_band_centre(b);

		if (fc < 100 || fc > 4000)
			continue;
		seen++;
		if (fabs(r.thd_pct[b] - 1.0) > 0.1)
			fprintf(stderr, "thd %g Hz: %.4f %%\n", st_an_band_nominal(b), r.thd_pct[b]);
		assert_true(fabs(r.thd_pct[b] - 1.0) < 0.1);
	}
	assert_true(seen > 10);
	/* A harmonic beyond the stimulus band is not counted. */
	assert_true(isnan(r.thd_pct[st_an_band_index(8000)]));
	/* The linear part is still 0 dB. */
	assert_true(fabs(r.band_db[ST_AN_BAND_1K]) < 0.05);
	st_an_response_free(&r);
	memcpy(cap, stim, nc * sizeof(float));
	assert_int_equal(st_an_response(c, cap, nc, 1, &r, err), ST_OK);
	assert_true(r.thd_pct[ST_AN_BAND_1K] < 0.01);
	st_an_response_free(&r);
	free(cap);
	free(stim);
	st_an_ctx_free(c);
}

static void test_snr_judgeable(void **state)
{
	size_t ns, nc;
	float *stim = syn_sweep(20, 20000, 1.0, FS, 0.6, &ns, &nc), *cap;
	struct st_an_ctx *c;
	struct st_an_response r;
	char err[ST_ERRLEN], why[ST_ERRLEN];
	double sig = pow(10, -6 / 20.0) / sqrt(2.0);

	(void)state;
	c = make_ctx(stim, ns, nc);
	assert_non_null(c);
	cap = calloc(nc, sizeof(float));

	/* Loud noise (capture SNR -20 dB): the sweep's processing gain is
	 * not enough everywhere; not judgeable. */
	for (size_t i = 0; i < nc; i++)
		cap[i] = stim[i] * 0.01f;
	syn_add_noise(cap, nc, 1, sig * 0.1, 5);
	assert_int_equal(st_an_response(c, cap, nc, 1, &r, err), ST_OK);
	assert_false(st_an_judgeable(&r, 100, 10000, 20, why));
	fprintf(stderr, "# loud noise: %s\n", why);
	assert_non_null(strstr(why, "SNR"));
	st_an_response_free(&r);

	/* Moderate noise (capture SNR 20 dB): band SNR well above 20 dB. */
	memcpy(cap, stim, nc * sizeof(float));
	syn_add_noise(cap, nc, 1, sig * 0.1, 6);
	assert_int_equal(st_an_response(c, cap, nc, 1, &r, err), ST_OK);
	assert_true(st_an_judgeable(&r, 100, 10000, 20, why));
	/* A white-noise capture of SNR s gives a band SNR near
	 * s + 10 log10(T * B / (bandwidth fraction)) -- just check ordering. */
	assert_true(r.snr_db[ST_AN_BAND_1K] > 30 && r.snr_db[ST_AN_BAND_1K] < 80);
	st_an_response_free(&r);

	/* Same capture cut at the stimulus end: no room for a noise floor. */
	assert_int_equal(st_an_response(c, cap, ns, 1, &r, err), ST_OK);
	assert_false(st_an_judgeable(&r, 100, 10000, 20, why));
	assert_non_null(strstr(why, "tail"));
	st_an_response_free(&r);

	/* Clipping. */
	for (size_t i = 0; i < nc; i++)
		cap[i] = stim[i] * 4 > 1 ? 1.0f : stim[i] * 4 < -1 ? -1.0f : stim[i] * 4;
	assert_int_equal(st_an_response(c, cap, nc, 1, &r, err), ST_OK);
	assert_true(r.clipped > 0);
	assert_false(st_an_judgeable(&r, 100, 10000, 20, why));
	assert_non_null(strstr(why, "clipped"));
	st_an_response_free(&r);

	/* Silence. */
	memset(cap, 0, nc * sizeof(float));
	assert_int_equal(st_an_response(c, cap, nc, 1, &r, err), ST_OK);
	assert_false(st_an_judgeable(&r, 100, 10000, 20, why));
	st_an_response_free(&r);
	free(cap);
	free(stim);
	st_an_ctx_free(c);
}

static void test_foreign_stimulus(void **state)
{
	size_t ns, nc;
	float *stim = syn_sweep(100, 10000, 1.0, FS, 0.6, &ns, &nc), *lin;
	struct st_an_ctx *c;
	struct st_an_response r;
	struct st_an_config cfg;
	char err[ST_ERRLEN];

	(void)state;
	c = make_ctx(stim, ns, nc);
	assert_non_null(c);
	assert_true(fabs(st_an_ctx_f1(c) - 100) < 2);
	assert_true(fabs(st_an_ctx_f2(c) - 10000) < 150);
	assert_true(fabs(st_an_ctx_sweep_l(c) - 1.0 / log(100.0)) < 1e-3);
	assert_int_equal(st_an_response(c, stim, nc, 1, &r, err), ST_OK);
	assert_true(isnan(r.band_db[st_an_band_index(50)]));
	assert_true(isnan(r.band_db[st_an_band_index(16000)]));
	assert_true(fabs(r.band_db[st_an_band_index(125)]) < 0.05);
	assert_true(fabs(r.band_db[st_an_band_index(8000)]) < 0.05);
	st_an_response_free(&r);
	st_an_ctx_free(c);

	/* A linear sweep 200 Hz .. 5 kHz: not exponential, band from its
	 * spectrum, no distortion figures, response still 0 dB. */
	lin = calloc(nc, sizeof(float));
	for (size_t i = 0; i < ns; i++) {
		double t = (double)i / FS;

		lin[i] = (float)(0.5 * sin(2 * M_PI * (200 * t + 0.5 * 4800 * t * t)));
	}
	st_an_config_default(&cfg, FS);
	cfg.max_capture = nc;
	assert_int_equal(st_an_ctx_create(&c, lin, ns, &cfg, err), ST_OK);
	assert_true(isnan(st_an_ctx_sweep_l(c)));
	fprintf(stderr, "# linear sweep band %.1f..%.1f Hz\n", st_an_ctx_f1(c), st_an_ctx_f2(c));
	assert_true(st_an_ctx_f1(c) > 150 && st_an_ctx_f1(c) < 260);
	assert_true(st_an_ctx_f2(c) > 4000 && st_an_ctx_f2(c) < 6000);
	assert_int_equal(st_an_response(c, lin, nc, 1, &r, err), ST_OK);
	assert_true(fabs(r.band_db[ST_AN_BAND_1K]) < 0.05);
	assert_true(isnan(r.thd_pct[ST_AN_BAND_1K]));
	st_an_response_free(&r);
	st_an_ctx_free(c);

	/* Band given explicitly wins over detection. */
	cfg.f1 = 300;
	cfg.f2 = 3000;
	assert_int_equal(st_an_ctx_create(&c, lin, ns, &cfg, err), ST_OK);
	assert_true(st_an_ctx_f1(c) == 300 && st_an_ctx_f2(c) == 3000);
	st_an_ctx_free(c);
	free(lin);
	free(stim);
}

static void test_bad_input(void **state)
{
	size_t ns, nc;
	float *stim = syn_sweep(20, 20000, 0.5, FS, 0.6, &ns, &nc), *cap;
	struct st_an_ctx *c = NULL;
	struct st_an_config cfg;
	struct st_an_response r, r2;
	struct st_an_align al;
	char err[ST_ERRLEN];
	float zero[4800] = { 0 };

	(void)state;
	st_an_config_default(&cfg, FS);
	assert_int_equal(st_an_ctx_create(&c, zero, 4800, &cfg, err), ST_ERR_ARG);
	assert_non_null(strstr(err, "silent"));
	assert_null(c);
	assert_int_equal(st_an_ctx_create(&c, stim, 100, &cfg, err), ST_ERR_ARG);
	assert_int_equal(st_an_ctx_create(&c, NULL, 0, &cfg, err), ST_ERR_ARG);
	cfg.rate = 0;
	assert_int_equal(st_an_ctx_create(&c, stim, ns, &cfg, err), ST_ERR_ARG);
	cfg.rate = FS;
	cfg.f1 = 5000;
	cfg.f2 = 100;
	assert_int_equal(st_an_ctx_create(&c, stim, ns, &cfg, err), ST_ERR_ARG);
	cfg.f1 = cfg.f2 = 0;
	stim[10] = NAN;
	assert_int_equal(st_an_ctx_create(&c, stim, ns, &cfg, err), ST_ERR_ARG);
	assert_non_null(strstr(err, "sample 10"));
	stim[10] = 0;
	cfg.max_capture = nc;
	assert_int_equal(st_an_ctx_create(&c, stim, ns, &cfg, err), ST_OK);
	cap = calloc(nc + 10, sizeof(float));
	memcpy(cap, stim, nc * sizeof(float));
	assert_int_equal(st_an_response(c, cap, nc + 10, 1, &r, err), ST_ERR_ARG);
	st_an_response_free(&r);
	cap[5] = INFINITY;
	assert_int_equal(st_an_response(c, cap, nc, 1, &r, err), ST_ERR_ARG);
	st_an_response_free(&r);
	cap[5] = 0;
	assert_int_equal(st_an_response(c, cap, 0, 1, &r, err), ST_ERR_ARG);
	st_an_response_free(&r);
	/* Very short capture still analyses (no noise floor). */
	assert_int_equal(st_an_response(c, cap, 10, 1, &r, err), ST_OK);
	st_an_response_free(&r);
	/* Align with a silent channel is an error, not a crash. */
	assert_int_equal(st_an_response(c, cap, nc, 1, &r, err), ST_OK);
	memset(cap, 0, nc * sizeof(float));
	assert_int_equal(st_an_response(c, cap, nc, 1, &r2, err), ST_OK);
	assert_int_not_equal(st_an_align(c, &r, &r2, 0, 0, &al, err), ST_OK);
	assert_int_not_equal(st_an_align(c, &r, NULL, 0, 0, &al, err), ST_OK);
	st_an_response_free(&r2);
	/* A response from another context of the same rate (another window,
	 * so another spectrum length) is refused, not read past its end. */
	{
		struct st_an_ctx *c2 = NULL;

		cfg.ir_post_s = 0.05;
		assert_int_equal(st_an_ctx_create(&c2, stim, ns, &cfg, err), ST_OK);
		assert_int_equal(st_an_response(c2, stim, nc, 1, &r2, err), ST_OK);
		assert_int_equal(st_an_align(c, &r, &r2, 0, 0, &al, err), ST_ERR_ARG);
		assert_non_null(strstr(err, "window size"));
		assert_true(isnan(al.delay_us));
		st_an_response_free(&r2);
		st_an_ctx_free(c2);
	}
	st_an_response_free(&r);
	st_an_response_free(&r2);
	st_an_response_free(&r2);
	free(cap);
	free(stim);
	st_an_ctx_free(c);
	st_an_ctx_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bands),
		cmocka_unit_test(test_sweep),
		cmocka_unit_test(test_magnitude),
		cmocka_unit_test(test_delay),
		cmocka_unit_test(test_phase_gain),
		cmocka_unit_test(test_anc),
		cmocka_unit_test(test_thd),
		cmocka_unit_test(test_snr_judgeable),
		cmocka_unit_test(test_foreign_stimulus),
		cmocka_unit_test(test_bad_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
