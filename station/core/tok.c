/*
 * tok.c - the data-file tokenizer (tok.h).  The file's bytes are walked
 * one line at a time: the line is checked (length, encoding, control
 * characters), copied into a line buffer and split there in place, strings
 * unescaped where they stand.  Columns are counted in characters: the
 * number of bytes before the position that do not continue a UTF-8
 * sequence, plus one.  Nothing here knows a keyword.
 */
#include "tok.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "st.h"

struct st_tok {
	char *name;                /* file name for messages (copy) */
	const char *buf;           /* the bytes being read */
	size_t len;                /* ... how many */
	char *owned;               /* buf when st_tok_load read it, else NULL */
	size_t pos;                /* offset of the next line */
	int line;                  /* line last returned or refused */
	int done;                  /* every line was handed out */
	char punct[16];            /* characters that are words of their own */
	const char *orig;          /* current line in buf, for columns */
	char lbuf[ST_TOK_MAX_LINE + 1];          /* current line, split in place */
	char pstore[ST_TOK_MAX_WORDS][2];        /* text of punctuation words */
	struct st_word words[ST_TOK_MAX_WORDS];  /* words of the current line */
};

int st_tok_open(struct st_tok **out, const char *name, const char *buf, size_t len,
		const struct st_tok_opts *opts, char *err)
{
	struct st_tok *t;

	*out = NULL;
	if (!buf && len)
		return st_fail(err, ST_ERR_ARG, "st_tok_open: no bytes");
	t = calloc(1, sizeof(*t));
	if (!t)
		return st_fail(err, ST_ERR_MEM, "%s: out of memory", name ? name : "(data)");
	t->name = strdup(name ? name : "(data)");
	if (!t->name) {
		free(t);
		return st_fail(err, ST_ERR_MEM, "out of memory");
	}
	t->buf = buf ? buf : "";
	t->len = len;
	if (opts && opts->punct)
		st_strlcpy(t->punct, opts->punct, sizeof(t->punct));
	*out = t;
	return ST_OK;
}

int st_tok_load(struct st_tok **out, const char *path, const struct st_tok_opts *opts,
		char *err)
{
	char *text = NULL;
	size_t len = 0;
	int ret;

	*out = NULL;
	ret = st_read_file(path, &text, &len, err);
	if (ret != ST_OK)
		return ret;
	ret = st_tok_open(out, path, text, len, opts, err);
	if (ret != ST_OK) {
		free(text);
		return ret;
	}
	(*out)->owned = text;
	return ST_OK;
}

void st_tok_close(struct st_tok *t)
{
	if (!t)
		return;
	free(t->owned);
	free(t->name);
	free(t);
}

int st_tok_line(const struct st_tok *t)
{
	return t->line ? t->line : 1;
}

const char *st_tok_name(const struct st_tok *t)
{
	return t->name;
}

const char *st_tok_bytes(const struct st_tok *t, size_t *len)
{
	if (len)
		*len = t->len;
	return t->buf;
}

static int vfail(const struct st_tok *t, int line, int col, char *err, const char *fmt,
		 va_list ap)
{
	char msg[ST_ERRLEN];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	return st_fail(err, ST_ERR_PARSE, "%s:%d:%d: %s", t->name, line, col, msg);
}

int st_tok_fail(const struct st_tok *t, int line, int col, char *err, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vfail(t, line, col, err, fmt, ap);
	va_end(ap);
	return ret;
}

int st_tok_failw(const struct st_tok *t, const struct st_word *w, char *err,
		 const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vfail(t, w->line, w->col, err, fmt, ap);
	va_end(ap);
	return ret;
}

int st_tok_once(const struct st_tok *t, const struct st_word *w, int *first, char *err)
{
	if (*first)
		return st_tok_failw(t, w, err, "duplicate '%s' (first on line %d)", w->s, *first);
	*first = w->line;
	return ST_OK;
}

/* ---- encoding ----------------------------------------------------------- */

/* Column of byte offset off in s. */
static int col_of(const char *s, size_t off)
{
	size_t c = 1;

	for (size_t i = 0; i < off; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			c++;
	return c > 0x7fffffff ? 0x7fffffff : (int)c;
}

/* Length of the UTF-8 sequence at s (at most n bytes) and its code point,
 * or 0 if it is not a valid, shortest-form sequence. */
static size_t utf8_seq(const unsigned char *s, size_t n, unsigned *cp)
{
	unsigned c = s[0], lo = 0x80, hi = 0xbf;
	size_t need;

	if (c >= 0xc2 && c <= 0xdf) {
		need = 1;
		*cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		need = 2;
		*cp = c & 0x0f;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;   /* no surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 3;
		*cp = c & 0x07;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;   /* nothing above U+10FFFF */
	} else {
		return 0;
	}
	if (n < need + 1)
		return 0;
	for (size_t k = 1; k <= need; k++) {
		unsigned b = s[k];

		if (b < (k == 1 ? lo : 0x80) || b > (k == 1 ? hi : 0xbf))
			return 0;
		*cp = (*cp << 6) | (b & 0x3f);
	}
	return need + 1;
}

/* C1 controls, line and paragraph separators, bidirectional controls. */
static int bad_code_point(unsigned cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029 ||
	       (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) ||
	       cp == 0x200e || cp == 0x200f || cp == 0x061c;
}

int st_tok_check_text(const char *s, size_t len, int *col, char *why, size_t whylen)
{
	const unsigned char *u = (const unsigned char *)s;

	for (size_t i = 0; i < len;) {
		unsigned c = u[i], cp = 0;
		size_t k;

		if (c == 0) {
			*col = col_of(s, i);
			snprintf(why, whylen, "NUL byte");
			return ST_ERR_PARSE;
		}
		if ((c < 0x20 && c != '\t' && c != '\r') || c == 0x7f) {
			*col = col_of(s, i);
			snprintf(why, whylen, "control character 0x%02x", c);
			return ST_ERR_PARSE;
		}
		if (c < 0x80) {
			i++;
			continue;
		}
		k = utf8_seq(u + i, len - i, &cp);
		if (!k) {
			*col = col_of(s, i);
			snprintf(why, whylen, "invalid UTF-8 (byte 0x%02x)", c);
			return ST_ERR_PARSE;
		}
		if (bad_code_point(cp)) {
			*col = col_of(s, i);
			snprintf(why, whylen, "control character U+%04X", cp);
			return ST_ERR_PARSE;
		}
		i += k;
	}
	return ST_OK;
}

/* ---- splitting ---------------------------------------------------------- */

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static int is_punct(const struct st_tok *t, char c)
{
	return c && strchr(t->punct, c) != NULL;
}

/* A quoted string starting at lbuf[i] (the quote); sets *next past it. */
static int split_string(struct st_tok *t, size_t i, size_t ll, size_t *next,
			struct st_word *w, char *err)
{
	char *l = t->lbuf;
	size_t j = i + 1, o = i + 1;

	for (;;) {
		if (j >= ll)
			return st_tok_fail(t, t->line, col_of(t->orig, i), err, "unterminated string");
		if (l[j] == '\\') {
			if (j + 1 < ll && (l[j + 1] == '"' || l[j + 1] == '\\')) {
				l[o++] = l[j + 1];
				j += 2;
				continue;
			}
			return st_tok_fail(t, t->line, col_of(t->orig, j), err,
					   "bad escape in string (only \\\" and \\\\)");
		}
		if (l[j] == '"')
			break;
		l[o++] = l[j++];
	}
	/* check what follows before the terminator overwrites anything */
	if (j + 1 < ll && !is_blank(l[j + 1]) && l[j + 1] != '#' && !is_punct(t, l[j + 1]))
		return st_tok_fail(t, t->line, col_of(t->orig, j + 1), err,
				   "no space after closing quote");
	l[o] = '\0';
	w->s = l + i + 1;
	w->quoted = 1;
	*next = j + 1;
	return ST_OK;
}

static int split_line(struct st_tok *t, size_t ll, int *nout, char *err)
{
	char *l = t->lbuf;
	size_t i = 0;
	int n = 0;

	while (i < ll) {
		struct st_word *w = &t->words[n];

		if (is_blank(l[i])) {
			i++;
			continue;
		}
		if (l[i] == '#')
			break;
		if (n == ST_TOK_MAX_WORDS)
			return st_tok_fail(t, t->line, col_of(t->orig, i), err,
					   "too many words on one line (max %d)", ST_TOK_MAX_WORDS);
		w->line = t->line;
		w->col = col_of(t->orig, i);
		w->quoted = 0;
		if (l[i] == '"') {
			if (split_string(t, i, ll, &i, w, err))
				return ST_ERR_PARSE;
			n++;
			continue;
		}
		if (is_punct(t, l[i])) {
			t->pstore[n][0] = l[i];
			t->pstore[n][1] = '\0';
			w->s = t->pstore[n];
			n++;
			i++;
			continue;
		}
		w->s = l + i;
		while (i < ll && !is_blank(l[i]) && l[i] != '#' && !is_punct(t, l[i])) {
			if (l[i] == '"')
				return st_tok_fail(t, t->line, col_of(t->orig, i), err,
						   "quote inside a word");
			i++;
		}
		n++;
		if (i < ll && is_punct(t, l[i])) {
			/* keep the punctuation: it is the next word */
			char p = l[i];

			l[i] = '\0';
			if (n == ST_TOK_MAX_WORDS)
				return st_tok_fail(t, t->line, col_of(t->orig, i), err,
						   "too many words on one line (max %d)",
						   ST_TOK_MAX_WORDS);
			t->words[n] = (struct st_word){ t->pstore[n], 0, t->line, col_of(t->orig, i) };
			t->pstore[n][0] = p;
			t->pstore[n][1] = '\0';
			n++;
			i++;
		} else if (i < ll) {
			char d = l[i];

			l[i++] = '\0';
			if (d == '#')
				break;
		}
	}
	l[ll] = '\0';
	*nout = n;
	return ST_OK;
}

int st_tok_next(struct st_tok *t, struct st_word **words, int *n, char *err)
{
	while (!t->done && t->pos < t->len) {
		const char *line = t->buf + t->pos;
		const char *nl = memchr(line, '\n', t->len - t->pos);
		size_t ll = nl ? (size_t)(nl - line) : t->len - t->pos;
		char why[64];
		int col, nw = 0;

		t->pos += ll + 1;
		if (t->pos >= t->len)
			t->done = 1;
		if (t->line < 0x7fffffff)
			t->line++;
		if (ll > ST_TOK_MAX_LINE) {
			if (st_tok_check_text(line, ST_TOK_MAX_LINE, &col, why, sizeof(why)))
				return st_tok_fail(t, t->line, col, err, "%s", why);
			return st_tok_fail(t, t->line, col_of(line, ST_TOK_MAX_LINE), err,
					   "line too long (max %d characters)", ST_TOK_MAX_LINE);
		}
		if (st_tok_check_text(line, ll, &col, why, sizeof(why)))
			return st_tok_fail(t, t->line, col, err, "%s", why);
		t->orig = line;
		memcpy(t->lbuf, line, ll);
		t->lbuf[ll] = '\0';
		if (split_line(t, ll, &nw, err))
			return ST_ERR_PARSE;
		if (nw == 0)
			continue;
		*words = t->words;
		*n = nw;
		return 1;
	}
	t->done = 1;
	return 0;
}
