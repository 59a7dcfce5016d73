/*
 * align.c - microphone alignment (st_an_align): a channel's response
 * against a reference channel's, both from the same context.  Delay by a
 * least-squares fit of the cross spectrum's phase slope (weighted, with an
 * intercept, around the peak-to-peak delay), polarity from the intercept,
 * gain and phase at exactly 1 kHz, and per band the energy ratio and the
 * argument of the band-summed cross spectrum.
 *
 * Both responses carry their window's spectrum (st_an_response.spec), so
 * no FFT is made here: the cross spectrum is their product, rotated by the
 * windows' offset.  The per-bin phase is unwrapped as it is taken: each
 * bin's angle to the one before is small, a short series rather than an
 * atan2.  The three refining iterations of the fit add the change of
 * delay to it (a linear term) and unwrap again, which is what taking the
 * phase of the re-rotated spectrum would give.
 */
#include "analysis/analysis.h"
#include "analysis/ctx.h"
#include "analysis/internal.h"
#include "core/st.h"

#include <complex.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static double wrap_deg(double d)
{
	d = fmod(d, 360.0);
	if (d <= -180.0)
		d += 360.0;
	else if (d > 180.0)
		d -= 360.0;
	return d;
}

/* Cross spectrum of the windowed IRs as placed in one m-point window
 * (ref at offset ro, ch at offset co): each response keeps its window's
 * spectrum at offset 0 (spec), and a shift by off multiplies it by
 * e^{-i 2 pi k off / m} (exact, the IRs not wrapping: align_check), so
 * G = Hch conj(Href) = Sch conj(Sref) e^{-i 2 pi k (co - ro) / m}, by a
 * rotation recurrence resynchronised every 256 bins.  G goes into wf,
 * |Hch|^2 into wt, |Href|^2 into lt; returns max |G|^2 over k0..k1. */
static double cross_spectrum(const struct st_an_ctx *c, struct an_work *w,
			     const struct st_an_response *ref, const struct st_an_response *ch,
			     long shift, size_t k0, size_t k1)
{
	double a = -2 * M_PI * (double)shift / (double)c->m, sr = cos(a), si = sin(a);
	double rr = 1, ri = 0, gmax = 0;
	const float *hr = ref->spec, *hc = ch->spec;

	if (w->wt_dirty < c->m / 2 + 1)
		w->wt_dirty = c->m / 2 + 1;
	for (size_t k = 0; k <= c->m / 2; k++) {
		double xr = hc[2 * k], xi = hc[2 * k + 1], yr = hr[2 * k], yi = hr[2 * k + 1];
		double gr = xr * yr + xi * yi, gi = xi * yr - xr * yi, t;

		if ((k & 255) == 0) {
			rr = cos(a * (double)k);
			ri = sin(a * (double)k);
		}
		w->wt[k] = xr * xr + xi * xi;
		w->lt[k] = yr * yr + yi * yi;
		w->wf[k][0] = gr * rr - gi * ri;
		w->wf[k][1] = gr * ri + gi * rr;
		t = rr * sr - ri * si;
		ri = ri * sr + rr * si;
		rr = t;
	}
	for (size_t k = k0; k <= k1; k++)
		if (an_cabs2(w->wf[k]) > gmax)
			gmax = an_cabs2(w->wf[k]);
	return gmax;
}

/* atan(t) for |t| <= 1/16: its Taylor series to t^15 (the first term
 * left out is below 4e-22). */
static double atan_small(double t)
{
	double t2 = t * t;

	return t * (1 - t2 * (1.0 / 3 - t2 * (1.0 / 5 - t2 * (1.0 / 7 - t2 * (1.0 / 9 - t2 *
		    (1.0 / 11 - t2 * (1.0 / 13 - t2 * (1.0 / 15))))))));
}

/* The bins of the phase fit (|G|^2 >= 1e-8 of its maximum): angular
 * frequency into fx, the phase of G e^{i w tau0} into fp (unwrapped: the
 * first bin's principal value, then each bin's angle to the one before,
 * arg(z_k conj(z_prev)), which is small between neighbouring bins and
 * then needs no atan2), the weight |Href|^2|Hch|^2 / (|Href|^2 + |Hch|^2)
 * into fw.  Returns how many. */
static size_t phase_bins(const struct st_an_ctx *c, const struct an_work *w, size_t k0, size_t k1,
			 double gmax, double tau0, double *fx, double *fp, double *fw)
{
	double df = c->rate / (double)c->m, rr = 1, ri = 0, zr0 = 0, zi0 = 0, u = 0;
	double ws = cos(2 * M_PI * df * tau0), wsi = sin(2 * M_PI * df * tau0);
	size_t cnt = 0;

	for (size_t k = k0; k <= k1; k++) {
		double g2 = an_cabs2(w->wf[k]), om = 2 * M_PI * (double)k * df, pr, pc, t, zr, zi, dr, di;

		/* rr + i ri = e^{i w tau0}: a rotation recurrence,
		 * resynchronised every 256 bins. */
		if (((k - k0) & 255) == 0) {
			rr = cos(om * tau0);
			ri = sin(om * tau0);
		} else {
			t = rr * ws - ri * wsi;
			ri = ri * ws + rr * wsi;
			rr = t;
		}
		if (g2 < 1e-8 * gmax)
			continue;
		zr = w->wf[k][0] * rr - w->wf[k][1] * ri;
		zi = w->wf[k][1] * rr + w->wf[k][0] * ri;
		dr = zr * zr0 + zi * zi0;
		di = zi * zr0 - zr * zi0;
		if (!cnt)
			u = atan2(zi, zr);
		else if (dr > 0 && fabs(di) <= 0.0625 * dr)
			u += atan_small(di / dr);
		else
			u += atan2(di, dr);
		zr0 = zr;
		zi0 = zi;
		pr = w->lt[k];
		pc = w->wt[k];
		fx[cnt] = om;
		fp[cnt] = u;
		fw[cnt] = pr * pc / (pr + pc);
		cnt++;
	}
	return cnt;
}

/* Delay: three fits of the unwrapped phase of G e^{i w tau}, tau
 * corrected by each fit's slope (the phase unwrapped again after each
 * correction); *a the last intercept. */
static int fit_delay(const double *fx, const double *fp, const double *fw, double *fy, size_t cnt,
		     double tau0, double *tau, double *a)
{
	double b = 0;

	*tau = tau0;
	for (int it = 0; it < 3; it++) {
		double prev = 0, unwrap = 0;

		for (size_t i = 0; i < cnt; i++) {
			double ph = fp[i] + fx[i] * (*tau - tau0);

			if (i) {
				double dd = ph + unwrap - prev;

				while (dd > M_PI) {
					unwrap -= 2 * M_PI;
					dd -= 2 * M_PI;
				}
				while (dd < -M_PI) {
					unwrap += 2 * M_PI;
					dd += 2 * M_PI;
				}
			}
			ph += unwrap;
			prev = ph;
			fy[i] = ph;
		}
		if (cnt < 8 || an_linfit(fx, fy, fw, cnt, a, &b))
			return -1;
		*tau -= b;
	}
	return 0;
}

/* Gain and phase at 1 kHz and per band (cross spectrum in wf, |Hch|^2 in
 * wt, |Href|^2 in lt). */
static void gains(const struct st_an_ctx *c, const struct an_work *w, const struct st_an_response *ref,
		  const struct st_an_response *ch, struct st_an_align *out)
{
	double complex g1k = (ch->h1k_re + I * ch->h1k_im) * conj(ref->h1k_re + I * ref->h1k_im);
	double flip = out->polarity < 0 ? 180.0 : 0.0;

	if (isfinite(creal(g1k)) && cabs(g1k) > 0) {
		double pr = ref->h1k_re * ref->h1k_re + ref->h1k_im * ref->h1k_im;

		out->gain_db = 10 * log10(cabs(g1k) * cabs(g1k) / (pr * pr));
		out->phase_deg = wrap_deg(carg(g1k) * 180 / M_PI + flip);
	}
	for (int bnd = 0; bnd < ST_AN_NBANDS; bnd++) {
		double pc = 0, pr = 0, re = 0, im = 0;

		if (!c->band_ok[bnd])
			continue;
		for (size_t k = c->band_k0[bnd]; k <= c->band_k1[bnd]; k++) {
			pc += w->wt[k];
			pr += w->lt[k];
			re += w->wf[k][0];
			im += w->wf[k][1];
		}
		if (pr > 0 && pc > 0) {
			out->band_gain_db[bnd] = 10 * log10(pc / pr);
			out->band_phase_deg[bnd] = wrap_deg(atan2(im, re) * 180 / M_PI + flip);
		}
	}
}

/* The checks and the fit band; ST_OK with k0, k1, or an error. */
static int align_check(const struct st_an_ctx *c, const struct st_an_response *ref,
		       const struct st_an_response *ch, double f_lo, double f_hi,
		       size_t *k0, size_t *k1, char *err)
{
	long sr, sc, s0, e0;

	if (!c || !ref || !ch || !ref->ir || !ch->ir || !ref->spec || !ch->spec)
		return st_fail(err, ST_ERR_ARG, "align: missing response");
	if (ref->rate != c->rate || ch->rate != c->rate)
		return st_fail(err, ST_ERR_ARG, "align: responses not from this analysis (rate)");
	if (ref->spec_bins != c->m / 2 + 1 || ch->spec_bins != c->m / 2 + 1)
		return st_fail(err, ST_ERR_ARG, "align: responses not from this analysis (window size)");
	sr = -ref->ir_zero;
	sc = -ch->ir_zero;
	s0 = sr < sc ? sr : sc;
	e0 = sr + (long)ref->ir_len > sc + (long)ch->ir_len ? sr + (long)ref->ir_len : sc + (long)ch->ir_len;
	if ((size_t)(e0 - s0) > c->m)
		return st_fail(err, ST_ERR_ARG, "align: channels %.1f ms apart, more than the %.1f ms window allows",
			       fabs(ch->latency_ms - ref->latency_ms),
			       (double)(c->m - ref->ir_len) / c->rate * 1e3);
	if (f_lo <= 0)
		f_lo = 100.0;
	if (f_hi <= 0)
		f_hi = 8000.0;
	if (f_lo < c->f1 * 1.2)
		f_lo = c->f1 * 1.2;
	if (f_hi > c->f2 / 1.2)
		f_hi = c->f2 / 1.2;
	if (!(f_hi > f_lo * 1.5) || !an_band_bins(f_lo, f_hi, c->m, c->rate, k0, k1) || *k1 - *k0 < 8)
		return st_fail(err, ST_ERR_ARG, "align: no usable band (%.0f..%.0f Hz)", f_lo, f_hi);
	return ST_OK;
}

static void align_clear(struct st_an_align *out)
{
	memset(out, 0, sizeof(*out));
	out->delay_us = out->gain_db = out->phase_deg = NAN;
	out->polarity = 1;
	for (int i = 0; i < ST_AN_NBANDS; i++)
		out->band_gain_db[i] = out->band_phase_deg[i] = NAN;
}

/* st_an_align with workspace w. */
static int align_work(const struct st_an_ctx *c, struct an_work *w, const struct st_an_response *ref,
		      const struct st_an_response *ch, double f_lo, double f_hi,
		      struct st_an_align *out, char *err)
{
	size_t k0, k1, cnt;
	double tau, a = 0, gmax, *fx = NULL, *fp = NULL, *fw = NULL, *fy = NULL;
	int ret;

	align_clear(out);
	ret = align_check(c, ref, ch, f_lo, f_hi, &k0, &k1, err);
	if (ret)
		return ret;
	/* In one window from the earlier IR's start: ch at -ch->ir_zero - s0,
	 * ref at -ref->ir_zero - s0. */
	gmax = cross_spectrum(c, w, ref, ch, ref->ir_zero - ch->ir_zero, k0, k1);
	if (!(gmax > 0))
		return st_fail(err, ST_ERR_ARG, "align: a channel is silent");
	fx = malloc(sizeof(double) * (k1 - k0 + 1));
	fp = malloc(sizeof(double) * (k1 - k0 + 1));
	fw = malloc(sizeof(double) * (k1 - k0 + 1));
	fy = malloc(sizeof(double) * (k1 - k0 + 1));
	if (!fx || !fp || !fw || !fy) {
		ret = st_fail(err, ST_ERR_MEM, "align: out of memory");
		goto out_free;
	}
	/* Least-squares phase slope around the peak-to-peak delay. */
	cnt = phase_bins(c, w, k0, k1, gmax, (ch->latency_ms - ref->latency_ms) * 1e-3, fx, fp, fw);
	if (fit_delay(fx, fp, fw, fy, cnt, (ch->latency_ms - ref->latency_ms) * 1e-3, &tau, &a)) {
		ret = st_fail(err, ST_ERR_ARG, "align: phase fit failed");
		goto out_free;
	}
	out->delay_us = tau * 1e6;
	out->polarity = cos(a) < 0 ? -1 : 1;
	gains(c, w, ref, ch, out);
	ret = ST_OK;
out_free:
	free(fx);
	free(fp);
	free(fw);
	free(fy);
	return ret;
}

int st_an_align(struct st_an_ctx *c, const struct st_an_response *ref,
		const struct st_an_response *ch, double f_lo, double f_hi,
		struct st_an_align *out, char *err)
{
	struct an_work *w;

	align_clear(out);
	if (!c)
		return st_fail(err, ST_ERR_ARG, "align: missing response");
	if (an_work_get(c, 0, &w))
		return st_fail(err, ST_ERR_MEM, "align: out of memory");
	return align_work(c, w, ref, ch, f_lo, f_hi, out, err);
}

/* Channel i of st_an_aligns (an_parallel's item). */
struct align_args {
	const struct st_an_response *ref;
	const struct st_an_response *const *ch;
	double f_lo, f_hi;
	struct st_an_align *out;
};

static int align_item(const struct st_an_ctx *c, struct an_work *w, size_t i, void *arg, char *err)
{
	struct align_args *a = arg;

	return align_work(c, w, a->ref, a->ch[i], a->f_lo, a->f_hi, &a->out[i], err);
}

int st_an_aligns(struct st_an_ctx *c, const struct st_an_response *ref,
		 const struct st_an_response *const *ch, size_t nch, double f_lo, double f_hi,
		 struct st_an_align *out, int threads, char *err)
{
	struct align_args args = { .ref = ref, .ch = ch, .f_lo = f_lo, .f_hi = f_hi, .out = out };

	for (size_t i = 0; i < nch; i++)
		align_clear(&out[i]);
	if (!c || !ch || nch == 0)
		return st_fail(err, ST_ERR_ARG, "align: %s", c ? "no channels" : "missing response");
	return an_parallel(c, nch, threads, align_item, &args, err);
}
