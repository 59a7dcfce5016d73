/*
 * internal.h - what the fleet module's files share (central.c, sync.c,
 * report.c, unit.c): the connection struct and libpq helpers.  Not for use
 * outside station/fleet/.
 */
#ifndef ST_FLEET_INTERNAL_H
#define ST_FLEET_INTERNAL_H

#include <libpq-fe.h>
#include <stdarg.h>

#include "fleet/fleet.h"

struct st_fleet {
	PGconn *conn;          /* libpq connection */
	char target[256];      /* "user@host:port/db" for messages, no password */
};

/* Run one statement; ST_OK or a message naming the server. */
int fleet_exec(struct st_fleet *f, const char *sql, char *err);
/* st_fail with the server's message appended; ST_ERR_IO when the
 * connection is gone (a station fault), ST_ERR_DB otherwise. */
int fleet_fail(struct st_fleet *f, char *err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* libpq's last message, one line, control characters blanked. */
const char *fleet_pgmsg(PGconn *c);
void fleet_quiet_notice(void *arg, const char *message);

#endif
