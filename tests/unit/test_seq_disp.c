/*
 * test_seq_disp.c - dispositions as data: every row complete and quoted
 * from a seed where it says so; every name the tests, docs and plans use
 * is in the table and found by st_disposition_find; a run's disposition
 * and reason come from the row its finding names.
 */
#include "testutil.h"

#include "core/clock.h"
#include "core/st.h"
#include "fixture/fixture.h"
#include "limits/limits.h"
#include "model/model.h"
#include "plan/plan.h"
#include "seq/seq.h"
#include "sim/headset.h"
#include "sim/simdrv.h"

static void test_rows_complete(void **state)
{
	(void)state;
	for (int i = 0; i < ST_DISP_COUNT; i++) {
		const struct st_disposition *d = st_disposition((enum st_disp)i);
		assert_non_null(d);
		assert_int_equal(d->id, i);
		assert_true(d->name && d->name[0]);
		assert_true(d->todo && strlen(d->todo) > 10);
		if (d->quote)
			assert_true(!strncmp(d->quote, "seed 000: ", 10) ||
				    !strncmp(d->quote, "seed 001: ", 10));
		/* the general row of each stored name comes first */
		assert_true((int)st_disposition_find(d->name)->id <= i);
		assert_true(st_disposition_find(d->name)->id <= ST_DISP_FIXED);
	}
	assert_null(st_disposition(ST_DISP_COUNT));
}

static void test_every_name_in_use_is_known(void **state)
{
	static const char *const used[] = {
		"charge-and-retest", "check-model", "clean-mic-grilles", "clean-port",
		"fix-model-data", "remove-from-head", "replace-switch", "retest", "service",
		"service-anc", "service-centre", "trickle-charge-12h", "wait-6h-and-retest",
		"no-fault-found", "fixed-by-soft-then-bluetooth",
	};
	char names[32][32], err[ST_ERRLEN];
	int n;

	(void)state;
	for (size_t i = 0; i < ST_ARRAY_SIZE(used); i++)
		if (!st_disposition_find(used[i]))
			fail_msg("disposition '%s' not in the table", used[i]);
	assert_int_equal(st_disposition_find("fixed-by-soft")->id, ST_DISP_FIXED);
	assert_null(st_disposition_find("nonsense"));
	assert_null(st_disposition_find(NULL));
	/* every shipped plan's pass-disposition */
	n = st_plan_list(st_data_dir(), names, 32, err);
	assert_true(n > 0);
	for (int i = 0; i < n; i++) {
		struct st_plan p;
		assert_int_equal(st_plan_find(st_data_dir(), names[i], &p, err), ST_OK);
		if (!st_disposition_find(p.pass_disposition))
			fail_msg("plan %s: pass-disposition '%s' not in the table", names[i],
				 p.pass_disposition);
	}
}

/* Seed 000's five causes outside the headset and seed 001's iOS MAC
 * address, as customer advice in the dispositions where they apply. */
static void test_customer_advice(void **state)
{
	static const struct {
		enum st_disp id;
		const char *words[4];
	} want[] = {
		/* all five on a unit the bench finds healthy */
		{ ST_DISP_NO_FAULT, { "Check Now, twice", "Forget This Device", "multipoint", "Clear Cache" } },
		{ ST_DISP_NO_FAULT, { "reboot the phone", "randomized Bluetooth MAC", "reinstall", NULL } },
		/* a rung fixed it: if it comes back, look outside the headset */
		{ ST_DISP_FIXED, { "Check Now, twice", "reboot it before pairing", "disable multipoint", NULL } },
		{ ST_DISP_RESET_SOFT_DONE, { "disable multipoint", "pair to one device", "soft reset", NULL } },
		{ ST_DISP_RESET_BT_DONE, { "Forget This Device", "reboot the phone", "randomized Bluetooth MAC", NULL } },
		{ ST_DISP_RESET_FACTORY_DONE, { "Check Now, twice", "relearns", NULL, NULL } },
		{ ST_DISP_DSP_FIRMWARE, { "Check Now, twice", NULL, NULL, NULL } },
		{ ST_DISP_PAIRING, { "randomized MAC", NULL, NULL, NULL } },
		{ ST_DISP_CLEAN_MIC, { "Clear Cache", "export the EQ presets", NULL, NULL } },
	};

	(void)state;
	for (size_t i = 0; i < ST_ARRAY_SIZE(want); i++) {
		const struct st_disposition *d = st_disposition(want[i].id);

		assert_non_null(d->advice);
		for (int k = 0; k < 4 && want[i].words[k]; k++)
			if (!strstr(d->advice, want[i].words[k]))
				fail_msg("%s: advice lacks '%s'", d->name, want[i].words[k]);
	}
	/* a station fault blames nothing outside the bench */
	assert_null(st_disposition(ST_DISP_STATION_FAULT)->advice);
	assert_null(st_disposition(ST_DISP_CALIBRATION)->advice);
}

/* A red-flashing EEPROM failure: the run's disposition and the seed rule
 * in its reason come from ST_DISP_EEPROM's row. */
static void test_run_disposition_from_the_row(void **state)
{
	const struct st_disposition *d = st_disposition(ST_DISP_EEPROM);
	struct st_sim_opts o = { .battery = -1, .nfaults = 1, .faults = { "eeprom-fail" } };
	char err[ST_ERRLEN];
	struct st_model m;
	struct st_plan p;
	struct st_limits *lim;
	struct st_clock *clk;
	struct st_fixture *fx;
	struct st_seq_result res;

	(void)state;
	assert_int_equal(st_model_find(st_data_dir(), "MDR-1000XM3", &m, err), ST_OK);
	assert_int_equal(st_plan_find(st_data_dir(), "repair", &p, err), ST_OK);
	assert_int_equal(st_limits_load_model(st_data_dir(), m.id, NULL, &lim, err), ST_OK);
	clk = st_clock_new_virtual();
	assert_int_equal(st_sim_fixture_open(&fx, NULL, &m, clk, &o, err), ST_OK);
	struct st_seq_config cfg = { .model = &m, .plan = &p, .fx = fx, .limits = lim,
				     .serial = "D1", .assume = 1 /* XM3 surface rule */ };
	assert_int_equal(st_seq_run(&cfg, &res, err), ST_OK);
	assert_int_equal(res.verdict, ST_FAIL);
	assert_string_equal(res.disposition, d->name);
	assert_non_null(strstr(res.reason, d->quote));
	st_fixture_close(fx);
	st_clock_free(clk);
	st_limits_free(lim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows_complete),
		cmocka_unit_test(test_every_name_in_use_is_known),
		cmocka_unit_test(test_customer_advice),
		cmocka_unit_test(test_run_disposition_from_the_row),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
