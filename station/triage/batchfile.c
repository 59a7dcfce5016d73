/*
 * batchfile.c - reads and checks a batch triage CSV file (triage.h,
 * docs/triage.md) before any unit is touched: the header's columns, every
 * row complete, RMA numbers and serials well formed, serials unique,
 * models known, symptoms in the symptom table, fault lists well formed.
 * Every refusal names file:line (file:line:col for the CSV grammar).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/csv.h"
#include "core/enc.h"
#include "model/model.h"
#include "triage/triage.h"

enum col { C_RMA, C_SERIAL, C_MODEL, C_SYMPTOM, C_FAULTS, C_NOTES, C_COUNT };

static const char *const col_names[C_COUNT] = { "rma", "serial", "model", "symptom", "faults", "notes" };

/* Header: which field holds each column (-1: absent). */
static int header_parse(const char *path, const struct st_csv_record *h, int pos[C_COUNT], char *err)
{
	for (int c = 0; c < C_COUNT; c++)
		pos[c] = -1;
	for (int i = 0; i < h->nfields; i++) {
		int c;

		for (c = 0; c < C_COUNT && strcmp(h->field[i], col_names[c]); c++)
			;
		if (c == C_COUNT)
			return st_fail(err, ST_ERR_PARSE,
				       "%s:%d: unknown column '%.40s' (columns: rma, serial, model, symptom, "
				       "and optional faults, notes)", path, h->line, h->field[i]);
		if (pos[c] >= 0)
			return st_fail(err, ST_ERR_PARSE, "%s:%d: column '%s' twice", path, h->line,
				       col_names[c]);
		pos[c] = i;
	}
	for (int c = 0; c <= C_SYMPTOM; c++)
		if (pos[c] < 0)
			return st_fail(err, ST_ERR_PARSE, "%s:%d: missing column '%s' (the header needs "
				       "rma, serial, model, symptom)", path, h->line, col_names[c]);
	return ST_OK;
}

/* An RMA number: 1..63 printable ASCII characters, no blank.  (Serials
 * pass st_serial_check, the station's one serial rule.) */
static int ident_ok(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > 63)
		return 0;
	for (; *s; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
			return 0;
	return 1;
}

/* Free text: no control characters but tab (and line breaks in notes). */
static int text_ok(const char *s, int lines)
{
	for (; *s; s++)
		if (((unsigned char)*s < 0x20 && *s != '\t' && !(lines && *s == '\n')) || *s == 0x7f)
			return 0;
	return 1;
}

/* Faults: words separated by ';' or blanks, each a fault name (checked
 * against the model when the bench is set up) or placed=SERIAL. */
static int faults_ok(const char *path, int line, const char *f, char *err)
{
	char buf[256], *save = NULL, *w;
	int n = 0;

	if (strlen(f) >= sizeof(buf))
		return st_fail(err, ST_ERR_PARSE, "%s:%d: faults longer than 255 characters", path, line);
	st_strlcpy(buf, f, sizeof(buf));
	for (w = strtok_r(buf, "; \t", &save); w; w = strtok_r(NULL, "; \t", &save)) {
		if (++n > ST_TRIAGE_MAX_FAULTS)
			return st_fail(err, ST_ERR_PARSE, "%s:%d: at most %d faults", path, line,
				       ST_TRIAGE_MAX_FAULTS);
		if (!strncmp(w, "placed=", 7)) {
			char e[ST_ERRLEN];

			if (st_serial_check(w + 7, e))
				return st_fail(err, ST_ERR_PARSE, "%s:%d: placed=: %s", path, line, e);
			continue;
		}
		for (const char *p = w; *p; p++)
			if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
			      *p == '-' || *p == '_' || *p == ':' || *p == '.'))
				return st_fail(err, ST_ERR_PARSE, "%s:%d: fault '%.40s' is not a fault name",
					       path, line, w);
	}
	return ST_OK;
}

static int row_fill(const char *path, const struct st_csv_record *r, const int pos[C_COUNT],
		    const char *dir, const struct st_symptoms *t, struct st_model *m,
		    struct st_batch_unit *u, char *err)
{
	const char *f[C_COUNT];
	const struct st_symptom *sym;
	char e[ST_ERRLEN];

	for (int c = 0; c < C_COUNT; c++)
		f[c] = pos[c] >= 0 ? r->field[pos[c]] : "";
	memset(u, 0, sizeof(*u));
	u->line = r->line;
	if (!ident_ok(f[C_RMA]))
		return st_fail(err, ST_ERR_PARSE, "%s:%d: rma must be 1 to 63 printable characters, no blanks",
			       path, r->line);
	if (st_serial_check(f[C_SERIAL], e))
		return st_fail(err, ST_ERR_PARSE, "%s:%d: %s", path, r->line, e);
	if (!f[C_SYMPTOM][0] || strlen(f[C_SYMPTOM]) >= sizeof(u->symptom) || !text_ok(f[C_SYMPTOM], 0))
		return st_fail(err, ST_ERR_PARSE, "%s:%d: symptom must be 1 to %zu characters of text",
			       path, r->line, sizeof(u->symptom) - 1);
	if (strlen(f[C_NOTES]) >= sizeof(u->notes) || !text_ok(f[C_NOTES], 1))
		return st_fail(err, ST_ERR_PARSE, "%s:%d: notes must be at most %zu characters of text",
			       path, r->line, sizeof(u->notes) - 1);
	if (strlen(f[C_MODEL]) >= 32 || st_model_find(dir, f[C_MODEL], m, e))
		return st_fail(err, ST_ERR_PARSE, "%s:%d: unknown model '%.40s' (station models)", path,
			       r->line, f[C_MODEL]);
	sym = st_symptom_match(t, f[C_SYMPTOM]);
	if (!sym)
		return st_fail(err, ST_ERR_PARSE, "%s:%d: symptom '%.60s' matches no entry of %s", path,
			       r->line, f[C_SYMPTOM], t->path);
	if (faults_ok(path, r->line, f[C_FAULTS], err))
		return ST_ERR_PARSE;
	st_strlcpy(u->rma, f[C_RMA], sizeof(u->rma));
	st_strlcpy(u->serial, f[C_SERIAL], sizeof(u->serial));
	st_strlcpy(u->model, m->id, sizeof(u->model));
	st_strlcpy(u->symptom, f[C_SYMPTOM], sizeof(u->symptom));
	st_strlcpy(u->faults, f[C_FAULTS], sizeof(u->faults));
	st_strlcpy(u->notes, f[C_NOTES], sizeof(u->notes));
	st_strlcpy(u->plan, sym->plan, sizeof(u->plan));
	st_strlcpy(u->status, "pending", sizeof(u->status));
	return ST_OK;
}

static int rows_check(const char *path, const struct st_csv *c, const char *dir,
		      const struct st_symptoms *t, struct st_batch_unit *units, char *err)
{
	struct st_model *m = calloc(1, sizeof(*m));
	int pos[C_COUNT], ret;

	if (!m)
		return st_fail(err, ST_ERR_MEM, "out of memory");
	ret = header_parse(path, &c->rec[0], pos, err);
	for (int i = 1; !ret && i < c->nrecords; i++) {
		const struct st_csv_record *r = &c->rec[i];

		if (r->nfields != c->rec[0].nfields) {
			ret = st_fail(err, ST_ERR_PARSE, "%s:%d: %d fields where the header has %d", path,
				      r->line, r->nfields, c->rec[0].nfields);
			break;
		}
		ret = row_fill(path, r, pos, dir, t, m, &units[i - 1], err);
		units[i - 1].idx = i;
		for (int k = 0; !ret && k < i - 1; k++)
			if (!strcmp(units[k].serial, units[i - 1].serial))
				ret = st_fail(err, ST_ERR_PARSE, "%s:%d: serial %s already on line %d", path,
					      r->line, units[k].serial, units[k].line);
	}
	free(m);
	return ret;
}

int st_triage_load(const char *path, const char *dir, const struct st_symptoms *t,
		   struct st_batch_unit **units, int *n, char sha256[65], char *err)
{
	struct st_csv *c = NULL;
	char *text;
	size_t len;
	int ret;

	*units = NULL;
	*n = 0;
	if (!dir)
		dir = st_data_dir();
	ret = st_read_file(path, &text, &len, err);
	if (ret)
		return ret;
	st_sha256_hex(text, len, sha256);      /* the bytes parsed are the bytes hashed */
	ret = st_csv_parse(path, text, len, 0, &c, err);
	free(text);
	if (ret)
		return ret;
	if (c->nrecords < 2) {
		ret = st_fail(err, ST_ERR_PARSE, "%s:%d: %s", path, c->nrecords ? c->rec[0].line + 1 : 1,
			      c->nrecords ? "no unit after the header" : "empty file: no header");
		goto out_csv;
	}
	if (c->nrecords - 1 > 10000) {
		ret = st_fail(err, ST_ERR_PARSE, "%s:%d: more than 10000 units in one batch", path,
			      c->rec[10001].line);
		goto out_csv;
	}
	*units = calloc((size_t)c->nrecords - 1, sizeof(**units));
	if (!*units) {
		ret = st_fail(err, ST_ERR_MEM, "%s: out of memory", path);
		goto out_csv;
	}
	ret = rows_check(path, c, dir, t, *units, err);
	if (ret) {
		free(*units);
		*units = NULL;
	} else {
		*n = c->nrecords - 1;
	}
out_csv:
	st_csv_free(c);
	return ret;
}
