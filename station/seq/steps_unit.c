/*
 * steps_unit.c - the steps that talk to the unit itself: identify (with
 * the dead-unit charger check), battery, the key test of every control,
 * health (link test, false USB detect, touch, phantom resets) and verify.
 */
#include "internal.h"

#include <stdio.h>
#include <string.h>

#include "limits/limits.h"
#include "store/store.h"

/* ------------------------------------------------------------------ steps */

int seq_step_identify(struct seq *s)
{
	struct kv kv;
	const char *model, *fw, *serial, *bt, *touch;
	int ret;

	if (!(s->fx->caps & ST_CAP_UART)) {
		char q[160];
		snprintf(q, sizeof(q), "Is the unit on the fixture a %s (label inside the left earcup)?",
			 s->m->id);
		ret = seq_ask(s, q);
		if (ret < 0) {
			snprintf(s->err, sizeof(s->err), "the bench cannot read the unit's identity and no operator answered");
			return ST_ERR_UNSUPPORTED;
		}
		if (ret == 0) {
			seq_finding(s, ST_ABORTED, "check-model", "operator says the unit is not a %s", s->m->id);
			return 0;
		}
		s->identified = 1;
		return 1;
	}
	ret = seq_info(s, &kv);
	if (ret == ST_ERR_UNIT || ret == ST_ERR_TIMEOUT) {
		/* the unit is silent; the fixture is fine (it answered).  Seed
		 * 000/001: put it on the charger and watch the charging LED. */
		/* drivers say ST_ERR_UNIT; a fixture reporting its own "unit
		 * UART timeout" error code is the unit's silence too */
		if (ret == ST_ERR_TIMEOUT && !strstr(s->err, "unit"))
			return ret;
		seq_say(s, ST_EV_INFO, "unit does not answer on its test UART: charging it for 30 s");
		s->err[0] = '\0';
		s->nfb = 0;
		ret = st_fixture_charge(s->fx, 1, s->err);
		if (!ret)
			ret = seq_pass_time(s, 30.0);
		if (ret)
			return ret;
		struct st_led_expect amber = { .where = "", .ncolors = 1, .colors = { "amber" } };
		struct led_summary sum;
		seq_led_summarise(s, &amber, 0, &sum);
		ret = seq_info(s, &kv);
		char e[ST_ERRLEN];
		st_fixture_charge(s->fx, 0, e);
		if (sum.on_count[0] >= 5) {
			seq_finding(s, ST_FAIL, "trickle-charge-12h",
				"battery protection tripped: the charging LED blinks amber rapidly (seed 001: leave it on the original charger for 12 hours so the BMS re-enables discharge)");
			s->stop = 1;
			return 0;
		}
		if (ret == ST_ERR_UNIT || ret == ST_ERR_TIMEOUT) {
			seq_finding(s, ST_FAIL, "service-centre",
				"unit dead: no answer on its test UART and no charging LED after 30 s on the charger");
			s->stop = 1;
			return 0;
		}
		if (ret)
			return ret;
	} else if (ret) {
		return ret;
	}
	model = seq_kv_get(&kv, "model");
	fw = seq_kv_get(&kv, "fw");
	serial = seq_kv_get(&kv, "serial");
	bt = seq_kv_get(&kv, "bt");
	touch = seq_kv_get(&kv, "touch");
	seq_say(s, ST_EV_INFO, "unit reports model %s, serial %s, firmware %s", model ? model : "?",
	    serial ? serial : "?", fw ? fw : "?");
	if (!model || !seq_same_model(model, s->m->identity)) {
		seq_finding(s, ST_ABORTED, "check-model",
			"unit reports model %s but %s was selected: refusing to run %s procedures on it (seed 001: XM3 steps on an XM4 soft-brick its touch interface)",
			model ? model : "(none)", s->m->id, s->m->id);
		s->stop = 1;
		return 0;
	}
	if (serial && s->cfg->serial && s->cfg->serial[0] && strcmp(serial, s->cfg->serial))
		seq_say(s, ST_EV_INFO, "note: unit reports serial %s, the scanned serial is %s", serial,
		    s->cfg->serial);
	if (fw && s->cfg->limits_dir && !*s->fw_limits && !st_streq_ci(fw, "unknown")) {
		char e[ST_ERRLEN];
		if (st_limits_load_model(s->cfg->limits_dir, s->m->id, fw, s->fw_limits, e) == ST_OK) {
			s->lim = *s->fw_limits;
			seq_say(s, ST_EV_INFO, "limits resolved for firmware %s", fw);
		} else {
			seq_say(s, ST_EV_INFO, "limits for firmware %s not resolved (%s); model limits kept", fw, e);
		}
	}
	if (fw) {
		st_strlcpy(s->res->firmware, fw, sizeof(s->res->firmware));
		if (s->cfg->store && s->run_id) {
			char e[ST_ERRLEN];
			st_store_run_update_firmware(s->cfg->store, s->run_id, fw, e);
		}
	}
	s->identified = 1;
	if (!fw || st_streq_ci(fw, "unknown")) {
		seq_finding(s, ST_FAIL, "service-centre",
			"firmware corrupt: reads '%s' (seed 001: the SPI flash is corrupted; only a Sony service centre can reflash it)",
			fw ? fw : "nothing");
		s->hardware_fault = 1;
		s->stop = 1;
		return 0;
	}
	if (bt && !strcmp(bt, "dead")) {
		seq_finding(s, ST_FAIL, "service-centre", "Bluetooth controller does not start (bricked)");
		s->hardware_fault = 1;
		s->stop = 1;
		return 0;
	}
	if (touch && strcmp(touch, "ok")) {
		seq_finding(s, ST_FAIL, "wait-6h-and-retest",
			"touch interface soft-bricked (%s) - seed 001: another model's reset does this for 4-6 hours",
			touch);
		s->hardware_fault = 1;
		s->stop = 1;
		return 0;
	}
	return 1;
}

int seq_step_battery(struct seq *s)
{
	struct kv kv;
	double bat, min = s->m->battery_min;
	int ret;

	if (!(s->fx->caps & ST_CAP_UART)) {
		s->step_verdict = ST_SKIP;
		st_strlcpy(s->step_msg, "no unit UART on this bench: the battery is confirmed before each reset",
			   sizeof(s->step_msg));
		return 1;
	}
	ret = seq_info(s, &kv);
	if (ret)
		return ret;
	if (seq_kv_num(&kv, "battery", &bat) != ST_OK) {
		seq_finding(s, ST_FAIL, "service", "battery level unreadable");
		return 0;
	}
	s->battery = bat;
	s->battery_checked = 1;
	if (seq_measure(s, "battery.min_pct", bat, "%") != ST_PASS || bat < min) {
		s->step_verdict = ST_PASS; /* a low battery is a refusal, not a unit failure */
		seq_finding(s, ST_ABORTED, "charge-and-retest",
			"battery %.0f %% is below the %.0f %% minimum: no reset will be attempted (seed 000: \"Never attempt resets on sub-10%% battery\") - charge and retest",
			bat, min);
		s->stop = 1;
		return 0;
	}
	return 1;
}

int seq_step_controls(struct seq *s)
{
	char reply[512];
	struct kv kv;
	int ret, presses[ST_MAX_CONTROLS] = { 0 };
	unsigned pending = 0;

	if (!(s->fx->caps & ST_CAP_UART)) {
		s->step_verdict = ST_SKIP;
		st_strlcpy(s->step_msg, "no unit UART on this bench: key test not possible", sizeof(s->step_msg));
		return 1;
	}
	for (int c = 0; c < s->m->ncontrols; c++)
		if (s->m->controls[c].kind != ST_CTL_SLIDE)
			pending |= 1u << c;
	ret = seq_uart(s, "KEYTEST ON", reply, sizeof(reply));
	if (ret)
		return ret;
	for (int round = 1; round <= 3 && pending; round++) {
		for (int c = 0; c < s->m->ncontrols; c++) {
			if (!(pending & (1u << c)))
				continue;
			seq_say(s, ST_EV_ACTION, "key test: press %s (press %d)", s->m->controls[c].name, round);
			s->err[0] = '\0';
			ret = st_fixture_press(s->fx, 1u << c, 0.15, s->err);
			if (!ret)
				ret = seq_pass_time(s, 0.2);
			if (ret)
				goto out_keytest;
			presses[c] = round;
		}
		ret = seq_uart(s, "KEYS", reply, sizeof(reply));
		if (ret)
			goto out_keytest;
		seq_kv_parse(&kv, reply);
		for (int c = 0; c < s->m->ncontrols; c++) {
			double v;
			if ((pending & (1u << c)) && seq_kv_num(&kv, s->m->controls[c].name, &v) == ST_OK && v > 0)
				pending &= ~(1u << c);
		}
	}
	for (int c = 0; c < s->m->ncontrols; c++) {
		char name[80];

		if (s->m->controls[c].kind == ST_CTL_SLIDE)
			continue;
		snprintf(name, sizeof(name), "control.%s.presses", s->m->controls[c].name);
		double v = (pending & (1u << c)) ? 99 : presses[c];
		if (seq_measure_as(s, "control.presses_to_register", name, v, "count") == ST_FAIL) {
			seq_finding(s, ST_FAIL, "replace-switch",
				"control %s %s: degraded tact switch (seed 001: clean the switch cavity with >90%% isopropyl alcohol, let dry 30 min, or replace it)",
				s->m->controls[c].name,
				v >= 99 ? "did not register in 3 presses" : "needed several presses");
			s->hardware_fault = 1;
		}
	}
	ret = 0;
out_keytest:
	{
		char e[ST_ERRLEN], r2[64];
		int r = st_fixture_uart(s->fx, "KEYTEST OFF", r2, sizeof(r2), e);
		if (!ret && r)
			ret = r;
	}
	if (ret)
		return ret;
	if (s->hardware_fault && !s->cfg->plan->steps[s->step_idx].keep_going)
		s->stop = 1;
	return s->step_verdict == ST_PASS;
}

/* Link test, false USB detect, touch; with observe > 0 also phantom resets.
 * Sets symptom_link (fixable by resets) or hardware_fault. */
static int health(struct seq *s, double observe, int record)
{
	char reply[256];
	struct kv kv, kv2;
	double boots0 = 0, boots1 = 0;
	int ret;

	s->symptom_link = 0;
	ret = seq_info(s, &kv);
	if (ret)
		return ret;
	const char *usb = seq_kv_get(&kv, "usb");
	if (usb && !strcmp(usb, "1")) {
		seq_finding(s, ST_FAIL, "clean-port",
			"unit reports a USB connection with the charger off: false connection detected (seed 001: lint in the %s port blocks reset logic - clean it with a 0.3 mm brass brush)",
			s->m->port == ST_PORT_MICRO_USB ? "micro-USB" : "USB-C");
		s->hardware_fault = 1;
		return 0;
	}
	const char *touch = seq_kv_get(&kv, "touch");
	if (touch && strcmp(touch, "ok")) {
		seq_finding(s, ST_FAIL, "wait-6h-and-retest", "touch interface soft-bricked (%s)", touch);
		s->hardware_fault = 1;
		return 0;
	}
	if (observe > 0) {
		seq_kv_num(&kv, "boots", &boots0);
		seq_say(s, ST_EV_ACTION, "watch the unit idle for %.0f s", observe);
		ret = seq_pass_time(s, observe);
		if (ret)
			return ret;
		ret = seq_info(s, &kv2);
		if (ret == ST_ERR_UNIT || ret == ST_ERR_TIMEOUT)
			ret = seq_pass_time(s, 5.0) ? ret : seq_info(s, &kv2);
		if (ret)
			return ret;
		seq_kv_num(&kv2, "boots", &boots1);
		if (seq_measure(s, "unit.phantom_resets", boots1 - boots0, "count") == ST_FAIL) {
			seq_finding(s, ST_FAIL, "clean-port",
				"%.0f phantom resets in %.0f s idle (seed 000: an oxidised USB-C port interferes with voltage regulation - clean it with 99%% isopropyl alcohol and an anti-static brush)",
				boots1 - boots0, observe);
			s->hardware_fault = 1;
			return 0;
		}
	}
	ret = seq_uart(s, "LINKTEST", reply, sizeof(reply));
	if (ret)
		return ret;
	seq_kv_parse(&kv2, reply);
	const char *link = seq_kv_get(&kv2, "link");
	int ok = link && !strcmp(link, "ok");
	if (record)
		seq_measure(s, "bt.link_ok", ok, "bool");
	if (!ok) {
		s->symptom_link = 1;
		const char *bt = seq_kv_get(&kv, "bt");
		if (record)
			seq_say(s, ST_EV_INFO, "symptom: Bluetooth link test fails (controller reports '%s')",
			    bt ? bt : "?");
		return 0;
	}
	return 1;
}

int seq_step_health(struct seq *s, double observe)
{
	int ret;

	if (!(s->fx->caps & ST_CAP_UART)) {
		s->step_verdict = ST_SKIP;
		st_strlcpy(s->step_msg, "no unit UART on this bench: health checks not possible",
			   sizeof(s->step_msg));
		return 1;
	}
	ret = health(s, observe, 1);
	if (ret < 0)
		return ret;
	if (s->hardware_fault) {
		if (!s->cfg->plan->steps[s->step_idx].keep_going)
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
		ret = seq_ask(s, q);
		if (ret < 0) {
			snprintf(s->err, sizeof(s->err), "the bench cannot verify the unit and no operator answered");
			return ST_ERR_UNSUPPORTED;
		}
		if (ret == 0)
			s->step_verdict = ST_FAIL;
		return ret;
	}
	s->identified = 0;
	ret = seq_step_identify(s);
	if (ret <= 0)
		return ret;
	ret = health(s, 0, 1);
	if (ret == 0 && s->symptom_link && !s->hardware_fault) {
		s->step_verdict = ST_FAIL;
		st_strlcpy(s->step_msg, "Bluetooth link test still fails", sizeof(s->step_msg));
	}
	return ret;
}
