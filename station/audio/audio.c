/*
 * audio.c - the audio interface's common part: opening a back end by
 * address, and the thin wrappers the measurement layer calls.  See
 * audio.h; the bench wiring files are read by benchfile.c.
 */
#include "audio.h"

#include <stdlib.h>
#include <string.h>

#include "core/st.h"

/* The back-end table, filled by the linker (weak: empty when none). */
extern const struct st_audio_backend *const __start_st_audio_backends[] __attribute__((weak));
extern const struct st_audio_backend *const __stop_st_audio_backends[] __attribute__((weak));

void st_capture_free(struct st_capture *c)
{
	if (!c)
		return;
	for (int r = 0; r < ST_ROLE_COUNT; r++) {
		free(c->ch[r]);
		c->ch[r] = NULL;
	}
	c->n = 0;
}

int st_audio_open(struct st_audio **out, const char *addr,
		  const struct st_audio_bench *bench, struct st_fixture *fx, char *err)
{
	struct st_audio *a;
	const struct st_audio_ops *ops = NULL;
	const char *rest = NULL;
	int ret;

	*out = NULL;
	if (!addr)
		addr = "sim";
	for (const struct st_audio_backend *const *b = __start_st_audio_backends;
	     b && b < __stop_st_audio_backends && !ops; b++) {
		size_t n = strlen((*b)->form);

		if ((*b)->form[n - 1] == ':' ? !strncmp(addr, (*b)->form, n) : !strcmp(addr, (*b)->form)) {
			ops = (*b)->ops;
			rest = (*b)->form[n - 1] == ':' ? addr + n : NULL;
		}
	}
	if (!ops)
		return st_fail(err, ST_ERR_ARG,
			       "audio address '%s': use \"sim\", \"pa\" or \"pa:DEVICE\"", addr);
	a = calloc(1, sizeof(*a));
	if (!a)
		return st_fail(err, ST_ERR_MEM, "audio: out of memory");
	a->ops = ops;
	a->fx = fx;
	if (bench)
		a->bench = *bench;
	else
		st_audio_bench_default(&a->bench);
	ret = ops->open(a, rest, err);
	if (ret != ST_OK) {
		free(a);
		return ret;
	}
	*out = a;
	return ST_OK;
}

void st_audio_close(struct st_audio *a)
{
	if (!a)
		return;
	if (a->ops && a->ops->close)
		a->ops->close(a);
	free(a);
}

double st_audio_rate(const struct st_audio *a)
{
	return a->bench.rate;
}

int st_audio_has(const struct st_audio *a, int role)
{
	return role >= 0 && role < ST_ROLE_COUNT && a->bench.in[role] >= 0;
}

const char *st_audio_desc(const struct st_audio *a)
{
	return a->desc;
}

int st_audio_playrec(struct st_audio *a, const float *stim, size_t n, size_t frames,
		     unsigned roles, struct st_capture *cap, char *err)
{
	int ret;

	memset(cap, 0, sizeof(*cap));
	if (frames < n || frames == 0)
		return st_fail(err, ST_ERR_ARG, "audio: capture of %zu frames shorter than "
			       "its stimulus (%zu)", frames, n);
	if (frames > (size_t)(a->bench.rate * 600))
		return st_fail(err, ST_ERR_ARG, "audio: capture of %zu frames is over 10 min",
			       frames);
	for (int tries = 0;; tries++) {
		a->xrun = 0;
		ret = a->ops->playrec(a, stim, n, frames, roles, cap, err);
		if (ret == ST_OK)
			break;
		st_capture_free(cap);
		if (!a->xrun || tries >= ST_AUDIO_XRUN_RETRIES)
			return ret;
		a->xruns++;
	}
	a->captures++;
	return ST_OK;
}

int st_audio_record(struct st_audio *a, double seconds, unsigned roles,
		    struct st_capture *cap, char *err)
{
	if (!(seconds > 0))
		return st_fail(err, ST_ERR_ARG, "audio: record %g s", seconds);
	return st_audio_playrec(a, NULL, 0, (size_t)(seconds * a->bench.rate + 0.5), roles,
				cap, err);
}

int st_audio_can_place(const struct st_audio *a)
{
	return a && a->ops && a->ops->place;
}

int st_audio_place(struct st_audio *a, int present, char *err)
{
	if (!a->ops->place)
		return st_fail(err, ST_ERR_UNSUPPORTED,
			       "audio %s: cannot take the unit off the fixture by itself", a->desc);
	return a->ops->place(a, present, err);
}

int st_audio_feedback(struct st_audio *a, const struct st_feedback *ev, char *err)
{
	if (!a->ops->feedback)
		return ST_OK;  /* a real bench hears the unit itself */
	return a->ops->feedback(a, ev, err);
}
