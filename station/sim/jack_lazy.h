/*
 * jack_lazy.h - libjack is loaded on its first use (jack_lazy.c, core/lazy.h).
 */
#ifndef ST_JACK_LAZY_H
#define ST_JACK_LAZY_H

/* Why libjack could not be loaded, "" when it was (or was not yet needed). */
const char *jack_lib_why(void);

#endif
