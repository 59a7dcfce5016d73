/*
 * simaudio.c - the "sim" audio back end: the acoustic model of
 * station/sim/acoustic.h rendered in process, in bench time, with no
 * sound server.  Captures are perfectly aligned (no interface latency).
 *
 * Two ways to get one:
 *  - st_audio_open("sim", fx) on the in-process "sim" fixture: the model
 *    follows the fixture's simulated headset (powered, ANC and its ramp)
 *    and renders the chimes and prompts the fixture passes on; time moves
 *    through st_fixture_wait(), so on a virtual clock a 40 s capture costs
 *    only the CPU to render it;
 *  - st_audio_sim_open(model, opts, clock) with no headset at all: the
 *    caller sets the state (st_audio_sim_set_state) - for tests of the
 *    measurement layer that need no fixture.
 * A capture is rendered in chunks of 0.1 s: time is advanced first (so
 * sounds the unit made in that chunk are known), then the chunk rendered
 * with the state at its end.
 */
#include "simaudio.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/st.h"
#include "fixture/fixture.h"
#include "sim/acdriver.h"
#include "sim/acoustic.h"
#include "sim/headset.h"
#include "sim/simdrv.h"

#define CHUNK_S 0.1

/* Back end context. */
struct simaudio {
	struct st_acoustic *ac;        /* the model */
	struct st_acdriver *drv;       /* the unit's drivers: its test sweep */
	struct st_headset *h;          /* headset it follows, or NULL */
	struct st_clock *clock;        /* time source when there is no fixture */
	struct st_acoustic_state st;   /* state when there is no headset */
	int present;                   /* unit on the acoustic fixture */
	float *spk;                    /* one chunk of stimulus */
	size_t chunk;                  /* frames per chunk */
};

static double now(struct st_audio *a, struct simaudio *s)
{
	if (a->fx)
		return st_fixture_now(a->fx);
	return st_clock_now(s->clock);
}

static int advance(struct st_audio *a, struct simaudio *s, double seconds, char *err)
{
	if (a->fx)
		return st_fixture_wait(a->fx, seconds, err);
	st_clock_sleep(s->clock, seconds);
	return ST_OK;
}

static void take_state(struct simaudio *s)
{
	struct st_acoustic_state st = s->st;

	if (s->h) {
		struct st_headset_view v;

		st_headset_view(s->h, &v);
		st_acoustic_state_from_view(&st, &v);
	}
	st.present = s->present;
	st_acoustic_set_state(s->ac, &st);
}

static int sim_setup(struct st_audio *a, const struct st_model *m,
		     const struct st_sim_opts *opts, char *err)
{
	struct simaudio *s = a->priv;
	int ret, nmics;

	ret = st_acoustic_new(&s->ac, m, opts, a->bench.rate, err);
	if (ret != ST_OK)
		return ret;
	ret = st_acdriver_new(&s->drv, a->bench.rate, err);
	if (ret != ST_OK)
		return ret;
	s->present = 1;
	s->chunk = (size_t)(CHUNK_S * a->bench.rate + 0.5);
	s->spk = calloc(s->chunk, sizeof(float));
	if (!s->spk)
		return st_fail(err, ST_ERR_MEM, "sim audio: out of memory");
	/* the unit's mics beyond its count are not wired */
	nmics = st_acoustic_mics(s->ac);
	for (int i = nmics; i < ST_AUDIO_MAX_MICS; i++)
		a->bench.in[ST_ROLE_MIC1 + i] = -1;
	a->bench.loopback = -1;
	a->bench.latency = 0;
	snprintf(a->desc, sizeof(a->desc), "sim %s", m ? m->id : "(no model)");
	return ST_OK;
}

/* Headset listener: the unit made a sound. */
static void on_sound(void *ctx, const struct st_feedback *ev)
{
	struct simaudio *s = ctx;

	st_acoustic_schedule(s->ac, ev);
	st_acdriver_schedule(s->drv, ev);
}

static void sim_close(struct st_audio *a)
{
	struct simaudio *s = a->priv;

	if (!s)
		return;
	if (s->h)
		st_headset_listen(s->h, NULL, NULL);
	free(s->spk);
	st_acdriver_free(s->drv);
	st_acoustic_free(s->ac);
	free(s);
	a->priv = NULL;
}

static int sim_open(struct st_audio *a, const char *addr, char *err)
{
	struct simaudio *s;
	struct st_headset *h;
	const struct st_sim_opts *opts;
	int ret;

	if (!a->fx || !a->fx->ops || strcmp(a->fx->ops->name, "sim") != 0)
		return st_fail(err, ST_ERR_ARG,
			       "audio \"sim\" needs the in-process \"sim\" fixture "
			       "(use pa:NAME with `station sim --jack NAME`)");
	h = st_fixture_sim_headset(a->fx);
	opts = st_fixture_sim_opts(a->fx);
	if (!h)
		return st_fail(err, ST_ERR_ARG, "audio \"sim\": the sim fixture has no headset");
	s = calloc(1, sizeof(*s));
	if (!s)
		return st_fail(err, ST_ERR_MEM, "sim audio: out of memory");
	a->priv = s;
	s->h = h;
	ret = sim_setup(a, st_headset_model(h), opts, err);
	if (ret != ST_OK) {
		sim_close(a);
		return ret;
	}
	st_headset_listen(h, on_sound, s);
	return ST_OK;
}

int st_audio_sim_open(struct st_audio **out, const struct st_model *m,
		      const struct st_sim_opts *opts, struct st_clock *clock,
		      const struct st_audio_bench *bench, char *err)
{
	struct st_audio *a;
	struct simaudio *s;
	int ret;

	*out = NULL;
	if (!clock)
		return st_fail(err, ST_ERR_ARG, "sim audio: no clock");
	a = calloc(1, sizeof(*a));
	s = calloc(1, sizeof(*s));
	if (!a || !s) {
		free(a);
		free(s);
		return st_fail(err, ST_ERR_MEM, "sim audio: out of memory");
	}
	a->ops = &st_audio_sim_ops;
	if (bench)
		a->bench = *bench;
	else
		st_audio_bench_default(&a->bench);
	a->priv = s;
	s->clock = clock;
	s->st.powered = 1;
	ret = sim_setup(a, m, opts, err);
	if (ret != ST_OK) {
		st_audio_close(a);
		return ret;
	}
	*out = a;
	return ST_OK;
}

void st_audio_sim_set_state(struct st_audio *a, int powered, int anc_on, double anc_since)
{
	struct simaudio *s = a->priv;

	s->st.powered = powered;
	s->st.anc_on = anc_on;
	s->st.anc_since = anc_since;
}

struct st_acoustic *st_audio_sim_acoustic(struct st_audio *a)
{
	if (!a || a->ops != &st_audio_sim_ops || !a->priv)
		return NULL;
	return ((struct simaudio *)a->priv)->ac;
}

static int sim_playrec(struct st_audio *a, const float *stim, size_t n, size_t frames,
		       unsigned roles, struct st_capture *cap, char *err)
{
	struct simaudio *s = a->priv;
	float *out[ST_AC_OUTS];
	double rate = a->bench.rate;
	size_t done = 0;
	int ret;

	cap->rate = rate;
	cap->n = frames;
	cap->offset = 0;
	cap->t_start = now(a, s);
	for (int r = 0; r < ST_ROLE_COUNT; r++) {
		if (!st_audio_has(a, r) || !(roles & (1u << r)))
			continue;
		cap->ch[r] = malloc(frames * sizeof(float));
		if (!cap->ch[r])
			return st_fail(err, ST_ERR_MEM, "sim audio: out of memory for %zu frames",
				       frames);
	}
	while (done < frames) {
		size_t k = frames - done < s->chunk ? frames - done : s->chunk;
		double t0 = cap->t_start + (double)done / rate;
		const float *spk = NULL;

		ret = advance(a, s, (double)k / rate, err);
		if (ret != ST_OK)
			return ret;
		take_state(s);
		/* stimulus for this chunk, zero past its end */
		if (stim && done < n) {
			size_t have = n - done < k ? n - done : k;

			memcpy(s->spk, stim + done, have * sizeof(float));
			memset(s->spk + have, 0, (k - have) * sizeof(float));
			spk = s->spk;
		}
		for (int c = 0; c < ST_AC_OUTS; c++)
			out[c] = cap->ch[c] ? cap->ch[c] + done : NULL;
		st_acoustic_process(s->ac, t0, spk, out, k);
		{
			struct st_acoustic_state st;

			st_acoustic_get_state(s->ac, &st);
			st_acdriver_render(s->drv, t0, st.scale, st.powered && st.present,
					   out[ST_AC_EAR_L], out[ST_AC_EAR_R], k);
		}
		done += k;
	}
	return ST_OK;
}

static int sim_place(struct st_audio *a, int present, char *err)
{
	struct simaudio *s = a->priv;

	s->present = present ? 1 : 0;
	return ST_OK;
}

static int sim_feedback(struct st_audio *a, const struct st_feedback *ev, char *err)
{
	struct simaudio *s = a->priv;

	st_acdriver_schedule(s->drv, ev);
	if (st_acoustic_schedule(s->ac, ev) != ST_OK)
		return st_fail(err, ST_ERR_MEM, "sim audio: too many sounds pending");
	return ST_OK;
}

const struct st_audio_ops st_audio_sim_ops = {
	.name = "sim",
	.open = sim_open,
	.close = sim_close,
	.playrec = sim_playrec,
	.place = sim_place,
	.feedback = sim_feedback,
};

static const struct st_audio_backend sim_backend = { .form = "sim", .ops = &st_audio_sim_ops };
ST_AUDIO_BACKEND(sim_backend);
