/*
 * testutil.h - what every cmocka unit test includes: cmocka's required
 * headers in the right order, and a few helpers.
 */
#ifndef ST_TESTUTIL_H
#define ST_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Write text to a fresh temporary file; returns its path (static buffer
 * per call slot, up to 8 live at once). */
static inline const char *tu_tmpfile(const char *suffix, const char *text)
{
	static char paths[8][256];
	static int slot;
	char *p = paths[slot++ & 7];
	int fd;

	snprintf(p, 256, "/tmp/st-test-XXXXXX%s", suffix ? suffix : "");
	fd = mkstemps(p, suffix ? (int)strlen(suffix) : 0);
	if (fd < 0)
		return NULL;
	if (text && write(fd, text, strlen(text)) < 0) {
		close(fd);
		return NULL;
	}
	close(fd);
	return p;
}

#endif
