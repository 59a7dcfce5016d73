/*
 * simfix_int.h - private to the simulated fixture: its state and the
 * helpers shared by the engine (simfix.c, also Numato mode) and the
 * station-protocol request handlers (simfix_proto.c).
 */
#ifndef ST_SIMFIX_INT_H
#define ST_SIMFIX_INT_H

#include "../fixture/proto/fixmap.h"
#include "../fixture/proto/proto.h"
#include "simfix.h"

#define OUTCAP 16384            /* bytes of output kept while nobody reads */
#define FW "simfix-1.0"
#define WD_WALL_FLOOR 0.3       /* s of wall time: the watchdog never fires sooner */
#define NUMATO_CMDMAX 40        /* longest Numato command line kept */
#define NEVER 1e300
#define UART_REPLY_MAX 480      /* bytes of a unit's UART reply passed on */

enum fault_kind { F_NONE, F_SILENT, F_GARBAGE, F_HALF, F_REBOOT, F_VANISH };

struct st_simfix {
	struct st_simfix_opts o;     /* options (strings point to the caller's) */
	struct st_headset *h;        /* the simulated unit */
	struct st_fixmap map;        /* fixture file: channel <-> control */
	int chan[ST_MAX_CONTROLS];   /* channel of each model control, -1 unwired */
	int nchan;                   /* channels on the board */
	unsigned closed;             /* channels closed now */
	double end[32];              /* bench time each closed channel opens by itself (0 none) */
	char why[32][8];             /* "done" (PRESS) or "limit" (HOLD) per channel */
	unsigned slides;             /* slide actuators in the ON position (protocol mode) */
	int charge, wear;            /* USB charge power, wear shutter */
	int in_case, lid;            /* earbud placement */
	int session;                 /* a host said HELLO (events flow) */
	double wd;                   /* effective watchdog, bench s */
	double last_rx;              /* bench time of the last line from the host */
	double t_last;               /* latest bench time seen */
	struct st_linebuf lb;        /* protocol mode: incoming line */
	char ncmd[NUMATO_CMDMAX + 1];/* numato mode: command being typed */
	size_t nlen;                 /* its length */
	int noverflow;               /* numato command too long, ignored up to CR */
	char out[OUTCAP];            /* output not yet taken */
	size_t outlen;               /* bytes in out */
	unsigned long outdropped;    /* bytes dropped on a full buffer */
	enum fault_kind fault;       /* configured fixture fault */
	long fault_after;            /* lines answered before it strikes */
	long nlines;                 /* request lines seen */
	int silent;                  /* fault: ignore everything */
	int garbage;                 /* fault: every reply is garbage */
	int half;                    /* fault: the next reply is cut in half */
	int vanished;                /* fault: the port is gone */
	unsigned rnd;                /* garbage generator state */
};

/* One line per notable event to the log. */
void sf_log(struct st_simfix *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Queue output bytes for the host (dropped when the port vanished). */
void sf_put(struct st_simfix *s, const char *data, size_t n);
void sf_putf(struct st_simfix *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A reply line (protocol mode), through the fault filters. */
void sf_reply(struct st_simfix *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
long long sf_ms(double t);                              /* bench s -> ms */
long long sf_tms(const struct st_simfix *s, double t);  /* a wire time, modulo 2^32 */
unsigned sf_valid_mask(const struct st_simfix *s);      /* channels on the board */
int sf_control_of(const struct st_simfix *s, int ch);   /* control on channel ch, -1 */
int sf_is_slide(const struct st_simfix *s, int ch);     /* ch carries a slide actuator */
void sf_write_state(struct st_simfix *s, const char *why);
void sf_set_closed(struct st_simfix *s, double t, unsigned closed, const char *why);
/* Count a request line and fire the fault when due; 1 = drop the line. */
int sf_fault_gate(struct st_simfix *s, double t);
/* One whole line from the host in protocol mode (simfix_proto.c). */
void sf_proto_line(struct st_simfix *s, double t, const char *line, size_t len);

#endif
