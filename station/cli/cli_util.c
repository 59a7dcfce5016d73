/*
 * cli_util.c - what several sub-commands share (cli.h): the getopt_long
 * loop of a command whose options are all long ones, and opening the
 * result database a command reads (--db FILE, else the default path),
 * never creating it.  Each command keeps its own words and exit codes.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <sys/stat.h>

#include "cli.h"
#include "core/st.h"
#include "store/store.h"

int cli_getopt(const char *cmd, const char *help, int argc, char **argv,
	       const struct option *opts, void (*usage)(FILE *f),
	       int (*opt)(void *ctx, int c, const char *v, char *err), void *ctx)
{
	char err[ST_ERRLEN] = "";
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			return -1;
		}
		if (c == '?' || c == ':')
			return cli_usage_error(cmd, "unknown or incomplete option '%s' "
					       "(station %s --help)", argv[optind - 1], help);
		if (opt(ctx, c, optarg, err))
			return cli_usage_error(cmd, "%s", err);
	}
	return 0;
}

int cli_open_store(const char *db, unsigned flags, struct st_store **s, const char **path,
		   char *err)
{
	struct stat sb;

	*s = NULL;
	*path = db ? db : st_store_default_path();
	if (stat(*path, &sb) != 0 && errno == ENOENT)
		return st_fail(err, ST_ERR_NOTFOUND, "no database at %s", *path);
	return st_store_open_ex(s, *path, flags, NULL, err);
}
