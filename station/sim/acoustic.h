/*
 * acoustic.h - the acoustic model of the simulated bench: what the ear
 * simulators and the unit's microphones hear when the bench's ambient
 * loudspeaker plays a stimulus, given the simulated headset's state.
 *
 * The model is pure and deterministic: a stimulus block and a state in,
 * eight channel blocks out, with every random number drawn from a seeded
 * generator in a fixed per-sample order (so the output does not depend on
 * the block size).  It allocates only in st_acoustic_new(); process() and
 * schedule() are safe to call from a real-time audio thread.
 *
 * Paths (all levels relative to the stimulus at the speaker):
 *  - ambient  = 0.5 x stimulus + room background noise (pink-ish);
 *  - ear L/R  = ambient, delayed 29 samples, through the passive path of
 *               the cup / bud (2nd-order low-pass plus a leak), further
 *               through the ANC filter when ANC is on; plus the chimes,
 *               tones and prompts the headset gives; plus 1e-5 self noise;
 *  - mic N    = ambient with its own delay (0.5 ms + a few us), gain and
 *               low-cut corner; silent (self noise only) when the unit is
 *               off or not on the fixture.
 * ANC engages with a ramp: its attenuation in dB grows linearly from 0 at
 * anc_since to the full curve `ramp_s` later (about 30 s, seeded 27-33 s).
 *
 * Faults (names in st_acoustic_fault_names; they share the st_sim_opts
 * faults list with the headset's own):
 *   anc-weak            active attenuation scaled to 0.62 (7-9 dB less)
 *   anc-instant         no ramp: full attenuation 0.5 s after engaging
 *   anc-slow            ramp of 120 s (seed 001 allows 22-38 s)
 *   anc-ramp:S          ramp of S seconds (0.5 .. 600), e.g. anc-ramp:22.5
 *   mic-misaligned:N    mic N 40 us late and 3 dB quiet
 *   mic-polarity:N      mic N inverted
 *   noisy-room          background at -10 dBFS: captures are too noisy
 *   assistant-slow      the voice assistant answers after 2.8 s, not 0.7 s
 *   bench-refmic:DB     the bench's reference microphone reads DB dB high:
 *                       every attenuation reads DB dB more (bench drift)
 *   fw-anc:BUILD:HZ:DB  a unit running BUILD has DB dB less ANC in the 1/3
 *                       octave at HZ (a firmware regression, nightly tests)
 *   flash-fail          the unit keeps its old build (handled by simdrv.c)
 * Each serial also has its own small, stable offsets from the nominal
 * curves (a simulated golden unit, acfaults.h).
 */
#ifndef ST_ACOUSTIC_H
#define ST_ACOUSTIC_H

#include <stddef.h>
#include "measure/measure.h"

struct st_model;
struct st_sim_opts;
struct st_feedback;
struct st_headset_view;

/* Output channels of the model. */
enum st_ac_out {
	ST_AC_EAR_L = 0,
	ST_AC_EAR_R = 1,
	ST_AC_MIC1 = 2,  /* mic N is ST_AC_MIC1 + N - 1 */
	ST_AC_OUTS = 8,
};
#define ST_AC_MAX_MICS 6

/* The wake token the simulated voice assistant listens for on the
 * speaker: two simultaneous tones, at least ST_AC_WAKE_MIN_S long (a real
 * bench plays a recorded "Hey Google").  The assistant answers, after its
 * latency counted from the token's end, with a voice prompt (0.8 s of
 * speech-like sound) in both ears. */
#define ST_AC_WAKE_HZ1 ST_MEAS_WAKE_HZ1  /* the station's token (measure.h) */
#define ST_AC_WAKE_HZ2 ST_MEAS_WAKE_HZ2
#define ST_AC_WAKE_MIN_S 0.3

/* Sounds the headset makes (rendered into both ear simulators). */
#define ST_AC_CHIME_HZ1 880.0   /* odd tones of a chime */
#define ST_AC_CHIME_HZ2 1320.0  /* even tones */
#define ST_AC_CHIME_TONE_S 0.12
#define ST_AC_CHIME_GAP_S 0.08
#define ST_AC_PROMPT_S 0.8
#define ST_AC_TONE_S 0.2

/* Headset state the model renders from. */
struct st_acoustic_state {
	int powered;       /* unit on: mics live, ANC possible, sounds */
	int anc_on;        /* ANC engaged */
	double anc_since;  /* bench time ANC engaged (start of the ramp) */
	int present;       /* unit on the acoustic fixture (0: open ear) */
	double scale;      /* bench seconds per audio second (0 = 1): on a scaled
	                    * clock (the JACK bench's --time-scale) the unit's
	                    * sounds start at their bench time but play in audio
	                    * time, so a prompt stays a prompt */
};

/* Fault names the model understands ("mic-misaligned" takes ":N"). */
extern const char *const st_acoustic_fault_names[];
/* ST_OK if `fault` is an acoustic fault valid for model m (m may be
 * NULL), ST_ERR_NOTFOUND if it is not an acoustic fault name at all,
 * ST_ERR_ARG with a message when it is one but malformed ("mic-polarity:9"). */
int st_acoustic_fault_check(const struct st_model *m, const char *fault, char *err);

struct st_acoustic;

/* New model for `m` (headphones or earbuds, its mic count) at `rate` Hz;
 * opts may be NULL (healthy, seed 0).  Unknown faults are ignored (they
 * belong to the headset). */
int st_acoustic_new(struct st_acoustic **out, const struct st_model *m,
		    const struct st_sim_opts *opts, double rate, char *err);
void st_acoustic_free(struct st_acoustic *ac);

/* State from a headset view (present stays as last set). */
void st_acoustic_state_from_view(struct st_acoustic_state *s,
				 const struct st_headset_view *v);
void st_acoustic_set_state(struct st_acoustic *ac, const struct st_acoustic_state *s);
void st_acoustic_get_state(const struct st_acoustic *ac, struct st_acoustic_state *s);

/* Queue a chime, tone or prompt to start at bench time ev->t (LED events
 * are ignored).  Real-time safe.  ST_ERR_MEM when 16 sounds are pending. */
int st_acoustic_schedule(struct st_acoustic *ac, const struct st_feedback *ev);

/* Render n frames starting at bench time t0.  spk (n samples, may be NULL
 * for silence) is what the bench speaker plays; out[c] (n samples each)
 * receive the channels; a NULL out[c] is computed and dropped.  Bench
 * time advances by n / rate per call (x the state's scale); calls must be contiguous in time for the
 * filter states to make sense (a gap only costs a click).  RT safe. */
void st_acoustic_process(struct st_acoustic *ac, double t0, const float *spk,
			 float *const out[ST_AC_OUTS], size_t n);

/* The model's own curves and parameters, for tests and docs. */
double st_acoustic_rate(const struct st_acoustic *ac);
int st_acoustic_mics(const struct st_acoustic *ac);
/* Passive attenuation of the cup / bud at hz, dB (positive = quieter). */
double st_acoustic_passive_db(const struct st_acoustic *ac, double hz);
/* Active (ANC) attenuation at hz for ramp fraction 0..1, dB, faults applied. */
double st_acoustic_active_db(const struct st_acoustic *ac, double hz, double ramp);
/* Ramp fraction at bench time t with the current state (0 when ANC off). */
double st_acoustic_ramp(const struct st_acoustic *ac, double t);
double st_acoustic_ramp_seconds(const struct st_acoustic *ac);
/* Mic N (1-based): total delay from the speaker (us), gain (dB), polarity
 * (+1 / -1) and low-cut corner (Hz).  ST_ERR_ARG for a bad N. */
int st_acoustic_mic(const struct st_acoustic *ac, int mic, double *delay_us,
		    double *gain_db, int *polarity, double *lowcut_hz);
/* Delay from the speaker to the ear simulators, us. */
double st_acoustic_ear_delay_us(const struct st_acoustic *ac);
/* Seconds from the end of a wake token to the assistant's answer. */
double st_acoustic_assistant_latency(const struct st_acoustic *ac);
/* RMS of the room background at the ambient point (linear, full scale 1). */
double st_acoustic_background_rms(const struct st_acoustic *ac);

#endif
