/*
 * simfix.h - the simulated fixture, device side: a relay and sensor board
 * that speaks the station's fixture protocol (docs/fixture-protocol.md) or
 * a Numato Lab relay board's protocol, with a simulated headset
 * (headset.h) wired behind its relays.  `station sim` serves it on a
 * pseudo-terminal so the station's real drivers, transports and timeouts
 * run against it.
 *
 * The engine is separate from the I/O: bytes in at bench time t, bytes
 * out, timers run by st_simfix_tick().  Timed presses, hold limits and the
 * host-silence watchdog end at their exact scheduled bench time (the
 * headset sees the scheduled time, not when the process woke up), so a
 * scaled clock does not blur the timing windows the headset checks.
 *
 * Test-only faults make it misbehave the way a broken fixture does: stop
 * answering, answer garbage, answer half a line, reboot, or vanish.
 */
#ifndef ST_SIMFIX_H
#define ST_SIMFIX_H

#include <signal.h>
#include <stddef.h>
#include <stdio.h>

#include "headset.h"

struct st_simfix_opts {
	const struct st_model *model; /* model of the simulated unit */
	struct st_sim_opts sim;       /* headset options: faults, battery, worn, identity */
	int numato;                   /* 1: speak the Numato relay-board protocol */
	double scale;                 /* bench seconds per wall second (announced) */
	int watchdog_ms;              /* host-silence watchdog, bench ms (0 = 2000) */
	const char *bench;            /* fixture file (name or path); default station-v1 / numato-8 */
	const char *state_file;       /* rewritten on every relay change (NULL: none) */
	const char *fault;            /* fixture fault (see st_simfix_fault_check), NULL none */
	long long t_origin_ms;        /* test only: the fixture's clock at power-up, ms
				       * (wire times wrap at 2^32 ms) */
	FILE *log;                    /* one line per notable event (NULL: quiet) */
	int verbose;                  /* also log every line received and sent */
	/* Called by st_simfix_serve() after every tick, at bench time t, from
	 * the serving thread (the JACK bench publishes the headset's state
	 * here; added by the audio engineer).  NULL: none. */
	void (*on_tick)(void *ctx, double t);
	void *tick_ctx;               /* its argument */
};

struct st_simfix;

/* Fixture faults: "silent", "garbage", "half-line" (each optionally
 * "-after:N": behave for N request lines first), "reboot-after:N",
 * "vanish-after:N". */
int st_simfix_fault_check(const char *fault, char *err);

int st_simfix_new(struct st_simfix **out, const struct st_simfix_opts *o, char *err);
void st_simfix_free(struct st_simfix *s);

/* Power-up at bench time t: a protocol fixture announces EV BOOT. */
void st_simfix_boot(struct st_simfix *s, double t);
/* Bytes from the host, received at bench time t (t never goes back). */
void st_simfix_input(struct st_simfix *s, double t, const char *data, size_t n);
/* Run timers and the headset up to t. */
void st_simfix_tick(struct st_simfix *s, double t);
/* Take up to n bytes of pending output; returns how many. */
size_t st_simfix_output(struct st_simfix *s, char *buf, size_t n);
/* Bench time of the next timer (press end, hold limit, watchdog), or a
 * large number when none is armed. */
double st_simfix_next_deadline(const struct st_simfix *s);
/* Release every channel (shutdown); `why` goes to the state file. */
void st_simfix_release_all(struct st_simfix *s, double t, const char *why);

unsigned st_simfix_closed(const struct st_simfix *s);   /* channels closed now */
int st_simfix_vanished(const struct st_simfix *s);      /* a vanish fault fired */
struct st_headset *st_simfix_headset(struct st_simfix *s);
const char *st_simfix_bench(const struct st_simfix *s); /* fixture file path */

/* Open a pseudo-terminal: *master for the simulator, *slave kept open by
 * the simulator too (raw mode, so nothing is echoed and the master never
 * sees EIO while no host is attached); slave path in path. */
int st_simfix_pty(int *master, int *slave, char *path, size_t n, char *err);

/* Serve on fd (a pty master) with bench time from clock until *stop is
 * set or a vanish fault fires.  Returns ST_OK, or ST_ERR_IO. */
int st_simfix_serve(struct st_simfix *s, int fd, struct st_clock *clock,
		    volatile sig_atomic_t *stop, char *err);

#endif
