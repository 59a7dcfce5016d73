/*
 * cmd_calibrate.c - `station calibrate`: the open-ear calibration of an
 * acoustic bench.  The operator takes the headset off the acoustic test
 * fixture; one sweep to the bare ear simulators is stored for the bench
 * (DIR/BENCH.cal, with its date and SHA-256; measure/openear.c).  Every
 * ANC step on that bench then judges passive (open - off) and total
 * (open - on) attenuation against it, while it is younger than the bench
 * file's open-ear-max-age (24 h unless the bench file says otherwise); a
 * missing, altered or stale one makes the ANC step the station's ERROR.
 *
 *   station calibrate --model M [--audio ADDR] [--bench NAME|FILE]
 *           [--fixture ADDR] [--calibration DIR] [--db PATH] [--confirm yes]
 *           [--seed N] [--out DIR]
 *
 * Exit: 0 stored, 1 capture not judgeable (nothing stored), 2 usage or
 * nobody to confirm the headset is off, 3 station fault, 4 the operator
 * said no.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audio/audio.h"
#include "bench/bench.h"
#include "cli.h"
#include "core/st.h"
#include "fixture/fixture.h"
#include "measure/measure.h"

#define QUESTION "Take the headset off the acoustic test fixture (nothing on the ear simulators) for the open-ear calibration. Done?"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: station calibrate --model M [options]\n"
		"Open-ear calibration: one sweep to the acoustic test fixture with no headset,\n"
		"stored per bench with its date and sha256; ANC steps judge passive and total\n"
		"attenuation against it until it is older than the bench's open-ear-max-age.\n"
		"  --model M          the model the bench is set up for (the simulated unit)\n"
		"  --audio ADDR       sim (default), pa (bench file's device) or pa:DEVICE\n"
		"  --bench NAME       audio wiring: fixtures/benches/NAME.audio or a path\n"
		"  --fixture ADDR     sim (default: in-process) or a fixture port\n"
		"  --calibration DIR  where calibrations live (default: calibration/ beside the database)\n"
		"  --db PATH          the database the default folder is beside\n"
		"  --confirm yes      headless: assume the headset is off (recorded as assumed)\n"
		"  --seed N           simulator seed\n"
		"  --out DIR          write the raw capture as a WAV file there\n");
}

/* Options into bench options; -1 fine, else the exit code. */
static int calib_parse(int argc, char **argv, struct st_bench_opts *bo, const char **db,
		       const char **outdir, int *assume)
{
	long v;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (i + 1 >= argc)
			return cli_usage_error("calibrate", "%s needs a value (or is unknown)", a);
		if (!strcmp(a, "--model"))
			bo->model = argv[++i];
		else if (!strcmp(a, "--audio"))
			bo->audio = argv[++i];
		else if (!strcmp(a, "--bench"))
			bo->audio_bench = argv[++i];
		else if (!strcmp(a, "--fixture"))
			bo->fixture = argv[++i];
		else if (!strcmp(a, "--calibration"))
			bo->calibration = argv[++i];
		else if (!strcmp(a, "--db"))
			*db = argv[++i];
		else if (!strcmp(a, "--out"))
			*outdir = argv[++i];
		else if (!strcmp(a, "--confirm")) {
			if (strcmp(argv[++i], "yes"))
				return cli_usage_error("calibrate", "--confirm takes 'yes'");
			*assume = 1;
		} else if (!strcmp(a, "--seed")) {
			if (st_parse_int(argv[++i], &v) || v < 0)
				return cli_usage_error("calibrate", "--seed must be a number");
			bo->sim.seed = (unsigned)v;
		} else
			return cli_usage_error("calibrate", "unknown option '%s' (try --help)", a);
	}
	if (!bo->model)
		return cli_usage_error("calibrate", "--model is required");
	return -1;
}

/* The operator takes the headset off: 1 yes, 0 no, -1 nobody to ask. */
static int headset_off(int assume)
{
	char line[64];

	if (assume) {
		printf("assumed yes, not seen (--confirm yes): %s\n", QUESTION);
		return 1;
	}
	if (!isatty(STDIN_FILENO))
		return -1;
	fprintf(stderr, "%s [y/N] ", QUESTION);
	if (!fgets(line, sizeof(line), stdin))
		return 0;
	return line[0] == 'y' || line[0] == 'Y';
}

/* Measure, store, report; the exit code. */
static int calibrate(struct st_bench *bench, const char *outdir, char *err)
{
	struct st_audio *a = st_bench_audio(bench);
	struct st_open_ear *cal = calloc(1, sizeof(*cal));
	struct st_measure m;
	char path[600];
	int ret, rc = ST_EXIT_ERROR;

	if (!cal) {
		st_seterr(err, "out of memory");
		return ST_EXIT_ERROR;
	}
	if (st_audio_can_place(a)) {
		printf("the simulated bench lifts the unit off the fixture\n");
		ret = st_audio_place(a, 0, err);
		if (ret)
			goto out;
	}
	st_measure_init(&m, a, st_bench_fixture(bench), st_bench_model(bench));
	m.outdir = outdir;
	ret = st_measure_open_ear(&m, cal, err);
	if (st_audio_can_place(a))
		st_audio_place(a, 1, NULL);
	if (ret)
		goto out;
	if (!cal->valid) {
		printf("open ear: not judgeable after %d attempts: %s (the room, not the bench: "
		       "nothing stored)\n", cal->attempts, cal->why);
		rc = ST_EXIT_FAIL;
		goto out;
	}
	ret = st_open_ear_path(st_bench_calibration_dir(bench), cal->bench, path, sizeof(path), err);
	if (!ret)
		ret = st_open_ear_save(path, cal, err);
	if (ret)
		goto out;
	for (int e = 0; e < 2; e++)
		if (cal->wired[e])
			printf("open ear %s: 100 Hz %.1f dB, 1 kHz %.1f dB, 4 kHz %.1f dB re stimulus\n",
			       e ? "right" : "left", cal->band_db[e][st_an_band_index(100)],
			       cal->band_db[e][st_an_band_index(1000)],
			       cal->band_db[e][st_an_band_index(4000)]);
	for (int i = 0; i < cal->files.n; i++)
		printf("file %s %s sha256 %s\n", cal->files.f[i].what, cal->files.f[i].path,
		       cal->files.f[i].sha256);
	printf("calibration of bench %s taken %s, sha256 %s\nstored in %s; ANC steps on this bench "
	       "judge anc.passive_db and anc.total_db against it for %g h\n"
	       "put the headset back on the fixture\n", cal->bench, cal->taken_iso, cal->sha256, path,
	       a->bench.open_ear_max_age_h);
	rc = 0;
out:
	if (ret)
		rc = st_bench_exit_code(ret);
	free(cal);
	return rc;
}

int cmd_calibrate(int argc, char **argv)
{
	const char *db = NULL, *outdir = NULL;
	struct st_bench_opts bo;
	struct st_bench *bench = NULL;
	char err[ST_ERRLEN], dir[600];
	int assume = 0, rc, ret, ok;

	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		}
	st_bench_opts_init(&bo);
	bo.no_db = 1;
	rc = calib_parse(argc, argv, &bo, &db, &outdir, &assume);
	if (rc >= 0)
		return rc;
	if (!bo.calibration && db) {
		const char *slash = strrchr(db, '/');

		snprintf(dir, sizeof(dir), "%.*s%scalibration", slash ? (int)(slash - db) : 0, db,
			 slash ? "/" : "");
		bo.calibration = dir;
	}
	if (bo.audio && !strcmp(bo.audio, "none"))
		return cli_usage_error("calibrate", "--audio none: there is nothing to calibrate");
	ret = st_bench_open(&bench, &bo, err);
	if (!ret)
		ret = st_bench_signals_install(bench, err);
	if (!ret)
		ret = st_bench_connect(bench, NULL, err);
	if (!ret && !st_bench_audio(bench))
		ret = st_fail(err, ST_ERR_ARG, "this bench has no audio (--audio)");
	if (ret) {
		fprintf(stderr, "station calibrate: %s\n", err);
		rc = st_bench_exit_code(ret);
		goto out;
	}
	printf("audio: %s, fixture: %s\n", st_bench_audio_desc(bench), st_bench_fixture(bench)->desc);
	ok = headset_off(assume);
	if (ok <= 0) {
		fprintf(stderr, "station calibrate: %s\n", ok < 0 ?
			"nobody to confirm the headset is off the fixture (a terminal, or --confirm yes)" :
			"the headset is not off the fixture: nothing measured");
		rc = ok < 0 ? ST_EXIT_USAGE : ST_EXIT_ABORTED;
		goto out;
	}
	rc = calibrate(bench, outdir, err);
	if (rc && rc != ST_EXIT_FAIL)
		fprintf(stderr, "station calibrate: %s\n", err);
out:
	st_bench_close(bench);
	return rc;
}
