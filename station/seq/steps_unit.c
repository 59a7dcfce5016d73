/*
 * steps_unit.c - the steps that talk to the unit itself: identify (with
 * the dead-unit charger check), battery, the key test of every control,
 * health (link test, false USB detect, touch, phantom resets) and verify.
 */
#include "internal.h"

#include <stdio.h>
#include <string.h>

#include "limits/limits.h"

/* A fault no reset fixes: the run ends after this step.  Returns 0. */
static int unit_fault(struct seq *s)
{
	s->hardware_fault = 1;
	s->stop = 1;
	return 0;
}

/* Without a unit UART the operator reads the label. */
static int identify_by_operator(struct seq *s)
{
	char q[160];
	int ret;

	snprintf(q, sizeof(q), "Is the unit on the fixture a %s (label inside the left earcup)?",
		 s->m->id);
	ret = seq_ask_or_fault(s, q,
			       "the bench cannot read the unit's identity and no operator answered");
	if (ret < 0)
		return ret;
	if (ret == 0) {
		seq_finding(s, ST_ABORTED, ST_DISP_CHECK_MODEL, "operator says the unit is not a %s", s->m->id);
		return 0;
	}
	s->identified = 1;
	return 1;
}

/* The unit is silent; the fixture is fine (it answered).  Seed 000/001:
 * put it on the charger and watch the charging LED.  1 the unit answers
 * now (kv read), 0 finding made, <0 station error. */
static int wake_silent_unit(struct seq *s, struct kv *kv)
{
	struct st_led_expect amber = { .where = "", .ncolors = 1, .colors = { "amber" } };
	struct led_summary sum;
	char e[ST_ERRLEN];
	int ret;

	seq_say(s, ST_EV_INFO, "unit does not answer on its test UART: charging it for 30 s");
	s->err[0] = '\0';
	s->nfb = 0;
	double t0 = st_fixture_now(s->fx);

	ret = st_fixture_charge(s->fx, 1, s->err);
	if (!ret)
		ret = seq_pass_time(s, 30.0);
	seq_mandated_since(s, t0); /* seed 000: "plug into USB-C charger for 30 sec" */
	if (ret)
		return ret;
	seq_led_summarise(s, &amber, 0, &sum);
	ret = seq_info(s, kv);
	st_fixture_charge(s->fx, 0, e); /* the run's end switches it off again */
	if (sum.on_count[0] >= 5) {
		seq_finding(s, ST_FAIL, ST_DISP_TRICKLE,
			    "battery protection tripped: the charging LED blinks amber rapidly");
		s->stop = 1;
		return 0;
	}
	if (ret == ST_ERR_UNIT || ret == ST_ERR_TIMEOUT) {
		seq_finding(s, ST_FAIL, ST_DISP_UNIT_DEAD,
			    "unit dead: no answer on its test UART and no charging LED after 30 s on the charger");
		s->stop = 1;
		return 0;
	}
	return ret ? ret : 1;
}

/* The firmware the unit reports: limits re-resolved for it, the result
 * told (the store heard it on the INFO event). */
static void firmware_known(struct seq *s, const char *fw)
{
	char e[ST_ERRLEN];

	if (s->cfg->limits_dir && !*s->fw_limits && !st_streq_ci(fw, "unknown")) {
		if (st_limits_load_model(s->cfg->limits_dir, s->m->id, fw, s->fw_limits, e) == ST_OK) {
			s->lim = *s->fw_limits;
			seq_say(s, ST_EV_INFO, "limits resolved for firmware %s", fw);
		} else {
			seq_say(s, ST_EV_INFO, "limits for firmware %s not resolved (%s); model limits kept",
				fw, e);
		}
	}
	st_strlcpy(s->res->firmware, fw, sizeof(s->res->firmware));
}

/* Judge what INFO says: the right model, firmware readable, Bluetooth
 * controller up, touch interface working. */
static int identify_judge(struct seq *s, const struct kv *kv)
{
	const char *model = seq_kv_get(kv, "model"), *fw = seq_kv_get(kv, "fw");
	const char *serial = seq_kv_get(kv, "serial"), *touch = seq_kv_get(kv, "touch");
	int same = model && seq_same_model(model, s->m->identity);
	char text[512];
	/* the store keeps the firmware of the right model's unit */
	struct st_event ev = { .kind = ST_EV_INFO, .text = text, .firmware = same ? fw : NULL };

	snprintf(text, sizeof(text), "unit reports model %s, serial %s, firmware %s",
		 model ? model : "?", serial ? serial : "?", fw ? fw : "?");
	seq_emit(s, &ev);
	if (!same) {
		seq_finding(s, ST_ABORTED, ST_DISP_WRONG_MODEL,
			    "unit reports model %s but %s was selected: refusing to run %s procedures on it",
			    model ? model : "(none)", s->m->id, s->m->id);
		s->stop = 1;
		return 0;
	}
	if (serial && s->cfg->serial && s->cfg->serial[0] && strcmp(serial, s->cfg->serial))
		seq_say(s, ST_EV_INFO, "note: unit reports serial %s, the scanned serial is %s", serial,
			s->cfg->serial);
	if (fw)
		firmware_known(s, fw);
	s->identified = 1;
	if (!fw || st_streq_ci(fw, "unknown")) {
		seq_finding(s, ST_FAIL, ST_DISP_FIRMWARE_CORRUPT,
			    "firmware corrupt: reads '%s', the SPI flash is corrupted",
			    fw ? fw : "nothing");
		return unit_fault(s);
	}
	if (seq_kv_is(kv, "bt", "dead")) {
		seq_finding(s, ST_FAIL, ST_DISP_BT_DEAD, "Bluetooth controller does not start (bricked)");
		return unit_fault(s);
	}
	if (touch && strcmp(touch, "ok")) {
		seq_finding(s, ST_FAIL, ST_DISP_WAIT_6H,
			    "touch interface soft-bricked (%s), as another model's reset leaves it",
			    touch);
		return unit_fault(s);
	}
	return 1;
}

int seq_identify(struct seq *s)
{
	struct kv kv;
	int ret;

	if (!(s->fx->caps & ST_CAP_UART))
		return identify_by_operator(s);
	ret = seq_info(s, &kv);
	/* drivers say ST_ERR_UNIT; a fixture reporting its own "unit UART
	 * timeout" error code is the unit's silence too */
	if (ret == ST_ERR_UNIT || (ret == ST_ERR_TIMEOUT && strstr(s->err, "unit"))) {
		ret = wake_silent_unit(s, &kv);
		if (ret <= 0)
			return ret;
	} else if (ret) {
		return ret;
	}
	return identify_judge(s, &kv);
}

int seq_step_battery(struct seq *s, const struct st_plan_step *ps)
{
	struct kv kv;
	double bat, min = s->m->battery_min;
	int ret;

	ret = seq_info(s, &kv);
	if (ret)
		return ret;
	if (seq_kv_num(&kv, "battery", &bat) != ST_OK) {
		seq_finding(s, ST_FAIL, ST_DISP_SERVICE, "battery level unreadable");
		return 0;
	}
	s->battery = bat;
	s->battery_checked = 1;
	if (seq_measure(s, "battery.min_pct", bat, "%") != ST_PASS || bat < min) {
		/* quote the rule that refused it: the limit's own source (the
		 * earbuds' 20 % is not seed 000's "sub-10%") */
		const struct st_limit *lim = st_limits_get(s->lim, "battery.min_pct");

		if (lim && lim->has_low && lim->low > min)
			min = lim->low;
		s->step_verdict = ST_PASS; /* a low battery is a refusal, not a unit failure */
		seq_finding(s, ST_ABORTED, ST_DISP_CHARGE,
			"battery %.0f %% is below the %.0f %% minimum: no reset will be attempted (%s) - charge and retest",
			bat, min, lim && lim->source[0] ? lim->source : "model file battery-min");
		s->stop = 1;
		return 0;
	}
	return 1;
}

/* Key test rounds: press every control that has not registered yet, up
 * to three times; presses[c] is the round it was last pressed in and
 * *pending what never registered. */
static int key_rounds(struct seq *s, unsigned *pending, int presses[])
{
	char reply[512];
	struct kv kv;
	int ret;

	for (int round = 1; round <= 3 && *pending; round++) {
		for (int c = 0; c < s->m->ncontrols; c++) {
			if (!(*pending & (1u << c)))
				continue;
			seq_say(s, ST_EV_ACTION, "key test: press %s (press %d)", s->m->controls[c].name,
				round);
			s->err[0] = '\0';
			/* the next press follows the release at once: key-test
			 * mode counts contacts, it needs no pause */
			double t0 = st_fixture_now(s->fx);

			ret = st_fixture_press(s->fx, 1u << c, 0.15, s->err);
			seq_mandated_since(s, t0); /* the press itself */
			if (ret)
				return ret;
			presses[c] = round;
		}
		ret = seq_uart(s, "KEYS", reply, sizeof(reply));
		if (ret)
			return ret;
		seq_kv_parse(&kv, reply);
		for (int c = 0; c < s->m->ncontrols; c++) {
			double v;
			if ((*pending & (1u << c)) &&
			    seq_kv_num(&kv, s->m->controls[c].name, &v) == ST_OK && v > 0)
				*pending &= ~(1u << c);
		}
	}
	return ST_OK;
}

/* Judge how many presses each control needed. */
static void judge_presses(struct seq *s, unsigned pending, const int presses[])
{
	for (int c = 0; c < s->m->ncontrols; c++) {
		char name[80];

		if (s->m->controls[c].kind == ST_CTL_SLIDE)
			continue;
		snprintf(name, sizeof(name), "control.%s.presses", s->m->controls[c].name);
		double v = (pending & (1u << c)) ? 99 : presses[c];
		if (seq_measure_as(s, "control.presses_to_register", name, v, "count") == ST_FAIL) {
			seq_finding(s, ST_FAIL, ST_DISP_REPLACE_SWITCH, "control %s %s: degraded tact switch",
				    s->m->controls[c].name,
				    v >= 99 ? "did not register in 3 presses" : "needed several presses");
			s->hardware_fault = 1;
		}
	}
}

int seq_step_controls(struct seq *s, const struct st_plan_step *ps)
{
	char reply[512], e[ST_ERRLEN];
	int ret, r, presses[ST_MAX_CONTROLS] = { 0 };
	unsigned pending = 0;

	for (int c = 0; c < s->m->ncontrols; c++)
		if (s->m->controls[c].kind != ST_CTL_SLIDE)
			pending |= 1u << c;
	ret = seq_uart(s, "KEYTEST ON", reply, sizeof(reply));
	if (ret)
		return ret;
	ret = key_rounds(s, &pending, presses);
	if (!ret)
		judge_presses(s, pending, presses);
	/* key test mode off on every path; its failure is the station's */
	r = st_fixture_uart(s->fx, "KEYTEST OFF", reply, sizeof(reply), ret ? e : s->err);
	if (!ret && r)
		ret = r;
	if (ret)
		return ret;
	if (s->hardware_fault && !ps->keep_going)
		s->stop = 1;
	return s->step_verdict == ST_PASS;
}

/* Watch the unit idle for `observe` s and count its reboots (phantom
 * resets, ST_DISP_PHANTOM_RESETS).  1 none, 0 finding made, <0 station
 * error. */
static int phantom_resets(struct seq *s, const struct kv *kv, double observe)
{
	struct kv kv2;
	double boots0 = 0, boots1 = 0;
	int ret;

	seq_kv_num(kv, "boots", &boots0);
	double t0 = st_fixture_now(s->fx);

	seq_say(s, ST_EV_ACTION, "watch the unit idle for %.0f s", observe);
	ret = seq_pass_time(s, observe);
	seq_mandated_since(s, t0); /* the plan's figure */
	if (ret)
		return ret;
	/* a unit caught rebooting answers when it is up again */
	ret = seq_info_until(s, &kv2, NULL, NULL);
	if (ret)
		return ret;
	seq_kv_num(&kv2, "boots", &boots1);
	if (seq_measure(s, "unit.phantom_resets", boots1 - boots0, "count") != ST_FAIL)
		return 1;
	seq_finding(s, ST_FAIL, ST_DISP_PHANTOM_RESETS, "%.0f phantom resets in %.0f s idle",
		    boots1 - boots0, observe);
	s->hardware_fault = 1;
	return 0;
}

/* Link test, false USB detect, touch; with observe > 0 also phantom resets.
 * Sets symptom_link (fixable by resets) or hardware_fault. */
static int health(struct seq *s, double observe)
{
	char reply[256];
	struct kv kv, link;
	int ret;

	s->symptom_link = 0;
	ret = seq_info(s, &kv);
	if (ret)
		return ret;
	if (seq_kv_is(&kv, "usb", "1")) {
		seq_finding(s, ST_FAIL, ST_DISP_PORT_LINT,
			    "unit reports a USB connection with the charger off: false connection detected in the %s port",
			    s->m->port == ST_PORT_MICRO_USB ? "micro-USB" : "USB-C");
		s->hardware_fault = 1;
		return 0;
	}
	const char *touch = seq_kv_get(&kv, "touch");
	if (touch && strcmp(touch, "ok")) {
		seq_finding(s, ST_FAIL, ST_DISP_WAIT_6H, "touch interface soft-bricked (%s)", touch);
		s->hardware_fault = 1;
		return 0;
	}
	if (observe > 0) {
		ret = phantom_resets(s, &kv, observe);
		if (ret <= 0)
			return ret;
	}
	ret = seq_uart(s, "LINKTEST", reply, sizeof(reply));
	if (ret)
		return ret;
	seq_kv_parse(&link, reply);
	int ok = seq_kv_is(&link, "link", "ok");
	seq_measure(s, "bt.link_ok", ok, "bool");
	if (!ok) {
		const char *bt = seq_kv_get(&kv, "bt");
		s->symptom_link = 1;
		seq_say(s, ST_EV_INFO, "symptom: Bluetooth link test fails (controller reports '%s')",
			bt ? bt : "?");
		return 0;
	}
	return 1;
}

int seq_step_health(struct seq *s, const struct st_plan_step *ps)
{
	int ret = health(s, ps->seconds);

	if (ret < 0)
		return ret;
	if (s->hardware_fault) {
		if (!ps->keep_going)
			s->stop = 1;
		return 0;
	}
	if (s->symptom_link) {
		s->step_verdict = ST_FAIL;
		st_strlcpy(s->step_msg, "Bluetooth link test fails (pairing limbo)", sizeof(s->step_msg));
		return 0;
	}
	return 1;
}

/* Re-verify the unit: identity, firmware, health (no idle watch). */
int seq_verify(struct seq *s)
{
	int ret;

	if (!(s->fx->caps & ST_CAP_UART)) {
		char q[160];
		snprintf(q, sizeof(q), "Does the %s now pair and play normally?", s->m->id);
		ret = seq_ask_or_fault(s, q, "the bench cannot verify the unit and no operator answered");
		if (ret == 0)
			s->step_verdict = ST_FAIL;
		return ret;
	}
	s->identified = 0;
	ret = seq_identify(s);
	if (ret <= 0)
		return ret;
	ret = health(s, 0);
	if (ret == 0 && s->symptom_link && !s->hardware_fault) {
		s->step_verdict = ST_FAIL;
		st_strlcpy(s->step_msg, "Bluetooth link test still fails", sizeof(s->step_msg));
	}
	return ret;
}

int seq_step_identify(struct seq *s, const struct st_plan_step *ps)
{
	return seq_identify(s);
}

/* The verify step: a unit that does not verify FAILs it. */
int seq_step_verify(struct seq *s, const struct st_plan_step *ps)
{
	int r = seq_verify_protocol(s, 0);

	if (r == 0 && s->step_verdict == ST_PASS)
		s->step_verdict = ST_FAIL;
	return r;
}

int seq_step_verify_full(struct seq *s, const struct st_plan_step *ps)
{
	int r = seq_verify_protocol(s, 1);

	if (r == 0 && s->step_verdict == ST_PASS)
		s->step_verdict = ST_FAIL;
	return r;
}
