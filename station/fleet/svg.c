/*
 * svg.c - the fleet report's charts as inline SVG (svg.h): a control chart
 * (values in time order with the limits, the mean and the ±3σ band) and a
 * Pareto chart (bars largest first with the cumulative share as a line).
 * Pure writers: numbers and already-escaped labels in, markup out.
 */
#include "fleet/svg.h"

#include <math.h>
#include <stdio.h>

#define CW 640.0   /* chart width */
#define CH 200.0   /* chart height */
#define ML 56.0    /* left margin (axis labels) */
#define MB 20.0    /* bottom margin */

/* y pixel of value v in [lo, hi]. */
static double ypix(double v, double lo, double hi)
{
	return 8 + (CH - MB - 8) * (1 - (v - lo) / (hi - lo));
}

static void hline(FILE *o, double y, const char *cls, const char *label)
{
	fprintf(o, "<line class=\"%s\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>",
		cls, ML, CW - 4, y, y);
	fprintf(o, "<text class=\"axis\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>",
		ML - 4, y + 4, label);
}

void svg_control_chart(FILE *o, const double *v, int n, double low, double high,
		       double mean, double sd)
{
	double lo = INFINITY, hi = -INFINITY, pad;
	double marks[5] = { low, high, mean - 3 * sd, mean + 3 * sd, mean };
	char lab[32];

	for (int i = 0; i < n; i++) {
		lo = fmin(lo, v[i]);
		hi = fmax(hi, v[i]);
	}
	for (int i = 0; i < 5; i++)
		if (isfinite(marks[i])) {
			lo = fmin(lo, marks[i]);
			hi = fmax(hi, marks[i]);
		}
	if (!(hi > lo)) {
		lo -= 1;
		hi += 1;
	}
	pad = (hi - lo) * 0.05;
	lo -= pad;
	hi += pad;
	fprintf(o, "<svg class=\"chart\" viewBox=\"0 0 %.0f %.0f\" role=\"img\">", CW, CH);
	if (isfinite(sd) && sd > 0)
		fprintf(o, "<rect class=\"band\" x=\"%.1f\" width=\"%.1f\" y=\"%.1f\" height=\"%.1f\"/>",
			ML, CW - 4 - ML, ypix(mean + 3 * sd, lo, hi),
			ypix(mean - 3 * sd, lo, hi) - ypix(mean + 3 * sd, lo, hi));
	if (isfinite(high)) {
		snprintf(lab, sizeof(lab), "%.4g", high);
		hline(o, ypix(high, lo, hi), "limit", lab);
	}
	if (isfinite(low)) {
		snprintf(lab, sizeof(lab), "%.4g", low);
		hline(o, ypix(low, lo, hi), "limit", lab);
	}
	snprintf(lab, sizeof(lab), "%.4g", mean);
	hline(o, ypix(mean, lo, hi), "mean", lab);
	fprintf(o, "<polyline class=\"values\" points=\"");
	for (int i = 0; i < n; i++)
		fprintf(o, "%.1f,%.1f ", ML + (n > 1 ? (CW - 8 - ML) * i / (n - 1) : 0),
			ypix(v[i], lo, hi));
	fprintf(o, "\"/>");
	for (int i = 0; i < n; i++) {
		int out = (isfinite(low) && v[i] < low) || (isfinite(high) && v[i] > high);

		fprintf(o, "<circle class=\"%s\" r=\"2.5\" cx=\"%.1f\" cy=\"%.1f\"/>",
			out ? "pt bad" : "pt", ML + (n > 1 ? (CW - 8 - ML) * i / (n - 1) : 0),
			ypix(v[i], lo, hi));
	}
	fprintf(o, "<text class=\"axis\" x=\"%.1f\" y=\"%.1f\">oldest</text>", ML, CH - 4);
	fprintf(o, "<text class=\"axis\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">newest (%d values)"
		"</text></svg>\n", CW - 4, CH - 4, n);
}

void svg_pareto(FILE *o, const char *const *labels, const long *count, int n)
{
	double total = 0, cum = 0, bw, max = 1;
	double h = 60 + 22.0 * n;

	for (int i = 0; i < n; i++) {
		total += (double)count[i];
		if (count[i] > max)
			max = (double)count[i];
	}
	bw = CW - 260;
	fprintf(o, "<svg class=\"chart\" viewBox=\"0 0 %.0f %.0f\" role=\"img\">", CW, h);
	for (int i = 0; i < n; i++) {
		double y = 10 + 22.0 * i;

		cum += (double)count[i];
		fprintf(o, "<text class=\"axis\" x=\"196\" y=\"%.1f\" text-anchor=\"end\">%s</text>",
			y + 13, labels[i]);
		fprintf(o, "<rect class=\"bar\" x=\"200\" y=\"%.1f\" height=\"16\" width=\"%.1f\"/>",
			y, bw * (double)count[i] / max);
		fprintf(o, "<text class=\"axis\" x=\"%.1f\" y=\"%.1f\">%ld · %.0f%%</text>",
			204 + bw * (double)count[i] / max, y + 13, count[i],
			total > 0 ? 100 * cum / total : 0);
	}
	fprintf(o, "</svg>\n");
}
