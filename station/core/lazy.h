/*
 * lazy.h - a shared library loaded on its first use instead of at start-up.
 *
 * `station run` on the simulated bench needs neither PostgreSQL (fleet
 * sync), PortAudio, JACK nor libsndfile, yet linking them made the dynamic
 * loader map and relocate some 40 libraries before main() (issue 13:
 * start-up under 20 ms).  Each such library now has a shim file that
 * defines the functions the station calls, with the library's own
 * prototypes, and forwards them to the real ones found with dlopen/dlsym
 * the first time any is called (station/fleet/pq_lazy.c,
 * station/audio/pa_lazy.c, station/audio/sf_lazy.c, station/sim/jack_lazy.c).
 * The call sites do not change.  A library that is missing makes its
 * shims return the library's own "failed" value and st_lazy_why() says
 * why, for the caller's message.
 */
#ifndef ST_CORE_LAZY_H
#define ST_CORE_LAZY_H

#include <pthread.h>

/* One library and the symbols the station takes from it. */
struct st_lazy {
	const char *soname;          /* "libpq.so.5" */
	const char *const *names;    /* symbol names, nsyms of them */
	int nsyms;
	void **fn;                   /* nsyms resolved addresses (NULL until loaded) */
	pthread_once_t once;         /* PTHREAD_ONCE_INIT */
	int ok;                      /* 1 loaded with every symbol */
	char why[200];               /* why not, when !ok */
};

/* Load lib once (thread-safe); 1 when every symbol was found. */
int st_lazy_load(struct st_lazy *lib);
/* Why the library could not be loaded ("" when it was). */
const char *st_lazy_why(struct st_lazy *lib);

#endif
