/*
 * acfaults.c - the acoustic model's faults (acoustic.h lists them) parsed
 * and checked, and the simulated golden unit (acfaults.h): each serial's
 * own small offsets from the model's nominal curves, the same every time
 * the unit is simulated (an FNV hash of the serial seeds them, nothing
 * else), plus the nightly faults: the bench's reference microphone
 * drifting (`bench-refmic:DB`), a build that weakens the ANC in one band
 * (`fw-anc:BUILD:HZ:DB`) and a flash that did not take (`flash-fail`).
 * Pure: strings in, numbers out.
 */
#include "sim/acfaults.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/st.h"
#include "model/model.h"
#include "sim/headset.h"

#define FW_BUILD_LEN 32     /* longest build name in fw-anc */

int st_ac_model_mics(const struct st_model *m)
{
	if (!m || m->mics <= 0)
		return ST_AC_MAX_MICS;
	return m->mics < ST_AC_MAX_MICS ? m->mics : ST_AC_MAX_MICS;
}

int st_ac_mic_fault(const char *fault, const char *name, long *n)
{
	size_t len = strlen(name);

	if (strncmp(fault, name, len) != 0 || (fault[len] != ':' && fault[len] != 0))
		return 0;
	if (fault[len] != ':' || st_parse_int(fault + len + 1, n) != ST_OK)
		*n = -1;
	return 1;
}

int st_ac_ramp_fault(const char *fault, double *sec)
{
	static const char name[] = "anc-ramp";
	size_t len = sizeof(name) - 1;

	if (strncmp(fault, name, len) != 0 || (fault[len] != ':' && fault[len] != 0))
		return 0;
	if (fault[len] != ':' || st_parse_double(fault + len + 1, sec) != ST_OK ||
	    !(*sec >= 0.5 && *sec <= 600))
		return -1;
	return 1;
}

/* "bench-refmic:DB": 0 not that fault, 1 with *db (0 < |DB| <= 20), -1 malformed. */
static int refmic_fault(const char *fault, double *db)
{
	static const char name[] = "bench-refmic";
	size_t len = sizeof(name) - 1;

	if (strncmp(fault, name, len) != 0 || (fault[len] != ':' && fault[len] != 0))
		return 0;
	if (fault[len] != ':' || st_parse_double(fault + len + 1, db) != ST_OK ||
	    !(fabs(*db) > 0 && fabs(*db) <= 20))
		return -1;
	return 1;
}

static int build_char(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       c == '.' || c == '-' || c == '_' || c == '+';
}

/* "fw-anc:BUILD:HZ:DB": 0 not that fault, 1 with build/hz/db, -1 malformed. */
static int fw_fault(const char *fault, char build[FW_BUILD_LEN], double *hz, double *db)
{
	static const char name[] = "fw-anc";
	size_t len = sizeof(name) - 1;
	char buf[64], *c1, *c2;

	if (strncmp(fault, name, len) != 0 || (fault[len] != ':' && fault[len] != 0))
		return 0;
	if (fault[len] != ':' || strlen(fault + len + 1) >= sizeof(buf))
		return -1;
	st_strlcpy(buf, fault + len + 1, sizeof(buf));
	c2 = strrchr(buf, ':');
	if (!c2)
		return -1;
	*c2 = '\0';
	c1 = strrchr(buf, ':');
	if (!c1 || c1 == buf || (size_t)(c1 - buf) >= FW_BUILD_LEN)
		return -1;
	*c1 = '\0';
	for (const char *p = buf; *p; p++)
		if (!build_char(*p))
			return -1;
	if (st_parse_double(c1 + 1, hz) || !(*hz >= 20 && *hz <= 20000) ||
	    st_parse_double(c2 + 1, db) || !(*db > 0 && *db <= 20))
		return -1;
	st_strlcpy(build, buf, FW_BUILD_LEN);
	return 1;
}

int st_acoustic_fault_check(const struct st_model *m, const char *fault, char *err)
{
	static const char *const plain[] = {
		"anc-weak", "anc-instant", "anc-slow", "noisy-room", "assistant-slow", "flash-fail",
	};
	static const char *const with_n[] = { "mic-misaligned", "mic-polarity" };
	char build[FW_BUILD_LEN];
	double sec, hz;
	long n;

	if (!fault)
		return st_fail(err, ST_ERR_ARG, "no fault name");
	for (size_t i = 0; i < ST_ARRAY_SIZE(plain); i++)
		if (strcmp(fault, plain[i]) == 0)
			return ST_OK;
	switch (st_ac_ramp_fault(fault, &sec)) {
	case 1:
		return ST_OK;
	case -1:
		return st_fail(err, ST_ERR_ARG, "fault %s: needs a ramp time 0.5..600 s (anc-ramp:S)",
			       fault);
	default:
		break;
	}
	if (refmic_fault(fault, &sec) == -1)
		return st_fail(err, ST_ERR_ARG, "fault %s: needs a gain in dB, 0 < |DB| <= 20 "
			       "(bench-refmic:DB)", fault);
	if (fw_fault(fault, build, &hz, &sec) == -1)
		return st_fail(err, ST_ERR_ARG, "fault %s: needs a build, a frequency 20..20000 Hz "
			       "and 0 < DB <= 20 (fw-anc:BUILD:HZ:DB, e.g. fw-anc:3.1.0:500:2)", fault);
	if (refmic_fault(fault, &sec) == 1 || fw_fault(fault, build, &hz, &sec) == 1)
		return ST_OK;
	for (size_t i = 0; i < ST_ARRAY_SIZE(with_n); i++) {
		if (!st_ac_mic_fault(fault, with_n[i], &n))
			continue;
		if (n < 1 || n > st_ac_model_mics(m))
			return st_fail(err, ST_ERR_ARG,
				       "fault %s: needs a mic number 1..%d (%s:N)",
				       fault, st_ac_model_mics(m), with_n[i]);
		return ST_OK;
	}
	return ST_ERR_NOTFOUND;
}

/* ---- the golden unit ---- */

static int has_fault(const struct st_sim_opts *o, const char *name)
{
	for (int i = 0; o && i < o->nfaults; i++)
		if (!strcmp(o->faults[i], name))
			return 1;
	return 0;
}

void st_sim_flash_fail(struct st_sim_opts *opts)
{
	if (opts && has_fault(opts, "flash-fail"))
		opts->firmware = NULL;
}

/* Uniform in [-1, 1) from a splitmix64 stream. */
static double unit_rand(unsigned long long *s)
{
	unsigned long long z = (*s += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	z ^= z >> 31;
	return (double)(z >> 11) * (2.0 / 9007199254740992.0) - 1.0;
}

/* The unit's own offsets: a few tenths of a dB on the ANC curve, less on
 * its microphones, a second on the ramp; the same for a serial every time. */
static void individuality(const char *serial, struct st_ac_golden *g)
{
	unsigned long long h = 0xcbf29ce484222325ULL;

	for (const unsigned char *p = (const unsigned char *)serial; *p; p++)
		h = (h ^ *p) * 0x100000001b3ULL;
	for (int k = 0; k < 3; k++)
		g->anc_db[k] = 0.3 * unit_rand(&h);
	g->passive_db = 0.5 * unit_rand(&h);
	for (int i = 0; i < ST_AC_MAX_MICS; i++) {
		g->mic_gain_db[i] = 0.05 * unit_rand(&h);
		g->mic_delay_us[i] = 0.5 * unit_rand(&h);
	}
	g->ramp_s = 1.0 * unit_rand(&h);
	g->assistant_s = 0.03 * unit_rand(&h);
}

void st_ac_golden(const struct st_sim_opts *opts, struct st_ac_golden *g)
{
	const char *fw;

	memset(g, 0, sizeof(*g));
	if (!opts)
		return;
	if (opts->serial && *opts->serial)
		individuality(opts->serial, g);
	fw = has_fault(opts, "flash-fail") ? NULL : opts->firmware;
	for (int i = 0; i < opts->nfaults; i++) {
		char build[FW_BUILD_LEN];
		double hz, db;

		if (refmic_fault(opts->faults[i], &db) == 1)
			g->refmic_db += db;
		else if (fw_fault(opts->faults[i], build, &hz, &db) == 1 && fw && !strcmp(fw, build)) {
			g->fw_hz = hz;
			g->fw_db = db;
		}
	}
}
