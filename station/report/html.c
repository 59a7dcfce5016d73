/*
 * html.c - growable text buffer, HTML escaper and report templates
 * (html.h).  st_sbuf_html() is the gate every outside text (serials,
 * operator names, CSV notes, model strings, fixture replies) passes through
 * on its way into a report; it uses the project's HTML encoder (core/enc.h).
 */
#include "report/html.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/enc.h"
#include "model/model.h"

void st_sbuf_free(struct st_sbuf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

static int sbuf_grow(struct st_sbuf *b, size_t need)
{
	size_t cap;
	char *p;

	if (b->oom)
		return -1;
	if (b->len + need + 1 <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 1024;
	while (cap < b->len + need + 1)
		cap *= 2;
	p = realloc(b->p, cap);
	if (!p) {
		b->oom = 1;
		return -1;
	}
	b->p = p;
	b->cap = cap;
	return 0;
}

void st_sbuf_add(struct st_sbuf *b, const char *s, size_t n)
{
	if (sbuf_grow(b, n))
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void st_sbuf_puts(struct st_sbuf *b, const char *s)
{
	st_sbuf_add(b, s, strlen(s));
}

void st_sbuf_printf(struct st_sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || sbuf_grow(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void st_sbuf_html(struct st_sbuf *b, const char *s)
{
	char *e = st_html_dup(s);   /* the project's one HTML encoder (core/enc.h) */

	if (!e) {
		b->oom = 1;
		return;
	}
	st_sbuf_puts(b, e);
	free(e);
}

const char *st_sbuf_str(const struct st_sbuf *b)
{
	return b->p ? b->p : "";
}

int st_sbuf_ok(const struct st_sbuf *b, char *err)
{
	if (b->oom)
		return st_fail(err, ST_ERR_MEM, "out of memory while rendering the report");
	return ST_OK;
}

/* Position of p in text as line:col (1-based). */
static void text_pos(const char *text, const char *p, int *line, int *col)
{
	*line = 1;
	*col = 1;
	for (const char *q = text; q < p; q++) {
		if (*q == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

/* Parse the placeholder at p ("{{"): its name into name (size 48) and the
 * text after it into *end.  ST_ERR_PARSE with file:line:col otherwise. */
static int tpl_name(const char *path, const char *text, const char *p, char name[48],
		    const char **end, char *err)
{
	const char *q = p + 2;
	size_t n = 0;
	int line, col;

	while (*q && (islower((unsigned char)*q) || isdigit((unsigned char)*q) || *q == '_')) {
		if (n + 1 >= 48)
			break;
		name[n++] = *q++;
	}
	name[n] = '\0';
	if (!n || q[0] != '}' || q[1] != '}') {
		text_pos(text, p, &line, &col);
		return st_fail(err, ST_ERR_PARSE,
			       "%s:%d:%d: malformed placeholder: write {{name}} with a-z, 0-9 and _",
			       path, line, col);
	}
	*end = q + 2;
	return ST_OK;
}

int st_tpl_check(const char *path, const char *text, const char *const *names, int n, char *err)
{
	const char *p = text, *end;
	char name[48];
	int line, col, known, ret;

	while ((p = strstr(p, "{{"))) {
		ret = tpl_name(path, text, p, name, &end, err);
		if (ret)
			return ret;
		known = 0;
		for (int i = 0; i < n && !known; i++)
			known = !strcmp(names[i], name);
		if (!known) {
			text_pos(text, p, &line, &col);
			return st_fail(err, ST_ERR_PARSE, "%s:%d:%d: unknown placeholder {{%s}}", path,
				       line, col, name);
		}
		p = end;
	}
	return ST_OK;
}

int st_tpl_render(const char *path, const char *text, const struct st_tpl_var *vars, int nvars,
		  struct st_sbuf *out, char *err)
{
	const char *p = text, *q, *end;
	const struct st_tpl_var *v;
	char name[48];
	int line, col, ret;

	while ((q = strstr(p, "{{"))) {
		st_sbuf_add(out, p, (size_t)(q - p));
		ret = tpl_name(path, text, q, name, &end, err);
		if (ret)
			return ret;
		v = NULL;
		for (int i = 0; i < nvars && !v; i++)
			if (!strcmp(vars[i].name, name))
				v = &vars[i];
		if (!v) {
			text_pos(text, q, &line, &col);
			return st_fail(err, ST_ERR_PARSE, "%s:%d:%d: unknown placeholder {{%s}}", path,
				       line, col, name);
		}
		if (v->raw)
			st_sbuf_puts(out, v->value ? v->value : "");
		else
			st_sbuf_html(out, v->value);
		p = end;
	}
	st_sbuf_puts(out, p);
	return st_sbuf_ok(out, err);
}

int st_report_asset(const char *dir, const char *name, char **text, char *path_out,
		    size_t path_size, char *err)
{
	char path[1024];
	const char *bad;
	size_t len;
	int ret, line, col;

	snprintf(path, sizeof(path), "%s/reports/%s", dir ? dir : st_data_dir(), name);
	if (path_out)
		st_strlcpy(path_out, path, path_size);
	ret = st_read_file(path, text, &len, err);
	if (ret)
		return ret;
	if (strlen(*text) != len) {
		free(*text);
		*text = NULL;
		return st_fail(err, ST_ERR_PARSE, "%s: contains a NUL byte", path);
	}
	len = strlen(name);
	if (len > 4 && !strcmp(name + len - 4, ".css") && (bad = strstr(*text, "</"))) {
		text_pos(*text, bad, &line, &col);
		free(*text);
		*text = NULL;
		return st_fail(err, ST_ERR_PARSE,
			       "%s:%d:%d: a stylesheet may not contain \"</\" (it is inlined into <style>)",
			       path, line, col);
	}
	return ST_OK;
}
