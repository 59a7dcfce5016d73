/*
 * fuzz_plan.c - libFuzzer harness for the plan parser (station/plan/plan.c):
 * any bytes give a plan with steps inside its bounds, or one
 * "file:line:col: message" error.
 */
#include <stdint.h>

#include "fuzz_check.h"
#include "plan/plan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
