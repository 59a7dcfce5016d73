/*
 * test_console.c - the operator console's parts below the screen: the run
 * view folded from sequencer events (steps, holds, bands, mics, failures,
 * verdict), text sanitised for the terminal, the model found from a
 * serial's prefix, the hold safety check the fixture panel uses, and the
 * worker thread running a real plan on the simulated bench (events
 * queued, PASS at the end; an abort ends it ABORTED with the fixture
 * released).
 */
#include "testutil.h"

#include <time.h>

#include "bench/bench.h"
#include "console/crt.h"
#include "core/clock.h"
#include "fixture/fixture.h"
#include "console/runner.h"
#include "console/view.h"
#include "core/st.h"
#include "model/model.h"
#include "plan/plan.h"

static struct cons_event ev(enum st_ev_kind k, const char *text)
{
	struct cons_event e;

	memset(&e, 0, sizeof(e));
	e.kind = k;
	e.step_idx = -1;
	st_strlcpy(e.text, text, sizeof(e.text));
	return e;
}

static struct cons_event meas(const char *name, double v, double low, enum st_verdict vd)
{
	struct cons_event e = ev(ST_EV_MEASUREMENT, name);

	st_strlcpy(e.name, name, sizeof(e.name));
	st_strlcpy(e.unit, "dB", sizeof(e.unit));
	e.value = v;
	e.has_low = 1;
	e.low = low;
	e.verdict = vd;
	return e;
}

static void apply_step(struct run_view *v, const char *name)
{
	struct cons_event e = ev(ST_EV_STEP_START, name);

	st_strlcpy(e.step, name, sizeof(e.step));
	view_apply(v, &e);
}

static void test_view_steps_and_verdict(void **state)
{
	struct st_plan plan;
	struct run_view v;
	struct cons_event e;
	char err[ST_ERRLEN];

	(void)state;
	assert_int_equal(st_plan_find(st_data_dir(), "repair", &plan, err), ST_OK);
	view_reset(&v, &plan, "WH-1000XM5", "5021234", "tech-7");
	assert_int_equal(v.nsteps, plan.nsteps);
	assert_int_equal(v.steps[0].state, VS_PENDING);
	apply_step(&v, "identify");
	assert_int_equal(v.cur, 0);
	assert_int_equal(v.steps[0].state, VS_RUNNING);
	e = ev(ST_EV_INFO, "unit reports model WH-1000XM5, serial 5021234, firmware 2.4.1");
	view_apply(&v, &e);
	assert_string_equal(v.steps[0].detail, "fw 2.4.1");
	e = ev(ST_EV_STEP_END, "");
	e.verdict = ST_PASS;
	view_apply(&v, &e);
	assert_int_equal(v.steps[0].state, VS_PASS);
	/* a ladder rung goes in before the ladder placeholder */
	for (int i = 1; i < plan.nsteps - 1; i++) {
		apply_step(&v, v.steps[i].name);
		e = ev(ST_EV_STEP_END, "");
		view_apply(&v, &e);
	}
	apply_step(&v, "ladder bluetooth");
	assert_string_equal(v.steps[plan.nsteps - 1].name, "ladder bluetooth");
	assert_string_equal(v.steps[plan.nsteps].name, "ladder");
	e = ev(ST_EV_ACTION, "hold POWER+NC_AMBIENT 7.0 s");
	e.wall = 100.0;
	view_apply(&v, &e);
	assert_true(v.holding);
	assert_string_equal(v.hold_what, "POWER+NC_AMBIENT");
	assert_true(v.hold_len == 7.0);
	assert_true(view_hold_elapsed(&v, 100.1, 20) > 1.99 && view_hold_elapsed(&v, 100.1, 20) < 2.01);
	assert_true(view_hold_elapsed(&v, 200, 20) == 7.0);
	e = ev(ST_EV_ACTION, "watch the unit idle for 60 s");
	e.wall = 50.0;
	view_apply(&v, &e);
	assert_false(v.holding);
	assert_true(v.timed && v.hold_len == 60);
	assert_true(view_hold_elapsed(&v, 51.0, 20) == 20.0);
	e = ev(ST_EV_ACTION, "hold POWER+NC_AMBIENT 7.0 s");
	e.wall = 100.0;
	view_apply(&v, &e);
	assert_false(v.timed);
	e = ev(ST_EV_FEEDBACK, "LED main blue");
	view_apply(&v, &e);
	assert_false(v.holding);
	assert_string_equal(v.led, "main blue");
	e = ev(ST_EV_FEEDBACK, "chime x2");
	view_apply(&v, &e);
	assert_string_equal(v.heard, "chime x2");
	e = ev(ST_EV_RUN_END, "");
	e.verdict = ST_ABORTED;
	st_strlcpy(e.disposition, "retest", sizeof(e.disposition));
	view_apply(&v, &e);
	assert_true(v.ended);
	assert_int_equal(v.verdict, ST_ABORTED);
	/* the running step shows as cut short; the ladder placeholder goes */
	assert_int_equal(v.steps[v.nsteps - 1].state, VS_ABORTED);
	for (int i = 0; i < v.nsteps; i++)
		assert_string_not_equal(v.steps[i].name, "ladder");
}

static void test_view_bands_mics_fails(void **state)
{
	struct run_view v;
	struct cons_event e;
	char ear;
	double hz;

	(void)state;
	view_reset(&v, NULL, "WH-1000XM5", "1", "t");
	apply_step(&v, "anc");
	e = meas("anc.active_db.L.100Hz", 22.5, 18, ST_PASS);
	view_apply(&v, &e);
	e = meas("anc.active_db.R.100Hz", 22.5, 18, ST_PASS);
	view_apply(&v, &e);
	e = meas("anc.active_db.L.1000Hz", 5, 11, ST_FAIL);
	view_apply(&v, &e);
	assert_int_equal(v.nbands, 2);
	assert_true(v.bands[1].hz == 1000 && v.bands[1].mask == 11 && v.bands[1].verdict == ST_FAIL);
	apply_step(&v, "mics");
	e = meas("mic.2.delay_us", 30, -20, ST_FAIL);
	e.has_high = 1;
	e.high = 20;
	view_apply(&v, &e);
	e = meas("mic.2.gain_db", 0.1, -1, ST_PASS);
	view_apply(&v, &e);
	assert_int_equal(v.nmics, 2);
	assert_true(v.mics[1].have_delay && v.mics[1].have_gain);
	assert_true(v.mics[1].delay.value == 30);
	/* failures worst first: 6 dB short of an 11 dB mask (0.55) before
	 * 10 us past a 40 us window (0.25) */
	assert_int_equal(v.nfails, 2);
	assert_string_equal(v.fails[0].name, "anc.active_db.L.1000Hz");
	assert_string_equal(v.fails[1].name, "mic.2.delay_us");
	assert_int_equal(v.meas_total, 5);
	assert_true(view_parse_band("anc.total_db.R.12500Hz", "total", &ear, &hz));
	assert_true(ear == 'R' && hz == 12500);
	assert_false(view_parse_band("anc.active_db.L.100", "active", &ear, &hz));
	assert_false(view_parse_band("mic.1.gain_db", "active", &ear, &hz));
}

static void test_view_question(void **state)
{
	struct run_view v;
	struct cons_event e;

	(void)state;
	view_reset(&v, NULL, "M", "S", "O");
	e = ev(ST_EV_INFO, "did the LED blink orange 3 times?");
	e.question = 1;
	view_apply(&v, &e);
	assert_true(v.asking);
	assert_string_equal(v.question, "did the LED blink orange 3 times?");
	e = ev(ST_EV_INFO, "operator answered yes: did the LED blink orange 3 times?");
	view_apply(&v, &e);
	assert_false(v.asking);
}

static void test_sanitize(void **state)
{
	char out[64];

	(void)state;
	crt_sanitize(out, sizeof(out), "ab\033[2Jc\x7f" "d", 80);
	assert_string_equal(out, "ab?[2Jc?d");
	crt_sanitize(out, sizeof(out), "abcdef", 3);
	assert_string_equal(out, "abc");
	crt_sanitize(out, sizeof(out), "\xff\xfe ok", 80);   /* broken UTF-8 */
	assert_string_equal(out, "?? ok");
	crt_sanitize(out, 4, "abcdef", 80);                  /* buffer bound */
	assert_string_equal(out, "abc");
}

static void test_model_for_serial(void **state)
{
	struct st_model m;
	char err[ST_ERRLEN];

	(void)state;
	assert_int_equal(st_model_for_serial(st_data_dir(), "5021234", &m, err), ST_OK);
	assert_string_equal(m.id, "WH-1000XM5");
	assert_int_equal(st_model_for_serial(st_data_dir(), "7700112", &m, err), ST_OK);
	assert_string_equal(m.id, "MDR-1000XM3");
	assert_int_equal(st_model_for_serial(st_data_dir(), "0000001", &m, err), ST_ERR_NOTFOUND);
	assert_non_null(strstr(err, "0000001"));
	assert_int_equal(st_model_for_serial(st_data_dir(), "", &m, err), ST_ERR_ARG);
}

/* The WH-1000XM5 file with its serial-prefix line replaced by `line`. */
static int parse_with(const char *line, struct st_model *m, char *err)
{
	char path[512], *text = NULL, *out, *at, *eol;
	size_t len;
	int ret;

	snprintf(path, sizeof(path), "%s/fixtures/models/WH-1000XM5.model", st_data_dir());
	if (st_read_file(path, &text, &len, err))
		return -100;
	out = malloc(len + strlen(line) + 2);
	at = strstr(text, "serial-prefix ");
	if (!out || !at) {
		free(text);
		free(out);
		return -100;
	}
	eol = strchr(at, '\n');
	memcpy(out, text, (size_t)(at - text));
	sprintf(out + (at - text), "%s%s", line, eol ? eol : "");
	ret = st_model_parse("x.model", out, m, err);
	free(out);
	free(text);
	return ret;
}

static void test_serial_prefix_parse(void **state)
{
	char err[ST_ERRLEN];
	struct st_model *m = calloc(1, sizeof(*m));

	(void)state;
	assert_non_null(m);
	if (parse_with("serial-prefix 12 AB3", m, err) != ST_OK)
		fail_msg("%s", err);
	assert_int_equal(m->nserial_prefix, 2);
	assert_string_equal(m->serial_prefix[1], "AB3");
	assert_int_equal(parse_with("serial-prefix 12-3", m, err), ST_ERR_PARSE);
	assert_non_null(strstr(err, "x.model:7"));
	assert_int_equal(parse_with("serial-prefix 1\nserial-prefix 2", m, err), ST_ERR_PARSE);
	assert_non_null(strstr(err, "duplicate"));
	assert_int_equal(parse_with("serial-prefix", m, err), ST_ERR_PARSE);
	free(m);
}

static void test_hold_check(void **state)
{
	struct st_model m;
	char err[ST_ERRLEN];
	unsigned power;

	(void)state;
	assert_int_equal(st_model_find(st_data_dir(), "WH-1000XM5", &m, err), ST_OK);
	power = 1u << st_model_control(&m, "POWER");
	assert_int_equal(st_model_hold_check(&m, power, 12.0, err), ST_OK);
	assert_int_equal(st_model_hold_check(&m, power, 12.4, err), ST_ERR_REFUSED);
	assert_non_null(strstr(err, "safe maximum"));
	assert_int_equal(st_model_hold_check(&m, power, 0, err), ST_ERR_ARG);
	/* a hazard below the model's maximum is refused with its source */
	m.max_hold = 60;
	assert_int_equal(st_model_hold_check(&m, power, 20, err), ST_ERR_REFUSED);
	assert_non_null(strstr(err, "seed 000"));
}

/* Take events until the run ends (or `secs` pass). */
static int run_until_end(struct runner *r, struct run_view *v, double secs)
{
	struct cons_event e[64];
	struct timespec ts = { 0, 5 * 1000000L };

	for (int i = 0; i < (int)(secs * 200) && !v->ended; i++) {
		int n = runner_take(r, e, 64);

		for (int k = 0; k < n; k++)
			view_apply(v, &e[k]);
		if (!n)
			nanosleep(&ts, NULL);
	}
	return v->ended;
}

static void test_runner_runs_a_plan(void **state)
{
	struct st_bench_opts o;
	struct st_bench *b;
	struct st_model m;
	struct st_plan p;
	struct run_view v;
	struct runner *r;
	char err[ST_ERRLEN];
	int is_virtual;

	(void)state;
	st_bench_opts_init(&o);
	o.station = "test";
	o.no_db = 1;
	o.audio = "none";
	o.time_scale = 20;   /* a real clock, so a hold lasts long enough to abort */
	o.confirm = ST_BENCH_CONFIRM_ASK;
	o.confirm_fn = runner_confirm;
	if (st_bench_open(&b, &o, err))
		fail_msg("%s", err);
	assert_int_equal(st_model_find(st_data_dir(), "WH-1000XM5", &m, err), ST_OK);
	/* a short plan: the shipped reset-* plans end in `verify full`, about
	 * two hours of bench time (seed 001's battery test) */
	assert_int_equal(st_plan_parse("short.plan",
				       "plan short\nstep identify\nstep battery\nstep reset bluetooth\nstep verify\n",
				       &p, err), ST_OK);
	assert_int_equal(runner_new(&r, b, err), ST_OK);
	view_reset(&v, &p, m.id, "5021234", "t");
	assert_int_equal(runner_start(r, &m, &p, "5021234", "t", err), ST_OK);
	assert_int_equal(runner_start(r, &m, &p, "5021234", "t", err), ST_ERR_ARG);
	assert_true(run_until_end(r, &v, 60));
	assert_int_equal(v.verdict, ST_PASS);
	assert_true(v.steps_run >= 4);
	for (int i = 0; i < 500 && runner_busy(r); i++) {
		struct timespec ts = { 0, 10 * 1000000L };
		nanosleep(&ts, NULL);
	}
	assert_false(runner_busy(r));
	is_virtual = st_clock_is_virtual(st_bench_fixture(b)->clock);
	if (!is_virtual) {
		/* an abort in the middle of the 12 s soft-reset hold */
		assert_int_equal(st_plan_find(st_data_dir(), "reset-soft", &p, err), ST_OK);
		view_reset(&v, &p, m.id, "5021234", "t");
		assert_int_equal(runner_start(r, &m, &p, "5021234", "t", err), ST_OK);
		for (int i = 0; i < 5000 && !v.holding && !v.ended; i++) {
			struct cons_event e[16];
			struct timespec ts = { 0, 2 * 1000000L };
			int n = runner_take(r, e, 16);

			for (int k = 0; k < n; k++)
				view_apply(&v, &e[k]);
			nanosleep(&ts, NULL);
		}
		assert_true(v.holding);
		runner_abort(r);
		assert_true(run_until_end(r, &v, 30));
		assert_int_equal(v.verdict, ST_ABORTED);
	}
	runner_free(r);
	assert_int_equal(st_bench_fixture(b)->held, 0);
	st_bench_close(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_view_steps_and_verdict),
		cmocka_unit_test(test_view_bands_mics_fails),
		cmocka_unit_test(test_view_question),
		cmocka_unit_test(test_sanitize),
		cmocka_unit_test(test_model_for_serial),
		cmocka_unit_test(test_serial_prefix_parse),
		cmocka_unit_test(test_hold_check),
		cmocka_unit_test(test_runner_runs_a_plan),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
