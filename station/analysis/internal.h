/*
 * internal.h - helpers shared by the analysis files (not part of the
 * public API in analysis.h).
 */
#ifndef ST_AN_INTERNAL_H
#define ST_AN_INTERNAL_H

#include <math.h>
#include <stddef.h>

#include "analysis/analysis.h"

#define AN_DB_FLOOR (-300.0)

static inline double an_db10(double p)
{
	return p > 1e-30 ? 10.0 * log10(p) : AN_DB_FLOOR;
}

int an_band_bins(double lo, double hi, size_t m, double rate, size_t *k0, size_t *k1);
size_t an_pow2_at_least(size_t n);
int an_check_samples(const float *x, size_t n, size_t stride, const char *what, char *err);
int an_welch_bands(const float *x, size_t n, size_t stride, double rate, size_t frame,
		   double out_db[ST_AN_NBANDS], char *err);

#endif
