/*
 * cmd_analyze.c - `station sweep` (write an exponential sine sweep WAV)
 * and `station analyze response|anc|mics|tones` (offline analysis of
 * recorded WAV captures, readable table or --json).  docs/analysis.md has
 * the options and the JSON exactly.  Bad files and usage errors exit 2
 * with one line on stderr.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analysis.h"
#include "audio/wav.h"
#include "cli.h"
#include "core/enc.h"
#include "core/st.h"

/* Options of every analyze mode (unused ones stay at their defaults). */
struct an_opts {
	const char *stimulus;   /* --stimulus WAV */
	const char *capture;    /* --capture WAV */
	const char *off, *on;   /* --off / --on WAV (anc) */
	const char *open;       /* --open WAV (anc, optional) */
	int json;               /* --json */
	long channel;           /* --channel N (-1 = all for response; 0 for tones) */
	long reference;         /* --reference N (mics) */
	double f1, f2;          /* --f1 / --f2: stimulus band override, Hz */
	double stim_time;       /* --stimulus-time S (tones: prompt latency); NAN = none */
};

/* A band's nominal frequency: whole ones as integers (100), others real (31.5). */
static json_t *band_hz(int b)
{
	double hz = st_an_band_nominal(b);

	return hz == floor(hz) ? json_integer((json_int_t)hz) : st_json_num(hz, -6);
}

/* Append v to the array a; 0, or -1 (out of memory: v was NULL). */
static int push(json_t *a, json_t *v)
{
	return a && v ? json_array_append_new(a, v) : (json_decref(v), -1);
}

/* Print the analysis object as one line (core/enc.h); an exit code. */
static int json_done(const char *cmd, json_t *root, int bad)
{
	if (bad) {
		json_decref(root);
		root = NULL;
	}
	if (st_json_put(stdout, root)) {
		cli_error(cmd, "cannot write the JSON result");
		return ST_EXIT_ERROR;
	}
	return 0;
}

static void table_num(FILE *f, double v, int prec, int width)
{
	if (isfinite(v))
		fprintf(f, "%*.*f", width, prec, v);
	else
		fprintf(f, "%*s", width, "-");
}

/* ------------------------------------------------------------------ */

static void sweep_usage(FILE *f)
{
	fprintf(f, "usage: station sweep --out FILE.wav [--f1 20] [--f2 20000] [--seconds 3]\n"
		   "                     [--rate 48000] [--level-db -6] [--fade-ms 10]\n"
		   "                     [--format float|pcm24|pcm16]\n");
}

static int opt_double(const char *cmd, const char *name, const char *val, double *out)
{
	if (!val)
		return cli_usage_error(cmd, "%s needs a value", name);
	if (st_parse_double(val, out) || !isfinite(*out))
		return cli_usage_error(cmd, "%s: '%s' is not a number", name, val);
	return 0;
}

static int opt_long(const char *cmd, const char *name, const char *val, long *out)
{
	if (!val)
		return cli_usage_error(cmd, "%s needs a value", name);
	if (st_parse_int(val, out) || *out < 0 || *out > 255)
		return cli_usage_error(cmd, "%s: '%s' is not a channel number (0..255)", name, val);
	return 0;
}

int cmd_sweep(int argc, char **argv)
{
	struct st_sweep s;
	const char *out = NULL;
	enum st_wav_format fmt = ST_WAV_FLOAT;
	char err[ST_ERRLEN];
	float *x;
	size_t n;
	int ret;

	st_sweep_default(&s);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		double *dst = NULL;

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			sweep_usage(stdout);
			return 0;
		} else if (!strcmp(a, "--out")) {
			if (!v)
				return cli_usage_error(argv[0], "--out needs a file name");
			out = v;
			i++;
			continue;
		} else if (!strcmp(a, "--format")) {
			if (!v)
				return cli_usage_error(argv[0], "--format needs float, pcm24 or pcm16");
			if (!strcmp(v, "float"))
				fmt = ST_WAV_FLOAT;
			else if (!strcmp(v, "pcm24"))
				fmt = ST_WAV_PCM24;
			else if (!strcmp(v, "pcm16"))
				fmt = ST_WAV_PCM16;
			else
				return cli_usage_error(argv[0], "--format: '%s' is not float, pcm24 or pcm16", v);
			i++;
			continue;
		} else if (!strcmp(a, "--f1")) {
			dst = &s.f1;
		} else if (!strcmp(a, "--f2")) {
			dst = &s.f2;
		} else if (!strcmp(a, "--seconds")) {
			dst = &s.seconds;
		} else if (!strcmp(a, "--rate")) {
			dst = &s.rate;
		} else if (!strcmp(a, "--level-db")) {
			dst = &s.level_db;
		} else if (!strcmp(a, "--fade-ms")) {
			dst = &s.fade_ms;
		} else {
			return cli_usage_error(argv[0], "unknown option '%s' (try --help)", a);
		}
		if (opt_double(argv[0], a, v, dst))
			return ST_EXIT_USAGE;
		i++;
	}
	if (!out)
		return cli_usage_error(argv[0], "--out FILE.wav is required");
	if (s.rate != floor(s.rate))
		return cli_usage_error(argv[0], "--rate must be a whole number of Hz");
	if (st_sweep_check(&s, err))
		return cli_usage_error(argv[0], "%s", err);
	n = st_sweep_frames(&s);
	x = malloc(n * sizeof(float));
	if (!x) {
		cli_error("sweep", "out of memory");
		return ST_EXIT_ERROR;
	}
	ret = st_sweep_generate(&s, x, n, err);
	if (!ret)
		ret = st_wav_write(out, x, n, 1, (int)s.rate, fmt, err);
	free(x);
	if (ret) {
		cli_error("sweep", "%s", err);
		return ret == ST_ERR_ARG ? ST_EXIT_USAGE : ST_EXIT_ERROR;
	}
	printf("wrote %s: %zu frames, %g..%g Hz, %g s, %g Hz, %g dBFS peak\n", out, n, s.f1, s.f2,
	       s.seconds, s.rate, s.level_db);
	return 0;
}

/* ------------------------------------------------------------------ */

static void analyze_usage(FILE *f)
{
	fprintf(f,
		"usage: station analyze response --stimulus STIM.wav --capture CAP.wav [--channel N] [--json]\n"
		"       station analyze anc --stimulus STIM.wav --off OFF.wav --on ON.wav [--open OPEN.wav] [--json]\n"
		"       station analyze mics --stimulus STIM.wav --capture MICS.wav [--reference 0] [--json]\n"
		"       station analyze tones --capture CAP.wav [--channel 0] [--stimulus-time S] [--json]\n"
		"options for response/anc/mics: --f1 HZ --f2 HZ override the stimulus band found in STIM.wav\n"
		"channels are numbered from 0; captures start at the stimulus start and have its rate\n");
}

/* A loaded stimulus and the context made from it. */
struct stim {
	struct st_wav wav;      /* the stimulus file (channel 0 is used) */
	float *mono;            /* channel 0 of it */
	struct st_an_ctx *ctx;  /* analysis context */
};

static void stim_free(struct stim *s)
{
	st_an_ctx_free(s->ctx);
	free(s->mono);
	st_wav_free(&s->wav);
}

static int load_capture(const char *cmd, const char *path, int rate, struct st_wav *w)
{
	char err[ST_ERRLEN];

	if (st_wav_read_expect(path, rate, 0, w, err)) {
		cli_error(cmd, "%s%s", err,
			strstr(err, "expected") && strstr(err, "Hz") ? " (the stimulus's rate)" : "");
		return ST_EXIT_USAGE;
	}
	return 0;
}

/* Read the stimulus file (channel 0 is the stimulus). */
static int load_stimulus(const char *cmd, const struct an_opts *o, struct stim *s)
{
	char err[ST_ERRLEN];

	memset(s, 0, sizeof(*s));
	if (st_wav_read(o->stimulus, &s->wav, err)) {
		cli_error(cmd, "%s", err);
		return ST_EXIT_USAGE;
	}
	s->mono = malloc(s->wav.frames * sizeof(float));
	if (!s->mono) {
		cli_error(cmd, "out of memory");
		return ST_EXIT_ERROR;
	}
	for (size_t i = 0; i < s->wav.frames; i++)
		s->mono[i] = s->wav.data[i * (size_t)s->wav.channels];
	return 0;
}

/* Make the analysis context for captures of up to max_capture frames. */
static int stim_ctx(const char *cmd, const struct an_opts *o, size_t max_capture, struct stim *s)
{
	struct st_an_config cfg;
	char err[ST_ERRLEN];
	int ret;

	st_an_config_default(&cfg, s->wav.rate);
	cfg.f1 = o->f1;
	cfg.f2 = o->f2;
	cfg.max_capture = max_capture > s->wav.frames ? max_capture : s->wav.frames;
	ret = st_an_ctx_create(&s->ctx, s->mono, s->wav.frames, &cfg, err);
	if (ret) {
		cli_error(cmd, "%s: %s", o->stimulus, err);
		return ret == ST_ERR_MEM ? ST_EXIT_ERROR : ST_EXIT_USAGE;
	}
	return 0;
}

/* {"stimulus":{...}} to which the caller adds its results; NULL if out of memory. */
static json_t *json_stimulus(const struct stim *s)
{
	return json_pack("{s:{s:i,s:I,s:o,s:o,s:o}}", "stimulus", "rate", s->wav.rate,
			 "frames", (json_int_t)s->wav.frames, "f1", st_json_num(st_an_ctx_f1(s->ctx), 2),
			 "f2", st_json_num(st_an_ctx_f2(s->ctx), 2),
			 "sweep_l", st_json_num(st_an_ctx_sweep_l(s->ctx), 6));
}

static int analysis_failed(const char *cmd, const char *path, long ch, const char *err)
{
	cli_error(cmd, "%s channel %ld: %s", path, ch, err);
	return ST_EXIT_USAGE;
}

static int do_response(const char *cmd, const struct an_opts *o)
{
	struct stim s;
	struct st_wav cap = { 0 };
	struct st_an_response *r = NULL;
	char err[ST_ERRLEN];
	int ret, c0, c1;

	if (!o->stimulus || !o->capture)
		return cli_usage_error(cmd, "response needs --stimulus and --capture");
	ret = load_stimulus(cmd, o, &s);
	if (ret)
		goto out;
	ret = load_capture(cmd, o->capture, s.wav.rate, &cap);
	if (ret)
		goto out;
	if (o->channel >= cap.channels) {
		ret = cli_usage_error(cmd, "%s has %d channel%s; no channel %ld", o->capture, cap.channels,
				      cap.channels == 1 ? "" : "s", o->channel);
		goto out;
	}
	ret = stim_ctx(cmd, o, cap.frames, &s);
	if (ret)
		goto out;
	c0 = o->channel >= 0 ? (int)o->channel : 0;
	c1 = o->channel >= 0 ? (int)o->channel : cap.channels - 1;
	r = calloc((size_t)cap.channels, sizeof(*r));
	if (!r) {
		ret = ST_EXIT_ERROR;
		goto out;
	}
	for (int c = c0; c <= c1; c++) {
		if (st_an_response(s.ctx, cap.data + c, cap.frames, (size_t)cap.channels, &r[c], err)) {
			ret = analysis_failed(cmd, o->capture, c, err);
			goto out;
		}
	}
	if (o->json) {
		json_t *root = json_stimulus(&s), *chans = json_array();
		int bad = !root || !chans || json_object_set_new(root, "channels", chans);

		for (int c = c0; c <= c1 && !bad; c++) {
			json_t *bands = json_array();

			bad |= push(chans, json_pack("{s:i,s:o,s:I,s:o}", "channel", c, "latency_ms",
						     st_json_num(r[c].latency_ms, 4), "clipped",
						     (json_int_t)r[c].clipped, "bands", bands));
			for (int b = 0; b < ST_AN_NBANDS && !bad; b++) {
				if (!isfinite(r[c].band_db[b]))
					continue;
				bad |= push(bands, json_pack("{s:o,s:o,s:o,s:o}", "hz", band_hz(b),
							     "db", st_json_num(r[c].band_db[b], 3),
							     "snr_db", st_json_num(r[c].snr_db[b], 1),
							     "thd_pct", st_json_num(r[c].thd_pct[b], 4)));
			}
		}
		ret = json_done(cmd, root, bad);
		goto out;
	} else {
		printf("stimulus %s: %d Hz, band %.1f..%.1f Hz\n", o->stimulus, s.wav.rate,
		       st_an_ctx_f1(s.ctx), st_an_ctx_f2(s.ctx));
		for (int c = c0; c <= c1; c++) {
			printf("\nchannel %d: latency %.4f ms%s\n", c, r[c].latency_ms,
			       r[c].clipped ? " (CLIPPED)" : "");
			printf("%8s %9s %8s %9s\n", "band Hz", "dB", "SNR dB", "THD %");
			for (int b = 0; b < ST_AN_NBANDS; b++) {
				if (!isfinite(r[c].band_db[b]))
					continue;
				printf("%8g ", st_an_band_nominal(b));
				table_num(stdout, r[c].band_db[b], 2, 9);
				putchar(' ');
				table_num(stdout, r[c].snr_db[b], 1, 8);
				putchar(' ');
				table_num(stdout, r[c].thd_pct[b], 3, 9);
				putchar('\n');
			}
		}
	}
	ret = 0;
out:
	if (r)
		for (int c = 0; c < cap.channels; c++)
			st_an_response_free(&r[c]);
	free(r);
	st_wav_free(&cap);
	stim_free(&s);
	return ret;
}

static int anc_json(const char *cmd, const struct stim *s, struct st_an_response *r[3], int nch)
{
	json_t *root = json_stimulus(s), *chans = json_array();
	int bad = !root || !chans || json_object_set_new(root, "channels", chans);
	struct st_an_anc anc;

	for (int c = 0; c < nch && !bad; c++) {
		json_t *bands = json_array();

		st_an_anc(r[0] ? &r[0][c] : NULL, &r[1][c], &r[2][c], &anc);
		bad |= push(chans, json_pack("{s:i,s:o}", "channel", c, "bands", bands));
		for (int b = 0; b < ST_AN_NBANDS && !bad; b++) {
			if (!isfinite(anc.active_db[b]))
				continue;
			bad |= push(bands, json_pack("{s:o,s:o,s:o,s:o}", "hz", band_hz(b),
						     "passive_db", st_json_num(anc.passive_db[b], 3),
						     "active_db", st_json_num(anc.active_db[b], 3),
						     "total_db", st_json_num(anc.total_db[b], 3)));
		}
	}
	return json_done(cmd, root, bad);
}

static int do_anc(const char *cmd, const struct an_opts *o)
{
	struct stim s;
	struct st_wav w[3] = { { 0 } };
	const char *path[3] = { o->open, o->off, o->on };
	struct st_an_response *r[3] = { NULL, NULL, NULL };
	struct st_an_anc anc;
	char err[ST_ERRLEN];
	size_t maxf = 0;
	int ret, nch = 0;

	memset(&s, 0, sizeof(s));
	if (!o->stimulus || !o->off || !o->on)
		return cli_usage_error(cmd, "anc needs --stimulus, --off and --on (and optionally --open)");
	ret = load_stimulus(cmd, o, &s);
	if (ret)
		goto out;
	for (int i = 0; i < 3; i++) {
		if (!path[i])
			continue;
		ret = load_capture(cmd, path[i], s.wav.rate, &w[i]);
		if (ret)
			goto out;
		if (nch && w[i].channels != nch) {
			ret = cli_usage_error(cmd, "%s has %d channels but the other captures have %d", path[i],
					      w[i].channels, nch);
			goto out;
		}
		nch = w[i].channels;
		if (w[i].frames > maxf)
			maxf = w[i].frames;
	}
	ret = stim_ctx(cmd, o, maxf, &s);
	if (ret)
		goto out;
	for (int i = 0; i < 3; i++) {
		if (!path[i])
			continue;
		r[i] = calloc((size_t)nch, sizeof(struct st_an_response));
		if (!r[i]) {
			ret = ST_EXIT_ERROR;
			goto out;
		}
		for (int c = 0; c < nch; c++) {
			if (st_an_response(s.ctx, w[i].data + c, w[i].frames, (size_t)nch, &r[i][c], err)) {
				ret = analysis_failed(cmd, path[i], c, err);
				goto out;
			}
		}
	}
	if (o->json) {
		ret = anc_json(cmd, &s, r, nch);
		goto out;
	}
	printf("stimulus %s: band %.1f..%.1f Hz; attenuation in dB, positive = quieter at the ear\n",
	       o->stimulus, st_an_ctx_f1(s.ctx), st_an_ctx_f2(s.ctx));
	for (int c = 0; c < nch; c++) {
		st_an_anc(r[0] ? &r[0][c] : NULL, &r[1][c], &r[2][c], &anc);
		printf("\nchannel %d\n%8s %10s %10s %10s\n", c, "band Hz", "passive", "active", "total");
		for (int b = 0; b < ST_AN_NBANDS; b++) {
			if (!isfinite(anc.active_db[b]))
				continue;
			printf("%8g ", st_an_band_nominal(b));
			table_num(stdout, anc.passive_db[b], 2, 10);
			putchar(' ');
			table_num(stdout, anc.active_db[b], 2, 10);
			putchar(' ');
			table_num(stdout, anc.total_db[b], 2, 10);
			putchar('\n');
		}
	}
	ret = 0;
out:
	for (int i = 0; i < 3; i++) {
		if (r[i])
			for (int c = 0; c < nch; c++)
				st_an_response_free(&r[i][c]);
		free(r[i]);
		st_wav_free(&w[i]);
	}
	stim_free(&s);
	return ret;
}

static int mics_json(const char *cmd, const struct stim *s, struct st_an_response *r, int nch,
		     int ref, const char *capture)
{
	json_t *root = json_pack("{s:i}", "reference", ref), *chans = json_array();
	int bad = !root || !chans || json_object_set_new(root, "channels", chans);
	struct st_an_align al;
	char err[ST_ERRLEN];

	for (int c = 0; c < nch && !bad; c++) {
		json_t *bands = json_array();

		if (c == ref) {
			json_decref(bands);
			continue;
		}
		if (st_an_align(s->ctx, &r[ref], &r[c], 0, 0, &al, err)) {
			json_decref(bands);
			json_decref(root);
			return analysis_failed(cmd, capture, c, err);
		}
		bad |= push(chans, json_pack("{s:i,s:o,s:o,s:o,s:i,s:o}", "channel", c,
					     "delay_us", st_json_num(al.delay_us, 3),
					     "gain_db", st_json_num(al.gain_db, 3),
					     "phase_deg", st_json_num(al.phase_deg, 3),
					     "polarity", al.polarity, "bands", bands));
		for (int b = 0; b < ST_AN_NBANDS && !bad; b++) {
			if (!isfinite(al.band_gain_db[b]))
				continue;
			bad |= push(bands, json_pack("{s:o,s:o,s:o}", "hz", band_hz(b),
						     "gain_db", st_json_num(al.band_gain_db[b], 3),
						     "phase_deg", st_json_num(al.band_phase_deg[b], 2)));
		}
	}
	return json_done(cmd, root, bad);
}

static int do_mics(const char *cmd, const struct an_opts *o)
{
	struct stim s;
	struct st_wav cap = { 0 };
	struct st_an_response *r = NULL;
	struct st_an_align al;
	char err[ST_ERRLEN];
	int ret, ref = (int)o->reference;

	memset(&s, 0, sizeof(s));
	if (!o->stimulus || !o->capture)
		return cli_usage_error(cmd, "mics needs --stimulus and --capture");
	ret = load_stimulus(cmd, o, &s);
	if (ret)
		goto out;
	ret = load_capture(cmd, o->capture, s.wav.rate, &cap);
	if (ret)
		goto out;
	if (cap.channels < 2) {
		ret = cli_usage_error(cmd, "%s has 1 channel; mics needs a reference and at least one more",
				      o->capture);
		goto out;
	}
	if (ref >= cap.channels) {
		ret = cli_usage_error(cmd, "%s has %d channels; no reference channel %d", o->capture,
				      cap.channels, ref);
		goto out;
	}
	ret = stim_ctx(cmd, o, cap.frames, &s);
	if (ret)
		goto out;
	r = calloc((size_t)cap.channels, sizeof(*r));
	if (!r) {
		ret = ST_EXIT_ERROR;
		goto out;
	}
	for (int c = 0; c < cap.channels; c++) {
		if (st_an_response(s.ctx, cap.data + c, cap.frames, (size_t)cap.channels, &r[c], err)) {
			ret = analysis_failed(cmd, o->capture, c, err);
			goto out;
		}
	}
	if (o->json) {
		ret = mics_json(cmd, &s, r, cap.channels, ref, o->capture);
		goto out;
	}
	printf("reference channel %d; delay > 0 = hears later; gain and phase at 1 kHz\n"
	       "%7s %10s %9s %10s %8s\n", ref, "channel", "delay us", "gain dB", "phase deg", "polarity");
	for (int c = 0; c < cap.channels; c++) {
		if (c == ref)
			continue;
		if (st_an_align(s.ctx, &r[ref], &r[c], 0, 0, &al, err)) {
			ret = analysis_failed(cmd, o->capture, c, err);
			goto out;
		}
		printf("%7d ", c);
		table_num(stdout, al.delay_us, 3, 10);
		putchar(' ');
		table_num(stdout, al.gain_db, 3, 9);
		putchar(' ');
		table_num(stdout, al.phase_deg, 3, 10);
		printf(" %8d\n", al.polarity);
	}
	ret = 0;
out:
	if (r)
		for (int c = 0; c < cap.channels; c++)
			st_an_response_free(&r[c]);
	free(r);
	st_wav_free(&cap);
	stim_free(&s);
	return ret;
}

static int tones_json(const char *cmd, const struct st_an_events *ev, long ch, double stim_time,
		      double lat)
{
	json_t *tones = json_array(), *chimes = json_array(), *prompts = json_array();
	json_t *root = json_pack("{s:I,s:o,s:o,s:o,s:o}", "channel", (json_int_t)ch,
				 "noise_db", st_json_num(ev->noise_db, 1), "tones", tones,
				 "chimes", chimes, "prompts", prompts);
	int bad = !root;

	for (size_t i = 0; i < ev->ntones && !bad; i++) {
		const struct st_an_tone *t = &ev->tones[i];

		bad |= push(tones, json_pack("{s:o,s:o,s:o,s:o,s:i}", "onset_s", st_json_num(t->onset_s, 5),
					     "hz", st_json_num(t->hz, 2),
					     "duration_s", st_json_num(t->duration_s, 5),
					     "level_db", st_json_num(t->level_db, 2), "chime", t->chime));
	}
	for (size_t i = 0; i < ev->nchimes && !bad; i++)
		bad |= push(chimes, json_pack("{s:o,s:o,s:i}",
					      "onset_s", st_json_num(ev->chimes[i].onset_s, 5),
					      "duration_s", st_json_num(ev->chimes[i].duration_s, 5),
					      "tones", ev->chimes[i].ntones));
	for (size_t i = 0; i < ev->nprompts && !bad; i++)
		bad |= push(prompts, json_pack("{s:o,s:o,s:o}",
					       "onset_s", st_json_num(ev->prompts[i].onset_s, 5),
					       "duration_s", st_json_num(ev->prompts[i].duration_s, 5),
					       "level_db", st_json_num(ev->prompts[i].level_db, 2)));
	if (!bad && isfinite(stim_time))
		bad |= st_json_set_num(root, "prompt_latency_s", lat, 5);
	return json_done(cmd, root, bad);
}

static int do_tones(const char *cmd, const struct an_opts *o)
{
	struct st_wav cap = { 0 };
	struct st_an_events ev;
	char err[ST_ERRLEN];
	long ch = o->channel >= 0 ? o->channel : 0;
	double lat = NAN;
	int ret;

	memset(&ev, 0, sizeof(ev));
	if (!o->capture)
		return cli_usage_error(cmd, "tones needs --capture");
	ret = load_capture(cmd, o->capture, 0, &cap);
	if (ret)
		return ret;
	if (ch >= cap.channels) {
		ret = cli_usage_error(cmd, "%s has %d channel%s; no channel %ld", o->capture, cap.channels,
				      cap.channels == 1 ? "" : "s", ch);
		goto out;
	}
	if (st_an_detect(cap.data + ch, cap.frames, (size_t)cap.channels, cap.rate, NULL, &ev, err)) {
		ret = analysis_failed(cmd, o->capture, ch, err);
		goto out;
	}
	if (isfinite(o->stim_time))
		lat = st_an_prompt_latency(&ev, o->stim_time);
	if (o->json) {
		ret = tones_json(cmd, &ev, ch, o->stim_time, lat);
		goto out;
	} else {
		static const char *const names[] = { "", "single", "double", "triple", "quadruple" };

		printf("%s channel %ld: background %.1f dBFS\n", o->capture, ch, ev.noise_db);
		printf("%10s %10s %10s %9s %6s\n", "onset s", "Hz", "length s", "dBFS", "chime");
		for (size_t i = 0; i < ev.ntones; i++)
			printf("%10.4f %10.2f %10.4f %9.2f %6d\n", ev.tones[i].onset_s, ev.tones[i].hz,
			       ev.tones[i].duration_s, ev.tones[i].level_db, ev.tones[i].chime);
		for (size_t i = 0; i < ev.nchimes; i++) {
			int k = ev.chimes[i].ntones;

			printf("chime %zu at %.4f s: %s%s (%d tone%s)\n", i, ev.chimes[i].onset_s,
			       k < 5 ? names[k] : "multiple", " chime", k, k == 1 ? "" : "s");
		}
		for (size_t i = 0; i < ev.nprompts; i++)
			printf("voice prompt at %.4f s for %.3f s, %.1f dBFS\n", ev.prompts[i].onset_s,
			       ev.prompts[i].duration_s, ev.prompts[i].level_db);
		if (isfinite(o->stim_time)) {
			if (isfinite(lat))
				printf("prompt latency after %.4f s: %.4f s\n", o->stim_time, lat);
			else
				printf("no voice prompt after %.4f s\n", o->stim_time);
		}
	}
	ret = 0;
out:
	st_an_events_free(&ev);
	st_wav_free(&cap);
	return ret;
}

int cmd_analyze(int argc, char **argv)
{
	struct an_opts o;
	const char *mode;
	char cmd[64];

	if (argc < 2)
		return cli_usage_error(argv[0], "which analysis? response, anc, mics or tones (try --help)");
	mode = argv[1];
	if (!strcmp(mode, "--help") || !strcmp(mode, "-h") || !strcmp(mode, "help")) {
		analyze_usage(stdout);
		return 0;
	}
	if (strcmp(mode, "response") && strcmp(mode, "anc") && strcmp(mode, "mics") && strcmp(mode, "tones"))
		return cli_usage_error(argv[0], "unknown analysis '%s' (response, anc, mics, tones)", mode);
	snprintf(cmd, sizeof(cmd), "analyze %s", mode);
	memset(&o, 0, sizeof(o));
	o.channel = -1;
	o.stim_time = NAN;
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		const char **sdst = NULL;

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			analyze_usage(stdout);
			return 0;
		} else if (!strcmp(a, "--json")) {
			o.json = 1;
			continue;
		} else if (!strcmp(a, "--stimulus")) {
			sdst = &o.stimulus;
		} else if (!strcmp(a, "--capture")) {
			sdst = &o.capture;
		} else if (!strcmp(a, "--off")) {
			sdst = &o.off;
		} else if (!strcmp(a, "--on")) {
			sdst = &o.on;
		} else if (!strcmp(a, "--open")) {
			sdst = &o.open;
		} else if (!strcmp(a, "--channel")) {
			if (opt_long(cmd, a, v, &o.channel))
				return ST_EXIT_USAGE;
			i++;
			continue;
		} else if (!strcmp(a, "--reference")) {
			if (opt_long(cmd, a, v, &o.reference))
				return ST_EXIT_USAGE;
			i++;
			continue;
		} else if (!strcmp(a, "--f1") || !strcmp(a, "--f2") || !strcmp(a, "--stimulus-time")) {
			double *d = !strcmp(a, "--f1") ? &o.f1 : !strcmp(a, "--f2") ? &o.f2 : &o.stim_time;

			if (opt_double(cmd, a, v, d))
				return ST_EXIT_USAGE;
			if (d != &o.stim_time && !(*d > 0))
				return cli_usage_error(cmd, "%s must be above 0 Hz", a);
			i++;
			continue;
		} else {
			return cli_usage_error(cmd, "unknown option '%s' (try --help)", a);
		}
		if (!v)
			return cli_usage_error(cmd, "%s needs a file name", a);
		*sdst = v;
		i++;
	}
	if (!strcmp(mode, "response"))
		return do_response(cmd, &o);
	if (!strcmp(mode, "anc"))
		return do_anc(cmd, &o);
	if (!strcmp(mode, "mics"))
		return do_mics(cmd, &o);
	return do_tones(cmd, &o);
}
