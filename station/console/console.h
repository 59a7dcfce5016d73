/*
 * console.h - `station console`, the operator console: the technician's
 * screen at the bench (docs/console.md).  A curses front end over the
 * shared bench session (station/bench/bench.h) and its sequencer, the same
 * `station run` uses; cmd_console.c parses the options and calls
 * console_main().
 */
#ifndef ST_CONSOLE_H
#define ST_CONSOLE_H

#include "bench/bench.h"

struct console_opts {
	struct st_bench_opts bench; /* database, fixture, audio, simulated unit, station */
	const char *operator_;      /* NULL: ask for one first */
	const char *model;          /* preselected model id, or NULL */
	const char *plan;           /* preselected plan name, or NULL */
};

/* Run the console until the operator quits.  Returns the process exit
 * code: 0 after a normal quit, 2 for usage/input errors (no terminal,
 * database cannot be opened, unknown model or plan), 3 when the bench
 * cannot be reached; the message is on stderr, never on the screen. */
int console_main(const struct console_opts *o);

#endif
