/*
 * stats.c - the fleet report's statistics as pure functions (fleet.h):
 * process capability (Cpk) and the two-proportion z score that tells a
 * station whose failure rate stands out from the rest of the fleet.
 * No database, no I/O: tests/unit/test_fleet.c checks them on numbers.
 */
#include <math.h>

#include "fleet/fleet.h"

double st_fleet_cpk(double mean, double sd, long n, double low, double high)
{
	double cpk = INFINITY;
	int have = 0;

	if (n < 2 || isnan(mean) || isnan(sd) || (isnan(low) && isnan(high)))
		return NAN;
	if (sd <= 0) {
		int inside = (isnan(low) || mean >= low) && (isnan(high) || mean <= high);

		return inside ? INFINITY : -INFINITY;
	}
	if (!isnan(high)) {
		cpk = (high - mean) / (3 * sd);
		have = 1;
	}
	if (!isnan(low)) {
		double c = (mean - low) / (3 * sd);

		cpk = have && cpk < c ? cpk : c;
	}
	return cpk;
}

double st_fleet_outlier_z(long fails, long n, long rest_fails, long rest_n)
{
	double p1, p2, p, se;

	if (n <= 0 || rest_n <= 0)
		return 0;
	p1 = (double)fails / (double)n;
	p2 = (double)rest_fails / (double)rest_n;
	p = (double)(fails + rest_fails) / (double)(n + rest_n);
	se = sqrt(p * (1 - p) * (1.0 / (double)n + 1.0 / (double)rest_n));
	if (se <= 0)
		return 0;
	return (p1 - p2) / se;
}
