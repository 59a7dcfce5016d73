/*
 * cmd_nightly.c - `station nightly`: the unattended front end that asks "did
 * this firmware build change anything?" of a few golden units.  It opens
 * one bench session (station/bench/bench.h), and for each golden unit in
 * turn asks for it on the fixture (or assumes it with --confirm yes),
 * checks on the unit's factory UART that it runs the build under test and
 * is the unit named (else that unit is ERROR: a failed flash never reads as
 * "no change"), runs the plan, and then judges every measurement and ANC
 * band against the unit's own baseline with the nightly library
 * (station/nightly/nightly.h): regressions, bench drift, exit code,
 * the night stored, JUnit for CI.  docs/nightly.md.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/bench.h"
#include "cli.h"
#include "core/enc.h"
#include "core/paths.h"
#include "core/st.h"
#include "fixture/fixture.h"
#include "limits/limits.h"
#include "model/model.h"
#include "nightly/nightly.h"
#include "store/store.h"

#define MAX_GOLDEN 16      /* golden units in one night */
#define MAX_UNIT_FAULTS 16 /* --unit-fault options */

struct nightly_opts {
	char golden[MAX_GOLDEN][64];    /* serials, in the order they are tested */
	int ngolden;
	const char *build;              /* --firmware: the build under test */
	const char *plan;               /* --plan, default "nightly" */
	const char *junit;              /* --junit FILE */
	const char *confirm;            /* "yes", "no" or NULL */
	int builds;                     /* --baseline N */
	int quiet;                      /* --quiet: only the result */
	const char *unit_fault[MAX_UNIT_FAULTS]; /* "SERIAL=FAULT" */
	int nunit_faults;
};

static void nightly_usage(FILE *f)
{
	fprintf(f,
		"usage: station nightly --golden SERIAL... --firmware BUILD [options]\n"
		"  --golden SERIAL...  golden units, tested in turn on the one fixture\n"
		"                      (repeatable, or several serials after it)\n"
		"  --firmware BUILD    the build under test: each unit must report it on its UART\n"
		"                      (on the simulated bench the simulated units run it)\n"
		"  --model MODEL       their model (default: the model of the first unit's last run)\n"
		"  --plan PLAN         plan run on each unit (default nightly)\n"
		"  --baseline N        a unit's baseline: its last N good builds (default 5, 1-32)\n"
		"  --junit FILE        JUnit XML: a testsuite per unit, a testcase per measurement\n"
		"  --db FILE           result database (default $STATION_DB or ./station.db)\n"
		"  --confirm yes       assume each unit is on the fixture (unattended) and answer\n"
		"                      operator questions with yes, recorded as assumed\n"
		"  --limits FILE       limit file with the regress thresholds (default limits/<MODEL>.lim)\n"
		"  --fixture ADDR      real fixture (default: the simulated bench)\n"
		"  --audio ADDR        acoustic bench: sim, pa or pa:DEVICE, or none\n"
		"  --bench NAME        channel roles from fixtures/benches/NAME.audio\n"
		"  --captures DIR      keep raw WAV captures in DIR/<run uuid>/\n"
		"  --fault NAME        simulated bench: a fault on every unit (repeatable;\n"
		"                      bench-refmic:DB, fw-anc:BUILD:HZ:DB, ...)\n"
		"  --unit-fault SERIAL=NAME  simulated bench: a fault on one unit (flash-fail)\n"
		"  --operator NAME     who runs the station (default $USER)\n"
		"  --station NAME      this station's name (default the host name)\n"
		"  --quiet             print only the result line\n"
		"exit: 0 no change, 1 regression (or out of limits), 2 usage error,\n"
		"      3 bench suspect or a station error (a unit not measured)\n");
}

static int add_golden(struct nightly_opts *no, const char *list)
{
	char buf[512], *save = NULL, err[ST_ERRLEN];

	if (strlen(list) >= sizeof(buf))
		return cli_usage_error("nightly", "--golden: list too long");
	st_strlcpy(buf, list, sizeof(buf));
	for (char *s = strtok_r(buf, ",", &save); s; s = strtok_r(NULL, ",", &save)) {
		if (st_serial_check(s, err))
			return cli_usage_error("nightly", "--golden: %s", err);
		if (no->ngolden == MAX_GOLDEN)
			return cli_usage_error("nightly", "at most %d golden units", MAX_GOLDEN);
		for (int i = 0; i < no->ngolden; i++)
			if (!strcmp(no->golden[i], s))
				return cli_usage_error("nightly", "--golden: %s given twice", s);
		st_strlcpy(no->golden[no->ngolden++], s, sizeof(no->golden[0]));
	}
	return -1;
}

/* A build name: 1-31 printable characters, no blank. */
static int build_check(const char *b)
{
	size_t n = strlen(b);

	if (!n || n > 31)
		return -1;
	for (const char *p = b; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
			return -1;
	return 0;
}

static int parse_opt(int c, struct nightly_opts *no, struct st_bench_opts *bo)
{
	long v;

	switch (c) {
	case 'g': return add_golden(no, optarg);
	case 'F': no->build = optarg; return -1;
	case 'm': bo->model = optarg; return -1;
	case 'p': no->plan = optarg; return -1;
	case 'n':
		if (st_parse_int(optarg, &v) || v < 1 || v > ST_NL_BASELINE_MAX)
			return cli_usage_error("nightly", "--baseline takes 1-%d builds, not '%s'",
					       ST_NL_BASELINE_MAX, optarg);
		no->builds = (int)v;
		return -1;
	case 'J': no->junit = optarg; return -1;
	case 'd': bo->db = optarg; return -1;
	case 'c': no->confirm = optarg; return -1;
	case 'l': bo->limits = optarg; return -1;
	case 'X': bo->fixture = optarg; return -1;
	case 'A': bo->audio = optarg; return -1;
	case 'B': bo->audio_bench = optarg; return -1;
	case 'C': bo->captures = optarg; return -1;
	case 'f':
		if (bo->sim.nfaults == ST_BENCH_MAX_FAULTS / 2)
			return cli_usage_error("nightly", "at most %d --fault options",
					       ST_BENCH_MAX_FAULTS / 2);
		bo->sim.faults[bo->sim.nfaults++] = optarg;
		return -1;
	case 'u':
		if (no->nunit_faults == MAX_UNIT_FAULTS || !strchr(optarg, '='))
			return cli_usage_error("nightly", "--unit-fault takes SERIAL=FAULT (at most %d)",
					       MAX_UNIT_FAULTS);
		no->unit_fault[no->nunit_faults++] = optarg;
		return -1;
	case 'o': bo->operator_ = optarg; return -1;
	case 'S': bo->station = optarg; return -1;
	case 'q': no->quiet = 1; return -1;
	case 'h': nightly_usage(stdout); return 0;
	default:
		return cli_usage_error("nightly", "unknown or incomplete option '%s' "
				       "(station nightly --help)", optarg ? optarg : "?");
	}
}

static int nightly_parse(int argc, char **argv, struct nightly_opts *no, struct st_bench_opts *bo)
{
	static const struct option opts[] = {
		{ "golden", required_argument, 0, 'g' }, { "firmware", required_argument, 0, 'F' },
		{ "model", required_argument, 0, 'm' },  { "plan", required_argument, 0, 'p' },
		{ "baseline", required_argument, 0, 'n' }, { "junit", required_argument, 0, 'J' },
		{ "db", required_argument, 0, 'd' },     { "confirm", required_argument, 0, 'c' },
		{ "limits", required_argument, 0, 'l' }, { "fixture", required_argument, 0, 'X' },
		{ "audio", required_argument, 0, 'A' },  { "bench", required_argument, 0, 'B' },
		{ "captures", required_argument, 0, 'C' }, { "fault", required_argument, 0, 'f' },
		{ "unit-fault", required_argument, 0, 'u' }, { "operator", required_argument, 0, 'o' },
		{ "station", required_argument, 0, 'S' }, { "quiet", no_argument, 0, 'q' },
		{ "help", no_argument, 0, 'h' },         { 0, 0, 0, 0 },
	};
	char err[ST_ERRLEN];
	int c, r;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == '?')
			optarg = argv[optind - 1];
		if ((r = parse_opt(c, no, bo)) >= 0)
			return r;
	}
	for (; optind < argc; optind++)   /* `--golden G1 G2 G3`: the rest are serials too */
		if ((r = add_golden(no, argv[optind])) >= 0)
			return r;
	if (!no->ngolden || !no->build)
		return cli_usage_error("nightly", "--golden and --firmware are required "
				       "(station nightly --help)");
	for (int i = 0; i < no->nunit_faults; i++) {
		size_t len = strcspn(no->unit_fault[i], "=");
		int found = 0;

		for (int g = 0; g < no->ngolden; g++)
			found |= strlen(no->golden[g]) == len && !strncmp(no->golden[g], no->unit_fault[i], len);
		if (!found || !no->unit_fault[i][len + 1])
			return cli_usage_error("nightly", "--unit-fault %.*s=...: not one of the --golden "
					       "units, or no fault", (int)(len < 64 ? len : 64),
					       no->unit_fault[i]);
	}
	if (build_check(no->build))
		return cli_usage_error("nightly", "--firmware: 1 to 31 printable characters, no blank");
	if (no->confirm && strcmp(no->confirm, "yes") && strcmp(no->confirm, "no"))
		return cli_usage_error("nightly", "--confirm takes yes or no");
	if ((bo->operator_ && *bo->operator_ && st_name_check("--operator", bo->operator_, err)) ||
	    (bo->station && st_name_check("--station", bo->station, err)))
		return cli_usage_error("nightly", "%s", err);
	if ((!no->confirm || strcmp(no->confirm, "yes")) && !isatty(STDIN_FILENO))
		return cli_usage_error("nightly", "nobody to put the golden units on the fixture: "
				       "give --confirm yes for an unattended night");
	return -1;
}

/* ---- one golden unit ------------------------------------------------------ */

/* Everything one night shares. */
struct night {
	struct nightly_opts *no;
	struct st_bench_opts *bo;       /* the session's options (sim faults per unit) */
	struct st_bench *bench;
	struct st_store *store;
	const char *model;              /* the golden units' model id */
	struct st_nl_unit units[MAX_GOLDEN];
	struct st_nl_night_row row;     /* the night as stored */
};

/* The unit's own faults on the simulated bench: the bench-wide ones and
 * its --unit-fault ones. */
static int place_unit(struct night *nt, const char *serial, char *err)
{
	struct st_bench_sim sim = nt->bo->sim;
	size_t len = strlen(serial);

	for (int i = 0; i < nt->no->nunit_faults; i++) {
		const char *uf = nt->no->unit_fault[i];

		if (strncmp(uf, serial, len) || uf[len] != '=')
			continue;
		if (sim.nfaults == ST_BENCH_MAX_FAULTS)
			return st_fail(err, ST_ERR_ARG, "too many faults on %s", serial);
		sim.faults[sim.nfaults++] = uf + len + 1;
	}
	return st_bench_set_sim(nt->bench, &sim, err);
}

/* Ask for the unit on the fixture: 1 go on, 0 stop the night. */
static int ask_swap(const struct night *nt, const char *serial)
{
	char line[32];

	if (nt->no->confirm && !strcmp(nt->no->confirm, "yes")) {
		if (!nt->no->quiet) {
			printf("golden unit ");
			st_term_put(stdout, serial);
			printf(": assumed on the fixture (--confirm yes)\n");
		}
		return 1;
	}
	fputc('\a', stderr);
	fputs("put golden unit ", stderr);
	st_term_put(stderr, serial);
	fputs(" on the fixture, then Enter (q stops the night) ", stderr);
	fflush(stderr);
	if (!fgets(line, sizeof(line), stdin))
		return 0;
	return line[0] != 'q' && line[0] != 'Q';
}

/* The value of KEY= in a UART INFO reply, into out; 0 if absent. */
static int info_value(const char *reply, const char *key, char *out, size_t n)
{
	size_t klen = strlen(key);

	for (const char *p = reply; *p;) {
		size_t len = strcspn(p, " \t\r\n");

		if (len > klen && !strncmp(p, key, klen) && p[klen] == '=') {
			snprintf(out, n, "%.*s", (int)(len - klen - 1), p + klen + 1);
			return 1;
		}
		p += len;
		p += strspn(p, " \t\r\n");
	}
	return 0;
}

/* Before measuring: the unit on the fixture is the one named and runs the
 * build under test.  ST_OK, or u->reason says why not (station fault or a
 * failed flash: ERROR either way). */
static int check_build(struct night *nt, struct st_nl_unit *u, char *err)
{
	char raw[512], reply[512], serial[64] = "", e[ST_ERRLEN];
	struct st_fixture *fx;
	int ret;

	ret = st_bench_connect(nt->bench, u->serial, e);
	fx = ret ? NULL : st_bench_fixture(nt->bench);
	if (!ret && !fx)
		ret = st_fail(e, ST_ERR_UNSUPPORTED, "no fixture");
	if (!ret)
		ret = st_fixture_uart(fx, "INFO", raw, sizeof(raw), e);
	if (ret) {
		snprintf(u->reason, sizeof(u->reason), "cannot read the unit's build on its UART: %.200s",
			 e);
		return st_fail(err, ret, "%s", u->reason);
	}
	st_term_clean(reply, sizeof(reply), raw);   /* the unit's words: no escape reaches a terminal */
	if (!info_value(reply, "fw", u->firmware, sizeof(u->firmware)))
		st_strlcpy(u->firmware, "", sizeof(u->firmware));
	info_value(reply, "serial", serial, sizeof(serial));
	if (serial[0] && strcmp(serial, u->serial)) {
		char want[64];

		st_strlcpy(want, u->serial, sizeof(want));
		snprintf(u->reason, sizeof(u->reason), "the unit on the fixture reports serial %.63s, "
			 "not %.63s", serial, want);
		return st_fail(err, ST_ERR_UNIT, "%s", u->reason);
	}
	if (strcmp(u->firmware, nt->no->build)) {
		snprintf(u->reason, sizeof(u->reason), "reports build %.31s, not %.31s: the flash failed "
			 "or was not done; not measured", u->firmware[0] ? u->firmware : "(none)",
			 nt->no->build);
		return st_fail(err, ST_ERR_UNIT, "%s", u->reason);
	}
	return ST_OK;
}

/* Live output: one line per step as it ends. */
static void on_event(const struct st_event *ev, void *ctx)
{
	const struct night *nt = ctx;

	if (nt->no->quiet || ev->kind != ST_EV_STEP_END)
		return;
	printf("  step %-2d %-16s %s", ev->step_idx + 1, ev->step, st_verdict_name(ev->verdict));
	if (ev->text && ev->text[0] && ev->verdict != ST_PASS) {
		fputs(": ", stdout);
		st_term_put(stdout, ev->text);
	}
	fputc('\n', stdout);
	fflush(stdout);
}

/* Run the plan on unit u and read its run and baseline back. */
static int measure_unit(struct night *nt, struct st_nl_unit *u, char *err)
{
	struct st_seq_result res;
	struct st_run_info ri;
	int ret;

	ret = st_bench_run(nt->bench, nt->no->plan, u->serial, on_event, nt, &res, err);
	if (ret) {
		snprintf(u->reason, sizeof(u->reason), "the run could not start: %.200s", err);
		return ret;
	}
	st_strlcpy(u->run_uuid, res.uuid, sizeof(u->run_uuid));
	if (!st_store_find_run(nt->store, res.uuid, &ri, err)) {
		u->run_id = ri.id;
		st_strlcpy(u->started, ri.started, sizeof(u->started));
	}
	if (res.verdict == ST_ERROR || res.verdict == ST_ABORTED) {
		snprintf(u->reason, sizeof(u->reason), "run %s: %.200s", st_verdict_name(res.verdict),
			 res.reason);
		return ST_ERR_IO;
	}
	if (res.firmware[0] && strcmp(res.firmware, nt->no->build)) {
		snprintf(u->reason, sizeof(u->reason), "reported build %.31s during the run, not %.31s",
			 res.firmware, nt->no->build);
		return ST_ERR_UNIT;
	}
	if (!u->run_id)
		return st_fail(err, ST_ERR_DB, "run %s is not in the database", res.uuid);
	ret = st_nl_unit_load(nt->store, u, nt->no->plan, nt->no->build, nt->no->builds, err);
	if (ret)
		snprintf(u->reason, sizeof(u->reason), "reading its history: %.200s", err);
	return ret;
}

/* One golden unit, start to end: placed, build checked, measured.  Returns
 * 0 to go on with the next unit, 1 to stop the night (operator). */
static int one_unit(struct night *nt, struct st_nl_unit *u)
{
	char err[ST_ERRLEN] = "";

	if (!ask_swap(nt, u->serial)) {
		st_strlcpy(u->reason, "the night was stopped before this unit", sizeof(u->reason));
		return 1;
	}
	if (place_unit(nt, u->serial, err)) {
		snprintf(u->reason, sizeof(u->reason), "%.200s", err);
		return 0;
	}
	u->ok = !check_build(nt, u, err) && !measure_unit(nt, u, err);
	if (!nt->no->quiet) {
		printf("golden unit ");
		st_term_put(stdout, u->serial);
		printf(": build %s, %s", u->firmware[0] ? u->firmware : "?",
		       u->ok ? "measured" : "ERROR: ");
		if (!u->ok)
			st_term_put(stdout, u->reason);
		if (u->ok)
			printf(", baseline of %d build%s", u->ngood, u->ngood == 1 ? "" : "s");
		fputc('\n', stdout);
	}
	return 0;
}

/* ---- the night's verdict ---------------------------------------------------- */

/* The regress thresholds: --limits, else the model's limit file, resolved
 * for the build when it is a dotted version. */
static struct st_limits *load_thresholds(const struct night *nt, char *err)
{
	struct st_limits *l = NULL;
	const char *fw = nt->no->build;

	for (int k = 0; k < 2 && !l; k++, fw = NULL) {
		int ret = nt->bo->limits ? st_limits_load(nt->bo->limits, fw, &l, err)
					 : st_limits_load_model(nt->bo->data_dir, nt->model, fw, &l, err);

		if (ret && ret != ST_ERR_ARG)
			return NULL;   /* a bad file; ST_ERR_ARG: the build is not a dotted version */
	}
	return l;
}

/* What changed, one line per regressed or out-of-limits cell. */
static void print_changes(const struct st_nl_night *n, const struct st_nl_unit *units)
{
	for (int u = 0; u < n->nunits; u++) {
		printf("%-10s %-14s run %.8s\n", units[u].serial, st_nl_unit_status(n, u),
		       units[u].run_uuid[0] ? units[u].run_uuid : "-");
		for (int k = 0; k < n->nkeys; k++) {
			const struct st_nl_cell *c = &n->cells[(size_t)u * (size_t)n->nkeys + (size_t)k];

			if (c->verdict != ST_NL_REGRESSION && c->verdict != ST_NL_LIMIT)
				continue;
			printf("  %-13s %-40s %9.4g %-5s", st_nl_verdict_name(c->verdict),
			       n->keys[k].key, c->value, n->keys[k].unit);
			if (c->base.n)
				printf(" baseline %.4g (%d build%s) change %+.3g, threshold %.3g\n",
				       c->base.median, c->base.n, c->base.n == 1 ? "" : "s", c->change,
				       c->effective);
			else
				printf(" limits [%g, %g]\n", c->low, c->high);
		}
	}
}

/* JUnit to --junit; 0 ok. */
static int write_junit(const struct night *nt, const struct st_nl_night *n)
{
	FILE *f = fopen(nt->no->junit, "w");
	int bad;

	if (!f) {
		cli_error("nightly", "--junit %s: cannot write", nt->no->junit);
		return -1;
	}
	bad = st_nl_junit_write(f, n, nt->units, nt->no->build, nt->model, nt->row.uuid);
	bad |= fclose(f) != 0;
	if (bad)
		cli_error("nightly", "--junit %s: write failed", nt->no->junit);
	return bad ? -1 : 0;
}

static const char *outcome_of(int code)
{
	return code == ST_EXIT_FAIL ? "regression" : code == ST_EXIT_PASS ? "no-change" : NULL;
}

/* Judge, print, store, JUnit: the night's exit code. */
static int judge(struct night *nt)
{
	struct st_nl_night n;
	struct st_nl_summary sum;
	struct st_limits *l;
	char err[ST_ERRLEN], line[1024];
	const char *outcome;
	int code;

	l = load_thresholds(nt, err);
	if (!l) {
		cli_error("nightly", "regress thresholds: %s", err);
		return ST_EXIT_USAGE;
	}
	code = st_nl_night_build(&n, nt->units, nt->no->ngolden, l, err);
	st_limits_free(l);
	if (code) {
		cli_error("nightly", "%s", err);
		return ST_EXIT_ERROR;
	}
	code = st_nl_judge_night(&n, &sum);
	st_nl_summary_line(&n, nt->units, line, sizeof(line));
	outcome = outcome_of(code);
	if (!outcome)
		outcome = sum.bench ? "bench-suspect" : "error";
	if (!nt->no->quiet)
		print_changes(&n, nt->units);
	printf("nightly %s: ", nt->no->build);
	st_term_put(stdout, line);
	fputc('\n', stdout);
	if (st_nl_record_units(nt->store, nt->row.id, &n, nt->units, err) ||
	    st_nl_end_night(nt->store, nt->row.id, outcome, line, err)) {
		cli_error("nightly", "the night was not stored: %s", err);
		code = ST_EXIT_ERROR;
	}
	if (nt->no->junit && write_junit(nt, &n) && code == ST_EXIT_PASS)
		code = ST_EXIT_ERROR;
	st_nl_night_free(&n);
	return code;
}

/* ---- the command ------------------------------------------------------------ */

static int take_model(const struct st_run_info *ri, void *ctx)
{
	st_strlcpy(ctx, ri->model, 64);
	return 1;   /* the newest run is enough */
}

/* The model of the newest stored run of serial, into model[64]. */
static int model_from_store(const char *db, const char *serial, char model[64])
{
	struct st_store *s;
	char err[ST_ERRLEN];

	if (st_store_open_ex(&s, db ? db : st_store_default_path(),
			     ST_STORE_NOCREATE | ST_STORE_READONLY_OK, NULL, err))
		return -1;
	st_store_runs(s, serial, 1, take_model, model, err);
	st_store_close(s);
	return model[0] ? 0 : -1;
}

/* Open the session and the night; then every unit in turn. */
static int run_night(struct night *nt)
{
	char err[ST_ERRLEN];
	int ret, stop = 0;

	ret = st_bench_open(&nt->bench, nt->bo, err);
	if (!ret)
		ret = st_bench_signals_install(nt->bench, err);
	nt->store = ret ? NULL : st_bench_store(nt->bench);
	if (!ret && !nt->store)
		ret = st_fail(err, ST_ERR_ARG, "a night needs the result database (its history)");
	if (ret) {
		cli_error("nightly", "%s", err);
		return st_bench_exit_code(ret);
	}
	st_strlcpy(nt->row.firmware, nt->no->build, sizeof(nt->row.firmware));
	st_strlcpy(nt->row.model, nt->model, sizeof(nt->row.model));
	st_strlcpy(nt->row.plan, nt->no->plan, sizeof(nt->row.plan));
	st_strlcpy(nt->row.station, st_bench_station(nt->bench), sizeof(nt->row.station));
	if (st_nl_record_night(nt->store, &nt->row, err)) {
		cli_error("nightly", "%s", err);
		return ST_EXIT_ERROR;
	}
	if (!nt->no->quiet)
		printf("night %s: build %s on %d golden unit%s (%s, plan %s, baseline %d builds)\n",
		       nt->row.uuid, nt->no->build, nt->no->ngolden, nt->no->ngolden == 1 ? "" : "s",
		       nt->model, nt->no->plan, nt->no->builds);
	for (int i = 0; i < nt->no->ngolden; i++) {
		struct st_nl_unit *u = &nt->units[i];

		st_strlcpy(u->serial, nt->no->golden[i], sizeof(u->serial));
		if (stop || *st_bench_abort_flag(nt->bench)) {
			st_strlcpy(u->reason, "the night was stopped before this unit", sizeof(u->reason));
			continue;
		}
		stop = one_unit(nt, u);
	}
	return judge(nt);
}

int cmd_nightly(int argc, char **argv)
{
	static struct nightly_opts no;
	static struct night nt;
	struct st_bench_opts bo;
	char model[64] = "";
	int ret;

	memset(&no, 0, sizeof(no));
	memset(&nt, 0, sizeof(nt));
	no.plan = "nightly";
	no.builds = ST_NL_DEFAULT_BUILDS;
	st_bench_opts_init(&bo);
	bo.operator_ = getenv("USER");
	ret = nightly_parse(argc, argv, &no, &bo);
	if (ret >= 0)
		return ret;
	if (!bo.model) {
		if (model_from_store(bo.db, no.golden[0], model))
			return cli_usage_error("nightly", "--model: no stored run of %s names its model; "
					       "give --model", no.golden[0]);
		bo.model = model;
	}
	bo.plan = no.plan;
	bo.confirm = no.confirm && !strcmp(no.confirm, "yes") ? ST_BENCH_CONFIRM_YES
							       : ST_BENCH_CONFIRM_NONE;
	if (!bo.fixture || !strcmp(bo.fixture, "sim"))
		bo.sim.firmware = no.build;   /* the simulated units run the build under test */
	nt.no = &no;
	nt.bo = &bo;
	nt.model = bo.model;
	ret = run_night(&nt);
	for (int i = 0; i < no.ngolden; i++)
		st_nl_unit_free(&nt.units[i]);
	st_bench_close(nt.bench);
	return ret;
}
