/*
 * steps.c - the step table: one row per kind of plan step, keyed by the
 * plan's step kind (enum st_plan_op for the built-in ones, st_seq_step_register
 * for more).  The plan parser takes its step names from here
 * (st_plan_step_kind, st_plan_op_name) and the run dispatches through it.
 *
 * Adding a step: one row here, one run function (steps_unit.c or
 * steps_acoustic.c), its limits in the limit files (limits/) and its test
 * (docs/hacking.md).
 */
#include "internal.h"

#include <stdio.h>
#include <string.h>

#include "plan/plan.h"

#define MAX_EXTRA 16

static int run_reset(struct seq *s, const struct st_plan_step *ps)
{
	return seq_reset_step(s, (enum st_reset_kind)ps->reset_kind);
}

static int run_wait(struct seq *s, const struct st_plan_step *ps)
{
	int ret;

	double t0 = st_fixture_now(s->fx);

	seq_say(s, ST_EV_ACTION, "wait %.0f s", ps->seconds);
	ret = seq_pass_time(s, ps->seconds);
	seq_mandated_since(s, t0); /* the plan's figure */
	return ret ? ret : 1;
}

static int run_charge(struct seq *s, const struct st_plan_step *ps)
{
	int ret = seq_charge_for(s, ps->seconds);

	return ret ? ret : 1;
}

static const char no_uart[] = "no unit UART on this bench";

static const struct st_step_kind builtin[ST_PS_COUNT] = {
	[ST_PS_IDENTIFY] = { "identify", seq_step_identify, 0, NULL, 0,
			     "ask the unit who it is and what firmware it runs; refuse a wrong model" },
	[ST_PS_BATTERY] = { "battery", seq_step_battery, ST_STEP_NEEDS_UART,
			    "no unit UART on this bench: the battery is confirmed before each reset", 0,
			    "battery level against the limits and the reset minimums" },
	[ST_PS_CONTROLS] = { "controls", seq_step_controls, ST_STEP_NEEDS_UART,
			     "no unit UART on this bench: key test not possible", 0,
			     "key test: every control registers on one press" },
	[ST_PS_HEALTH] = { "health", seq_step_health, ST_STEP_NEEDS_UART,
			   "no unit UART on this bench: health checks not possible", 1,
			   "link test, false USB detect, touch, phantom resets while idle" },
	[ST_PS_RESET] = { "reset", run_reset, 0, NULL, 0,
			  "one reset procedure of the model, behind every safety gate" },
	[ST_PS_VERIFY] = { "verify", seq_step_verify, 0, NULL, 0,
			   "seed 001's reset verification, quick: identity, health, advertised name and address, assistant latency" },
	[ST_PS_VERIFY_FULL] = { "verify full", seq_step_verify_full, 0, NULL, 0,
				"seed 001's four tests: verify, ANC ramp-up over 90 s, battery drain over 60 min at 70 %" },
	[ST_PS_WAIT] = { "wait", run_wait, 0, NULL, 0, "let time pass" },
	[ST_PS_CHARGE] = { "charge", run_charge, 0, NULL, 0, "USB charge power on for a while" },
	/* a `ladder ... end` block, not a `step` line: run.c runs its rungs */
	[ST_PS_LADDER] = { "ladder", NULL, 0, NULL, 0, "escalation: rungs until the unit verifies" },
	[ST_PS_ANC] = { "anc", seq_step_acoustic, ST_STEP_NEEDS_AUDIO, NULL, 0,
			"ANC attenuation against the model's masks", &seq_acoustic_anc },
	[ST_PS_MICS] = { "mics", seq_step_acoustic, ST_STEP_NEEDS_AUDIO, NULL, 0,
			 "microphone-array alignment", &seq_acoustic_mics },
	[ST_PS_RAMP] = { "ramp", seq_step_acoustic, ST_STEP_NEEDS_AUDIO, NULL, 0, "ANC ramp-up time",
			 &seq_acoustic_ramp },
	[ST_PS_ASSISTANT] = { "assistant", seq_step_acoustic, ST_STEP_NEEDS_AUDIO, NULL, 0,
			      "voice-assistant latency", &seq_acoustic_assistant },
	[ST_PS_RESPONSE] = { "response", seq_step_acoustic, ST_STEP_NEEDS_AUDIO | ST_STEP_NEEDS_UART,
			     NULL, 0, "both drivers' frequency response against response.band_db "
			     "(crackling, channel dropouts: hardware RMA)", &seq_acoustic_response },
};

/* Rows added at start-up (st_seq_step_register). */
static struct st_step_kind extra[MAX_EXTRA];
static int nextra;

const struct st_step_kind *st_seq_step(int op)
{
	if (op >= 0 && op < ST_PS_COUNT)
		return &builtin[op];
	if (op >= ST_PS_COUNT && op < ST_PS_COUNT + nextra)
		return &extra[op - ST_PS_COUNT];
	return NULL;
}

int st_plan_step_kind(const char *name)
{
	for (int op = 0; op < ST_PS_COUNT + nextra; op++)
		if (!strcmp(st_seq_step(op)->name, name))
			return op;
	return -1;
}

const char *st_plan_op_name(enum st_plan_op op)
{
	const struct st_step_kind *k = st_seq_step((int)op);

	return k ? k->name : "?";
}

int st_plan_step_names(char *buf, size_t n)
{
	size_t o = 0;

	buf[0] = '\0';
	for (int op = 0; op < ST_PS_COUNT + nextra; op++) {
		const struct st_step_kind *k = st_seq_step(op);
		int w;

		if (!k->run)
			continue;
		w = snprintf(buf + o, n - o, "%s%s", o ? ", " : "", k->name);
		if (w < 0 || (size_t)w >= n - o)
			return ST_ERR_ARG;
		o += (size_t)w;
	}
	return ST_OK;
}

int st_seq_step_register(const struct st_step_kind *k, char *err)
{
	if (!k || !k->name || !k->name[0] || !k->run)
		return st_fail(err, ST_ERR_ARG, "step kind needs a name and a run function");
	if (st_plan_step_kind(k->name) >= 0)
		return st_fail(err, ST_ERR_ARG, "step kind '%s' already exists", k->name);
	if (nextra == MAX_EXTRA)
		return st_fail(err, ST_ERR_ARG, "step table full (%d added kinds)", MAX_EXTRA);
	extra[nextra] = *k;
	return ST_PS_COUNT + nextra++;
}

/* Run one step through its row: a bench without what the step needs
 * SKIPs it. */
int seq_step_run(struct seq *s, const struct st_plan_step *ps)
{
	const struct st_step_kind *k = st_seq_step((int)ps->op);

	if (!k || !k->run)
		return 1;
	if ((k->needs & ST_STEP_NEEDS_UART) && !(s->fx->caps & ST_CAP_UART))
		return seq_skip(s, k->skip_why ? k->skip_why : no_uart);
	if ((k->needs & ST_STEP_NEEDS_AUDIO) && !s->cfg->audio)
		return seq_skip(s, k->skip_why ? k->skip_why
					       : "no acoustic bench on this station (station run --audio)");
	return k->run(s, ps);
}

/* ------------------------------------------- what a step's run function may use */

enum st_verdict st_seq_measure(struct seq *s, const char *limit, double value, const char *unit)
{
	return seq_measure(s, limit, value, unit);
}

void st_seq_fail(struct seq *s, enum st_verdict v, enum st_disp disposition, const char *reason)
{
	seq_finding(s, v, disposition, "%s", reason);
}

struct st_fixture *st_seq_fixture(struct seq *s)
{
	return s->fx;
}

const struct st_model *st_seq_model(struct seq *s)
{
	return s->m;
}

struct st_audio *st_seq_audio(struct seq *s)
{
	return s->cfg->audio;
}
