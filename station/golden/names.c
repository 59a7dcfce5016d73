/*
 * names.c - from a stored measurement's name to the limit or mask band
 * that judges it (names.h).
 */
#include "golden/names.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/st.h"

int st_mask_band(const char *mask_name, const char *meas, double *hz)
{
	size_t n = strlen(mask_name);
	const char *rest, *last;
	char *end;
	double v;

	if (strncmp(meas, mask_name, n) || meas[n] != '.')
		return 0;
	rest = meas + n + 1;
	last = strrchr(rest, '.');
	if (last && strchr(rest, '.') != last)
		return 0;  /* at most one component (the ear) before the band */
	if (last && last == rest)
		return 0;
	last = last ? last + 1 : rest;
	if (*last < '0' || *last > '9')
		return 0;
	v = strtod(last, &end);
	if (strcmp(end, "Hz") || !isfinite(v) || v <= 0)
		return 0;
	*hz = v;
	return 1;
}

int st_limit_ref_find(const struct st_limits *l, const char *meas, struct st_limit_ref *ref)
{
	char shared[ST_LIMIT_NAME_LEN];
	const char *dot1, *dot2;

	memset(ref, 0, sizeof(*ref));
	if ((ref->lim = st_limits_get(l, meas)))
		return 1;
	for (int i = 0; i < st_limits_mask_count(l); i++) {
		const struct st_mask *m = st_limits_mask_at(l, i);
		if (st_mask_band(m->name, meas, &ref->hz)) {
			ref->mask = m;
			return 1;
		}
	}
	/* the controls' key test: control.POWER.presses (seq/steps_unit.c) */
	if (!strncmp(meas, "control.", 8) && strlen(meas) > 16 &&
	    !strcmp(meas + strlen(meas) - 8, ".presses"))
		return (ref->lim = st_limits_get(l, "control.presses_to_register")) != NULL;
	/* PREFIX.ITEM.REST -> PREFIX.REST (mic.3.delay_us -> mic.delay_us) */
	dot1 = strchr(meas, '.');
	dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
	if (!dot2 || dot2 == dot1 + 1 || strlen(meas) >= sizeof(shared))
		return 0;
	snprintf(shared, sizeof(shared), "%.*s%s", (int)(dot1 - meas), meas, dot2);
	return (ref->lim = st_limits_get(l, shared)) != NULL;
}
