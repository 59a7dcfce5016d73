/*
 * gates.c - every safety gate in front of a reset procedure (identity,
 * holds within the model's safe maximum and hazards, escalation order,
 * battery minimum, identity again, wear sensor) and the preconditions a
 * procedure needs (in the case, powered on).
 */
#include "internal.h"

#include <stdio.h>
#include <string.h>

/* ---------------------------------------------------------- safety gates */

/* Bluetooth reset first, then soft, then factory (ST_DISP_ESCALATION).  Returns 1
 * when the order is kept (or not asked for by the plan). */
static int gate_escalation(struct seq *s, const struct st_procedure *p)
{
	if (!s->cfg->plan->escalation || p->kind != ST_RESET_FACTORY)
		return 1;
	for (int k = ST_RESET_SOFT; k <= ST_RESET_BLUETOOTH; k++) {
		if (st_model_proc(s->m, (enum st_reset_kind)k) && !s->tried[k]) {
			seq_finding(s, ST_ABORTED, ST_DISP_ESCALATION,
				    "factory reset refused: the %s reset has not been tried",
				    st_reset_name((enum st_reset_kind)k));
			return 0;
		}
	}
	return 1;
}

/* One operator rule before a reset: 1 confirmed (or assumed with
 * --confirm yes, which the events record), 0 refused (finding made), <0
 * abort.  Nobody to ask (no terminal, no --confirm) refuses the reset. */
static int operator_rule(struct seq *s, const struct st_procedure *p, const char *question,
			 enum st_disp disposition, const char *why)
{
	int a = seq_ask(s, question);

	if (a > 0)
		return 1;
	if (a < 0 && seq_aborted(s))
		return ST_ERR_ABORT;
	seq_finding(s, ST_ABORTED, disposition, "%s reset refused: %s%s", st_reset_name(p->kind), why,
		    a < 0 ? " (no operator to confirm it: run on a terminal, or --confirm yes to record it as assumed)"
			  : "");
	return 0;
}

/* The seeds' operator rules: a backed-up customer before a factory reset
 * (seed 000: "Reserve this only when soft resets fail *and* you've backed
 * up your settings via the Sony Headphones Connect app"), and for units
 * whose proximity sensors abort resets (seed 001, XM3/XM4) the surface
 * rule ("place them flat on a non-conductive surface (wood, plastic), and
 * ensure no metal objects are within 15cm").  Asked once per run. */
static int gate_operator(struct seq *s, const struct st_procedure *p)
{
	int ret;

	if (p->kind == ST_RESET_FACTORY && !s->backup_confirmed) {
		ret = operator_rule(s, p,
				    "Are the customer's settings backed up (Sony Headphones Connect > Settings > Sound Adjustments > Export Settings)? A factory reset wipes them.",
				    ST_DISP_BACKUP,
				    "the settings are not backed up (seed 000: reserve a factory reset for when soft resets fail and you've backed up your settings)");
		if (ret <= 0)
			return ret;
		s->backup_confirmed = 1;
	}
	if (s->m->wear == ST_WEAR_ABORTS && !s->surface_confirmed) {
		ret = operator_rule(s, p,
				    "Is the unit off the head, flat on a non-conductive surface (wood, plastic), with no metal objects within 15 cm?",
				    ST_DISP_REMOVE_HEAD,
				    "the unit is not flat on a non-conductive surface clear of metal (seed 001: the XM3/XM4 proximity sensors may abort a reset)");
		if (ret <= 0)
			return ret;
		s->surface_confirmed = 1;
	}
	return 1;
}

/* The battery minimum of this procedure (the model's, the rule of
 * ST_DISP_BATTERY_LOW); a factory reset may ask for more. */
static double battery_min(const struct seq *s, const struct st_procedure *p)
{
	double min = p->battery_min > 0 ? p->battery_min : s->m->battery_min;

	if (p->kind == ST_RESET_FACTORY && s->m->factory_battery_min > min)
		min = s->m->factory_battery_min;
	return min;
}

/* Without a unit UART the operator vouches for battery and wear. */
static int gate_by_operator(struct seq *s, const struct st_procedure *p, double min)
{
	char q[256];
	int ret;

	snprintf(q, sizeof(q), "Is the unit charged to at least %.0f %% and off the head?", min);
	ret = seq_ask_or_fault(s, q, "no operator to confirm the battery level");
	if (ret == 0)
		seq_finding(s, ST_ABORTED, ST_DISP_CHARGE,
			    "%s reset refused: operator says the battery is below %.0f %% or the unit is worn",
			    st_reset_name(p->kind), min);
	return ret;
}

/* Battery, identity and wear sensor as the unit reports them now. */
static int gate_unit_state(struct seq *s, const struct st_procedure *p, double min)
{
	const char *kind = st_reset_name(p->kind);
	struct kv kv;
	double bat;
	int ret;

	ret = seq_info(s, &kv);
	if (ret)
		return ret;
	if (seq_kv_num(&kv, "battery", &bat) != ST_OK) {
		seq_finding(s, ST_ABORTED, ST_DISP_CHARGE,
			    "%s reset refused: the battery level cannot be read, and resets are forbidden below %.0f %%",
			    kind, min);
		return 0;
	}
	s->battery = bat;
	if (bat < min) {
		seq_finding(s, ST_ABORTED, ST_DISP_BATTERY_LOW,
			    "%s reset refused: battery %.0f %% is below the %.0f %% minimum - charge and retest",
			    kind, bat, min);
		return 0;
	}
	/* identity again: the unit on the fixture may have been swapped */
	const char *model = seq_kv_get(&kv, "model");
	if (model && !seq_same_model(model, s->m->identity)) {
		seq_finding(s, ST_ABORTED, ST_DISP_CHECK_MODEL,
			    "%s reset refused: unit reports model %s, not %s", kind, model, s->m->identity);
		return 0;
	}
	/* wear sensor (the rule of ST_DISP_REMOVE_HEAD) */
	if (s->m->wear == ST_WEAR_ABORTS && seq_kv_is(&kv, "worn", "1")) {
		seq_finding(s, ST_ABORTED, ST_DISP_REMOVE_HEAD,
			    "%s reset refused: the wear sensor says worn - take the unit off and place it flat",
			    kind);
		return 0;
	}
	return 1;
}

/* Every gate in front of a reset procedure.  Returns 1 to go ahead; 0
 * refused (ABORTED recorded) or the unit failed; <0 station error. */
int seq_gates(struct seq *s, const struct st_procedure *p)
{
	char why[320];
	double min = battery_min(s, p);
	int ret;

	if (!s->identified) {
		ret = seq_identify(s);
		if (ret < 0 || !s->identified)
			return ret < 0 ? ret : 0;
	}
	/* the model's safe maximum and hazards: the parser's check, again on
	 * the procedure about to be pressed */
	if (st_model_check_holds(s->m, p, why, sizeof(why)) != ST_OK) {
		seq_finding(s, ST_ABORTED, ST_DISP_FIX_MODEL, "%s reset refused: %s",
			    st_reset_name(p->kind), why);
		return 0;
	}
	if (!gate_escalation(s, p))
		return 0;
	ret = gate_operator(s, p);
	if (ret <= 0)
		return ret;
	if (!(s->fx->caps & ST_CAP_UART))
		return gate_by_operator(s, p, min);
	return gate_unit_state(s, p, min);
}

/* Switch the unit on with the model's POWER hold and read its INFO into kv
 * until it reports power=on (an event; answer-within bounds the wait, and
 * the caller judges a unit still off). */
int seq_power_on(struct seq *s, const char *why, struct kv *kv)
{
	int ret;

	seq_say(s, ST_EV_ACTION, "%s: hold POWER %.1f s", why, s->m->power_on_hold);
	s->err[0] = '\0';
	double t0 = st_fixture_now(s->fx);

	ret = st_fixture_press(s->fx, s->m->power_controls, s->m->power_on_hold, s->err);
	seq_mandated_since(s, t0); /* the model's power-on-hold */
	if (!ret)
		ret = seq_info_until(s, kv, "power", "on");
	return ret;
}

/* A procedure that needs the unit on finds it on, or switches it on. */
static int pre_powered_on(struct seq *s, struct kv *kv)
{
	const char *power = seq_kv_get(kv, "power");
	int ret;

	if (!power || !strcmp(power, "on"))
		return 1;
	if (!s->m->power_controls || s->m->power_on_hold <= 0) {
		seq_finding(s, ST_FAIL, ST_DISP_NO_RESPONSE,
			    "unit is off and the model has no POWER button to switch it on");
		return 0;
	}
	ret = seq_power_on(s, "power on", kv);
	if (ret)
		return ret;
	power = seq_kv_get(kv, "power");
	if (power && strcmp(power, "on")) {
		seq_finding(s, ST_FAIL, ST_DISP_NO_RESPONSE, "unit does not power on (POWER held %.1f s)",
			    s->m->power_on_hold);
		return 0;
	}
	return 1;
}

/* Bring the unit into the state the procedure needs. */
int seq_preconditions(struct seq *s, const struct st_procedure *p)
{
	struct kv kv;
	int ret;

	if (!(s->fx->caps & ST_CAP_UART))
		return 1;
	if (p->preconditions & (ST_PRE_IN_CASE | ST_PRE_LID_CLOSED)) {
		seq_say(s, ST_EV_ACTION, "place the buds in the case and close the lid");
		s->err[0] = '\0';
		ret = st_fixture_place(s->fx, 1, 1, s->err);
		/* ends when the unit reports itself in the case; past
		 * answer-within the check below makes it a station fault */
		if (!ret)
			ret = seq_info_until(s, &kv, "in_case", "1");
	} else {
		ret = seq_info(s, &kv);
	}
	if (ret)
		return ret;
	if (p->preconditions & ST_PRE_POWERED_ON) {
		ret = pre_powered_on(s, &kv);
		if (ret <= 0)
			return ret;
	}
	if (p->preconditions & ST_PRE_IN_CASE) {
		const char *in = seq_kv_get(&kv, "in_case"), *lid = seq_kv_get(&kv, "lid");
		if ((in && strcmp(in, "1")) || (lid && (p->preconditions & ST_PRE_LID_CLOSED) &&
						   strcmp(lid, "closed") && strcmp(lid, "1"))) {
			seq_finding(s, ST_ERROR, ST_DISP_STATION_FAULT,
				    "station fault: the buds are not reported in the case with the lid closed after placing them");
			return 0;
		}
	}
	return 1;
}
