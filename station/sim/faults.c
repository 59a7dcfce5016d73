/*
 * faults.c - the simulated bench's fault catalogue: every fault the
 * simulated headset (headset.c) and the acoustic model (acoustic.c)
 * understand, with one line on what it does, and the instances that apply
 * to a given model with their argument filled in.  `station faults`
 * prints it, and the matrix test (tests/integration/matrix.sh) injects
 * every instance into every model, so a new fault joins the matrix by
 * being added to the simulator's tables (and its expected outcome to
 * tests/integration/matrix.expect).
 */
#include "headset.h"

#include <stdio.h>
#include <string.h>

#include "core/st.h"
#include "sim/acoustic.h"

/* One line per fault name (as in st_sim_fault_names and
 * st_acoustic_fault_names). */
static const struct {
	const char *name;
	const char *what;
} about[] = {
	{ "low-battery", "battery at 6 %: a reset would brick the Bluetooth controller (seed 000)" },
	{ "worn-switch:CONTROL", "a fatigued tact switch: only every 3rd press makes contact (seed 001)" },
	{ "bt-limbo", "Bluetooth shows pairing but never connects (seed 000)" },
	{ "bms-tripped", "battery protection tripped: dead until 12 h on the charger (seed 001)" },
	{ "firmware-corrupt", "SPI flash corrupt: firmware 'unknown', resets do nothing (seed 001)" },
	{ "port-oxidised", "USB-C: phantom resets (seed 000); micro-USB lint: false USB, resets blocked (seed 001)" },
	{ "eeprom-fail", "a reset ends with red flashing: failed EEPROM write (seed 001)" },
	{ "pairing-corrupt", "name keeps a _XXXX suffix, address keeps its first 3 octets (seed 001)" },
	{ "battery-jump", "battery report jumps 10 % after 30 min of playback: EEPROM calibration (seed 001)" },
	{ "battery-drift", "battery report sags up to 8 % below a straight line (seed 001)" },
	{ "driver-crackle", "both drivers break up while they play: crackling (seed 001: hardware RMA)" },
	{ "left-dropout", "the left driver drops out 0.2 s of every 0.5 s (seed 001: hardware RMA)" },
	{ "fixture-hold-drift", "the fixture holds every press 0.5 s long: a station fault (seed 000: +-0.3 s)" },
	{ "anc-weak", "active attenuation 0.62 of a healthy unit's" },
	{ "anc-instant", "ANC at full strength 0.5 s after engaging (seed 001: should ramp)" },
	{ "anc-slow", "ANC ramp-up of 120 s (seed 001: 22-38 s)" },
	{ "anc-ramp:S", "ANC ramp-up of S seconds (0.5-600)" },
	{ "mic-misaligned:N", "microphone N 40 us late and 3 dB quiet (seed 000: misaligned array)" },
	{ "mic-polarity:N", "microphone N inverted" },
	{ "noisy-room", "room background at -10 dBFS: captures too noisy to judge (a station fault)" },
	{ "assistant-slow", "voice assistant answers after 2.8 s (seed 001: >2.5 s, DSP firmware)" },
	{ "bench-refmic:DB", "the bench's reference microphone reads DB dB high: every unit's ANC attenuation reads DB dB more (bench drift)" },
	{ "fw-anc:BUILD:HZ:DB", "a unit running BUILD has DB dB less ANC attenuation in the 1/3 octave at HZ (a firmware regression)" },
	{ "flash-fail", "the unit keeps its old build: it reports the default firmware whatever was flashed" },
};

const char *st_sim_fault_about(const char *name)
{
	for (size_t i = 0; i < ST_ARRAY_SIZE(about); i++)
		if (!strcmp(about[i].name, name))
			return about[i].what;
	return "";
}

/* Add one instance if the simulator accepts it for m. */
static int add(const struct st_model *m, const char *inst, char out[][48], int n, int max)
{
	char err[ST_ERRLEN];

	if (n >= max || st_sim_fault_check(m, inst, err) != ST_OK)
		return n;
	st_strlcpy(out[n], inst, 48);
	return n + 1;
}

/* Instances of one catalogue name for m: the argument filled in. */
static int expand(const struct st_model *m, const char *name, char out[][48], int n, int max)
{
	char inst[48];

	if (!strcmp(name, "worn-switch:CONTROL")) {
		for (int c = 0; c < m->ncontrols; c++) {
			snprintf(inst, sizeof(inst), "worn-switch:%s", m->controls[c].name);
			n = add(m, inst, out, n, max);   /* slides are refused by the check */
		}
		return n;
	}
	if (!strcmp(name, "mic-misaligned:N") || !strcmp(name, "mic-polarity:N")) {
		snprintf(inst, sizeof(inst), "%.*s:1", (int)(strchr(name, ':') - name), name);
		return add(m, inst, out, n, max);
	}
	if (!strcmp(name, "anc-ramp:S")) {
		/* seed 001's edges: a 22.5 s ramp passes, 120 s is anc-slow */
		return add(m, "anc-ramp:22.5", out, n, max);
	}
	return add(m, name, out, n, max);
}

double st_sim_hold_drift(const struct st_sim_opts *o)
{
	for (int i = 0; o && i < o->nfaults; i++)
		if (!strcmp(o->faults[i], "fixture-hold-drift"))
			return 0.5;
	return 0;
}

int st_sim_fault_instances(const struct st_model *m, char out[][48], int max)
{
	int n = 0;

	if (!m || !out || max <= 0)
		return 0;
	for (int i = 0; st_sim_fault_names[i]; i++)
		n = expand(m, st_sim_fault_names[i], out, n, max);
	for (int i = 0; st_acoustic_fault_names[i]; i++)
		n = expand(m, st_acoustic_fault_names[i], out, n, max);
	return add(m, "fixture-hold-drift", out, n, max);   /* the fixture's, not the unit's */
}
