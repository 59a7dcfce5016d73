/*
 * serial.c - two questions asked of the model data by front ends that have
 * only a scanned serial or an operator's request in hand: which model does
 * this serial belong to (the `serial-prefix` lines of the model files), and
 * may this control be held this long (the model's safe maximum hold and
 * its hazards, the same rules the sequencer applies to a procedure).
 *
 * Pure lookups over loaded model files; no I/O beyond reading them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/st.h"
#include "model/model.h"

#define MAX_MODELS 64

/* Length of the longest of m's prefixes that begins serial, 0 if none. */
static size_t prefix_match(const struct st_model *m, const char *serial)
{
	size_t best = 0;

	for (int i = 0; i < m->nserial_prefix; i++) {
		size_t n = strlen(m->serial_prefix[i]);

		if (n > best && !strncmp(serial, m->serial_prefix[i], n))
			best = n;
	}
	return best;
}

int st_model_for_serial(const char *dir, const char *serial, struct st_model *m, char *err)
{
	char (*ids)[ST_NAME_LEN] = NULL;
	struct st_model *cand = NULL;
	size_t best = 0;
	int n, ret = ST_OK, tie = 0;
	char first[ST_NAME_LEN] = "", other[ST_NAME_LEN] = "";

	if (!serial || !serial[0])
		return st_fail(err, ST_ERR_ARG, "no serial to look up");
	ids = calloc(MAX_MODELS, sizeof(*ids));
	cand = calloc(1, sizeof(*cand));
	if (!ids || !cand) {
		ret = st_fail(err, ST_ERR_MEM, "out of memory");
		goto out_free;
	}
	n = st_model_list(dir, ids, MAX_MODELS, err);
	if (n < 0) {
		ret = n;
		goto out_free;
	}
	for (int i = 0; i < n; i++) {
		size_t len;

		ret = st_model_find(dir, ids[i], cand, err);
		if (ret)
			goto out_free;
		len = prefix_match(cand, serial);
		if (!len || len < best)
			continue;
		if (len == best) {
			tie = 1;
			st_strlcpy(other, cand->id, sizeof(other));
			continue;
		}
		best = len;
		tie = 0;
		st_strlcpy(first, cand->id, sizeof(first));
		*m = *cand;
	}
	if (!best)
		ret = st_fail(err, ST_ERR_NOTFOUND, "no model's serial-prefix matches serial %s", serial);
	else if (tie)
		ret = st_fail(err, ST_ERR_ARG, "serial %s matches the serial-prefix of both %s and %s",
			      serial, first, other);
out_free:
	free(cand);
	free(ids);
	return ret;
}

int st_model_hold_check(const struct st_model *m, unsigned mask, double seconds, char *err)
{
	char names[96];

	st_model_controls_str(m, mask, names, sizeof(names));
	if (!(seconds > 0))
		return st_fail(err, ST_ERR_ARG, "a hold of %s needs a time above 0 s", names);
	if (seconds > m->max_hold + 1e-9)
		return st_fail(err, ST_ERR_REFUSED,
			       "refused: holding %s for %.1f s is past %s's safe maximum of %.1f s (max-hold, %s)",
			       names, seconds, m->id, m->max_hold, m->path);
	for (int h = 0; h < m->nhazards; h++) {
		const struct st_hazard *hz = &m->hazards[h];

		if (hz->controls && (mask & hz->controls) == hz->controls && seconds >= hz->seconds)
			return st_fail(err, ST_ERR_REFUSED, "refused: holding %s for %.1f s is a hazard: %s",
				       names, seconds, hz->source);
	}
	return ST_OK;
}
