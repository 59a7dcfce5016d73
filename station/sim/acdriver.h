/*
 * acdriver.h - the simulated unit's drivers playing its built-in test sweep
 * (UART `SWEEP`, docs/unit-uart.md) into the ear simulators, beside the
 * acoustic model (acoustic.h), with the driver faults of seed 001 -
 * "crackling audio or left-channel dropouts ... oxidized driver leads,
 * cracked flex cables near hinges, or DAC output stage failure" - as gaps
 * in what a driver plays.  The audio back ends (simaudio.c in process,
 * jackbench.c as a JACK client) schedule the unit's ST_FB_SWEEP events and
 * add the render to the ear channels after st_acoustic_process().
 *
 * An ST_FB_SWEEP event starts the sweep at bench time ev->t; its `text`
 * names the unit's driver fault ("" none, "driver-crackle", "left-dropout").
 * The sweep is measure.h's ST_MEAS_DRIVER_* sweep, played in audio time (a
 * scaled bench clock does not squeeze it).  Allocates only in _new();
 * schedule and render are real-time safe.
 */
#ifndef ST_SIM_ACDRIVER_H
#define ST_SIM_ACDRIVER_H

#include <stddef.h>

struct st_feedback;
struct st_acdriver;

int st_acdriver_new(struct st_acdriver **out, double rate, char *err);
void st_acdriver_free(struct st_acdriver *d);
/* Take an ST_FB_SWEEP event (others are ignored); a sweep already playing
 * is replaced. */
void st_acdriver_schedule(struct st_acdriver *d, const struct st_feedback *ev);
/* Add n frames from bench time t0 (bench seconds per audio second:
 * scale, 0 = 1) to the ears; live = the unit is powered and on the
 * fixture (else its drivers reach no ear simulator). */
void st_acdriver_render(struct st_acdriver *d, double t0, double scale, int live, float *ear_l,
			float *ear_r, size_t n);

#endif
