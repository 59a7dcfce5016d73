/*
 * csv.c - the strict RFC 4180 reader of csv.h.  One pass over the text, a
 * small state machine per field; every refusal names file:line:col.
 */
#include "core/csv.h"

#include <stdlib.h>
#include <string.h>

#include "core/enc.h"
#include "core/st.h"

/* Parser position and the record being built. */
struct csv_p {
	const char *path;
	const unsigned char *s;   /* text */
	size_t len, i;            /* length, read position */
	int line, col;            /* of position i, 1-based */
	unsigned flags;
	char field[ST_CSV_MAX_FIELD + 1];
	size_t flen;
	struct st_csv_record cur; /* record under construction */
	struct st_csv *out;
	int caprec;
};

static int perr(struct csv_p *p, int line, int col, const char *what, char *err)
{
	return st_fail(err, ST_ERR_PARSE, "%s:%d:%d: %s", p->path, line, col, what);
}

static void rec_free(struct st_csv_record *r)
{
	for (int i = 0; i < r->nfields; i++)
		free(r->field[i]);
	free(r->field);
	memset(r, 0, sizeof(*r));
}

void st_csv_free(struct st_csv *c)
{
	if (!c)
		return;
	for (int i = 0; i < c->nrecords; i++)
		rec_free(&c->rec[i]);
	free(c->rec);
	free(c);
}

/* Valid UTF-8 sequence length at s (n bytes left), 0 if invalid: one
 * decoder for the whole station (st_utf8_next), given at most 4 bytes and
 * a NUL so that it never reads past the text. */
static int utf8_seq(const unsigned char *s, size_t n)
{
	char b[5] = { 0 };
	long cp;
	int len;

	memcpy(b, s, n < 4 ? n : 4);
	len = st_utf8_next(b, &cp);
	return cp < 0 ? 0 : len;
}

static int field_add(struct csv_p *p, const unsigned char *c, int n, char *err)
{
	if (p->flen + (size_t)n > ST_CSV_MAX_FIELD)
		return perr(p, p->line, p->col, "field longer than 4096 bytes", err);
	memcpy(p->field + p->flen, c, (size_t)n);
	p->flen += (size_t)n;
	return ST_OK;
}

static int field_end(struct csv_p *p, char *err)
{
	char **nf, *f;

	if (p->cur.nfields == ST_CSV_MAX_FIELDS)
		return perr(p, p->line, p->col, "more than 64 fields in a record", err);
	f = malloc(p->flen + 1);
	nf = realloc(p->cur.field, (size_t)(p->cur.nfields + 1) * sizeof(*nf));
	if (!f || !nf) {
		free(f);
		if (nf)
			p->cur.field = nf;
		return st_fail(err, ST_ERR_MEM, "%s: out of memory", p->path);
	}
	memcpy(f, p->field, p->flen);
	f[p->flen] = '\0';
	p->cur.field = nf;
	p->cur.field[p->cur.nfields++] = f;
	p->flen = 0;
	return ST_OK;
}

static int record_end(struct csv_p *p, char *err)
{
	struct st_csv_record *nr;

	if (p->out->nrecords == p->caprec) {
		int ncap = p->caprec ? p->caprec * 2 : 64;

		nr = realloc(p->out->rec, (size_t)ncap * sizeof(*nr));
		if (!nr)
			return st_fail(err, ST_ERR_MEM, "%s: out of memory", p->path);
		p->out->rec = nr;
		p->caprec = ncap;
	}
	p->out->rec[p->out->nrecords++] = p->cur;
	memset(&p->cur, 0, sizeof(p->cur));
	return ST_OK;
}

/* Check and take one byte (or UTF-8 sequence) of content at p->i. */
static int take(struct csv_p *p, char *err)
{
	const unsigned char *c = p->s + p->i;
	int n;

	if (*c == '\0')
		return perr(p, p->line, p->col, "NUL byte", err);
	if (*c == '\r') {
		if (!(p->flags & ST_CSV_ALLOW_CRLF) || p->i + 1 >= p->len || c[1] != '\n')
			return perr(p, p->line, p->col,
				    "carriage return (CRLF or CR line end): save the file with LF line ends", err);
		p->i++;                          /* CR LF: keep the LF */
		c++;
	}
	n = utf8_seq(c, p->len - p->i);
	if (!n)
		return perr(p, p->line, p->col, "invalid UTF-8", err);
	if (field_add(p, c, n, err))
		return ST_ERR_PARSE;
	if (*c == '\n') {
		p->line++;
		p->col = 1;
	} else {
		p->col++;
	}
	p->i += (size_t)n;
	return ST_OK;
}

/* A quoted field: from the opening quote to the character after the
 * closing one. */
static int quoted(struct csv_p *p, char *err)
{
	int qline = p->line, qcol = p->col;

	p->i++;
	p->col++;
	for (;;) {
		if (p->i >= p->len)
			return perr(p, qline, qcol, "quote opened here is never closed", err);
		if (p->s[p->i] == '"') {
			if (p->i + 1 < p->len && p->s[p->i + 1] == '"') {
				if (field_add(p, (const unsigned char *)"\"", 1, err))
					return ST_ERR_PARSE;
				p->i += 2;
				p->col += 2;
				continue;
			}
			p->i++;
			p->col++;
			if (p->i < p->len && p->s[p->i] != ',' && p->s[p->i] != '\n' &&
			    !(p->s[p->i] == '\r' && (p->flags & ST_CSV_ALLOW_CRLF)))
				return perr(p, p->line, p->col, "text after a closing quote", err);
			return ST_OK;
		}
		if (take(p, err))
			return ST_ERR_PARSE;
	}
}

/* An unquoted field up to the comma or line end. */
static int unquoted(struct csv_p *p, char *err)
{
	while (p->i < p->len && p->s[p->i] != ',' && p->s[p->i] != '\n') {
		if (p->s[p->i] == '"')
			return perr(p, p->line, p->col,
				    "quote inside an unquoted field (quote the whole field and double the quote)",
				    err);
		if (p->s[p->i] == '\r' && (p->flags & ST_CSV_ALLOW_CRLF) && p->i + 1 < p->len &&
		    p->s[p->i + 1] == '\n') {
			p->i++;
			break;
		}
		if (take(p, err))
			return ST_ERR_PARSE;
	}
	return ST_OK;
}

static int parse_all(struct csv_p *p, char *err)
{
	int ret, blank;

	while (p->i < p->len) {
		p->cur.line = p->line;
		blank = 1;
		for (;;) {                        /* fields of one record */
			if (p->i < p->len && p->s[p->i] == '"') {
				blank = 0;
				ret = quoted(p, err);
			} else {
				size_t at = p->i;

				ret = unquoted(p, err);
				if (p->i != at)
					blank = 0;
			}
			if (!ret)
				ret = field_end(p, err);
			if (ret)
				return ret;
			if (p->i < p->len && p->s[p->i] == ',') {
				blank = 0;
				p->i++;
				p->col++;
				continue;
			}
			break;
		}
		if (p->i < p->len) {                /* the line end */
			p->i++;
			p->line++;
			p->col = 1;
		}
		if (blank) {
			rec_free(&p->cur);
			continue;
		}
		ret = record_end(p, err);
		if (ret)
			return ret;
	}
	return ST_OK;
}

int st_csv_parse(const char *path, const char *text, size_t len, unsigned flags,
		 struct st_csv **out, char *err)
{
	struct csv_p *p;
	int ret;

	*out = NULL;
	if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3)) {
		if (!(flags & ST_CSV_ALLOW_BOM))
			return st_fail(err, ST_ERR_PARSE,
				       "%s:1:1: byte-order mark (BOM) at the start: save as UTF-8 without BOM", path);
		text += 3;
		len -= 3;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return st_fail(err, ST_ERR_MEM, "%s: out of memory", path);
	p->out = calloc(1, sizeof(*p->out));
	if (!p->out) {
		free(p);
		return st_fail(err, ST_ERR_MEM, "%s: out of memory", path);
	}
	p->path = path;
	p->s = (const unsigned char *)text;
	p->len = len;
	p->line = p->col = 1;
	p->flags = flags;
	ret = parse_all(p, err);
	rec_free(&p->cur);
	if (ret)
		st_csv_free(p->out);
	else
		*out = p->out;
	free(p);
	return ret;
}

int st_csv_read(const char *path, unsigned flags, struct st_csv **out, char *err)
{
	char *text;
	size_t len;
	int ret;

	ret = st_read_file(path, &text, &len, err);
	if (ret)
		return ret;
	ret = st_csv_parse(path, text, len, flags, out, err);
	free(text);
	return ret;
}
