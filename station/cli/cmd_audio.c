/*
 * cmd_audio.c - `station audio`: bring up and check a bench's audio by
 * hand, without a plan.  Lists PortAudio devices, and runs one acoustic
 * measurement (ANC, mics, ramp-up, assistant latency, sounds) on an audio
 * back end and a fixture (a bench session, station/bench/bench.h, with no
 * store), printing the numbers the sequencer would judge.
 *
 *   station audio devices
 *   station audio anc|mics|ramp|assistant|sounds --model M
 *           [--audio sim|pa[:DEVICE]] [--bench NAME|FILE] [--fixture sim|PATH]
 *           [--fault F]... [--seed N] [--out DIR] [--settle S] [--seconds S] [--open]
 *
 * Exit: 0 measured and valid, 1 measured but not judgeable (invalid),
 * 2 usage, 3 station fault.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audio/audio.h"
#include "bench/bench.h"
#include "cli.h"
#include "core/st.h"
#include "fixture/fixture.h"
#include "measure/measure.h"
#include "model/model.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: station audio devices\n"
		"       station audio anc|mics|ramp|assistant|sounds --model M [options]\n"
		"  --audio ADDR     sim (default), pa (bench file's device) or pa:DEVICE\n"
		"  --bench NAME     audio wiring: fixtures/benches/NAME.audio or a path\n"
		"  --fixture ADDR   sim (default: in-process, virtual time) or a fixture port\n"
		"  --fault F        simulated fault (repeatable; in-process sim only)\n"
		"  --seed N         simulator seed\n"
		"  --out DIR        write the raw captures as WAV files there\n"
		"  --settle S       bench seconds to wait after ANC ON (default 40)\n"
		"  --seconds S      ramp / sounds capture length, bench seconds\n"
		"  --open           ANC: also capture the open ear (simulated bench only)\n");
}

static void print_files(const struct st_meas_files *f)
{
	for (int i = 0; i < f->n; i++)
		printf("file %s %s sha256 %s\n", f->f[i].what, f->f[i].path, f->f[i].sha256);
}

static int print_anc(const struct st_meas_anc *a)
{
	printf("anc: %s attempts %d%s%s\n", a->valid ? "valid" : "INVALID", a->attempts,
	       a->valid ? "" : " - ", a->why);
	for (int e = 0; e < 2; e++) {
		const struct st_meas_anc_ear *ear = &a->ear[e];

		if (!ear->wired)
			continue;
		for (int i = 0; i < ST_AN_NBANDS; i++) {
			if (isnan(ear->active_db[i]))
				continue;
			printf("anc %s %6.0f Hz passive %6.1f active %6.1f total %6.1f snr %5.1f\n",
			       e ? "right" : "left", st_an_band_nominal(i), ear->passive_db[i],
			       ear->active_db[i], ear->total_db[i], ear->snr_db[i]);
		}
	}
	print_files(&a->files);
	return a->valid;
}

static int print_mics(const struct st_meas_mics *r)
{
	printf("mics: %s attempts %d n %d%s%s\n", r->valid ? "valid" : "INVALID", r->attempts,
	       r->n, r->valid ? "" : " - ", r->why);
	for (int i = 0; i < r->n; i++)
		printf("mic%d delay_us %7.2f gain_db %6.2f phase_deg %7.2f polarity %+d "
		       "snr_db %5.1f abs_delay_us %7.1f\n", i + 1, r->mic[i].delay_us,
		       r->mic[i].gain_db, r->mic[i].phase_deg, r->mic[i].polarity,
		       r->mic[i].snr_db, r->mic[i].abs_delay_us);
	print_files(&r->files);
	return r->valid;
}

/* Parse the options after the measurement name into bench options and
 * measurement settings; returns -1 when fine, else the exit code. */
static int audio_parse(int argc, char **argv, struct st_bench_opts *bo, const char **outdir,
		       double *settle, double *seconds, int *open_ref)
{
	long v;

	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--open")) {
			*open_ref = 1;
			continue;
		}
		if (i + 1 >= argc)
			return cli_usage_error("audio", "%s needs a value (or is unknown)", a);
		if (!strcmp(a, "--model")) {
			bo->model = argv[++i];
		} else if (!strcmp(a, "--audio")) {
			bo->audio = argv[++i];
		} else if (!strcmp(a, "--bench")) {
			bo->audio_bench = argv[++i];
		} else if (!strcmp(a, "--fixture")) {
			bo->fixture = argv[++i];
		} else if (!strcmp(a, "--out")) {
			*outdir = argv[++i];
		} else if (!strcmp(a, "--fault")) {
			if (bo->sim.nfaults >= ST_BENCH_MAX_FAULTS)
				return cli_usage_error("audio", "too many --fault options");
			bo->sim.faults[bo->sim.nfaults++] = argv[++i];
		} else if (!strcmp(a, "--seed")) {
			if (st_parse_int(argv[++i], &v) || v < 0)
				return cli_usage_error("audio", "--seed must be a number");
			bo->sim.seed = (unsigned)v;
		} else if (!strcmp(a, "--settle")) {
			if (st_parse_double(argv[++i], settle) || !(*settle >= 0 && *settle <= 600))
				return cli_usage_error("audio", "--settle must be 0..600 s");
		} else if (!strcmp(a, "--seconds")) {
			if (st_parse_double(argv[++i], seconds) || !(*seconds > 0 && *seconds <= 600))
				return cli_usage_error("audio", "--seconds must be 0..600 s");
		} else {
			return cli_usage_error("audio", "unknown option '%s' (try --help)", a);
		}
	}
	if (!bo->model)
		return cli_usage_error("audio", "--model is required");
	return -1;
}

/* Run one measurement and print it; *valid says whether it is judgeable. */
static int measure_one(const char *what, struct st_measure *m, double seconds, int *valid,
		       char *err)
{
	int ret;

	if (!strcmp(what, "anc")) {
		struct st_meas_anc a;

		ret = st_measure_anc(m, &a, err);
		if (ret == ST_OK)
			*valid = print_anc(&a);
	} else if (!strcmp(what, "mics")) {
		struct st_meas_mics r;

		ret = st_measure_mics(m, &r, err);
		if (ret == ST_OK)
			*valid = print_mics(&r);
	} else if (!strcmp(what, "ramp")) {
		struct st_meas_ramp r;

		ret = st_measure_ramp(m, seconds, &r, err);
		if (ret == ST_OK) {
			printf("ramp: %s attempts %d ramp_s %.2f full_db %.1f snr_db %.1f%s%s\n",
			       r.valid ? "valid" : "INVALID", r.attempts, r.ramp_s, r.full_db,
			       r.snr_db, r.valid ? "" : " - ", r.why);
			print_files(&r.files);
			*valid = r.valid;
		}
	} else if (!strcmp(what, "assistant")) {
		struct st_meas_assistant r;

		ret = st_measure_assistant(m, NULL, 0, &r, err);
		if (ret == ST_OK) {
			printf("assistant: %s answered %d latency_s %.3f%s%s\n",
			       r.valid ? "valid" : "INVALID", r.answered, r.latency_s,
			       r.valid ? "" : " - ", r.why);
			print_files(&r.files);
			*valid = r.valid;
		}
	} else {
		struct st_meas_sounds r;

		ret = st_measure_sounds(m, seconds > 0 ? seconds : 5.0, &r, err);
		if (ret == ST_OK) {
			printf("sounds: %s n %d\n", r.valid ? "valid" : "INVALID", r.n);
			for (int i = 0; i < r.n; i++)
				printf("sound %s ear %s onset %.3f duration %.3f hz %.0f count %d\n",
				       r.s[i].kind, r.s[i].ear ? "right" : "left", r.s[i].onset_s,
				       r.s[i].duration_s, r.s[i].hz, r.s[i].count);
			print_files(&r.files);
			*valid = r.valid;
		}
	}
	return ret;
}

int cmd_audio(int argc, char **argv)
{
	const char *what, *outdir = NULL;
	struct st_bench_opts bo;
	struct st_bench *bench = NULL;
	struct st_fixture *fx;
	struct st_measure m;
	double settle = 0, seconds = 0;
	int open_ref = 0, rc, ret, valid = 0;
	char err[ST_ERRLEN];

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? ST_EXIT_USAGE : 0;
	}
	what = argv[1];
	for (int i = 2; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		}
	if (!strcmp(what, "devices")) {
		ret = st_audio_pa_list(stdout, err);
		if (ret < 0) {
			fprintf(stderr, "station audio: %s\n", err);
			return ST_EXIT_ERROR;
		}
		return 0;
	}
	if (strcmp(what, "anc") && strcmp(what, "mics") && strcmp(what, "ramp") &&
	    strcmp(what, "assistant") && strcmp(what, "sounds"))
		return cli_usage_error("audio", "unknown measurement '%s' (anc, mics, ramp, "
				       "assistant, sounds, devices)", what);
	st_bench_opts_init(&bo);
	bo.no_db = 1;
	bo.audio = "sim";
	rc = audio_parse(argc, argv, &bo, &outdir, &settle, &seconds, &open_ref);
	if (rc >= 0)
		return rc;
	ret = st_bench_open(&bench, &bo, err);
	if (!ret)
		ret = st_bench_signals_install(bench, err);
	if (!ret)
		ret = st_bench_connect(bench, NULL, err);
	if (ret) {
		fprintf(stderr, "station audio: %s\n", err);
		rc = st_bench_exit_code(ret);
		goto out_bench;
	}
	fx = st_bench_fixture(bench);
	st_fixture_wait(fx, 1.0, err);   /* let the unit boot */
	printf("audio: %s, fixture: %s\n", st_bench_audio_desc(bench), fx->desc);
	st_measure_init(&m, st_bench_audio(bench), fx, st_bench_model(bench));
	m.outdir = outdir;
	m.anc_settle_s = settle;
	m.open_ref = open_ref;
	ret = measure_one(what, &m, seconds, &valid, err);
	if (ret != ST_OK) {
		fprintf(stderr, "station audio: %s\n", err);
		rc = ST_EXIT_ERROR;
		goto out_bench;
	}
	rc = valid ? 0 : 1;
out_bench:
	st_bench_close(bench);
	return rc;
}
