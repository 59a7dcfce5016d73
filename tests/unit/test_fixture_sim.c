/*
 * test_fixture_sim.c - the in-process "sim" fixture driver and the fixture
 * wrappers (fixture.c) on a virtual clock: timed presses advance bench time
 * without wall time, a hold's limit releases by itself, release_all and the
 * emergency release let go of everything, fx->held stays true, and the
 * unit behind it answers as the simulated headset does.
 */
#include "testutil.h"

#include <math.h>
#include <time.h>

#include "core/clock.h"
#include "core/st.h"
#include "fixture/fixture.h"
#include "model/model.h"
#include "sim/headset.h"
#include "sim/simdrv.h"

struct env {
	struct st_model m;
	struct st_clock *clock;
	struct st_fixture *fx;
	char err[ST_ERRLEN];
};

static double wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void env_open(struct env *e, const char *model, const char *addr,
		     const struct st_sim_opts *o)
{
	memset(e, 0, sizeof(*e));
	if (st_model_find(st_data_dir(), model, &e->m, e->err) != ST_OK)
		fail_msg("%s", e->err);
	e->clock = st_clock_new_virtual();
	assert_non_null(e->clock);
	if (st_sim_fixture_open(&e->fx, addr, &e->m, e->clock, o, e->err) != ST_OK)
		fail_msg("open: %s", e->err);
}

static void env_close(struct env *e)
{
	st_fixture_close(e->fx);
	st_clock_free(e->clock);
}

static unsigned ctl(struct env *e, const char *names)
{
	unsigned mask = 0;

	assert_int_equal(st_model_controls_parse(&e->m, names, &mask, e->err), ST_OK);
	return mask;
}

static const char *kv(const char *line, const char *key)
{
	static char val[64];
	size_t kl = strlen(key);

	for (const char *s = line; s && *s;) {
		while (*s == ' ')
			s++;
		if (!strncmp(s, key, kl) && s[kl] == '=') {
			size_t n = strcspn(s + kl + 1, " ");

			memcpy(val, s + kl + 1, n < 63 ? n : 63);
			val[n < 63 ? n : 63] = '\0';
			return val;
		}
		s = strchr(s, ' ');
	}
	return NULL;
}

static void test_open_forms(void **state)
{
	struct env e;
	struct st_fixture *fx = NULL;

	(void)state;
	env_open(&e, "WH-1000XM5", NULL, NULL);
	assert_string_equal(e.fx->ops->name, "sim");
	assert_true(e.fx->caps & ST_CAP_TIMED_PRESS);
	assert_true(e.fx->caps & ST_CAP_UART);
	assert_true(e.fx->caps & ST_CAP_LED_SENSOR);
	assert_false(e.fx->caps & ST_CAP_WATCHDOG);
	assert_non_null(strstr(e.fx->desc, "WH-1000XM5"));
	assert_non_null(st_fixture_sim_headset(e.fx));
	assert_non_null(st_fixture_sim_opts(e.fx));
	/* "sim" spelt out, second one open at the same time */
	assert_int_equal(st_fixture_open(&fx, "sim", &e.m, e.clock, NULL, 0, e.err), ST_OK);
	assert_string_equal(fx->ops->name, "sim");
	st_fixture_close(fx);
	/* bad arguments: one-line errors, nothing opened */
	fx = (struct st_fixture *)&e;
	assert_int_equal(st_fixture_open(&fx, "sim", NULL, e.clock, NULL, 0, e.err), ST_ERR_ARG);
	assert_null(fx);
	assert_int_not_equal(st_fixture_open(&fx, "sim", &e.m, NULL, NULL, 0, e.err), ST_OK);
	/* hardware drivers refuse a virtual clock */
	assert_int_not_equal(st_fixture_open(&fx, "tcp:127.0.0.1:1", &e.m, e.clock, NULL, 0, e.err),
			     ST_OK);
	assert_null(fx);
	assert_null(strchr(e.err, '\n'));
	{
		struct st_sim_opts o;

		memset(&o, 0, sizeof(o));
		o.battery = -1;
		st_strlcpy(o.faults[0], "no-such-fault", sizeof(o.faults[0]));
		o.nfaults = 1;
		assert_int_not_equal(st_sim_fixture_open(&fx, NULL, &e.m, e.clock, &o, e.err), ST_OK);
		assert_non_null(strstr(e.err, "no-such-fault"));
	}
	/* the accessors refuse what is not the sim driver */
	assert_null(st_fixture_sim_headset(NULL));
	st_fixture_close(NULL);
	env_close(&e);
}

/* A 12 s soft reset and a 15 s press take microseconds of wall time. */
static void test_virtual_time(void **state)
{
	struct env e;
	struct st_feedback ev[256];
	struct st_headset_view v;
	double w0, t0;
	int n, orange = 0, chime = 0;

	(void)state;
	env_open(&e, "WH-1000XM5", NULL, NULL);
	w0 = wall();
	t0 = st_fixture_now(e.fx);
	assert_int_equal(st_fixture_press(e.fx, ctl(&e, "POWER"), 12.0, e.err), ST_OK);
	assert_int_equal(e.fx->held, 0);
	assert_int_equal(st_fixture_wait(e.fx, 3.0, e.err), ST_OK);
	assert_true(fabs(st_fixture_now(e.fx) - t0 - 15.0) < 1e-6);
	assert_true(wall() - w0 < 0.5);
	n = st_fixture_poll(e.fx, ev, 256, e.err);
	for (int i = 0; i < n; i++) {
		if (ev[i].kind == ST_FB_LED && !strcmp(ev[i].color, "orange"))
			orange++;
		if (ev[i].kind == ST_FB_CHIME && ev[i].count == 1)
			chime++;
		assert_true(ev[i].t >= t0 + 12.0 && ev[i].t <= t0 + 15.0);
	}
	assert_int_equal(orange, 3);
	assert_int_equal(chime, 1);
	st_headset_view(st_fixture_sim_headset(e.fx), &v);
	assert_int_equal(v.resets[ST_RESET_SOFT], 1);
	/* a plain 15 s press (VOL_UP) also costs no wall time */
	w0 = wall();
	assert_int_equal(st_fixture_press(e.fx, ctl(&e, "VOL_UP"), 15.0, e.err), ST_OK);
	assert_true(wall() - w0 < 0.5);
	env_close(&e);
}

/* The hold's limit is a fixture-side safety timer: it releases by itself. */
static void test_hold_limit_auto_release(void **state)
{
	struct env e;
	struct st_headset_view v;
	unsigned bt;
	double t0;

	(void)state;
	env_open(&e, "WH-1000XM5", NULL, NULL);
	bt = ctl(&e, "POWER+NC_AMBIENT");
	t0 = st_fixture_now(e.fx);
	assert_int_equal(st_fixture_hold(e.fx, bt, 7.0, e.err), ST_OK);
	assert_int_equal(e.fx->held, bt);
	/* the station "forgets" to release; 10 s pass */
	assert_int_equal(st_fixture_wait(e.fx, 10.0, e.err), ST_OK);
	assert_int_equal(e.fx->held, 0);
	assert_true(fabs(st_fixture_now(e.fx) - t0 - 10.0) < 1e-6);
	/* released at exactly 7 s: the unit saw its Bluetooth reset */
	st_headset_view(st_fixture_sim_headset(e.fx), &v);
	assert_int_equal(v.resets[ST_RESET_BLUETOOTH], 1);
	assert_int_equal(v.paired, 0);
	/* a 25 s POWER hold with a 12 s limit never reaches the 20 s hazard */
	assert_int_equal(st_fixture_hold(e.fx, ctl(&e, "POWER"), 12.0, e.err), ST_OK);
	assert_int_equal(st_fixture_wait(e.fx, 25.0, e.err), ST_OK);
	st_headset_view(st_fixture_sim_headset(e.fx), &v);
	assert_int_equal(v.bootloader_corrupt, 0);
	/* a hold needs a limit */
	assert_int_equal(st_fixture_hold(e.fx, ctl(&e, "POWER"), 0, e.err), ST_ERR_ARG);
	assert_int_equal(e.fx->held, 0);
	env_close(&e);
}

static void test_release_and_release_all(void **state)
{
	struct env e;
	struct st_headset_view v;

	(void)state;
	env_open(&e, "WH-1000XM5", NULL, NULL);
	assert_int_equal(st_fixture_hold(e.fx, ctl(&e, "POWER"), 60, e.err), ST_OK);
	assert_int_equal(st_fixture_hold(e.fx, ctl(&e, "VOL_UP"), 60, e.err), ST_OK);
	assert_int_equal(e.fx->held, ctl(&e, "POWER+VOL_UP"));
	assert_int_equal(st_fixture_release(e.fx, ctl(&e, "VOL_UP"), e.err), ST_OK);
	assert_int_equal(e.fx->held, ctl(&e, "POWER"));
	assert_int_equal(st_fixture_release_all(e.fx, e.err), ST_OK);
	assert_int_equal(e.fx->held, 0);
	assert_int_equal(st_fixture_release_all(e.fx, e.err), ST_OK);   /* again: harmless */
	/* really released: 25 s later the POWER hazard has not struck */
	assert_int_equal(st_fixture_wait(e.fx, 25, e.err), ST_OK);
	st_headset_view(st_fixture_sim_headset(e.fx), &v);
	assert_int_equal(v.bootloader_corrupt, 0);
	assert_int_equal(v.overholds, 0);
	/* bad masks */
	assert_int_equal(st_fixture_press(e.fx, 0, 1, e.err), ST_ERR_ARG);
	assert_int_equal(st_fixture_press(e.fx, 1u << 15, 1, e.err), ST_ERR_ARG);
	assert_int_equal(st_fixture_press(e.fx, ctl(&e, "POWER"), -1, e.err), ST_ERR_ARG);
	env_close(&e);
}

static void test_emergency_release(void **state)
{
	struct env a, b;
	struct st_headset_view v;

	(void)state;
	env_open(&a, "WH-1000XM5", NULL, NULL);
	env_open(&b, "WH-1000XM5", "sim", NULL);
	assert_int_equal(st_fixture_hold(a.fx, ctl(&a, "POWER"), 60, a.err), ST_OK);
	assert_int_equal(st_fixture_hold(b.fx, ctl(&b, "POWER+VOL_DOWN"), 60, b.err), ST_OK);
	st_fixture_emergency_release();
	assert_int_equal(a.fx->held, 0);
	assert_int_equal(b.fx->held, 0);
	assert_int_equal(st_fixture_wait(a.fx, 25, a.err), ST_OK);
	assert_int_equal(st_fixture_wait(b.fx, 25, b.err), ST_OK);
	st_headset_view(st_fixture_sim_headset(a.fx), &v);
	assert_int_equal(v.bootloader_corrupt, 0);
	st_headset_view(st_fixture_sim_headset(b.fx), &v);
	assert_int_equal(v.bootloader_corrupt, 0);
	/* a closed fixture leaves the list: the next emergency release is safe */
	env_close(&a);
	assert_int_equal(st_fixture_hold(b.fx, ctl(&b, "POWER"), 60, b.err), ST_OK);
	st_fixture_emergency_release();
	assert_int_equal(b.fx->held, 0);
	/* close releases first (the list no longer holds it after) */
	assert_int_equal(st_fixture_hold(b.fx, ctl(&b, "POWER"), 60, b.err), ST_OK);
	env_close(&b);
	st_fixture_emergency_release();
}

static void test_uart_charge_wear_place(void **state)
{
	struct env e;
	struct st_sim_opts o;
	char r[1024], serial[16];
	double t0;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.battery = 50;
	st_strlcpy(serial, "SN-777", sizeof(serial));
	o.serial = serial;
	env_open(&e, "WH-1000XM5", NULL, &o);
	serial[0] = 'X';   /* the driver keeps its own copy */
	assert_int_equal(st_fixture_uart(e.fx, "INFO", r, sizeof(r), e.err), ST_OK);
	assert_string_equal(kv(r, "serial"), "SN-777");
	assert_string_equal(kv(r, "battery"), "50");
	assert_string_equal(kv(r, "usb"), "0");
	assert_int_equal(st_fixture_charge(e.fx, 1, e.err), ST_OK);
	assert_int_equal(st_fixture_wear(e.fx, 1, e.err), ST_OK);
	assert_int_equal(st_fixture_wait(e.fx, 3600, e.err), ST_OK);
	assert_int_equal(st_fixture_uart(e.fx, "INFO", r, sizeof(r), e.err), ST_OK);
	assert_string_equal(kv(r, "usb"), "1");
	assert_string_equal(kv(r, "worn"), "1");
	assert_string_equal(kv(r, "battery"), "75");   /* 25 %/h: full in 4 h (seed 001) */
	/* headphones have no case */
	assert_int_equal(st_fixture_place(e.fx, 1, 1, e.err), ST_ERR_UNSUPPORTED);
	/* a slide on a model without one */
	assert_int_equal(st_fixture_slide(e.fx, 0, 1, e.err), ST_ERR_ARG);
	/* a dead unit: no reply, and waiting for it costs bench time */
	assert_int_equal(st_fixture_hold(e.fx, ctl(&e, "POWER"), 21, e.err), ST_OK);
	assert_int_equal(st_fixture_wait(e.fx, 21, e.err), ST_OK);
	t0 = st_fixture_now(e.fx);
	assert_int_equal(st_fixture_uart(e.fx, "INFO", r, sizeof(r), e.err), ST_ERR_UNIT);
	assert_non_null(strstr(e.err, "did not answer"));
	assert_true(st_fixture_now(e.fx) > t0);
	env_close(&e);
}

static void test_earbuds_and_slides(void **state)
{
	struct env e;
	struct st_headset_view v;
	int sw;

	(void)state;
	env_open(&e, "WF-1000XM4", NULL, NULL);
	assert_int_equal(st_fixture_place(e.fx, 1, 1, e.err), ST_OK);
	assert_int_equal(st_fixture_press(e.fx, ctl(&e, "CASE"), 15.0, e.err), ST_OK);
	assert_int_equal(st_fixture_wait(e.fx, 3, e.err), ST_OK);
	st_headset_view(st_fixture_sim_headset(e.fx), &v);
	assert_int_equal(v.resets[ST_RESET_FACTORY], 1);
	env_close(&e);

	/* MDR-XB950N1: slide off, hold CALL, slide on, 15 s, release */
	env_open(&e, "MDR-XB950N1", NULL, NULL);
	sw = st_model_control(&e.m, "POWER_SWITCH");
	assert_int_equal(st_fixture_press(e.fx, 1u << sw, 1, e.err), ST_ERR_ARG);
	assert_int_equal(st_fixture_slide(e.fx, sw, 0, e.err), ST_OK);
	assert_int_equal(st_fixture_hold(e.fx, ctl(&e, "CALL"), e.m.max_hold, e.err), ST_OK);
	assert_int_equal(st_fixture_slide(e.fx, sw, 1, e.err), ST_OK);
	assert_int_equal(st_fixture_wait(e.fx, 15, e.err), ST_OK);
	assert_int_equal(st_fixture_release(e.fx, ctl(&e, "CALL"), e.err), ST_OK);
	assert_int_equal(st_fixture_wait(e.fx, 6, e.err), ST_OK);
	st_headset_view(st_fixture_sim_headset(e.fx), &v);
	assert_int_equal(v.resets[ST_RESET_FACTORY], 1);
	assert_int_equal(v.powered, 1);
	env_close(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_forms),
		cmocka_unit_test(test_virtual_time),
		cmocka_unit_test(test_hold_limit_auto_release),
		cmocka_unit_test(test_release_and_release_all),
		cmocka_unit_test(test_emergency_release),
		cmocka_unit_test(test_uart_charge_wear_place),
		cmocka_unit_test(test_earbuds_and_slides),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
