/*
 * sf_lazy.h - libsndfile is loaded on its first use (sf_lazy.c, core/lazy.h).
 */
#ifndef ST_SF_LAZY_H
#define ST_SF_LAZY_H

/* Why libsndfile could not be loaded, "" when it was (or was not yet needed). */
const char *sf_lib_why(void);

#endif
