/*
 * align.c - microphone alignment (st_an_align): a channel's response
 * against a reference channel's, both from the same context.  Delay by a
 * least-squares fit of the cross spectrum's phase slope (weighted, with an
 * intercept, around the peak-to-peak delay), polarity from the intercept,
 * gain and phase at exactly 1 kHz, and per band the energy ratio and the
 * argument of the band-summed cross spectrum.
 *
 * The per-bin phase is taken once (atan2); the three refining iterations
 * of the fit add the change of delay to it (a linear term) and unwrap
 * again, which is what taking the phase of the re-rotated spectrum would
 * give, without a second or third pass of atan2.
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

/* Put a response's windowed IR into wt at offset off and transform to dst. */
static void ir_fft(const struct st_an_ctx *c, struct an_work *w, const struct st_an_response *r,
		   size_t off, fftw_complex *dst)
{
	memset(w->wt, 0, sizeof(double) * c->m);
	for (size_t k = 0; k < r->ir_len; k++)
		w->wt[off + k] = r->ir[k];
	fftw_execute_dft_r2c(c->wfwd, w->wt, dst);
}

/* Spectrum of ref's windowed IR at offset off into dst: transformed at
 * offset 0 once per reference (kept in ref_f), then shifted by a phase
 * ramp e^{-i 2 pi k off / m} (a rotation recurrence, resynchronised every
 * 256 bins); exact as long as the IR does not wrap, which st_an_align
 * checks. */
static void ref_spectrum(const struct st_an_ctx *c, struct an_work *w,
			 const struct st_an_response *ref, size_t off, fftw_complex *dst)
{
	size_t bins = c->m / 2 + 1;
	double a = -2 * M_PI * (double)off / (double)c->m, sr = cos(a), si = sin(a), rr = 1, ri = 0;

	if (!ref->id || ref->id != w->ref_id || ref->ir_len + off > c->m) {
		if (ref->ir_len + off > c->m || !ref->id) {
			w->ref_id = 0;
			ir_fft(c, w, ref, off, dst);
			return;
		}
		ir_fft(c, w, ref, 0, w->ref_f);
		w->ref_id = ref->id;
	}
	if (off == 0) {
		memcpy(dst, w->ref_f, sizeof(fftw_complex) * bins);
		return;
	}
	for (size_t k = 0; k < bins; k++) {
		double t;

		if ((k & 255) == 0) {
			rr = cos(a * (double)k);
			ri = sin(a * (double)k);
		}
		dst[k][0] = w->ref_f[k][0] * rr - w->ref_f[k][1] * ri;
		dst[k][1] = w->ref_f[k][0] * ri + w->ref_f[k][1] * rr;
		t = rr * sr - ri * si;
		ri = ri * sr + rr * si;
		rr = t;
	}
}

/* Cross spectrum G = Hch conj(Href) into wf (Href stays in wf2, |Hch|^2
 * goes into wt); returns max |G|^2 over bins k0..k1. */
static double cross_spectrum(const struct st_an_ctx *c, struct an_work *w, size_t k0, size_t k1)
{
	double gmax = 0;

	for (size_t k = 0; k <= c->m / 2; k++) {
		double re = w->wf[k][0] * w->wf2[k][0] + w->wf[k][1] * w->wf2[k][1];
		double im = w->wf[k][1] * w->wf2[k][0] - w->wf[k][0] * w->wf2[k][1];

		w->wt[k] = an_cabs2(w->wf[k]);
		w->wf[k][0] = re;
		w->wf[k][1] = im;
		if (k >= k0 && k <= k1 && re * re + im * im > gmax)
			gmax = re * re + im * im;
	}
	return gmax;
}

/* The bins of the phase fit (|G|^2 >= 1e-8 of its maximum): angular
 * frequency into fx, the phase of G e^{i w tau0} (wrapped) into fp, the
 * weight |Href|^2|Hch|^2 / (|Href|^2 + |Hch|^2) into fw.  Returns how many. */
static size_t phase_bins(const struct st_an_ctx *c, const struct an_work *w, size_t k0, size_t k1,
			 double gmax, double tau0, double *fx, double *fp, double *fw)
{
	double df = c->rate / (double)c->m, rr = 1, ri = 0;
	double ws = cos(2 * M_PI * df * tau0), wsi = sin(2 * M_PI * df * tau0);
	size_t cnt = 0;

	for (size_t k = k0; k <= k1; k++) {
		double g2 = an_cabs2(w->wf[k]), om = 2 * M_PI * (double)k * df, pr, pc, t;

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
		pr = an_cabs2(w->wf2[k]);
		pc = w->wt[k];
		fx[cnt] = om;
		fp[cnt] = atan2(w->wf[k][1] * rr + w->wf[k][0] * ri, w->wf[k][0] * rr - w->wf[k][1] * ri);
		fw[cnt] = pr * pc / (pr + pc);
		cnt++;
	}
	return cnt;
}

/* Delay: three fits of the unwrapped phase of G e^{i w tau}, tau
 * corrected by each fit's slope; *a the last intercept. */
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
 * wt, Href in wf2). */
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
			pr += an_cabs2(w->wf2[k]);
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

	if (!c || !ref || !ch || !ref->ir || !ch->ir)
		return st_fail(err, ST_ERR_ARG, "align: missing response");
	if (ref->rate != c->rate || ch->rate != c->rate)
		return st_fail(err, ST_ERR_ARG, "align: responses not from this analysis (rate)");
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

int st_an_align(struct st_an_ctx *c, const struct st_an_response *ref,
		const struct st_an_response *ch, double f_lo, double f_hi,
		struct st_an_align *out, char *err)
{
	size_t k0, k1, cnt;
	long s0;
	double tau, a = 0, gmax, *fx = NULL, *fp = NULL, *fw = NULL, *fy = NULL;
	struct an_work *w;
	int ret;

	memset(out, 0, sizeof(*out));
	out->delay_us = out->gain_db = out->phase_deg = NAN;
	out->polarity = 1;
	for (int i = 0; i < ST_AN_NBANDS; i++)
		out->band_gain_db[i] = out->band_phase_deg[i] = NAN;
	ret = align_check(c, ref, ch, f_lo, f_hi, &k0, &k1, err);
	if (ret)
		return ret;
	if (an_work_get(c, 0, &w))
		return st_fail(err, ST_ERR_MEM, "align: out of memory");
	s0 = -ref->ir_zero < -ch->ir_zero ? -ref->ir_zero : -ch->ir_zero;
	ref_spectrum(c, w, ref, (size_t)(-ref->ir_zero - s0), w->wf2);
	ir_fft(c, w, ch, (size_t)(-ch->ir_zero - s0), w->wf);
	gmax = cross_spectrum(c, w, k0, k1);
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
