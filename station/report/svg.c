/*
 * svg.c - inline SVG charts for the reports (svg.h): curves against masks,
 * values against limit bands, Pareto charts, and trends across firmware
 * builds with baseline bands (the nightly report).  Geometry is computed in
 * a fixed viewBox; the report's stylesheet gives colours and line styles
 * through class names, so a site restyles charts without a rebuild.
 */
#include "report/svg.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* Plot area inside the viewBox. */
#define W 720.0
#define H 280.0
#define ML 56.0   /* left margin: y labels */
#define MR 24.0
#define MT 34.0   /* top: title */
#define MB 46.0   /* bottom: x labels */

struct axis {
	double lo, hi;  /* data range shown */
	double step;    /* tick spacing */
	double bottom;  /* pixel y of the plot's bottom (H - MB, more for slanted labels) */
};

static double px_y(const struct axis *a, double v)
{
	return MT + (a->bottom - MT) * (a->hi - v) / (a->hi - a->lo);
}

/* Widen [lo, hi] to round ticks (about 5 of them). */
static void axis_fit(struct axis *a, double lo, double hi)
{
	double span, mag, steps[] = { 1, 2, 2.5, 5, 10 };

	if (!isfinite(lo) || !isfinite(hi)) {
		lo = 0;
		hi = 1;
	}
	if (hi - lo < 1e-9) {
		lo -= 1;
		hi += 1;
	}
	span = hi - lo;
	mag = pow(10, floor(log10(span / 5)));
	a->step = mag;
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		if (span / (mag * steps[i]) <= 6) {
			a->step = mag * steps[i];
			break;
		}
	a->bottom = H - MB;
	a->lo = floor(lo / a->step) * a->step;
	a->hi = ceil(hi / a->step) * a->step;
	if (a->hi - a->lo < a->step)
		a->hi = a->lo + a->step;
}

static void range_add(double *lo, double *hi, double v)
{
	if (!isfinite(v))
		return;
	if (v < *lo)
		*lo = v;
	if (v > *hi)
		*hi = v;
}

static void svg_open(struct st_sbuf *b, const char *title, const char *cls)
{
	st_sbuf_printf(b, "<svg class=\"chart %s\" "
			  "viewBox=\"0 0 %.0f %.0f\" role=\"img\"><title>", cls, W, H);
	st_sbuf_html(b, title);
	st_sbuf_puts(b, "</title>\n<text class=\"chart-title\" x=\"8\" y=\"20\">");
	st_sbuf_html(b, title);
	st_sbuf_puts(b, "</text>\n");
}

/* Horizontal grid lines and y tick labels. */
static void y_axis(struct st_sbuf *b, const struct axis *a, const char *unit)
{
	int nticks = (int)lround((a->hi - a->lo) / a->step);

	for (int i = 0; i <= nticks && i <= 50; i++) {
		double v = a->lo + i * a->step, y = px_y(a, v);

		st_sbuf_printf(b, "<line class=\"grid%s\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
				  "<text class=\"axis\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%g</text>\n",
			       fabs(v) < a->step / 1000 ? " zero" : "", ML, y, W - MR, y, ML - 6, y + 4,
			       fabs(v) < a->step / 1000 ? 0.0 : v);
	}
	st_sbuf_printf(b, "<text class=\"axis\" x=\"8\" y=\"%.1f\">", MT - 4);
	st_sbuf_html(b, unit);
	st_sbuf_puts(b, "</text>\n");
}

static double clampy(const struct axis *a, double v)
{
	return v < a->lo ? a->lo : v > a->hi ? a->hi : v;
}

/* A mask as a stepped line across each band's cell, the side that fails
 * shaded. */
static void draw_mask(struct st_sbuf *b, const struct axis *a, const double *m, int n, double cell,
		      int low)
{
	int open = 0;

	for (int i = 0; i < n; i++) {
		double x0 = ML + i * cell, y;

		if (!isfinite(m[i]))
			continue;
		y = px_y(a, clampy(a, m[i]));
		st_sbuf_printf(b, "<rect class=\"fail-zone\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/>",
			       x0, low ? y : MT, cell, low ? a->bottom - y : y - MT);
	}
	st_sbuf_puts(b, "\n<polyline class=\"mask\" points=\"");
	for (int i = 0; i < n; i++) {
		double x0 = ML + i * cell, y;

		if (!isfinite(m[i])) {
			if (open)
				st_sbuf_puts(b, "\"/>\n<polyline class=\"mask\" points=\"");
			open = 0;
			continue;
		}
		y = px_y(a, clampy(a, m[i]));
		st_sbuf_printf(b, "%.1f,%.1f %.1f,%.1f ", x0, y, x0 + cell, y);
		open = 1;
	}
	st_sbuf_puts(b, "\"/>\n");
}

static void band_label(char *out, size_t n, double hz)
{
	if (hz >= 1000)
		snprintf(out, n, "%gk", hz / 1000);
	else
		snprintf(out, n, "%g", hz);
}

static void bands_series(struct st_sbuf *b, const struct st_chart_bands *c, const struct axis *a,
			 double cell, int s)
{
	const double *v = c->value[s];

	st_sbuf_printf(b, "<polyline class=\"series series-%d\" points=\"", s);
	for (int i = 0; i < c->nbands; i++)
		if (isfinite(v[i]))
			st_sbuf_printf(b, "%.1f,%.1f ", ML + (i + 0.5) * cell, px_y(a, clampy(a, v[i])));
	st_sbuf_puts(b, "\"/>\n");
	for (int i = 0; i < c->nbands; i++) {
		int fail;

		if (!isfinite(v[i]))
			continue;
		fail = (c->mask_low && isfinite(c->mask_low[i]) && v[i] < c->mask_low[i]) ||
		       (c->mask_high && isfinite(c->mask_high[i]) && v[i] > c->mask_high[i]);
		st_sbuf_printf(b, "<circle class=\"point series-%d%s\" cx=\"%.1f\" cy=\"%.1f\" r=\"%d\"/>",
			       s, fail ? " fail" : "", ML + (i + 0.5) * cell, px_y(a, clampy(a, v[i])),
			       fail ? 5 : 3);
	}
	st_sbuf_puts(b, "\n");
}

void st_svg_bands(struct st_sbuf *b, const struct st_chart_bands *c)
{
	double lo = INFINITY, hi = -INFINITY, cell;
	struct axis a;
	char lab[32];
	int step;

	for (int s = 0; s < c->nseries && s < ST_CHART_MAX_SERIES; s++)
		for (int i = 0; i < c->nbands; i++)
			range_add(&lo, &hi, c->value[s][i]);
	for (int i = 0; i < c->nbands; i++) {
		if (c->mask_low)
			range_add(&lo, &hi, c->mask_low[i]);
		if (c->mask_high)
			range_add(&lo, &hi, c->mask_high[i]);
	}
	axis_fit(&a, lo, hi);
	cell = c->nbands > 0 ? (W - ML - MR) / c->nbands : 1;
	svg_open(b, c->title, "bands");
	y_axis(b, &a, c->unit);
	if (c->mask_low)
		draw_mask(b, &a, c->mask_low, c->nbands, cell, 1);
	if (c->mask_high)
		draw_mask(b, &a, c->mask_high, c->nbands, cell, 0);
	step = c->nbands > 16 ? 2 : 1;
	for (int i = 0; i < c->nbands; i += step) {
		band_label(lab, sizeof(lab), c->freq_hz[i]);
		st_sbuf_printf(b, "<text class=\"axis\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>",
			       ML + (i + 0.5) * cell, H - MB + 16, lab);
	}
	st_sbuf_printf(b, "\n<text class=\"axis\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">Hz (1/3 octave)</text>\n",
		       (ML + W - MR) / 2, H - 10);
	for (int s = 0; s < c->nseries && s < ST_CHART_MAX_SERIES; s++) {
		bands_series(b, c, &a, cell, s);
		st_sbuf_printf(b, "<line class=\"series series-%d\" x1=\"%.1f\" y1=\"14\" x2=\"%.1f\" y2=\"14\"/>"
				  "<text class=\"legend\" x=\"%.1f\" y=\"18\">",
			       s, W - 250 + s * 80.0, W - 232 + s * 80.0, W - 228 + s * 80.0);
		st_sbuf_html(b, c->label[s]);
		st_sbuf_puts(b, "</text>\n");
	}
	if (c->mask_low || c->mask_high)
		st_sbuf_printf(b, "<line class=\"mask\" x1=\"%.1f\" y1=\"14\" x2=\"%.1f\" y2=\"14\"/>"
				  "<text class=\"legend\" x=\"%.1f\" y=\"18\">mask</text>\n",
			       W - 90, W - 72, W - 68);
	st_sbuf_puts(b, "</svg>\n");
}

void st_svg_bars(struct st_sbuf *b, const struct st_chart_bars *c)
{
	double lo = 0, hi = 0, cell, bw, y0;
	struct axis a;

	for (int i = 0; i < c->n; i++) {
		range_add(&lo, &hi, c->value[i]);
		range_add(&lo, &hi, c->low[i]);
		range_add(&lo, &hi, c->high[i]);
	}
	axis_fit(&a, lo, hi);
	cell = c->n > 0 ? (W - ML - MR) / c->n : 1;
	bw = cell * 0.5;
	svg_open(b, c->title, "bars");
	y_axis(b, &a, c->unit);
	y0 = px_y(&a, 0);
	for (int i = 0; i < c->n; i++) {
		double x = ML + i * cell, v = c->value[i], yl, yh;
		int fail;

		yl = isfinite(c->low[i]) ? px_y(&a, c->low[i]) : a.bottom;
		yh = isfinite(c->high[i]) ? px_y(&a, c->high[i]) : MT;
		if (isfinite(c->low[i]) || isfinite(c->high[i]))
			st_sbuf_printf(b, "<rect class=\"band\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/>",
				       x + 4, yh, cell - 8, yl - yh);
		if (isfinite(c->low[i]))
			st_sbuf_printf(b, "<line class=\"mask\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>",
				       x + 4, yl, x + cell - 4, yl);
		if (isfinite(c->high[i]))
			st_sbuf_printf(b, "<line class=\"mask\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>",
				       x + 4, yh, x + cell - 4, yh);
		if (isfinite(v)) {
			double yv = px_y(&a, clampy(&a, v));

			fail = (isfinite(c->low[i]) && v < c->low[i]) ||
			       (isfinite(c->high[i]) && v > c->high[i]);
			st_sbuf_printf(b, "<rect class=\"bar %s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/>"
					  "<text class=\"value\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%.3g</text>",
				       fail ? "fail" : "pass", x + (cell - bw) / 2, yv < y0 ? yv : y0, bw,
				       fabs(y0 - yv) < 1 ? 1 : fabs(y0 - yv), x + cell / 2,
				       (yv < y0 ? yv - 4 : yv + 12), v);
		}
		st_sbuf_printf(b, "<text class=\"axis\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">",
			       x + cell / 2, H - MB + 16);
		st_sbuf_html(b, c->label[i]);
		st_sbuf_puts(b, "</text>\n");
	}
	st_sbuf_puts(b, "</svg>\n");
}

static void label_short(struct st_sbuf *b, const char *s, int max);

static void trend_series(struct st_sbuf *b, const struct st_chart_trend *c, const struct axis *a,
			 double cell, int s)
{
	static const char *const mark_cls[] = { "", " regression", " bench", " fail" };
	const double *v = c->value[s];

	st_sbuf_printf(b, "<polyline class=\"series series-%d\" points=\"", s);
	for (int i = 0; i < c->nx; i++)
		if (isfinite(v[i]))
			st_sbuf_printf(b, "%.1f,%.1f ", ML + (i + 0.5) * cell, px_y(a, clampy(a, v[i])));
	st_sbuf_puts(b, "\"/>\n");
	for (int i = 0; i < c->nx; i++) {
		int m = c->mark[s] && c->mark[s][i] <= ST_TREND_LIMIT ? c->mark[s][i] : 0;

		if (!isfinite(v[i]))
			continue;
		st_sbuf_printf(b, "<circle class=\"point series-%d%s\" cx=\"%.1f\" cy=\"%.1f\" r=\"%d\"/>",
			       s, mark_cls[m], ML + (i + 0.5) * cell, px_y(a, clampy(a, v[i])), m ? 6 : 3);
	}
	st_sbuf_puts(b, "\n");
}

void st_svg_trend(struct st_sbuf *b, const struct st_chart_trend *c)
{
	double lo = INFINITY, hi = -INFINITY, cell;
	int ns = c->nseries < ST_CHART_MAX_SERIES ? c->nseries : ST_CHART_MAX_SERIES, step;
	struct axis a;

	for (int s = 0; s < ns; s++) {
		for (int i = 0; i < c->nx; i++)
			range_add(&lo, &hi, c->value[s][i]);
		range_add(&lo, &hi, c->band_lo[s]);
		range_add(&lo, &hi, c->band_hi[s]);
	}
	axis_fit(&a, lo, hi);
	cell = c->nx > 0 ? (W - ML - MR) / c->nx : 1;
	svg_open(b, c->title, "trend");
	y_axis(b, &a, c->unit);
	for (int s = 0; s < ns; s++)
		if (isfinite(c->band_lo[s]) && isfinite(c->band_hi[s]))
			st_sbuf_printf(b, "<rect class=\"baseline series-%d\" x=\"%.1f\" y=\"%.1f\" "
					  "width=\"%.1f\" height=\"%.1f\"/>\n", s, ML,
				       px_y(&a, clampy(&a, c->band_hi[s])), W - ML - MR,
				       px_y(&a, clampy(&a, c->band_lo[s])) - px_y(&a, clampy(&a, c->band_hi[s])));
	step = c->nx > 12 ? (c->nx + 11) / 12 : 1;
	for (int i = 0; i < c->nx; i += step) {
		st_sbuf_printf(b, "<text class=\"axis\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">",
			       ML + (i + 0.5) * cell, H - MB + 16);
		label_short(b, c->xlabel[i], 10);
		st_sbuf_puts(b, "</text>");
	}
	st_sbuf_printf(b, "\n<text class=\"axis\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">firmware build, oldest first</text>\n",
		       (ML + W - MR) / 2, H - 10);
	for (int s = 0; s < ns; s++) {
		trend_series(b, c, &a, cell, s);
		st_sbuf_printf(b, "<line class=\"series series-%d\" x1=\"%.1f\" y1=\"14\" x2=\"%.1f\" y2=\"14\"/>"
				  "<text class=\"legend\" x=\"%.1f\" y=\"18\">",
			       s, W - 330 + s * 80.0, W - 312 + s * 80.0, W - 308 + s * 80.0);
		label_short(b, c->label[s], 9);
		st_sbuf_puts(b, "</text>\n");
	}
	st_sbuf_puts(b, "</svg>\n");
}

/* A slanted axis label cut to max characters with an ellipsis (the full
 * text is in the report's tables). */
static void label_short(struct st_sbuf *b, const char *s, int max)
{
	char buf[128];
	int n = 0;
	size_t i = 0;

	for (; s[i] && i < sizeof(buf) - 4; i++) {
		if (((unsigned char)s[i] & 0xc0) != 0x80 && ++n > max)
			break;
		buf[i] = s[i];
	}
	buf[i] = '\0';
	st_sbuf_html(b, buf);
	if (s[i])
		st_sbuf_puts(b, "\xe2\x80\xa6");
}

void st_svg_pareto(struct st_sbuf *b, const struct st_chart_pareto *c)
{
	double cell, bw, total = 0, cum = 0;
	struct axis a;
	int max = 0;

	for (int i = 0; i < c->n; i++) {
		total += c->count[i];
		if (c->count[i] > max)
			max = c->count[i];
	}
	axis_fit(&a, 0, max > 0 ? max : 1);
	if (a.step < 1)
		axis_fit(&a, 0, 5);
	a.bottom = H - 84;   /* room for the slanted labels */
	cell = c->n > 0 ? (W - ML - MR - 30) / c->n : 1;
	bw = cell * 0.6;
	svg_open(b, c->title, "pareto");
	y_axis(b, &a, "units");
	st_sbuf_printf(b, "<text class=\"axis\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">100%%</text>\n",
		       W - 2, MT + 4);
	for (int i = 0; i < c->n; i++) {
		double x = ML + i * cell, y = px_y(&a, c->count[i]);

		st_sbuf_printf(b, "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/>"
				  "<text class=\"value\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%d</text>"
				  "<text class=\"axis label\" transform=\"translate(%.1f,%.1f) rotate(-30)\" text-anchor=\"end\">",
			       x + (cell - bw) / 2, y, bw, a.bottom - y, x + cell / 2, y - 4, c->count[i],
			       x + cell / 2 + 4, a.bottom + 14);
		label_short(b, c->label[i], 22);
		st_sbuf_puts(b, "</text>\n");
	}
	st_sbuf_puts(b, "<polyline class=\"cum\" points=\"");
	for (int i = 0; i < c->n && total > 0; i++) {
		cum += c->count[i];
		st_sbuf_printf(b, "%.1f,%.1f ", ML + (i + 0.5) * cell, MT + (a.bottom - MT) * (1 - cum / total));
	}
	st_sbuf_puts(b, "\"/>\n</svg>\n");
}
