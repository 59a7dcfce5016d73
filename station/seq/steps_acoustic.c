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
#include "store/store.h"

/* --------------------------------------------------------- acoustic steps */

/* Where this run's raw captures go: DIR/<uuid>/, made on first use. */
static const char *capture_dir(struct seq *s, char *buf, size_t n)
{
	if (!s->cfg->capture_dir)
		return NULL;
	mkdir(s->cfg->capture_dir, 0777);
	snprintf(buf, n, "%s/%s", s->cfg->capture_dir, s->res->uuid);
	if (mkdir(buf, 0777) && errno != EEXIST)
		return NULL;
	return buf;
}

static void keep_files(struct seq *s, const struct st_meas_files *f)
{
	for (int i = 0; i < f->n; i++) {
		char e[ST_ERRLEN];
		seq_say(s, ST_EV_INFO, "capture %s: %s", f->f[i].what, f->f[i].path);
		if (s->cfg->store && s->run_id)
			st_store_artifact(s->cfg->store, s->run_id, s->step_id, f->f[i].what,
					  f->f[i].path, f->f[i].sha256, e);
	}
}

static void measure_setup(struct seq *s, struct st_measure *m, char *dir, size_t n)
{
	st_measure_init(m, s->cfg->audio, s->fx, s->m);
	m->outdir = capture_dir(s, dir, n);
	m->tag = s->cfg->serial;
}


static int no_audio(struct seq *s)
{
	s->step_verdict = ST_SKIP;
	st_strlcpy(s->step_msg, "no acoustic bench on this station (station run --audio)",
		   sizeof(s->step_msg));
	return 1;
}

/* What every acoustic measurement does with its result before judging it:
 * keep the raw captures, and turn a capture too noisy to judge into the
 * station's ERROR.  Returns 1 to go on and judge, 0 when not judgeable. */
static int acoustic_result(struct seq *s, const struct st_meas_files *files, int valid,
			   int attempts, const char *why, const char *what)
{
	keep_files(s, files);
	if (valid)
		return 1;
	seq_finding(s, ST_ERROR, "retest",
		"%s measurement not judgeable after %d attempts: %s (the room or the seal, not the unit)",
		what, attempts, why);
	return 0;
}

int seq_step_anc(struct seq *s)
{
	static const char *const ear_name[2] = { "L", "R" };
	struct st_measure m;
	struct st_meas_anc *r;
	const struct st_mask *active, *total, *passive;
	char dir[512], name[96], worst[256] = "";
	double worst_margin = 0;
	int ret;

	if (!s->cfg->audio)
		return no_audio(s);
	active = st_limits_mask(s->lim, "anc.active_db");
	total = st_limits_mask(s->lim, "anc.total_db");
	passive = st_limits_mask(s->lim, "anc.passive_db");
	if (!active) {
		seq_missing_limit(s, "mask 'anc.active_db'");
		return 0;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return ST_ERR_MEM;
	measure_setup(s, &m, dir, sizeof(dir));
	seq_say(s, ST_EV_ACTION, "sweep with ANC off, then on%s", m.open_ref ? ", and the open ear" : "");
	ret = st_measure_anc(&m, r, s->err);
	if (ret)
		goto out_free;
	ret = acoustic_result(s, &r->files, r->valid, r->attempts, r->why, "ANC");
	if (ret != 1)
		goto out_free;
	for (int e = 0; e < 2; e++) {
		if (!r->ear[e].wired)
			continue;
		for (int i = 0; i < ST_AN_NBANDS; i++) {
			const struct {
				const struct st_mask *mk; const char *what; double v;
			} judged[3] = {
				{ active, "active", r->ear[e].active_db[i] },
				{ r->has_open ? total : NULL, "total", r->ear[e].total_db[i] },
				{ r->has_open ? passive : NULL, "passive", r->ear[e].passive_db[i] },
			};
			double hz = st_an_band_nominal(i);
			for (int k = 0; k < 3; k++) {
				double bound = 0;
				if (!judged[k].mk)
					continue;
				snprintf(name, sizeof(name), "anc.%s_db.%s.%gHz", judged[k].what,
					 ear_name[e], hz);
				if (seq_mask_point(s, judged[k].mk, name, r->fc[i], judged[k].v, &bound) == ST_FAIL &&
				    bound - judged[k].v > worst_margin) {
					worst_margin = bound - judged[k].v;
					snprintf(worst, sizeof(worst),
						 "%s ANC attenuation %.1f dB at %g Hz (%s ear) is %.1f dB short of its mask",
						 judged[k].what, judged[k].v, hz, e ? "right" : "left",
						 worst_margin);
				}
			}
		}
	}
	if (worst[0])
		seq_finding(s, ST_FAIL, "service-anc", "%s", worst);
	ret = s->step_verdict == ST_PASS;
out_free:
	free(r);
	return ret;
}

int seq_step_mics(struct seq *s)
{
	struct st_measure m;
	struct st_meas_mics *r;
	char dir[512], name[64];
	int ret;

	if (!s->cfg->audio)
		return no_audio(s);
	r = calloc(1, sizeof(*r));
	if (!r)
		return ST_ERR_MEM;
	measure_setup(s, &m, dir, sizeof(dir));
	seq_say(s, ST_EV_ACTION, "sweep to the microphone array");
	ret = st_measure_mics(&m, r, s->err);
	if (ret)
		goto out_free;
	ret = acoustic_result(s, &r->files, r->valid, r->attempts, r->why, "microphone");
	if (ret != 1)
		goto out_free;
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
			seq_finding(s, ST_FAIL, "service",
				"microphone %d is wired inverted (polarity -1): a wiring or firmware fault", i + 1);
		else if (v[0] == ST_FAIL || v[1] == ST_FAIL || v[2] == ST_FAIL)
			seq_finding(s, ST_FAIL, "clean-mic-grilles",
				"microphone %d is out of alignment (%+.1f us, %+.2f dB, %+.1f deg against the array): seed 000 - inspect the mesh grilles with a 10x magnifier and clean with an ultra-soft brush, no compressed air",
				i + 1, mc->delay_us, mc->gain_db, mc->phase_deg);
	}
	ret = s->step_verdict == ST_PASS;
out_free:
	free(r);
	return ret;
}

int seq_step_ramp(struct seq *s)
{
	struct st_measure m;
	struct st_meas_ramp *r;
	char dir[512];
	int ret;

	if (!s->cfg->audio)
		return no_audio(s);
	r = calloc(1, sizeof(*r));
	if (!r)
		return ST_ERR_MEM;
	measure_setup(s, &m, dir, sizeof(dir));
	seq_say(s, ST_EV_ACTION, "steady noise, ANC on, attenuation over time");
	ret = st_measure_ramp(&m, 0, r, s->err);
	if (ret)
		goto out_free;
	ret = acoustic_result(s, &r->files, r->valid, r->attempts, r->why, "ANC ramp-up");
	if (ret != 1)
		goto out_free;
	if (isnan(r->ramp_s)) {
		seq_finding(s, ST_FAIL, "service-anc",
			"ANC never reached full attenuation during the capture (seed 001: microphone bias voltage misconfigured)");
	} else if (seq_measure(s, "anc.rampup_s", r->ramp_s, "s") == ST_FAIL) {
		seq_finding(s, ST_FAIL, "service-anc",
			"ANC took %.1f s to reach full attenuation; seed 001 says 22-38 s (outside it: microphone bias voltage misconfigured)",
			r->ramp_s);
	}
	ret = s->step_verdict == ST_PASS;
out_free:
	free(r);
	return ret;
}

int seq_step_assistant(struct seq *s)
{
	struct st_measure m;
	struct st_meas_assistant *r;
	char dir[512];
	int ret;

	if (!s->cfg->audio)
		return no_audio(s);
	r = calloc(1, sizeof(*r));
	if (!r)
		return ST_ERR_MEM;
	measure_setup(s, &m, dir, sizeof(dir));
	seq_say(s, ST_EV_ACTION, "wake phrase on the speaker, listening for the answer");
	ret = st_measure_assistant(&m, NULL, 0, r, s->err);
	if (ret)
		goto out_free;
	ret = acoustic_result(s, &r->files, r->valid, 1, r->why, "voice-assistant");
	if (ret != 1)
		goto out_free;
	if (!r->answered || isnan(r->latency_s)) {
		seq_finding(s, ST_FAIL, "service",
			"no answer to the wake phrase (seed 001: DSP firmware did not reload)");
	} else if (seq_measure(s, "assistant.latency_s", r->latency_s, "s") == ST_FAIL) {
		seq_finding(s, ST_FAIL, "service",
			"voice assistant answered after %.2f s, limit 1.2 s%s", r->latency_s,
			r->latency_s > 2.5 ? " (seed 001: >2.5 s means the DSP firmware did not reload)" : "");
	}
	ret = s->step_verdict == ST_PASS;
out_free:
	free(r);
	return ret;
}
