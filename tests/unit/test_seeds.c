/*
 * test_seeds.c - the shipped data against the seeds' rules, across files:
 * every model file (found at run time, so a new model joins) is checked
 * against its limit file and against the rules of the two seeds that the
 * station's data must keep.  docs/model-format.md lists each rule with
 * this test.
 *
 *  - the model's battery-min and its limits' battery.min_pct agree (a
 *    WF-1000XM4 at 15 % was refused quoting "sub-10%" by a 20 % limit);
 *  - every factory reset wipes the paired table and renews the Bluetooth
 *    address (seed 001: "a successful reset must pass these four objective
 *    tests ... a completely new MAC address");
 *  - a factory reset of a seed-000 model (WH/WF/LinkBuds) wipes everything
 *    but the fuel gauge's bms-log (seed 000: "wipes *everything*"; "Battery
 *    health is tracked by the fuel gauge IC, which operates independently");
 *  - no procedure holds past the model's max-hold, and max-hold keeps the
 *    seed's 0.3 s tolerance above the longest documented hold;
 *  - the limits every verification test needs are present.
 */
#include "testutil.h"

#include "core/st.h"
#include "limits/limits.h"
#include "model/model.h"

static struct st_model model; /* big: keep it off the stack */

static unsigned items(const char *const *names, int n)
{
	unsigned mask = 0;
	enum st_item it;

	for (int i = 0; i < n; i++) {
		assert_int_equal(st_item_parse(names[i], &it), ST_OK);
		mask |= 1u << it;
	}
	return mask;
}

#define ITEMS(...) items((const char *const[]){ __VA_ARGS__ }, \
	(int)(sizeof((const char *const[]){ __VA_ARGS__ }) / sizeof(const char *)))

static int list(char ids[][ST_NAME_LEN], int max)
{
	char err[ST_ERRLEN] = "";
	int n = st_model_list(NULL, ids, max, err);

	if (n <= 0)
		fail_msg("model list: %s", err);
	return n;
}

static void load(const char *id)
{
	char err[ST_ERRLEN] = "";

	if (st_model_find(NULL, id, &model, err) != ST_OK)
		fail_msg("%s: %s", id, err);
}

static int seed000_model(const struct st_model *m)
{
	return strncmp(m->id, "WH-", 3) == 0 || strncmp(m->id, "WF-", 3) == 0 ||
	       strncmp(m->id, "LinkBuds", 8) == 0;
}

static void test_battery_min_agrees(void **state)
{
	char ids[64][ST_NAME_LEN], err[ST_ERRLEN];
	int n = list(ids, 64);

	(void)state;
	for (int i = 0; i < n; i++) {
		struct st_limits *l = NULL;
		const struct st_limit *lim;

		load(ids[i]);
		if (st_limits_load_model(NULL, model.id, NULL, &l, err) != ST_OK)
			fail_msg("%s limits: %s", model.id, err);
		lim = st_limits_get(l, "battery.min_pct");
		assert_non_null(lim);
		if (!lim->has_low || lim->low != model.battery_min)
			fail_msg("%s: model battery-min %g %% but %s:%d says %g %%", model.id,
				 model.battery_min, lim->file, lim->line, lim->low);
		/* a limit quoting "sub-10%" must be a 10 % limit */
		if (strstr(lim->source, "sub-10%") && lim->low != 10)
			fail_msg("%s: limit %g %% quotes the sub-10%% rule", model.id, lim->low);
		st_limits_free(l);
	}
}

static void test_factory_wipes(void **state)
{
	char ids[64][ST_NAME_LEN];
	int n = list(ids, 64), nfactory = 0;
	unsigned all = (1u << ST_ITEM_COUNT) - 1;

	(void)state;
	for (int i = 0; i < n; i++) {
		const struct st_procedure *p;

		load(ids[i]);
		p = st_model_proc(&model, ST_RESET_FACTORY);
		if (!p)
			continue;
		nfactory++;
		if ((p->wipes & ITEMS("paired", "bt-addr")) != ITEMS("paired", "bt-addr"))
			fail_msg("%s: factory reset keeps the paired table or the address", model.id);
		if (seed000_model(&model) && p->wipes != (all & ~ITEMS("bms-log")))
			fail_msg("%s: a seed-000 factory reset wipes everything but bms-log (wipes 0x%x)",
				 model.id, p->wipes);
	}
	assert_true(nfactory >= 9);
}

static void test_holds_within_max(void **state)
{
	char ids[64][ST_NAME_LEN];
	int n = list(ids, 64);

	(void)state;
	for (int i = 0; i < n; i++) {
		load(ids[i]);
		assert_true(model.tolerance == 0.3);
		if (st_model_longest_hold(&model) > model.max_hold + 1e-9)
			fail_msg("%s: longest hold %.2f s > max-hold %.2f s", model.id,
				 st_model_longest_hold(&model), model.max_hold);
	}
}

static void test_verification_limits(void **state)
{
	static const char *const need[] = {
		"bt.addr_fresh", "bt.name_suffix", "assistant.latency_s", "anc.rampup_s",
		"battery.drain_deviation_pct", "battery.report_jump_pct", "reset.hold_error_s",
	};
	char ids[64][ST_NAME_LEN], err[ST_ERRLEN];
	int n = list(ids, 64);

	(void)state;
	for (int i = 0; i < n; i++) {
		struct st_limits *l = NULL;

		load(ids[i]);
		assert_int_equal(st_limits_load_model(NULL, model.id, NULL, &l, err), ST_OK);
		for (size_t k = 0; k < ST_ARRAY_SIZE(need); k++) {
			const struct st_limit *lim = st_limits_get(l, need[k]);

			if (!lim)
				fail_msg("%s: no limit %s", model.id, need[k]);
			if (!strstr(lim->source, "seed 00") && !strstr(lim->source, "assumed"))
				fail_msg("%s: %s cites neither a seed nor 'assumed'", model.id, need[k]);
		}
		st_limits_free(l);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_battery_min_agrees),
		cmocka_unit_test(test_factory_wipes),
		cmocka_unit_test(test_holds_within_max),
		cmocka_unit_test(test_verification_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
