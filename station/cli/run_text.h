/*
 * run_text.h - `station run`'s live text output (run_text.c): one line per
 * step, action, feedback and finding, times in bench seconds; a step's
 * measurements summarised per name pattern ("anc.active_db.*.*  42 values,
 * all within limits; nearest its limit ...", or the worst) unless --verbose;
 * a finding that the step's end repeats is printed once.
 */
#ifndef ST_CLI_RUN_TEXT_H
#define ST_CLI_RUN_TEXT_H

#include <stdio.h>

#include "seq/seq.h"
#include "seq/stepsum.h"

struct run_text {
	FILE *f;                       /* where the lines go */
	int verbose;                   /* every measurement on its own line */
	struct st_stepsum_meas *buf;   /* measurements waiting for the summary */
	int nbuf, cap;                 /* used and allocated entries of buf */
	int oom;                       /* buf could not grow: lines printed as they come */
	char held[512];                /* a "FAIL: ..." finding held until the next event */
	double held_t;                 /* its bench time */
	int held_refused;              /* it was a REFUSED event */
	int have_held;                 /* held[] is in use */
};

/* One sequencer event (not RUN_END's verdict lines: print_verdict). */
void run_text_event(struct run_text *rt, const struct st_event *ev);
/* Print whatever is still held back, and free the buffer. */
void run_text_finish(struct run_text *rt);

#endif
