/*
 * bench_tmp.c - TEMPORARY (console branch only): the bench for one console
 * run, assembled as `station run` does (bench_tmp.h), until station/bench/
 * lands on main.
 */
#include "console/bench_tmp.h"

#include <stdio.h>
#include <string.h>

#include "audio/audio.h"
#include "core/clock.h"
#include "fixture/fixture.h"
#include "limits/limits.h"
#include "model/model.h"
#include "store/store.h"

#define SIM_SCALE 20.0   /* the in-process simulated bench: 20x real time */

int cons_bench_open(const struct cons_bench_opts *o, const struct st_model *m,
		    const char *serial, int with_store, struct cons_bench *b, char *err)
{
	const char *audio = o->audio ? o->audio : o->fixture ? "none" : "sim";
	struct st_audio_bench ab;
	int ret;

	memset(b, 0, sizeof(*b));
	b->sim.battery = -1;
	b->sim.serial = serial;
	for (int i = 0; i < o->nfaults; i++)
		st_strlcpy(b->sim.faults[b->sim.nfaults++], o->faults[i], sizeof(b->sim.faults[0]));
	ret = st_limits_load_model(st_data_dir(), m->id, NULL, &b->limits, err);
	if (ret)
		goto fail;
	if (with_store && o->db && (ret = st_store_open(&b->store, o->db, err)))
		goto fail;
	b->clock = st_clock_new_real(o->fixture ? 1.0 : SIM_SCALE);
	if (!b->clock) {
		ret = st_fail(err, ST_ERR_MEM, "out of memory");
		goto fail;
	}
	ret = st_fixture_open(&b->fx, o->fixture, m, b->clock, o->fixture ? NULL : &b->sim, err);
	if (ret)
		goto fail;
	if (strcmp(audio, "none")) {
		if (o->bench)
			ret = st_audio_bench_find(st_data_dir(), o->bench, &ab, err);
		else
			st_audio_bench_default(&ab);
		if (ret || (ret = st_audio_open(&b->audio, audio, &ab, b->fx, err)))
			goto fail;
	}
	if (b->audio && b->store) {
		const char *slash = strrchr(o->db, '/');
		if (slash)
			snprintf(b->captures, sizeof(b->captures), "%.*s/captures", (int)(slash - o->db), o->db);
		else
			snprintf(b->captures, sizeof(b->captures), "captures");
	}
	return ST_OK;
fail:
	cons_bench_close(b);
	return ret;
}

void cons_bench_close(struct cons_bench *b)
{
	st_audio_close(b->audio);
	b->audio = NULL;
	st_fixture_close(b->fx);
	b->fx = NULL;
	st_clock_free(b->clock);
	b->clock = NULL;
	st_store_close(b->store);
	b->store = NULL;
	st_limits_free(b->limits);
	b->limits = NULL;
}
