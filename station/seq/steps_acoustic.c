/*
 * steps_acoustic.c - the acoustic steps (ANC attenuation against masks,
 * microphone-array alignment, ANC ramp-up, voice-assistant latency): each
 * measures through station/measure, keeps its raw captures and judges the
 * result against the limit file.
 */
#include "internal.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "audio/audio.h"
#include "limits/limits.h"
#include "measure/measure.h"

/* --------------------------------------------------------- acoustic steps */

/* Where this run's raw captures go: DIR/<uuid>/, made on first use. */
static const char *capture_dir(struct seq *s, char *buf, size_t n)
{
	if (!s->cfg->capture_dir)
		return NULL;
	mkdir(s->cfg->capture_dir, 0777);
	snprintf(buf, n, "%s/%s", s->cfg->capture_dir, s->res->uuid);
	/* a folder that cannot be made is not skipped: writing the capture
	 * into it then fails naming the path, and the step is an ERROR */
	mkdir(buf, 0777);
	return buf;
}

static void keep_files(struct seq *s, const struct st_meas_files *f)
{
	for (int i = 0; i < f->n; i++) {
		char text[512];
		struct st_event ev = { .kind = ST_EV_INFO, .text = text, .artifact = f->f[i].what,
				       .path = f->f[i].path, .sha256 = f->f[i].sha256 };

		snprintf(text, sizeof(text), "capture %s: %s", f->f[i].what, f->f[i].path);
		seq_emit(s, &ev);
	}
}

static void measure_setup(struct seq *s, struct st_measure *m, char *dir, size_t n)
{
	const struct st_limit *ramp = st_limits_get(s->lim, "anc.rampup_s");

	st_measure_init(m, s->cfg->audio, s->fx, s->m);
	/* ANC is settled by the seed's longest ramp-up (seed 001: "22-38
	 * seconds to full attenuation", the limit's upper bound) */
	if (ramp && ramp->has_high && ramp->high > 0)
		m->anc_settle_s = ramp->high;
	m->outdir = capture_dir(s, dir, n);
	m->tag = s->res->uuid;  /* file names from the run uuid, never the typed serial */
}

/* What a measurement says about its own capture. */
struct capture_quality {
	int valid;                          /* 1: judgeable */
	int attempts;                       /* capture sets taken */
	const char *why;                    /* when not valid */
	const struct st_meas_files *files;  /* raw captures written */
};

/* One acoustic step: how it measures and how it judges.  Its row in the
 * step table (steps.c) runs seq_step_acoustic with this as its `data`. */
struct seq_acoustic {
	const char *what;       /* names an unjudgeable capture: "ANC ramp-up" */
	const char *doing;      /* the ACTION event */
	const char *open_note;  /* added to `doing` when the bench has an open-ear reference */
	size_t size;            /* its result struct */
	/* 1 when the limit file has what judging needs (else a finding is made) */
	int (*ready)(struct seq *s);
	/* optional, after set-up: 1 measure, 0 a finding was made (nothing
	 * measured), <0 station error; r is the zeroed result */
	int (*prepare)(struct seq *s, struct st_measure *m, void *r);
	/* measure into r (calloc'd, `size` bytes) and describe the capture in q */
	int (*measure)(struct st_measure *m, void *r, struct capture_quality *q, char *err);
	/* judge r: measurements recorded, findings made */
	void (*judge)(struct seq *s, const void *r);
};

/* The skeleton every acoustic step shares (the step table has already
 * SKIPped it on a station without an acoustic bench): measure, keep the
 * raw captures, make a capture too noisy to judge the station's ERROR
 * (the room or the seal, not the unit), otherwise judge the result.
 * 1 PASS, 0 not, <0 station error. */
static int acoustic_run(struct seq *s, const struct seq_acoustic *a)
{
	struct st_measure m;
	struct capture_quality q = { 0 };
	char dir[512];
	void *r;
	int ret;

	if (a->ready && !a->ready(s))
		return 0;
	r = calloc(1, a->size);
	if (!r)
		return ST_ERR_MEM;
	measure_setup(s, &m, dir, sizeof(dir));
	if (a->prepare && (ret = a->prepare(s, &m, r)) <= 0)
		goto out_free;
	seq_say(s, ST_EV_ACTION, "%s%s", a->doing, m.open_ref && a->open_note ? a->open_note : "");
	ret = a->measure(&m, r, &q, s->err);
	s->mandated += m.mandated_s;
	if (ret)
		goto out_free;
	keep_files(s, q.files);
	if (!q.valid) {
		seq_finding(s, ST_ERROR, ST_DISP_UNJUDGEABLE,
			    "%s measurement not judgeable after %d attempts: %s (the room or the seal, not the unit)",
			    a->what, q.attempts, q.why);
		goto out_free; /* ret 0 */
	}
	a->judge(s, r);
	ret = s->step_verdict == ST_PASS;
out_free:
	free(r);
	return ret;
}

int seq_step_acoustic(struct seq *s, const struct st_plan_step *ps)
{
	return acoustic_run(s, st_seq_step((int)ps->op)->data);
}

int seq_verify_acoustic(struct seq *s, int full)
{
	int ret;

	if (s->symptom_mics && s->cfg->audio && s->last_reset[0]) {
		/* did the reset realign the array? */
		s->symptom_mics = 0;
		ret = acoustic_run(s, &seq_acoustic_mics);
		if (ret < 0)
			return ret;
	}
	if (!s->cfg->audio) {
		seq_say(s, ST_EV_INFO,
			"no acoustic bench on this station: voice-assistant latency%s not measured",
			full ? " and ANC ramp-up" : "");
		return 1;
	}
	ret = acoustic_run(s, &seq_acoustic_assistant);
	if (ret < 0 || !full)
		return ret;
	return acoustic_run(s, &seq_acoustic_ramp);
}

/* ------------------------------------------------------------------ anc */

static int anc_ready(struct seq *s)
{
	if (st_limits_mask(s->lim, "anc.active_db"))
		return 1;
	seq_missing_limit(s, "mask 'anc.active_db'");
	return 0;
}

/* The anc step's result: the measurement, and the stored open-ear
 * reference it was judged against (when the bench cannot lift the unit). */
struct anc_result {
	struct st_meas_anc a;      /* passive, active, total per ear and band */
	struct st_open_ear cal;    /* the bench's calibration (cal.valid: in use) */
};

/* Where the open ear comes from (docs/audio-bench.md): a bench that can
 * lift the unit itself captures it in this step; any other needs its
 * stored calibration, present, intact and younger than the bench file's
 * open-ear-max-age - else the step is the station's ERROR, never a FAIL. */
static int anc_prepare(struct seq *s, struct st_measure *m, void *res)
{
	struct anc_result *r = res;
	const struct st_audio_bench *b = &s->cfg->audio->bench;
	char path[600], e[ST_ERRLEN], text[768];
	double age;
	int ret;

	if (b->open_ear == ST_OPEN_EAR_LIFT ||
	    (b->open_ear == ST_OPEN_EAR_AUTO && st_audio_can_place(s->cfg->audio))) {
		m->open_ref = 1;
		seq_say(s, ST_EV_INFO, "open-ear reference: captured in this step, the bench lifts the "
			"unit off the fixture; judging anc.active_db, anc.passive_db, anc.total_db");
		return 1;
	}
	ret = st_open_ear_path(s->cfg->calibration_dir, b->name, path, sizeof(path), e);
	if (ret == ST_OK)
		ret = st_open_ear_load(path, &r->cal, e);
	if (ret != ST_OK) {
		seq_finding(s, ST_ERROR, ST_DISP_CALIBRATION,
			    "open-ear reference of bench %s unusable: %s (run station calibrate --bench %s)",
			    b->name, e, b->name);
		return 0;
	}
	age = st_open_ear_age_h(&r->cal, (long long)time(NULL));
	if (!(age >= -0.1 && age <= b->open_ear_max_age_h)) {
		seq_finding(s, ST_ERROR, ST_DISP_CALIBRATION,
			    "open-ear calibration of bench %s is %.1f h old (taken %s), outside its %g h: "
			    "run station calibrate --bench %s", b->name, age, r->cal.taken_iso,
			    b->open_ear_max_age_h, b->name);
		r->cal.valid = 0;
		return 0;
	}
	snprintf(text, sizeof(text), "open-ear reference: calibration of bench %s taken %s (%.1f h old, "
		 "valid %g h), sha256 %.16s...; judging anc.active_db, anc.passive_db, anc.total_db",
		 b->name, r->cal.taken_iso, age, b->open_ear_max_age_h, r->cal.sha256);
	{
		struct st_event ev = { .kind = ST_EV_INFO, .text = text, .artifact = "open-ear",
				       .path = path, .sha256 = r->cal.sha256 };

		seq_emit(s, &ev);
	}
	m->open_cal = &r->cal;
	return 1;
}

static int anc_measure(struct st_measure *m, void *r, struct capture_quality *q, char *err)
{
	struct st_meas_anc *a = &((struct anc_result *)r)->a;
	int ret = st_measure_anc(m, a, err);

	*q = (struct capture_quality){ a->valid, a->attempts, a->why, &a->files };
	return ret;
}

/* Active, total and passive attenuation of each band of one ear against
 * their masks (anc.active_db, anc.total_db, anc.passive_db; the relearn
 * masks when relaxed); the worst miss so far is kept in worst.  Inside the
 * relearn window (relearn) active and total are stored unjudged, while
 * passive isolation - the cushions or tips, not the adaptive filters - is
 * still judged. */
static void anc_judge_ear(struct seq *s, const struct st_meas_anc *r, int e, char *worst,
			  size_t n, double *worst_margin, int relaxed, int relearn)
{
	static const char *const ear_name[2] = { "L", "R" };
	const struct st_mask *active = st_limits_mask(s->lim, relaxed ? "anc.active_relearn_db" : "anc.active_db");
	const struct st_mask *total = r->has_open ? st_limits_mask(s->lim, relaxed ? "anc.total_relearn_db" : "anc.total_db") : NULL;
	const struct st_mask *passive = r->has_open ? st_limits_mask(s->lim, "anc.passive_db") : NULL;
	char name[96];

	for (int i = 0; i < ST_AN_NBANDS; i++) {
		const struct {
			const struct st_mask *mk; const char *what; double v;
		} judged[3] = {
			{ active, "active", r->ear[e].active_db[i] },
			{ total, "total", r->ear[e].total_db[i] },
			{ passive, "passive", r->ear[e].passive_db[i] },
		};
		double hz = st_an_band_nominal(i);
		for (int k = 0; k < 3; k++) {
			double bound = 0;
			snprintf(name, sizeof(name), "anc.%s_db.%s.%gHz", judged[k].what, ear_name[e], hz);
			if (relearn && k < 2) {
				/* seed 000's relearn window: stored, not judged */
				if (isfinite(judged[k].v) && (k == 0 || r->has_open))
					seq_record(s, name, judged[k].v, "dB", 0, 0, 0, 0, ST_SKIP, 0);
				continue;
			}
			if (!judged[k].mk)
				continue;
			if (seq_mask_point(s, judged[k].mk, name, r->fc[i], judged[k].v, &bound) == ST_FAIL &&
			    bound - judged[k].v > *worst_margin) {
				*worst_margin = bound - judged[k].v;
				snprintf(worst, n,
					 "%s attenuation %.1f dB at %g Hz (%s ear) is %.1f dB short of its mask",
					 k == 2 ? "passive" : k == 1 ? "total (ANC on)" : "active ANC",
					 judged[k].v, hz, e ? "right" : "left", *worst_margin);
			}
		}
	}
}

static void anc_judge(struct seq *s, const void *res)
{
	const struct st_meas_anc *r = &((const struct anc_result *)res)->a;
	char worst[256] = "";
	double worst_margin = 0;
	int relaxed = 0, relearn;

	relearn = !seq_anc_judgeable(s, &relaxed) && !relaxed;
	for (int e = 0; e < 2; e++)
		if (r->ear[e].wired)
			anc_judge_ear(s, r, e, worst, sizeof(worst), &worst_margin, relaxed, relearn);
	if (worst[0])
		seq_finding(s, ST_FAIL, ST_DISP_SERVICE_ANC, "%s", worst);
}

const struct seq_acoustic seq_acoustic_anc = {
	.what = "ANC", .doing = "sweep with ANC off, then on", .open_note = ", and the open ear",
	.size = sizeof(struct anc_result), .ready = anc_ready, .prepare = anc_prepare,
	.measure = anc_measure, .judge = anc_judge,
};

/* ----------------------------------------------------------------- mics */

static int mics_measure(struct st_measure *m, void *r, struct capture_quality *q, char *err)
{
	struct st_meas_mics *a = r;
	int ret = st_measure_mics(m, a, err);

	*q = (struct capture_quality){ a->valid, a->attempts, a->why, &a->files };
	return ret;
}

static void mics_judge(struct seq *s, const void *res)
{
	const struct st_meas_mics *r = res;
	char name[64];

	for (int i = 0; i < r->n; i++) {
		const struct st_meas_mic *mc = &r->mic[i];
		enum st_verdict v[4];

		snprintf(name, sizeof(name), "mic.%d.delay_us", i + 1);
		v[0] = seq_measure_as(s, "mic.delay_us", name, mc->delay_us, "us");
		snprintf(name, sizeof(name), "mic.%d.gain_db", i + 1);
		v[1] = seq_measure_as(s, "mic.gain_db", name, mc->gain_db, "dB");
		snprintf(name, sizeof(name), "mic.%d.phase_deg", i + 1);
		v[2] = seq_measure_as(s, "mic.phase_deg", name, mc->phase_deg, "deg");
		snprintf(name, sizeof(name), "mic.%d.polarity", i + 1);
		v[3] = seq_measure_as(s, "mic.polarity", name, mc->polarity, "bool");
		if (v[3] == ST_FAIL)
			seq_finding(s, ST_FAIL, ST_DISP_MIC_POLARITY,
				    "microphone %d is wired inverted (polarity -1): a wiring or firmware fault",
				    i + 1);
		else if ((v[0] == ST_FAIL || v[1] == ST_FAIL || v[2] == ST_FAIL) && !s->symptom_mics) {
			/* seed 000: "a reset reinitializes their phase alignment.
			 * If muffled audio persists post-reset, check for physical
			 * blockage": a symptom for the resets first */
			s->symptom_mics = 1;
			snprintf(s->mic_symptom, sizeof(s->mic_symptom),
				 "microphone %d is out of alignment (%+.1f us, %+.2f dB, %+.1f deg against the array)",
				 i + 1, mc->delay_us, mc->gain_db, mc->phase_deg);
			st_strlcpy(s->step_msg, s->mic_symptom, sizeof(s->step_msg));
			seq_say(s, ST_EV_INFO, "symptom: %s - a reset reinitializes the array's phase alignment (seed 000)",
				s->mic_symptom);
		}
	}
}

const struct seq_acoustic seq_acoustic_mics = {
	.what = "microphone", .doing = "sweep to the microphone array",
	.size = sizeof(struct st_meas_mics), .measure = mics_measure, .judge = mics_judge,
};

/* ----------------------------------------------------------------- ramp */

static int ramp_measure(struct st_measure *m, void *r, struct capture_quality *q, char *err)
{
	struct st_meas_ramp *a = r;
	int ret = st_measure_ramp(m, 0, a, err);

	*q = (struct capture_quality){ a->valid, a->attempts, a->why, &a->files };
	return ret;
}

static void ramp_judge(struct seq *s, const void *res)
{
	const struct st_meas_ramp *r = res;

	if (isnan(r->ramp_s))
		seq_finding(s, ST_FAIL, ST_DISP_ANC_RAMP,
			    "ANC never reached full attenuation during the capture");
	else if (seq_measure(s, "anc.rampup_s", r->ramp_s, "s") == ST_FAIL)
		seq_finding(s, ST_FAIL, ST_DISP_ANC_RAMP,
			    "ANC took %.1f s to reach full attenuation",
			    r->ramp_s);
}

const struct seq_acoustic seq_acoustic_ramp = {
	.what = "ANC ramp-up", .doing = "steady noise, ANC on, attenuation over time",
	.size = sizeof(struct st_meas_ramp), .measure = ramp_measure, .judge = ramp_judge,
};

/* ------------------------------------------------------------ assistant */

static int assistant_measure(struct st_measure *m, void *r, struct capture_quality *q, char *err)
{
	struct st_meas_assistant *a = r;
	int ret = st_measure_assistant(m, NULL, 0, a, err);

	*q = (struct capture_quality){ a->valid, 1, a->why, &a->files };
	return ret;
}

static void assistant_judge(struct seq *s, const void *res)
{
	const struct st_meas_assistant *r = res;

	if (!r->answered || isnan(r->latency_s))
		seq_finding(s, ST_FAIL, ST_DISP_DSP_FIRMWARE, "no answer to the wake phrase");
	else if (seq_measure(s, "assistant.latency_s", r->latency_s, "s") == ST_FAIL)
		seq_finding(s, ST_FAIL, r->latency_s > 2.5 ? ST_DISP_DSP_FIRMWARE : ST_DISP_SERVICE,
			    "voice assistant answered after %.2f s, limit 1.2 s", r->latency_s);
}

const struct seq_acoustic seq_acoustic_assistant = {
	.what = "voice-assistant", .doing = "wake phrase on the speaker, listening for the answer",
	.size = sizeof(struct st_meas_assistant), .measure = assistant_measure,
	.judge = assistant_judge,
};

void seq_symptom_persists(struct seq *s)
{
	if (s->symptom_mics)
		seq_finding(s, ST_FAIL, ST_DISP_CLEAN_MIC,
			    "%s persists after the %s reset: seed 000 - if muffled audio persists post-reset, check for physical blockage: inspect the mesh grilles with a 10x magnifier and clean with an ultra-soft brush (no compressed air)",
			    s->mic_symptom, s->last_reset[0] ? s->last_reset : "last");
}

/* ------------------------------------------------------------- response */

static int response_ready(struct seq *s)
{
	if (st_limits_mask(s->lim, "response.band_db"))
		return 1;
	seq_missing_limit(s, "mask 'response.band_db'");
	return 0;
}

static int response_measure(struct st_measure *m, void *r, struct capture_quality *q, char *err)
{
	struct st_meas_response *a = r;
	int ret = st_measure_response(m, a, err);

	*q = (struct capture_quality){ a->valid, a->attempts, a->why, &a->files };
	return ret;
}

/* Seed 001: "Does resetting fix crackling audio or left-channel dropouts?
 * Rarely. Those symptoms point to hardware faults": a driver whose
 * response breaks its mask is a hardware RMA, and no reset is tried. */
static void response_judge(struct seq *s, const void *res)
{
	const struct st_meas_response *r = res;
	const struct st_mask *mk = st_limits_mask(s->lim, "response.band_db");
	double miss[2] = { 0, 0 }, at[2] = { 0, 0 };
	char name[64];

	for (int e = 0; e < 2; e++)
		for (int i = 0; r->ear[e].wired && i < ST_AN_NBANDS; i++) {
			double v = r->ear[e].band_db[i], bound = 0, hz = st_an_band_nominal(i);

			if (!isfinite(v))
				continue;
			snprintf(name, sizeof(name), "response.band_db.%s.%gHz", e ? "R" : "L", hz);
			if (seq_mask_point(s, mk, name, r->fc[i], v, &bound) == ST_FAIL &&
			    fabs(bound - v) > miss[e]) {
				miss[e] = fabs(bound - v);
				at[e] = hz;
			}
		}
	if (miss[0] <= 0 && miss[1] <= 0)
		return;
	s->hardware_fault = 1;
	if (miss[0] > 0 && miss[1] > 0)
		seq_finding(s, ST_FAIL, ST_DISP_HARDWARE_RMA,
			    "crackling: both drivers' response breaks up (%.1f dB outside the mask at %g Hz left, %.1f dB at %g Hz right)",
			    miss[0], at[0], miss[1], at[1]);
	else
		seq_finding(s, ST_FAIL, ST_DISP_HARDWARE_RMA,
			    "%s-channel dropouts: the %s driver's response is %.1f dB outside the mask at %g Hz",
			    miss[0] > 0 ? "left" : "right", miss[0] > 0 ? "left" : "right",
			    miss[0] > 0 ? miss[0] : miss[1], miss[0] > 0 ? at[0] : at[1]);
}

const struct seq_acoustic seq_acoustic_response = {
	.what = "driver response", .doing = "the unit plays its test sweep, both ears listening",
	.size = sizeof(struct st_meas_response), .ready = response_ready,
	.measure = response_measure, .judge = response_judge,
};
