/*
 * pa.c - the PortAudio back end of the audio interface ("pa:NAME").
 *
 * Opens the device whose name contains NAME (case-insensitive; a JACK
 * client such as the bench simulator is a device of PortAudio's JACK host
 * API, and PortAudio connects our ports to that client's ports in order)
 * and, for every capture, a full-duplex non-interleaved float32 stream
 * whose callback plays the stimulus on the bench's speaker channel and
 * records the wired inputs a capture asks for into buffers allocated
 * beforehand.  The main
 * thread polls the callback's progress (servicing a real-time fixture
 * meanwhile) and gives up when the stream stops early or stalls.
 *
 * Alignment: the recording is longer than asked by a margin, then cut so
 * that frame 0 is the stimulus start.  The cut (interface latency) comes
 * from the bench's loopback channel when it has one (impulse response of
 * loopback vs stimulus, by station/analysis), else from the bench file's
 * `latency`, else from the last loopback figure, else from PortAudio's
 * reported input + output latency.
 */
#include "audio.h"

#include <ctype.h>
#include <fcntl.h>
#include <math.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <portaudio.h>
#include <pa_jack.h>

#include "analysis/analysis.h"
#include "core/clock.h"
#include "core/st.h"
#include "fixture/fixture.h"

#define STALL_S 2.0        /* no progress this long: device gone */
#define LOOP_MARGIN_S 0.5  /* extra recording when aligning by loopback */

/* Back end context. */
struct pa_ctx {
	PaDeviceIndex dev;       /* the device */
	int nin, nout;           /* channels we open */
	long last_offset;        /* last latency measured by loopback, -1 none */
	int jack;                /* device is under the JACK host API */
	int initialised;         /* Pa_Initialize succeeded */
	struct st_an_ctx *loop_ctx; /* loopback alignment's context, kept for the
	                             * next capture of the same stimulus */
	uint64_t loop_key;       /* hash of the stimulus, frames and rate it is for */
};

/* One capture in flight, shared with the callback. */
struct pa_run {
	const float *stim;       /* stimulus */
	size_t nstim;            /* its frames */
	size_t total;            /* frames to record */
	int speaker;             /* output channel of the stimulus */
	int nout;                /* output channels */
	int src[ST_ROLE_COUNT + 1]; /* device input of each buffer (-1 none);
				       the last is the loopback */
	float *rec[ST_ROLE_COUNT + 1]; /* recordings */
	size_t pos;              /* frames done (callback only) */
	atomic_size_t done;      /* frames done, for the main thread */
	atomic_int xruns;        /* over/underruns seen */
	atomic_int finished;     /* callback returned paComplete */
};

static int pa_callback(const void *input, void *output, unsigned long frames,
		       const PaStreamCallbackTimeInfo *ti, PaStreamCallbackFlags flags,
		       void *user)
{
	struct pa_run *r = user;
	const float *const *in = input;
	float **out = output;
	size_t pos = r->pos;

	(void)ti;
	if (flags & (paInputOverflow | paInputUnderflow | paOutputUnderflow | paOutputOverflow))
		atomic_fetch_add(&r->xruns, 1);
	for (int c = 0; c < r->nout; c++) {
		for (unsigned long i = 0; i < frames; i++) {
			size_t k = pos + i;

			out[c][i] = (c == r->speaker && r->stim && k < r->nstim) ? r->stim[k] : 0.0f;
		}
	}
	for (int b = 0; b <= ST_ROLE_COUNT; b++) {
		size_t k;

		if (r->src[b] < 0 || !in)
			continue;
		for (k = 0; k < frames && pos + k < r->total; k++)
			r->rec[b][pos + k] = in[r->src[b]][k];
	}
	r->pos = pos + frames;
	atomic_store(&r->done, r->pos < r->total ? r->pos : r->total);
	if (r->pos >= r->total) {
		atomic_store(&r->finished, 1);
		return paComplete;
	}
	return paContinue;
}

/* Pa_Initialize with ALSA's and JACK's chatter about absent cards and
 * servers kept off the operator's terminal, and without libjack starting
 * a JACK server of its own. */
static PaError quiet_initialize(void)
{
	PaError e;
	int saved, null;

	setenv("JACK_NO_START_SERVER", "1", 0);
	PaJack_SetClientName("station");
	fflush(stderr);
	saved = dup(2);
	null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (saved >= 0 && null >= 0)
		dup2(null, 2);
	e = Pa_Initialize();
	if (saved >= 0 && null >= 0) {
		fflush(stderr);
		dup2(saved, 2);
	}
	if (saved >= 0)
		close(saved);
	if (null >= 0)
		close(null);
	return e;
}

static int contains_ci(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return 1;
	return n == 0;
}

static int needed_inputs(const struct st_audio_bench *b)
{
	int n = b->loopback + 1;

	for (int r = 0; r < ST_ROLE_COUNT; r++)
		if (b->in[r] + 1 > n)
			n = b->in[r] + 1;
	return n;
}

int st_audio_pa_list(FILE *f, char *err)
{
	PaError e = quiet_initialize();
	int n;

	if (e != paNoError)
		return st_fail(err, ST_ERR_IO, "PortAudio: %s", Pa_GetErrorText(e));
	for (int i = 0; i < Pa_GetHostApiCount(); i++) {
		const PaHostApiInfo *h = Pa_GetHostApiInfo(i);

		if (h)
			fprintf(f, "host API %d: %s (%d devices)\n", i, h->name, h->deviceCount);
	}
	n = Pa_GetDeviceCount();
	for (int i = 0; i < n; i++) {
		const PaDeviceInfo *d = Pa_GetDeviceInfo(i);
		const PaHostApiInfo *h = d ? Pa_GetHostApiInfo(d->hostApi) : NULL;

		if (d)
			fprintf(f, "device %d: \"%s\" [%s] in %d out %d, %.0f Hz\n", i, d->name,
				h ? h->name : "?", d->maxInputChannels, d->maxOutputChannels,
				d->defaultSampleRate);
	}
	Pa_Terminate();
	return n;
}

static int pa_open(struct st_audio *a, const char *addr, char *err)
{
	struct pa_ctx *p;
	const char *want = addr && *addr ? addr : a->bench.device;
	int nin = needed_inputs(&a->bench), nout = a->bench.speaker + 1;
	int best = -1, best_score = -1, ndev;
	char names[256] = "";
	PaError e;

	p = calloc(1, sizeof(*p));
	if (!p)
		return st_fail(err, ST_ERR_MEM, "audio: out of memory");
	p->last_offset = -1;
	a->priv = p;
	e = quiet_initialize();
	if (e != paNoError) {
		st_seterr(err, "audio: PortAudio: %s", Pa_GetErrorText(e));
		goto out_free;
	}
	p->initialised = 1;
	ndev = Pa_GetDeviceCount();
	for (int i = 0; i < ndev; i++) {
		const PaDeviceInfo *d = Pa_GetDeviceInfo(i);
		const PaHostApiInfo *h;
		int score;

		if (!d)
			continue;
		if (strlen(names) + strlen(d->name) + 4 < sizeof(names))
			snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s\"%s\"",
				 names[0] ? ", " : "", d->name);
		if (!contains_ci(d->name, want))
			continue;
		h = Pa_GetHostApiInfo(d->hostApi);
		score = 1;
		if (d->maxInputChannels >= nin && d->maxOutputChannels >= nout)
			score += 4;
		if (strcasecmp(d->name, want) == 0)
			score += 2;
		if (h && h->type == paJACK)
			score += 1;
		if (score > best_score) {
			best = i;
			best_score = score;
		}
	}
	if (best < 0) {
		const char *jack = getenv("JACK_DEFAULT_SERVER");

		/* a JACK bench's device is only seen on its own server */
		st_seterr(err, "audio: no PortAudio device matches \"%s\" (devices: %s)%s%s%s", want,
			  names[0] ? names : "none; is the JACK server and the bench running?",
			  jack && *jack ? "; JACK server looked for: " : "",
			  jack && *jack ? jack : "; JACK_DEFAULT_SERVER is not set, so only the default "
			  "JACK server was looked for: export JACK_DEFAULT_SERVER=NAME for a private one",
			  jack && *jack ? " (JACK_DEFAULT_SERVER)" : "");
		goto out_free;
	}
	{
		const PaDeviceInfo *d = Pa_GetDeviceInfo(best);
		const PaHostApiInfo *h = Pa_GetHostApiInfo(d->hostApi);

		if (d->maxInputChannels < nin || d->maxOutputChannels < nout) {
			st_seterr(err, "audio: device \"%s\" has %d inputs / %d outputs, the bench "
				  "%s needs %d / %d", d->name, d->maxInputChannels,
				  d->maxOutputChannels, a->bench.name, nin, nout);
			goto out_free;
		}
		p->dev = best;
		p->nin = nin;
		p->nout = nout;
		p->jack = h && h->type == paJACK;
		snprintf(a->desc, sizeof(a->desc), "pa %s (%s)", d->name, h ? h->name : "?");
	}
	return ST_OK;

out_free:
	if (p->initialised)
		Pa_Terminate();
	free(p);
	a->priv = NULL;
	return ST_ERR_IO;
}

static void pa_close(struct st_audio *a)
{
	struct pa_ctx *p = a->priv;

	if (!p)
		return;
	if (p->initialised)
		Pa_Terminate();
	st_an_ctx_free(p->loop_ctx);
	free(p);
	a->priv = NULL;
}

/* FNV-1a over the stimulus's samples, its length and the rate: which
 * stimulus the kept loopback context was made for. */
static uint64_t stim_key(const float *stim, size_t n, double rate)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	uint32_t w;

	for (size_t i = 0; i < n; i++) {
		memcpy(&w, &stim[i], sizeof(w));
		h = (h ^ w) * 0x100000001b3ULL;
	}
	h = (h ^ (uint64_t)n) * 0x100000001b3ULL;
	return (h ^ (uint64_t)llround(rate)) * 0x100000001b3ULL;
}

/* Latency in frames from the loopback recording: peak of the impulse
 * response of loopback versus stimulus.  The analysis context is kept in
 * p for the next capture of the same stimulus. */
static int loopback_offset(struct pa_ctx *p, const float *stim, size_t n, const float *loop,
			   size_t total, double rate, long *offset, char *err)
{
	struct st_an_config cfg;
	struct st_an_response resp;
	size_t use = n, margin = (size_t)(LOOP_MARGIN_S * rate);
	uint64_t key;
	char e[ST_ERRLEN];
	int ret;

	if (use > (size_t)(4 * rate))
		use = (size_t)(4 * rate);  /* enough to find the delay */
	key = stim_key(stim, use, rate);
	if (!p->loop_ctx || p->loop_key != key) {
		st_an_ctx_free(p->loop_ctx);
		p->loop_ctx = NULL;
		st_an_config_default(&cfg, rate);
		cfg.sweep_l = -1;
		cfg.max_capture = use + margin;
		ret = st_an_ctx_create(&p->loop_ctx, stim, use, &cfg, e);
		if (ret != ST_OK)
			return st_fail(err, ST_ERR_IO, "audio: loopback alignment: %s", e);
		p->loop_key = key;
	}
	memset(&resp, 0, sizeof(resp));
	ret = st_an_response(p->loop_ctx, loop, total < use + margin ? total : use + margin, 1,
			     &resp, e);
	if (ret != ST_OK)
		return st_fail(err, ST_ERR_IO, "audio: loopback alignment: %s", e);
	if (!(fabs(resp.peak) > 0.05) || !isfinite(resp.latency_ms) || resp.latency_ms < -0.5) {
		st_an_response_free(&resp);
		return st_fail(err, ST_ERR_IO,
			       "audio: the loopback input carries no stimulus (peak %.3g): "
			       "check the loopback cable / connection", resp.peak);
	}
	*offset = lround(resp.latency_ms * rate / 1000.0);
	if (*offset < 0)
		*offset = 0;
	st_an_response_free(&resp);
	return ST_OK;
}

static double fixture_now(struct st_audio *a)
{
	return a->fx ? st_fixture_now(a->fx) : 0.0;
}

/* Let time pass while the stream runs: service a real-time fixture, or
 * just sleep (a virtual clock must not run away during a real capture). */
static void pause_a_bit(struct st_audio *a)
{
	char e[ST_ERRLEN];

	if (a->fx && a->fx->clock && !st_clock_is_virtual(a->fx->clock))
		st_fixture_wait(a->fx, 0.01 * st_clock_scale(a->fx->clock), e);
	else
		Pa_Sleep(10);
}

/* Open the full-duplex stream of one capture on p's device. */
static int stream_open(struct st_audio *a, struct pa_run *run, PaStream **stream, char *err)
{
	struct pa_ctx *p = a->priv;
	PaStreamParameters ip, op;
	PaError e;

	memset(&ip, 0, sizeof(ip));
	ip.device = p->dev;
	ip.channelCount = p->nin;
	ip.sampleFormat = paFloat32 | paNonInterleaved;
	ip.suggestedLatency = Pa_GetDeviceInfo(p->dev)->defaultHighInputLatency;
	op = ip;
	op.channelCount = p->nout;
	op.suggestedLatency = Pa_GetDeviceInfo(p->dev)->defaultHighOutputLatency;
	e = Pa_OpenStream(stream, &ip, &op, a->bench.rate, paFramesPerBufferUnspecified,
			  paClipOff | paDitherOff, pa_callback, run);
	if (e != paNoError)
		return st_fail(err, ST_ERR_IO, "audio: cannot open %s at %.0f Hz: %s", a->desc,
			       a->bench.rate, Pa_GetErrorText(e));
	return ST_OK;
}

/* The recording's margin beyond `frames` and, when known before the
 * capture, the cut (*offset; -1 = from the loopback afterwards): the bench
 * file's latency, the last loopback figure, else the stream's reported
 * latency. */
static int margin_of(struct st_audio *a, PaStream *stream, int use_loop, long *margin,
		     long *offset, char *err)
{
	struct pa_ctx *p = a->priv;
	const PaStreamInfo *si;
	double lat;

	*offset = -1;
	if (use_loop) {
		*margin = (long)(LOOP_MARGIN_S * a->bench.rate);
		return ST_OK;
	}
	if (a->bench.latency >= 0 || p->last_offset >= 0) {
		*margin = *offset = a->bench.latency >= 0 ? a->bench.latency : p->last_offset;
		return ST_OK;
	}
	si = Pa_GetStreamInfo(stream);
	lat = si ? si->inputLatency + si->outputLatency : 0;
	if (!(lat >= 0 && lat <= 1.0))
		return st_fail(err, ST_ERR_IO, "audio: %s reports an implausible latency (%g s): "
			       "device gone?", a->desc, lat);
	*margin = *offset = lround(lat * a->bench.rate);
	return ST_OK;
}

/* Buffers for the roles asked for (and the loopback). */
static int run_buffers(struct pa_run *run, const struct st_audio_bench *b, unsigned roles,
		       int use_loop, char *err)
{
	for (int r = 0; r <= ST_ROLE_COUNT; r++) {
		int ch = r < ST_ROLE_COUNT ? ((roles & (1u << r)) ? b->in[r] : -1)
					   : (use_loop ? b->loopback : -1);

		run->src[r] = ch;
		if (ch < 0)
			continue;
		run->rec[r] = calloc(run->total, sizeof(float));
		if (!run->rec[r])
			return st_fail(err, ST_ERR_MEM, "audio: out of memory for %zu frames",
				       run->total);
	}
	return ST_OK;
}

static double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Wait for the callback to finish; an error when the stream stops early,
 * stalls (device gone, server stopped) or over/underruns (a->xrun set:
 * the caller retries). */
static int run_wait(struct st_audio *a, PaStream *stream, struct pa_run *run, char *err)
{
	double rate = a->bench.rate, stall_t = mono_now();
	size_t last = 0;

	while (!atomic_load(&run->finished)) {
		double t;
		size_t done;

		pause_a_bit(a);
		t = mono_now();
		done = atomic_load(&run->done);
		if (done != last) {
			last = done;
			stall_t = t;
		} else if (t - stall_t > STALL_S) {
			return st_fail(err, ST_ERR_IO, "audio: %s stopped delivering audio after "
				       "%.2f s of %.2f s (device gone or server stopped)", a->desc,
				       done / rate, run->total / rate);
		}
		if (Pa_IsStreamActive(stream) != 1 && !atomic_load(&run->finished))
			return st_fail(err, ST_ERR_IO, "audio: %s stream stopped after %.2f s of "
				       "%.2f s (device gone)", a->desc, done / rate, run->total / rate);
	}
	if (atomic_load(&run->xruns) > 0) {
		a->xrun = 1;
		return st_fail(err, ST_ERR_IO, "audio: %d over/underrun(s) on %s during the capture",
			       atomic_load(&run->xruns), a->desc);
	}
	return ST_OK;
}

/* The cut from the loopback recording, within the margin. */
static int loop_cut(struct st_audio *a, const float *stim, size_t n, struct pa_run *run,
		    long margin, long *offset, char *err)
{
	struct pa_ctx *p = a->priv;
	int ret = loopback_offset(p, stim, n, run->rec[ST_ROLE_COUNT], run->total,
				  a->bench.rate, offset, err);

	/* a narrow-band stimulus (the voice assistant's wake tones) has no
	 * clean impulse response: the latency this stream measured with a
	 * broadband one stands (it does not drift on one stream) */
	if (ret != ST_OK && p->last_offset >= 0) {
		*offset = p->last_offset;
		ret = ST_OK;
		err[0] = '\0';
	}
	if (ret != ST_OK)
		return ret;
	if (*offset > margin)
		return st_fail(err, ST_ERR_IO, "audio: loopback latency %ld frames is over the "
			       "%.2f s margin", *offset, LOOP_MARGIN_S);
	p->last_offset = *offset;
	return ST_OK;
}

/* cut: frame 0 = stimulus start */
static int run_cut(struct st_audio *a, const struct pa_run *run, size_t frames, long offset,
		   struct st_capture *cap, char *err)
{
	cap->rate = a->bench.rate;
	cap->n = frames;
	cap->offset = offset;
	cap->t_start += offset / a->bench.rate *
		(a->fx && a->fx->clock ? st_clock_scale(a->fx->clock) : 1);
	for (int r = 0; r < ST_ROLE_COUNT; r++) {
		if (!run->rec[r])
			continue;
		cap->ch[r] = malloc(frames * sizeof(float));
		if (!cap->ch[r])
			return st_fail(err, ST_ERR_MEM, "audio: out of memory");
		memcpy(cap->ch[r], run->rec[r] + offset, frames * sizeof(float));
	}
	return ST_OK;
}

static int pa_playrec(struct st_audio *a, const float *stim, size_t n, size_t frames,
		      unsigned roles, struct st_capture *cap, char *err)
{
	struct st_audio_bench *b = &a->bench;
	struct pa_run *run;
	PaStream *stream = NULL;
	long offset = -1, margin = 0;
	int use_loop, ret, started = 0;
	PaError e;

	if (err)
		err[0] = '\0';
	run = calloc(1, sizeof(*run));
	if (!run)
		return st_fail(err, ST_ERR_MEM, "audio: out of memory");
	use_loop = b->loopback >= 0 && stim && n > 0;
	ret = stream_open(a, run, &stream, err);
	if (ret == ST_OK)
		ret = margin_of(a, stream, use_loop, &margin, &offset, err);
	if (ret != ST_OK)
		goto out_close;
	run->stim = stim;
	run->nstim = stim ? n : 0;
	run->total = frames + (size_t)margin;
	run->speaker = b->speaker;
	run->nout = ((struct pa_ctx *)a->priv)->nout;
	ret = run_buffers(run, b, roles, use_loop, err);
	if (ret != ST_OK)
		goto out_close;
	cap->t_start = fixture_now(a);
	e = Pa_StartStream(stream);
	if (e != paNoError) {
		ret = st_fail(err, ST_ERR_IO, "audio: cannot start %s: %s", a->desc,
			      Pa_GetErrorText(e));
		goto out_close;
	}
	started = 1;
	ret = run_wait(a, stream, run, err);
	if (ret == ST_OK && use_loop)
		ret = loop_cut(a, stim, n, run, margin, &offset, err);
	if (ret == ST_OK)
		ret = run_cut(a, run, frames, offset, cap, err);

out_close:
	if (started)
		Pa_AbortStream(stream);
	if (stream)
		Pa_CloseStream(stream);
	if (ret != ST_OK && err && !err[0])
		st_seterr(err, "audio: capture on %s failed", a->desc);
	for (int r = 0; r <= ST_ROLE_COUNT; r++)
		free(run->rec[r]);
	free(run);
	return ret;
}

const struct st_audio_ops st_audio_pa_ops = {
	.name = "pa",
	.open = pa_open,
	.close = pa_close,
	.playrec = pa_playrec,
};

static const struct st_audio_backend pa_default = { .form = "pa", .ops = &st_audio_pa_ops };
ST_AUDIO_BACKEND(pa_default);
static const struct st_audio_backend pa_named = { .form = "pa:", .ops = &st_audio_pa_ops };
ST_AUDIO_BACKEND(pa_named);
