/*
 * stats.h - the statistics `station limits learn` derives limits with, as
 * pure functions of arrays of numbers: median, median absolute deviation,
 * outliers by their robust z-score, and the mean and sample standard
 * deviation of what remains.
 */
#ifndef ST_GOLDEN_STATS_H
#define ST_GOLDEN_STATS_H

/* An outlier lies more than this many robust standard deviations from the
 * median (Iglewicz and Hoaglin's modified z-score, 0.6745 |x - median| / MAD
 * > 3.5). */
#define ST_OUTLIER_Z 3.5

struct st_stats {
	int n;            /* values given */
	int kept;         /* values left after outliers were rejected */
	double median;    /* of all n */
	double mad;       /* median absolute deviation from the median, of all n */
	double spread;    /* the robust scale the z-score divides by (0: none) */
	double mean;      /* of the kept values */
	double sd;        /* their sample standard deviation (n - 1); 0 for one value */
	double min, max;  /* of the kept values */
};

/* Median of v[0..n) (n >= 1; v is not changed). */
double st_median(const double *v, int n);

/* Statistics of v[0..n) (n >= 1, finite values): median and MAD of all; a
 * value is an outlier (outlier[i] = 1; outlier may be NULL) when its
 * modified z-score exceeds z.  The robust scale is MAD / 0.6745; when the
 * MAD is 0 (most values equal) it is the mean absolute deviation
 * x 1.2533 (SPSS's rule), and when that is 0 too nothing is an outlier.
 * Mean, sd, min and max are of the values that are not outliers.
 * ST_OK, or ST_ERR_ARG for n < 1 or a value that is not finite, ST_ERR_MEM. */
int st_stats_robust(const double *v, int n, double z, unsigned char *outlier,
		    struct st_stats *out);

#endif
