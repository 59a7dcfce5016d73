/*
 * analysis.h - acoustic analysis for the bench: exponential sine sweeps,
 * deconvolution to impulse responses, 1/3-octave frequency response and
 * distortion, ANC attenuation and ramp-up, microphone alignment, tone /
 * chime / voice-prompt detection, and the validity (SNR) checks that decide
 * whether a capture can be judged at all.
 *
 * Everything here is pure: arrays in, numbers out.  No I/O, no device, no
 * database.  Bad input gets a one-line message in `err` (ST_ERRLEN bytes)
 * and a negative enum st_ret; nothing here aborts.  docs/analysis.md has
 * the methods and the accuracy they reach.
 *
 * Conventions
 *  - Samples are float, full scale +-1.0.  Captures may be interleaved:
 *    every function taking (x, n, stride) reads x[i * stride] for i < n,
 *    so channel c of an interleaved buffer with C channels is (buf + c, n, C).
 *  - A capture starts at the stimulus start and has the stimulus's rate.
 *    Give it a tail after the stimulus of at least st_an_ctx_tail() frames
 *    (about 0.5 s), or the noise floor (and so the SNR) cannot be measured.
 *  - Levels in dB; a response is in dB relative to the stimulus (a capture
 *    equal to the stimulus reads 0 dB in every band).
 *  - Bands are the 31 IEC 61260 base-10 1/3-octave bands, 20 Hz .. 20 kHz:
 *    index i has exact centre 1000 * 10^((i - 17) / 10) and a nominal label
 *    (20, 25, 31.5, 40, ... 16000, 20000).  A band not measured (outside the
 *    stimulus, or not enough noise to measure a floor) holds NAN.
 *
 * Threads: a struct st_an_ctx is used by one thread at a time (one call
 * at a time); st_an_responses spreads one capture's channels over several
 * threads itself.  FFTW planning goes through station/analysis/fft.h,
 * which serialises it, so contexts may be created from any thread.
 */
#ifndef ST_ANALYSIS_H
#define ST_ANALYSIS_H

#include <stddef.h>

/* ------------------------------------------------------------------ */
/* 1/3-octave bands                                                     */

/* The analysis's version: raised by any change here (or in how
 * station/measure turns responses into values) that moves a stored value.
 * Each sweep capture names the version that analysed it, and `station
 * rejudge` re-analyses a capture of another version (golden/reanalyse.h). */
#define ST_AN_VERSION 3

#define ST_AN_NBANDS 31        /* 20 Hz .. 20 kHz */
#define ST_AN_BAND_1K 17       /* index of the 1 kHz band */

/* Exact centre, lower and upper edge (Hz) and nominal label of band i
 * (0 <= i < ST_AN_NBANDS).  Out-of-range i returns NAN. */
double st_an_band_centre(int i);
double st_an_band_lo(int i);
double st_an_band_hi(int i);
double st_an_band_nominal(int i);
/* Index of the band whose nominal label or exact centre is within 1 % of
 * hz, or -1. */
int st_an_band_index(double hz);

/* ------------------------------------------------------------------ */
/* Exponential sine sweep (Farina):                                     */
/*   x(t) = A sin(2 pi f1 L (e^(t/L) - 1)),  L = T / ln(f2 / f1)         */
/* with raised-cosine fades at both ends.                               */

struct st_sweep {
	double f1;        /* start frequency, Hz (> 0) */
	double f2;        /* end frequency, Hz (f1 < f2 <= rate/2) */
	double seconds;   /* sweep duration T, s */
	double rate;      /* sample rate, Hz */
	double level_db;  /* peak level, dBFS (<= 0) */
	double fade_ms;   /* raised-cosine fade in and out, ms (0 = none) */
};

/* Defaults: 20 Hz .. 20 kHz, 3 s, 48 kHz, -6 dBFS, 10 ms fades. */
void st_sweep_default(struct st_sweep *s);
/* ST_OK if the parameters make a sweep, else ST_ERR_ARG and why. */
int st_sweep_check(const struct st_sweep *s, char *err);
/* Frames in the sweep: round(seconds * rate). */
size_t st_sweep_frames(const struct st_sweep *s);
/* L = T / ln(f2/f1), s. */
double st_sweep_rate_constant(const struct st_sweep *s);
/* Write st_sweep_frames() samples into out (n must be at least that). */
int st_sweep_generate(const struct st_sweep *s, float *out, size_t n, char *err);

/* ------------------------------------------------------------------ */
/* Deconvolution context                                                */

struct st_an_config {
	double rate;       /* Hz, required */
	double f1, f2;     /* stimulus band, Hz; 0 = detect from its spectrum */
	double sweep_l;    /* exponential-sweep constant L, s: 0 = estimate from
	                    * the stimulus, < 0 = not an exponential sweep (no
	                    * distortion figures) */
	size_t max_capture;/* longest capture (frames) to analyse; 0 = stimulus
	                    * length + 1 s */
	double ir_pre_s;   /* IR window before the peak, s; 0 = 5 ms */
	double ir_post_s;  /* IR window after the peak, s; 0 = 0.2 s (shortened
	                    * to stay clear of the 2nd-harmonic IR) */
};

/* Defaults: everything 0 (detect / default) with the given rate. */
void st_an_config_default(struct st_an_config *c, double rate);

struct st_an_ctx;

/* Make a context for one stimulus: FFTW plans (fft.h) and the
 * regularised inverse of the stimulus, made once and reused for every
 * channel.  The stimulus is copied. */
int st_an_ctx_create(struct st_an_ctx **out, const float *stim, size_t n,
		     const struct st_an_config *cfg, char *err);
void st_an_ctx_free(struct st_an_ctx *c);
double st_an_ctx_f1(const struct st_an_ctx *c);      /* band used, Hz */
double st_an_ctx_f2(const struct st_an_ctx *c);
double st_an_ctx_sweep_l(const struct st_an_ctx *c); /* NAN if not a sweep */
size_t st_an_ctx_stimulus_frames(const struct st_an_ctx *c);
/* Frames a capture should have after the stimulus so that the noise floor
 * can be measured (IR window + noise window + margin). */
size_t st_an_ctx_tail(const struct st_an_ctx *c);

/* ------------------------------------------------------------------ */
/* Response of one channel                                              */

#define ST_AN_MAX_HARMONIC 5   /* distortion counts harmonics 2..5 */

struct st_an_response {
	double latency_ms;          /* IR peak time after stimulus start (sub-sample) */
	double peak;                /* IR peak value, signed (sign = polarity) */
	double band_db[ST_AN_NBANDS];   /* energy average of |H|^2 over the band, dB
	                                 * re stimulus; NAN outside the stimulus */
	double noise_db[ST_AN_NBANDS];  /* noise floor in the same window and unit;
	                                 * NAN if the capture's tail is too short */
	double snr_db[ST_AN_NBANDS];    /* band_db - noise_db */
	double thd_pct[ST_AN_NBANDS];   /* THD (harmonics 2..5 that fall inside the
	                                 * stimulus band) of a fundamental in this
	                                 * band, %; NAN if unknown */
	double h1k_re, h1k_im;      /* H at exactly 1 kHz (windowed IR) */
	size_t clipped;             /* capture samples with |x| >= 0.999 */
	/* The windowed linear impulse response, malloc'd; ir[ir_zero] is t = 0
	 * (stimulus start), so ir[k] is time (k - ir_zero) / rate. */
	float *ir;
	size_t ir_len;
	long ir_zero;
	/* The spectrum of ir (zero-padded to the context's window FFT size m):
	 * m/2 + 1 bins as re, im pairs, malloc'd; st_an_align works on it. */
	float *spec;
	size_t spec_bins;
	double rate;
};

/* Deconvolve one capture channel (x[i * stride], i < n; n may be shorter
 * or longer than the stimulus, up to the context's max_capture) into *out.
 * Free with st_an_response_free().  A silent or hopeless capture is not an
 * error here: its SNR says so (see st_an_judgeable). */
int st_an_response(struct st_an_ctx *c, const float *x, size_t n, size_t stride,
		   struct st_an_response *out, char *err);
void st_an_response_free(struct st_an_response *r);
/* Several channels of one capture at once: channel i is (x[i], n,
 * stride) as for st_an_response (an interleaved buffer of C channels:
 * x[i] = buf + i, stride C), its response into out[i], the channels
 * shared out among `threads` threads (1 = this thread only; at most 8),
 * each with its own scratch kept in the context.  Same results as
 * st_an_response per channel.  On error every out[] is freed and err
 * names the first failure. */
int st_an_responses(struct st_an_ctx *c, const float *const *x, size_t n, size_t stride,
		    size_t nch, struct st_an_response *out, int threads, char *err);

/* Can this response be judged?  1 if every band whose centre lies in
 * [f_lo, f_hi] (and inside the stimulus) has snr_db >= min_snr_db and the
 * capture did not clip; 0 otherwise with a one-line reason in why
 * (ST_ERRLEN, may be NULL), e.g. "SNR 12.4 dB < 20 dB in the 125 Hz band".
 * The sequencer re-measures, then reports ERROR (never a unit FAIL). */
int st_an_judgeable(const struct st_an_response *r, double f_lo, double f_hi,
		    double min_snr_db, char *why);

/* ------------------------------------------------------------------ */
/* ANC attenuation (positive = quieter at the ear)                      */

struct st_an_anc {
	double passive_db[ST_AN_NBANDS]; /* open - off; NAN without open */
	double active_db[ST_AN_NBANDS];  /* off - on */
	double total_db[ST_AN_NBANDS];   /* open - on; NAN without open */
};

/* open may be NULL.  All responses from the same stimulus. */
void st_an_anc(const struct st_an_response *open, const struct st_an_response *off,
	       const struct st_an_response *on, struct st_an_anc *out);

/* ANC ramp-up from a long capture of steady noise at the ear with ANC
 * engaging at t_engage_s: short-time level in [f_lo, f_hi] versus time. */
struct st_an_ramp_params {
	double t_engage_s;  /* when ANC was switched on, s from capture start */
	double f_lo, f_hi;  /* band judged, Hz; 0 = 100 .. 1000 Hz */
	double frame_s;     /* short-time frame, s; 0 = 0.25 */
	double smooth_s;    /* moving average of the curve, s; 0 = 1.0 */
	double tol_db;      /* "full" means within tol_db of the final
	                     * attenuation; 0 = 1 dB.  tol_db < 0 means a
	                     * fraction: -0.9 = 90 % of the final attenuation */
	double final_s;     /* final attenuation = mean of the last final_s
	                     * seconds; 0 = 3 s */
	double settled_db;  /* > 0: the unit's settled attenuation, measured
	                     * apart: ramp_full_s is judged against it, not
	                     * against the capture's own end, so a ramp that
	                     * never finishes within the capture is not taken
	                     * for complete */
	const float *ref;   /* or: a later capture of the same noise with ANC
	                     * settled (nref samples, same stride and rate),
	                     * measured in the same band and frames */
	size_t nref;
};
struct st_an_ramp {
	double base_db;     /* band level before t_engage (ANC off), dBFS */
	double final_db;    /* band level at the end (ANC settled), dBFS */
	double full_db;     /* base_db - final_db */
	double ramp_s;      /* engage -> attenuation stays within tolerance, s;
	                     * NAN if it never settles */
	double settled_db;  /* the settled attenuation ramp_full_s used, dB */
	double ramp_full_s; /* engage -> full attenuation (settled_db, else
	                     * full_db), s: the line through the curve's 10 %
	                     * point and its 90 % point (or the highest point
	                     * it reached, at least 30 %) extrapolated to
	                     * 100 %.  A linear ramp of R s reads R, one
	                     * longer than the capture too.  NAN if the curve
	                     * never reaches 30 % */
	size_t nframes;     /* curve length */
	double *t_s;        /* frame centre times, malloc'd */
	double *atten_db;   /* smoothed attenuation (base - level) per frame */
};
int st_an_ramp(const float *x, size_t n, size_t stride, double rate,
	       const struct st_an_ramp_params *p, struct st_an_ramp *out, char *err);
void st_an_ramp_free(struct st_an_ramp *r);

/* Band levels of a raw capture (background noise, steady noise): the
 * mean-square signal in each band (Welch, Hann frames of ~0.1 s), in dB
 * re a full-scale sine, so a sine of peak A inside a band reads
 * 20 log10(A).  Bands above rate/2 are NAN. */
int st_an_band_levels(const float *x, size_t n, size_t stride, double rate,
		      double out_db[ST_AN_NBANDS], char *err);

/* ------------------------------------------------------------------ */
/* Microphone alignment: channel relative to a reference channel        */

struct st_an_align {
	double delay_us;   /* > 0 when the channel hears later than the reference;
	                    * least-squares phase-slope fit over the band */
	double gain_db;    /* |H_ch / H_ref| at 1 kHz */
	double phase_deg;  /* arg(H_ch / H_ref) at 1 kHz after polarity removed,
	                    * wrapped to (-180, 180]; includes the delay's share */
	int polarity;      /* +1 or -1 */
	double band_gain_db[ST_AN_NBANDS];  /* energy ratio over each band, dB */
	double band_phase_deg[ST_AN_NBANDS];/* arg of the band-summed cross
	                                     * spectrum (polarity removed) */
};
/* Both responses from the same context.  f_lo/f_hi bound the delay fit
 * (0 = 100 Hz .. min(8 kHz, stimulus f2)). */
int st_an_align(struct st_an_ctx *c, const struct st_an_response *ref,
		const struct st_an_response *ch, double f_lo, double f_hi,
		struct st_an_align *out, char *err);
/* Several channels against one reference: ch[i] aligned into out[i], the
 * channels shared out among `threads` threads as in st_an_responses.
 * Same results as st_an_align per channel; on error err names the first
 * failure (every out[] still set, NAN where not aligned). */
int st_an_aligns(struct st_an_ctx *c, const struct st_an_response *ref,
		 const struct st_an_response *const *ch, size_t nch, double f_lo, double f_hi,
		 struct st_an_align *out, int threads, char *err);

/* ------------------------------------------------------------------ */
/* Tones, chimes and voice prompts in a capture                         */

struct st_an_tone {
	double onset_s;    /* 50 % point of the amplitude envelope's rise (for a
	                    * hard-started tone: its first sample; for an attack
	                    * of r ms: r/2 after it), sub-ms */
	double hz;         /* frequency */
	double duration_s; /* 50 % rise to 50 % fall */
	double level_db;   /* steady amplitude, dBFS (peak of the sine) */
	int chime;         /* index of the chime it belongs to */
};
struct st_an_chime {
	double onset_s;    /* first tone's onset */
	double duration_s; /* first onset to last tone's end */
	int first;         /* index of its first tone */
	int ntones;        /* 1 = single, 2 = double, 3 = triple chime ... */
};
struct st_an_prompt {
	double onset_s;    /* first 1 ms of the burst above the threshold */
	double duration_s;
	double level_db;   /* RMS level, dBFS */
};
struct st_an_events {
	double noise_db;   /* background RMS level, dBFS */
	struct st_an_tone *tones;
	size_t ntones;
	struct st_an_chime *chimes;
	size_t nchimes;
	struct st_an_prompt *prompts;
	size_t nprompts;
};
struct st_an_detect_params {
	double min_snr_db;     /* event must stand this far above background; 0 = 12 */
	double min_tone_s;     /* shortest tone, s; 0 = 0.03 */
	double chime_gap_s;    /* tones closer than this form one chime; 0 = 0.25 */
	double min_prompt_s;   /* shortest voice prompt, s; 0 = 0.2 */
	double prompt_gap_s;   /* pauses shorter than this stay in one prompt; 0 = 0.3 */
};
/* p may be NULL for defaults.  Free with st_an_events_free(). */
int st_an_detect(const float *x, size_t n, size_t stride, double rate,
		 const struct st_an_detect_params *p, struct st_an_events *out, char *err);
void st_an_events_free(struct st_an_events *ev);
/* Voice-assistant latency: onset of the first prompt at or after
 * stimulus_s, minus stimulus_s; NAN if none. */
double st_an_prompt_latency(const struct st_an_events *ev, double stimulus_s);

#endif
