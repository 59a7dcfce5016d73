/*
 * sf_lazy.c - libsndfile (WAV captures) loaded on its first use, not at
 * start-up (core/lazy.h): the functions wav.c calls, with libsndfile's
 * prototypes, forwarding to the real ones.  Without libsndfile sf_open
 * returns NULL and sf_strerror says why.
 */
#include <sndfile.h>
#include <stddef.h>

#include "audio/sf_lazy.h"
#include "core/lazy.h"
static const char *const names[] = {
	"sf_open",
	"sf_strerror",
	"sf_command",
	"sf_readf_float",
	"sf_writef_float",
	"sf_close",
	"sf_set_string",
	"sf_get_string",
};
static void *fn[8];
static struct st_lazy sf_lib = { "libsndfile.so.1", names, 8, fn, PTHREAD_ONCE_INIT, 0, "" };

/* Why the library is missing, for the callers' messages ("" when loaded). */
const char *sf_lib_why(void)
{
	return st_lazy_why(&sf_lib);
}

SNDFILE * sf_open(const char *path, int mode, SF_INFO *sfinfo)
{
	return st_lazy_load(&sf_lib) ? ((SNDFILE * (*)(const char *path, int mode, SF_INFO *sfinfo))fn[0])(path, mode, sfinfo) : NULL;
}

const char * sf_strerror(SNDFILE *sndfile)
{
	return st_lazy_load(&sf_lib) ? ((const char * (*)(SNDFILE *sndfile))fn[1])(sndfile) : sf_lib.why;
}

int sf_command(SNDFILE *sndfile, int command, void *data, int datasize)
{
	return st_lazy_load(&sf_lib) ? ((int (*)(SNDFILE *sndfile, int command, void *data, int datasize))fn[2])(sndfile, command, data, datasize) : 0;
}

sf_count_t sf_readf_float(SNDFILE *sndfile, float *ptr, sf_count_t frames)
{
	return st_lazy_load(&sf_lib) ? ((sf_count_t (*)(SNDFILE *sndfile, float *ptr, sf_count_t frames))fn[3])(sndfile, ptr, frames) : 0;
}

sf_count_t sf_writef_float(SNDFILE *sndfile, const float *ptr, sf_count_t frames)
{
	return st_lazy_load(&sf_lib) ? ((sf_count_t (*)(SNDFILE *sndfile, const float *ptr, sf_count_t frames))fn[4])(sndfile, ptr, frames) : 0;
}

int sf_close(SNDFILE *sndfile)
{
	return st_lazy_load(&sf_lib) ? ((int (*)(SNDFILE *sndfile))fn[5])(sndfile) : 0;
}

int sf_set_string(SNDFILE *sndfile, int str_type, const char *str)
{
	return st_lazy_load(&sf_lib) ? ((int (*)(SNDFILE *sndfile, int str_type, const char *str))fn[6])(sndfile, str_type, str) : 1;
}

const char * sf_get_string(SNDFILE *sndfile, int str_type)
{
	return st_lazy_load(&sf_lib) ? ((const char * (*)(SNDFILE *sndfile, int str_type))fn[7])(sndfile, str_type) : NULL;
}
