/*
 * cmd_doctor.c - `station doctor`: is this bench ready for a shift?  One
 * screen, one line a check (OK / FAIL / note) with what to do about a
 * failure; exit 0 only when nothing failed.
 *
 * Checks: the configuration files; the data directory's models, plans and
 * each model's limits (as a run resolves them); the database (writable,
 * schema version, runs stored); the fixture (reachable, driver, firmware;
 * for a serial port: present, permissions, dialout membership); the audio
 * bench; free disk space for captures.  It opens the bench the way `station
 * run` does (station/bench), so what it says is what a run would meet.
 */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "audio/audio.h"
#include "bench/bench.h"
#include "cli.h"
#include "config/config.h"
#include "core/enc.h"
#include "core/paths.h"
#include "core/st.h"
#include "limits/limits.h"
#include "measure/measure.h"
#include "model/model.h"
#include "plan/plan.h"
#include "store/store.h"

#define DOCTOR_MIN_FREE_MB 500

struct doc {
	int failed;
};

static void line(struct doc *d, int ok, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void line(struct doc *d, int ok, const char *what, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printf("%-4s %-9s ", ok > 0 ? "OK" : ok == 0 ? "FAIL" : "--", what);
	st_term_put(stdout, msg);
	putchar('\n');
	if (ok == 0)
		d->failed++;
}

static void check_data(struct doc *d)
{
	char names[64][ST_NAME_LEN], plans[64][32], err[ST_ERRLEN];
	int nm, np, bad = 0;

	nm = st_model_list(NULL, names, 64, err);
	if (nm < 0) {
		line(d, 0, "models", "%s", err);
		return;
	}
	for (int i = 0; i < nm; i++) {
		struct st_model m;
		struct st_limits *l = NULL;

		if (st_model_find(NULL, names[i], &m, err) ||
		    st_limits_load_model(NULL, names[i], NULL, &l, err)) {
			line(d, 0, "data", "%s", err);
			bad++;
		}
		st_limits_free(l);
	}
	np = st_plan_list(st_data_dir(), plans, 64, err);
	for (int i = 0; i < np; i++) {
		struct st_plan p;

		if (st_plan_find(st_data_dir(), plans[i], &p, err)) {
			line(d, 0, "data", "%s", err);
			bad++;
		}
	}
	if (!bad)
		line(d, 1, "data", "%d models with their limits and %d plans load from %s", nm,
		     np < 0 ? 0 : np, st_data_dir());
}

static void check_db(struct doc *d, const char *path)
{
	struct st_store *s = NULL;
	char err[ST_ERRLEN], dir[600], *slash;
	long long n = 0;

	if (access(path, F_OK)) {
		snprintf(dir, sizeof(dir), "%s", path);
		slash = strrchr(dir, '/');
		if (slash)
			*slash = '\0';
		else
			snprintf(dir, sizeof(dir), ".");
		if (access(dir, W_OK))
			line(d, 0, "database", "%s does not exist and %s is not writable: create the "
			     "directory or give --db", path, dir);
		else
			line(d, 1, "database", "%s will be created by the first run", path);
		return;
	}
	if (st_store_open_ex(&s, path, ST_STORE_NOCREATE, NULL, err)) {
		line(d, 0, "database", "%s (give --db, or fix the file's permissions)", err);
		return;
	}
	st_store_count_runs(s, NULL, &n, err);
	line(d, 1, "database", "%s writable, schema %d, %lld runs", path,
	     st_store_schema_version(s), n);
	st_store_close(s);
}

static int in_group(gid_t g)
{
	gid_t gs[256];
	int n = getgroups(256, gs);

	if (getegid() == g)
		return 1;
	for (int i = 0; i < n; i++)
		if (gs[i] == g)
			return 1;
	return 0;
}

/* A serial port: there, and ours to open? */
static int check_port(struct doc *d, const char *addr)
{
	const char *path = !strncmp(addr, "numato:", 7) ? addr + 7 : addr;
	struct group *dialout = getgrnam("dialout");
	struct stat st;

	if (!strncmp(addr, "tcp:", 4))
		return 1;
	if (stat(path, &st)) {
		line(d, 0, "fixture", "%s: %s (is the fixture plugged in? 'station ports' lists "
		     "the ports; docs/install.md has a udev rule for a stable name)", path,
		     strerror(errno));
		return 0;
	}
	if (access(path, R_OK | W_OK)) {
		line(d, 0, "fixture", "%s: no permission to open it%s", path,
		     dialout && !in_group(dialout->gr_gid) ?
		     " (add this user to the dialout group: sudo usermod -aG dialout $USER, "
		     "then log in again)" : "");
		return 0;
	}
	return 1;
}

/* The bench's open-ear reference (station calibrate): the ANC steps'
 * passive and total attenuation need it, fresh and intact. */
static void check_calibration(struct doc *d, struct st_bench *b)
{
	struct st_audio *a = st_bench_audio(b);
	struct st_open_ear *cal;
	char path[600], err[ST_ERRLEN];
	double age;

	if (!a) {
		line(d, -1, "calibration", "no acoustic bench: nothing to calibrate");
		return;
	}
	if (a->bench.open_ear == ST_OPEN_EAR_LIFT ||
	    (a->bench.open_ear == ST_OPEN_EAR_AUTO && st_audio_can_place(a))) {
		line(d, 1, "calibration", "the bench lifts the unit for the open ear in every anc step");
		return;
	}
	cal = calloc(1, sizeof(*cal));
	if (!cal || st_open_ear_path(st_bench_calibration_dir(b), a->bench.name, path, sizeof(path), err) ||
	    st_open_ear_load(path, cal, err)) {
		line(d, 0, "calibration", "%s (run station calibrate --bench %s)", cal ? err : "out of memory",
		     a->bench.name);
		free(cal);
		return;
	}
	age = st_open_ear_age_h(cal, (long long)time(NULL));
	if (!(age >= -0.1 && age <= a->bench.open_ear_max_age_h)) {
		line(d, 0, "calibration", "open-ear calibration of bench %s is %.3g h old, outside its %g h "
		     "(run station calibrate --bench %s)", a->bench.name, age, a->bench.open_ear_max_age_h,
		     a->bench.name);
	} else {
		line(d, 1, "calibration", "open-ear calibration of bench %s taken %s (%.3g h old, valid %g h), "
		     "sha256 %.16s...", a->bench.name, cal->taken_iso, age, a->bench.open_ear_max_age_h,
		     cal->sha256);
	}
	free(cal);
}

static void check_bench(struct doc *d, const struct st_bench_opts *o)
{
	struct st_bench_fixture_info fi;
	struct st_bench *b = NULL;
	char err[ST_ERRLEN];

	if (o->fixture && strcmp(o->fixture, "sim") && !check_port(d, o->fixture))
		return;
	if (st_bench_open(&b, o, err) || st_bench_connect(b, NULL, err)) {
		line(d, 0, "bench", "%s", err);
		st_bench_close(b);
		return;
	}
	st_bench_fixture_info(b, &fi);
	if (fi.simulated)
		line(d, 1, "fixture", "simulated bench (no fixture configured)");
	else
		line(d, fi.connected, "fixture", "%s on %s%s%s", fi.driver, fi.port,
		     fi.firmware[0] ? ", firmware " : "", fi.firmware);
	line(d, 1, "audio", "%s", st_bench_audio_desc(b));
	check_calibration(d, b);
	st_bench_close(b);
}

static void check_disk(struct doc *d, const char *dir)
{
	struct statvfs vs;
	double mb;

	if (statvfs(dir, &vs)) {
		line(d, 0, "disk", "%s: %s", dir, strerror(errno));
		return;
	}
	mb = (double)vs.f_bavail * (double)vs.f_frsize / 1048576.0;
	line(d, mb >= DOCTOR_MIN_FREE_MB, "disk", "%.0f MB free for captures in %s (needs %d)",
	     mb, dir, DOCTOR_MIN_FREE_MB);
}

int cmd_doctor(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "fixture", required_argument, NULL, 'f' },
		{ "audio", required_argument, NULL, 'a' },
		{ "bench", required_argument, NULL, 'b' },
		{ "captures", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ 0, 0, 0, 0 },
	};
	struct st_bench_opts o;
	struct st_config conf;
	struct doc d = { 0 };
	const char *db = st_store_default_path(), *captures = NULL;
	char err[ST_ERRLEN], dir[600], caldir[600], *slash;
	int c;

	st_bench_opts_init(&o);
	o.no_db = 1;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': db = optarg; break;
		case 'f': o.fixture = optarg; break;
		case 'a': o.audio = optarg; break;
		case 'b': o.audio_bench = optarg; break;
		case 'c': captures = optarg; break;
		case 'h':
			printf("usage: station doctor [--db FILE] [--fixture ADDR] [--audio ADDR] "
			       "[--bench NAME] [--captures DIR]\nCheck the bench before a shift; "
			       "exit 0 only when it is ready, 1 when something failed.\n");
			return 0;
		default: return ST_EXIT_USAGE;
		}
	}
	if (st_config_load(&conf, err))
		line(&d, 0, "config", "%s", err);
	else
		line(&d, 1, "config", "site %s, user %s", conf.files[0][0] ? conf.files[0] : "(none)",
		     conf.files[1][0] ? conf.files[1] : "(none)");
	check_data(&d);
	check_db(&d, db);
	o.model = "WH-1000XM5";
	snprintf(caldir, sizeof(caldir), "%s", db);
	if ((slash = strrchr(caldir, '/')))
		snprintf(slash, sizeof(caldir) - (size_t)(slash - caldir), "/calibration");
	else
		snprintf(caldir, sizeof(caldir), "calibration");
	o.calibration = caldir;
	check_bench(&d, &o);
	snprintf(dir, sizeof(dir), "%s", captures ? captures : db);
	if (!captures && (slash = strrchr(dir, '/')))
		*slash = '\0';
	else if (!captures)
		snprintf(dir, sizeof(dir), ".");
	check_disk(&d, dir);
	printf("%s\n", d.failed ? "NOT READY: fix what FAILed above" : "READY");
	return d.failed ? ST_EXIT_FAIL : 0;
}
