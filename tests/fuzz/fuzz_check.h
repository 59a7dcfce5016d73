/*
 * fuzz_check.h - what every data-file parser harness asserts about an
 * error message: one line, shorter than ST_ERRLEN, of the form
 * "NAME:LINE:COL: message" with LINE and COL >= 1.  abort() otherwise, so
 * libFuzzer keeps the input as a crash.
 */
#ifndef FUZZ_CHECK_H
#define FUZZ_CHECK_H

#include <stdlib.h>
#include <string.h>

#include "core/st.h"

static inline void fuzz_check_msg(const char *err, const char *name)
{
	size_t n = strlen(name);
	const char *p = err + n;
	long line, col;
	char *end;

	if (strlen(err) >= ST_ERRLEN || strchr(err, '\n') || strncmp(err, name, n) || *p != ':')
		abort();
	line = strtol(p + 1, &end, 10);
	if (line < 1 || *end != ':')
		abort();
	col = strtol(end + 1, &end, 10);
	if (col < 1 || strncmp(end, ": ", 2) || !end[2])
		abort();
}

/* The same for a message about any file: some "FILE:LINE:COL: " prefix. */
static inline void fuzz_check_any(const char *msg)
{
	for (const char *c = strchr(msg, ':'); c; c = strchr(c + 1, ':')) {
		char name[ST_ERRLEN];
		size_t n = (size_t)(c - msg);

		if (n >= sizeof(name))
			break;
		memcpy(name, msg, n);
		name[n] = '\0';
		if (c[1] >= '1' && c[1] <= '9') {
			fuzz_check_msg(msg, name);
			return;
		}
	}
	abort();
}

#endif
