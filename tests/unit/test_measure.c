/*
 * test_measure.c - the measurement layer on the in-process simulated
 * bench ("sim" fixture + "sim" audio, virtual clock): healthy units give
 * healthy numbers that match the acoustic model's own curves, each
 * acoustic fault gives the out-of-limit number it should (or an invalid
 * result for noisy-room, after one re-measurement), raw captures are
 * written as WAV with their SHA-256, and a missing device is an ST_ERR_IO.
 */
#include "testutil.h"

#include <math.h>
#include <sys/stat.h>

#include "audio/audio.h"
#include "core/clock.h"
#include "core/st.h"
#include "fixture/fixture.h"
#include "measure/measure.h"
#include "model/model.h"
#include "sim/simaudio.h"
#include "sim/simdrv.h"
#include "sim/acoustic.h"
#include "sim/headset.h"

static struct st_model model;

/* One simulated bench. */
struct bench {
	struct st_clock *clock;
	struct st_fixture *fx;
	struct st_audio *audio;
	struct st_measure m;
};

static int setup(void **state)
{
	char err[ST_ERRLEN];

	(void)state;
	if (st_model_find(ST_DATA_DIR, "WH-1000XM5", &model, err)) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	return 0;
}

static void open_bench(struct bench *b, const char *fault)
{
	struct st_sim_opts o;
	char err[ST_ERRLEN];

	memset(b, 0, sizeof(*b));
	memset(&o, 0, sizeof(o));
	o.battery = -1;
	o.seed = 5;
	if (fault)
		st_strlcpy(o.faults[o.nfaults++], fault, sizeof(o.faults[0]));
	b->clock = st_clock_new_virtual();
	if (st_sim_fixture_open(&b->fx, "sim", &model, b->clock, &o, err) != ST_OK)
		fail_msg("fixture: %s", err);
	if (st_audio_open(&b->audio, "sim", NULL, b->fx, err) != ST_OK)
		fail_msg("audio: %s", err);
	st_fixture_wait(b->fx, 2.0, err);   /* let the unit boot */
	st_measure_init(&b->m, b->audio, b->fx, &model);
}

static void close_bench(struct bench *b)
{
	st_audio_close(b->audio);
	st_fixture_close(b->fx);
	st_clock_free(b->clock);
}

static double band(const struct st_meas_anc *a, int ear, double hz, int which)
{
	int i = st_an_band_index(hz);
	const struct st_meas_anc_ear *e = &a->ear[ear];

	assert_true(i >= 0);
	return which == 0 ? e->passive_db[i] : which == 1 ? e->active_db[i] : e->total_db[i];
}

static void test_anc_healthy(void **state)
{
	struct bench b;
	struct st_meas_anc a;
	struct st_acoustic *ac;
	char err[ST_ERRLEN];
	static const double freqs[] = { 100, 200, 400, 800 };

	(void)state;
	open_bench(&b, NULL);
	b.m.open_ref = 1;
	assert_int_equal(st_measure_anc(&b.m, &a, err), ST_OK);
	assert_true(a.valid);
	assert_int_equal(a.attempts, 1);
	assert_true(a.ear[0].wired && a.ear[1].wired);
	ac = st_audio_sim_acoustic(b.audio);
	for (size_t i = 0; i < ST_ARRAY_SIZE(freqs); i++) {
		double f = freqs[i];

		for (int e = 0; e < 2; e++) {
			assert_true(fabs(band(&a, e, f, 1) - st_acoustic_active_db(ac, f, 1)) < 1.5);
			assert_true(fabs(band(&a, e, f, 0) - st_acoustic_passive_db(ac, f)) < 1.5);
			assert_true(fabs(band(&a, e, f, 2) - band(&a, e, f, 0) - band(&a, e, f, 1)) < 0.01);
			assert_true(a.ear[e].snr_db[st_an_band_index(f)] > 30);
		}
	}
	close_bench(&b);
}

static void test_anc_weak(void **state)
{
	struct bench ok, weak;
	struct st_meas_anc a, w;
	char err[ST_ERRLEN];

	(void)state;
	open_bench(&ok, NULL);
	open_bench(&weak, "anc-weak");
	assert_int_equal(st_measure_anc(&ok.m, &a, err), ST_OK);
	assert_int_equal(st_measure_anc(&weak.m, &w, err), ST_OK);
	assert_true(a.valid && w.valid);
	for (double f = 125; f <= 800; f *= 2) {
		double loss = band(&a, 0, f, 1) - band(&w, 0, f, 1);

		assert_true(loss > 5 && loss < 11);
	}
	assert_true(isnan(band(&a, 0, 250, 0)));   /* no open capture: no passive */
	close_bench(&ok);
	close_bench(&weak);
}

static void test_mics_healthy(void **state)
{
	struct bench b;
	struct st_meas_mics r;
	char err[ST_ERRLEN];

	(void)state;
	open_bench(&b, NULL);
	assert_int_equal(st_measure_mics(&b.m, &r, err), ST_OK);
	assert_true(r.valid);
	assert_int_equal(r.n, 6);
	for (int i = 0; i < r.n; i++) {
		assert_true(fabs(r.mic[i].delay_us) < 5);
		assert_true(fabs(r.mic[i].gain_db) < 0.6);
		assert_true(fabs(r.mic[i].phase_deg) < 3);
		assert_int_equal(r.mic[i].polarity, 1);
		assert_true(r.mic[i].snr_db > 30);
		assert_true(r.mic[i].abs_delay_us > 480 && r.mic[i].abs_delay_us < 520);
	}
	close_bench(&b);
}

static void test_mic_faults(void **state)
{
	struct bench b;
	struct st_meas_mics r;
	char err[ST_ERRLEN];

	(void)state;
	open_bench(&b, "mic-misaligned:3");
	assert_int_equal(st_measure_mics(&b.m, &r, err), ST_OK);
	assert_true(r.valid);
	for (int i = 0; i < r.n; i++) {
		if (i == 2) {
			assert_true(fabs(r.mic[i].delay_us - 40) < 4);
			assert_true(fabs(r.mic[i].gain_db + 3) < 0.4);
			assert_true(r.mic[i].phase_deg < -10);   /* 40 us = 14.4 deg late */
		} else {
			assert_true(fabs(r.mic[i].delay_us) < 5);
			assert_true(fabs(r.mic[i].gain_db) < 0.6);
		}
		assert_int_equal(r.mic[i].polarity, 1);
	}
	close_bench(&b);

	open_bench(&b, "mic-polarity:1");
	assert_int_equal(st_measure_mics(&b.m, &r, err), ST_OK);
	assert_true(r.valid);
	for (int i = 0; i < r.n; i++) {
		assert_int_equal(r.mic[i].polarity, i == 0 ? -1 : 1);
		assert_true(fabs(r.mic[i].delay_us) < 5);
	}
	close_bench(&b);
}

static void test_noisy_room_invalid(void **state)
{
	struct bench b;
	struct st_meas_anc a;
	struct st_meas_mics r;
	char err[ST_ERRLEN];

	(void)state;
	open_bench(&b, "noisy-room");
	assert_int_equal(st_measure_anc(&b.m, &a, err), ST_OK);
	assert_false(a.valid);
	assert_int_equal(a.attempts, 2);
	assert_non_null(strstr(a.why, "SNR"));
	assert_int_equal(st_measure_mics(&b.m, &r, err), ST_OK);
	assert_false(r.valid);
	assert_int_equal(r.attempts, 2);
	close_bench(&b);
}

static void test_ramp(void **state)
{
	struct bench b;
	struct st_meas_ramp r;
	char err[ST_ERRLEN];

	(void)state;
	open_bench(&b, NULL);
	assert_int_equal(st_measure_ramp(&b.m, 0, &r, err), ST_OK);
	assert_true(r.valid);
	assert_true(r.ramp_s >= 22 && r.ramp_s <= 38);
	assert_true(r.full_db > 15);
	assert_true(r.snr_db > 20);
	close_bench(&b);

	open_bench(&b, "anc-instant");
	assert_int_equal(st_measure_ramp(&b.m, 20, &r, err), ST_OK);
	assert_true(r.valid);
	assert_true(r.ramp_s < 5);
	close_bench(&b);

	open_bench(&b, "noisy-room");
	assert_int_equal(st_measure_ramp(&b.m, 5, &r, err), ST_OK);
	assert_false(r.valid);
	assert_int_equal(r.attempts, 2);
	close_bench(&b);
}

static void test_assistant(void **state)
{
	struct bench b;
	struct st_meas_assistant r;
	double want;
	char err[ST_ERRLEN];

	(void)state;
	open_bench(&b, NULL);
	want = st_acoustic_assistant_latency(st_audio_sim_acoustic(b.audio));
	/* ten answers in ten realisations of the room's noise: none read
	 * early on a rumble (a quarter of them did, by 17-26 ms) */
	for (int i = 0; i < 10; i++) {
		assert_int_equal(st_measure_assistant(&b.m, NULL, 0, &r, err), ST_OK);
		assert_true(r.valid && r.answered);
		if (fabs(r.latency_s - want) >= 0.02)
			fail_msg("answer %d: latency %.4f s, the unit's %.4f s", i, r.latency_s, want);
	}
	close_bench(&b);

	open_bench(&b, "assistant-slow");
	assert_int_equal(st_measure_assistant(&b.m, NULL, 0, &r, err), ST_OK);
	assert_true(r.answered);
	assert_true(r.latency_s > 2.5);
	close_bench(&b);
}

static void test_sounds(void **state)
{
	struct bench b;
	struct st_meas_sounds r;
	struct st_feedback ev;
	char err[ST_ERRLEN];
	double t0;
	int chimes = 0, prompts = 0;

	(void)state;
	open_bench(&b, NULL);
	t0 = st_fixture_now(b.fx);
	memset(&ev, 0, sizeof(ev));
	ev.kind = ST_FB_CHIME;
	ev.count = 2;
	ev.t = t0 + 0.5;
	assert_int_equal(st_audio_feedback(b.audio, &ev, err), ST_OK);
	ev.kind = ST_FB_PROMPT;
	ev.t = t0 + 1.5;
	assert_int_equal(st_audio_feedback(b.audio, &ev, err), ST_OK);
	assert_int_equal(st_measure_sounds(&b.m, 3.0, &r, err), ST_OK);
	assert_true(r.valid);
	for (int i = 0; i < r.n; i++) {
		if (!strcmp(r.s[i].kind, "chime") && r.s[i].ear == 0) {
			chimes++;
			assert_int_equal(r.s[i].count, 2);
			assert_true(fabs(r.s[i].onset_s - (t0 + 0.5)) < 0.01);
			assert_true(fabs(r.s[i].hz - ST_AC_CHIME_HZ1) < 10);
		}
		if (!strcmp(r.s[i].kind, "prompt") && r.s[i].ear == 0) {
			prompts++;
			assert_true(fabs(r.s[i].onset_s - (t0 + 1.5)) < 0.05);
		}
	}
	assert_int_equal(chimes, 1);
	assert_int_equal(prompts, 1);
	close_bench(&b);
}

static void test_files(void **state)
{
	struct bench b;
	struct st_meas_mics r;
	char err[ST_ERRLEN], dir[] = "/tmp/st-measure-XXXXXX", hex[65];
	char *data;
	size_t len;

	(void)state;
	assert_non_null(mkdtemp(dir));
	open_bench(&b, NULL);
	b.m.outdir = dir;
	b.m.tag = "SIM0001";
	assert_int_equal(st_measure_mics(&b.m, &r, err), ST_OK);
	assert_int_equal(r.files.n, 1);
	assert_non_null(strstr(r.files.f[0].path, "SIM0001-mics-"));
	assert_string_equal(r.files.f[0].what, "mics");
	assert_int_equal(st_read_file(r.files.f[0].path, &data, &len, err), ST_OK);
	assert_true(len > 44 + 8 * 4 * 48000);   /* 8 channels of float, > 1 s */
	assert_memory_equal(data, "RIFF", 4);
	st_sha256_hex(data, len, hex);
	assert_string_equal(hex, r.files.f[0].sha256);
	free(data);
	unlink(r.files.f[0].path);
	rmdir(dir);
	close_bench(&b);
}

static void test_errors(void **state)
{
	struct st_audio *a = NULL;
	struct st_audio_bench bench;
	char err[ST_ERRLEN];

	(void)state;
	assert_int_equal(st_audio_open(&a, "pa:no-such-device-here", NULL, NULL, err), ST_ERR_IO);
	assert_null(a);
	assert_non_null(strstr(err, "no-such-device-here"));
	/* "sim" audio needs the sim fixture */
	assert_int_equal(st_audio_open(&a, "sim", NULL, NULL, err), ST_ERR_ARG);
	assert_int_equal(st_audio_open(&a, "alsa:x", NULL, NULL, err), ST_ERR_ARG);
	/* bench files */
	assert_int_equal(st_audio_bench_parse("t.audio", "device \"JACK bench\"\nrate 44100\n"
					      "speaker 1\near-left 2\near-right 3\nmic 4 5\n"
					      "loopback 9\nlatency 128\n", &bench, err), ST_OK);
	assert_string_equal(bench.device, "JACK bench");
	assert_int_equal(bench.speaker, 1);
	assert_int_equal(bench.in[ST_ROLE_MIC1 + 1], 5);
	assert_int_equal(bench.in[ST_ROLE_MIC1 + 2], -1);
	assert_int_equal(st_audio_bench_mics(&bench), 2);
	assert_int_equal(bench.loopback, 9);
	assert_int_equal(bench.latency, 128);
	assert_int_equal(st_audio_bench_parse("t.audio", "rate 48000\n\nwibble 3\n", &bench, err),
			 ST_ERR_PARSE);
	assert_non_null(strstr(err, "t.audio:3:"));
	assert_int_equal(st_audio_bench_parse("t.audio", "ear-left 1\near-right 1\nno-mics\n",
					      &bench, err), ST_ERR_PARSE);
	assert_int_equal(st_audio_bench_find(ST_DATA_DIR, "stbench", &bench, err), ST_OK);
	assert_int_equal(bench.loopback, 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_anc_healthy),
		cmocka_unit_test(test_anc_weak),
		cmocka_unit_test(test_mics_healthy),
		cmocka_unit_test(test_mic_faults),
		cmocka_unit_test(test_noisy_room_invalid),
		cmocka_unit_test(test_ramp),
		cmocka_unit_test(test_assistant),
		cmocka_unit_test(test_sounds),
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
