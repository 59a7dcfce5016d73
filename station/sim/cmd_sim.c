/*
 * cmd_sim.c - `station sim`: a simulated headset behind a simulated
 * fixture, served on a pseudo-terminal as its own process, so `station run
 * --fixture PATH` drives it through the real protocol driver, transport and
 * timeouts (station/sim/simfix.h does the work).
 *
 * Prints one line to stdout when ready, logs to stderr, exits cleanly on
 * SIGTERM/SIGINT (releasing every relay and removing the link).
 *
 * It lives with the simulator, not in station/cli/, so that nothing
 * outside station/sim/ includes a simulator header; cli/main.c reaches it
 * through the prototype in cli/cli.h.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/clock.h"
#include "core/enc.h"
#include "core/st.h"
#include "model/model.h"
#include "sim/headset.h"
#include "sim/jackbench.h"
#include "sim/simfix.h"

static volatile sig_atomic_t stop_flag;

/* "station sim: msg" on stderr; returns the usage exit code (as the
 * cli's cli_usage_error, which lives in the binary, not the library). */
static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("station sim: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return ST_EXIT_USAGE;
}

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: station sim --model M --pty-link PATH [options]\n"
		"\n"
		"Serve a simulated fixture with a simulated headset behind it on a pty;\n"
		"PATH becomes a symlink to the pty (give it to `station run --fixture`).\n"
		"\n"
		"  --model M            model of the simulated unit (fixtures/models)\n"
		"  --pty-link PATH      symlink to create for the pty slave\n"
		"  --numato             speak a Numato relay board's protocol instead\n"
		"  --time-scale X       run X times faster than real time (announced)\n"
		"  --fault F            headset fault (repeatable): see docs/simulator.md\n"
		"  --battery PCT        initial charge\n"
		"  --worn               wear sensor starts 'worn'\n"
		"  --identity MODEL     model the unit reports on its UART\n"
		"  --serial S           unit serial (default SIM0001)\n"
		"  --start-off          unit starts powered off\n"
		"  --watchdog-ms N      release all relays after N bench ms of host silence\n"
		"  --bench FILE         fixture file (default station-v1 / numato-8)\n"
		"  --state-file FILE    rewrite FILE on every relay change\n"
		"  --fixture-fault F    test only: silent[-after:N], garbage[-after:N],\n"
		"                       half-line[-after:N], reboot-after:N, vanish-after:N\n"
		"  --verbose            log every line received and sent\n"
		"  --jack NAME          also serve the bench's audio as JACK client NAME\n"
		"                       (acoustic model; docs/audio-bench.md)\n"
		"  --off-fixture        with --jack: no headset on the acoustic test fixture\n"
		"                       (the operator took it off: station calibrate)\n");
}

static int need(int argc, char **argv, int i)
{
	if (i + 1 >= argc) {
		usage_error("%s needs a value", argv[i]);
		return 0;
	}
	return 1;
}

static int make_link(const char *link, const char *target, char *err)
{
	struct stat st;

	if (lstat(link, &st) == 0) {
		if (!S_ISLNK(st.st_mode))
			return st_fail(err, ST_ERR_ARG, "%s exists and is not a symlink: "
				       "refusing to replace it", link);
		unlink(link);
	}
	if (symlink(target, link) < 0)
		return st_fail(err, ST_ERR_IO, "cannot link %s -> %s: %s", link, target,
			       strerror(errno));
	return ST_OK;
}

/* --jack: the bench's audio as a JACK client (station/sim/jackbench.h),
 * fed from the serving loop's ticks and the headset's sounds. */
struct jack_ctx {
	struct st_jackbench *jb;  /* the JACK client, NULL until started */
	struct st_headset *h;     /* the simulated unit */
	double scale;             /* bench seconds per wall second */
};

static void jack_tick(void *ctx, double t)
{
	struct jack_ctx *j = ctx;
	struct st_headset_view v;

	if (!j->jb || !j->h)
		return;
	st_headset_view(j->h, &v);
	st_jackbench_publish(j->jb, t, j->scale, &v);
}

static void jack_sound(void *ctx, const struct st_feedback *ev)
{
	struct jack_ctx *j = ctx;

	if (j->jb)
		st_jackbench_feedback(j->jb, ev, 1);
}

/* What the command line names besides the simulator's own options. */
struct sim_args {
	const char *model_id;   /* --model */
	const char *link;       /* --pty-link */
	const char *jack_name;  /* --jack, NULL without */
	int off_fixture;        /* --off-fixture: ear simulators open */
};

/* Reads argv into o and a.  Returns -1 to go on serving, otherwise the
 * exit code to return at once (0 after --help, ST_EXIT_USAGE on a bad
 * command line, with the message printed). */
static int parse_args(int argc, char **argv, struct st_simfix_opts *o, struct sim_args *a)
{
	char err[ST_ERRLEN];

	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];

		if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(arg, "--numato")) {
			o->numato = 1;
		} else if (!strcmp(arg, "--worn")) {
			o->sim.worn = 1;
		} else if (!strcmp(arg, "--start-off")) {
			o->sim.start_off = 1;
		} else if (!strcmp(arg, "--off-fixture")) {
			a->off_fixture = 1;
		} else if (!strcmp(arg, "--verbose") || !strcmp(arg, "-v")) {
			o->verbose = 1;
		} else if (!need(argc, argv, i)) {
			return ST_EXIT_USAGE;
		} else if (!strcmp(arg, "--model")) {
			a->model_id = argv[++i];
		} else if (!strcmp(arg, "--pty-link")) {
			a->link = argv[++i];
		} else if (!strcmp(arg, "--jack")) {
			a->jack_name = argv[++i];
		} else if (!strcmp(arg, "--time-scale")) {
			if (st_parse_double(argv[++i], &o->scale) || !(o->scale >= 0.01 && o->scale <= 1000))
				return usage_error("--time-scale must be 0.01..1000");
		} else if (!strcmp(arg, "--fault")) {
			if (o->sim.nfaults == ST_SIM_MAX_FAULTS)
				return usage_error("too many --fault options");
			st_strlcpy(o->sim.faults[o->sim.nfaults++], argv[++i], sizeof(o->sim.faults[0]));
		} else if (!strcmp(arg, "--battery")) {
			if (st_parse_double(argv[++i], &o->sim.battery) ||
			    !(o->sim.battery >= 0 && o->sim.battery <= 100))
				return usage_error("--battery must be 0..100");
		} else if (!strcmp(arg, "--identity")) {
			o->sim.identity = argv[++i];
		} else if (!strcmp(arg, "--serial")) {
			o->sim.serial = argv[++i];
			if (st_serial_check(o->sim.serial, err))
				return usage_error("--serial: %s", err);
		} else if (!strcmp(arg, "--watchdog-ms")) {
			long v;

			if (st_parse_int(argv[++i], &v) || v < 100 || v > 600000)
				return usage_error("--watchdog-ms must be 100..600000");
			o->watchdog_ms = (int)v;
		} else if (!strcmp(arg, "--bench")) {
			o->bench = argv[++i];
		} else if (!strcmp(arg, "--state-file")) {
			o->state_file = argv[++i];
		} else if (!strcmp(arg, "--fixture-fault")) {
			o->fault = argv[++i];
			if (st_simfix_fault_check(o->fault, err))
				return usage_error("%s", err);
		} else {
			return usage_error("unknown option '%s' (try --help)", arg);
		}
	}
	if (!a->model_id || !a->link)
		return usage_error("--model and --pty-link are required (try --help)");
	if (a->off_fixture && !a->jack_name)
		return usage_error("--off-fixture is the JACK bench's (--jack)");
	return -1;
}

/* Loads the model named id into a new *out and checks every --fault
 * against it.  Returns 0 or the exit code, with the message printed. */
static int load_model(const char *id, const struct st_simfix_opts *o, struct st_model **out)
{
	struct st_model *model;
	char err[ST_ERRLEN];

	*out = NULL;
	model = calloc(1, sizeof(*model));
	if (!model) {
		fprintf(stderr, "station sim: out of memory\n");
		return ST_EXIT_ERROR;
	}
	if (st_model_find(st_data_dir(), id, model, err))
		goto refuse;
	for (int i = 0; i < o->sim.nfaults; i++)
		if (st_sim_fault_check(model, o->sim.faults[i], err))
			goto refuse;
	*out = model;
	return 0;
refuse:
	fprintf(stderr, "station sim: %s\n", err);
	free(model);
	return ST_EXIT_USAGE;
}

/* SIGTERM, SIGINT and SIGHUP stop the serving loop; SIGPIPE is ignored. */
static void catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* --jack: starts the JACK client and hooks it to the simulated unit. */
static int start_jack(struct jack_ctx *jc, const char *name, int off_fixture,
		      const struct st_model *model, struct st_simfix_opts *o,
		      struct st_simfix *s, char *err)
{
	if (st_jackbench_start(&jc->jb, name, model, &o->sim, err))
		return ST_ERR_IO;
	jc->h = st_simfix_headset(s);
	st_headset_listen(jc->h, jack_sound, jc);
	st_jackbench_place(jc->jb, !off_fixture);
	printf("sim: JACK client %s at %.0f Hz\n", name, st_jackbench_rate(jc->jb));
	return ST_OK;
}

int cmd_sim(int argc, char **argv)
{
	struct jack_ctx jc = { NULL, NULL, 1.0 };
	struct sim_args a = { NULL, NULL, NULL, 0 };
	struct st_simfix_opts o;
	struct st_model *model = NULL;
	struct st_simfix *s = NULL;
	struct st_clock *clock = NULL;
	char err[ST_ERRLEN], path[256];
	int master = -1, slave = -1, rc, linked = 0;

	memset(&o, 0, sizeof(o));
	o.scale = 1.0;
	o.sim.battery = -1;
	o.log = stderr;
	rc = parse_args(argc, argv, &o, &a);
	if (rc >= 0)
		return rc;
	rc = load_model(a.model_id, &o, &model);
	if (rc)
		return rc;
	rc = ST_EXIT_ERROR;
	o.model = model;
	if (a.jack_name) {
		o.on_tick = jack_tick;
		o.tick_ctx = &jc;
		jc.scale = o.scale;
	}
	if (st_simfix_new(&s, &o, err)) {
		fprintf(stderr, "station sim: %s\n", err);
		rc = ST_EXIT_USAGE;
		goto free_model;
	}
	if (a.jack_name && start_jack(&jc, a.jack_name, a.off_fixture, model, &o, s, err)) {
		fprintf(stderr, "station sim: %s\n", err);
		goto close_pty;
	}
	if (st_simfix_pty(&master, &slave, path, sizeof(path), err) ||
	    make_link(a.link, path, err)) {
		fprintf(stderr, "station sim: %s\n", err);
		goto close_pty;
	}
	linked = 1;
	catch_signals();
	clock = st_clock_new_real(o.scale);
	if (!clock) {
		fprintf(stderr, "station sim: out of memory\n");
		goto close_pty;
	}
	st_simfix_boot(s, st_clock_now(clock));
	printf("sim: %s on %s linked at %s scale %g%s\n", model->id, path, a.link, o.scale,
	       o.numato ? " numato" : "");
	fflush(stdout);
	if (st_simfix_serve(s, master, clock, &stop_flag, err)) {
		fprintf(stderr, "station sim: %s\n", err);
		goto close_pty;
	}
	if (st_simfix_vanished(s))
		fprintf(stderr, "sim: the port vanished (fixture fault); exiting\n");
	rc = 0;
close_pty:
	if (s)
		st_simfix_release_all(s, clock ? st_clock_now(clock) : 0, "exit");
	if (linked)
		unlink(a.link);
	if (master >= 0)
		close(master);
	if (slave >= 0)
		close(slave);
	if (jc.h)
		st_headset_listen(jc.h, NULL, NULL);
	st_jackbench_stop(jc.jb);
	st_clock_free(clock);
	st_simfix_free(s);
free_model:
	free(model);
	return rc;
}
