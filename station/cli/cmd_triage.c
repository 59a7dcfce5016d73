/*
 * cmd_triage.c - `station triage`: batch RMA triage from a CSV file, the
 * thin front end of station/triage/ (docs/triage.md).  It asks the
 * operator on the terminal (or takes the prompts as done with --confirm
 * yes), prints one line per unit, and says how to resume a stopped batch
 * and how to get its report.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "core/enc.h"
#include "core/st.h"
#include "triage/triage.h"

struct triage_cli {
	int verbose;     /* print every step of every run */
	FILE *f;
};

static void triage_usage(FILE *f)
{
	fprintf(f,
		"usage: station triage --batch FILE.csv [options]\n"
		"       station triage --resume BATCH [--retest] [options]\n"
		"       station triage --list [--db FILE]\n"
		"  --batch FILE     walk the units listed in FILE (columns rma,serial,model,symptom\n"
		"                   and optional faults,notes; docs/triage.md)\n"
		"  --resume BATCH   go on with a stopped or interrupted batch (uuid or its first\n"
		"                   characters); units with a disposition are not tested again\n"
		"  --retest         with --resume: test again the units already done\n"
		"  --list           the stored batches, newest first\n"
		"  --confirm yes    take every placement and serial prompt as done (recorded as assumed)\n"
		"  --db FILE        result database (default $STATION_DB, else station.db)\n"
		"  --fixture ADDR   a real fixture (DEVICE, numato:DEVICE, tcp:HOST:PORT); default:\n"
		"                   the simulated bench, where the faults column is injected\n"
		"  --operator NAME  who runs the batch (default $USER)\n"
		"  --station NAME   this station's name (default the host name)\n"
		"  --verbose        print every step of every run\n"
		"exit: 0 batch done, 2 usage or malformed file (nothing tested), 3 station fault,\n"
		"      4 stopped by the operator (resume it with --resume)\n");
}

/* The operator answers on the terminal (or piped stdin). */
static int ask_tty(const char *kind, const char *question, char *answer, size_t n, void *ctx)
{
	(void)ctx;
	(void)kind;
	fprintf(stderr, "\a%s%s ", question, !strcmp(kind, "confirm") ? " [y/n]" : ":");
	fflush(stderr);
	if (!fgets(answer, (int)n, stdin))
		return -1;
	answer[strcspn(answer, "\r\n")] = '\0';
	return 0;
}

static void on_unit(const struct st_batch_unit *u, const char *what, const char *text, void *ctx)
{
	struct triage_cli *c = ctx;
	char rma[64], serial[64], model[64];

	/* the CSV's fields are outside text: terminal-clean (core/enc.h) */
	fprintf(c->f, "unit %3d  %-12.12s %-14.14s %-12.12s %-6s ", u->idx,
		st_term_clean(rma, sizeof(rma), u->rma), st_term_clean(serial, sizeof(serial), u->serial),
		st_term_clean(model, sizeof(model), u->model), what);
	st_term_put(c->f, text);
	fputc('\n', c->f);
	fflush(c->f);
}

static void on_batch(const struct st_batch_info *bi, int resumed, void *ctx)
{
	struct triage_cli *c = ctx;

	fprintf(c->f, "batch %s %s: %d units, %d done, from ", bi->uuid, resumed ? "resumed" : "started",
		bi->rows_total, bi->rows_done);
	st_term_put(c->f, bi->file);   /* a file name is outside text */
	fputc('\n', c->f);
	fflush(c->f);
}

static void on_event(const struct st_event *ev, void *ctx)
{
	struct triage_cli *c = ctx;

	if (!c->verbose)
		return;
	/* [bench seconds]; the unit's and the data's words terminal-clean */
	if (ev->kind == ST_EV_STEP_END) {
		fprintf(c->f, "          [%7.1fs] step %d: ", ev->t, ev->step_idx + 1);
		st_term_put(c->f, ev->step);
		fprintf(c->f, " -> %s%s", st_verdict_name(ev->verdict), ev->text && ev->text[0] ? ": " : "");
		st_term_put(c->f, ev->text ? ev->text : "");
		fputc('\n', c->f);
	} else if (ev->kind == ST_EV_REFUSED || ev->kind == ST_EV_INFO) {
		fprintf(c->f, "          [%7.1fs] ", ev->t);
		st_term_put(c->f, ev->text ? ev->text : "");
		fputc('\n', c->f);
	}
}

/* One batch: started in local time as `station history` shows runs, the
 * file name terminal-clean. */
static int list_cb(const struct st_batch_info *bi, void *ctx)
{
	char when[32];
	struct tm tm;
	time_t t;
	(void)ctx;

	memset(&tm, 0, sizeof(tm));
	if (strptime(bi->started, "%Y-%m-%dT%H:%M:%S", &tm)) {
		t = timegm(&tm);
		localtime_r(&t, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	} else {
		st_term_clean(when, sizeof(when), bi->started);
	}
	printf("%-20.20s  %.8s  %3d/%-3d  %-8s  ", when, bi->uuid, bi->rows_done, bi->rows_total,
	       bi->state);
	st_term_put(stdout, bi->file);
	fputc('\n', stdout);
	return 0;
}

static int triage_list(const char *db)
{
	struct st_store *s;
	char err[ST_ERRLEN];
	int ret;

	ret = st_store_open_ex(&s, db ? db : st_store_default_path(), ST_STORE_NOCREATE | ST_STORE_READONLY_OK,
			       NULL, err);
	if (ret) {
		fprintf(stderr, "station triage: %s\n", err);
		return ret == ST_ERR_DB ? ST_EXIT_ERROR : ST_EXIT_USAGE;
	}
	printf("%-20s  %-8s  %-7s  %-8s  %s\n", "STARTED", "BATCH", "DONE", "STATE", "FILE");
	ret = st_batch_list(s, 0, list_cb, NULL, err);
	st_store_close(s);
	if (ret) {
		fprintf(stderr, "station triage: %s\n", err);
		return ST_EXIT_ERROR;
	}
	return ST_EXIT_PASS;
}

static int exit_code(int ret)
{
	switch (ret) {
	case ST_ERR_ARG: case ST_ERR_PARSE: case ST_ERR_NOTFOUND: case ST_ERR_REFUSED:
		return ST_EXIT_USAGE;
	default:
		return ST_EXIT_ERROR;
	}
}

int cmd_triage(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "batch", required_argument, 0, 'b' }, { "resume", required_argument, 0, 'r' },
		{ "retest", no_argument, 0, 'R' },      { "list", no_argument, 0, 'L' },
		{ "confirm", required_argument, 0, 'c' }, { "db", required_argument, 0, 'd' },
		{ "operator", required_argument, 0, 'o' }, { "station", required_argument, 0, 'S' },
		{ "verbose", no_argument, 0, 'v' },     { "help", no_argument, 0, 'h' },
		{ "fixture", required_argument, 0, 'F' },
		{ 0, 0, 0, 0 },
	};
	const char *batch = NULL, *resume = NULL, *confirm = NULL;
	struct triage_cli cli = { .f = stdout };
	struct st_triage_opts o = { .operator_ = getenv("USER") };
	char err[ST_ERRLEN] = "", uuid[37];
	int c, list = 0, stopped = 0, ret;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'b': batch = optarg; break;
		case 'r': resume = optarg; break;
		case 'R': o.retest = 1; break;
		case 'L': list = 1; break;
		case 'c': confirm = optarg; break;
		case 'd': o.db = optarg; break;
		case 'o': o.operator_ = optarg; break;
		case 'S': o.station = optarg; break;
		case 'v': cli.verbose = 1; break;
		case 'F': o.fixture = optarg; break;
		case 'h': triage_usage(stdout); return ST_EXIT_PASS;
		default:
			return cli_usage_error("triage", "unknown or incomplete option '%s' (station triage --help)",
					       argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage_error("triage", "unexpected argument '%s'", argv[optind]);
	if (list)
		return batch || resume ? cli_usage_error("triage", "--list takes no batch") : triage_list(o.db);
	if (!!batch + !!resume != 1)
		return cli_usage_error("triage", "give --batch FILE.csv or --resume BATCH (station triage --help)");
	if (o.retest && !resume)
		return cli_usage_error("triage", "--retest is for --resume");
	if (confirm && strcmp(confirm, "yes"))
		return cli_usage_error("triage", "--confirm takes yes");
	o.confirm_yes = confirm != NULL;
	o.ask = o.confirm_yes ? NULL : ask_tty;
	o.on_unit = on_unit;
	o.on_event = on_event;
	o.on_batch = on_batch;
	o.ctx = &cli;
	ret = batch ? st_triage_start(batch, &o, uuid, &stopped, err)
		    : st_triage_resume(resume, &o, uuid, &stopped, err);
	if (ret) {
		fprintf(stderr, "station triage: %s\n", err);
		if (uuid[0])
			fprintf(stderr, "station triage: batch %.8s stopped; resume with: station triage --resume %.8s\n",
				uuid, uuid);
		return exit_code(ret);
	}
	if (stopped) {
		printf("batch %s stopped; resume with: station triage --resume %.8s\n", uuid, uuid);
		return ST_EXIT_ABORTED;
	}
	printf("batch %s done; report: station report batch %.8s --out batch.html\n", uuid, uuid);
	return ST_EXIT_PASS;
}
