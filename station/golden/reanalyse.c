/*
 * reanalyse.c - a stored run's ANC and microphone captures analysed again
 * (reanalyse.h): the run's captures checked, each step's newest capture of
 * each kind read with its comment (capnote.h), the sweep it names made
 * again and analysed with the station's own sweep context (lent by
 * st_measure_sweep_ctx_get, measure/measure.h), and the values computed
 * the way station/measure computes them.
 */
#include "golden/reanalyse.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "analysis/analysis.h"
#include "audio/wav.h"
#include "core/st.h"
#include "golden/capnote.h"
#include "measure/measure.h"

/* As station/measure judges a sweep capture (measure.c's defaults). */
#define RA_F_LO 100.0
#define RA_ANC_F_HI 10000.0
#define RA_MIC_F_HI 8000.0
#define RA_MIN_SNR_DB 20.0
#define RA_THREADS 2

/* One capture of the run. */
struct cap {
	long long step_id;
	char kind[24];
	char path[1200];
	int ok;               /* present and as stored */
};

/* A step of the run, for messages ("anc (step 5)"). */
struct stepname { long long id; int idx; char name[64]; };

struct run_caps {
	const char *dir;
	struct cap *c;
	int n, cap;
	struct stepname *st;
	int nst, capst;
	int mem;              /* out of memory */
};

/* Append to a "; "-separated text. */
static void add_txt(char *buf, size_t n, const char *fmt, ...)
{
	size_t l = strlen(buf);
	va_list ap;

	if (l && l + 2 < n) {
		memcpy(buf + l, "; ", 3);
		l += 2;
	}
	if (l >= n - 1)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + l, n - l, fmt, ap);
	va_end(ap);
}

static int step_cb(const struct st_step_row *r, void *ctx)
{
	struct run_caps *rc = ctx;

	if (rc->nst == rc->capst) {
		int nc = rc->capst ? 2 * rc->capst : 16;
		void *p = realloc(rc->st, (size_t)nc * sizeof(*rc->st));
		if (!p)
			return rc->mem = 1;
		rc->st = p;
		rc->capst = nc;
	}
	rc->st[rc->nst].id = r->id;
	rc->st[rc->nst].idx = r->idx;
	st_strlcpy(rc->st[rc->nst++].name, r->name, sizeof(rc->st[0].name));
	return 0;
}

static int art_cb(const struct st_artifact_row *a, void *ctx)
{
	struct run_caps *rc = ctx;
	struct cap *c;
	char hex[65], e[ST_ERRLEN];
	struct stat sb;
	size_t l = strlen(a->path);

	if (!strcmp(a->kind, "report") || l < 4 || strcmp(a->path + l - 4, ".wav"))
		return 0;
	if (rc->n == rc->cap) {
		int nc = rc->cap ? 2 * rc->cap : 16;
		void *p = realloc(rc->c, (size_t)nc * sizeof(*rc->c));
		if (!p)
			return rc->mem = 1;
		rc->c = p;
		rc->cap = nc;
	}
	c = &rc->c[rc->n++];
	memset(c, 0, sizeof(*c));
	c->step_id = a->step_id;
	st_strlcpy(c->kind, a->kind, sizeof(c->kind));
	if (a->path[0] == '/' || !rc->dir)
		snprintf(c->path, sizeof(c->path), "%s", a->path);
	else
		snprintf(c->path, sizeof(c->path), "%s/%s", rc->dir, a->path);
	/* a plain file only: a path made to name a device or a FIFO is not read */
	c->ok = stat(c->path, &sb) == 0 && S_ISREG(sb.st_mode) &&
		st_sha256_file(c->path, hex, e) == ST_OK && !strcmp(hex, a->sha256);
	return 0;
}

/* "anc (step 5)" for step_id. */
static void step_label(const struct run_caps *rc, long long step_id, char *buf, size_t n)
{
	for (int i = 0; i < rc->nst; i++)
		if (rc->st[i].id == step_id) {
			snprintf(buf, n, "%.40s (step %d)", rc->st[i].name, rc->st[i].idx);
			return;
		}
	snprintf(buf, n, "run");
}

/* The newest capture of kind in step_id, or NULL. */
static const struct cap *newest(const struct run_caps *rc, long long step_id, const char *kind)
{
	const struct cap *found = NULL;

	for (int i = 0; i < rc->n; i++)
		if (rc->c[i].step_id == step_id && !strcmp(rc->c[i].kind, kind))
			found = &rc->c[i];
	return found;
}

static int add_val(struct st_reanalysis *ra, long long step_id, const char *name, double v)
{
	if (ra->n == ra->cap) {
		int nc = ra->cap ? 2 * ra->cap : 128;
		void *p = realloc(ra->v, (size_t)nc * sizeof(*ra->v));
		if (!p)
			return ST_ERR_MEM;
		ra->v = p;
		ra->cap = nc;
	}
	ra->v[ra->n].step_id = step_id;
	st_strlcpy(ra->v[ra->n].name, name, sizeof(ra->v[0].name));
	ra->v[ra->n++].value = v;
	return ST_OK;
}

/* ---- one step's captures ---- */

#define GROUP_MAX 3

/* The captures one measurement analyses together, loaded. */
struct group {
	const char *kinds[GROUP_MAX];     /* anc-open (optional), anc-off, anc-on / mics */
	const struct cap *c[GROUP_MAX];   /* NULL: absent (only the optional one) */
	struct st_wav w[GROUP_MAX];
	struct st_capnote note[GROUP_MAX];
	struct st_sweep sw;               /* the sweep they name, at their rate */
};

static void group_free(struct group *g)
{
	for (int i = 0; i < GROUP_MAX; i++)
		st_wav_free(&g->w[i]);
}

/* Read each capture's comment: 1 re-analyse, 0 not wanted, -1 cannot
 * (why says so). */
static int group_wanted(struct group *g, int force, struct st_reanalysis *ra, char *why, size_t n)
{
	char comment[400], e[ST_ERRLEN];
	int want = force;

	for (int i = 0; i < GROUP_MAX; i++) {
		if (!g->c[i])
			continue;
		if (!g->c[i]->ok) {
			snprintf(why, n, "%s missing or altered (SHA-256 not as stored)", g->kinds[i]);
			return -1;
		}
		if (st_wav_read_comment(g->c[i]->path, comment, sizeof(comment), e) ||
		    st_capnote_parse(comment, &g->note[i], e)) {
			snprintf(why, n, "%s: comment: %.200s", g->kinds[i], e);
			return -1;
		}
		if (!g->note[i].has_sweep) {
			snprintf(why, n, "%s names no sweep (captured before captures named theirs)",
				 g->kinds[i]);
			return -1;
		}
		if (g->note[i].analysis > ra->run_version)
			ra->run_version = g->note[i].analysis;
		want |= g->note[i].analysis != ST_AN_VERSION;
	}
	return want;
}

static int same_sweep(const struct st_sweep *a, const struct st_sweep *b)
{
	return a->f1 == b->f1 && a->f2 == b->f2 && a->seconds == b->seconds &&
	       a->level_db == b->level_db && a->fade_ms == b->fade_ms && a->rate == b->rate;
}

/* Read the WAVs; one sweep and one rate for all.  ST_OK, or why. */
static int group_load(struct group *g, char *why, size_t n)
{
	char e[ST_ERRLEN];
	int first = -1;

	for (int i = 0; i < GROUP_MAX; i++) {
		struct st_sweep sw;

		if (!g->c[i])
			continue;
		if (st_wav_read(g->c[i]->path, &g->w[i], e)) {
			snprintf(why, n, "%s: %.200s", g->kinds[i], e);
			return ST_ERR_PARSE;
		}
		if (g->w[i].channels != g->note[i].nch) {
			snprintf(why, n, "%s: %d channels, its comment names %d", g->kinds[i],
				 g->w[i].channels, g->note[i].nch);
			return ST_ERR_PARSE;
		}
		sw = g->note[i].sw;
		sw.rate = g->w[i].rate;
		if (first < 0) {
			g->sw = sw;
			first = i;
		} else if (!same_sweep(&sw, &g->sw)) {
			snprintf(why, n, "%s and %s name different sweeps", g->kinds[first], g->kinds[i]);
			return ST_ERR_PARSE;
		}
	}
	if (st_sweep_check(&g->sw, e)) {
		snprintf(why, n, "the sweep named: %.200s", e);
		return ST_ERR_PARSE;
	}
	return ST_OK;
}

/* Responses of capture i's channels for roles (ear-left, ear-right or
 * mic1..micN) into resp[role]; a role the file lacks is left empty. */
static int responses(struct group *g, int i, struct st_an_ctx *ctx, struct st_an_response *resp,
		     char *err)
{
	const struct st_wav *w = &g->w[i];
	const float *x[ST_ROLE_COUNT] = { NULL };
	struct st_an_response got[ST_ROLE_COUNT];
	int nch = g->note[i].nch, ret;

	for (int c = 0; c < nch; c++)
		x[c] = w->data + c;
	ret = st_an_responses(ctx, x, w->frames, (size_t)nch, (size_t)nch, got, RA_THREADS, err);
	if (ret)
		return ret;
	for (int c = 0; c < nch; c++)
		resp[g->note[i].role[c]] = got[c];
	return ST_OK;
}

static void free_resps(struct st_an_response *r)
{
	for (int i = 0; i < ST_ROLE_COUNT; i++)
		st_an_response_free(&r[i]);
}

/* Is every response of roles judgeable (as the station demanded)? */
static int judgeable(const struct st_an_response *resp, unsigned roles, double f_hi,
		     const char *kind, char *why, size_t n)
{
	char w[ST_ERRLEN];

	for (int r = 0; r < ST_ROLE_COUNT; r++)
		if ((roles & (1u << r)) &&
		    !st_an_judgeable(&resp[r], RA_F_LO, f_hi, RA_MIN_SNR_DB, w)) {
			snprintf(why, n, "%s %s not judgeable on re-analysis: %.150s", kind,
				 st_audio_role_name(r), w);
			return 0;
		}
	return 1;
}

/* ANC: g->c[0] anc-open (or NULL), [1] anc-off, [2] anc-on. */
static int anc_values(struct group *g, struct st_an_ctx *ctx, long long step_id,
		      struct st_reanalysis *ra, char *why, size_t n, char *err)
{
	static const char *const ear_name[2] = { "L", "R" };
	struct st_an_response resp[GROUP_MAX][ST_ROLE_COUNT];
	unsigned ears = 0;
	int ret = ST_OK, ok = 1;
	char name[96];

	memset(resp, 0, sizeof(resp));
	for (int e = 0; e < 2; e++)
		if (st_capnote_channel(&g->note[1], ST_ROLE_EAR_L + e) >= 0)
			ears |= 1u << (ST_ROLE_EAR_L + e);
	for (int i = 0; i < GROUP_MAX && !ret; i++)
		if (g->c[i])
			ret = responses(g, i, ctx, resp[i], err);
	for (int i = 0; i < GROUP_MAX && !ret && ok; i++)
		if (g->c[i])
			ok = judgeable(resp[i], ears, RA_ANC_F_HI, g->kinds[i], why, n);
	for (int e = 0; e < 2 && !ret && ok; e++) {
		int r = ST_ROLE_EAR_L + e;
		struct st_an_anc a;

		if (!(ears & (1u << r)))
			continue;
		st_an_anc(g->c[0] ? &resp[0][r] : NULL, &resp[1][r], &resp[2][r], &a);
		for (int b = 0; b < ST_AN_NBANDS && !ret; b++) {
			double hz = st_an_band_nominal(b);

			snprintf(name, sizeof(name), "anc.active_db.%s.%gHz", ear_name[e], hz);
			ret = add_val(ra, step_id, name, a.active_db[b]);
			if (!g->c[0] || ret)
				continue;  /* passive and total need the open ear */
			snprintf(name, sizeof(name), "anc.total_db.%s.%gHz", ear_name[e], hz);
			ret = add_val(ra, step_id, name, a.total_db[b]);
			snprintf(name, sizeof(name), "anc.passive_db.%s.%gHz", ear_name[e], hz);
			if (!ret)
				ret = add_val(ra, step_id, name, a.passive_db[b]);
		}
	}
	for (int i = 0; i < GROUP_MAX; i++)
		free_resps(resp[i]);
	if (ret)
		return ret;
	return ok ? ST_OK : ST_ERR_PARSE;
}

void st_mics_relative(int nm, double *d, double *g, double *p, int *pol)
{
	double s[3][8];
	int inverted = 0;

	if (nm < 1 || nm > 8)
		return;
	for (int i = 1; i < nm; i++)
		inverted += pol[i] < 0;
	/* mic 1 is the odd one out when most others look inverted */
	if (2 * inverted > nm - 1)
		for (int i = 0; i < nm; i++)
			pol[i] = -pol[i];
	for (int i = 0; i < nm; i++) {
		s[0][i] = d[i];
		s[1][i] = g[i];
		s[2][i] = p[i];
	}
	for (int k = 0; k < 3; k++) {
		double med, *v = k == 0 ? d : k == 1 ? g : p;

		/* insertion sort: at most 8 */
		for (int i = 1; i < nm; i++)
			for (int j = i; j > 0 && s[k][j - 1] > s[k][j]; j--) {
				double t = s[k][j];
				s[k][j] = s[k][j - 1];
				s[k][j - 1] = t;
			}
		med = nm % 2 ? s[k][nm / 2] : 0.5 * (s[k][nm / 2 - 1] + s[k][nm / 2]);
		for (int i = 0; i < nm; i++)
			v[i] = k == 2 ? remainder(v[i] - med, 360.0) : v[i] - med;
	}
}

/* Microphones: g->c[0] mics, channels mic1..micN in order. */
static int mic_values(struct group *g, struct st_an_ctx *ctx, long long step_id,
		      struct st_reanalysis *ra, char *why, size_t n, char *err)
{
	struct st_an_response resp[ST_ROLE_COUNT];
	double d[8] = { 0 }, gn[8] = { 0 }, p[8] = { 0 }, f_hi = fmin(RA_MIC_F_HI, g->sw.f2);
	int pol[8] = { 1 }, nm = g->note[0].nch, ret;
	unsigned roles = 0;
	char name[64];

	for (int i = 0; i < nm; i++) {
		if (g->note[0].role[i] != ST_ROLE_MIC1 + i || i >= ST_AUDIO_MAX_MICS) {
			snprintf(why, n, "mics: its channels are not mic1..mic%d in order", nm);
			return ST_ERR_PARSE;
		}
		roles |= 1u << (ST_ROLE_MIC1 + i);
	}
	if (nm < 2) {
		snprintf(why, n, "mics: %d microphone, alignment needs 2", nm);
		return ST_ERR_PARSE;
	}
	memset(resp, 0, sizeof(resp));
	ret = responses(g, 0, ctx, resp, err);
	if (!ret && !judgeable(resp, roles, f_hi, "mics", why, n))
		ret = ST_ERR_PARSE;
	if (!ret) {
		const struct st_an_response *chs[ST_AUDIO_MAX_MICS];
		struct st_an_align al[ST_AUDIO_MAX_MICS];

		for (int i = 1; i < nm; i++)
			chs[i - 1] = &resp[ST_ROLE_MIC1 + i];
		ret = st_an_aligns(ctx, &resp[ST_ROLE_MIC1], chs, (size_t)(nm - 1), RA_F_LO, f_hi,
				   al, RA_THREADS, err);
		for (int i = 1; i < nm && !ret; i++) {
			d[i] = al[i - 1].delay_us;
			gn[i] = al[i - 1].gain_db;
			p[i] = al[i - 1].phase_deg;
			pol[i] = al[i - 1].polarity;
		}
	}
	free_resps(resp);
	if (ret)
		return ret;
	st_mics_relative(nm, d, gn, p, pol);
	for (int i = 0; i < nm && !ret; i++) {
		snprintf(name, sizeof(name), "mic.%d.delay_us", i + 1);
		ret = add_val(ra, step_id, name, d[i]);
		snprintf(name, sizeof(name), "mic.%d.gain_db", i + 1);
		if (!ret)
			ret = add_val(ra, step_id, name, gn[i]);
		snprintf(name, sizeof(name), "mic.%d.phase_deg", i + 1);
		if (!ret)
			ret = add_val(ra, step_id, name, p[i]);
		snprintf(name, sizeof(name), "mic.%d.polarity", i + 1);
		if (!ret)
			ret = add_val(ra, step_id, name, pol[i]);
	}
	return ret;
}

/* ---- the run ---- */

/* One measurement's captures in step step_id: re-analysed into ra when
 * wanted; what went wrong into ra->failed.  Only ST_ERR_MEM is returned. */
static int reanalyse_group(const struct run_caps *rc, long long step_id, struct group *g,
			   int force, struct st_reanalysis *ra)
{
	char label[64], why[400] = "", err[ST_ERRLEN] = "";
	struct st_measure_sweep_hold *held = NULL;
	struct st_an_ctx *ctx = NULL;
	int want, n0 = ra->n, ret;

	step_label(rc, step_id, label, sizeof(label));
	want = group_wanted(g, force, ra, why, sizeof(why));
	if (want == 0)
		return ST_OK;
	ra->wanted++;
	if (want < 0 || group_load(g, why, sizeof(why)))
		goto out_failed;
	ret = st_measure_sweep_ctx_get(&g->sw, &ctx, &held, err);
	if (!ret)
		ret = !strcmp(g->kinds[0], "mics") ? mic_values(g, ctx, step_id, ra, why, sizeof(why), err)
						   : anc_values(g, ctx, step_id, ra, why, sizeof(why), err);
	st_measure_sweep_ctx_put(held);
	if (ret == ST_ERR_MEM)
		return ret;
	if (ret) {
		if (!why[0])
			snprintf(why, sizeof(why), "%.300s", err);
		goto out_failed;
	}
	ra->done++;
	add_txt(ra->done_txt, sizeof(ra->done_txt), "%s:%s%s%s%s%s", label,
		g->c[0] ? " " : "", g->c[0] ? g->kinds[0] : "", g->c[1] ? " " : "",
		g->c[1] ? g->kinds[1] : "", g->c[2] ? " anc-on" : "");
	return ST_OK;
out_failed:
	ra->n = n0;
	add_txt(ra->failed, sizeof(ra->failed), "%s: %s", label, why);
	return ST_OK;
}

/* 1 for the capture kinds re-analysed here. */
static int reanalysed_kind(const char *kind)
{
	static const char *const mine[] = { "anc-open", "anc-off", "anc-on", "mics" };

	for (size_t k = 0; k < ST_ARRAY_SIZE(mine); k++)
		if (!strcmp(kind, mine[k]))
			return 1;
	return 0;
}

/* The kinds this station does not re-analyse, named once each. */
static void note_kept(const struct run_caps *rc, struct st_reanalysis *ra)
{
	for (int i = 0; i < rc->n; i++) {
		int skip = reanalysed_kind(rc->c[i].kind);

		for (int j = 0; j < i && !skip; j++)
			skip = !strcmp(rc->c[j].kind, rc->c[i].kind);
		if (!skip)
			add_txt(ra->kept_txt, sizeof(ra->kept_txt), "%s", rc->c[i].kind);
	}
}

/* Each step's ANC and microphone captures. */
static int reanalyse_steps(const struct run_caps *rc, int force, struct st_reanalysis *ra)
{
	int ret = ST_OK;

	for (int i = 0; i < rc->n && !ret; i++) {
		long long sid = rc->c[i].step_id;
		struct group g;
		int first = 1;

		for (int j = 0; j < i; j++)
			first &= rc->c[j].step_id != sid;
		if (!first)
			continue;  /* this step is done */
		memset(&g, 0, sizeof(g));
		g.kinds[0] = "anc-open";
		g.kinds[1] = "anc-off";
		g.kinds[2] = "anc-on";
		for (int k = 0; k < 3; k++)
			g.c[k] = newest(rc, sid, g.kinds[k]);
		if (g.c[1] && g.c[2]) {
			ret = reanalyse_group(rc, sid, &g, force, ra);
			group_free(&g);
		} else if (g.c[1] || g.c[2]) {
			char label[64];

			step_label(rc, sid, label, sizeof(label));
			add_txt(ra->failed, sizeof(ra->failed), "%s: %s not among the run's captures",
				label, g.c[1] ? "anc-on" : "anc-off");
		}
		memset(&g, 0, sizeof(g));
		g.kinds[0] = "mics";
		g.c[0] = newest(rc, sid, "mics");
		if (g.c[0] && !ret)
			ret = reanalyse_group(rc, sid, &g, force, ra);
		group_free(&g);
	}
	return ret;
}

int st_reanalyse_run(struct st_store *s, long long run_id, const char *db_dir, int force,
		     struct st_reanalysis *out, char *err)
{
	struct run_caps rc;
	int ret;

	memset(out, 0, sizeof(*out));
	memset(&rc, 0, sizeof(rc));
	rc.dir = db_dir;
	ret = st_store_steps(s, run_id, step_cb, &rc, err);
	if (!ret)
		ret = st_store_artifacts(s, run_id, art_cb, &rc, err);
	if (!ret && rc.mem)
		ret = st_fail(err, ST_ERR_MEM, "out of memory");
	for (int i = 0; i < rc.n && !ret; i++) {
		char label[64];

		if (rc.c[i].ok) {
			out->kept++;
			continue;
		}
		out->bad++;
		if (!reanalysed_kind(rc.c[i].kind)) {
			/* the ANC and microphone ones are named with their step */
			step_label(&rc, rc.c[i].step_id, label, sizeof(label));
			add_txt(out->failed, sizeof(out->failed), "%s: %s missing or altered (SHA-256 "
				"not as stored)", label, rc.c[i].kind);
		}
	}
	if (!ret)
		ret = reanalyse_steps(&rc, force, out);
	if (ret == ST_ERR_MEM)
		st_fail(err, ret, "out of memory re-analysing the captures");
	if (!ret && out->wanted)
		note_kept(&rc, out);
	free(rc.c);
	free(rc.st);
	if (ret)
		st_reanalysis_free(out);
	return ret;
}

int st_reanalysis_find(const struct st_reanalysis *ra, long long step_id, const char *name,
		       double *v)
{
	for (int i = 0; i < ra->n; i++)
		if (ra->v[i].step_id == step_id && !strcmp(ra->v[i].name, name)) {
			*v = ra->v[i].value;
			return 1;
		}
	return 0;
}

void st_reanalysis_free(struct st_reanalysis *ra)
{
	free(ra->v);
	ra->v = NULL;
	ra->n = ra->cap = 0;
}
