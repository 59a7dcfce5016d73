/*
 * audio.h - the station's view of the bench's audio interface: one
 * loudspeaker output (the ambient speaker of the acoustic test fixture)
 * and up to eight inputs with fixed roles (left and right ear simulator,
 * the unit's microphones 1..6).
 *
 * Like the fixture drivers, each back end fills a table of function
 * pointers, registers itself with ST_AUDIO_BACKEND() in its own file, and
 * the measurement layer only sees struct st_audio:
 *   "sim"          the in-process acoustic model (station/sim/simaudio.h)
 *                  on the in-process simulated headset; needs the "sim"
 *                  fixture, renders in bench time (virtual clock: free)
 *   "pa:NAME"      PortAudio, the device whose name contains NAME
 *                  (case-insensitive); a JACK client is a device under
 *                  PortAudio's JACK host API ("pa:stbench")
 *   "pa"           PortAudio with the bench file's `device`
 * The bench file (fixtures/benches/NAME.audio, docs/audio-bench.md) says
 * which device channel plays which role.
 *
 * Captures are aligned to the stimulus start: sample 0 of every channel
 * is the instant the first stimulus sample left the interface.  The
 * PortAudio back end removes the interface's own round-trip latency with a
 * loopback channel when the bench has one (the stimulus is found in it by
 * cross-correlation on every capture), else with the bench file's fixed
 * `latency`, else with PortAudio's reported stream latencies.
 *
 * Errors are station faults, never the unit's: device not found, device
 * gone mid-capture, over/underruns all return ST_ERR_IO with one line.
 * A capture spoilt by an over/underrun is taken again, up to
 * ST_AUDIO_XRUN_RETRIES times, before that error is returned.
 */
#ifndef ST_AUDIO_H
#define ST_AUDIO_H

#include <stddef.h>
#include <stdio.h>

struct st_fixture;
struct st_feedback;

/* Input roles. */
enum st_audio_role {
	ST_ROLE_EAR_L = 0,
	ST_ROLE_EAR_R = 1,
	ST_ROLE_MIC1 = 2,    /* mic N is ST_ROLE_MIC1 + N - 1 */
	ST_ROLE_COUNT = 8,
};
#define ST_AUDIO_MAX_MICS 6
#define ST_AUDIO_MAX_CH 64   /* device channels we can address */
#define ST_AUDIO_XRUN_RETRIES 3
const char *st_audio_role_name(int role);  /* "ear-left", "mic3" */

/* A bench's audio wiring, from fixtures/benches/NAME.audio. */
struct st_audio_bench {
	char name[64];          /* bench name (file stem) */
	char device[128];       /* PortAudio device name substring ("" = any) */
	double rate;            /* sample rate, Hz (48000) */
	int speaker;            /* output channel of the ambient speaker (0-based) */
	int in[ST_ROLE_COUNT];  /* input channel of each role, -1 = absent */
	int loopback;           /* input channel wired to the speaker out, -1 = none */
	long latency;           /* fixed round-trip latency, frames; -1 = unknown */
	double level_dbfs;      /* stimulus level (peak), dBFS (-12) */
	int open_ear;           /* where the ANC step's open-ear reference comes
	                         * from: ST_OPEN_EAR_AUTO (0: lifted by a back end
	                         * that can, else calibration), _LIFT, _CALIBRATION */
	double open_ear_max_age_h; /* a calibration older than this is stale (24) */
	char path[256];         /* file it came from ("" = defaults) */
};
enum { ST_OPEN_EAR_AUTO = 0, ST_OPEN_EAR_LIFT = 1, ST_OPEN_EAR_CALIBRATION = 2 };
/* Defaults: device "", 48 kHz, speaker 0, ear-left 0, ear-right 1, mics
 * 1..6 on inputs 2..7, no loopback, latency unknown, -12 dBFS, open ear
 * auto with calibrations valid for 24 h. */
void st_audio_bench_default(struct st_audio_bench *b);
/* Parse a bench file (`name` in messages); errors are ST_ERR_PARSE with
 * "file:line:col: message".  The _buf form takes len bytes, so a NUL byte
 * is refused rather than ending the text. */
int st_audio_bench_parse(const char *name, const char *text,
			 struct st_audio_bench *b, char *err);
int st_audio_bench_parse_buf(const char *name, const char *buf, size_t len,
			     struct st_audio_bench *b, char *err);
int st_audio_bench_load(const char *path, struct st_audio_bench *b, char *err);
/* `name` is a path (contains '/' or ends in .audio) or a bench name looked
 * up as DIR/fixtures/benches/NAME.audio. */
int st_audio_bench_find(const char *dir, const char *name,
			struct st_audio_bench *b, char *err);
/* Mics wired (count of consecutive mic roles present from mic1). */
int st_audio_bench_mics(const struct st_audio_bench *b);

/* Every role a bench can wire, as a mask for st_audio_playrec(). */
#define ST_ROLES_ALL ((1u << ST_ROLE_COUNT) - 1)

/* One synchronous capture: the channel of every role asked for, aligned to
 * stimulus start; ch[role] is NULL when the role was not asked for or is
 * not wired. */
struct st_capture {
	double rate;                 /* Hz */
	size_t n;                    /* frames per channel */
	float *ch[ST_ROLE_COUNT];    /* malloc'd, or NULL */
	double t_start;              /* bench time of frame 0 (fixture clock) */
	long offset;                 /* frames of interface latency removed */
};
void st_capture_free(struct st_capture *c);

struct st_audio;

struct st_audio_ops {
	const char *name;   /* "sim", "pa" */
	int (*open)(struct st_audio *a, const char *addr, char *err);
	void (*close)(struct st_audio *a);
	/* Play stim[0..n) on the speaker (stim NULL: silence) while recording
	 * the wired inputs of the roles in the mask `roles` (1 << ST_ROLE_*)
	 * for `frames` frames (>= n); fill cap. */
	int (*playrec)(struct st_audio *a, const float *stim, size_t n, size_t frames,
		       unsigned roles, struct st_capture *cap, char *err);
	/* Optional: the unit on / off the acoustic fixture (open-ear
	 * reference); only a simulated bench can do it by itself. */
	int (*place)(struct st_audio *a, int present, char *err);
	/* Optional: a sound the unit made (chime, prompt) - the simulated
	 * bench renders it into the ear simulators. */
	int (*feedback)(struct st_audio *a, const struct st_feedback *ev, char *err);
};

struct st_audio {
	const struct st_audio_ops *ops;
	struct st_audio_bench bench;  /* wiring and rate */
	struct st_fixture *fx;        /* fixture for bench time (may be NULL for pa) */
	char desc[160];               /* "sim WH-1000XM5", "pa stbench (JACK)" */
	unsigned captures;            /* playrec calls that succeeded */
	unsigned xruns;               /* captures lost to over/underruns (retried) */
	int xrun;                     /* back end: the last failure was an xrun */
	void *priv;                   /* back end's context */
};

/* Open an audio back end (addresses above).  bench may be NULL (defaults;
 * "sim" needs none).  fx: the fixture (required for "sim", where it must
 * be the in-process sim fixture; optional for "pa", where it only gives
 * captures their bench time). */
int st_audio_open(struct st_audio **out, const char *addr,
		  const struct st_audio_bench *bench, struct st_fixture *fx, char *err);
void st_audio_close(struct st_audio *a);

double st_audio_rate(const struct st_audio *a);
int st_audio_has(const struct st_audio *a, int role);
const char *st_audio_desc(const struct st_audio *a);

/* Play a stimulus and record the roles in the mask `roles` (ST_ROLES_ALL:
 * every wired input); `frames` >= n is the capture length.  A measurement
 * asks only for what it analyses: a 90 s ramp-up capture of one ear is
 * 17 MB, of all eight inputs 138 MB. */
int st_audio_playrec(struct st_audio *a, const float *stim, size_t n, size_t frames,
		     unsigned roles, struct st_capture *cap, char *err);
/* Record with the speaker silent (noise floor, listening for sounds). */
int st_audio_record(struct st_audio *a, double seconds, unsigned roles,
		    struct st_capture *cap, char *err);
/* ST_ERR_UNSUPPORTED on a back end that cannot. */
int st_audio_place(struct st_audio *a, int present, char *err);
/* 1 when the back end can lift the unit off the fixture by itself (the
 * simulated bench); a real bench needs the operator (and a calibration). */
int st_audio_can_place(const struct st_audio *a);
int st_audio_feedback(struct st_audio *a, const struct st_feedback *ev, char *err);

/* List PortAudio devices (name, host API, channels) to f; for `station
 * ports`-style listings and docs.  Returns the device count or < 0. */
int st_audio_pa_list(FILE *f, char *err);

/* A back end's entry in the table audio.c picks from by address. */
struct st_audio_backend {
	const char *form;   /* exact word ("sim", "pa") or prefix ending in ':'
			     * ("pa:"), whose rest is handed to open() */
	const struct st_audio_ops *ops;
};
/* Put a back end in the table: one line in its own file (collected by the
 * linker in section st_audio_backends, like ST_FIXTURE_DRIVER). */
#define ST_AUDIO_BACKEND(be) \
	static const struct st_audio_backend *const st_audio_backend_entry_##be \
	__attribute__((used, section("st_audio_backends"), aligned(sizeof(void *)))) = &(be)

extern const struct st_audio_ops st_audio_pa_ops;

#endif
