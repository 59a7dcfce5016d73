/*
 * main.c - the `station` command: dispatches to sub-commands (cli.h).
 * Front ends stay thin: everything they do is a library call.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <stdlib.h>

#include "cli.h"
#include "config/config.h"
#include "core/enc.h"
#include "core/st.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
};

static const struct command commands[] = {
	{ "console", cmd_console, "the operator console: scan, run, verdict, history (ncurses)" },
	{ "run", cmd_run, "run a plan on a unit (simulated bench unless --fixture)" },
	{ "plans", cmd_plans, "list the plans" },
	{ "models", cmd_models, "list models, or show one: models [MODEL]" },
	{ "dispositions", cmd_dispositions, "what to do with a unit, per disposition: dispositions [NAME]" },
	{ "faults", cmd_faults, "the simulated bench's faults, or those for one: faults [MODEL]" },
	{ "history", cmd_history, "list stored runs" },
	{ "limits", cmd_limits, "limits check FILE: validate a limit file" },
	{ "check", cmd_check, "check FILE...: validate data files (.model .lim .plan .audio .fixture)" },
	{ "sim", cmd_sim, "run a simulated headset behind a simulated fixture on a pty" },
	{ "audio", cmd_audio, "bench audio: list devices, run one acoustic measurement" },
	{ "calibrate", cmd_calibrate, "open-ear calibration of the acoustic bench (no headset on the fixture)" },
	{ "ports", cmd_ports, "list serial ports and find fixtures" },
	{ "sweep", cmd_sweep, "write an exponential sine sweep to a WAV file" },
	{ "analyze", cmd_analyze, "analyse recorded captures: response, anc, mics, tones" },
	{ "config", cmd_config, "print the effective configuration and where each value comes from" },
	{ "doctor", cmd_doctor, "check the bench before a shift: fixture, audio, database, data files, disk" },
	{ "fleet", cmd_fleet, "fleet report [--since DATE] / fleet unit SERIAL, from the central database" },
	{ "sync", cmd_sync, "send finished runs to the fleet's central PostgreSQL database" },
	{ "report", cmd_report, "HTML report of a run, a batch or a night: report run|batch ID, report nightly" },
	{ "rejudge", cmd_rejudge, "judge a stored run again against other limits, kept beside the original" },
	{ "export", cmd_export, "every measurement of chosen runs as CSV or JSON lines" },
	{ "triage", cmd_triage, "batch RMA triage: triage --batch FILE.csv | --resume BATCH" },
	{ "nightly", cmd_nightly, "a firmware build on golden units: regressions, bench drift, JUnit" },
};

static void verror(const char *cmd, const char *fmt, va_list ap)
{
	char msg[4096];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	fprintf(stderr, "station %s: ", cmd);
	st_term_put(stderr, msg);
	fputc('\n', stderr);
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror(cmd, fmt, ap);
	va_end(ap);
	return ST_EXIT_USAGE;
}

void cli_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror(cmd, fmt, ap);
	va_end(ap);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: station COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < ST_ARRAY_SIZE(commands); i++)
		fprintf(f, "  %-12s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "\n'station COMMAND --help' for a command's options; docs/cli.md has them all.\n");
}

/* Run a command with the configuration's defaults (station.conf) in front
 * of its own options, which therefore win: argv = CMD [SUB] CONF... ARGS...
 * (`fleet` takes its sub-command first).  `--help` gets no defaults. */
static int run_command(const struct command *c, int argc, char **argv)
{
	struct st_config conf;
	char err[ST_ERRLEN];
	const char *extra[2 * ST_CONF_COUNT];
	char **nargv;
	int n, head, ret;

	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return c->fn(argc, argv);
	if (st_config_load(&conf, err)) {
		fprintf(stderr, "station: %s\n", err);
		return ST_EXIT_USAGE;
	}
	n = st_config_args(&conf, c->name, extra, (int)ST_ARRAY_SIZE(extra));
	if (!n)
		return c->fn(argc, argv);
	head = !strcmp(c->name, "fleet") && argc > 1 ? 2 : 1;
	nargv = calloc((size_t)(argc + n + 1), sizeof(*nargv));
	if (!nargv) {
		fprintf(stderr, "station: out of memory\n");
		return ST_EXIT_ERROR;
	}
	for (int i = 0; i < head; i++)
		nargv[i] = argv[i];
	for (int i = 0; i < n; i++)
		nargv[head + i] = (char *)extra[i];
	for (int i = head; i < argc; i++)
		nargv[n + i] = argv[i];
	ret = c->fn(argc + n, nargv);
	free(nargv);
	return ret;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return ST_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < ST_ARRAY_SIZE(commands); i++)
		if (!strcmp(argv[1], commands[i].name))
			return run_command(&commands[i], argc - 1, argv + 1);
	fputs("station: unknown command '", stderr);
	st_term_put(stderr, argv[1]);
	fputs("' (try 'station --help')\n", stderr);
	return ST_EXIT_USAGE;
}
