/*
 * sweepctx.h - the measurement layer's swept-sine stimulus and its
 * analysis context, built once per process for a set of sweep parameters
 * and lent to one measurement at a time (internal to station/measure/).
 * Building a context costs tens of ms (FFTs of the stimulus, the
 * regularised inverse); every ANC and microphone measurement of a run
 * uses the same sweep, so all but the first borrow the kept one.
 */
#ifndef ST_MEASURE_SWEEPCTX_H
#define ST_MEASURE_SWEEPCTX_H

#include <stddef.h>

#include "analysis/analysis.h"

struct meas_sweep {
	struct st_sweep sw;       /* parameters the stimulus was made with */
	float *stim;              /* the stimulus, n frames */
	size_t n;
	struct st_an_ctx *ctx;    /* its analysis context */
	int kept;                 /* borrowed from the process's kept one */
};

/* Stimulus and context for sw (checked by the caller) into *out: the kept
 * one when its parameters match and nobody holds it, else new ones.
 * ST_OK or < 0 with err; *out is then empty (meas_sweep_put is a no-op). */
int meas_sweep_get(const struct st_sweep *sw, struct meas_sweep *out, char *err);
/* Give it back: kept for the next measurement (replacing an older kept
 * one nobody holds), or freed.  Leaves *s empty. */
void meas_sweep_put(struct meas_sweep *s);
/* Free the kept one (unless lent out): a measurement that needs its own
 * context for another stimulus (the unit's driver sweep) drops it first,
 * so that the two never take memory together; the next sweep measurement
 * builds it again (milliseconds, with the station's FFTW wisdom). */
void meas_sweep_drop(void);

#endif
