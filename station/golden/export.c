/*
 * export.c - `station export`: every measurement of the runs a filter
 * selects, as RFC 4180 CSV or JSON lines (export.h, docs/export.md).  The
 * CSV field encoder and the --since parser are pure and unit-tested
 * (tests/unit/test_golden.c).
 */
#include "golden/export.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/enc.h"
#include "core/st.h"

const char st_export_csv_header[] =
	"run,serial,model,firmware,plan,station,operator,started,outcome,"
	"step_idx,step,measurement,value,unit,low,high,verdict";

/* --- CSV --- */

void st_export_csv_field(FILE *f, const char *s, int last)
{
	char *fixed = st_utf8_fix(s);
	const char *p = fixed ? fixed : "";
	int formula = p[0] && strchr("=+-@\t\r", p[0]);
	int quote = formula || strpbrk(p, ",\"\r\n") != NULL;

	if (quote)
		fputs(formula ? "\"'" : "\"", f);
	for (; *p; p++) {
		if (*p == '"')
			fputc('"', f);
		fputc(*p, f);
	}
	if (quote)
		fputc('"', f);
	fputs(last ? "\r\n" : ",", f);
	free(fixed);
}

/* The shortest %.Ng (N from 15 up) that reads back as v. */
static void shortest(char *buf, size_t n, double v)
{
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(buf, n, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			return;
	}
}

void st_export_csv_num(FILE *f, double v, int last)
{
	char buf[40] = "";

	if (isfinite(v))
		shortest(buf, sizeof(buf), v);
	fputs(buf, f);
	fputs(last ? "\r\n" : ",", f);
}

/* --- --since --- */

/* Read exactly n digits at *p into *v. */
static int digits(const char **p, int n, int *v)
{
	*v = 0;
	for (int i = 0; i < n; i++, (*p)++) {
		if (**p < '0' || **p > '9')
			return -1;
		*v = *v * 10 + (**p - '0');
	}
	return 0;
}

static int days_in(int y, int m)
{
	static const int d[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : d[m - 1];
}

/* The time of day and zone after the date: [T| ]HH:MM[:SS[.fff]][Z|+-HH[:]MM].
 * *zone = 1 with *off_s when a zone was given. */
static int parse_time(const char *p, struct tm *tm, int *ms, int *zone, long *off_s)
{
	int oh, om;

	if (!*p)
		return 0;
	if (*p != 'T' && *p != ' ')
		return -1;
	p++;
	if (digits(&p, 2, &tm->tm_hour) || *p++ != ':' || digits(&p, 2, &tm->tm_min))
		return -1;
	if (*p == ':') {
		p++;
		if (digits(&p, 2, &tm->tm_sec))
			return -1;
		if (*p == '.') {
			int i = 0, v = 0;
			for (p++; *p >= '0' && *p <= '9'; p++, i++)
				v = i < 3 ? v * 10 + (*p - '0') : v;
			if (i == 0)
				return -1;
			for (; i < 3; i++)
				v *= 10;
			*ms = v;
		}
	}
	if (*p == 'Z') {
		*zone = 1;
		p++;
	} else if (*p == '+' || *p == '-') {
		int sign = *p++ == '-' ? -1 : 1;
		if (digits(&p, 2, &oh))
			return -1;
		if (*p == ':')
			p++;
		if (digits(&p, 2, &om) || oh > 23 || om > 59)
			return -1;
		*zone = 1;
		*off_s = sign * (oh * 3600L + om * 60L);
	}
	if (*p || tm->tm_hour > 23 || tm->tm_min > 59 || tm->tm_sec > 59)
		return -1;
	return 0;
}

static int since_bad(const char *in, char *err)
{
	char shown[80];

	return st_fail(err, ST_ERR_ARG, "--since '%s' is not a date (YYYY-MM-DD) or date-time "
		       "(YYYY-MM-DDTHH:MM[:SS][Z|+HH:MM])", st_term_clean(shown, sizeof(shown), in));
}

int st_export_since(const char *in, char out[32], char *err)
{
	struct tm tm = { 0 };
	const char *p = in ? in : "";
	int ms = 0, zone = 0, y, mo, d;
	long off = 0;
	time_t t;

	if (digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) || *p++ != '-' ||
	    digits(&p, 2, &d) || mo < 1 || mo > 12 || d < 1 || d > days_in(y, mo) || y < 1970 ||
	    parse_time(p, &tm, &ms, &zone, &off))
		return since_bad(in, err);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	if (zone) {
		t = timegm(&tm) - off;
	} else {
		tm.tm_isdst = -1;
		t = mktime(&tm);
	}
	if (t == (time_t)-1 || !gmtime_r(&t, &tm))
		return since_bad(in, err);
	snprintf(out, 32, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
	return ST_OK;
}

/* --- the export --- */

#define EXPORT_MAX_STEPS 512

struct exp_step { long long id; int idx; char name[64]; };

struct exp {
	struct st_store *s;
	enum st_export_format fmt;
	FILE *out;
	long rows;
	const struct st_run_info *ri;        /* the run being written */
	struct exp_step steps[EXPORT_MAX_STEPS]; /* its steps, for the step columns */
	int nsteps;
	char *err;
	int ret;
};

static int step_cb(const struct st_step_row *r, void *ctx)
{
	struct exp *e = ctx;

	if (e->nsteps < EXPORT_MAX_STEPS) {
		e->steps[e->nsteps].id = r->id;
		e->steps[e->nsteps].idx = r->idx;
		st_strlcpy(e->steps[e->nsteps].name, r->name, sizeof(e->steps[0].name));
		e->nsteps++;
	}
	return 0;
}

static const struct exp_step *find_step(const struct exp *e, long long id)
{
	for (int i = 0; id > 0 && i < e->nsteps; i++)
		if (e->steps[i].id == id)
			return &e->steps[i];
	return NULL;
}

static void row_csv(struct exp *e, const struct st_meas_row *m, const struct exp_step *sp)
{
	const struct st_run_info *ri = e->ri;
	const char *run_fields[] = { ri->uuid, ri->serial, ri->model, ri->firmware, ri->plan,
				     ri->station, ri->operator_, ri->started, ri->outcome };
	char idx[16] = "";

	for (size_t i = 0; i < ST_ARRAY_SIZE(run_fields); i++)
		st_export_csv_field(e->out, run_fields[i], 0);
	if (sp)
		snprintf(idx, sizeof(idx), "%d", sp->idx);
	fputs(idx, e->out);
	fputc(',', e->out);
	st_export_csv_field(e->out, sp ? sp->name : "", 0);
	st_export_csv_field(e->out, m->name, 0);
	st_export_csv_num(e->out, m->value, 0);
	st_export_csv_field(e->out, m->unit, 0);
	st_export_csv_num(e->out, m->low, 0);
	st_export_csv_num(e->out, m->high, 0);
	st_export_csv_field(e->out, m->verdict, 1);
}

static int row_json(struct exp *e, const struct st_meas_row *m, const struct exp_step *sp)
{
	const struct st_run_info *ri = e->ri;
	json_t *o = json_object();
	int bad = !o;

	bad = bad || st_json_set_text(o, "run", ri->uuid) || st_json_set_text(o, "serial", ri->serial) ||
	      st_json_set_text(o, "model", ri->model) ||
	      st_json_set_text(o, "firmware", ri->firmware) ||
	      st_json_set_text(o, "plan", ri->plan) || st_json_set_text(o, "station", ri->station) ||
	      st_json_set_text(o, "operator", ri->operator_) ||
	      st_json_set_text(o, "started", ri->started) ||
	      st_json_set_text(o, "outcome", ri->outcome);
	if (!bad && sp)
		bad = st_json_set_int(o, "step_idx", sp->idx) || st_json_set_text(o, "step", sp->name);
	else if (!bad)
		bad = json_object_set_new(o, "step_idx", json_null()) ||
		      json_object_set_new(o, "step", json_null());
	bad = bad || st_json_set_text(o, "measurement", m->name) ||
	      st_json_set_num(o, "value", m->value, -17) || st_json_set_text(o, "unit", m->unit) ||
	      st_json_set_num(o, "low", m->low, -17) || st_json_set_num(o, "high", m->high, -17) ||
	      st_json_set_text(o, "verdict", m->verdict);
	if (bad) {
		json_decref(o);
		return ST_ERR_MEM;
	}
	return st_json_put(e->out, o);
}

static int meas_cb(const struct st_meas_row *m, void *ctx)
{
	struct exp *e = ctx;
	const struct exp_step *sp = find_step(e, m->step_id);

	if (e->fmt == ST_EXPORT_CSV)
		row_csv(e, m, sp);
	else if ((e->ret = row_json(e, m, sp)) != ST_OK)
		return 1;
	e->rows++;
	if (ferror(e->out)) {
		e->ret = ST_ERR_IO;
		return 1;
	}
	return 0;
}

static int run_cb(const struct st_run_info *ri, void *ctx)
{
	struct exp *e = ctx;

	e->ri = ri;
	e->nsteps = 0;
	e->ret = st_store_steps(e->s, ri->id, step_cb, e, e->err);
	if (!e->ret)
		e->ret = st_store_measurements(e->s, ri->id, meas_cb, e, e->err);
	if (e->ret == ST_ERR_IO)
		st_seterr(e->err, "writing the export: %s", strerror(errno ? errno : EIO));
	else if (e->ret == ST_ERR_MEM)
		st_seterr(e->err, "out of memory");
	return e->ret != ST_OK;
}

int st_export(struct st_store *s, const struct st_run_filter *f, enum st_export_format fmt,
	      FILE *out, long *rows, char *err)
{
	struct exp *e = calloc(1, sizeof(*e));
	int ret;

	if (!e)
		return st_fail(err, ST_ERR_MEM, "out of memory");
	e->s = s;
	e->fmt = fmt;
	e->out = out;
	e->err = err;
	if (fmt == ST_EXPORT_CSV) {
		fputs(st_export_csv_header, out);
		fputs("\r\n", out);
	}
	ret = st_store_select(s, f, run_cb, e, err);
	if (!ret)
		ret = e->ret;
	if (!ret && (fflush(out) || ferror(out)))
		ret = st_fail(err, ST_ERR_IO, "writing the export: %s", strerror(errno ? errno : EIO));
	if (rows)
		*rows = e->rows;
	free(e);
	return ret;
}
