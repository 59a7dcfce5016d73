/*
 * measure.h - the measurement layer the sequencer calls for the acoustic
 * steps: it switches the unit's ANC, runs the captures on an open audio
 * back end (station/audio/audio.h), hands them to the analysis library
 * (station/analysis/analysis.h), writes the raw captures as WAV files and
 * returns plain numbers.  It judges nothing against limits or masks: that
 * is the sequencer's job (station/limits/limits.h).
 *
 * Validity: a capture too noisy to judge (SNR below min_snr_db in a band
 * that matters, clipping, a dead channel) is measured once more; if it is
 * still not judgeable the result comes back with valid = 0 and `why`
 * saying what, and the sequencer reports ERROR - never FAIL.  A station
 * fault (device gone, xrun, fixture not answering) is a negative return
 * with `err`; also ERROR.
 *
 * ANC switching: through the unit's factory-test UART ("ANC ON" / "ANC
 * OFF", docs/unit-uart.md) when the fixture passes one through, else by
 * the caller's anc_set hook.  Time passes on the fixture's clock, so on the
 * in-process simulated bench the 40 s waits of a ramp-up cost nothing.
 */
#ifndef ST_MEASURE_H
#define ST_MEASURE_H

#include "analysis/analysis.h"
#include "audio/audio.h"

struct st_fixture;
struct st_model;
struct st_open_ear;

#define ST_MEAS_MAX_FILES 12

/* A raw capture written for the record. */
struct st_meas_file {
	char path[512];       /* WAV file, one channel per wired role */
	char sha256[65];      /* of the file's bytes */
	char what[48];        /* "anc-off", "anc-on", "mics", "ramp", "floor" ... */
};

struct st_meas_files {
	struct st_meas_file f[ST_MEAS_MAX_FILES];
	int n;
};

struct st_measure {
	struct st_audio *audio;        /* open audio back end (required) */
	struct st_fixture *fx;         /* for ANC switching and bench time (may be NULL) */
	const struct st_model *model;  /* unit's model (mic count); may be NULL */
	const char *outdir;            /* where WAVs go (NULL: not written) */
	const char *tag;               /* file-name prefix, e.g. the serial (NULL: "cap") */
	double sweep_s;                /* sweep length, s (0 = 2) */
	double min_snr_db;             /* validity threshold per band (0 = 20) */
	double f_lo, f_hi;             /* bands judged for validity (0 = 100 .. 10000) */
	double anc_settle_s;           /* wait after ANC ON before measuring (0 = 40) */
	int open_ref;                  /* ANC: also capture the open ear (unit off the
	                                * fixture; only a bench that can do it itself) */
	const struct st_open_ear *open_cal; /* ANC without open_ref: passive and total
	                                * against this stored open-ear calibration */
	/* out: bench seconds the measurement spent on what it must (its
	 * capture lengths and the ANC settle), for the run's mandated minimum */
	double mandated_s;
	/* ANC switch hook; NULL = the fixture's UART.  Returns ST_OK or < 0. */
	int (*anc_set)(void *ctx, int on, char *err);
	void *anc_ctx;
};
/* Zero everything, then defaults. */
void st_measure_init(struct st_measure *m, struct st_audio *audio, struct st_fixture *fx,
		     const struct st_model *model);

/* ---- ANC attenuation: sweeps with ANC off and on (and open) ---- */
struct st_meas_anc_ear {
	int wired;                          /* the bench has this ear */
	double passive_db[ST_AN_NBANDS];    /* open - off (NAN without open) */
	double active_db[ST_AN_NBANDS];     /* off - on */
	double total_db[ST_AN_NBANDS];      /* open - on (NAN without open) */
	double snr_db[ST_AN_NBANDS];        /* worst SNR of the captures in the band */
};
struct st_meas_anc {
	int valid;                          /* 1: all ears judgeable */
	char why[256];                      /* when not valid */
	int attempts;                       /* captures sets taken (1 or 2) */
	int has_open;                       /* passive/total measured */
	double fc[ST_AN_NBANDS];            /* band centres, Hz */
	struct st_meas_anc_ear ear[2];      /* left, right */
	struct st_meas_files files;
};
int st_measure_anc(struct st_measure *m, struct st_meas_anc *out, char *err);

/* ---- Open-ear calibration: the acoustic test fixture with no headset ----
 * Passive = open - off and total = open - on need the ear simulators'
 * level with nothing on them.  A bench that can lift the unit itself (the
 * simulated bench) captures it inside the ANC measurement (open_ref); any
 * other bench stores one per bench (`station calibrate`, openear.c) and
 * the sequencer hands it in as open_cal while it is younger than the bench
 * file's open-ear-max-age.  Levels are re the stimulus, so the reference
 * holds for the same bench, rate, sweep and level only. */
struct st_open_ear {
	char bench[64];                    /* bench name (bench file stem) */
	long long taken;                   /* when, Unix seconds */
	char taken_iso[24];                /* the same, UTC "2026-12-03T12:00:00Z" */
	double rate;                       /* sample rate, Hz */
	double level_dbfs;                 /* sweep peak, dBFS */
	double sweep_s;                    /* sweep length, s */
	int wired[2];                      /* left, right ear measured */
	double band_db[2][ST_AN_NBANDS];   /* open-ear level, dB re stimulus (NAN: none) */
	double snr_db[2][ST_AN_NBANDS];    /* its SNR */
	char sha256[65];                   /* of the file's text above its sha256 line */
	int valid;                         /* capture judgeable (SNR) */
	char why[256];                     /* when not */
	int attempts;                      /* captures taken (1 or 2) */
	struct st_meas_files files;        /* raw captures written */
};
/* Sweep to the ear simulators (the caller has taken the unit off). */
int st_measure_open_ear(struct st_measure *m, struct st_open_ear *out, char *err);
/* Does cal fit this measurement's bench (name, rate, level, sweep, ears)?
 * ST_OK, or ST_ERR_ARG with why. */
int st_open_ear_fits(const struct st_open_ear *cal, const struct st_measure *m, char *err);
/* DIR/BENCH.cal into buf; ST_ERR_ARG for a bench name that is not
 * letters, digits, '.', '_' and '-' (it becomes a file name). */
int st_open_ear_path(const char *dir, const char *bench, char *buf, size_t n, char *err);
/* Write cal (valid) to path (its folder made if missing), atomically;
 * fills cal->sha256. */
int st_open_ear_save(const char *path, struct st_open_ear *cal, char *err);
/* Read and check one: ST_ERR_NOTFOUND when there is none, ST_ERR_PARSE
 * "path:line:col: message" for a malformed or altered file (sha256). */
int st_open_ear_load(const char *path, struct st_open_ear *out, char *err);
/* Age at `now` (Unix seconds), hours (negative: taken in the future). */
double st_open_ear_age_h(const struct st_open_ear *cal, long long now);

/* ---- Microphone alignment: one sweep, every mic against the array ---- */
struct st_meas_mic {
	double delay_us;     /* relative to the array's median; > 0 = later */
	double gain_db;      /* at 1 kHz, relative to the median */
	double phase_deg;    /* at 1 kHz, relative to the median (polarity removed) */
	int polarity;        /* +1, or -1 when inverted against the array majority */
	double snr_db;       /* worst band SNR, f_lo .. 8 kHz */
	double abs_delay_us; /* IR peak after stimulus start (absolute, for the record) */
};
struct st_meas_mics {
	int valid;
	char why[256];
	int attempts;
	int n;                               /* mics measured */
	struct st_meas_mic mic[ST_AUDIO_MAX_MICS];
	struct st_meas_files files;
};
int st_measure_mics(struct st_measure *m, struct st_meas_mics *out, char *err);

/* ---- ANC ramp-up: steady noise, ANC switched on, level versus time ---- */
struct st_meas_ramp {
	int valid;
	char why[256];
	int attempts;
	double ramp_s;       /* engage -> full attenuation, s: full = the settled
	                      * reference's attenuation, the ramp's line
	                      * extrapolated to it (st_an_ramp.ramp_full_s);
	                      * NAN if the curve never got to 30 % of it */
	double full_db;      /* attenuation at the capture's end, dB (100 Hz .. 1 kHz) */
	double settled_db;   /* attenuation of the reference taken 180 s after
	                      * ANC engaged (the unit's own settled figure) */
	double snr_db;       /* stimulus over the room's floor in that band */
	struct st_meas_files files;
};
/* `seconds` of capture after ANC ON (0 = 90, seed 001's "90 seconds"),
 * then a 5 s reference 180 s after ANC ON. */
int st_measure_ramp(struct st_measure *m, double seconds, struct st_meas_ramp *out,
		    char *err);

/* ---- Frequency response of the unit's drivers ----
 * The unit plays its built-in test sweep (UART `SWEEP DELAY`,
 * docs/unit-uart.md) through both drivers; the ear simulators record it and
 * each ear's response per 1/3-octave band, re its own 1 kHz band, is what
 * the limits' `response.band_db` mask judges.  A driver that cuts out
 * (oxidised leads, a cracked flex cable, seed 001) leaves bands missing. */
#define ST_MEAS_DRIVER_F1 20.0       /* the unit's sweep: Hz */
#define ST_MEAS_DRIVER_F2 20000.0
#define ST_MEAS_DRIVER_S 2.0         /* s */
#define ST_MEAS_DRIVER_DB -20.0      /* peak at the ear simulator, dBFS */
#define ST_MEAS_DRIVER_FADE_MS 10.0
/* That sweep's parameters at `rate`. */
void st_measure_driver_sweep(struct st_sweep *sw, double rate);

/* The analysis context the measurements use for the bench's sweep sw
 * (made once per process and kept between measurements), lent to a
 * caller outside the measurement layer (the re-analysis of stored
 * captures, golden/reanalyse.h) so that it analyses with the very
 * context a measurement would.  *held is what to give back with
 * st_measure_sweep_ctx_put (NULL on failure). */
struct st_measure_sweep_hold;
int st_measure_sweep_ctx_get(const struct st_sweep *sw, struct st_an_ctx **ctx,
			     struct st_measure_sweep_hold **held, char *err);
void st_measure_sweep_ctx_put(struct st_measure_sweep_hold *held);
struct st_meas_response_ear {
	int wired;                          /* the bench has this ear */
	double band_db[ST_AN_NBANDS];       /* dB re the 1 kHz band (NAN outside the sweep) */
	double snr_db[ST_AN_NBANDS];
};
struct st_meas_response {
	int valid;
	char why[256];
	int attempts;
	double fc[ST_AN_NBANDS];            /* band centres, Hz */
	struct st_meas_response_ear ear[2]; /* left, right */
	struct st_meas_files files;
};
int st_measure_response(struct st_measure *m, struct st_meas_response *out, char *err);

/* ---- Sounds the unit makes (chimes, tones, prompts) ---- */
struct st_meas_sound {
	char kind[8];        /* "tone", "chime", "prompt" */
	double onset_s;      /* bench time */
	double duration_s;
	double hz;           /* tone / first tone of a chime (0 for prompts) */
	int count;           /* tones in a chime */
	int ear;             /* 0 left, 1 right */
};
#define ST_MEAS_MAX_SOUNDS 32
struct st_meas_sounds {
	int valid;
	char why[256];
	double t_start;      /* bench time the listening started */
	int n;
	struct st_meas_sound s[ST_MEAS_MAX_SOUNDS];
	struct st_meas_files files;
};
/* Listen for `seconds` with the speaker silent (time passes meanwhile:
 * a control held by the fixture keeps being held). */
int st_measure_sounds(struct st_measure *m, double seconds, struct st_meas_sounds *out,
		      char *err);

/* ---- Voice-assistant latency: wake phrase on the speaker, answer in the ear ---- */
struct st_meas_assistant {
	int valid;
	char why[256];
	int answered;        /* a prompt came back */
	double latency_s;    /* end of the wake phrase -> answer onset, audio
	                      * seconds (the unit's DSP time, not scaled to a
	                      * scaled bench clock); NAN if none */
	struct st_meas_files files;
};
/* The bench's synthetic wake token: two simultaneous tones for 0.5 s (a
 * real bench plays a recorded "Hey Google"); the simulated assistant
 * listens for them (station/sim/acoustic.h). */
#define ST_MEAS_WAKE_HZ1 2400.0
#define ST_MEAS_WAKE_HZ2 3100.0
/* wake: a mono float recording of the wake phrase at the bench rate, or
 * NULL for the synthetic wake token above. */
int st_measure_assistant(struct st_measure *m, const float *wake, size_t n,
			 struct st_meas_assistant *out, char *err);

/* Write a capture as a WAV (float, one channel per role the capture holds,
 * in role order, the roles named in the file's comment) and fill files;
 * used by the functions above, public for tools.  A measurement captures
 * only the channels it analyses, so only those are kept. */
int st_measure_write(const struct st_measure *m, const struct st_capture *cap,
		     const char *what, struct st_meas_files *files, char *err);

#endif
