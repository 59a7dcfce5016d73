/*
 * names.h - which limit of a resolved set judges a stored measurement, by
 * the measurement's name as the sequencer stores it: a limit of the same
 * name (anc.rampup_s); one band of a mask (anc.active_db.L.200Hz: the mask
 * anc.active_db at 200 Hz, either ear); or a limit shared by several
 * items (mic.3.delay_us: the limit mic.delay_us).  `station limits learn`
 * and `station rejudge` both map names through here, so what was learned
 * is what is judged.
 */
#ifndef ST_GOLDEN_NAMES_H
#define ST_GOLDEN_NAMES_H

#include "limits/limits.h"

struct st_limit_ref {
	const struct st_limit *lim;   /* the scalar limit, or NULL */
	const struct st_mask *mask;   /* the mask, or NULL */
	double hz;                    /* the band (mask only) */
};

/* Fill ref and return 1 when a limit or mask band of l judges the
 * measurement named meas; 0 (ref cleared) when none does. */
int st_limit_ref_find(const struct st_limits *l, const char *meas, struct st_limit_ref *ref);

/* The band of a mask measurement "MASK.EAR.NHz" or "MASK.NHz": 1 and *hz
 * when meas is a band of mask (name mask_name), else 0. */
int st_mask_band(const char *mask_name, const char *meas, double *hz);

#endif
