/*
 * outfile.c - write a file whole or not at all (outfile.h): a temporary
 * file beside the target, renamed into place after a clean close.
 */
#include "golden/outfile.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/st.h"

int st_outfile_open(struct st_outfile *o, const char *path, char *err)
{
	memset(o, 0, sizeof(*o));
	if (!path || !strcmp(path, "-")) {
		o->f = stdout;
		return ST_OK;
	}
	if (strlen(path) >= sizeof(o->path))
		return st_fail(err, ST_ERR_ARG, "%s: path too long", path);
	st_strlcpy(o->path, path, sizeof(o->path));
	snprintf(o->tmp, sizeof(o->tmp), "%s.tmp%ld", path, (long)getpid());
	o->f = fopen(o->tmp, "w");
	if (!o->f)
		return st_fail(err, ST_ERR_IO, "%s: %s", o->tmp, strerror(errno));
	return ST_OK;
}

int st_outfile_commit(struct st_outfile *o, char *err)
{
	int bad;

	if (!o->path[0]) {
		if (fflush(stdout) || ferror(stdout))
			return st_fail(err, ST_ERR_IO, "stdout: %s", strerror(errno ? errno : EIO));
		return ST_OK;
	}
	bad = fflush(o->f) != 0 || ferror(o->f);
	bad = fclose(o->f) != 0 || bad;
	o->f = NULL;
	if (bad || rename(o->tmp, o->path)) {
		int e = errno ? errno : EIO;
		unlink(o->tmp);
		return st_fail(err, ST_ERR_IO, "%s: %s", bad ? o->tmp : o->path, strerror(e));
	}
	return ST_OK;
}

void st_outfile_abort(struct st_outfile *o)
{
	if (!o->path[0]) {
		fflush(stdout);
		return;
	}
	if (o->f)
		fclose(o->f);
	o->f = NULL;
	unlink(o->tmp);
}
