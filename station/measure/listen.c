/*
 * listen.c - the measurements that listen to the unit (see measure.h):
 * the sounds it makes (chimes, prompts, tones in both ears) and the voice
 * assistant's answer to the wake phrase.  Audio in, the analysis
 * library's event detector in the middle, onsets and latencies out.
 */
#include "measure.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/st.h"
#include "measure/internal.h"

#define ASSIST_WAIT_S 3.3       /* listening after the wake phrase: seed 001's
                                 * 2.5 s (later, or never, is the DSP firmware's
                                 * fault) and 0.8 s to hear a late answer begin
                                 * (the detector needs 0.2 s of it) */
#define ASSIST_MAX_NOISE_DB -40.0

/* ---- sounds ---- */

int st_measure_sounds(struct st_measure *m, double seconds, struct st_meas_sounds *out,
		      char *err)
{
	struct st_capture cap;
	double scale = meas_scale(m);
	int ret;

	memset(out, 0, sizeof(*out));
	ret = meas_record(m, seconds / scale, MEAS_EARS, &cap, err);
	if (ret != ST_OK)
		return ret;
	out->t_start = cap.t_start;
	out->valid = 1;
	ret = st_measure_write(m, &cap, "sounds", &out->files, err);
	for (int e = 0; e < 2 && ret == ST_OK; e++) {
		struct st_an_events ev;

		if (!cap.ch[ST_ROLE_EAR_L + e])
			continue;
		memset(&ev, 0, sizeof(ev));
		ret = st_an_detect(cap.ch[ST_ROLE_EAR_L + e], cap.n, 1, cap.rate, NULL, &ev, err);
		if (ret != ST_OK)
			break;
		if (ev.noise_db > ASSIST_MAX_NOISE_DB) {
			out->valid = 0;
			snprintf(out->why, sizeof(out->why),
				 "sounds: background %.1f dBFS in the %s ear is too loud to listen",
				 ev.noise_db, e ? "right" : "left");
		}
		for (size_t c = 0; c < ev.nchimes && out->n < ST_MEAS_MAX_SOUNDS; c++) {
			struct st_meas_sound *s = &out->s[out->n++];
			const struct st_an_chime *ch = &ev.chimes[c];

			st_strlcpy(s->kind, ch->ntones > 1 ? "chime" : "tone", sizeof(s->kind));
			s->onset_s = cap.t_start + ch->onset_s * scale;
			s->duration_s = ch->duration_s * scale;
			s->hz = ch->first >= 0 && (size_t)ch->first < ev.ntones ?
				ev.tones[ch->first].hz : 0;
			s->count = ch->ntones;
			s->ear = e;
		}
		for (size_t p = 0; p < ev.nprompts && out->n < ST_MEAS_MAX_SOUNDS; p++) {
			struct st_meas_sound *s = &out->s[out->n++];

			st_strlcpy(s->kind, "prompt", sizeof(s->kind));
			s->onset_s = cap.t_start + ev.prompts[p].onset_s * scale;
			s->duration_s = ev.prompts[p].duration_s * scale;
			s->ear = e;
		}
		st_an_events_free(&ev);
	}
	st_capture_free(&cap);
	return ret;
}

/* ---- voice assistant ---- */

int st_measure_assistant(struct st_measure *m, const float *wake, size_t n,
			 struct st_meas_assistant *out, char *err)
{
	double rate = st_audio_rate(m->audio);
	double amp = pow(10, m->audio->bench.level_dbfs / 20);
	float *token = NULL;
	struct st_capture cap;
	struct st_an_events ev;
	size_t frames;
	int ret;

	memset(out, 0, sizeof(*out));
	memset(&ev, 0, sizeof(ev));
	out->latency_s = NAN;
	if (!st_audio_has(m->audio, ST_ROLE_EAR_L))
		return st_fail(err, ST_ERR_UNSUPPORTED, "measure: the bench has no left ear");
	if (!wake) {
		n = (size_t)(0.5 * rate);
		token = malloc(n * sizeof(float));
		if (!token)
			return st_fail(err, ST_ERR_MEM, "measure: out of memory");
		for (size_t i = 0; i < n; i++) {
			double t = (double)i / rate;
			double env = fmin(1.0, fmin(t, 0.5 - t) / 0.005);

			token[i] = (float)(0.5 * amp * env *
					   (sin(2 * M_PI * ST_MEAS_WAKE_HZ1 * t) +
					    sin(2 * M_PI * ST_MEAS_WAKE_HZ2 * t)));
		}
		wake = token;
	}
	frames = n + (size_t)(ASSIST_WAIT_S * rate);
	ret = meas_playrec(m, wake, n, frames, MEAS_EAR_L, &cap, err);
	if (ret != ST_OK)
		goto out_free;
	ret = st_measure_write(m, &cap, "assistant", &out->files, err);
	if (ret == ST_OK)
		ret = st_an_detect(cap.ch[ST_ROLE_EAR_L], cap.n, 1, rate, NULL, &ev, err);
	st_capture_free(&cap);
	if (ret != ST_OK)
		goto out_free;
	out->valid = 1;
	if (ev.noise_db > ASSIST_MAX_NOISE_DB) {
		out->valid = 0;
		snprintf(out->why, sizeof(out->why),
			 "assistant: background %.1f dBFS at the ear is too loud to listen",
			 ev.noise_db);
	}
	out->latency_s = st_an_prompt_latency(&ev, (double)n / rate);
	/* the answer's latency is the unit's DSP time: audio seconds, not
	 * scaled to bench time (on a real bench the two are the same) */
	out->answered = isfinite(out->latency_s);
	st_an_events_free(&ev);

out_free:
	free(token);
	return ret;
}
