/*
 * acoustic.c - the simulated bench's acoustic model (see acoustic.h):
 * passive and ANC paths to the ear simulators as biquad cascades, the
 * microphones as windowed-sinc fractional delays, the room as seeded pink
 * noise, and the headset's chimes, tones, prompts and voice-assistant
 * answers as scheduled synthetic sounds.
 *
 * Everything is allocated in st_acoustic_new(); st_acoustic_process()
 * touches only the struct, so the JACK bench can run it in its process
 * callback.  The curve functions evaluate the very same biquads' transfer
 * functions, so tests compare measurements with exactly what is rendered.
 */
#include "acoustic.h"

#include <complex.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/st.h"
#include "model/model.h"
#include "fixture/fixture.h"
#include "sim/acfaults.h"
#include "sim/headset.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

#define FIR_LEN 32          /* fractional-delay taps */
#define FIR_CENTER 15       /* integer part of the FIR's own delay */
#define HIST 256            /* ambient history (power of two) */
#define SUB 64              /* frames per ANC coefficient update */
#define ANC_STAGES 4        /* ANC cascade: two shelves, a peak, the build's band */
#define MAX_SOUNDS 16       /* pending chimes / prompts */
#define SPK_GAIN 0.5        /* stimulus -> ambient point */
#define SELF_NOISE 1e-5     /* per-channel electrical noise, RMS */
#define QUIET_RMS 5.6e-4    /* quiet room background, about -65 dBFS */
#define NOISY_RMS 0.32      /* noisy room, about -10 dBFS */
#define SOUND_AMP 0.1       /* chimes / prompts into the ear, peak */
#define MIC_BASE_US 500.0   /* speaker -> mic delay */
#define EAR_DELAY 29        /* speaker -> ear simulators, samples */
#define KW_FRAME_S 0.01     /* keyword-spotter frame */

const char *const st_acoustic_fault_names[] = {
	"anc-weak", "anc-instant", "anc-slow", "anc-ramp:S", "mic-misaligned:N",
	"mic-polarity:N", "noisy-room", "assistant-slow", "bench-refmic:DB",
	"fw-anc:BUILD:HZ:DB", "flash-fail", NULL,
};

/* Transposed direct form II biquad, normalised (a0 = 1). */
struct biquad {
	double b0, b1, b2, a1, a2; /* coefficients */
	double z1, z2;             /* state */
};

/* One curve shape: shelves and peak of the ANC filter, in dB at full. */
struct anc_shape {
	double shelf1_hz, shelf1_s, shelf1_db;
	double shelf2_hz, shelf2_s, shelf2_db;
	double peak_hz, peak_q, peak_db;  /* low-frequency taper (boost) */
};

/* Passive path: g0 x LP2(fc, q) - leak. */
struct passive_shape {
	double fc, q, g0_db, leak_db;
};

static const struct anc_shape anc_headphones = {
	2000, 1.0, -12, 900, 0.9, -13, 30, 0.7, 12,
};
static const struct anc_shape anc_earbuds = {
	1800, 1.0, -11, 800, 0.9, -12, 35, 0.7, 11,
};
static const struct passive_shape passive_headphones = { 450, 0.6, -3, -36 };
static const struct passive_shape passive_earbuds = { 900, 0.6, -4, -28 };

/* A scheduled sound. */
struct sound {
	int active;             /* slot in use */
	enum st_fb_kind kind;   /* chime, tone or prompt */
	double t0;              /* bench start time */
	double dur;             /* total length, s */
	int count;              /* chime tones */
	double hz;              /* tone frequency */
	int left, right;        /* ears it plays in */
	struct biquad bp[2];    /* prompt: band-pass of the noise */
};

/* One microphone. */
struct mic {
	double delay_us;        /* total speaker -> mic delay */
	double gain_db;         /* sensitivity offset */
	int polarity;           /* +1 / -1 */
	double lowcut_hz;       /* first-order low-cut corner */
	int bulk;               /* integer delay before the FIR */
	float fir[FIR_LEN];     /* fractional-delay taps (gain and sign in) */
	float firr[FIR_LEN];    /* the same, reversed (for fir_dot) */
	double hp_b0, hp_b1, hp_a1; /* first-order high-pass */
	double hp_x1, hp_y1;    /* its state */
};

struct st_acoustic {
	double rate;                     /* Hz */
	int earbuds;                     /* model kind */
	int nmics;                       /* live mics (1..6) */
	struct st_acoustic_state st;     /* headset state */
	struct passive_shape pas;        /* passive curve parameters */
	struct anc_shape anc;            /* ANC curve at full strength */
	double anc_strength;             /* 1, or less with anc-weak */
	double ramp_s;                   /* seconds to full ANC */
	double assistant_s;              /* wake -> answer latency */
	double bg_rms;                   /* room background RMS */
	double pink_norm;                /* pink filter -> unit RMS */
	struct mic mics[ST_AC_MAX_MICS]; /* the array */
	struct biquad pas_lp[2];         /* passive low-pass, per ear */
	struct biquad anc_bq[2][ANC_STAGES]; /* ANC cascade, per ear */
	struct st_ac_golden gold;        /* this unit, bench and build (acfaults.h) */
	int anc_stages;                  /* stages run: 3, or 4 with a build or bench effect */
	double anc_level;                /* ramp x strength the cascade is set for */
	float hist[2 * HIST];            /* ambient history, written twice (at i
	                                  * and i + HIST) so every FIR window
	                                  * is contiguous */
	unsigned hpos;                   /* next write index in hist */
	unsigned long long rng;          /* xorshift64* state (render) */
	double pink[3];                  /* pink filter state */
	struct sound sounds[MAX_SOUNDS]; /* pending sounds */
	/* keyword spotter for the voice assistant */
	int kw_len;                      /* samples per frame */
	int kw_n;                        /* samples in the current frame */
	double kw_s[2][2];               /* Goertzel states, two tones */
	double kw_coef[2];               /* Goertzel coefficients */
	double kw_energy;                /* frame energy */
	int kw_run;                      /* consecutive token frames */
	double kw_last_t;                /* end of the last token frame */
};

/* ---- small DSP helpers ---- */

static unsigned long long rng_next(unsigned long long *s)
{
	unsigned long long x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 2685821657736338717ULL;
}

static double rng_uniform(unsigned long long *s) /* [0, 1) */
{
	return (double)(rng_next(s) >> 11) * (1.0 / 9007199254740992.0);
}

static double rng_gauss(unsigned long long *s) /* approx N(0,1) */
{
	double sum = 0;

	for (int i = 0; i < 4; i++)
		sum += rng_uniform(s);
	return (sum - 2.0) * 1.7320508075688772; /* sqrt(3): var 4/12 -> 1 */
}

static void bq_set(struct biquad *q, double b0, double b1, double b2,
		   double a0, double a1, double a2)
{
	q->b0 = b0 / a0;
	q->b1 = b1 / a0;
	q->b2 = b2 / a0;
	q->a1 = a1 / a0;
	q->a2 = a2 / a0;
}

static void bq_lowpass(struct biquad *q, double fs, double f, double Q)
{
	double w = 2 * M_PI * f / fs, c = cos(w), al = sin(w) / (2 * Q);

	bq_set(q, (1 - c) / 2, 1 - c, (1 - c) / 2, 1 + al, -2 * c, 1 - al);
}

static void bq_highpass(struct biquad *q, double fs, double f, double Q)
{
	double w = 2 * M_PI * f / fs, c = cos(w), al = sin(w) / (2 * Q);

	bq_set(q, (1 + c) / 2, -(1 + c), (1 + c) / 2, 1 + al, -2 * c, 1 - al);
}

static void bq_peak(struct biquad *q, double fs, double f, double Q, double db)
{
	double A = pow(10, db / 40), w = 2 * M_PI * f / fs, c = cos(w);
	double al = sin(w) / (2 * Q);

	bq_set(q, 1 + al * A, -2 * c, 1 - al * A, 1 + al / A, -2 * c, 1 - al / A);
}

static void bq_lowshelf(struct biquad *q, double fs, double f, double S, double db)
{
	double A = pow(10, db / 40), w = 2 * M_PI * f / fs, c = cos(w);
	double al = sin(w) / 2 * sqrt((A + 1 / A) * (1 / S - 1) + 2);
	double sa = 2 * sqrt(A) * al;

	bq_set(q, A * ((A + 1) - (A - 1) * c + sa), 2 * A * ((A - 1) - (A + 1) * c),
	       A * ((A + 1) - (A - 1) * c - sa), (A + 1) + (A - 1) * c + sa,
	       -2 * ((A - 1) + (A + 1) * c), (A + 1) + (A - 1) * c - sa);
}

static inline double bq_run(struct biquad *q, double x)
{
	double y = q->b0 * x + q->z1;

	q->z1 = q->b1 * x - q->a1 * y + q->z2;
	q->z2 = q->b2 * x - q->a2 * y;
	return y;
}

static double complex bq_resp(const struct biquad *q, double fs, double f)
{
	double complex z = cexp(-I * 2 * M_PI * f / fs);

	return (q->b0 + q->b1 * z + q->b2 * z * z) / (1 + q->a1 * z + q->a2 * z * z);
}

/* ANC cascade coefficients for a level (ramp x strength) 0..1; the last
 * stage is the build's weaker band (a 1/3-octave peak) times the bench's
 * reference-microphone drift (a flat gain that grows with the ANC). */
static void anc_design(struct biquad q[ANC_STAGES], const struct anc_shape *s, double fs,
		       double level, const struct st_ac_golden *g)
{
	double flat = pow(10, -g->refmic_db * level / 20);

	bq_lowshelf(&q[0], fs, s->shelf1_hz, s->shelf1_s, s->shelf1_db * level);
	bq_lowshelf(&q[1], fs, s->shelf2_hz, s->shelf2_s, s->shelf2_db * level);
	bq_peak(&q[2], fs, s->peak_hz, s->peak_q, s->peak_db * level);
	/* Q 4.32 spans 1/3 octave; 1.265 x DB at the peak lowers the band's
	 * level by DB (its neighbours by 0.3 x DB) */
	bq_peak(&q[3], fs, g->fw_hz > 0 ? g->fw_hz : 1000, 4.32, 1.265 * g->fw_db * level);
	q[3].b0 *= flat;
	q[3].b1 *= flat;
	q[3].b2 *= flat;
}

/* ---- construction ---- */

static void mic_design(struct mic *mc, double fs)
{
	double d = mc->delay_us * 1e-6 * fs;   /* total delay, samples */
	int whole = (int)floor(d);
	double frac = d - whole, sum = 0, g;
	double k = tan(M_PI * mc->lowcut_hz / fs);

	mc->bulk = whole - FIR_CENTER;
	for (int i = 0; i < FIR_LEN; i++) {
		double x = i - FIR_CENTER - frac;  /* distance from the centre */
		double s = fabs(x) < 1e-12 ? 1.0 : sin(M_PI * x) / (M_PI * x);
		double wpos = (x + FIR_LEN / 2.0) / FIR_LEN;  /* 0..1 */
		double w = 0.42 - 0.5 * cos(2 * M_PI * wpos) + 0.08 * cos(4 * M_PI * wpos);

		if (wpos < 0 || wpos > 1)
			w = 0;
		mc->fir[i] = (float)(s * w);
		sum += s * w;
	}
	g = pow(10, mc->gain_db / 20) * mc->polarity / sum;
	for (int i = 0; i < FIR_LEN; i++)
		mc->fir[i] = (float)(mc->fir[i] * g);
	for (int i = 0; i < FIR_LEN; i++)
		mc->firr[i] = mc->fir[FIR_LEN - 1 - i];
	/* bilinear first-order high-pass */
	mc->hp_b0 = 1 / (1 + k);
	mc->hp_b1 = -mc->hp_b0;
	mc->hp_a1 = (k - 1) / (1 + k);
	mc->hp_x1 = mc->hp_y1 = 0;
}

static double pink_step(double p[3], double white)
{
	p[0] = 0.99765 * p[0] + white * 0.0990460;
	p[1] = 0.96300 * p[1] + white * 0.2965164;
	p[2] = 0.57000 * p[2] + white * 1.0526913;
	return p[0] + p[1] + p[2] + white * 0.1848;
}

/* The unit's seeded parameters (ANC ramp, assistant delay, microphone
 * delays, gains and low cuts) plus its golden offsets, and the render
 * noise's seed: a stream separate from the render noise. */
static void seed_params(struct st_acoustic *ac, const struct st_sim_opts *opts)
{
	unsigned seed = opts ? opts->seed : 0;
	unsigned long long r;

	r = 0x5EEDull ^ ((unsigned long long)seed * 0x9E3779B97F4A7C15ULL);
	if (!r)
		r = 1;
	rng_next(&r);
	ac->ramp_s = 27.0 + 6.0 * rng_uniform(&r);
	ac->assistant_s = 0.6 + 0.2 * rng_uniform(&r);
	st_ac_golden(opts, &ac->gold);   /* the unit's own offsets, the bench, the build */
	ac->anc_stages = ac->gold.fw_db != 0 || ac->gold.refmic_db != 0 ? ANC_STAGES : 3;
	ac->ramp_s += ac->gold.ramp_s;
	ac->assistant_s += ac->gold.assistant_s;
	ac->anc.shelf1_db += ac->gold.anc_db[0];
	ac->anc.shelf2_db += ac->gold.anc_db[1];
	ac->anc.peak_db += ac->gold.anc_db[2];
	ac->pas.g0_db += ac->gold.passive_db;
	for (int i = 0; i < ST_AC_MAX_MICS; i++) {
		ac->mics[i].delay_us = MIC_BASE_US + (rng_uniform(&r) - 0.5) * 6.0 +
				       ac->gold.mic_delay_us[i];
		ac->mics[i].gain_db = (rng_uniform(&r) - 0.5) * 0.6 + ac->gold.mic_gain_db[i];
		ac->mics[i].lowcut_hz = 30.0 * (0.9 + 0.2 * rng_uniform(&r));
		ac->mics[i].polarity = 1;
	}
	ac->rng = r ^ 0xD1B54A32D192ED03ULL;
	if (!ac->rng)
		ac->rng = 1;
}

/* The acoustic faults of opts (others are the headset's and pass), then
 * each microphone's filters designed at rate. */
static void apply_faults(struct st_acoustic *ac, const struct st_sim_opts *opts, double rate)
{
	int late[ST_AC_MAX_MICS + 1] = { 0 }, inv[ST_AC_MAX_MICS + 1] = { 0 };

	for (int i = 0; opts && i < opts->nfaults; i++) {
		const char *f = opts->faults[i];
		double sec;
		long n;

		if (strcmp(f, "anc-weak") == 0)
			ac->anc_strength = 0.62;
		else if (strcmp(f, "anc-instant") == 0)
			ac->ramp_s = 0.5;
		else if (strcmp(f, "anc-slow") == 0)
			ac->ramp_s = 120.0;   /* far past seed 001's 22-38 s */
		else if (st_ac_ramp_fault(f, &sec) == 1)
			ac->ramp_s = sec;
		else if (strcmp(f, "noisy-room") == 0)
			ac->bg_rms = NOISY_RMS;
		else if (strcmp(f, "assistant-slow") == 0)
			ac->assistant_s = 2.8;
		else if (st_ac_mic_fault(f, "mic-misaligned", &n) && n >= 1 && n <= ac->nmics)
			late[n] = 1;
		else if (st_ac_mic_fault(f, "mic-polarity", &n) && n >= 1 && n <= ac->nmics)
			inv[n] = 1;
	}
	for (int i = 0; i < ST_AC_MAX_MICS; i++) {
		if (late[i + 1]) {
			ac->mics[i].delay_us += 40.0;
			ac->mics[i].gain_db -= 3.0;
		}
		if (inv[i + 1])
			ac->mics[i].polarity = -1;
		mic_design(&ac->mics[i], rate);
	}
}

/* The factor that brings the pink filter to unit RMS, measured on a fixed
 * private stream (the second of 96000 samples, past the settling). */
static double pink_calibrate(void)
{
	double sum2 = 0, p[3] = { 0, 0, 0 };
	unsigned long long pr = 0x9E3779B97F4A7C15ULL;

	for (int i = 0; i < 96000; i++) {
		double v = pink_step(p, rng_gauss(&pr));

		if (i >= 48000)
			sum2 += v * v;
	}
	return 1.0 / sqrt(sum2 / 48000);
}

int st_acoustic_new(struct st_acoustic **out, const struct st_model *m,
		    const struct st_sim_opts *opts, double rate, char *err)
{
	struct st_acoustic *ac;

	*out = NULL;
	if (!(rate >= 8000 && rate <= 384000))
		return st_fail(err, ST_ERR_ARG, "acoustic model: bad sample rate %g", rate);
	ac = calloc(1, sizeof(*ac));
	if (!ac)
		return st_fail(err, ST_ERR_MEM, "acoustic model: out of memory");
	ac->rate = rate;
	ac->earbuds = m && m->kind == ST_KIND_EARBUDS;
	ac->nmics = st_ac_model_mics(m);
	ac->pas = ac->earbuds ? passive_earbuds : passive_headphones;
	ac->anc = ac->earbuds ? anc_earbuds : anc_headphones;
	ac->anc_strength = 1.0;
	ac->bg_rms = QUIET_RMS;
	ac->st.present = 1;
	seed_params(ac, opts);
	apply_faults(ac, opts, rate);
	for (int e = 0; e < 2; e++) {
		bq_lowpass(&ac->pas_lp[e], rate, ac->pas.fc, ac->pas.q);
		anc_design(ac->anc_bq[e], &ac->anc, rate, 0.0, &ac->gold);
	}
	ac->anc_level = 0.0;
	ac->pink_norm = pink_calibrate();
	ac->kw_len = (int)lround(KW_FRAME_S * rate);
	for (int k = 0; k < 2; k++) {
		double hz = k ? ST_AC_WAKE_HZ2 : ST_AC_WAKE_HZ1;

		ac->kw_coef[k] = 2 * cos(2 * M_PI * hz / rate);
	}
	ac->kw_last_t = -1e9;
	*out = ac;
	return ST_OK;
}

void st_acoustic_free(struct st_acoustic *ac)
{
	free(ac);
}

void st_acoustic_state_from_view(struct st_acoustic_state *s,
				 const struct st_headset_view *v)
{
	s->powered = v->powered;
	s->anc_on = v->powered && v->anc_on;
	s->anc_since = v->anc_since;
}

void st_acoustic_set_state(struct st_acoustic *ac, const struct st_acoustic_state *s)
{
	ac->st = *s;
}

void st_acoustic_get_state(const struct st_acoustic *ac, struct st_acoustic_state *s)
{
	*s = ac->st;
}

/* ---- sounds ---- */

int st_acoustic_schedule(struct st_acoustic *ac, const struct st_feedback *ev)
{
	struct sound *s = NULL;

	if (ev->kind == ST_FB_LED)
		return ST_OK;
	for (int i = 0; i < MAX_SOUNDS; i++) {
		if (!ac->sounds[i].active) {
			s = &ac->sounds[i];
			break;
		}
	}
	if (!s)
		return ST_ERR_MEM;
	memset(s, 0, sizeof(*s));
	s->kind = ev->kind;
	s->t0 = ev->t;
	s->left = strcmp(ev->where, "right") != 0;
	s->right = strcmp(ev->where, "left") != 0;
	switch (ev->kind) {
	case ST_FB_CHIME:
		s->count = ev->count > 0 ? ev->count : 1;
		s->dur = s->count * ST_AC_CHIME_TONE_S + (s->count - 1) * ST_AC_CHIME_GAP_S;
		break;
	case ST_FB_TONE:
		s->hz = ev->hz > 0 ? ev->hz : 1000.0;
		s->dur = ST_AC_TONE_S;
		break;
	case ST_FB_PROMPT:
		s->dur = ST_AC_PROMPT_S;
		bq_highpass(&s->bp[0], ac->rate, 300, 0.7);
		bq_lowpass(&s->bp[1], ac->rate, 3000, 0.7);
		break;
	default:
		return ST_OK;
	}
	s->active = 1;
	return ST_OK;
}

/* Raised-cosine edge of 5 ms at both ends of a segment of length len. */
static double edge(double t, double len)
{
	const double e = 0.005;

	if (t < 0 || t > len)
		return 0;
	if (t < e)
		return 0.5 - 0.5 * cos(M_PI * t / e);
	if (t > len - e)
		return 0.5 - 0.5 * cos(M_PI * (len - t) / e);
	return 1;
}

/* Sample of sound s at local time u (0 <= u < dur). */
static double sound_sample(struct st_acoustic *ac, struct sound *s, double u)
{
	switch (s->kind) {
	case ST_FB_CHIME: {
		double period = ST_AC_CHIME_TONE_S + ST_AC_CHIME_GAP_S;
		int k = (int)(u / period);
		double v = u - k * period;
		double hz = (k & 1) ? ST_AC_CHIME_HZ2 : ST_AC_CHIME_HZ1;

		if (k >= s->count)
			return 0;
		return SOUND_AMP * edge(v, ST_AC_CHIME_TONE_S) * sin(2 * M_PI * hz * v);
	}
	case ST_FB_TONE:
		return SOUND_AMP * edge(u, s->dur) * sin(2 * M_PI * s->hz * u);
	case ST_FB_PROMPT: {
		/* band-limited noise with a 5 Hz syllable envelope */
		double x = bq_run(&s->bp[1], bq_run(&s->bp[0], rng_gauss(&ac->rng)));
		double syl = 0.55 - 0.45 * cos(2 * M_PI * 5.0 * u);

		return 1.5 * SOUND_AMP * edge(u, s->dur) * syl * x;
	}
	default:
		return 0;
	}
}

/* Voice-assistant keyword spotter: called per speaker sample. */
static void kw_feed(struct st_acoustic *ac, double x, double t)
{
	int token;
	double p[2];

	for (int k = 0; k < 2; k++) {
		double s0 = x + ac->kw_coef[k] * ac->kw_s[k][0] - ac->kw_s[k][1];

		ac->kw_s[k][1] = ac->kw_s[k][0];
		ac->kw_s[k][0] = s0;
	}
	ac->kw_energy += x * x;
	if (++ac->kw_n < ac->kw_len)
		return;
	for (int k = 0; k < 2; k++) {
		double a = ac->kw_s[k][0], b = ac->kw_s[k][1];

		/* tone power as a share of the frame energy: a pure tone of
		 * the bin gives |X|^2 / (N/2) = energy */
		p[k] = (a * a + b * b - ac->kw_coef[k] * a * b) / (ac->kw_len / 2.0);
	}
	token = ac->kw_energy > ac->kw_len * 1e-5 &&
		p[0] > 0.2 * ac->kw_energy && p[1] > 0.2 * ac->kw_energy;
	if (token) {
		ac->kw_run++;
		ac->kw_last_t = t;
	} else {
		if (ac->kw_run * KW_FRAME_S >= ST_AC_WAKE_MIN_S - 1e-9 && ac->st.powered) {
			struct st_feedback ev;

			memset(&ev, 0, sizeof(ev));
			ev.kind = ST_FB_PROMPT;
			/* the DSP answers in audio time, like the sound itself */
			ev.t = ac->kw_last_t + ac->assistant_s * (ac->st.scale > 0 ? ac->st.scale : 1.0);
			st_acoustic_schedule(ac, &ev);
		}
		ac->kw_run = 0;
	}
	ac->kw_n = 0;
	ac->kw_energy = 0;
	memset(ac->kw_s, 0, sizeof(ac->kw_s));
}

/* ---- rendering ---- */

double st_acoustic_ramp(const struct st_acoustic *ac, double t)
{
	double r;

	if (!ac->st.powered || !ac->st.anc_on)
		return 0;
	if (ac->ramp_s <= 0)
		return 1;
	r = (t - ac->st.anc_since) / ac->ramp_s;
	return r < 0 ? 0 : r > 1 ? 1 : r;
}

static void anc_update(struct st_acoustic *ac, double t)
{
	double level = st_acoustic_ramp(ac, t) * ac->anc_strength;
	struct biquad q[ANC_STAGES];

	if (fabs(level - ac->anc_level) < 1e-4)
		return;
	anc_design(q, &ac->anc, ac->rate, level, &ac->gold);
	for (int e = 0; e < 2; e++) {
		for (int k = 0; k < ANC_STAGES; k++) {
			/* keep the state, take the new coefficients */
			q[k].z1 = ac->anc_bq[e][k].z1;
			q[k].z2 = ac->anc_bq[e][k].z2;
			ac->anc_bq[e][k] = q[k];
		}
	}
	ac->anc_level = level;
}

/* sum of tap[j] * x[j], j < FIR_LEN, in 8 lanes the compiler vectorises */
static inline double fir_dot(const float *tap, const float *x)
{
	float lane[8] = { 0 };

	for (int j = 0; j < FIR_LEN; j += 8)
		for (int l = 0; l < 8; l++)
			lane[l] += tap[j + l] * x[j + l];
	for (int l = 0; l < 4; l++)
		lane[l] += lane[l + 4];
	return (double)((lane[0] + lane[2]) + (lane[1] + lane[3]));
}

void st_acoustic_process(struct st_acoustic *ac, double t0, const float *spk,
			 float *const out[ST_AC_OUTS], size_t n)
{
	const double g0 = pow(10, ac->pas.g0_db / 20);
	const double leak = pow(10, ac->pas.leak_db / 20);
	const double dt = 1.0 / ac->rate;
	const double scale = ac->st.scale > 0 ? ac->st.scale : 1.0;
	int live = ac->st.powered && ac->st.present;

	for (size_t i = 0; i < n; i++) {
		double t = t0 + (double)i * dt * scale; /* bench time */
		double x = spk ? spk[i] : 0.0;
		double amb, ear_in, v[ST_AC_OUTS];
		double snd[2] = { 0, 0 };

		if (i % SUB == 0)
			anc_update(ac, t);
		kw_feed(ac, x, t);
		amb = SPK_GAIN * x + ac->bg_rms * ac->pink_norm *
			pink_step(ac->pink, rng_gauss(&ac->rng));
		ac->hist[ac->hpos & (HIST - 1)] = (float)amb;
		ac->hist[(ac->hpos & (HIST - 1)) + HIST] = (float)amb;

		/* ears */
		ear_in = ac->hist[(ac->hpos - EAR_DELAY) & (HIST - 1)];
		for (int k = 0; k < MAX_SOUNDS; k++) {
			struct sound *s = &ac->sounds[k];
			double u, y;

			if (!s->active)
				continue;
			u = (t - s->t0) / scale; /* audio seconds into the sound */
			if (u < 0)
				continue;
			if (u >= s->dur) {
				s->active = 0;
				continue;
			}
			y = ac->st.powered ? sound_sample(ac, s, u) : 0;
			if (s->left)
				snd[0] += y;
			if (s->right)
				snd[1] += y;
		}
		for (int e = 0; e < 2; e++) {
			double y;

			if (ac->st.present) {
				y = g0 * bq_run(&ac->pas_lp[e], ear_in) - leak * ear_in;
				for (int k = 0; k < ac->anc_stages; k++)
					y = bq_run(&ac->anc_bq[e][k], y);
			} else {
				y = ear_in;
			}
			v[ST_AC_EAR_L + e] = y + snd[e];
		}

		/* mics: only those a capture asks for (the FIRs are most of the
		 * work; a mic's high-pass restarts from its last state) */
		for (int m = 0; m < ST_AC_MAX_MICS; m++) {
			struct mic *mc = &ac->mics[m];
			double y, h;
			unsigned base = ac->hpos - (unsigned)mc->bulk;

			v[ST_AC_MIC1 + m] = 0.0;
			if (!out[ST_AC_MIC1 + m] || m >= ac->nmics)
				continue;
			y = fir_dot(mc->firr, ac->hist + ((base - (FIR_LEN - 1)) & (HIST - 1)));
			h = mc->hp_b0 * y + mc->hp_b1 * mc->hp_x1 - mc->hp_a1 * mc->hp_y1;
			mc->hp_x1 = y;
			mc->hp_y1 = h;
			v[ST_AC_MIC1 + m] = live ? h : 0.0;
		}
		ac->hpos++;

		for (int c = 0; c < ST_AC_OUTS; c++) {
			/* electrical self noise, 100 dB down: uniform is enough */
			if (out[c])
				out[c][i] = (float)(v[c] + SELF_NOISE * 3.4641016151377544 *
						    (rng_uniform(&ac->rng) - 0.5));
		}
	}
}

/* ---- curves and parameters ---- */

double st_acoustic_rate(const struct st_acoustic *ac)
{
	return ac->rate;
}

int st_acoustic_mics(const struct st_acoustic *ac)
{
	return ac->nmics;
}

double st_acoustic_passive_db(const struct st_acoustic *ac, double hz)
{
	struct biquad lp;
	double complex h;

	bq_lowpass(&lp, ac->rate, ac->pas.fc, ac->pas.q);
	h = pow(10, ac->pas.g0_db / 20) * bq_resp(&lp, ac->rate, hz) -
		pow(10, ac->pas.leak_db / 20);
	return -20 * log10(cabs(h));
}

double st_acoustic_active_db(const struct st_acoustic *ac, double hz, double ramp)
{
	struct biquad q[ANC_STAGES];
	double complex h = 1;

	if (ramp < 0)
		ramp = 0;
	if (ramp > 1)
		ramp = 1;
	anc_design(q, &ac->anc, ac->rate, ramp * ac->anc_strength, &ac->gold);
	for (int k = 0; k < ANC_STAGES; k++)
		h *= bq_resp(&q[k], ac->rate, hz);
	return -20 * log10(cabs(h));
}

double st_acoustic_ramp_seconds(const struct st_acoustic *ac)
{
	return ac->ramp_s;
}

int st_acoustic_mic(const struct st_acoustic *ac, int mic, double *delay_us,
		    double *gain_db, int *polarity, double *lowcut_hz)
{
	const struct mic *mc;

	if (mic < 1 || mic > ST_AC_MAX_MICS)
		return ST_ERR_ARG;
	mc = &ac->mics[mic - 1];
	if (delay_us)
		*delay_us = mc->delay_us;
	if (gain_db)
		*gain_db = mc->gain_db;
	if (polarity)
		*polarity = mc->polarity;
	if (lowcut_hz)
		*lowcut_hz = mc->lowcut_hz;
	return ST_OK;
}

double st_acoustic_ear_delay_us(const struct st_acoustic *ac)
{
	return EAR_DELAY / ac->rate * 1e6;
}

double st_acoustic_assistant_latency(const struct st_acoustic *ac)
{
	return ac->assistant_s;
}

double st_acoustic_background_rms(const struct st_acoustic *ac)
{
	return ac->bg_rms;
}
