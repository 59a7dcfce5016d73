/*
 * lazy.c - load a shared library and its symbols on first use (lazy.h).
 */
#include "lazy.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

/* pthread_once takes no argument: the library being loaded is handed over
 * here, under the lock st_lazy_load holds. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct st_lazy *loading;

static void load(void)
{
	struct st_lazy *lib = loading;
	void *h = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL);

	if (!h) {
		const char *e = dlerror();

		snprintf(lib->why, sizeof(lib->why), "%s cannot be loaded: %s", lib->soname,
			 e ? e : "not found");
		return;
	}
	for (int i = 0; i < lib->nsyms; i++) {
		lib->fn[i] = dlsym(h, lib->names[i]);
		if (!lib->fn[i]) {
			snprintf(lib->why, sizeof(lib->why), "%s has no %s", lib->soname,
				 lib->names[i]);
			return; /* the handle stays open: harmless, and never retried */
		}
	}
	lib->ok = 1;
}

int st_lazy_load(struct st_lazy *lib)
{
	if (lib->ok)
		return 1;
	pthread_mutex_lock(&lock);
	loading = lib;
	pthread_once(&lib->once, load);
	pthread_mutex_unlock(&lock);
	return lib->ok;
}

const char *st_lazy_why(struct st_lazy *lib)
{
	return lib->ok ? "" : lib->why;
}
