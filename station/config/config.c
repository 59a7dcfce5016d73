/*
 * config.c - station.conf (config.h, docs/install.md, station.conf(5)).
 */
#include "config/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/paths.h"
#include "core/st.h"
#include "core/tok.h"

static const struct {
	const char *name;
	const char *option;
	const char *commands;   /* space-separated commands that take the option */
} keys[ST_CONF_COUNT] = {
	[ST_CONF_STATION] = { "station", "--station", " run console triage " },
	[ST_CONF_FIXTURE] = { "fixture", "--fixture", " run console audio doctor triage " },
	[ST_CONF_AUDIO] = { "audio", "--audio", " run console audio doctor " },
	[ST_CONF_BENCH] = { "bench", "--bench", " run console audio doctor " },
	[ST_CONF_DB] = { "db", "--db", " run console history sync doctor triage report " },
	[ST_CONF_CAPTURES] = { "captures", "--captures", " run doctor " },
	[ST_CONF_OPERATOR] = { "operator", "--operator", " run console triage " },
	[ST_CONF_PLAN] = { "plan", "--plan", " run console " },
	[ST_CONF_SYNC_URL] = { "sync-url", "--to", " sync fleet " },
};

const char *st_conf_key_name(enum st_conf_key k)
{
	return (unsigned)k < ST_CONF_COUNT ? keys[k].name : "?";
}

const char *st_conf_key_option(enum st_conf_key k)
{
	return (unsigned)k < ST_CONF_COUNT ? keys[k].option : "?";
}

static int key_find(const char *s)
{
	for (int k = 0; k < ST_CONF_COUNT; k++)
		if (!strcmp(s, keys[k].name))
			return k;
	return -1;
}

int st_config_read(struct st_config *c, const char *path, char *err)
{
	struct st_tok *t = NULL;
	struct st_word *w;
	int first[ST_CONF_COUNT] = { 0 }, n, r, ret;

	ret = st_tok_load(&t, path, NULL, err);
	if (ret)
		return ret;
	while ((r = st_tok_next(t, &w, &n, err)) == 1) {
		int k = key_find(w[0].s);

		if (k < 0) {
			ret = st_tok_failw(t, &w[0], err, "unknown key '%.40s' (station fixture audio "
					   "bench db captures operator plan sync-url)", w[0].s);
			break;
		}
		if ((ret = st_tok_once(t, &w[0], &first[k], err)))
			break;
		if (n != 2) {
			ret = n < 2 ? st_tok_failw(t, &w[0], err, "'%s' needs a value", keys[k].name) :
				st_tok_failw(t, &w[2], err, "one value after '%s' (quote a value "
					     "with blanks)", keys[k].name);
			break;
		}
		if (!w[1].s[0] || strlen(w[1].s) >= sizeof(c->v[k].value)) {
			ret = st_tok_failw(t, &w[1], err, "'%s' wants a value of 1 to %zu bytes",
					   keys[k].name, sizeof(c->v[k].value) - 1);
			break;
		}
		st_strlcpy(c->v[k].value, w[1].s, sizeof(c->v[k].value));
		snprintf(c->v[k].from, sizeof(c->v[k].from), "%s:%d", path, w[0].line);
	}
	if (r < 0)
		ret = r;
	st_tok_close(t);
	return ret;
}

int st_config_load(struct st_config *c, char *err)
{
	const char *sys = getenv("STATION_SYSCONFDIR"), *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");
	int ret;

	memset(c, 0, sizeof(*c));
	snprintf(c->files[0], sizeof(c->files[0]), "%s/station.conf", sys && *sys ? sys : "/etc/station");
	if (xdg && *xdg)
		snprintf(c->files[1], sizeof(c->files[1]), "%s/station/station.conf", xdg);
	else if (home && *home)
		snprintf(c->files[1], sizeof(c->files[1]), "%s/.config/station/station.conf", home);
	for (int i = 0; i < 2; i++) {
		if (!c->files[i][0])
			continue;
		/* a file that is not there, or behind a directory this user may
		 * not enter (another user's home), is no file; one that is there
		 * but unreadable is an error */
		if (access(c->files[i], F_OK)) {
			c->files[i][0] = '\0';
			continue;
		}
		ret = st_config_read(c, c->files[i], err);
		if (ret == ST_ERR_NOTFOUND) {
			c->files[i][0] = '\0';
			continue;
		}
		if (ret)
			return ret;
	}
	return ST_OK;
}

int st_config_args(const struct st_config *c, const char *command, const char **out, int n)
{
	char want[40];
	int used = 0;

	if (strlen(command) > 30)
		return 0;
	snprintf(want, sizeof(want), " %s ", command);
	for (int k = 0; k < ST_CONF_COUNT && used + 2 <= n; k++) {
		if (!c->v[k].value[0] || !strstr(keys[k].commands, want))
			continue;
		out[used++] = keys[k].option;
		out[used++] = c->v[k].value;
	}
	return used;
}
