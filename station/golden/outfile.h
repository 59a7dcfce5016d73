/*
 * outfile.h - a file written whole or not at all: the text goes to a
 * temporary file beside the target (PATH.tmpPID) which is renamed into
 * place only when every byte was written and closed; a failure (disk full)
 * removes it and leaves whatever was at PATH before.  NULL or "-" is stdout.
 */
#ifndef ST_GOLDEN_OUTFILE_H
#define ST_GOLDEN_OUTFILE_H

#include <limits.h>
#include <stdio.h>

struct st_outfile {
	FILE *f;                  /* write here */
	char path[PATH_MAX];      /* the target; "" for stdout */
	char tmp[PATH_MAX + 32];  /* the temporary file beside it */
};

/* Open for writing.  ST_OK, ST_ERR_ARG (path too long) or ST_ERR_IO. */
int st_outfile_open(struct st_outfile *o, const char *path, char *err);
/* Flush, close and rename into place: ST_OK or ST_ERR_IO naming the file
 * (the temporary file removed). */
int st_outfile_commit(struct st_outfile *o, char *err);
/* Give up: close and remove the temporary file (stdout is only flushed). */
void st_outfile_abort(struct st_outfile *o);

#endif
