/*
 * verify.c - seed 001's reset verification protocol ("a successful reset
 * must pass these four objective tests") as the plan steps `verify` and
 * `verify full`.
 *
 * `verify` (after every rung of a repair ladder: seconds) checks identity
 * and health (steps_unit.c), then
 *   - the Bluetooth advertisement: the name without a "_XXXX" suffix
 *     (bt.name_suffix), and, where a reset of this run wiped the address,
 *     the first three octets differ from before it (bt.addr_fresh);
 *   - the voice-assistant latency (assistant.latency_s, <= 1.2 s; > 2.5 s
 *     is named as the DSP firmware not reloaded).
 * `verify full` adds the two slow tests:
 *   - the ANC ramp-up over a 90 s capture, judged against the unit's own
 *     settled attenuation (anc.rampup_s, 22-38 s);
 *   - battery reporting: a full charge, then 60 minutes of playback at
 *     70 % volume with the charge read every minute; the deviation from a
 *     straight line (battery.drain_deviation_pct, <= 3.5 %) and the largest
 *     step between readings (battery.report_jump_pct, a jump > 8 % is an
 *     EEPROM calibration failure).
 * On the simulated bench all of it runs on the virtual clock; on a real
 * bench in real time (`station plans` shows each plan's bench time).
 */
#include "internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define FULL_CHARGE_MAX_S (4 * 3600.0) /* seed 001: "Fully charge for 4 hours" */
#define CHARGE_POLL_S 60.0     /* the charge is read at least this often */
#define DRAIN_S 3600.0                 /* seed 001: "for 60 minutes" */
#define DRAIN_VOLUME 70                /* seed 001: "at 70% volume" */
#define DRAIN_READ_S 60.0              /* one reading a minute */
#define DRAIN_READINGS 61               /* DRAIN_S / DRAIN_READ_S + 1 */

/* The name the unit must advertise: its model id, spaces as '_' (the UART
 * carries no spaces). */
static void expected_name(const struct seq *s, char *buf, size_t n)
{
	st_strlcpy(buf, s->m->identity[0] ? s->m->identity : s->m->id, n);
	for (char *c = buf; *c; c++)
		if (*c == ' ')
			*c = '_';
}

/* Seed 001's first test: a scan shows the name without a suffix and, where
 * a reset wiped the address, a new address.  1 pass, 0 finding, <0 error. */
static int bt_advert(struct seq *s)
{
	char reply[256], want[ST_NAME_LEN + 8];
	const char *name, *addr;
	struct kv kv;
	int ret, suffix, ok = 1;

	ret = seq_uart(s, "ADV", reply, sizeof(reply));
	if (ret)
		return ret;
	seq_kv_parse(&kv, reply);
	name = seq_kv_get(&kv, "name");
	addr = seq_kv_get(&kv, "addr");
	if (!name || !addr) {
		seq_finding(s, ST_FAIL, ST_DISP_BT_DEAD,
			    "unit does not advertise (scan answer '%.80s'): Bluetooth controller not up after the reset",
			    reply);
		return 0;
	}
	expected_name(s, want, sizeof(want));
	suffix = strcmp(name, want) != 0;
	if (seq_measure(s, "bt.name_suffix", suffix, "bool") == ST_FAIL) {
		seq_finding(s, ST_FAIL, ST_DISP_PAIRING,
			    "advertises as '%.40s', not '%.40s' (seed 001: should appear as 'Headphones' not 'Headphones_XXXX' - pairing table corruption persists)",
			    name, want);
		ok = 0;
	}
	if (s->addr_before[0]) {
		int fresh = strncasecmp(s->addr_before, addr, 8) != 0;

		if (seq_measure(s, "bt.addr_fresh", fresh, "bool") == ST_FAIL) {
			seq_finding(s, ST_FAIL, ST_DISP_PAIRING,
				    "Bluetooth address %s keeps the first 3 octets of %s after a reset that wipes the address table (seed 001: pairing table corruption persists)",
				    addr, s->addr_before);
			ok = 0;
		}
	}
	return ok;
}

/* Read the reported charge, %.  <0 station error. */
static int battery_now(struct seq *s, double *pct)
{
	struct kv kv;
	int ret = seq_info(s, &kv);

	if (ret)
		return ret;
	if (seq_kv_num(&kv, "battery", pct) != ST_OK)
		return st_fail(s->err, ST_ERR_PROTO, "unit reports no battery level"), ST_ERR_PROTO;
	return ST_OK;
}

/* The charging LED went dark after `from` (the unit is full, or the
 * charger stopped): the event that ends a wait for a full charge.  Only a
 * change strictly after the wait began counts, so a wait always lets bench
 * time pass (and an abort be honoured) before it ends: an LED that went
 * dark at the moment the last wait ended must not end the next at once. */
static int charging_led_off(struct seq *s, void *ctx)
{
	const double *from = ctx;

	for (int i = s->nfb - 1; i >= 0; i--)
		if (s->fb[i].kind == ST_FB_LED && s->fb[i].t > *from + 1e-9)
			return !strcmp(s->fb[i].color, "off");
	return 0;
}

/* Seed 001: "After full charge": the charger on until the unit reports
 * 100 % (at most 4 h), then off.  Each wait ends when the charging LED
 * goes dark, the charge read at least once a minute meanwhile. */
static int full_charge(struct seq *s)
{
	double pct = 0, t0 = st_fixture_now(s->fx);
	int ret = battery_now(s, &pct);

	if (ret || pct >= 100)
		return ret;
	seq_say(s, ST_EV_ACTION, "charger on until the unit reports 100 %% (now %.0f %%, at most 4 h)",
		pct);
	s->err[0] = '\0';
	ret = st_fixture_charge(s->fx, 1, s->err);
	s->nfb = 0;
	t0 = st_fixture_now(s->fx);
	while (!ret && pct < 100 && st_fixture_now(s->fx) - t0 < FULL_CHARGE_MAX_S) {
		double from = st_fixture_now(s->fx);

		ret = seq_wait_for(s, CHARGE_POLL_S, charging_led_off, &from);
		if (ret >= 0)
			ret = battery_now(s, &pct);
	}
	/* the unit's own need: each wait ends on its charging LED going dark */
	seq_mandated_since(s, t0);
	if (!ret)
		ret = st_fixture_charge(s->fx, 0, s->err);
	if (!ret && pct < 100)
		seq_say(s, ST_EV_INFO, "battery at %.0f %% after %.0f min on the charger", pct,
			(st_fixture_now(s->fx) - t0) / 60);
	return ret;
}

/* Largest deviation of y from its least-squares line, and largest step. */
static void linearity(const double *y, int n, double *dev, double *jump)
{
	double sx = 0, sy = 0, sxx = 0, sxy = 0, a, b, den;

	for (int i = 0; i < n; i++) {
		sx += i;
		sy += y[i];
		sxx += (double)i * i;
		sxy += i * y[i];
	}
	den = n * sxx - sx * sx;
	b = den != 0 ? (n * sxy - sx * sy) / den : 0;
	a = (sy - b * sx) / n;
	*dev = *jump = 0;
	for (int i = 0; i < n; i++) {
		*dev = fmax(*dev, fabs(y[i] - (a + b * i)));
		if (i)
			*jump = fmax(*jump, fabs(y[i] - y[i - 1]));
	}
}

/* Play at 70 % for 60 minutes, reading the charge every minute. */
static int drain(struct seq *s, double *pct)
{
	char cmd[32], reply[128];
	int ret;

	snprintf(cmd, sizeof(cmd), "PLAY %d", DRAIN_VOLUME);
	ret = seq_uart(s, cmd, reply, sizeof(reply));
	if (ret)
		return ret;
	if (strncmp(reply, "play=", 5)) {
		seq_finding(s, ST_FAIL, ST_DISP_BT_DEAD, "unit will not play from the reference radio (%.80s)",
			    reply);
		return 0;
	}
	seq_say(s, ST_EV_ACTION, "playing at %d %% volume for %.0f min, battery read every minute",
		DRAIN_VOLUME, DRAIN_S / 60);
	double t0 = st_fixture_now(s->fx);

	for (int i = 0; i < DRAIN_READINGS && !ret; i++) {
		if (i)
			ret = seq_pass_time(s, DRAIN_READ_S);
		if (!ret)
			ret = battery_now(s, &pct[i]);
	}
	seq_mandated_since(s, t0); /* seed 001: 60 minutes at 70 % */
	if (!ret)
		ret = seq_uart(s, "PLAY OFF", reply, sizeof(reply));
	return ret ? ret : 1;
}

/* Seed 001's third test: battery reporting accuracy. */
static int battery_report(struct seq *s)
{
	double pct[DRAIN_READINGS], dev, jump;
	int ret;

	ret = full_charge(s);
	if (ret)
		return ret;
	ret = drain(s, pct);
	if (ret <= 0)
		return ret;
	linearity(pct, DRAIN_READINGS, &dev, &jump);
	seq_say(s, ST_EV_INFO, "battery %.0f %% -> %.0f %% -> %.0f %% over 60 min", pct[0],
		pct[DRAIN_READINGS / 2], pct[DRAIN_READINGS - 1]);
	if (seq_measure(s, "battery.report_jump_pct", jump, "%") == ST_FAIL) {
		seq_finding(s, ST_FAIL, ST_DISP_BATTERY_REPORT,
			    "battery report jumped %.0f %% in one minute of playback: EEPROM calibration failure (seed 001: jumps of >8%% indicate EEPROM calibration failure)",
			    jump);
		seq_measure(s, "battery.drain_deviation_pct", dev, "%");
		return 0;
	}
	if (seq_measure(s, "battery.drain_deviation_pct", dev, "%") == ST_FAIL) {
		seq_finding(s, ST_FAIL, ST_DISP_BATTERY_REPORT,
			    "battery report strays %.1f %% from a straight line over 60 min: EEPROM battery profile damaged (seed 001: <=3.5%% deviation from linear)",
			    dev);
		return 0;
	}
	return 1;
}

int seq_verify_protocol(struct seq *s, int full)
{
	int ret = seq_verify(s);

	if (ret <= 0 || !(s->fx->caps & ST_CAP_UART))
		return ret;
	ret = bt_advert(s);
	if (ret < 0)
		return ret;
	ret = seq_verify_acoustic(s, full);
	if (ret < 0 || !full)
		return ret < 0 ? ret : s->step_verdict == ST_PASS;
	ret = battery_report(s);
	if (ret < 0)
		return ret;
	return s->step_verdict == ST_PASS;
}
