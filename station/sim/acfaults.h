/*
 * acfaults.h - private to station/sim: the acoustic model's fault names
 * parsed (acfaults.c), and what makes one simulated golden unit itself and
 * one night different from another: the unit's own small, stable offsets
 * from the model's nominal curves (derived from its serial), the bench's
 * reference-microphone drift (`bench-refmic:DB`), a firmware build's
 * effect on the ANC (`fw-anc:BUILD:HZ:DB`) and a failed flash
 * (`flash-fail`).  docs/simulator.md, "Golden units and nightly faults".
 */
#ifndef ST_SIM_ACFAULTS_H
#define ST_SIM_ACFAULTS_H

#include "sim/acoustic.h"

struct st_model;
struct st_sim_opts;

/* Live microphones of model m (1..ST_AC_MAX_MICS; all of them for NULL). */
int st_ac_model_mics(const struct st_model *m);
/* "name:N" for the mic faults: 0 not that fault, 1 with *n (-1 malformed). */
int st_ac_mic_fault(const char *fault, const char *name, long *n);
/* "anc-ramp:S": 0 not that fault, 1 with *sec, -1 malformed. */
int st_ac_ramp_fault(const char *fault, double *sec);

/* What the acoustic model adds for one unit on one bench on one night. */
struct st_ac_golden {
	double anc_db[3];                 /* added to the ANC shelves' and peak's dB */
	double passive_db;                /* added to the passive path's gain, dB */
	double mic_gain_db[ST_AC_MAX_MICS]; /* added to each mic's gain */
	double mic_delay_us[ST_AC_MAX_MICS];/* added to each mic's delay */
	double ramp_s;                    /* added to the ANC ramp time */
	double assistant_s;               /* added to the assistant's latency */
	double refmic_db;                 /* bench-refmic: every attenuation reads this much higher */
	double fw_hz, fw_db;              /* fw-anc of the build the unit runs: ANC DB weaker at HZ */
};
/* Fill g for opts (NULL: all zero): the offsets from opts->serial (none
 * without a serial), the bench drift and the firmware effect from the
 * fault list (the firmware effect only when the unit runs that build). */
void st_ac_golden(const struct st_sim_opts *opts, struct st_ac_golden *g);

/* A failed flash: with the `flash-fail` fault the unit keeps its old build
 * (opts->firmware is dropped, so it reports the simulator's default). */
void st_sim_flash_fail(struct st_sim_opts *opts);

#endif
