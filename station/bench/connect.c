/*
 * connect.c - the bench session's hardware side: opening the bench clock,
 * the fixture and the audio back end for the current model, and on the
 * simulated bench putting a simulated unit (serial, faults, battery, wear,
 * identity) on it.  Closing releases every actuator before anything else.
 *
 * The simulated bench is the fixture driver registered for "sim"
 * (station/sim/simdrv.h); the session hands it the simulated unit as
 * driver options (fault=, battery=, worn=, identity=, seed=, serial=) and
 * knows nothing else of the simulator.  The fixture is reopened when the
 * model changes (a real fixture's channel map is per model) and, on the
 * simulated bench, when the unit changes (another serial or other
 * simulated-unit options).  firmware= sets the build the simulated unit
 * reports (station nightly --firmware).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/internal.h"
#include "fixture/fixture.h"
#include "model/model.h"

int bench_sim_copy(struct bench_sim *dst, const struct st_bench_sim *src, char *err)
{
	memset(dst, 0, sizeof(*dst));
	dst->battery = -1;
	if (!src)
		return ST_OK;
	if (src->nfaults < 0 || src->nfaults > ST_BENCH_MAX_FAULTS)
		return st_fail(err, ST_ERR_ARG, "at most %d simulated faults", ST_BENCH_MAX_FAULTS);
	for (int i = 0; i < src->nfaults; i++) {
		if (!src->faults[i] || !src->faults[i][0] || strlen(src->faults[i]) >= BENCH_FAULT)
			return st_fail(err, ST_ERR_ARG, "--fault: a fault name is 1 to %d characters",
				       BENCH_FAULT - 1);
		st_strlcpy(dst->faults[i], src->faults[i], sizeof(dst->faults[i]));
	}
	dst->nfaults = src->nfaults;
	if (src->battery > 100)
		return st_fail(err, ST_ERR_ARG, "--battery takes a percentage 0-100, not %g",
			       src->battery);
	dst->battery = src->battery < 0 ? -1 : src->battery;
	dst->worn = src->worn != 0;
	dst->seed = src->seed;
	if (src->identity) {
		if (!src->identity[0] || strlen(src->identity) >= sizeof(dst->identity))
			return st_fail(err, ST_ERR_ARG, "--identity: not a model id");
		st_strlcpy(dst->identity, src->identity, sizeof(dst->identity));
	}
	if (src->firmware) {
		if (!src->firmware[0] || strlen(src->firmware) >= sizeof(dst->firmware))
			return st_fail(err, ST_ERR_ARG, "--firmware: 1 to %zu characters",
				       sizeof(dst->firmware) - 1);
		for (const char *p = src->firmware; *p; p++)
			if ((unsigned char)*p <= 0x20 || *p == 0x7f)
				return st_fail(err, ST_ERR_ARG, "--firmware: control character or "
					       "blank at position %d", (int)(p - src->firmware) + 1);
		st_strlcpy(dst->firmware, src->firmware, sizeof(dst->firmware));
	}
	return ST_OK;
}

/* The simulated unit as driver options; values point into b and fo. */
struct sim_fxopts {
	struct st_fixture_opt o[ST_BENCH_MAX_FAULTS + 7]; /* the options */
	int n;                   /* entries used */
	char battery[32];        /* battery= value */
	char seed[16];           /* seed= value */
};

static void sim_fxopts(const struct st_bench *b, const char *serial, struct sim_fxopts *fo)
{
	struct st_fixture_opt *o = fo->o;

	for (int i = 0; i < b->sim.nfaults; i++)
		*o++ = (struct st_fixture_opt){ "fault", b->sim.faults[i] };
	if (b->sim.battery >= 0) {
		snprintf(fo->battery, sizeof(fo->battery), "%.17g", b->sim.battery);
		*o++ = (struct st_fixture_opt){ "battery", fo->battery };
	}
	if (b->sim.worn)
		*o++ = (struct st_fixture_opt){ "worn", "1" };
	if (b->sim.identity[0])
		*o++ = (struct st_fixture_opt){ "identity", b->sim.identity };
	if (b->sim.seed) {
		snprintf(fo->seed, sizeof(fo->seed), "%u", b->sim.seed);
		*o++ = (struct st_fixture_opt){ "seed", fo->seed };
	}
	if (b->sim.firmware[0])
		*o++ = (struct st_fixture_opt){ "firmware", b->sim.firmware };
	if (serial)
		*o++ = (struct st_fixture_opt){ "serial", serial };
	fo->n = (int)(o - fo->o);
}

/* Are the simulated unit's options right for the current model?  (A fault
 * naming a control needs a control of that model; --identity a model.) */
int bench_sim_check(struct st_bench *b, char *err)
{
	struct sim_fxopts fo;
	char e[ST_ERRLEN];
	struct st_model *other;
	int ret;

	if (!b->simulated || !b->model)
		return ST_OK;
	sim_fxopts(b, NULL, &fo);
	ret = st_fixture_check_opts(b->fixture, b->model, fo.o, fo.n, err);
	if (ret || !b->sim.identity[0])
		return ret;
	other = calloc(1, sizeof(*other));
	if (!other)
		return st_fail(err, ST_ERR_MEM, "--identity: out of memory");
	ret = st_model_find(b->data_dir, b->sim.identity, other, e);
	free(other);
	if (ret)
		return st_fail(err, ret, "--identity: %s", e);
	return ST_OK;
}

/* Close audio, fixture (releasing every actuator first) and clock. */
void bench_disconnect(struct st_bench *b)
{
	st_audio_close(b->audio);
	b->audio = NULL;
	st_fixture_close(b->fx);
	b->fx = NULL;
	st_clock_free(b->clock);
	b->clock = NULL;
	b->unit_serial[0] = '\0';
}

static int open_fixture(struct st_bench *b, const char *serial, char *err)
{
	struct sim_fxopts fo;
	char e[ST_ERRLEN];
	int ret;

	if (b->simulated) {
		sim_fxopts(b, serial, &fo);
		ret = st_fixture_open(&b->fx, b->fixture, b->model, b->clock, fo.o, fo.n, e);
	} else {
		ret = st_fixture_open(&b->fx, b->fixture, b->model, b->clock, NULL, 0, e);
		/* a real bench that cannot be reached or set up is a station fault;
		 * a malformed fixture file (file:line:col) is an input error, exit 2 */
		if (ret == ST_ERR_ARG || ret == ST_ERR_NOTFOUND)
			ret = ST_ERR_IO;
	}
	if (ret)
		return st_fail(err, ret, "fixture: %s", e);
	return ST_OK;
}

int bench_connect(struct st_bench *b, const char *serial, char *err)
{
	char e[ST_ERRLEN];
	int ret;

	if (!b->model)
		return st_fail(err, ST_ERR_ARG, "no model chosen for the bench");
	if (!serial || !*serial)
		serial = b->unit_serial[0] ? b->unit_serial : "SIM0001";
	if (b->fx && !b->stale && (!b->simulated || !strcmp(serial, b->unit_serial)))
		return ST_OK;
	bench_disconnect(b);
	/* the simulated bench runs on virtual time unless asked for a real,
	 * scaled clock (so a signal can interrupt a hold) */
	b->clock = b->simulated && b->time_scale <= 0 ? st_clock_new_virtual()
		   : st_clock_new_real(b->time_scale > 0 ? b->time_scale : 1.0);
	if (!b->clock)
		return st_fail(err, ST_ERR_MEM, "out of memory");
	ret = open_fixture(b, serial, err);
	if (ret)
		goto undo_clock;
	/* the abort flag reaches the fixture's waits too (fixture.h) */
	st_fixture_set_abort(b->fx, &b->abort_flag);
	st_strlcpy(b->unit_serial, serial, sizeof(b->unit_serial));
	if (strcmp(b->audio_addr, "none")) {
		ret = st_audio_open(&b->audio, b->audio_addr, &b->abench, b->fx, e);
		if (ret) {
			/* the audio interface is missing: a station fault */
			if (ret == ST_ERR_ARG || ret == ST_ERR_PARSE || ret == ST_ERR_NOTFOUND)
				ret = ST_ERR_IO;
			/* the back ends' messages already start with "audio: " */
			st_fail(err, ret, "%s%s", strncmp(e, "audio: ", 7) ? "audio: " : "", e);
			goto undo_fixture;
		}
	}
	b->stale = 0;
	return ST_OK;
undo_fixture:
	st_fixture_close(b->fx);
	b->fx = NULL;
	b->unit_serial[0] = '\0';
undo_clock:
	st_clock_free(b->clock);
	b->clock = NULL;
	return ret;
}
