/*
 * cmd_run.c - `station run` and `station plans`: the headless front end of
 * the sequencer.  It opens a bench session (station/bench/bench.h: model,
 * plan, limits, store, the in-process simulated bench unless --fixture is
 * given, audio), runs the plan, prints the sequencer's events as text or
 * as one JSON object per line, and exits with the verdict's code.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/bench.h"
#include "cli.h"
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
};

static void xml_escape(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		default:
			if ((unsigned char)*s >= 0x20 || *s == '\n' || *s == '\t')
				fputc(*s, f);
		}
	}
}

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

/* JUnit XML for CI: one testsuite per run, one testcase per step; FAIL is a
 * <failure>, ERROR and ABORTED an <error>, SKIP <skipped>. */
static int junit_write(const char *path, const struct run_out *o, const struct st_model *m,
		       const char *serial, const char *plan, const struct st_seq_result *res)
{
	FILE *f = fopen(path, "w");
	int failures = 0, errors = 0, skipped = 0;

	if (!f)
		return -1;
	for (int i = 0; i < o->ncases; i++) {
		failures += o->cases[i].verdict == ST_FAIL;
		errors += o->cases[i].verdict == ST_ERROR || o->cases[i].verdict == ST_ABORTED;
		skipped += o->cases[i].verdict == ST_SKIP;
	}
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n");
	fprintf(f, "  <testsuite name=\"");
	xml_escape(f, m->id);
	fprintf(f, ".");
	xml_escape(f, plan);
	fprintf(f, "\" tests=\"%d\" failures=\"%d\" errors=\"%d\" skipped=\"%d\">\n",
		o->ncases, failures, errors, skipped);
	fprintf(f, "    <properties>\n");
	fprintf(f, "      <property name=\"serial\" value=\"");
	xml_escape(f, serial);
	fprintf(f, "\"/>\n      <property name=\"firmware\" value=\"");
	xml_escape(f, res->firmware);
	fprintf(f, "\"/>\n      <property name=\"verdict\" value=\"%s\"/>\n",
		st_verdict_name(res->verdict));
	fprintf(f, "      <property name=\"disposition\" value=\"");
	xml_escape(f, res->disposition);
	fprintf(f, "\"/>\n      <property name=\"run\" value=\"%s\"/>\n    </properties>\n", res->uuid);
	for (int i = 0; i < o->ncases; i++) {
		const struct junit_case *c = &o->cases[i];

		fprintf(f, "    <testcase classname=\"");
		xml_escape(f, m->id);
		fprintf(f, ".");
		xml_escape(f, plan);
		fprintf(f, "\" name=\"%02d ", i + 1);
		xml_escape(f, c->name);
		fprintf(f, "\" time=\"%.3f\">\n", c->t1 > c->t0 ? c->t1 - c->t0 : 0.0);
		if (c->verdict == ST_FAIL || c->verdict == ST_ERROR || c->verdict == ST_ABORTED) {
			fprintf(f, "      <%s type=\"%s\" message=\"", c->verdict == ST_FAIL ? "failure" : "error",
				st_verdict_name(c->verdict));
			xml_escape(f, c->message);
			fprintf(f, "\"/>\n");
		} else if (c->verdict == ST_SKIP) {
			fprintf(f, "      <skipped message=\"");
			xml_escape(f, c->message);
			fprintf(f, "\"/>\n");
		}
		if (c->log[0]) {
			fprintf(f, "      <system-out>");
			xml_escape(f, c->log);
			fprintf(f, "</system-out>\n");
		}
		fprintf(f, "    </testcase>\n");
	}
	fprintf(f, "  </testsuite>\n</testsuites>\n");
	return fclose(f) == 0 ? 0 : -1;
}

static void print_json(const struct st_event *ev, FILE *f)
{
	char text[1024], step[128], name[128], disp[128], reason[512];

	st_json_escape(text, sizeof(text), ev->text ? ev->text : "");
	st_json_escape(step, sizeof(step), ev->step ? ev->step : "");
	fprintf(f, "{\"event\":\"%s\",\"t\":%.3f", st_ev_kind_name(ev->kind), ev->t);
	if (ev->step_idx >= 0)
		fprintf(f, ",\"step_idx\":%d,\"step\":\"%s\"", ev->step_idx, step);
	if (ev->kind == ST_EV_MEASUREMENT) {
		st_json_escape(name, sizeof(name), ev->name);
		fprintf(f, ",\"name\":\"%s\",\"value\":%.6g,\"unit\":\"%s\"", name, ev->value,
			ev->unit ? ev->unit : "");
		if (ev->has_low)
			fprintf(f, ",\"low\":%.6g", ev->low);
		else
			fprintf(f, ",\"low\":null");
		if (ev->has_high)
			fprintf(f, ",\"high\":%.6g", ev->high);
		else
			fprintf(f, ",\"high\":null");
		fprintf(f, ",\"marginal\":%s", ev->marginal ? "true" : "false");
	}
	if (ev->kind == ST_EV_STEP_END || ev->kind == ST_EV_RUN_END || ev->kind == ST_EV_MEASUREMENT)
		fprintf(f, ",\"verdict\":\"%s\"", st_verdict_name(ev->verdict));
	if (ev->kind == ST_EV_RUN_END) {
		st_json_escape(disp, sizeof(disp), ev->disposition ? ev->disposition : "");
		st_json_escape(reason, sizeof(reason), ev->reason ? ev->reason : "");
		fprintf(f, ",\"disposition\":\"%s\",\"reason\":\"%s\",\"uuid\":\"%s\"", disp, reason,
			ev->uuid ? ev->uuid : "");
	}
	fprintf(f, ",\"text\":\"%s\"}\n", text);
	fflush(f);
}

static void on_event(const struct st_event *ev, void *ctx)
{
	struct run_out *o = ctx;

	junit_event(o, ev);
	if (o->json) {
		print_json(ev, o->f);
		return;
	}
	if (o->quiet)
		return;
	switch (ev->kind) {
	case ST_EV_RUN_START:
		fprintf(o->f, "[%7.1fs] run: %s\n", ev->t, ev->text);
		break;
	case ST_EV_STEP_START:
		fprintf(o->f, "[%7.1fs] step %d: %s\n", ev->t, ev->step_idx + 1, ev->text);
		break;
	case ST_EV_STEP_END:
		fprintf(o->f, "[%7.1fs]   -> %s%s%s\n", ev->t, st_verdict_name(ev->verdict),
			ev->text && ev->text[0] ? ": " : "", ev->text ? ev->text : "");
		break;
	case ST_EV_MEASUREMENT:
		fprintf(o->f, "[%7.1fs]   %-28s %10.4g %-5s", ev->t, ev->name, ev->value,
			ev->unit ? ev->unit : "");
		if (ev->has_low && ev->has_high && ev->low == ev->high)
			fprintf(o->f, " (= %g)", ev->low);
		else if (ev->has_low && ev->has_high)
			fprintf(o->f, " [%g, %g]", ev->low, ev->high);
		else if (ev->has_low)
			fprintf(o->f, " (>= %g)", ev->low);
		else if (ev->has_high)
			fprintf(o->f, " (<= %g)", ev->high);
		fprintf(o->f, " %s%s\n", st_verdict_name(ev->verdict), ev->marginal ? " marginal" : "");
		break;
	case ST_EV_RUN_END:
		break;
	case ST_EV_FEEDBACK:
		fprintf(o->f, "[%7.1fs]     saw %s\n", ev->t, ev->text);
		break;
	case ST_EV_REFUSED:
		fprintf(o->f, "[%7.1fs]   REFUSED %s\n", ev->t, ev->text);
		break;
	default:
		fprintf(o->f, "[%7.1fs]   %s\n", ev->t, ev->text);
		break;
	}
	fflush(o->f);
}

/* Ask the operator on the terminal. */
static int tty_confirm(const char *question, void *ctx)
{
	char line[32];
	(void)ctx;

	for (;;) {
		fprintf(stderr, "\a%s [y/n/q] ", question);
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
		"  --fault NAME        inject a fault into the simulated unit (repeatable)\n"
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
		"  --confirm yes       answer operator questions with yes, recorded as assumed\n"
		"  --operator NAME     who runs the station (default $USER)\n"
		"  --station NAME      this station's name (default the host name)\n"
		"  --json              one JSON object per event on stdout\n"
		"  --quiet             print only the verdict line\n"
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
		{ "junit", required_argument, 0, 'J' },
		{ "audio", required_argument, 0, 'A' }, { "bench", required_argument, 0, 'B' },
		{ "captures", required_argument, 0, 'C' },
		{ "time-scale", required_argument, 0, 'T' },
		{ "help", no_argument, 0, 'h' },        { 0, 0, 0, 0 },
	};
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
		case 'J': *junit = optarg; break;
		case 'A': bo->audio = optarg; break;
		case 'B': bo->audio_bench = optarg; break;
		case 'C': bo->captures = optarg; break;
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
		return cli_usage_error("run", "--model, --serial and --plan are required (station run --help)");
	if (!(*serial)[0] || strlen(*serial) >= 64)
		return cli_usage_error("run", "--serial must be 1 to 63 characters");
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
	struct run_out out = { .f = stdout };

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
			fprintf(stderr, "station run: out of memory\n");
			return ST_EXIT_ERROR;
		}
	}
	ret = st_bench_open(&bench, &bo, err);
	if (!ret)
		ret = st_bench_signals_install(bench, err);
	/* the simulated unit is placed now, so a bench fault shows before the run */
	if (!ret)
		ret = st_bench_connect(bench, serial, err);
	if (ret) {
		fprintf(stderr, "station run: %s\n", err);
		exit_code = st_bench_exit_code(ret);
		goto out_bench;
	}
	ret = st_bench_run(bench, bo.plan, serial, on_event, &out, &res, err);
	if (ret) {
		fprintf(stderr, "station run: %s\n", err);
		exit_code = ret == ST_ERR_DB ? ST_EXIT_ERROR : ST_EXIT_USAGE;
		goto out_bench;
	}
	if (!out.json) {
		printf("\n%s  %s  serial %s  plan %s\n", st_verdict_name(res.verdict),
		       st_bench_model(bench)->id, serial, bo.plan);
		printf("disposition: %s\n", res.disposition[0] ? res.disposition : "-");
		if (res.reason[0])
			printf("reason: %s\n", res.reason);
		if (st_bench_db_path(bench))
			printf("run %s stored in %s\n", res.uuid, st_bench_db_path(bench));
	}
	exit_code = st_verdict_exit(res.verdict);
	if (junit && junit_write(junit, &out, st_bench_model(bench), serial, bo.plan, &res)) {
		fprintf(stderr, "station run: --junit %s: %s\n", junit, strerror(errno));
		if (exit_code == ST_EXIT_PASS)
			exit_code = ST_EXIT_ERROR;
	}
out_bench:
	st_bench_close(bench);
	free(out.cases);
	return exit_code;
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
		fprintf(stderr, "station plans: %s\n", err);
		return ST_EXIT_USAGE;
	}
	for (int i = 0; i < n; i++) {
		if (st_plan_find(st_data_dir(), names[i], &p, err)) {
			printf("%-16s (invalid: %s)\n", names[i], err);
			continue;
		}
		printf("%-16s %s\n", names[i], p.description);
	}
	return 0;
}
