/*
 * simopts.c - the simulated bench's unit options as fixture driver options
 * (key=value, fixture.h): parsing them for the "sim" driver, checking them
 * for a model without opening anything, and writing a struct st_sim_opts
 * out as such options (simdrv.h).
 *
 * Keys: fault (repeatable), battery (0-100), worn (0|1), identity (model
 * id the unit reports), serial, seed, start-off (0|1), firmware.
 */
#include "simdrv.h"

#include <stdio.h>
#include <string.h>

#include "core/st.h"
#include "model/model.h"
#include "sim/headset.h"

const char *const st_sim_fixture_keys[] = {
	"fault", "battery", "worn", "identity", "serial", "seed", "start-off", "firmware", NULL,
};

static int copy_text(char *dst, size_t n, const struct st_fixture_opt *o, char *err)
{
	if (!o->value[0] || strlen(o->value) >= n)
		return st_fail(err, ST_ERR_ARG, "sim option %s: 1 to %zu characters", o->key, n - 1);
	for (const char *p = o->value; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return st_fail(err, ST_ERR_ARG, "sim option %s: control character", o->key);
	st_strlcpy(dst, o->value, n);
	return ST_OK;
}

static int parse_flag(const struct st_fixture_opt *o, int *out, char *err)
{
	if (strcmp(o->value, "0") && strcmp(o->value, "1"))
		return st_fail(err, ST_ERR_ARG, "sim option %s takes 0 or 1, not '%.40s'", o->key,
			       o->value);
	*out = o->value[0] == '1';
	return ST_OK;
}

static int parse_one(const struct st_fixture_opt *o, struct st_sim_opts *so,
		     struct st_sim_text *t, char *err)
{
	long v;

	if (!strcmp(o->key, "fault")) {
		if (so->nfaults >= ST_SIM_MAX_FAULTS)
			return st_fail(err, ST_ERR_ARG, "at most %d simulated faults", ST_SIM_MAX_FAULTS);
		return copy_text(so->faults[so->nfaults++], sizeof(so->faults[0]), o, err);
	}
	if (!strcmp(o->key, "battery")) {
		if (st_parse_double(o->value, &so->battery) || !(so->battery >= 0 && so->battery <= 100))
			return st_fail(err, ST_ERR_ARG, "--battery takes a percentage 0-100, not '%.40s'",
				       o->value);
		return ST_OK;
	}
	if (!strcmp(o->key, "worn"))
		return parse_flag(o, &so->worn, err);
	if (!strcmp(o->key, "start-off"))
		return parse_flag(o, &so->start_off, err);
	if (!strcmp(o->key, "seed")) {
		if (st_parse_int(o->value, &v) || v < 0 || v > 0xffffffffL)
			return st_fail(err, ST_ERR_ARG, "sim option seed: not a number '%.40s'", o->value);
		so->seed = (unsigned)v;
		return ST_OK;
	}
	if (!strcmp(o->key, "identity")) {
		so->identity = t->identity;
		return copy_text(t->identity, sizeof(t->identity), o, err);
	}
	if (!strcmp(o->key, "serial")) {
		so->serial = t->serial;
		return copy_text(t->serial, sizeof(t->serial), o, err);
	}
	if (!strcmp(o->key, "firmware")) {
		so->firmware = t->firmware;
		return copy_text(t->firmware, sizeof(t->firmware), o, err);
	}
	return st_fail(err, ST_ERR_ARG, "the sim driver takes no option '%.40s'", o->key);
}

int st_sim_opts_parse(const struct st_fixture_opt *opts, int nopts, struct st_sim_opts *so,
		      struct st_sim_text *t, char *err)
{
	memset(so, 0, sizeof(*so));
	memset(t, 0, sizeof(*t));
	so->battery = -1;
	for (int i = 0; i < nopts; i++) {
		int ret = parse_one(&opts[i], so, t, err);

		if (ret)
			return ret;
	}
	return ST_OK;
}

int st_sim_fixture_check(const struct st_model *m, const struct st_fixture_opt *opts,
			 int nopts, char *err)
{
	struct st_sim_opts so;
	struct st_sim_text t;
	char e[ST_ERRLEN];
	int ret = st_sim_opts_parse(opts, nopts, &so, &t, err);

	if (ret || !m)
		return ret;
	for (int i = 0; i < so.nfaults; i++)
		if (st_sim_fault_check(m, so.faults[i], e))
			return st_fail(err, ST_ERR_ARG, "--fault %s: %s", so.faults[i], e);
	return ST_OK;
}

void st_sim_fixture_opts(const struct st_sim_opts *so, struct st_sim_fxopts *out)
{
	struct st_fixture_opt *o = out->o;

	memset(out, 0, sizeof(*out));
	if (!so)
		return;
	for (int i = 0; i < so->nfaults && i < ST_SIM_MAX_FAULTS; i++)
		*o++ = (struct st_fixture_opt){ "fault", so->faults[i] };
	if (so->battery >= 0) {
		snprintf(out->battery, sizeof(out->battery), "%.17g", so->battery);
		*o++ = (struct st_fixture_opt){ "battery", out->battery };
	}
	if (so->worn)
		*o++ = (struct st_fixture_opt){ "worn", "1" };
	if (so->start_off)
		*o++ = (struct st_fixture_opt){ "start-off", "1" };
	if (so->seed) {
		snprintf(out->seed, sizeof(out->seed), "%u", so->seed);
		*o++ = (struct st_fixture_opt){ "seed", out->seed };
	}
	if (so->identity)
		*o++ = (struct st_fixture_opt){ "identity", so->identity };
	if (so->serial)
		*o++ = (struct st_fixture_opt){ "serial", so->serial };
	if (so->firmware)
		*o++ = (struct st_fixture_opt){ "firmware", so->firmware };
	out->n = (int)(o - out->o);
}

int st_sim_fixture_open(struct st_fixture **out, const char *addr, const struct st_model *m,
			struct st_clock *clock, const struct st_sim_opts *so, char *err)
{
	struct st_sim_fxopts fo;

	st_sim_fixture_opts(so, &fo);
	return st_fixture_open(out, addr, m, clock, fo.o, fo.n, err);
}
