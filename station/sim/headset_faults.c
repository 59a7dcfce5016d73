/*
 * headset_faults.c - the faults the simulated headset understands (parsed
 * from the names in st_sim_fault_names; the acoustic model's and the
 * fixture's own faults pass through) and the models they bend: resets
 * blocked by corrupt firmware or a false USB connection, the battery's
 * charge and drain, the fuel gauge's report (battery-jump, battery-drift),
 * and the advertised name a corrupt pairing table leaves.
 */
#include "headset_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/st.h"
#include "sim/acoustic.h"


const char *const st_sim_fault_names[] = {
	[F_LOW_BATTERY] = "low-battery",
	[F_WORN_SWITCH] = "worn-switch:CONTROL",
	[F_BT_LIMBO] = "bt-limbo",
	[F_BMS_TRIPPED] = "bms-tripped",
	[F_FW_CORRUPT] = "firmware-corrupt",
	[F_PORT_OXIDISED] = "port-oxidised",
	[F_EEPROM_FAIL] = "eeprom-fail",
	[F_PAIRING_CORRUPT] = "pairing-corrupt",
	[F_BATTERY_JUMP] = "battery-jump",
	[F_BATTERY_DRIFT] = "battery-drift",
	[F_DRIVER_CRACKLE] = "driver-crackle",
	[F_LEFT_DROPOUT] = "left-dropout",
	[F_COUNT] = NULL,
};

/* Parse one fault; *ctl gets the control of worn-switch (else -1). */
int hs_fault_parse(const struct st_model *m, const char *s, enum fault *f, int *ctl,
		       char *err)
{
	const char *colon;
	size_t n;

	*ctl = -1;
	if (!s || !*s)
		return st_fail(err, ST_ERR_ARG, "empty fault name");
	colon = strchr(s, ':');
	n = colon ? (size_t)(colon - s) : strlen(s);
	for (int i = 0; i < F_COUNT; i++) {
		const char *name = st_sim_fault_names[i];
		size_t len = strcspn(name, ":");

		if (len != n || strncasecmp(name, s, n))
			continue;
		*f = (enum fault)i;
		if (i != F_WORN_SWITCH) {
			if (colon)
				return st_fail(err, ST_ERR_ARG, "fault '%s' takes no ':' argument", s);
			return ST_OK;
		}
		if (!colon || !colon[1])
			return st_fail(err, ST_ERR_ARG,
				       "fault '%s' needs a control: worn-switch:CONTROL", s);
		if (!m)
			return ST_OK;
		*ctl = st_model_control(m, colon + 1);
		if (*ctl < 0)
			return st_fail(err, ST_ERR_ARG, "fault '%s': %s has no control '%s'", s,
				       m->id, colon + 1);
		if (m->controls[*ctl].kind == ST_CTL_SLIDE)
			return st_fail(err, ST_ERR_ARG,
				       "fault '%s': %s is a slide switch, not a switch that is pressed",
				       s, colon + 1);
		return ST_OK;
	}
	/* the simulated fixture's own fault (faults.c, simdrv.c) */
	if (!strcasecmp(s, "fixture-hold-drift")) {
		*f = F_COUNT;
		return ST_OK;
	}
	/* the bench's acoustic faults (station/sim/acoustic.h) share the list:
	 * accepted here, acted on by the acoustic model (*f = F_COUNT) */
	{
		int aret = st_acoustic_fault_check(m, s, err);

		if (aret != ST_ERR_NOTFOUND) {
			*f = F_COUNT;
			return aret;
		}
	}
	return st_fail(err, ST_ERR_ARG,
		       "unknown fault '%s' (low-battery, worn-switch:CONTROL, bt-limbo, bms-tripped, "
		       "firmware-corrupt, port-oxidised, eeprom-fail, pairing-corrupt, battery-jump, "
		       "battery-drift, fixture-hold-drift; acoustic: anc-weak, anc-instant, anc-slow, anc-ramp:S, "
		       "mic-misaligned:N, mic-polarity:N, noisy-room, assistant-slow; nightly: "
		       "bench-refmic:DB, fw-anc:BUILD:HZ:DB, flash-fail)", s);
}

int st_sim_fault_check(const struct st_model *m, const char *fault, char *err)
{
	enum fault f;
	int ctl;

	return hs_fault_parse(m, fault, &f, &ctl, err);
}

/* Resets have no effect: firmware corrupt, or (micro-USB) a false USB
 * connection blocks the reset logic. */
int hs_resets_blocked(const struct st_headset *h)
{
	if (has(h, F_FW_CORRUPT))
		return 1;
	return has(h, F_PORT_OXIDISED) && h->m->port == ST_PORT_MICRO_USB;
}

void hs_battery_to(struct st_headset *h, double t)
{
	double dt = t - h->now;

	if (!(dt > 0))
		return;
	if (h->charger && !h->bms_tripped && !h->bootloader_corrupt) {
		h->battery += dt * CHARGE_RATE;
		if (h->battery >= 100) {
			h->battery = 100;
			h->played = 0;   /* the fuel gauge recalibrates at full */
		}
	} else if (h->play_volume > 0 && h->powered) {
		h->battery -= dt * DRAIN_PER_S * h->play_volume / DRAIN_VOLUME;
		h->played += dt;
		if (h->battery <= 0) {
			h->battery = 0;
			hs_power_off(h);
		}
	}
}

/* The charge the unit reports: the fuel gauge's reading, which a damaged
 * EEPROM battery profile bends (seed 001: "Battery % should drop linearly
 * ... Jumps of >8% indicate EEPROM calibration failure"). */
double hs_battery_reported(const struct st_headset *h)
{
	double b = h->battery;

	if (has(h, F_BATTERY_JUMP) && h->played >= JUMP_AFTER_S)
		b -= JUMP_PCT;
	if (has(h, F_BATTERY_DRIFT))
		b -= DRIFT_PCT * sin(M_PI * fmin(h->played / DRIFT_SPAN_S, 1.0));
	return b < 0 ? 0 : b > 100 ? 100 : b;
}

/* The name the unit advertises (what a scanner such as nRF Connect shows):
 * the model id, spaces as '_'.  A corrupt pairing table leaves the
 * "_XXXX" suffix of seed 001 ("'Headphones' (not 'Headphones_XXXX')"). */
void hs_adv_name(const struct st_headset *h, char *buf, size_t n)
{
	st_strlcpy(buf, h->reported, n);
	for (char *c = buf; *c; c++)
		if (*c == ' ')
			*c = '_';
	if (has(h, F_PAIRING_CORRUPT)) {
		size_t len = strlen(buf);

		snprintf(buf + len, n > len ? n - len : 0, "_%c%c%c%c", h->bt_addr[12],
			 h->bt_addr[13], h->bt_addr[15], h->bt_addr[16]);
	}
}

int hs_usb_detected(const struct st_headset *h)
{
	return h->charger || (has(h, F_PORT_OXIDISED) && h->m->port == ST_PORT_MICRO_USB);
}
