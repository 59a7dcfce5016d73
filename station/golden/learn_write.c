/*
 * learn_write.c - the learned limit file (learn.h) and the operator's
 * summary.  The file is a normal limit file (docs/limit-format.md): an
 * include of the model's own file, then one `limit` per learned value and
 * one `mask` per learned mask, each with its statistics as its source.
 * Its header comments name the units, runs, firmware builds, the outliers
 * rejected and what was kept from the model; every text from the database
 * is reduced to a safe alphabet first, so a hostile firmware string cannot
 * start a statement of its own.  Nothing varies but the runs: the same
 * runs give the same bytes.
 */
#include "golden/learn_int.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/st.h"

/* Copy s keeping letters, digits and . _ - + : (anything else '?'), at most
 * n - 1 bytes: safe inside a comment of a data file. */
static const char *safe(char *dst, size_t n, const char *s)
{
	size_t i = 0;

	for (; s && *s && i + 1 < n; s++)
		dst[i++] = (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
				   (*s >= '0' && *s <= '9') || strchr("._-+:", *s) ? *s : '?';
	dst[i] = '\0';
	return i ? dst : "-";
}

/* A number: 10 significant digits (a bound must not round onto the
 * values it was learned from), never "-0". */
static const char *num(char *buf, size_t n, double v)
{
	snprintf(buf, n, "%.10g", v);
	if (!strcmp(buf, "-0"))
		snprintf(buf, n, "0");
	return buf;
}

static void write_header(const struct st_learn *L, FILE *f)
{
	char a[64], b[64], c[64], d[64];

	fprintf(f, "# %s - limits learned from golden units by `station limits learn`\n",
		safe(a, sizeof(a), L->o.out_name ? L->o.out_name : "learned.lim"));
	fprintf(f, "# model %s, plan %s: mean +- %s sd of each value and each mask band over the\n",
		safe(a, sizeof(a), L->model), safe(b, sizeof(b), L->plan), num(c, sizeof(c), L->o.k));
	fprintf(f, "# units' PASS runs, after rejecting outliers (modified z-score above %g from\n"
		   "# the median, by the MAD); at least %d runs per unit. docs/limit-format.md\n",
		ST_OUTLIER_Z, L->o.min_runs);
	for (int u = 0; u < L->o.nserials; u++)
		fprintf(f, "# unit %s: %d runs\n", safe(a, sizeof(a), L->o.serials[u]), L->per_unit[u]);
	fputs("# firmware:", f);
	for (int i = 0; i < L->nruns; i++) {
		int seen = 0;
		for (int j = 0; j < i && !seen; j++)
			seen = !strcmp(L->runs[j].firmware, L->runs[i].firmware);
		if (!seen)
			fprintf(f, " %s", safe(a, sizeof(a), L->runs[i].firmware));
	}
	fputc('\n', f);
	for (int i = 0; i < L->nruns; i++)
		fprintf(f, "# run %s unit %s firmware %s started %s\n", safe(a, sizeof(a), L->runs[i].uuid),
			safe(b, sizeof(b), L->runs[i].serial), safe(c, sizeof(c), L->runs[i].firmware),
			safe(d, sizeof(d), L->runs[i].started));
}

static void write_outliers(const struct st_learn *L, FILE *f)
{
	char a[64], b[64], c[64], d[32], e[32];
	int any = 0;

	for (int i = 0; i < L->nq; i++) {
		const struct learn_qty *q = &L->q[i];
		for (int j = 0; j < q->n; j++) {
			const struct learn_run *r = &L->runs[q->s[j].run];
			if (!q->outlier[j])
				continue;
			if (!any++)
				fputs("# outliers rejected:\n", f);
			fprintf(f, "#   run %.8s unit %s %s = %s (median %s)\n", safe(a, sizeof(a), r->uuid),
				safe(b, sizeof(b), r->serial), safe(c, sizeof(c), q->s[j].meas),
				num(d, sizeof(d), q->s[j].v), num(e, sizeof(e), q->st.median));
		}
	}
	if (!any)
		fputs("# outliers rejected: none\n", f);
	for (int i = 0; i < L->nkept; i++)
		fprintf(f, "# kept from %s: %s (%s)\n", safe(a, sizeof(a), L->include),
			safe(b, sizeof(b), L->kept[i].name), L->kept[i].why);
}

static void write_limit(const struct st_learn *L, const struct learn_qty *q, FILE *f)
{
	char lo[32], hi[32], m[32], sd[32];
	double half = L->o.k * q->st.sd;

	fprintf(f, "limit %s range %s %s", q->name, num(lo, sizeof(lo), q->st.mean - half),
		num(hi, sizeof(hi), q->st.mean + half));
	if (q->lim->unit[0])
		fprintf(f, " unit %s", q->lim->unit);
	if (q->lim->marginal > 0 && q->lim->marginal >= half)
		fputs(" marginal 0", f);  /* the model's guard band would not fit inside */
	fprintf(f, " source \"learned: mean %s sd %s of %d values, %d outliers, %d units\"\n",
		num(m, sizeof(m), q->st.mean), num(sd, sizeof(sd), q->st.sd), q->st.kept,
		q->st.n - q->st.kept, L->o.nserials);
}

/* The mask whose first band is q[0]; returns the number of bands written. */
static int write_mask(const struct st_learn *L, const struct learn_qty *q, int nleft, FILE *f)
{
	char lo[32], hi[32];
	int nb = 0, values = 0, out = 0;

	while (nb < nleft && q[nb].is_mask && !strcmp(q[nb].name, q[0].name)) {
		values += q[nb].st.kept;
		out += q[nb].st.n - q[nb].st.kept;
		nb++;
	}
	fprintf(f, "mask %s", q->name);
	if (q->mask->unit[0])
		fprintf(f, " unit %s", q->mask->unit);
	fprintf(f, " source \"learned: mean +- %g sd per band, %d values, %d outliers, %d units\"\n",
		L->o.k, values, out, L->o.nserials);
	for (int i = 0; i < nb; i++) {
		double half = L->o.k * q[i].st.sd;
		fprintf(f, "\t%g\t%s\t%s\n", q[i].hz, num(lo, sizeof(lo), q[i].st.mean - half),
			num(hi, sizeof(hi), q[i].st.mean + half));
	}
	fputs("end\n", f);
	return nb;
}

int st_learn_write(const struct st_learn *L, FILE *f, char *err)
{
	write_header(L, f);
	write_outliers(L, f);
	fprintf(f, "\ninclude %s\n\n", L->include);
	for (int i = 0; i < L->nq;) {
		const struct learn_qty *q = &L->q[i];
		if (!q->learned) {
			i++;
		} else if (!q->is_mask) {
			write_limit(L, q, f);
			i++;
		} else {
			i += write_mask(L, q, L->nq - i, f);
		}
	}
	if (ferror(f))
		return st_fail(err, ST_ERR_IO, "writing the limit file: %s", strerror(errno ? errno : EIO));
	return ST_OK;
}

void st_learn_summary(const struct st_learn *L, FILE *f)
{
	char a[64], b[64], c[64], d[32], e[32];
	int limits = 0, masks = 0, outliers = 0;

	for (int i = 0; i < L->nq; i++) {
		const struct learn_qty *q = &L->q[i];
		limits += q->learned && !q->is_mask;
		masks += q->learned && q->is_mask && (i == 0 || strcmp(L->q[i - 1].name, q->name) ||
						     !L->q[i - 1].is_mask);
		for (int j = 0; j < q->n; j++) {
			if (!q->outlier[j])
				continue;
			outliers++;
			fprintf(f, "outlier: run %.8s unit %s %s = %s (median %s)\n",
				safe(a, sizeof(a), L->runs[q->s[j].run].uuid),
				safe(b, sizeof(b), L->runs[q->s[j].run].serial),
				safe(c, sizeof(c), q->s[j].meas), num(d, sizeof(d), q->s[j].v),
				num(e, sizeof(e), q->st.median));
		}
	}
	fprintf(f, "learned %d limits and %d masks from %d runs of %d golden units (%d outliers "
		   "rejected); the rest from %s\n", limits, masks, L->nruns, L->o.nserials, outliers,
		L->include);
}
