/*
 * csv.h - an RFC 4180 CSV reader for files from outside (batch triage
 * lists, exports read back): records of comma-separated fields, fields
 * optionally in double quotes, a quote inside a quoted field written
 * twice, commas and line breaks allowed inside quotes.
 *
 * Strict by default, because these files are typed or exported by people
 * and a silently misread row tests the wrong unit: a byte-order mark, a
 * carriage return (CRLF line ends), a NUL byte, invalid UTF-8, a quote
 * inside an unquoted field, text after a closing quote and an unclosed
 * quote are refused with file:line:col.  Blank lines are skipped.  Every
 * record remembers the line it starts on, for the caller's own errors.
 */
#ifndef ST_CSV_H
#define ST_CSV_H

#include <stddef.h>

#define ST_CSV_MAX_FIELDS 64      /* fields per record */
#define ST_CSV_MAX_FIELD 4096     /* bytes per field */

/* ST_CSV_ALLOW_CRLF: accept CR LF line ends (RFC 4180's own), still
 * refusing a lone CR; ST_CSV_ALLOW_BOM: skip a leading UTF-8 BOM. */
#define ST_CSV_ALLOW_CRLF 1u
#define ST_CSV_ALLOW_BOM  2u

struct st_csv_record {
	int line;        /* 1-based line the record starts on */
	int nfields;
	char **field;    /* nfields NUL-terminated strings */
};

struct st_csv {
	int nrecords;
	struct st_csv_record *rec;
};

/* Parse text (len bytes) named path in errors.  On success *out holds
 * every record (free with st_csv_free); on error nothing is kept. */
int st_csv_parse(const char *path, const char *text, size_t len, unsigned flags,
		 struct st_csv **out, char *err);
/* Read and parse a file. */
int st_csv_read(const char *path, unsigned flags, struct st_csv **out, char *err);
void st_csv_free(struct st_csv *c);

#endif
