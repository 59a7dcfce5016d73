/*
 * svg.h - the charts of the station's reports, drawn as inline SVG so a
 * report stays one self-contained file: measured curves against their
 * masks (ANC attenuation per 1/3 octave), values against a limit band
 * (microphone delay, gain and phase), Pareto charts (batch reports), and
 * trends across builds with baseline bands (nightly report).
 *
 * Pure functions of their inputs: they append SVG text to a buffer.  Every
 * label is HTML-escaped; numbers that are not finite are left out.  The
 * SVG is well-formed XML, styled by the report's stylesheet through class
 * names (chart, axis, grid, mask, series-N, fail, pass, band, bar, cum).
 */
#ifndef ST_REPORT_SVG_H
#define ST_REPORT_SVG_H

#include "report/html.h"

#define ST_CHART_MAX_SERIES 4

/* Curves over bands (e.g. 1/3-octave centres) with a mask. */
struct st_chart_bands {
	const char *title;        /* chart title (escaped) */
	const char *unit;         /* y axis unit, e.g. "dB" */
	int nbands;               /* points per series */
	const double *freq_hz;    /* band centres, nbands */
	int nseries;              /* curves, at most ST_CHART_MAX_SERIES */
	const char *label[ST_CHART_MAX_SERIES];         /* legend text per curve */
	const double *value[ST_CHART_MAX_SERIES];       /* nbands each, NAN = none */
	const double *mask_low;   /* lower mask per band (NAN = none) or NULL */
	const double *mask_high;  /* upper mask per band (NAN = none) or NULL */
};
void st_svg_bands(struct st_sbuf *b, const struct st_chart_bands *c);

/* One value per item against its own [low, high] limits. */
struct st_chart_bars {
	const char *title;
	const char *unit;
	int n;
	const char *const *label; /* item names, n */
	const double *value;      /* n, NAN = not measured */
	const double *low;        /* n, NAN = no lower limit */
	const double *high;       /* n, NAN = no upper limit */
};
void st_svg_bars(struct st_sbuf *b, const struct st_chart_bars *c);

/* A trend across builds: one value per build per series (golden unit),
 * each series' baseline band (its median +- the threshold in force) shaded,
 * points marked as a regression (red ring) or bench-suspect change. */
enum st_trend_mark { ST_TREND_NONE = 0, ST_TREND_REGRESSION, ST_TREND_BENCH, ST_TREND_LIMIT };
struct st_chart_trend {
	const char *title;        /* chart title (escaped) */
	const char *unit;         /* y axis unit */
	int nx;                   /* builds, oldest first */
	const char *const *xlabel;/* build names, nx (escaped, cut) */
	int nseries;              /* at most ST_CHART_MAX_SERIES */
	const char *label[ST_CHART_MAX_SERIES];   /* legend per series (a unit's serial) */
	const double *value[ST_CHART_MAX_SERIES]; /* nx each, NAN = not measured */
	const unsigned char *mark[ST_CHART_MAX_SERIES]; /* nx each (enum st_trend_mark) or NULL */
	double band_lo[ST_CHART_MAX_SERIES];      /* baseline band, NAN = none */
	double band_hi[ST_CHART_MAX_SERIES];
};
void st_svg_trend(struct st_sbuf *b, const struct st_chart_trend *c);

/* Pareto chart: counts drawn in the order given (the caller sorts them,
 * largest first) with the cumulative share as a line. */
struct st_chart_pareto {
	const char *title;
	int n;
	const char *const *label;
	const int *count;
};
void st_svg_pareto(struct st_sbuf *b, const struct st_chart_pareto *c);

#endif
