/*
 * estimate.c - how long a plan keeps a real bench busy, so nobody is
 * surprised that `verify full` takes about two hours (seed 001: a full
 * charge, then "play Spotify at 70% volume for 60 minutes"; ANC "in a quiet
 * room for 90 seconds").  `station plans` prints it.  On the simulated
 * bench the same plan runs on the virtual clock in seconds.
 *
 * The figures are the nominal bench seconds of each step (waits, holds,
 * captures); a procedure's own time comes from the model file when a
 * model is given.  A ladder counts every rung (the worst case), a
 * charge-to-full counts the whole 4 h allowed only as the upper bound.
 */
#include "internal.h"

#include "plan/plan.h"

#define T_UART 1.0            /* identify, battery: a UART query or two */
#define T_KEYS 6.0            /* key test: a few presses per control */
#define T_HEALTH 5.0          /* link test, USB, touch (plus the idle watch) */
#define T_RESET 25.0          /* a procedure without a model: holds + feedback */
#define T_VERIFY 12.0         /* identify, health, scan, assistant latency */
#define T_ANC 70.0            /* settle 38 s (anc.rampup_s), sweeps off and on */
#define T_MICS 8.0
#define T_RAMP 190.0          /* 3 s off, 90 s capture, reference at 180 s */
#define T_ASSISTANT 8.0
#define T_RESPONSE 3.5      /* the unit's 2 s driver sweep, its lead and tail */
#define T_DRAIN 3600.0        /* seed 001: 60 minutes of playback */
#define T_CHARGE_TYPICAL 2880.0 /* 80 % -> 100 % at 25 %/h (seed 001: 4 h full) */
#define T_CHARGE_MAX 14400.0

/* Nominal seconds of one procedure of the model (holds, waits, taps,
 * feedback windows), or T_RESET without one. */
static double procedure_s(const struct st_model *m, int kind)
{
	const struct st_procedure *p = m ? st_model_proc(m, (enum st_reset_kind)kind) : NULL;
	double t = 0;

	if (!p)
		return m ? 0 : T_RESET;
	for (int i = 0; i < p->nsteps; i++) {
		const struct st_step *st = &p->steps[i];

		if (st->op == ST_OP_HOLD || st->op == ST_OP_WAIT || st->op == ST_OP_CHARGE)
			t += st->seconds;
		else if (st->op == ST_OP_TAP)
			t += st->count * (st->gap > 0 ? st->gap : 0.3);
		else if (st->op >= ST_OP_EXPECT_LED)
			t += st->within;
	}
	return t + m->after_feedback; /* the watch for red EEPROM flashing */
}

static double action_s(const struct st_plan_action *a, const struct st_model *m)
{
	if (a->op == ST_PS_RESET)
		return procedure_s(m, a->reset_kind);
	return a->seconds;
}

static double step_s(const struct st_plan_step *ps, const struct st_model *m, double *upper)
{
	double t = 0;

	switch (ps->op) {
	case ST_PS_IDENTIFY:
	case ST_PS_BATTERY:
		return T_UART;
	case ST_PS_CONTROLS:
		return T_KEYS * (m ? m->ncontrols : 4);
	case ST_PS_HEALTH:
		return T_HEALTH + ps->seconds;
	case ST_PS_RESET:
		return procedure_s(m, ps->reset_kind);
	case ST_PS_VERIFY:
		return T_VERIFY;
	case ST_PS_VERIFY_FULL:
		*upper += T_CHARGE_MAX - T_CHARGE_TYPICAL;
		return T_VERIFY + T_RAMP + T_CHARGE_TYPICAL + T_DRAIN;
	case ST_PS_WAIT:
	case ST_PS_CHARGE:
		return ps->seconds;
	case ST_PS_ANC:
		return T_ANC;
	case ST_PS_MICS:
		return T_MICS;
	case ST_PS_RAMP:
		return T_RAMP;
	case ST_PS_ASSISTANT:
		return T_ASSISTANT;
	case ST_PS_RESPONSE:
		return T_RESPONSE;
	case ST_PS_LADDER:
		for (int r = 0; r < ps->nrungs; r++) {
			for (int a = 0; a < ps->rungs[r].nacts; a++)
				t += action_s(&ps->rungs[r].acts[a], m);
			t += T_VERIFY;
		}
		return t;
	default:
		return 0;
	}
}

double st_seq_plan_seconds(const struct st_plan *p, const struct st_model *m, double *upper)
{
	double t = 0, up = 0;

	for (int i = 0; p && i < p->nsteps; i++)
		t += step_s(&p->steps[i], m, &up);
	if (upper)
		*upper = t + up;
	return t;
}
