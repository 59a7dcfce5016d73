/*
 * html.h - the building blocks of the station's HTML reports: a growable
 * text buffer, the HTML escaper every outside text goes through, and the
 * report templates kept as data in reports/ (docs/reports.md).
 *
 * A template is an HTML file with placeholders `{{name}}` (lower-case
 * letters, digits and '_').  Each placeholder is filled with either text,
 * which is HTML-escaped, or a fragment the station rendered itself (tables,
 * inline SVG), which is inserted as is.  A template naming a placeholder the
 * report does not know, or a malformed one, is refused with file:line:col,
 * so a site's restyled template cannot silently lose a section.
 */
#ifndef ST_REPORT_HTML_H
#define ST_REPORT_HTML_H

#include <stddef.h>

#include "core/st.h"

/* Growable NUL-terminated text.  A failed allocation sets oom and further
 * appends do nothing; st_sbuf_ok() tells at the end. */
struct st_sbuf {
	char *p;     /* text, NUL-terminated (NULL while empty) */
	size_t len;  /* bytes used, without the NUL */
	size_t cap;  /* bytes allocated */
	int oom;     /* an allocation failed: the text is incomplete */
};

void st_sbuf_free(struct st_sbuf *b);
void st_sbuf_add(struct st_sbuf *b, const char *s, size_t n);
void st_sbuf_puts(struct st_sbuf *b, const char *s);
void st_sbuf_printf(struct st_sbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Append s HTML-escaped by st_html_dup (core/enc.h: & < > " ' as entities,
 * invalid UTF-8 and control characters but tab, LF and CR as U+FFFD), safe
 * in text and in quoted attribute values. */
void st_sbuf_html(struct st_sbuf *b, const char *s);
/* The text so far ("" when empty); ST_ERR_MEM if an allocation failed. */
const char *st_sbuf_str(const struct st_sbuf *b);
int st_sbuf_ok(const struct st_sbuf *b, char *err);

/* One placeholder's value. */
struct st_tpl_var {
	const char *name;   /* placeholder name, without braces */
	const char *value;  /* NULL = "" */
	int raw;            /* 1: a fragment rendered by the station, inserted as is;
			     * 0: outside text, HTML-escaped */
};

/* Check a template: every placeholder well formed and one of names[]
 * (n of them).  path names the file in errors (file:line:col). */
int st_tpl_check(const char *path, const char *text, const char *const *names, int n, char *err);
/* Fill the template into out.  Every placeholder must have a var. */
int st_tpl_render(const char *path, const char *text, const struct st_tpl_var *vars, int nvars,
		  struct st_sbuf *out, char *err);

/* Load reports/<name> from the data directory (dir NULL = st_data_dir()),
 * e.g. "run.html", "report.css".  A stylesheet must not contain "</"
 * (it is inlined into <style>); refused with file:line:col. */
int st_report_asset(const char *dir, const char *name, char **text, char *path_out,
		    size_t path_size, char *err);

#endif
