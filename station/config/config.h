/*
 * config.h - the station's configuration file, station.conf(5): a bench's
 * defaults (station name, fixture, audio device and bench file, database,
 * capture directory, operator, plan, fleet database URL) so nobody types
 * them on every command line.
 *
 * Read from $STATION_SYSCONFDIR/station.conf (default /etc/station) and
 * then $XDG_CONFIG_HOME/station/station.conf (default ~/.config/station):
 * a value in the user's file wins over the site's.  Options on the command
 * line win over both; environment variables ($STATION_DB) are used only
 * where no file sets the value, and `station config` says so.  One line a
 * key: `KEY VALUE` in the data files' format (core/tok.h: # comments,
 * "quoted values"); an unknown key, a key twice in one file or a missing or
 * extra value is refused with file:line:col.
 */
#ifndef ST_CONFIG_H
#define ST_CONFIG_H

#include <stddef.h>

enum st_conf_key {
	ST_CONF_STATION,   /* --station */
	ST_CONF_FIXTURE,   /* --fixture */
	ST_CONF_AUDIO,     /* --audio */
	ST_CONF_BENCH,     /* --bench */
	ST_CONF_DB,        /* --db */
	ST_CONF_CAPTURES,  /* --captures */
	ST_CONF_OPERATOR,  /* --operator */
	ST_CONF_PLAN,      /* --plan */
	ST_CONF_SYNC_URL,  /* --to */
	ST_CONF_COUNT
};

struct st_conf_value {
	char value[512];   /* "" = not set */
	char from[600];    /* "FILE:LINE" it came from */
};

struct st_config {
	struct st_conf_value v[ST_CONF_COUNT];
	char files[2][520];   /* the files read (site, user); "" = none */
};

const char *st_conf_key_name(enum st_conf_key k);   /* "station", "sync-url" */
const char *st_conf_key_option(enum st_conf_key k); /* "--station", "--to" */

/* Read the site's and the user's file (either may be missing). */
int st_config_load(struct st_config *c, char *err);
/* Read one file into c (values it sets override c's). */
int st_config_read(struct st_config *c, const char *path, char *err);

/* The options the configuration adds in front of a command's own, for the
 * commands that take them: argv-style words into out (max n), count
 * returned.  Pointers point into c. */
int st_config_args(const struct st_config *c, const char *command, const char **out, int n);

#endif
