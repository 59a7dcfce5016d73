/*
 * cmd_history.c - `station history`: the runs kept in the result store.
 *
 *   station history [--serial S] [--db FILE] [--limit N] [--json]
 *   station history --run UUIDPREFIX [--db FILE] [--json]
 *
 * The list shows runs newest first in aligned columns (start in local time,
 * first 8 characters of the run uuid, unit, firmware, plan, outcome,
 * disposition, reason); --run shows one run with its steps, measurements,
 * events and artifacts.  --json prints one object per line instead (times
 * as stored, ISO 8601 UTC).  The database is never created here: a missing
 * file is "no database at PATH", exit 2.  Format in docs/store.md.
 */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "core/enc.h"
#include "core/st.h"
#include "store/store.h"

#define HISTORY_USAGE "usage: station history [--serial S] [--db FILE] [--limit N] [--json] | " \
	"station history --run UUIDPREFIX [--db FILE] [--json]"
#define HISTORY_DEFAULT_LIMIT 50

struct history_opts {
	const char *serial;   /* --serial: only this unit's runs */
	const char *db;       /* --db: database path (default st_store_default_path()) */
	const char *run;      /* --run: show this run in full */
	long limit;           /* --limit: at most this many runs, 0 = all */
	int limit_set;        /* 1 if --limit was given */
	int json;             /* --json: one object per line */
};

/* --- aligned text tables --- */

struct table {
	int ncol;             /* columns */
	unsigned right;       /* bit i set: column i is right-aligned */
	int color_col;        /* column coloured by verdict, -1 for none */
	int color;            /* 1: emit ANSI colours */
	char **cells;         /* nrows+1 rows of ncol cells, row 0 is the header */
	int nrows;            /* data rows */
	int cap;              /* rows allocated (not counting the header) */
};

/* Display width of UTF-8 text: one column per code point. */
static int text_width(const char *s)
{
	int w = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

/* Copy of s fit for one table cell: terminal-clean (core/enc.h), so a
 * stored serial or reason can neither move the cursor nor break a row;
 * "" becomes "-". */
static char *cell_dup(const char *s)
{
	char *d;

	if (!s || !*s)
		s = "-";
	d = st_term_dup(s);
	if (!d) {
		fprintf(stderr, "station history: out of memory\n");
		exit(ST_EXIT_ERROR);
	}
	return d;
}

static void table_init(struct table *t, int ncol, unsigned right, int color_col, ...)
{
	va_list ap;

	memset(t, 0, sizeof(*t));
	t->ncol = ncol;
	t->right = right;
	t->color_col = color_col;
	t->color = isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
	t->cells = calloc((size_t)ncol, sizeof(char *));
	if (!t->cells) {
		cli_error("history", "out of memory");
		exit(ST_EXIT_ERROR);
	}
	va_start(ap, color_col);
	for (int i = 0; i < ncol; i++)
		t->cells[i] = cell_dup(va_arg(ap, const char *));
	va_end(ap);
}

static void table_add(struct table *t, ...)
{
	va_list ap;

	if (t->nrows == t->cap) {
		int ncap = t->cap ? t->cap * 2 : 32;
		char **n = realloc(t->cells, (size_t)(ncap + 1) * (size_t)t->ncol * sizeof(char *));
		if (!n) {
			cli_error("history", "out of memory");
			exit(ST_EXIT_ERROR);
		}
		t->cells = n;
		t->cap = ncap;
	}
	va_start(ap, t);
	for (int i = 0; i < t->ncol; i++)
		t->cells[(t->nrows + 1) * t->ncol + i] = cell_dup(va_arg(ap, const char *));
	va_end(ap);
	t->nrows++;
}

static const char *verdict_color(const char *v)
{
	if (!strcmp(v, "PASS"))
		return "\033[1;32m";
	if (!strcmp(v, "FAIL"))
		return "\033[1;31m";
	if (!strcmp(v, "ERROR") || !strcmp(v, "ABORTED"))
		return "\033[1;33m";
	if (!strcmp(v, "interrupted"))
		return "\033[35m";
	if (!strcmp(v, "running"))
		return "\033[36m";
	return NULL;
}

static void table_print(struct table *t, const char *indent)
{
	int *w = calloc((size_t)t->ncol, sizeof(int));

	if (!w)
		return;
	for (int r = 0; r <= t->nrows; r++)
		for (int c = 0; c < t->ncol; c++) {
			int cw = text_width(t->cells[r * t->ncol + c]);
			if (cw > w[c])
				w[c] = cw;
		}
	for (int r = 0; r <= t->nrows; r++) {
		fputs(indent, stdout);
		for (int c = 0; c < t->ncol; c++) {
			const char *cell = t->cells[r * t->ncol + c];
			int pad = w[c] - text_width(cell), last = c == t->ncol - 1;
			const char *col = r && c == t->color_col && t->color ? verdict_color(cell) : NULL;

			if (t->right & (1u << c))
				printf("%*s", pad, "");
			printf("%s%s%s", col ? col : "", cell, col ? "\033[0m" : "");
			if (!last && !(t->right & (1u << c)))
				printf("%*s", pad, "");
			if (!last)
				fputs("  ", stdout);
		}
		fputc('\n', stdout);
	}
	free(w);
}

static void table_free(struct table *t)
{
	for (int i = 0; i < (t->nrows + 1) * t->ncol; i++)
		free(t->cells[i]);
	free(t->cells);
}

/* --- formatting --- */

/* "2026-11-22T17:30:01.123Z" (UTC) -> "2026-11-22 18:30:01" local time. */
static void local_time(const char *iso, char *out, size_t n)
{
	struct tm tm;
	const char *end;
	time_t t;

	memset(&tm, 0, sizeof(tm));
	end = iso && *iso ? strptime(iso, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
	if (!end) {
		st_strlcpy(out, iso ? iso : "", n);
		return;
	}
	t = timegm(&tm);
	localtime_r(&t, &tm);
	strftime(out, n, "%Y-%m-%d %H:%M:%S", &tm);
}

static double iso_seconds(const char *iso)
{
	struct tm tm;
	const char *end;
	double frac = 0;

	memset(&tm, 0, sizeof(tm));
	end = iso && *iso ? strptime(iso, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
	if (!end)
		return NAN;
	if (*end == '.')
		frac = strtod(end, NULL);
	return (double)timegm(&tm) + frac;
}

/* v as "%.2f" (fixed) or "%.6g", "-" for NaN. */
static void fmt_num(char *buf, size_t n, double v, int fixed)
{
	if (isnan(v))
		st_strlcpy(buf, "-", n);
	else
		snprintf(buf, n, fixed ? "%.2f" : "%.6g", v);
}

/* Print one JSON object (jansson, core/enc.h) as a line; 0 or 1 (stop). */
static int json_line(json_t *o, int bad)
{
	if (bad) {
		json_decref(o);
		o = NULL;
	}
	if (st_json_put(stdout, o)) {
		cli_error("history", "cannot write JSON: %s", o ? "output error" : "out of memory");
		return 1;
	}
	return 0;
}

static int json_run(const struct st_run_info *ri)
{
	static const struct { const char *key; size_t off; } cols[] = {
		{ "uuid", offsetof(struct st_run_info, uuid) },
		{ "serial", offsetof(struct st_run_info, serial) },
		{ "model", offsetof(struct st_run_info, model) },
		{ "firmware", offsetof(struct st_run_info, firmware) },
		{ "plan", offsetof(struct st_run_info, plan) },
		{ "limits_path", offsetof(struct st_run_info, limits_path) },
		{ "limits_hash", offsetof(struct st_run_info, limits_hash) },
		{ "station", offsetof(struct st_run_info, station) },
		{ "operator", offsetof(struct st_run_info, operator_) },
		{ "fixture", offsetof(struct st_run_info, fixture) },
		{ "started", offsetof(struct st_run_info, started) },
	};
	json_t *o = json_object();
	int bad = !o;

	if (!o)
		return json_line(NULL, 1);
	bad |= st_json_set_text(o, "type", "run");
	bad |= st_json_set_int(o, "id", ri->id);
	for (size_t i = 0; i < ST_ARRAY_SIZE(cols); i++)
		bad |= st_json_set_text(o, cols[i].key, (const char *)ri + cols[i].off);
	if (ri->ended[0])
		bad |= st_json_set_text(o, "ended", ri->ended);
	else
		bad |= json_object_set_new(o, "ended", json_null());
	bad |= st_json_set_text(o, "outcome", ri->outcome);
	bad |= st_json_set_text(o, "disposition", ri->disposition);
	bad |= st_json_set_text(o, "reason", ri->reason);
	return json_line(o, bad);
}

/* "step_id": the id, or null for a run-level row. */
static int json_step_id(json_t *o, long long step_id)
{
	if (step_id)
		return st_json_set_int(o, "step_id", step_id);
	return json_object_set_new(o, "step_id", json_null());
}

/* --- station history (list) --- */

struct run_list {
	struct st_run_info *runs;  /* collected runs, newest first */
	size_t n, cap;             /* used / allocated */
	int json;                  /* print JSON at once instead of collecting */
};

static int collect_run(const struct st_run_info *ri, void *ctx)
{
	struct run_list *l = ctx;

	if (l->json)
		return json_run(ri);
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 64;
		struct st_run_info *n = realloc(l->runs, ncap * sizeof(*n));
		if (!n)
			return 1;
		l->runs = n;
		l->cap = ncap;
	}
	l->runs[l->n++] = *ri;
	return 0;
}

static int history_list(struct st_store *s, const struct history_opts *o)
{
	struct run_list l = { .json = o->json };
	struct table t;
	long limit = o->limit_set ? o->limit : (o->json ? 0 : HISTORY_DEFAULT_LIMIT);
	long long total = 0;
	char err[ST_ERRLEN];

	if (st_store_runs(s, o->serial, (int)limit, collect_run, &l, err)) {
		cli_error("history", "%s", err);
		free(l.runs);
		return ST_EXIT_ERROR;
	}
	if (o->json)
		return ST_EXIT_PASS;
	if (!l.n) {
		if (o->serial)
			printf("no runs of unit %s in ", o->serial);
		else
			printf("no runs in ");
		st_term_put(stdout, st_store_path(s));
		fputc('\n', stdout);
		return ST_EXIT_PASS;
	}
	table_init(&t, 9, 0, 6, "STARTED", "RUN", "SERIAL", "MODEL", "FIRMWARE", "PLAN",
		   "OUTCOME", "DISPOSITION", "REASON");
	for (size_t i = 0; i < l.n; i++) {
		const struct st_run_info *ri = &l.runs[i];
		char when[32], id[9];

		local_time(ri->started, when, sizeof(when));
		st_strlcpy(id, ri->uuid, sizeof(id));
		table_add(&t, when, id, ri->serial, ri->model, ri->firmware, ri->plan,
			  ri->outcome, ri->disposition, ri->reason);
	}
	table_print(&t, "");
	table_free(&t);
	if (limit > 0 && (long)l.n == limit &&
	    !st_store_count_runs(s, o->serial, &total, err) && total > (long long)l.n)
		printf("(%zu newest of %lld runs; --limit 0 shows all)\n", l.n, total);
	free(l.runs);
	return ST_EXIT_PASS;
}

/* --- station history --run UUID --- */

struct run_detail {
	struct st_step_row *steps;  /* the run's steps, in order */
	size_t nsteps, cap;         /* used / allocated */
	struct table t;             /* table being filled */
	int json;                   /* print JSON lines */
};

static const char *step_name(const struct run_detail *d, long long id)
{
	for (size_t i = 0; i < d->nsteps; i++)
		if (d->steps[i].id == id)
			return d->steps[i].name;
	return "";
}

static int detail_step(const struct st_step_row *r, void *ctx)
{
	struct run_detail *d = ctx;
	char idx[16], start[32], dur[32];

	if (d->nsteps == d->cap) {
		size_t ncap = d->cap ? d->cap * 2 : 32;
		struct st_step_row *n = realloc(d->steps, ncap * sizeof(*n));
		if (!n)
			return 1;
		d->steps = n;
		d->cap = ncap;
	}
	d->steps[d->nsteps++] = *r;
	if (d->json) {
		json_t *o = json_object();
		int bad = !o;

		if (o) {
			bad |= st_json_set_text(o, "type", "step");
			bad |= st_json_set_int(o, "id", r->id);
			bad |= st_json_set_int(o, "idx", r->idx);
			bad |= st_json_set_text(o, "name", r->name);
			bad |= st_json_set_text(o, "kind", r->kind);
			bad |= st_json_set_text(o, "verdict", r->verdict);
			bad |= st_json_set_num(o, "started_s", r->started_s, -15);
			bad |= st_json_set_num(o, "duration_s", r->duration_s, -15);
			bad |= st_json_set_text(o, "message", r->message);
		}
		return json_line(o, bad);
	}
	snprintf(idx, sizeof(idx), "%d", r->idx);
	fmt_num(start, sizeof(start), r->started_s, 1);
	fmt_num(dur, sizeof(dur), r->duration_s, 1);
	table_add(&d->t, idx, r->name, r->kind, r->verdict, start, dur, r->message);
	return 0;
}

static int detail_meas(const struct st_meas_row *r, void *ctx)
{
	struct run_detail *d = ctx;
	char value[32], low[32], high[32], verdict[32];

	if (d->json) {
		json_t *o = json_object();
		int bad = !o;

		if (o) {
			bad |= st_json_set_text(o, "type", "measurement");
			bad |= json_step_id(o, r->step_id);
			bad |= st_json_set_text(o, "step", step_name(d, r->step_id));
			bad |= st_json_set_text(o, "name", r->name);
			bad |= st_json_set_num(o, "value", r->value, -15);
			bad |= st_json_set_text(o, "unit", r->unit);
			bad |= st_json_set_num(o, "low", r->low, -15);
			bad |= st_json_set_num(o, "high", r->high, -15);
			bad |= st_json_set_text(o, "verdict", r->verdict);
			bad |= json_object_set_new(o, "marginal", json_boolean(r->marginal));
		}
		return json_line(o, bad);
	}
	if (r->marginal)
		snprintf(verdict, sizeof(verdict), "%s marginal", r->verdict);
	else
		st_strlcpy(verdict, r->verdict, sizeof(verdict));
	fmt_num(value, sizeof(value), r->value, 0);
	fmt_num(low, sizeof(low), r->low, 0);
	fmt_num(high, sizeof(high), r->high, 0);
	table_add(&d->t, r->step_id ? step_name(d, r->step_id) : "(run)", r->name, value,
		  r->unit, low, high, verdict);
	return 0;
}

static int detail_event(const struct st_event_row *r, void *ctx)
{
	struct run_detail *d = ctx;
	char t[32];

	if (d->json) {
		json_t *o = json_object();
		int bad = !o;

		if (o) {
			bad |= st_json_set_text(o, "type", "event");
			bad |= st_json_set_num(o, "t_s", r->t_s, -15);
			bad |= st_json_set_text(o, "kind", r->kind);
			bad |= st_json_set_text(o, "text", r->text);
		}
		return json_line(o, bad);
	}
	fmt_num(t, sizeof(t), r->t_s, 1);
	table_add(&d->t, t, r->kind, r->text);
	return 0;
}

static int detail_artifact(const struct st_artifact_row *r, void *ctx)
{
	struct run_detail *d = ctx;
	char sha[13];

	if (d->json) {
		json_t *o = json_object();
		int bad = !o;

		if (o) {
			bad |= st_json_set_text(o, "type", "artifact");
			bad |= json_step_id(o, r->step_id);
			bad |= st_json_set_text(o, "step", step_name(d, r->step_id));
			bad |= st_json_set_text(o, "kind", r->kind);
			bad |= st_json_set_text(o, "path", r->path);
			bad |= st_json_set_text(o, "sha256", r->sha256);
		}
		return json_line(o, bad);
	}
	st_strlcpy(sha, r->sha256, sizeof(sha));
	table_add(&d->t, r->step_id ? step_name(d, r->step_id) : "(run)", r->kind, r->path, sha);
	return 0;
}

static void field(const char *name, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void field(const char *name, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	printf("%-12s ", name);
	st_term_put(stdout, buf);
	fputc('\n', stdout);
}

static const char *dash(const char *s)
{
	return s && *s ? s : "-";
}

static int history_run(struct st_store *s, const struct history_opts *o)
{
	struct st_run_info ri;
	struct run_detail d = { .json = o->json };
	char err[ST_ERRLEN], start[32], end[32];
	int ret;

	ret = st_store_find_run(s, o->run, &ri, err);
	if (ret) {
		cli_error("history", "%s", err);
		return ret == ST_ERR_DB ? ST_EXIT_ERROR : ST_EXIT_USAGE;
	}
	if (o->json) {
		if (json_run(&ri))
			return ST_EXIT_ERROR;
		if (st_store_steps(s, ri.id, detail_step, &d, err) ||
		    st_store_measurements(s, ri.id, detail_meas, &d, err) ||
		    st_store_events(s, ri.id, detail_event, &d, err) ||
		    st_store_artifacts(s, ri.id, detail_artifact, &d, err) ||
		    cli_history_judgements(s, ri.id, 1, err))
			goto fail;
		free(d.steps);
		return ST_EXIT_PASS;
	}

	local_time(ri.started, start, sizeof(start));
	local_time(ri.ended, end, sizeof(end));
	field("run", "%s", ri.uuid);
	field("unit", "%s  model %s  firmware %s", ri.serial, dash(ri.model), dash(ri.firmware));
	field("plan", "%s", dash(ri.plan));
	field("limits", "%s%s%.12s", dash(ri.limits_path), ri.limits_hash[0] ? "  sha256 " : "",
	      ri.limits_hash);
	field("station", "%s  operator %s  fixture %s", dash(ri.station), dash(ri.operator_),
	      dash(ri.fixture));
	if (ri.ended[0]) {
		double secs = iso_seconds(ri.ended) - iso_seconds(ri.started);
		if (isfinite(secs))
			field("time", "%s to %s (%.1f s) wall clock", start, end, secs);
		else
			field("time", "%s to %s", start, end);
	} else {
		field("time", "%s, not ended", start);
	}
	field("outcome", "%s", ri.outcome);
	field("disposition", "%s", dash(ri.disposition));
	field("reason", "%s", dash(ri.reason));

	table_init(&d.t, 7, (1u << 0) | (1u << 4) | (1u << 5), 3, "#", "STEP", "KIND", "VERDICT",
		   "BENCH START s", "BENCH TIME s", "MESSAGE");
	ret = st_store_steps(s, ri.id, detail_step, &d, err);
	if (!ret && d.t.nrows) {
		printf("\n");
		table_print(&d.t, "");
	}
	table_free(&d.t);
	if (ret)
		goto fail;

	table_init(&d.t, 7, (1u << 2) | (1u << 4) | (1u << 5), 6, "STEP", "MEASUREMENT", "VALUE",
		   "UNIT", "LOW", "HIGH", "VERDICT");
	ret = st_store_measurements(s, ri.id, detail_meas, &d, err);
	if (!ret && d.t.nrows) {
		printf("\n");
		table_print(&d.t, "");
	}
	table_free(&d.t);
	if (ret)
		goto fail;

	table_init(&d.t, 3, 1u << 0, -1, "BENCH T s", "EVENT", "TEXT");
	ret = st_store_events(s, ri.id, detail_event, &d, err);
	if (!ret && d.t.nrows) {
		printf("\n");
		table_print(&d.t, "");
	}
	table_free(&d.t);
	if (ret)
		goto fail;

	table_init(&d.t, 4, 0, -1, "STEP", "ARTIFACT", "PATH", "SHA256");
	ret = st_store_artifacts(s, ri.id, detail_artifact, &d, err);
	if (!ret && d.t.nrows) {
		printf("\n");
		table_print(&d.t, "");
	}
	table_free(&d.t);
	if (ret || (ret = cli_history_judgements(s, ri.id, 0, err)) != ST_OK)
		goto fail;
	free(d.steps);
	return ST_EXIT_PASS;

fail:
	free(d.steps);
	cli_error("history", "%s", err);
	return ST_EXIT_ERROR;
}

/* --- options --- */

/* "--name VALUE" or "--name=VALUE"; *i advances past what was used. */
static int opt_value(int argc, char **argv, int *i, const char *name, const char **out)
{
	size_t n = strlen(name);
	const char *a = argv[*i];

	if (strncmp(a, name, n) != 0)
		return 0;
	if (a[n] == '=') {
		*out = a + n + 1;
		return 1;
	}
	if (a[n] != '\0')
		return 0;
	if (*i + 1 >= argc) {
		*out = NULL;
		return 1;
	}
	*out = argv[++*i];
	return 1;
}

static int parse_opts(int argc, char **argv, struct history_opts *o)
{
	const char *v;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--json")) {
			o->json = 1;
		} else if (opt_value(argc, argv, &i, "--serial", &v)) {
			char err[ST_ERRLEN];

			if (!v || !*v)
				return cli_usage_error("history", "--serial needs a serial (" HISTORY_USAGE ")");
			if (st_serial_check(v, err))
				return cli_usage_error("history", "--serial: %s", err);
			o->serial = v;
		} else if (opt_value(argc, argv, &i, "--db", &v)) {
			if (!v || !*v)
				return cli_usage_error("history", "--db needs a file (" HISTORY_USAGE ")");
			o->db = v;
		} else if (opt_value(argc, argv, &i, "--run", &v)) {
			if (!v || !*v)
				return cli_usage_error("history", "--run needs a run uuid or its first "
						       "characters (" HISTORY_USAGE ")");
			o->run = v;
		} else if (opt_value(argc, argv, &i, "--limit", &v)) {
			if (!v || st_parse_int(v, &o->limit) || o->limit < 0 || o->limit > 1000000000)
				return cli_usage_error("history", "--limit needs a whole number >= 0, "
						       "0 = all (" HISTORY_USAGE ")");
			o->limit_set = 1;
		} else {
			return cli_usage_error("history", "unknown option '%s' (" HISTORY_USAGE ")", a);
		}
	}
	if (o->run && (o->serial || o->limit_set))
		return cli_usage_error("history", "--run shows one run; it takes no --serial or "
				       "--limit (" HISTORY_USAGE ")");
	return ST_EXIT_PASS;
}

int cmd_history(int argc, char **argv)
{
	struct history_opts o = { 0 };
	struct st_store *s;
	char err[ST_ERRLEN];
	const char *path;
	int ret;

	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf("%s\n\n"
			       "  --serial S   only the runs of unit S\n"
			       "  --db FILE    the result database (default $STATION_DB, else station.db)\n"
			       "  --limit N    the N newest runs (default %d; 0 = all; --json: all)\n"
			       "  --json       one JSON object per line\n"
			       "  --run UUID   one run in full: steps, measurements, events, artifacts\n"
			       "               (UUID: its first characters, as the list shows them)\n",
			       HISTORY_USAGE, HISTORY_DEFAULT_LIMIT);
			return ST_EXIT_PASS;
		}
	ret = parse_opts(argc, argv, &o);
	if (ret)
		return ret;
	ret = cli_open_store(o.db, ST_STORE_NOCREATE | ST_STORE_READONLY_OK, &s, &path, err);
	if (ret) {
		cli_error("history", "%s", err);
		/* a refused or corrupt database is an input error; a disk fault is ERROR */
		return ret == ST_ERR_IO || ret == ST_ERR_MEM ? ST_EXIT_ERROR : ST_EXIT_USAGE;
	}
	ret = o.run ? history_run(s, &o) : history_list(s, &o);
	st_store_close(s);
	return ret;
}
