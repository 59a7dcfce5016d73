/*
 * fuzz_plan.c - libFuzzer harness for the plan parser (station/plan/plan.c):
 * any bytes give a plan with steps inside its bounds, or one
 * "file:line:col: message" error.  The sequencer's step table (station/seq/
 * steps.c, which names the step kinds) is not linked here, so its three
 * name functions stand in with the built-in kinds, plus one two-word kind.
 */
#include <stdint.h>
#include <stdio.h>

#include "fuzz_check.h"
#include "plan/plan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const kinds[] = {
	[ST_PS_IDENTIFY] = "identify", [ST_PS_BATTERY] = "battery",
	[ST_PS_CONTROLS] = "controls", [ST_PS_HEALTH] = "health", [ST_PS_RESET] = "reset",
	[ST_PS_VERIFY] = "verify", [ST_PS_WAIT] = "wait", [ST_PS_CHARGE] = "charge",
	[ST_PS_LADDER] = "ladder", [ST_PS_ANC] = "anc", [ST_PS_MICS] = "mics",
	[ST_PS_RAMP] = "ramp", [ST_PS_ASSISTANT] = "assistant", [ST_PS_VERIFY_FULL] = "verify full",
};

int st_plan_step_kind(const char *name)
{
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strcmp(kinds[i], name))
			return (int)i;
	return -1;
}

const char *st_plan_op_name(enum st_plan_op op)
{
	return (size_t)op < sizeof(kinds) / sizeof(kinds[0]) ? kinds[op] : "?";
}

int st_plan_step_names(char *buf, size_t n)
{
	size_t o = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		int w = snprintf(buf + o, n - o, "%s%s", o ? ", " : "", kinds[i]);

		if (w < 0 || (size_t)w >= n - o)
			return ST_ERR_ARG;
		o += (size_t)w;
	}
	return ST_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct st_plan p;
	char err[ST_ERRLEN] = "";

	if (st_plan_parse_buf("fuzz.plan", (const char *)data, size, &p, err) != ST_OK) {
		fuzz_check_msg(err, "fuzz.plan");
		return 0;
	}
	if (p.nsteps < 1 || p.nsteps > ST_PLAN_MAX_STEPS || !p.name[0])
		abort();
	for (int i = 0; i < p.nsteps; i++)
		if (p.steps[i].op == ST_PS_LADDER &&
		    (p.steps[i].nrungs < 1 || p.steps[i].nrungs > ST_PLAN_MAX_RUNGS))
			abort();
	return 0;
}
