/*
 * export.h - every measurement of chosen runs as one flat table, for
 * spreadsheets and manufacturing systems (docs/export.md): RFC 4180 CSV
 * with a header, or JSON lines.  One row per measurement: the run (uuid,
 * serial, model, firmware, plan, station, operator, started, outcome), the
 * step (number, name), the measurement (name, value, unit, low and high
 * limits, verdict).
 *
 * Every text field may be hostile (a serial typed by a person, a name read
 * from a database someone else wrote): CSV quotes what RFC 4180 needs,
 * replaces invalid UTF-8 with U+FFFD, and defuses a field a spreadsheet
 * would run as a formula (see st_export_csv_field); JSON goes through
 * jansson (core/enc.h).
 */
#ifndef ST_GOLDEN_EXPORT_H
#define ST_GOLDEN_EXPORT_H

#include <stdio.h>

#include "store/store.h"

enum st_export_format {
	ST_EXPORT_CSV,    /* RFC 4180, CRLF line ends, a header row */
	ST_EXPORT_JSON,   /* one JSON object per line */
};

/* The CSV header, in column order (CRLF not included). */
extern const char st_export_csv_header[];

/* Write one CSV field (NULL: empty) and then ',' or, for the last field of
 * a row, CRLF.  Quoted (inside "...", each " doubled) when it holds a comma,
 * a quote, CR or LF, or when it starts with = + - @ TAB or CR: such a field
 * is written "'..." (a leading apostrophe inside the quotes) so that a
 * spreadsheet shows it as text instead of running it as a formula.
 * Invalid UTF-8 becomes U+FFFD.  Numbers the station formats itself do not
 * go through this (st_export_csv_num). */
void st_export_csv_field(FILE *f, const char *s, int last);
/* Write a number as the shortest text that reads back as the same double
 * (empty for NAN), then ',' or CRLF. */
void st_export_csv_num(FILE *f, double v, int last);

/* Parse a --since value: a date (YYYY-MM-DD) or a date-time
 * (YYYY-MM-DDTHH:MM[:SS[.fff]], 'T' or one space, optionally ending in Z or
 * an offset +HH:MM / -HH:MM / +HHMM).  Without a zone it is local time, as
 * `station history` shows times.  out gets the instant as stored times are
 * written (ISO 8601 UTC with milliseconds, "2026-11-22T09:00:00.000Z"),
 * so the two compare as text.  ST_OK or ST_ERR_ARG with a one-line reason. */
int st_export_since(const char *in, char out[32], char *err);

/* Write every measurement of the runs f selects (oldest run first, steps in
 * order) to out in format fmt; *rows (may be NULL) gets the number of
 * measurement rows.  ST_OK, a store error, or ST_ERR_IO when writing out
 * failed (disk full). */
int st_export(struct st_store *s, const struct st_run_filter *f, enum st_export_format fmt,
	      FILE *out, long *rows, char *err);

#endif
