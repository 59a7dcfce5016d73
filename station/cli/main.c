/*
 * main.c - the `station` command: dispatches to sub-commands (cli.h).
 * Front ends stay thin: everything they do is a library call.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
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
	{ "history", cmd_history, "list stored runs" },
	{ "limits", cmd_limits, "limits check FILE: validate a limit file" },
	{ "check", cmd_check, "check FILE...: validate data files (.model .lim .plan .audio .fixture)" },
	{ "sim", cmd_sim, "run a simulated headset behind a simulated fixture on a pty" },
	{ "audio", cmd_audio, "bench audio: list devices, run one acoustic measurement" },
	{ "ports", cmd_ports, "list serial ports and find fixtures" },
	{ "sweep", cmd_sweep, "write an exponential sine sweep to a WAV file" },
	{ "analyze", cmd_analyze, "analyse recorded captures: response, anc, mics, tones" },
	{ "fleet", cmd_fleet, "fleet report [--since DATE] / fleet unit SERIAL, from the central database" },
	{ "sync", cmd_sync, "send finished runs to the fleet's central PostgreSQL database" },
	{ "report", cmd_report, "HTML report of a run or a batch: report run|batch ID" },
	{ "triage", cmd_triage, "batch RMA triage: triage --batch FILE.csv | --resume BATCH" },
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
		fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "\n'station COMMAND --help' for a command's options; docs/cli.md has them all.\n");
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
			return commands[i].fn(argc - 1, argv + 1);
	fputs("station: unknown command '", stderr);
	st_term_put(stderr, argv[1]);
	fputs("' (try 'station --help')\n", stderr);
	return ST_EXIT_USAGE;
}
