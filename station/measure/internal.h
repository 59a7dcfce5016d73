/*
 * internal.h - what the measurement layer's files share and nothing
 * outside station/measure/ may include: the swept-sine capture helpers of
 * measure.c, used again by openear.c (the open-ear calibration).
 */
#ifndef ST_MEASURE_INTERNAL_H
#define ST_MEASURE_INTERNAL_H

#include "measure/measure.h"
#include "measure/sweepctx.h"

/* Role masks of the channels a measurement captures and keeps. */
#define MEAS_EAR_L (1u << ST_ROLE_EAR_L)
#define MEAS_EARS ((1u << ST_ROLE_EAR_L) | (1u << ST_ROLE_EAR_R))

/* The bench's sweep (length, level, rate) and its analysis context. */
int meas_get_sweep(const struct st_measure *m, struct meas_sweep *ms, char *err);
/* Play the sweep, capture, deconvolve the roles in the mask `roles` into
 * resp[role]; the capture is written as WAV `what`.  On error every
 * response is freed. */
int meas_sweep_capture(struct st_measure *m, const float *stim, size_t n,
		       struct st_an_ctx *ctx, unsigned roles, struct st_an_response *resp,
		       const char *what, struct st_meas_files *files, char *err);
/* Bench seconds per audio second (a scaled bench clock runs faster). */
double meas_scale(const struct st_measure *m);
/* Audio through the bench (st_audio_playrec of the roles in the mask); its
 * length counts towards m->mandated_s (a capture is what a measurement is
 * for). */
int meas_playrec(struct st_measure *m, const float *out, size_t n, size_t frames,
		 unsigned roles, struct st_capture *cap, char *err);
/* Free every role's response and zero them. */
void meas_free_resps(struct st_an_response *resp);
/* A recording through the bench; its length counts towards the plan's
 * mandated bench time (a capture is what a measurement is for). */
int meas_record(struct st_measure *m, double seconds, unsigned roles, struct st_capture *cap,
		char *err);
/* 1 when r is judgeable (SNR, clipping); else 0 and why names the capture
 * and the role. */
int meas_judge(const struct st_measure *m, const struct st_an_response *r, double f_hi,
	       const char *what, int role, char *why, size_t whylen);

#endif
