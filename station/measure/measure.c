/*
 * measure.c - the acoustic measurements the sequencer runs (see
 * measure.h): ANC attenuation, microphone alignment and ANC ramp-up (the
 * sounds the unit makes and the voice assistant are in listen.c, the
 * driver response in response.c).  Audio I/O and ANC
 * switching in, the analysis library in the middle, plain numbers and
 * WAV files out.  No DSP of its own beyond making the stimuli.
 */
#include "measure.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "audio/wav.h"
#include "core/clock.h"
#include "core/st.h"
#include "fixture/fixture.h"
#include "model/model.h"
#include "measure/internal.h"
#include "measure/sweepctx.h"

#define DEFAULT_SWEEP_S 2.0
#define MEAS_THREADS 2          /* channels analysed on both cores */
#define DEFAULT_SNR_DB 20.0
#define DEFAULT_F_LO 100.0
#define DEFAULT_F_HI 10000.0
#define DEFAULT_SETTLE_S 40.0
#define DEFAULT_RAMP_S 90.0     /* seed 001: "in a quiet room for 90 seconds" */
#define RAMP_REF_AT_S 180.0     /* the settled reference at the latest, s after
                                 * ANC engaged (assumed: 4.7x seed 001's 38 s) */
#define RAMP_STILL_DB 0.2       /* settled: one block's level within this of
                                 * the block before (assumed) */
#define RAMP_F_LO 100.0         /* the band a ramp-up is judged in, Hz */
#define RAMP_F_HI 1000.0
#define RAMP_BASE_S 3.0         /* ANC-off part of a ramp-up capture */
#define RAMP_MIN_SNR_DB 10.0    /* ramp stimulus over the room, 100 Hz-1 kHz */
#define MIC_F_HI 8000.0

void st_measure_init(struct st_measure *m, struct st_audio *audio, struct st_fixture *fx,
		     const struct st_model *model)
{
	memset(m, 0, sizeof(*m));
	m->audio = audio;
	m->fx = fx;
	m->model = model;
}

static double def(double v, double d)
{
	return v > 0 ? v : d;
}

double meas_scale(const struct st_measure *m)
{
	if (m->fx && m->fx->clock)
		return st_clock_scale(m->fx->clock);
	return 1.0;
}

static int wait_bench(struct st_measure *m, double seconds, char *err)
{
	if (m->fx)
		return st_fixture_wait(m->fx, seconds, err);
	return ST_OK;
}

int meas_playrec(struct st_measure *m, const float *out, size_t n, size_t frames,
		   unsigned roles, struct st_capture *cap, char *err)
{
	int ret = st_audio_playrec(m->audio, out, n, frames, roles, cap, err);

	if (ret == ST_OK && cap->rate > 0)
		m->mandated_s += (double)cap->n / cap->rate * meas_scale(m);
	return ret;
}

int meas_record(struct st_measure *m, double seconds, unsigned roles, struct st_capture *cap,
		char *err)
{
	int ret = st_audio_record(m->audio, seconds, roles, cap, err);

	if (ret == ST_OK && cap->rate > 0)
		m->mandated_s += (double)cap->n / cap->rate * meas_scale(m);
	return ret;
}

static double bench_now(struct st_measure *m)
{
	return m->fx ? st_fixture_now(m->fx) : 0.0;
}

static int anc_set(struct st_measure *m, int on, char *err)
{
	char reply[128], e[ST_ERRLEN];
	int ret;

	if (m->anc_set)
		return m->anc_set(m->anc_ctx, on, err);
	if (!m->fx || !(m->fx->caps & ST_CAP_UART))
		return st_fail(err, ST_ERR_UNSUPPORTED,
			       "measure: cannot switch ANC (no unit UART on this fixture and no "
			       "ANC hook)");
	ret = st_fixture_uart(m->fx, on ? "ANC ON" : "ANC OFF", reply, sizeof(reply), e);
	if (ret != ST_OK)
		return st_fail(err, ret, "measure: ANC %s: %s", on ? "ON" : "OFF", e);
	if (strncmp(reply, on ? "anc=on" : "anc=off", on ? 6 : 7) != 0)
		return st_fail(err, ST_ERR_UNIT, "measure: unit answered '%.60s' to ANC %s",
			       reply, on ? "ON" : "OFF");
	return ST_OK;
}

/* ---- WAV files ---- */

/* note: added to the comment (a sweep capture's sweep), or NULL */
static int write_capture(const struct st_measure *m, const struct st_capture *cap,
			 const char *what, const char *note, struct st_meas_files *files, char *err)
{
	struct st_meas_file *f;
	char e[ST_ERRLEN], comment[320];
	const float *chs[ST_ROLE_COUNT];
	int role[ST_ROLE_COUNT], nch = 0, ret;
	size_t len;

	if (!m->outdir || !files)
		return ST_OK;
	if (files->n >= ST_MEAS_MAX_FILES)
		return st_fail(err, ST_ERR_ARG, "measure: more than %d files for one measurement",
			       ST_MEAS_MAX_FILES);
	/* the channels the capture holds (those its measurement analyses), in
	 * role order, named in the file's comment ("station capture anc-off:
	 * ear-left ear-right") */
	len = (size_t)snprintf(comment, sizeof(comment), "station capture %.40s:", what);
	for (int r = 0; r < ST_ROLE_COUNT; r++)
		if (cap->ch[r]) {
			role[nch++] = r;
			len += (size_t)snprintf(comment + len, sizeof(comment) - len, " %s",
						st_audio_role_name(r));
		}
	if (nch == 0 || cap->n == 0)
		return ST_OK;
	if (note)
		snprintf(comment + len, sizeof(comment) - len, "%s", note);
	mkdir(m->outdir, 0777);
	f = &files->f[files->n];
	memset(f, 0, sizeof(*f));
	snprintf(f->path, sizeof(f->path), "%s/%s-%s-%u.wav", m->outdir,
		 m->tag && *m->tag ? m->tag : "cap", what, m->audio->captures);
	st_strlcpy(f->what, what, sizeof(f->what));
	for (int c = 0; c < nch; c++)
		chs[c] = cap->ch[role[c]];
	ret = st_wav_write_planar(f->path, chs, nch, cap->n, (int)lround(cap->rate), ST_WAV_FLOAT,
				  comment, e);
	if (ret != ST_OK)
		return st_fail(err, ret, "measure: %s", e);
	/* streamed: a 90 s ramp capture is 17 MB */
	ret = st_sha256_file(f->path, f->sha256, err);
	if (ret == ST_OK)
		files->n++;
	return ret;
}

int st_measure_write(const struct st_measure *m, const struct st_capture *cap,
		     const char *what, struct st_meas_files *files, char *err)
{
	return write_capture(m, cap, what, NULL, files, err);
}

/* ---- stimuli ---- */

/* The bench's sweep for this measurement (unchecked). */
static void bench_sweep(const struct st_measure *m, struct st_sweep *sw)
{
	st_sweep_default(sw);
	sw->rate = st_audio_rate(m->audio);
	sw->seconds = def(m->sweep_s, DEFAULT_SWEEP_S);
	sw->level_db = m->audio->bench.level_dbfs;
	sw->f2 = fmin(sw->f2, 0.45 * sw->rate);
}

/* The bench's sweep for this measurement, and its context (kept between
 * measurements, see sweepctx.h). */
int meas_get_sweep(const struct st_measure *m, struct meas_sweep *ms, char *err)
{
	struct st_sweep sw;
	int ret;

	memset(ms, 0, sizeof(*ms));
	bench_sweep(m, &sw);
	ret = st_sweep_check(&sw, err);
	if (ret != ST_OK)
		return ret;
	return meas_sweep_get(&sw, ms, err);
}

/* Steady noise (seeded, Gaussian, peak-limited to the bench level). */
static float *make_noise(const struct st_measure *m, size_t n)
{
	float *x = malloc(n * sizeof(float));
	double amp = pow(10, m->audio->bench.level_dbfs / 20);
	unsigned long long s = 0x243F6A8885A308D3ULL;

	if (!x)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		double g = 0;

		for (int k = 0; k < 4; k++) {
			s ^= s >> 12;
			s ^= s << 25;
			s ^= s >> 27;
			g += (double)((s * 2685821657736338717ULL) >> 11) / 9007199254740992.0;
		}
		g = (g - 2.0) * 1.7320508075688772 * amp / 3.0;
		x[i] = (float)(g > amp ? amp : g < -amp ? -amp : g);
	}
	return x;
}

/* Sweep capture of `frames`; responses for the roles asked (mask of
 * roles) into resp[role].  On error every response is freed. */
int meas_sweep_capture(struct st_measure *m, const float *stim, size_t n,
		       struct st_an_ctx *ctx, unsigned roles, struct st_an_response *resp,
		       const char *what, struct st_meas_files *files, char *err)
{
	struct st_capture cap;
	struct st_an_response got[ST_ROLE_COUNT];
	const float *chs[ST_ROLE_COUNT];
	size_t frames = n + st_an_ctx_tail(ctx);
	int ret, role[ST_ROLE_COUNT], nch = 0;
	struct st_sweep sw;
	char note[160];

	ret = meas_playrec(m, stim, n, frames, roles, &cap, err);
	if (ret != ST_OK)
		return ret;
	/* its sweep and analysis, to re-analyse it later (golden/capnote.h) */
	bench_sweep(m, &sw);
	snprintf(note, sizeof(note), "; sweep %.17g-%.17g Hz %.17g s %.17g dBFS fade %.17g ms; "
		 "analysis %d", sw.f1, sw.f2, sw.seconds, sw.level_db, sw.fade_ms, ST_AN_VERSION);
	ret = write_capture(m, &cap, what, note, files, err);
	for (int r = 0; r < ST_ROLE_COUNT && ret == ST_OK; r++) {
		if (!(roles & (1u << r)))
			continue;
		if (!cap.ch[r]) {
			ret = st_fail(err, ST_ERR_ARG, "measure: the bench has no %s input",
				      st_audio_role_name(r));
			break;
		}
		chs[nch] = cap.ch[r];
		role[nch++] = r;
	}
	/* the channels on both cores */
	if (ret == ST_OK && nch)
		ret = st_an_responses(ctx, chs, cap.n, 1, (size_t)nch, got, MEAS_THREADS, err);
	for (int i = 0; i < nch && ret == ST_OK; i++)
		resp[role[i]] = got[i];
	st_capture_free(&cap);
	if (ret != ST_OK)
		for (int r = 0; r < ST_ROLE_COUNT; r++)
			st_an_response_free(&resp[r]);
	return ret;
}

void meas_free_resps(struct st_an_response *resp)
{
	for (int r = 0; r < ST_ROLE_COUNT; r++)
		st_an_response_free(&resp[r]);
	memset(resp, 0, ST_ROLE_COUNT * sizeof(*resp));
}

/* Judgeable check with the capture's name in the reason. */
int meas_judge(const struct st_measure *m, const struct st_an_response *r, double f_hi,
	       const char *what, int role, char *why, size_t whylen)
{
	char w[ST_ERRLEN];

	if (st_an_judgeable(r, def(m->f_lo, DEFAULT_F_LO), f_hi,
			    def(m->min_snr_db, DEFAULT_SNR_DB), w))
		return 1;
	snprintf(why, whylen, "%s %s: %s", what, st_audio_role_name(role), w);
	return 0;
}

/* ---- ANC ---- */

/* Per ear and band: active, passive and total attenuation and the worst
 * SNR, from the responses (the open ear captured, or the stored
 * calibration's). */
static void anc_results(const struct st_measure *m, const struct st_an_response *open,
			const struct st_an_response *off, const struct st_an_response *on,
			struct st_meas_anc *out)
{
	for (int e = 0; e < 2; e++) {
		int r = ST_ROLE_EAR_L + e;
		struct st_an_anc a;
		struct st_meas_anc_ear *oe = &out->ear[e];

		if (!oe->wired)
			continue;
		st_an_anc(m->open_ref ? &open[r] : NULL, &off[r], &on[r], &a);
		for (int i = 0; i < ST_AN_NBANDS; i++) {
			double s = fmin(off[r].snr_db[i], on[r].snr_db[i]);

			if (m->open_ref)
				s = fmin(s, open[r].snr_db[i]);
			oe->passive_db[i] = a.passive_db[i];
			oe->active_db[i] = a.active_db[i];
			oe->total_db[i] = a.total_db[i];
			if (!m->open_ref && m->open_cal) {
				/* the stored open ear (station calibrate) */
				double o = m->open_cal->band_db[e][i];

				oe->passive_db[i] = o - off[r].band_db[i];
				oe->total_db[i] = o - on[r].band_db[i];
				s = fmin(s, m->open_cal->snr_db[e][i]);
			}
			oe->snr_db[i] = s;
		}
	}
}

int st_measure_anc(struct st_measure *m, struct st_meas_anc *out, char *err)
{
	struct meas_sweep ms = { .stim = NULL };
	struct st_an_ctx *ctx = NULL;
	struct st_an_response open[ST_ROLE_COUNT], off[ST_ROLE_COUNT], on[ST_ROLE_COUNT];
	float *stim = NULL;
	size_t n;
	unsigned ears = 0;
	double f_hi = def(m->f_hi, DEFAULT_F_HI);
	int ret;

	memset(out, 0, sizeof(*out));
	memset(open, 0, sizeof(open));
	memset(off, 0, sizeof(off));
	memset(on, 0, sizeof(on));
	for (int i = 0; i < ST_AN_NBANDS; i++)
		out->fc[i] = st_an_band_centre(i);
	for (int e = 0; e < 2; e++) {
		out->ear[e].wired = st_audio_has(m->audio, ST_ROLE_EAR_L + e);
		if (out->ear[e].wired)
			ears |= 1u << (ST_ROLE_EAR_L + e);
	}
	if (!ears)
		return st_fail(err, ST_ERR_UNSUPPORTED, "measure: the bench has no ear simulator");
	ret = meas_get_sweep(m, &ms, err);
	if (ret != ST_OK)
		return ret;
	stim = ms.stim;
	n = ms.n;
	ctx = ms.ctx;
	out->has_open = m->open_ref || m->open_cal;
	if (!m->open_ref && m->open_cal && (ret = st_open_ear_fits(m->open_cal, m, err)) != ST_OK)
		goto out_free;

	for (out->attempts = 1; out->attempts <= 2; out->attempts++) {
		int ok = 1;

		meas_free_resps(open);
		meas_free_resps(off);
		meas_free_resps(on);
		if (m->open_ref) {
			ret = st_audio_place(m->audio, 0, err);
			if (ret == ST_OK)
				ret = meas_sweep_capture(m, stim, n, ctx, ears, open, "anc-open",
						    &out->files, err);
			if (st_audio_place(m->audio, 1, NULL) != ST_OK && ret == ST_OK)
				ret = st_fail(err, ST_ERR_IO, "measure: cannot put the unit back");
			if (ret != ST_OK)
				goto out_free;
		}
		/* the capture follows the unit's "anc=off" at once: its answer
		 * is the event (ANC off is a switch, not a ramp) */
		ret = anc_set(m, 0, err);
		if (ret == ST_OK)
			ret = meas_sweep_capture(m, stim, n, ctx, ears, off, "anc-off", &out->files, err);
		if (ret == ST_OK)
			ret = anc_set(m, 1, err);
		if (ret == ST_OK) {
			double settle = def(m->anc_settle_s, DEFAULT_SETTLE_S);

			ret = wait_bench(m, settle, err);
			m->mandated_s += settle;
		}
		if (ret == ST_OK)
			ret = meas_sweep_capture(m, stim, n, ctx, ears, on, "anc-on", &out->files, err);
		if (ret != ST_OK)
			goto out_free;
		for (int r = ST_ROLE_EAR_L; r <= ST_ROLE_EAR_R && ok; r++) {
			if (!(ears & (1u << r)))
				continue;
			ok = (!m->open_ref || meas_judge(m, &open[r], f_hi, "open", r, out->why,
						    sizeof(out->why))) &&
			     meas_judge(m, &off[r], f_hi, "ANC off", r, out->why, sizeof(out->why)) &&
			     meas_judge(m, &on[r], f_hi, "ANC on", r, out->why, sizeof(out->why));
		}
		if (ok) {
			out->valid = 1;
			out->why[0] = '\0';
			break;
		}
	}
	if (out->attempts > 2)
		out->attempts = 2;

	anc_results(m, open, off, on, out);
	ret = ST_OK;

out_free:
	meas_free_resps(open);
	meas_free_resps(off);
	meas_free_resps(on);
	meas_sweep_put(&ms);
	return ret;
}

/* ---- microphones ---- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(const double *v, int n)
{
	double s[ST_AUDIO_MAX_MICS];

	memcpy(s, v, (size_t)n * sizeof(double));
	qsort(s, (size_t)n, sizeof(double), cmp_double);
	return n % 2 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
}

static double worst_snr(const struct st_an_response *r, double lo, double hi)
{
	double w = INFINITY;

	for (int i = 0; i < ST_AN_NBANDS; i++) {
		double c = st_an_band_centre(i);

		if (c >= lo && c <= hi && isfinite(r->snr_db[i]))
			w = fmin(w, r->snr_db[i]);
	}
	return isfinite(w) ? w : NAN;
}

int st_measure_mics(struct st_measure *m, struct st_meas_mics *out, char *err)
{
	struct meas_sweep ms = { .stim = NULL };
	struct st_an_ctx *ctx = NULL;
	struct st_an_response resp[ST_ROLE_COUNT];
	float *stim = NULL;
	size_t n;
	unsigned roles = 0;
	int nm, ret;
	double f_hi = MIC_F_HI;

	memset(out, 0, sizeof(*out));
	memset(resp, 0, sizeof(resp));
	nm = st_audio_bench_mics(&m->audio->bench);
	if (m->model && m->model->mics > 0 && m->model->mics < nm)
		nm = m->model->mics;
	if (nm < 2)
		return st_fail(err, ST_ERR_UNSUPPORTED,
			       "measure: mic alignment needs at least 2 mics wired (have %d)", nm);
	for (int i = 0; i < nm; i++)
		roles |= 1u << (ST_ROLE_MIC1 + i);
	out->n = nm;
	ret = meas_get_sweep(m, &ms, err);
	if (ret != ST_OK)
		return ret;
	stim = ms.stim;
	n = ms.n;
	ctx = ms.ctx;
	if (ms.sw.f2 < f_hi)
		f_hi = ms.sw.f2;

	for (out->attempts = 1; out->attempts <= 2; out->attempts++) {
		int ok = 1;

		meas_free_resps(resp);
		ret = meas_sweep_capture(m, stim, n, ctx, roles, resp, "mics", &out->files, err);
		if (ret != ST_OK)
			goto out_free;
		for (int i = 0; i < nm && ok; i++)
			ok = meas_judge(m, &resp[ST_ROLE_MIC1 + i], f_hi, "mics", ST_ROLE_MIC1 + i,
				   out->why, sizeof(out->why));
		if (ok) {
			out->valid = 1;
			out->why[0] = '\0';
			break;
		}
	}
	if (out->attempts > 2)
		out->attempts = 2;

	{
		double d[ST_AUDIO_MAX_MICS], g[ST_AUDIO_MAX_MICS], p[ST_AUDIO_MAX_MICS];
		int pol[ST_AUDIO_MAX_MICS], inverted = 0;
		double md, mg, mp;
		const struct st_an_response *chs[ST_AUDIO_MAX_MICS];
		struct st_an_align al[ST_AUDIO_MAX_MICS];

		/* every microphone against mic 1, on MEAS_THREADS threads */
		for (int i = 1; i < nm; i++)
			chs[i - 1] = &resp[ST_ROLE_MIC1 + i];
		ret = st_an_aligns(ctx, &resp[ST_ROLE_MIC1], chs, (size_t)(nm - 1),
				   def(m->f_lo, DEFAULT_F_LO), f_hi, al, MEAS_THREADS, err);
		if (ret != ST_OK)
			goto out_free;
		for (int i = 0; i < nm; i++) {
			if (i == 0) {
				d[0] = g[0] = p[0] = 0;
				pol[0] = 1;
			} else {
				d[i] = al[i - 1].delay_us;
				g[i] = al[i - 1].gain_db;
				p[i] = al[i - 1].phase_deg;
				pol[i] = al[i - 1].polarity;
				inverted += al[i - 1].polarity < 0;
			}
			out->mic[i].snr_db = worst_snr(&resp[ST_ROLE_MIC1 + i],
						       def(m->f_lo, DEFAULT_F_LO), f_hi);
			out->mic[i].abs_delay_us = resp[ST_ROLE_MIC1 + i].latency_ms * 1000.0;
		}
		/* mic 1 is the odd one out when most others look inverted */
		if (2 * inverted > nm - 1)
			for (int i = 0; i < nm; i++)
				pol[i] = -pol[i];
		md = median(d, nm);
		mg = median(g, nm);
		mp = median(p, nm);
		for (int i = 0; i < nm; i++) {
			out->mic[i].delay_us = d[i] - md;
			out->mic[i].gain_db = g[i] - mg;
			out->mic[i].phase_deg = remainder(p[i] - mp, 360.0);
			out->mic[i].polarity = pol[i];
		}
	}
	ret = ST_OK;

out_free:
	meas_free_resps(resp);
	meas_sweep_put(&ms);
	return ret;
}

/* ---- ramp-up ---- */

/* Power sum of the band levels with centres in [lo, hi], dB. */
static double band_sum(const double *db, double lo, double hi)
{
	double p = 0;

	for (int i = 0; i < ST_AN_NBANDS; i++) {
		double c = st_an_band_centre(i);

		if (c >= lo && c <= hi && isfinite(db[i]))
			p += pow(10, db[i] / 10);
	}
	return p > 0 ? 10 * log10(p) : -INFINITY;
}

/* The ear's level in the band a ramp-up is judged in (RAMP_F_LO..HI), dB. */
static int ramp_level(const float *x, size_t n, double rate, double *db, char *err)
{
	double lev[ST_AN_NBANDS];
	int ret = st_an_band_levels(x, n, 1, rate, lev, err);

	if (ret == ST_OK)
		*db = band_sum(lev, RAMP_F_LO, RAMP_F_HI);
	return ret;
}

/* The unit's settled attenuation: the same noise again, a block of
 * RAMP_BASE_S at a time, until the ear's level holds within RAMP_STILL_DB
 * of the block before (the first compared with the ramp capture's end) -
 * the ANC has finished adapting - or until RAMP_REF_AT_S after ANC engaged.
 * A healthy unit, settled long before the 90 s capture ends, needs one
 * block; a ramp still running is followed to its end.  ref: the last
 * block. */
static int ramp_settle(struct st_measure *m, const float *noise, size_t nbase, double t_on,
		       const struct st_capture *ramp, struct st_capture *ref, char *err)
{
	double rate = st_audio_rate(m->audio), prev = NAN, cur;
	int ret;

	if (ramp->n >= nbase) {
		ret = ramp_level(ramp->ch[ST_ROLE_EAR_L] + (ramp->n - nbase), nbase, rate, &prev, err);
		if (ret != ST_OK)
			return ret;
	}
	for (;;) {
		st_capture_free(ref);
		ret = meas_playrec(m, noise, nbase, nbase, MEAS_EAR_L, ref, err);
		if (ret == ST_OK)
			ret = ramp_level(ref->ch[ST_ROLE_EAR_L], ref->n, rate, &cur, err);
		if (ret != ST_OK)
			return ret;
		if (fabs(cur - prev) <= RAMP_STILL_DB || bench_now(m) >= t_on + RAMP_REF_AT_S)
			return ST_OK;
		prev = cur;
	}
}

/* The ramp-up time from one record (the ANC-off noise, then the ramp
 * capture) judged against the settled reference ref. */
static int ramp_analyse(struct st_measure *m, const struct st_capture *base,
			const struct st_capture *ramp, const struct st_capture *ref, double t_on,
			struct st_meas_ramp *out, char *err)
{
	double rate = st_audio_rate(m->audio), scale = meas_scale(m);
	size_t nall = base->n + ramp->n;
	float *all = malloc(nall * sizeof(float));
	struct st_an_ramp_params rp;
	struct st_an_ramp r;
	int ret;

	if (!all)
		return st_fail(err, ST_ERR_MEM, "measure: out of memory for a ramp-up record");
	memcpy(all, base->ch[ST_ROLE_EAR_L], base->n * sizeof(float));
	memcpy(all + base->n, ramp->ch[ST_ROLE_EAR_L], ramp->n * sizeof(float));
	memset(&rp, 0, sizeof(rp));
	rp.t_engage_s = (double)base->n / rate + (t_on - ramp->t_start) / scale;
	rp.f_lo = RAMP_F_LO;
	rp.f_hi = RAMP_F_HI;
	rp.ref = ref->ch[ST_ROLE_EAR_L];
	rp.nref = ref->n;
	memset(&r, 0, sizeof(r));
	ret = st_an_ramp(all, nall, 1, rate, &rp, &r, err);
	if (ret == ST_OK) {
		out->ramp_s = r.ramp_full_s * scale;
		out->settled_db = r.settled_db;
		out->full_db = r.full_db;
		st_an_ramp_free(&r);
	}
	free(all);
	return ret;
}

int st_measure_ramp(struct st_measure *m, double seconds, struct st_meas_ramp *out,
		    char *err)
{
	double rate = st_audio_rate(m->audio), floor_db, base_db, t_on = 0;
	size_t nbase = (size_t)(RAMP_BASE_S * rate), nramp;
	float *noise;
	struct st_capture floor_cap, base, ramp, ref;
	int ret = ST_OK;

	memset(out, 0, sizeof(*out));
	memset(&floor_cap, 0, sizeof(floor_cap));
	memset(&base, 0, sizeof(base));
	memset(&ramp, 0, sizeof(ramp));
	memset(&ref, 0, sizeof(ref));
	out->ramp_s = out->settled_db = NAN;
	if (!st_audio_has(m->audio, ST_ROLE_EAR_L))
		return st_fail(err, ST_ERR_UNSUPPORTED, "measure: the bench has no left ear");
	seconds = def(seconds, DEFAULT_RAMP_S);
	nramp = (size_t)(seconds / meas_scale(m) * rate);
	noise = make_noise(m, nramp > nbase ? nramp : nbase);
	if (!noise)
		return st_fail(err, ST_ERR_MEM, "measure: out of memory for a %.0f s ramp", seconds);

	for (out->attempts = 1; out->attempts <= 2; out->attempts++) {
		st_capture_free(&floor_cap);
		st_capture_free(&base);
		st_capture_free(&ramp);
		st_capture_free(&ref);
		ret = anc_set(m, 0, err);
		if (ret == ST_OK)
			ret = meas_record(m, 1.0, MEAS_EAR_L, &floor_cap, err);
		if (ret == ST_OK)
			ret = st_measure_write(m, &floor_cap, "floor", &out->files, err);
		if (ret == ST_OK)
			ret = meas_playrec(m, noise, nbase, nbase, MEAS_EAR_L, &base, err);
		if (ret == ST_OK)
			ret = ramp_level(floor_cap.ch[ST_ROLE_EAR_L], floor_cap.n, rate, &floor_db, err);
		if (ret == ST_OK)
			ret = ramp_level(base.ch[ST_ROLE_EAR_L], base.n, rate, &base_db, err);
		if (ret != ST_OK)
			goto out_free;
		out->snr_db = base_db - floor_db;
		ret = anc_set(m, 1, err);
		if (ret != ST_OK)
			goto out_free;
		t_on = bench_now(m);
		ret = meas_playrec(m, noise, nramp, nramp, MEAS_EAR_L, &ramp, err);
		if (ret == ST_OK)
			ret = st_measure_write(m, &ramp, "ramp", &out->files, err);
		/* the unit's own settled attenuation: "full" is judged against it */
		if (ret == ST_OK)
			ret = ramp_settle(m, noise, nbase, t_on, &ramp, &ref, err);
		if (ret == ST_OK)
			ret = st_measure_write(m, &ref, "ramp-settled", &out->files, err);
		if (ret != ST_OK)
			goto out_free;
		if (out->snr_db >= RAMP_MIN_SNR_DB) {
			out->valid = 1;
			out->why[0] = '\0';
			break;
		}
		snprintf(out->why, sizeof(out->why),
			 "ramp-up: noise stimulus only %.1f dB over the room at the ear "
			 "(100 Hz-1 kHz, need %.0f dB)", out->snr_db, RAMP_MIN_SNR_DB);
	}
	if (out->attempts > 2)
		out->attempts = 2;

	ret = ramp_analyse(m, &base, &ramp, &ref, t_on, out, err);

out_free:
	st_capture_free(&floor_cap);
	st_capture_free(&base);
	st_capture_free(&ramp);
	st_capture_free(&ref);
	free(noise);
	return ret;
}
