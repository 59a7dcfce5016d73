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
	st_measure_init(m, s->cfg->audio, s->fx, s->m);
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
	seq_say(s, ST_EV_ACTION, "%s%s", a->doing, m.open_ref && a->open_note ? a->open_note : "");
	ret = a->measure(&m, r, &q, s->err);
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

static int anc_measure(struct st_measure *m, void *r, struct capture_quality *q, char *err)
{
	struct st_meas_anc *a = r;
	int ret = st_measure_anc(m, a, err);

	*q = (struct capture_quality){ a->valid, a->attempts, a->why, &a->files };
	return ret;
}

/* Active, total and passive attenuation of each band of one ear against
 * their masks; the worst miss so far is kept in worst. */
static void anc_judge_ear(struct seq *s, const struct st_meas_anc *r, int e, char *worst,
			  size_t n, double *worst_margin, int relaxed)
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
			if (!judged[k].mk)
				continue;
			snprintf(name, sizeof(name), "anc.%s_db.%s.%gHz", judged[k].what, ear_name[e], hz);
			if (seq_mask_point(s, judged[k].mk, name, r->fc[i], judged[k].v, &bound) == ST_FAIL &&
			    bound - judged[k].v > *worst_margin) {
				*worst_margin = bound - judged[k].v;
				snprintf(worst, n,
					 "%s ANC attenuation %.1f dB at %g Hz (%s ear) is %.1f dB short of its mask",
					 judged[k].what, judged[k].v, hz, e ? "right" : "left", *worst_margin);
			}
		}
	}
}

static void anc_judge(struct seq *s, const void *res)
{
	const struct st_meas_anc *r = res;
	char worst[256] = "", name[96];
	double worst_margin = 0;
	int relaxed = 0;

	if (!seq_anc_judgeable(s, &relaxed) && !relaxed) {
		/* seed 000's relearn window: stored, not judged */
		for (int e = 0; e < 2; e++)
			for (int i = 0; r->ear[e].wired && i < ST_AN_NBANDS; i++) {
				snprintf(name, sizeof(name), "anc.active_db.%s.%gHz", e ? "R" : "L",
					 st_an_band_nominal(i));
				if (isfinite(r->ear[e].active_db[i]))
					seq_record(s, name, r->ear[e].active_db[i], "dB", 0, 0, 0, 0,
						   ST_SKIP, 0);
			}
		return;
	}
	for (int e = 0; e < 2; e++)
		if (r->ear[e].wired)
			anc_judge_ear(s, r, e, worst, sizeof(worst), &worst_margin, relaxed);
	if (worst[0])
		seq_finding(s, ST_FAIL, ST_DISP_SERVICE_ANC, "%s", worst);
}

const struct seq_acoustic seq_acoustic_anc = {
	.what = "ANC", .doing = "sweep with ANC off, then on", .open_note = ", and the open ear",
	.size = sizeof(struct st_meas_anc), .ready = anc_ready, .measure = anc_measure,
	.judge = anc_judge,
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
