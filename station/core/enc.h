/*
 * enc.h - output encoders that cannot emit invalid output, and the checks
 * that text from outside passes at the door.
 *
 * Every text the station prints or writes may have come from outside (a
 * scanned serial, an operator name, a fixture's reply, a data file).  Each
 * output format has one encoder here, and each takes any byte string:
 *
 *   JSON      jansson values; invalid UTF-8 becomes U+FFFD before jansson
 *             sees it (jansson refuses it), controls are \u-escaped.
 *   XML 1.0   text and attribute escaping; invalid UTF-8 and characters
 *             XML 1.0 does not allow (C0 controls but TAB LF CR, U+FFFE,
 *             U+FFFF) become U+FFFD; in attributes TAB LF CR become
 *             character references so they survive attribute normalisation.
 *   terminal  C0 and C1 controls (ESC, BEL, CR, LF, TAB...), DEL, bidi
 *             overrides and invalid UTF-8 become U+FFFD, so outside text can
 *             neither move the cursor nor start a line of its own.
 *   HTML      & < > " ' as entities; invalid UTF-8 and C0 controls but TAB
 *             LF CR become U+FFFD.
 *
 * The door: st_serial_check() (the serial alphabet, docs/cli.md) and
 * st_name_check() (operator and station names).  Both refuse, never cut.
 */
#ifndef ST_ENC_H
#define ST_ENC_H

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

/* --- UTF-8 --- */

/* Decode the code point at s (not at its NUL): returns the bytes it takes
 * (1..4) and sets *cp, or returns 1 with *cp = -1 for a byte that starts no
 * valid sequence (overlong forms, surrogates and > U+10FFFF are invalid). */
int st_utf8_next(const char *s, long *cp);
/* 1 if all of s is valid UTF-8. */
int st_utf8_valid(const char *s);
/* malloc'd copy of s (NULL: "") with each invalid byte replaced by U+FFFD;
 * NULL when out of memory. */
char *st_utf8_fix(const char *s);

/* --- JSON (jansson) --- */

/* A JSON string of s (NULL: ""), invalid UTF-8 replaced; NULL if out of memory. */
json_t *st_json_text(const char *s);
/* A JSON number, null if v is not finite; as printf would write it:
 * decimals >= 0 rounds to that many places (like %.Nf) and always writes a
 * real (10.0); decimals < 0 rounds to -decimals significant digits (like
 * %.Ng; -15 keeps a double's value as far as anyone reads it) and writes a
 * whole number as an integer (10). */
json_t *st_json_num(double v, int decimals);
/* Set obj[key]; 0, or -1 when out of memory.  Keys are ours, never outside text. */
int st_json_set_text(json_t *obj, const char *key, const char *s);
int st_json_set_num(json_t *obj, const char *key, double v, int decimals);
int st_json_set_int(json_t *obj, const char *key, long long v);
/* Write v as one compact line plus '\n' and flush; takes the reference
 * (v may be NULL: an out-of-memory that is reported).  0, or ST_ERR_IO /
 * ST_ERR_MEM. */
int st_json_put(FILE *f, json_t *v);

/* --- XML 1.0 --- */

/* Write s (NULL: "") as XML character data (attr 0) or an attribute value
 * between double quotes (attr 1). */
void st_xml_put(FILE *f, const char *s, int attr);

/* --- terminal --- */

/* Copy s (NULL: "") into dst (size n > 0, always terminated, never a cut
 * sequence) fit for a terminal; returns dst, for use as a printf argument. */
char *st_term_clean(char *dst, size_t n, const char *s);
/* malloc'd terminal-clean copy of s of any length; NULL if out of memory. */
char *st_term_dup(const char *s);
/* Write s terminal-clean, however long. */
void st_term_put(FILE *f, const char *s);

/* --- HTML --- */

void st_html_put(FILE *f, const char *s);
/* malloc'd escaped copy; NULL if out of memory. */
char *st_html_dup(const char *s);

/* --- the door --- */

/* A serial is 1 to ST_SERIAL_MAX characters of A-Z a-z 0-9 . _ - and starts
 * with a letter or a digit (what barcode serials use).  ST_OK, or ST_ERR_ARG
 * with a one-line reason in err (which quotes the serial terminal-clean). */
#define ST_SERIAL_MAX 32
int st_serial_check(const char *s, char *err);

/* Operator and station names: 1 to ST_NAME_MAX bytes of printable UTF-8
 * (no control characters, no invalid UTF-8).  what names the option in the
 * message ("--operator").  ST_OK or ST_ERR_ARG. */
#define ST_NAME_MAX 63
int st_name_check(const char *what, const char *s, char *err);

#endif
