/*
 * cmd_run.c - `station run` and `station plans`: the headless front end of
 * the sequencer.  It opens a bench session (station/bench/bench.h: model,
 * plan, limits, store, the in-process simulated bench unless --fixture is
 * given, audio), runs the plan, prints the sequencer's events as text or
 * as one JSON object per line, and exits with the verdict's code.
 */
#include <errno.h>
#include <math.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench/bench.h"
#include "cli.h"
#include "run_text.h"
#include "core/enc.h"
#include "core/st.h"
#include "model/model.h"
#include "plan/plan.h"
#include "seq/seq.h"

#define JUNIT_MAX 64

/* One step as JUnit sees it: a testcase. */
struct junit_case {
	char name[96];
	double t0, t1;
	enum st_verdict verdict;
	char message[512];
	char log[2048];      /* measurements and findings of the step */
};

struct run_out {
	int json;    /* one JSON object per event */
	int quiet;   /* only the verdict */
	FILE *f;
	struct junit_case *cases; /* --junit: steps collected for the report */
	int ncases;
	struct run_text text;     /* the text output's state (--verbose in it) */
};

static void junit_event(struct run_out *o, const struct st_event *ev)
{
	struct junit_case *c;
	size_t l;

	if (!o->cases)
		return;
	if (ev->kind == ST_EV_STEP_START && o->ncases < JUNIT_MAX) {
		c = &o->cases[o->ncases++];
		memset(c, 0, sizeof(*c));
		st_strlcpy(c->name, ev->text ? ev->text : "", sizeof(c->name));
		c->t0 = ev->t;
		return;
	}
	if (!o->ncases)
		return;
	c = &o->cases[o->ncases - 1];
	if (ev->kind == ST_EV_STEP_END) {
		c->t1 = ev->t;
		c->verdict = ev->verdict;
		st_strlcpy(c->message, ev->text ? ev->text : "", sizeof(c->message));
	} else if (ev->kind == ST_EV_MEASUREMENT || ev->kind == ST_EV_INFO ||
		   ev->kind == ST_EV_REFUSED) {
		l = strlen(c->log);
		if (ev->kind == ST_EV_MEASUREMENT)
			snprintf(c->log + l, sizeof(c->log) - l, "%s = %g %s %s\n", ev->name, ev->value,
				 ev->unit ? ev->unit : "", st_verdict_name(ev->verdict));
		else
			snprintf(c->log + l, sizeof(c->log) - l, "%s\n", ev->text ? ev->text : "");
	}
}

/* One <property name="name" value="value"/>. */
static void junit_property(FILE *f, const char *name, const char *value)
{
	fprintf(f, "      <property name=\"%s\" value=\"", name);
	st_xml_put(f, value, 1);
	fputs("\"/>\n", f);
}

static void junit_case(FILE *f, const struct junit_case *c, int number, const char *classname)
{
	fprintf(f, "    <testcase classname=\"");
	st_xml_put(f, classname, 1);
	fprintf(f, "\" name=\"step %d: ", number);
	st_xml_put(f, c->name, 1);
	fprintf(f, "\" time=\"%.3f\">\n", c->t1 > c->t0 ? c->t1 - c->t0 : 0.0);
	if (c->verdict == ST_FAIL || c->verdict == ST_ERROR || c->verdict == ST_ABORTED) {
		fprintf(f, "      <%s type=\"%s\" message=\"", c->verdict == ST_FAIL ? "failure" : "error",
			st_verdict_name(c->verdict));
		st_xml_put(f, c->message, 1);
		fprintf(f, "\"/>\n");
	} else if (c->verdict == ST_SKIP) {
		fprintf(f, "      <skipped message=\"");
		st_xml_put(f, c->message, 1);
		fprintf(f, "\"/>\n");
	}
	if (c->log[0]) {
		fprintf(f, "      <system-out>");
		st_xml_put(f, c->log, 0);
		fprintf(f, "</system-out>\n");
	}
	fprintf(f, "    </testcase>\n");
}

/* Open the --junit file before the run, so an unwritable path is a usage
 * error (exit 2) and not a lost report after it; "a" keeps an existing file
 * until junit_write() replaces its content. */
static int junit_open(const char *path, FILE **f, char *err)
{
	struct stat sb;

	if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode))
		return st_fail(err, ST_ERR_ARG, "--junit %s: not a regular file", path);
	*f = fopen(path, "a");
	if (!*f)
		return st_fail(err, ST_ERR_ARG, "--junit %s: cannot write: %s", path, strerror(errno));
	return ST_OK;
}

/* A run that ended before its report: close the file, removing it if the
 * run left it empty. */
static void junit_discard(const char *path, FILE *f)
{
	if (!f)
		return;
	if (ftell(f) == 0 && fseek(f, 0, SEEK_END) == 0 && ftell(f) == 0)
		unlink(path);
	fclose(f);
}

/* JUnit XML for CI: one testsuite per run, one testcase per step, named
 * "step N: NAME" (1-based, as the live output numbers them), its time in
 * bench seconds; FAIL is a <failure>, ERROR and ABORTED an <error>, SKIP
 * <skipped>.  f was opened (and so checked writable) before the run; it is
 * emptied and written now, and closed.  Every text goes through
 * st_xml_put(), so the file is well-formed XML whatever the unit said. */
static int junit_write(FILE *f, const struct run_out *o, const struct st_model *m,
		       const char *serial, const char *plan, const struct st_seq_result *res)
{
	int failures = 0, errors = 0, skipped = 0, bad;
	char classname[128];

	snprintf(classname, sizeof(classname), "%s.%s", m->id, plan);
	for (int i = 0; i < o->ncases; i++) {
		failures += o->cases[i].verdict == ST_FAIL;
		errors += o->cases[i].verdict == ST_ERROR || o->cases[i].verdict == ST_ABORTED;
		skipped += o->cases[i].verdict == ST_SKIP;
	}
	bad = fflush(f) || ftruncate(fileno(f), 0) || fseek(f, 0, SEEK_SET);
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n");
	fprintf(f, "  <testsuite name=\"");
	st_xml_put(f, classname, 1);
	fprintf(f, "\" tests=\"%d\" failures=\"%d\" errors=\"%d\" skipped=\"%d\">\n",
		o->ncases, failures, errors, skipped);
	fprintf(f, "    <properties>\n");
	junit_property(f, "serial", serial);
	junit_property(f, "firmware", res->firmware);
	junit_property(f, "verdict", st_verdict_name(res->verdict));
	junit_property(f, "disposition", res->disposition);
	junit_property(f, "run", res->uuid);
	junit_property(f, "time-base", "bench seconds");
	fprintf(f, "    </properties>\n");
	for (int i = 0; i < o->ncases; i++)
		junit_case(f, &o->cases[i], i + 1, classname);
	fprintf(f, "  </testsuite>\n</testsuites>\n");
	bad |= ferror(f);
	return fclose(f) == 0 && !bad ? 0 : -1;
}

/* One JSON object per event, built with jansson (core/enc.h): whatever
 * bytes the unit or the operator gave, the line parses. */
static void print_json(const struct st_event *ev, FILE *f)
{
	json_t *o = json_object();
	int bad = !o;

	if (o) {
		bad |= st_json_set_text(o, "event", st_ev_kind_name(ev->kind));
		bad |= st_json_set_num(o, "t", ev->t, 3);
	}
	if (o && ev->step_idx >= 0) {
		/* 1-based, as the live output, JUnit and the store number steps */
		bad |= st_json_set_int(o, "step_idx", ev->step_idx + 1);
		bad |= st_json_set_text(o, "step", ev->step);
	}
	if (o && ev->kind == ST_EV_MEASUREMENT) {
		bad |= st_json_set_text(o, "name", ev->name);
		bad |= st_json_set_num(o, "value", ev->value, -6);
		bad |= st_json_set_text(o, "unit", ev->unit);
		bad |= st_json_set_num(o, "low", ev->has_low ? ev->low : NAN, -6);
		bad |= st_json_set_num(o, "high", ev->has_high ? ev->high : NAN, -6);
		bad |= json_object_set_new(o, "marginal", json_boolean(ev->marginal));
	}
	if (o && (ev->kind == ST_EV_STEP_END || ev->kind == ST_EV_RUN_END ||
		  ev->kind == ST_EV_MEASUREMENT))
		bad |= st_json_set_text(o, "verdict", st_verdict_name(ev->verdict));
	if (o && ev->kind == ST_EV_RUN_END) {
		bad |= st_json_set_text(o, "disposition", ev->disposition);
		bad |= st_json_set_text(o, "reason", ev->reason);
		bad |= st_json_set_text(o, "uuid", ev->uuid);
	}
	if (o)
		bad |= st_json_set_text(o, "text", ev->text);
	if (bad) {
		json_decref(o);
		o = NULL;
	}
	if (st_json_put(f, o) == ST_ERR_MEM)
		cli_error("run", "out of memory writing a JSON event");
}

/* Live output: JSON lines, or text (run_text.c); JUnit hears every event. */
static void on_event(const struct st_event *ev, void *ctx)
{
	struct run_out *o = ctx;

	junit_event(o, ev);
	if (o->json)
		print_json(ev, o->f);
	else if (!o->quiet)
		run_text_event(&o->text, ev);
}

/* The verdict lines after the run; outside text terminal-clean. */
static void print_verdict(const struct st_seq_result *res, const char *model, const char *serial,
			  const char *plan, const char *db)
{
	const struct st_disposition *d;

	printf("\n%s  %s  serial ", st_verdict_name(res->verdict), model);
	st_term_put(stdout, serial);
	printf("  plan %s\ndisposition: ", plan);
	st_term_put(stdout, res->disposition[0] ? res->disposition : "-");
	if (res->reason[0]) {
		printf("\nreason: ");
		st_term_put(stdout, res->reason);
	}
	/* the seeds' advice for the customer (causes outside the headset) */
	if ((d = st_disposition_find(res->disposition)) && d->advice) {
		printf("\ncustomer: ");
		st_term_put(stdout, d->advice);
	}
	fputc('\n', stdout);
	if (db) {
		printf("run %s stored in ", res->uuid);
		st_term_put(stdout, db);
		fputc('\n', stdout);
	}
}

/* Ask the operator on the terminal. */
static int tty_confirm(const char *question, void *ctx)
{
	char line[32];
	(void)ctx;

	for (;;) {
		fputc('\a', stderr);
		st_term_put(stderr, question);
		fputs(" [y/n/q] ", stderr);
		fflush(stderr);
		if (!fgets(line, sizeof(line), stdin))
			return -1;
		if (line[0] == 'y' || line[0] == 'Y')
			return 1;
		if (line[0] == 'n' || line[0] == 'N')
			return 0;
		if (line[0] == 'q' || line[0] == 'Q')
			return -1;
	}
}

static void run_usage(FILE *f)
{
	fprintf(f,
		"usage: station run --model MODEL --serial SERIAL --plan PLAN [options]\n"
		"  --db FILE           result database (default $STATION_DB or ./station.db)\n"
		"  --no-db             do not store the run\n"
		"  --fixture ADDR      real fixture: DEVICE, numato:DEVICE or tcp:HOST:PORT\n"
		"                      (default: the in-process simulated bench)\n"
		"  --fault NAME        inject a fault into the simulated unit (repeatable):\n"
		"                      bt-limbo, low-battery, anc-weak, ...; every name and\n"
		"                      what it does: station faults [MODEL]\n"
		"  --battery PCT       simulated unit's battery level\n"
		"  --worn              simulated unit's wear sensor says worn\n"
		"  --identity MODEL    simulated unit reports this model (wrong-model tests)\n"
		"  --time-scale X      run the simulated bench on a real clock X times faster\n"
		"                      than real time (default: virtual time, no waiting)\n"
		"  --limits FILE       limit file (default limits/<MODEL>.lim)\n"
		"  --audio ADDR        acoustic bench: sim, pa or pa:DEVICE, or none\n"
		"                      (default: sim on the simulated bench, none with --fixture)\n"
		"  --bench NAME        channel roles from fixtures/benches/NAME.audio\n"
		"  --captures DIR      keep raw WAV captures in DIR/<run uuid>/\n"
		"                      (default: captures/ beside the database)\n"
		"  --calibration DIR   the bench's open-ear calibration (station calibrate) is\n"
		"                      DIR/<bench>.cal (default: calibration/ beside the database)\n"
		"  --confirm yes       answer operator questions with yes, recorded as assumed\n"
		"  --operator NAME     who runs the station (default $USER)\n"
		"  --station NAME      this station's name (default the host name)\n"
		"  --json              one JSON object per event on stdout\n"
		"  --quiet             print only the verdict line\n"
		"  --verbose           every measurement on its own line (default: a step's\n"
		"                      many values of one kind summarised in one line)\n"
		"  --junit FILE        also write the run as JUnit XML (one testcase per step)\n"
		"exit: 0 PASS, 1 FAIL, 2 usage or input error, 3 ERROR (station fault), 4 ABORTED\n");
}

/* Parse `station run`'s options into bench options; returns -1 when
 * they are fine, else the exit code (usage printed). */
static int run_parse(int argc, char **argv, struct st_bench_opts *bo, const char **serial,
		     const char **confirm, const char **junit, struct run_out *out)
{
	static const struct option opts[] = {
		{ "model", required_argument, 0, 'm' }, { "serial", required_argument, 0, 's' },
		{ "plan", required_argument, 0, 'p' },  { "db", required_argument, 0, 'd' },
		{ "no-db", no_argument, 0, 'N' },       { "fixture", required_argument, 0, 'F' },
		{ "fault", required_argument, 0, 'f' }, { "battery", required_argument, 0, 'b' },
		{ "worn", no_argument, 0, 'w' },        { "identity", required_argument, 0, 'i' },
		{ "limits", required_argument, 0, 'l' },{ "confirm", required_argument, 0, 'c' },
		{ "operator", required_argument, 0, 'o' }, { "station", required_argument, 0, 'S' },
		{ "json", no_argument, 0, 'j' },        { "quiet", no_argument, 0, 'q' },
		{ "verbose", no_argument, 0, 'v' },
		{ "junit", required_argument, 0, 'J' },
		{ "audio", required_argument, 0, 'A' }, { "bench", required_argument, 0, 'B' },
		{ "captures", required_argument, 0, 'C' },
		{ "calibration", required_argument, 0, 'K' },
		{ "time-scale", required_argument, 0, 'T' },
		{ "help", no_argument, 0, 'h' },        { 0, 0, 0, 0 },
	};
	char err[ST_ERRLEN];
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'm': bo->model = optarg; break;
		case 's': *serial = optarg; break;
		case 'p': bo->plan = optarg; break;
		case 'd': bo->db = optarg; break;
		case 'N': bo->no_db = 1; break;
		case 'F': bo->fixture = optarg; break;
		case 'f':
			if (bo->sim.nfaults == ST_BENCH_MAX_FAULTS)
				return cli_usage_error("run", "at most %d --fault options", ST_BENCH_MAX_FAULTS);
			bo->sim.faults[bo->sim.nfaults++] = optarg;
			break;
		case 'b':
			if (st_parse_double(optarg, &bo->sim.battery) || bo->sim.battery < 0 ||
			    bo->sim.battery > 100)
				return cli_usage_error("run", "--battery takes a percentage 0-100, not '%s'", optarg);
			break;
		case 'w': bo->sim.worn = 1; break;
		case 'i': bo->sim.identity = optarg; break;
		case 'l': bo->limits = optarg; break;
		case 'c': *confirm = optarg; break;
		case 'o': bo->operator_ = optarg; break;
		case 'S': bo->station = optarg; break;
		case 'j': out->json = 1; break;
		case 'q': out->quiet = 1; break;
		case 'v': out->text.verbose = 1; break;
		case 'J': *junit = optarg; break;
		case 'A': bo->audio = optarg; break;
		case 'B': bo->audio_bench = optarg; break;
		case 'C': bo->captures = optarg; break;
		case 'K': bo->calibration = optarg; break;
		case 'T':
			if (st_parse_double(optarg, &bo->time_scale) ||
			    !(bo->time_scale >= 0.01 && bo->time_scale <= 1e4))
				return cli_usage_error("run", "--time-scale takes a factor 0.01-10000, not '%s'",
						       optarg);
			break;
		case 'h': run_usage(stdout); return 0;
		default:
			return cli_usage_error("run", "unknown or incomplete option '%s' (station run --help)",
					       argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage_error("run", "unexpected argument '%s'", argv[optind]);
	if (!bo->model || !*serial || !bo->plan)
		return cli_usage_error("run", "--model, --serial and --plan are required (--plan may come "
				       "from station.conf's plan; station run --help)");
	if (st_serial_check(*serial, err))
		return cli_usage_error("run", "--serial: %s", err);
	/* no --operator and no $USER: the operator is unknown ("") */
	if ((bo->operator_ && *bo->operator_ && st_name_check("--operator", bo->operator_, err)) ||
	    (bo->station && st_name_check("--station", bo->station, err)))
		return cli_usage_error("run", "%s", err);
	if (*confirm && strcmp(*confirm, "yes") && strcmp(*confirm, "no"))
		return cli_usage_error("run", "--confirm takes yes or no");
	if (bo->fixture && bo->time_scale > 0)
		return cli_usage_error("run", "--time-scale is for the simulated bench; a fixture announces its own");
	return -1;
}

int cmd_run(int argc, char **argv)
{
	const char *serial = NULL, *confirm = NULL, *junit = NULL;
	int exit_code = ST_EXIT_ERROR, ret;
	char err[ST_ERRLEN] = "";
	struct st_bench_opts bo;
	struct st_bench *bench = NULL;
	struct st_seq_result res;
	struct run_out out = { .f = stdout, .text = { .f = stdout } };
	FILE *junit_f = NULL;

	st_bench_opts_init(&bo);
	bo.operator_ = getenv("USER");
	ret = run_parse(argc, argv, &bo, &serial, &confirm, &junit, &out);
	if (ret >= 0)
		return ret;
	if (confirm)
		bo.confirm = !strcmp(confirm, "yes") ? ST_BENCH_CONFIRM_YES : ST_BENCH_CONFIRM_NONE;
	else if (isatty(STDIN_FILENO) && !out.json)
		bo.confirm = ST_BENCH_CONFIRM_ASK;
	bo.confirm_fn = tty_confirm;
	if (junit) {
		out.cases = calloc(JUNIT_MAX, sizeof(*out.cases));
		if (!out.cases) {
			cli_error("run", "out of memory");
			return ST_EXIT_ERROR;
		}
		/* an unwritable --junit path is found now, not after the run */
		if (junit_open(junit, &junit_f, err)) {
			free(out.cases);
			return cli_usage_error("run", "%s", err);
		}
	}
	ret = st_bench_open(&bench, &bo, err);
	if (!ret)
		ret = st_bench_signals_install(bench, err);
	/* the simulated unit is placed now, so a bench fault shows before the run */
	if (!ret)
		ret = st_bench_connect(bench, serial, err);
	if (ret) {
		cli_error("run", "%s", err);
		exit_code = st_bench_exit_code(ret);
		goto out_bench;
	}
	ret = st_bench_run(bench, bo.plan, serial, on_event, &out, &res, err);
	run_text_finish(&out.text);
	if (ret) {
		cli_error("run", "%s", err);
		exit_code = ret == ST_ERR_DB ? ST_EXIT_ERROR : ST_EXIT_USAGE;
		goto out_bench;
	}
	if (!out.json)
		print_verdict(&res, st_bench_model(bench)->id, serial, bo.plan,
			      st_bench_db_path(bench));
	exit_code = st_verdict_exit(res.verdict);
	if (junit_f) {
		int bad = junit_write(junit_f, &out, st_bench_model(bench), serial, bo.plan, &res);

		junit_f = NULL;
		if (bad) {
			cli_error("run", "--junit %s: %s", junit, strerror(errno));
			if (exit_code == ST_EXIT_PASS)
				exit_code = ST_EXIT_ERROR;
		}
	}
out_bench:
	run_text_finish(&out.text);
	st_bench_close(bench);
	junit_discard(junit, junit_f);
	free(out.cases);
	return exit_code;
}

/* "~2h05", "~4m", or "~2h05-3h17" with an upper bound (static buffer). */
static const char *fmt_bench_time(double t, double up)
{
	static char buf[40];
	char a[16], b[16];

	for (int k = 0; k < 2; k++) {
		double v = k ? up : t;
		char *o = k ? b : a;

		if (v >= 3600)
			snprintf(o, 16, "%dh%02d", (int)(v / 3600), (int)(v / 60) % 60);
		else
			snprintf(o, 16, "%dm", (int)(v / 60 + 0.5) ? (int)(v / 60 + 0.5) : 1);
	}
	if (up > t + 60)
		snprintf(buf, sizeof(buf), "~%s-%s", a, b);
	else
		snprintf(buf, sizeof(buf), "~%s", a);
	return buf;
}

int cmd_plans(int argc, char **argv)
{
	char names[64][32], err[ST_ERRLEN];
	struct st_plan p;
	int n;

	(void)argc;
	(void)argv;
	n = st_plan_list(st_data_dir(), names, 64, err);
	if (n < 0) {
		cli_error("plans", "%s", err);
		return ST_EXIT_USAGE;
	}
	for (int i = 0; i < n; i++) {
		if (st_plan_find(st_data_dir(), names[i], &p, err)) {
			printf("%-16s (invalid: %s)\n", names[i], err);
			continue;
		}
		{
			/* real-bench time, so nobody is surprised (verify full ~2 h) */
			double up, t = st_seq_plan_seconds(&p, NULL, &up);

			printf("%-16s %-11s %s\n", names[i], fmt_bench_time(t, up), p.description);
		}
	}
	return 0;
}
