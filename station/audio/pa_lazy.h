/*
 * pa_lazy.h - PortAudio is loaded on its first use (pa_lazy.c, core/lazy.h).
 */
#ifndef ST_PA_LAZY_H
#define ST_PA_LAZY_H

/* Why PortAudio could not be loaded, "" when it was (or was not yet needed). */
const char *pa_lib_why(void);

#endif
