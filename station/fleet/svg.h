/*
 * svg.h - inline SVG charts of the fleet report (svg.c).  Labels must be
 * HTML-escaped by the caller; numbers are written as numbers.
 */
#ifndef ST_FLEET_SVG_H
#define ST_FLEET_SVG_H

#include <stdio.h>

/* Values oldest first with limits (NAN = none), mean and the ±3sd band. */
void svg_control_chart(FILE *o, const double *v, int n, double low, double high,
		       double mean, double sd);
/* Bars largest first, each labelled with its count and cumulative share. */
void svg_pareto(FILE *o, const char *const *labels, const long *count, int n);

#endif
