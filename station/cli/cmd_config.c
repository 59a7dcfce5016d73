/*
 * cmd_config.c - `station config`: the effective configuration (station.conf
 * from the site and the user, config.h) and where each value comes from;
 * `station config check FILE` validates one file (file:line:col errors).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config/config.h"
#include "core/enc.h"
#include "core/st.h"

static void config_usage(FILE *f)
{
	fprintf(f, "usage: station config [check FILE]\n"
		"Print the effective configuration: each key, its value and the file:line it\n"
		"comes from (site /etc/station/station.conf, then the user's\n"
		"~/.config/station/station.conf; options on a command line win over both).\n"
		"exit: 0, 2 a malformed configuration file (file:line:col)\n");
}

int cmd_config(int argc, char **argv)
{
	struct st_config c;
	char err[ST_ERRLEN];
	const char *env_db = getenv("STATION_DB"), *env_url = getenv("STATION_SYNC_URL");

	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		config_usage(stdout);
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "check")) {
		memset(&c, 0, sizeof(c));
		if (st_config_read(&c, argv[2], err)) {
			fprintf(stderr, "station config: %s\n", err);
			return ST_EXIT_USAGE;
		}
		printf("%s: ok\n", argv[2]);
		return 0;
	}
	if (argc != 1) {
		config_usage(stderr);
		return ST_EXIT_USAGE;
	}
	if (st_config_load(&c, err)) {
		fprintf(stderr, "station config: %s\n", err);
		return ST_EXIT_USAGE;
	}
	for (int i = 0; i < 2; i++)
		printf("# %s file: %s\n", i ? "user" : "site", c.files[i][0] ? c.files[i] : "(none)");
	for (int k = 0; k < ST_CONF_COUNT; k++) {
		const char *env = k == ST_CONF_DB ? env_db : k == ST_CONF_SYNC_URL ? env_url : NULL;

		printf("%-9s ", st_conf_key_name(k));
		if (c.v[k].value[0]) {
			st_term_put(stdout, c.v[k].value);
			printf("    (%s)", c.v[k].from);
			if (env && *env)
				printf(" - %s is set too; the file wins", k == ST_CONF_DB ?
				       "STATION_DB" : "STATION_SYNC_URL");
		} else if (env && *env) {
			st_term_put(stdout, env);
			printf("    (environment %s)", k == ST_CONF_DB ? "STATION_DB" : "STATION_SYNC_URL");
		} else {
			printf("-    (built-in default)");
		}
		putchar('\n');
	}
	return 0;
}
