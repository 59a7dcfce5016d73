/*
 * tok.h - the one tokenizer of every line-oriented data file: model files,
 * limit files, plan files, audio bench files (.audio), fixture files
 * (.fixture), and any configuration file written in the same family.
 *
 * A file is taken whole (bytes and length, so a NUL byte cannot hide the
 * rest of it) and handed out one line of words at a time.  Every line is
 * checked before it is split: no NUL byte, no control character other than
 * tab and CR (C1 controls and the bidirectional overrides included), valid
 * UTF-8 (no overlong forms, no surrogates), at most ST_TOK_MAX_LINE bytes
 * and ST_TOK_MAX_WORDS words.  Words are separated by blanks; `#` starts a
 * comment outside strings; "quoted strings" keep their blanks and know two
 * escapes, \" and \\ (any other backslash is an error); a closing quote
 * must be followed by a blank, a comment, a punctuation word or the end of
 * the line; a quote inside a word is an error.  Every word carries its
 * line and column (1-based; the column counts characters, not bytes), and
 * every error is one line "file:line:col: message".  The rules for users
 * are in docs/data-files.md.
 */
#ifndef ST_TOK_H
#define ST_TOK_H

#include <stddef.h>

#define ST_TOK_MAX_WORDS 32     /* words on one line */
#define ST_TOK_MAX_LINE 1024    /* bytes on one line, without the newline */

/* One word of a line. */
struct st_word {
	char *s;         /* NUL-terminated text, unescaped (the caller may edit it in
			  * place); valid until the next line */
	int quoted;      /* 1: it was written as a "quoted string" */
	int line;        /* 1-based line number */
	int col;         /* 1-based column (characters) of its first character,
			  * the opening quote for a string */
};

/* Per-format options; a NULL options pointer means all defaults. */
struct st_tok_opts {
	const char *punct;   /* characters that are words of their own wherever
			      * they stand outside strings (plans: ","); NULL: none */
};

struct st_tok;           /* opaque: one file being read */

/* Tokenize len bytes of buf (borrowed: it must outlive the tokenizer).
 * name is used in messages. */
int st_tok_open(struct st_tok **out, const char *name, const char *buf, size_t len,
		const struct st_tok_opts *opts, char *err);
/* Read the file at path whole and tokenize it (the tokenizer owns the
 * bytes).  ST_ERR_NOTFOUND / ST_ERR_IO with "path: reason" in err. */
int st_tok_load(struct st_tok **out, const char *path, const struct st_tok_opts *opts,
		char *err);
void st_tok_close(struct st_tok *t);

/* The next line that has at least one word: *words (n of them) stay valid
 * until the next call.  Returns 1 for a line, 0 at the end of the file, or
 * ST_ERR_PARSE with "file:line:col: message" in err; after an error the
 * bad line is skipped, so a caller that lists every problem may go on. */
int st_tok_next(struct st_tok *t, struct st_word **words, int *n, char *err);

/* Line number of the line last returned (or refused); at the end of the
 * file, the number of the file's last line (1 for an empty file). */
int st_tok_line(const struct st_tok *t);
const char *st_tok_name(const struct st_tok *t);
/* The bytes being tokenized. */
const char *st_tok_bytes(const struct st_tok *t, size_t *len);

/* Fill err with "file:line:col: message" and return ST_ERR_PARSE. */
int st_tok_fail(const struct st_tok *t, int line, int col, char *err, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* The same, at word w. */
int st_tok_failw(const struct st_tok *t, const struct st_word *w, char *err,
		 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* A keyword that may appear once: *first is 0 until keyword word w is seen,
 * then the line it was seen on.  A second one is ST_ERR_PARSE
 * "duplicate 'KW' (first on line N)" at w. */
int st_tok_once(const struct st_tok *t, const struct st_word *w, int *first, char *err);

/* Check len bytes of text as the tokenizer checks a line (UTF-8, no NUL,
 * no control character): ST_OK, or ST_ERR_PARSE with *col (1-based
 * character column) and a message ("invalid UTF-8 (byte 0xff)") in why. */
int st_tok_check_text(const char *s, size_t len, int *col, char *why, size_t whylen);

#endif
