/*
 * test_wisdom.c - the station's FFTW wisdom file (measure/wisdom.h,
 * analysis/fft.h): where it lives, that the sizes a context planned
 * without wisdom are measured into it and later starts plan from it, that
 * a hostile or corrupt file (random bytes, bad entries, too big, a
 * directory, wisdom whose plans compute the wrong thing) is ignored and
 * never changes a result, and that st_an_responses and st_an_aligns on two
 * threads give what st_an_response and st_an_align give.  Small sizes (8 kHz, 0.1 s) keep FFTW_MEASURE
 * quick.
 */
#include "testutil.h"

#include <math.h>
#include <sys/stat.h>

#include "test_analysis_synth.h"
#include "analysis/analysis.h"
#include "analysis/fft.h"
#include "core/st.h"
#include "measure/wisdom.h"

#define RATE 8000.0

static char dir[128];
static char wfile[200];

static struct st_an_ctx *small_ctx(float **stim, size_t *ns, size_t *nc)
{
	struct st_an_config cfg;
	struct st_an_ctx *c = NULL;
	char err[ST_ERRLEN];

	*stim = syn_sweep(50, 3000, 0.1, RATE, 0.12, ns, nc);
	assert_non_null(*stim);
	st_an_config_default(&cfg, RATE);
	cfg.max_capture = *nc;
	cfg.ir_post_s = 0.02;
	assert_int_equal(st_an_ctx_create(&c, *stim, *ns, &cfg, err), ST_OK);
	return c;
}

/* Band levels and latency of a delayed copy of the stimulus. */
static void analyse(double *lat, double db[ST_AN_NBANDS])
{
	float *stim, *cap;
	size_t ns, nc;
	struct st_an_ctx *c = small_ctx(&stim, &ns, &nc);
	struct st_an_response r;
	char err[ST_ERRLEN];

	cap = calloc(nc, sizeof(float));
	assert_non_null(cap);
	assert_int_equal(syn_delay(stim, ns, cap, nc, 1, 7.3), 0);
	assert_int_equal(st_an_response(c, cap, nc, 1, &r, err), ST_OK);
	*lat = r.latency_ms;
	memcpy(db, r.band_db, sizeof(r.band_db));
	st_an_response_free(&r);
	st_an_ctx_free(c);
	free(stim);
	free(cap);
}

/* The same result to within what two single-precision plans of a size
 * may differ by in their rounding (measured: 3e-9 ms and 9e-7 dB between
 * FFTW_ESTIMATE and FFTW_MEASURE plans), far below what the station
 * prints (0.01 dB) and far above nothing: a plan that computed the wrong
 * thing moves them by whole dB. */
static void same_result(const double *lat0, const double *db0)
{
	double lat, db[ST_AN_NBANDS];

	analyse(&lat, db);
	assert_true(fabs(lat - *lat0) < 1e-6);
	for (int b = 0; b < ST_AN_NBANDS; b++)
		assert_true((isnan(db[b]) && isnan(db0[b])) || fabs(db[b] - db0[b]) < 1e-4);
}

static int setup(void **state)
{
	(void)state;
	unsetenv("STATION_FFT_WISDOM");
	snprintf(dir, sizeof(dir), "/tmp/st-wisdom-%ld", (long)getpid());
	mkdir(dir, 0700);
	snprintf(wfile, sizeof(wfile), "%s/fftw-wisdom", dir);
	return 0;
}

static int teardown(void **state)
{
	char cmd[200];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_path(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(meas_wisdom_path("/var/lib/station/runs.db", out, sizeof(out)), 0);
	assert_string_equal(out, "/var/lib/station/fftw-wisdom");
	assert_int_equal(meas_wisdom_path("runs.db", out, sizeof(out)), 0);
	assert_string_equal(out, "fftw-wisdom");
	assert_int_equal(meas_wisdom_path("/a/very/long/directory/name/that/does/not/fit/x.db", out, 20), -1);
	assert_int_equal(meas_wisdom_path("", out, sizeof(out)), -1);
}

static void write_file(const char *text, size_t len)
{
	FILE *f = fopen(wfile, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	fclose(f);
}

static char *read_file(void)
{
	FILE *f = fopen(wfile, "rb");
	char *buf = calloc(1, MEAS_WISDOM_MAX + 1);

	assert_non_null(f);
	assert_non_null(buf);
	assert_true(fread(buf, 1, MEAS_WISDOM_MAX, f) > 8);
	fclose(f);
	return buf;
}

static void test_measure_then_reuse(void **state)
{
	double lat0, db0[ST_AN_NBANDS];
	int kind[16], n[16];
	char *text;

	(void)state;
	analyse(&lat0, db0);   /* FFTW_ESTIMATE: no wisdom in use yet */
	assert_int_equal(st_fft_tuned_flags(), FFTW_ESTIMATE);
	unlink(wfile);
	assert_int_equal(meas_wisdom_open(wfile), 0);   /* no file yet */
	assert_int_equal(st_fft_tuned_flags(), FFTW_MEASURE);
	same_result(&lat0, db0);                        /* sizes noted missing */
	assert_true(meas_wisdom_measure_now() >= 4);    /* n, n/4, m, m/k ... */
	text = read_file();
	assert_memory_equal(text, "(fftw-3.", 8);
	assert_non_null(strstr(text, " fftw_wisdom"));    /* double precision's */
	assert_non_null(strstr(text, "\n(fftw-3."));
	assert_non_null(strstr(text, " fftwf_wisdom"));   /* then single's */
	free(text);
	/* A later start: everything from the file, nothing to measure. */
	assert_int_equal(meas_wisdom_open(wfile), 1);
	same_result(&lat0, db0);
	assert_int_equal(st_fft_missing(kind, n, 16), 0);
}

/* A file of double-precision wisdom alone (as stations wrote before the
 * deconvolution went single precision) is used, and the single-precision
 * sizes are noted missing, to be measured into it. */
static void test_double_only_file(void **state)
{
	double lat0, db0[ST_AN_NBANDS];
	int kind[16], n[16], cnt, single = 0;
	char *good, *cut;

	(void)state;
	st_fft_tune(0);
	analyse(&lat0, db0);
	good = read_file();
	/* what the last test imported: this one starts from the file alone */
	fftw_forget_wisdom();
	fftwf_forget_wisdom();
	cut = strstr(good, "\n(fftw-3.");
	assert_non_null(cut);
	write_file(good, (size_t)(cut - good) + 1);
	assert_int_equal(meas_wisdom_open(wfile), 1);
	same_result(&lat0, db0);
	cnt = st_fft_missing(kind, n, 16);
	for (int i = 0; i < cnt; i++)
		single += kind[i] >= 2;
	assert_int_equal(single, cnt);
	assert_int_equal(cnt, 2);        /* the n-point r2c and c2r */
	/* and the single part alone, too */
	fftw_forget_wisdom();
	fftwf_forget_wisdom();
	write_file(cut + 1, strlen(cut + 1));
	assert_int_equal(meas_wisdom_open(wfile), 1);
	same_result(&lat0, db0);
	cnt = st_fft_missing(kind, n, 16);
	for (int i = 0; i < cnt; i++)
		assert_true(kind[i] < 2);
	assert_true(cnt >= 2);
	write_file(good, strlen(good));
	free(good);
}

static void test_hostile_files(void **state)
{
	double lat0, db0[ST_AN_NBANDS];
	char *good, *bad, junk[4096];
	int kind[16], n[16];
	size_t len;

	(void)state;
	st_fft_tune(0);
	analyse(&lat0, db0);
	good = read_file();
	len = strlen(good);
	/* random bytes, and text that starts like wisdom */
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (char)(1 + (i * 7919) % 251);
	write_file(junk, sizeof(junk));
	assert_int_equal(meas_wisdom_open(wfile), 0);
	same_result(&lat0, db0);
	memcpy(junk, "(fftw-3.3.10 fftw_wisdom #x", 27);
	write_file(junk, sizeof(junk));
	assert_int_equal(meas_wisdom_open(wfile), 0);
	same_result(&lat0, db0);
	/* truncated wisdom */
	write_file(good, len / 2);
	meas_wisdom_open(wfile);
	same_result(&lat0, db0);
	/* every hex digit changed: signatures and flags no longer match */
	bad = strdup(good);
	assert_non_null(bad);
	for (char *p = strstr(bad, "\n"); p && *p; p++)
		if (*p >= '0' && *p <= '8' && p[-1] != ' ')
			*p = (char)(*p + 1);
	write_file(bad, len);
	meas_wisdom_open(wfile);
	same_result(&lat0, db0);
	/* codelets swapped between entries: wisdom FFTW may accept whose
	 * plans would compute something else; checked, then forgotten */
	strcpy(bad, good);
	for (char *p = bad; (p = strstr(p, "_2 ")) != NULL; p += 3)
		p[1] = '4';
	write_file(bad, len);
	meas_wisdom_open(wfile);
	same_result(&lat0, db0);
	st_fft_missing(kind, n, 16);
	free(bad);
	/* too big, and a directory */
	{
		char *big = malloc(MEAS_WISDOM_MAX + 10);

		assert_non_null(big);
		memset(big, ' ', MEAS_WISDOM_MAX + 10);
		memcpy(big, good, len);
		write_file(big, MEAS_WISDOM_MAX + 10);
		free(big);
	}
	assert_int_equal(meas_wisdom_open(wfile), 0);
	same_result(&lat0, db0);
	unlink(wfile);
	mkdir(wfile, 0700);
	assert_int_equal(meas_wisdom_open(wfile), 0);
	same_result(&lat0, db0);
	rmdir(wfile);
	/* the good file still works after all that */
	write_file(good, len);
	assert_int_equal(meas_wisdom_open(wfile), 1);
	same_result(&lat0, db0);
	free(good);
}

static void test_off(void **state)
{
	(void)state;
	st_fft_tune(0);
	setenv("STATION_FFT_WISDOM", "off", 1);
	assert_int_equal(meas_wisdom_open(wfile), 0);
	assert_int_equal(st_fft_tuned_flags(), FFTW_ESTIMATE);
	unsetenv("STATION_FFT_WISDOM");
}

/* st_an_responses on 2 threads = st_an_response per channel; st_an_aligns
 * on 2 threads = st_an_align per channel. */
static void test_threads(void **state)
{
	float *stim, *cap, *one;
	size_t ns, nc;
	struct st_an_ctx *c = small_ctx(&stim, &ns, &nc);
	struct st_an_response r[3], s;
	const struct st_an_response *rs[3] = { &r[0], &r[1], &r[2] };
	struct st_an_align al[3], one_al;
	const float *chs[3];
	char err[ST_ERRLEN];

	(void)state;
	cap = calloc(nc * 3, sizeof(float));
	for (int ch = 0; ch < 3; ch++)
		chs[ch] = cap + ch;
	one = calloc(nc, sizeof(float));
	assert_non_null(cap);
	assert_non_null(one);
	for (int ch = 0; ch < 3; ch++) {
		assert_int_equal(syn_delay(stim, ns, one, nc, 1, 3.0 + 2.5 * ch), 0);
		syn_add_noise(one, nc, 1, 1e-4, (uint64_t)ch + 5);
		for (size_t i = 0; i < nc; i++)
			cap[i * 3 + (size_t)ch] = one[i] * (float)(1.0 - 0.2 * ch);
	}
	assert_int_equal(st_an_responses(c, chs, nc, 3, 3, r, 2, err), ST_OK);
	for (int ch = 0; ch < 3; ch++) {
		assert_int_equal(st_an_response(c, cap + ch, nc, 3, &s, err), ST_OK);
		assert_true(fabs(s.latency_ms - r[ch].latency_ms) < 1e-12);
		assert_true(fabs(s.latency_ms - r[0].latency_ms - 2.5 * ch / RATE * 1e3) < 0.01);
		for (int b = 0; b < ST_AN_NBANDS; b++)
			assert_true((isnan(s.band_db[b]) && isnan(r[ch].band_db[b])) ||
				    s.band_db[b] == r[ch].band_db[b]);
		assert_int_equal(s.ir_len, r[ch].ir_len);
		st_an_response_free(&s);
	}
	assert_int_equal(st_an_aligns(c, &r[0], rs, 3, 0, 0, al, 2, err), ST_OK);
	for (int ch = 0; ch < 3; ch++) {
		assert_int_equal(st_an_align(c, &r[0], &r[ch], 0, 0, &one_al, err), ST_OK);
		assert_true(one_al.delay_us == al[ch].delay_us);
		assert_true(one_al.gain_db == al[ch].gain_db);
		assert_int_equal(one_al.polarity, al[ch].polarity);
		assert_true(fabs(al[ch].delay_us - 2.5 * ch / RATE * 1e6) < 2.0);
	}
	/* a channel that cannot be aligned is an error naming it */
	r[2].rate = 44100;
	assert_int_equal(st_an_aligns(c, &r[0], rs, 3, 0, 0, al, 2, err), ST_ERR_ARG);
	assert_non_null(strstr(err, "not from this analysis"));
	assert_true(isnan(al[2].delay_us));
	r[2].rate = RATE;
	for (int ch = 0; ch < 3; ch++)
		st_an_response_free(&r[ch]);
	/* a bad channel is an error for the whole call, nothing left allocated */
	cap[100 * 3 + 1] = NAN;
	assert_int_equal(st_an_responses(c, chs, nc, 3, 3, r, 2, err), ST_ERR_ARG);
	assert_non_null(strstr(err, "not a finite number"));
	for (int ch = 0; ch < 3; ch++)
		assert_null(r[ch].ir);
	st_an_ctx_free(c);
	free(stim);
	free(cap);
	free(one);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path),
		cmocka_unit_test(test_measure_then_reuse),
		cmocka_unit_test(test_double_only_file),
		cmocka_unit_test(test_hostile_files),
		cmocka_unit_test(test_off),
		cmocka_unit_test(test_threads),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
