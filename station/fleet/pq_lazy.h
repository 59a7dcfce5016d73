/*
 * pq_lazy.h - libpq is loaded on its first use (pq_lazy.c, core/lazy.h).
 */
#ifndef ST_PQ_LAZY_H
#define ST_PQ_LAZY_H

/* Why libpq could not be loaded, "" when it was (or was not yet needed). */
const char *pq_lib_why(void);

#endif
