/*
 * paths.c - the data directory and the site overlays (paths.h).
 */
#include "core/paths.h"

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char found_dir[PATH_MAX];
static pthread_once_t found_once = PTHREAD_ONCE_INIT;

static int has_models(const char *dir)
{
	char p[PATH_MAX + 32];
	struct stat st;

	snprintf(p, sizeof(p), "%s/fixtures/models", dir);
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static void find_data_dir(void)
{
	char exe[PATH_MAX], cand[PATH_MAX + 32], *slash;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n > 0) {
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			snprintf(cand, sizeof(cand), "%s/../share/station", exe);
			if (has_models(cand) && realpath(cand, found_dir))
				return;
		}
	}
	found_dir[0] = '\0';
#ifdef ST_DATA_DIR
	if (has_models(ST_DATA_DIR))
		snprintf(found_dir, sizeof(found_dir), "%s", ST_DATA_DIR);
#endif
}

const char *st_data_dir(void)
{
	const char *env = getenv("STATION_DATA");

	if (env && *env)
		return env;
	pthread_once(&found_once, find_data_dir);
	return found_dir[0] ? found_dir : ".";
}

int st_overlay_dirs(char dirs[][512], int max)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	const char *sys = getenv("STATION_SYSCONFDIR");
	struct stat st;
	char cand[2][512];
	int n = 0;

	if (xdg && *xdg)
		snprintf(cand[0], sizeof(cand[0]), "%s/station", xdg);
	else if (home && *home)
		snprintf(cand[0], sizeof(cand[0]), "%s/.config/station", home);
	else
		cand[0][0] = '\0';
	snprintf(cand[1], sizeof(cand[1]), "%s", sys && *sys ? sys : "/etc/station");
	for (int i = 0; i < 2 && n < max; i++)
		if (cand[i][0] && stat(cand[i], &st) == 0 && S_ISDIR(st.st_mode))
			snprintf(dirs[n++], 512, "%s", cand[i]);
	return n;
}

int st_data_file(const char *data_dir, const char *rel, char *out, size_t n)
{
	char dirs[2][512];
	int nd = st_overlay_dirs(dirs, 2);
	struct stat st;

	for (int i = 0; i < nd; i++) {
		snprintf(out, n, "%s/%s", dirs[i], rel);
		if (stat(out, &st) == 0 && S_ISREG(st.st_mode))
			return 1;
	}
	snprintf(out, n, "%s/%s", data_dir ? data_dir : st_data_dir(), rel);
	return 0;
}
