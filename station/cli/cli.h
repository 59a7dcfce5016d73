/*
 * cli.h - the `station` command's sub-commands.  Each lives in its own
 * cmd_*.c file and takes (argc, argv) with argv[0] = the sub-command name;
 * each returns a process exit code (enum st_exit).
 */
#ifndef ST_CLI_H
#define ST_CLI_H

#include <stdio.h>


int cmd_console(int argc, char **argv);   /* cmd_console.c: the operator console */
int cmd_run(int argc, char **argv);       /* cmd_run.c: run a plan on a unit */
int cmd_plans(int argc, char **argv);     /* cmd_run.c: list plans */
int cmd_history(int argc, char **argv);   /* cmd_history.c: stored runs */
int cmd_limits(int argc, char **argv);    /* cmd_limits.c: limits check FILE */
int cmd_limits_learn(int argc, char **argv); /* cmd_learn.c: limits learn --from-golden */
int cmd_check(int argc, char **argv);     /* cmd_check.c: check data files of any kind */
int cmd_models(int argc, char **argv);    /* cmd_models.c: list/show models */
int cmd_faults(int argc, char **argv);    /* sim/cmd_faults.c: the simulator's faults */
int cmd_sim(int argc, char **argv);       /* sim/cmd_sim.c: simulator process on a pty */
int cmd_audio(int argc, char **argv);     /* cmd_audio.c: bench audio by hand */
int cmd_calibrate(int argc, char **argv); /* cmd_calibrate.c: open-ear calibration */
int cmd_ports(int argc, char **argv);     /* cmd_ports.c: list serial ports */
int cmd_sweep(int argc, char **argv);     /* cmd_analyze.c: write a sweep WAV */
int cmd_analyze(int argc, char **argv);   /* cmd_analyze.c: offline analysis */
int cmd_config(int argc, char **argv);    /* cmd_config.c: effective configuration */
int cmd_doctor(int argc, char **argv);    /* cmd_doctor.c: is the bench ready? */
int cmd_fleet(int argc, char **argv);     /* cmd_sync.c: fleet report and unit history */
int cmd_sync(int argc, char **argv);      /* cmd_sync.c: send runs to the fleet database */
int cmd_report(int argc, char **argv);    /* cmd_report.c: HTML reports of a run or a batch */
int cmd_rejudge(int argc, char **argv);   /* cmd_rejudge.c: judge a stored run against other limits */
int cmd_export(int argc, char **argv);    /* cmd_export.c: measurements as CSV / JSON lines */
int cmd_triage(int argc, char **argv);    /* cmd_triage.c: batch RMA triage from a CSV file */
int cmd_dispositions(int argc, char **argv); /* cmd_dispositions.c: what to do with a unit */
int cmd_nightly(int argc, char **argv);   /* cmd_nightly.c: a firmware build on golden units */

/* cmd_history_judge.c: the judgements of a run (station rejudge) for
 * `history --run`, as a table or JSON lines. */
struct st_store;
int cli_history_judgements(struct st_store *s, long long run_id, int json, char *err);

/* Print a one-line usage error "station CMD: msg" and return ST_EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Print "station CMD: msg" on stderr as one line.  Both print the message
 * terminal-clean (core/enc.h): error messages quote outside text (a serial,
 * a line of a data file), which must not reach the terminal raw. */
void cli_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* cli_util.c.  The getopt_long loop of a command whose options are all
 * long ones: --help (case 'h') prints usage(stdout) and returns -1; an
 * unknown or incomplete option is a usage error "station CMD: unknown or
 * incomplete option 'X' (station HELP --help)"; every other option goes to
 * opt(ctx, c, optarg, err), whose failure is a usage error with its
 * message.  Returns 0 with optind at the first operand, else the exit code. */
struct option;
int cli_getopt(const char *cmd, const char *help, int argc, char **argv,
	       const struct option *opts, void (*usage)(FILE *f),
	       int (*opt)(void *ctx, int c, const char *v, char *err), void *ctx);
/* Open the result database db (NULL: the default path) with
 * st_store_open_ex()'s flags, never creating it: a missing file is
 * ST_ERR_NOTFOUND "no database at PATH".  *path is the path opened. */
int cli_open_store(const char *db, unsigned flags, struct st_store **s, const char **path,
		   char *err);

#endif
