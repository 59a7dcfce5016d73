/*
 * simaudio.h - the "sim" audio back end (simaudio.c), registered in the
 * audio back-end table like PortAudio; and what only it offers: a
 * standalone "sim" back end with no headset (tests set its state by hand)
 * and access to its acoustic model.
 */
#ifndef ST_SIM_SIMAUDIO_H
#define ST_SIM_SIMAUDIO_H

#include "audio/audio.h"

extern const struct st_audio_ops st_audio_sim_ops;

struct st_model;
struct st_sim_opts;
struct st_clock;
struct st_headset;
struct st_acoustic;
struct st_fixture;

/* A "sim" audio back end without a fixture: the acoustic model for model
 * m with opts' faults and seed, on `clock` (captures sleep on it).  It
 * starts powered with ANC off; bench may be NULL (defaults). */
int st_audio_sim_open(struct st_audio **out, const struct st_model *m,
		      const struct st_sim_opts *opts, struct st_clock *clock,
		      const struct st_audio_bench *bench, char *err);
/* Set the standalone back end's headset state (ignored when it follows a
 * headset). */
void st_audio_sim_set_state(struct st_audio *a, int powered, int anc_on, double anc_since);
/* Its acoustic model (for tests comparing with the model's curves), or
 * NULL when `a` is not the sim back end. */
struct st_acoustic *st_audio_sim_acoustic(struct st_audio *a);

#endif
