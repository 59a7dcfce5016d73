/*
 * enc.c - the output encoders and the door checks (enc.h).
 *
 * Each encoder walks its input one code point at a time (st_utf8_next) and
 * decides per code point: copy, escape, or replace by U+FFFD.  The pieces go
 * to a sink: a FILE, a fixed buffer (which stops before a piece that would
 * not fit, so no sequence is ever cut) or a growing malloc'd buffer.
 */
#include "enc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "st.h"

#define REPLACEMENT "\xef\xbf\xbd"  /* U+FFFD */

/* Where encoded pieces go. */
struct sink {
	FILE *f;        /* write here, or NULL for a buffer */
	char *buf;      /* the buffer (fixed, or malloc'd when grow) */
	size_t cap;     /* its size in bytes */
	size_t len;     /* bytes used, not counting the terminating NUL */
	int grow;       /* 1: realloc when full */
	int stop;       /* 1: full (fixed) or out of memory (grow) */
};

static void sink_put(struct sink *k, const char *p, size_t n)
{
	if (k->stop)
		return;
	if (k->f) {
		fwrite(p, 1, n, k->f);
		return;
	}
	if (k->len + n + 1 > k->cap) {
		size_t ncap = k->cap ? k->cap : 64;
		char *nb;

		if (!k->grow) {
			k->stop = 1;
			return;
		}
		while (ncap < k->len + n + 1)
			ncap *= 2;
		nb = realloc(k->buf, ncap);
		if (!nb) {
			k->stop = 1;
			return;
		}
		k->buf = nb;
		k->cap = ncap;
	}
	memcpy(k->buf + k->len, p, n);
	k->len += n;
	k->buf[k->len] = '\0';
}

static void sink_str(struct sink *k, const char *s)
{
	sink_put(k, s, strlen(s));
}

/* A growing sink's result, or NULL when it ran out of memory. */
static char *sink_take(struct sink *k)
{
	if (k->stop) {
		free(k->buf);
		return NULL;
	}
	if (!k->buf)
		return strdup("");
	return k->buf;
}

/* --- UTF-8 --- */

int st_utf8_next(const char *str, long *cp)
{
	const unsigned char *s = (const unsigned char *)str;
	long c;
	int n;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		c = s[0] & 0x07;
	} else {
		*cp = -1;
		return 1;
	}
	for (int i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80) {  /* also stops at the NUL */
			*cp = -1;
			return 1;
		}
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff)) {
		*cp = -1;
		return 1;
	}
	*cp = c;
	return n;
}

int st_utf8_valid(const char *s)
{
	long cp;

	while (*s) {
		s += st_utf8_next(s, &cp);
		if (cp < 0)
			return 0;
	}
	return 1;
}

char *st_utf8_fix(const char *s)
{
	struct sink k = { .grow = 1 };
	long cp;
	int n;

	for (s = s ? s : ""; *s; s += n) {
		n = st_utf8_next(s, &cp);
		if (cp < 0)
			sink_str(&k, REPLACEMENT);
		else
			sink_put(&k, s, (size_t)n);
	}
	return sink_take(&k);
}

/* --- JSON --- */

json_t *st_json_text(const char *s)
{
	json_t *j;
	char *fixed;

	if (!s)
		s = "";
	if (st_utf8_valid(s))
		return json_string_nocheck(s);
	fixed = st_utf8_fix(s);
	if (!fixed)
		return NULL;
	j = json_string_nocheck(fixed);
	free(fixed);
	return j;
}

json_t *st_json_num(double v, int decimals)
{
	char buf[64];
	double r;

	if (!isfinite(v))
		return json_null();
	if (decimals >= 0)
		snprintf(buf, sizeof(buf), "%.*f", decimals > 17 ? 17 : decimals, v);
	else
		snprintf(buf, sizeof(buf), "%.*g", decimals < -15 ? 15 : -decimals, v);
	r = strtod(buf, NULL);
	if (r == 0)
		r = 0.0;  /* no "-0.0" */
	/* as printf writes them: %.Ng a whole number without a point, %.Nf with one */
	if (decimals < 0 && r == floor(r) && fabs(r) < 1e15)
		return json_integer((json_int_t)r);
	return json_real(r);
}

static int set_new(json_t *obj, const char *key, json_t *v)
{
	if (!v)
		return -1;
	return json_object_set_new(obj, key, v) ? -1 : 0;
}

int st_json_set_text(json_t *obj, const char *key, const char *s)
{
	return set_new(obj, key, st_json_text(s));
}

int st_json_set_num(json_t *obj, const char *key, double v, int decimals)
{
	return set_new(obj, key, st_json_num(v, decimals));
}

int st_json_set_int(json_t *obj, const char *key, long long v)
{
	return set_new(obj, key, json_integer((json_int_t)v));
}

int st_json_put(FILE *f, json_t *v)
{
	int ret = ST_OK;

	if (!v)
		return ST_ERR_MEM;
	/* 15 significant digits: st_json_num has rounded already */
	if (json_dumpf(v, f, JSON_COMPACT | JSON_REAL_PRECISION(15)) ||
	    fputc('\n', f) == EOF || fflush(f))
		ret = ST_ERR_IO;
	json_decref(v);
	return ret;
}

/* --- XML 1.0 --- */

static int xml_char_ok(long cp)
{
	return cp == 0x9 || cp == 0xa || cp == 0xd || (cp >= 0x20 && cp <= 0xd7ff) ||
	       (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
}

void st_xml_put(FILE *f, const char *s, int attr)
{
	struct sink k = { .f = f };
	long cp;
	int n;

	for (s = s ? s : ""; *s; s += n) {
		n = st_utf8_next(s, &cp);
		if (!xml_char_ok(cp))
			sink_str(&k, REPLACEMENT);
		else if (cp == '<')
			sink_str(&k, "&lt;");
		else if (cp == '>')
			sink_str(&k, "&gt;");
		else if (cp == '&')
			sink_str(&k, "&amp;");
		else if (cp == '"')
			sink_str(&k, "&quot;");
		else if (cp == '\r')
			sink_str(&k, "&#13;");
		else if (attr && cp == '\n')
			sink_str(&k, "&#10;");
		else if (attr && cp == '\t')
			sink_str(&k, "&#9;");
		else
			sink_put(&k, s, (size_t)n);
	}
}

/* --- terminal --- */

/* Code points a terminal must never get from outside text. */
static int term_bad(long cp)
{
	return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f) ||
	       (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

static void term_enc(struct sink *k, const char *s)
{
	long cp;
	int n;

	for (s = s ? s : ""; *s && !k->stop; s += n) {
		n = st_utf8_next(s, &cp);
		if (term_bad(cp))
			sink_str(k, REPLACEMENT);
		else
			sink_put(k, s, (size_t)n);
	}
}

char *st_term_clean(char *dst, size_t n, const char *s)
{
	struct sink k = { .buf = dst, .cap = n };

	if (!n)
		return dst;
	dst[0] = '\0';
	term_enc(&k, s);
	return dst;
}

char *st_term_dup(const char *s)
{
	struct sink k = { .grow = 1 };

	term_enc(&k, s);
	return sink_take(&k);
}

void st_term_put(FILE *f, const char *s)
{
	struct sink k = { .f = f };

	term_enc(&k, s);
}

/* --- HTML --- */

static void html_enc(struct sink *k, const char *s)
{
	long cp;
	int n;

	for (s = s ? s : ""; *s; s += n) {
		n = st_utf8_next(s, &cp);
		if (cp < 0 || (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') || cp == 0x7f)
			sink_str(k, REPLACEMENT);
		else if (cp == '<')
			sink_str(k, "&lt;");
		else if (cp == '>')
			sink_str(k, "&gt;");
		else if (cp == '&')
			sink_str(k, "&amp;");
		else if (cp == '"')
			sink_str(k, "&quot;");
		else if (cp == '\'')
			sink_str(k, "&#39;");
		else
			sink_put(k, s, (size_t)n);
	}
}

void st_html_put(FILE *f, const char *s)
{
	struct sink k = { .f = f };

	html_enc(&k, s);
}

char *st_html_dup(const char *s)
{
	struct sink k = { .grow = 1 };

	html_enc(&k, s);
	return sink_take(&k);
}

/* --- the door --- */

static int serial_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == '-';
}

int st_serial_check(const char *s, char *err)
{
	char shown[64];
	size_t len;

	if (!s || !*s)
		return st_fail(err, ST_ERR_ARG, "the serial is empty");
	len = strlen(s);
	st_term_clean(shown, sizeof(shown), s);
	if (len > ST_SERIAL_MAX)
		return st_fail(err, ST_ERR_ARG, "serial '%s%s' is %zu characters long; a serial has "
			       "at most %d", shown, strlen(shown) < len ? "..." : "", len,
			       ST_SERIAL_MAX);
	for (size_t i = 0; i < len; i++)
		if (!serial_char(s[i]))
			return st_fail(err, ST_ERR_ARG, "serial '%s': character %zu is not allowed; a "
				       "serial is letters, digits, '.', '_' and '-'", shown, i + 1);
	if (!((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z') ||
	      (s[0] >= '0' && s[0] <= '9')))
		return st_fail(err, ST_ERR_ARG, "serial '%s' must start with a letter or a digit",
			       shown);
	return ST_OK;
}

int st_name_check(const char *what, const char *s, char *err)
{
	char shown[48];
	size_t len;
	long cp;
	int n;

	if (!s || !*s)
		return st_fail(err, ST_ERR_ARG, "%s is empty", what);
	len = strlen(s);
	st_term_clean(shown, sizeof(shown), s);
	if (len > ST_NAME_MAX)
		return st_fail(err, ST_ERR_ARG, "%s '%s%s' is %zu bytes long; at most %d bytes of "
			       "UTF-8", what, shown, strlen(shown) < len ? "..." : "", len, ST_NAME_MAX);
	for (const char *p = s; *p; p += n) {
		n = st_utf8_next(p, &cp);
		if (cp < 0)
			return st_fail(err, ST_ERR_ARG, "%s '%s': byte %zu is not valid UTF-8", what,
				       shown, (size_t)(p - s) + 1);
		if (term_bad(cp))
			return st_fail(err, ST_ERR_ARG, "%s '%s': byte %zu is a control character; "
				       "a name is printable text", what, shown, (size_t)(p - s) + 1);
	}
	return ST_OK;
}
