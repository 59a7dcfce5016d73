/*
 * test_reanalyse.c - `station rejudge` re-analysing a run's captures
 * (golden/capnote.h, golden/reanalyse.h): a capture's comment parsed
 * (good ones, and malformed ones refused naming the column); the
 * microphones' figures against the array's median (polarity majority);
 * and a stored run with synthetic ANC captures of known attenuation (the
 * sweep through a gain: open 1, ANC off 0.25, ANC on 0.025, a little noise)
 * re-analysed when forced, when its captures name another analysis
 * version, not when they name this one, and not when a capture was
 * altered (named, the stored values judged, no FAIL).
 */
#include "testutil.h"

#include <math.h>
#include <sys/stat.h>

#include "analysis/analysis.h"
#include "audio/wav.h"
#include "core/st.h"
#include "golden/capnote.h"
#include "golden/reanalyse.h"
#include "golden/rejudge.h"
#include "store/store.h"

static void test_capnote(void **state)
{
	struct st_capnote n;
	char err[ST_ERRLEN];

	(void)state;
	assert_int_equal(st_capnote_parse("station capture anc-off: ear-left ear-right; sweep "
					  "20-21600.000000000004 Hz 2 s -12 dBFS fade 10 ms; analysis 3",
					  &n, err), ST_OK);
	assert_string_equal(n.what, "anc-off");
	assert_int_equal(n.nch, 2);
	assert_int_equal(n.role[0], ST_ROLE_EAR_L);
	assert_int_equal(n.role[1], ST_ROLE_EAR_R);
	assert_int_equal(st_capnote_channel(&n, ST_ROLE_EAR_R), 1);
	assert_int_equal(st_capnote_channel(&n, ST_ROLE_MIC1), -1);
	assert_true(n.has_sweep && n.analysis == 3);
	assert_true(n.sw.f1 == 20 && n.sw.f2 == 21600.000000000004 && n.sw.seconds == 2 &&
		    n.sw.level_db == -12 && n.sw.fade_ms == 10 && n.sw.rate == 0);
	/* a capture that is not a sweep names none */
	assert_int_equal(st_capnote_parse("station capture floor: ear-left", &n, err), ST_OK);
	assert_true(!n.has_sweep && n.analysis == 0 && n.nch == 1);
	assert_int_equal(st_capnote_parse("station capture mics: mic1 mic2 mic3", &n, err), ST_OK);
	assert_int_equal(n.role[2], ST_ROLE_MIC1 + 2);

	/* each refused at the column where `at` starts ("" : the end; NULL:
	 * col 1, a sweep the station does not play) */
	static const struct { const char *c; const char *at; } bad[] = {
		{ "", "" },
		{ "recorded by someone", "recorded" },
		{ "station capture : ear-left", ": ear" },
		{ "station capture anc-off ear-left", " ear" },
		{ "station capture anc-off:", "" },
		{ "station capture anc-off: ear-middle", "ear-middle" },
		{ "station capture anc-off: ear-left ear-left", "ear-left" },
		{ "station capture anc-off: ear-left; sweep x-2 Hz 2 s -12 dBFS fade 10 ms; analysis 1", "x-2" },
		{ "station capture anc-off: ear-left; sweep 20-20000 Hz nan s -12 dBFS fade 10 ms; analysis 1", "nan" },
		{ "station capture anc-off: ear-left; sweep 20-20000 Hz 2 s -12 dBFS fade 10 ms; analysis 0", "0" },
		{ "station capture anc-off: ear-left; sweep 20-20000 Hz 2 s -12 dBFS fade 10 ms; analysis 1x", "x" },
		{ "station capture anc-off: ear-left; sweep 20000-20 Hz 2 s -12 dBFS fade 10 ms; analysis 1", NULL },
		{ "station capture anc-off: ear-left; sweep 20-20000 Hz 2 s 3 dBFS fade 10 ms; analysis 1", NULL },
		{ "station capture anc-off: ear-left\n", "ear-left" },
	};
	for (size_t i = 0; i < ST_ARRAY_SIZE(bad); i++) {
		char want[32];
		const char *at = bad[i].at ? (bad[i].at[0] ? strstr(bad[i].c, bad[i].at) :
					      bad[i].c + strlen(bad[i].c)) : bad[i].c;

		/* the repeated role: its second occurrence */
		if (bad[i].at && !strcmp(bad[i].at, "ear-left") && strstr(at + 1, "ear-left"))
			at = strstr(at + 1, "ear-left");
		if (bad[i].at && strlen(bad[i].at) == 1)  /* the last such character */
			at = strrchr(bad[i].c, bad[i].at[0]);
		snprintf(want, sizeof(want), "col %d: ", (int)(at - bad[i].c) + 1);
		err[0] = '\0';
		assert_int_equal(st_capnote_parse(bad[i].c, &n, err), ST_ERR_PARSE);
		if (!strstr(err, want))
			fail_msg("'%s': got '%s', want '%s'", bad[i].c, err, want);
		assert_int_equal(n.nch, 0);
	}
}

static void test_mics_relative(void **state)
{
	double d[4] = { 0, 10, 12, 11 }, g[4] = { 0, 1, 0.5, 0.7 }, p[4] = { 0, 179, -179, 170 };
	int pol[4] = { 1, -1, -1, -1 };

	(void)state;
	st_mics_relative(4, d, g, p, pol);
	/* medians 10.5, 0.6 and 85 */
	assert_true(fabs(d[0] + 10.5) < 1e-12 && fabs(d[2] - 1.5) < 1e-12);
	assert_true(fabs(g[0] + 0.6) < 1e-12 && fabs(g[1] - 0.4) < 1e-12);
	assert_true(fabs(p[1] - 94) < 1e-9 && fabs(p[2] - 96) < 1e-9);  /* -264 wraps to 96 */
	/* three of three look inverted: mic 1 is the odd one out */
	assert_int_equal(pol[0], -1);
	assert_true(pol[1] == 1 && pol[2] == 1 && pol[3] == 1);
}

/* ---- a stored run with synthetic captures ---- */

#define RATE 48000

/* The sweep through a gain, with a tail and a little noise, written with
 * the station's comment naming analysis `version`; its SHA-256 in hex. */
static void write_cap(const char *path, const char *what, double gain, int version, char hex[65])
{
	struct st_sweep sw;
	size_t n, frames;
	float *stim, *x;
	char comment[200], err[ST_ERRLEN];
	unsigned s = 12345;

	st_sweep_default(&sw);
	sw.rate = RATE;
	sw.seconds = 1;
	sw.level_db = -12;
	n = st_sweep_frames(&sw);
	frames = n + RATE;
	stim = calloc(n, sizeof(float));
	x = calloc(frames, sizeof(float));
	assert_non_null(stim);
	assert_non_null(x);
	assert_int_equal(st_sweep_generate(&sw, stim, n, err), ST_OK);
	for (size_t i = 0; i < frames; i++) {
		s = s * 1103515245u + 12345u;
		x[i] = (float)((i < n ? gain * stim[i] : 0) + 1e-6 * ((double)(s >> 8) / 16777216.0 - 0.5));
	}
	snprintf(comment, sizeof(comment), "station capture %s: ear-left; sweep %.17g-%.17g Hz %.17g s "
		 "%.17g dBFS fade %.17g ms; analysis %d", what, sw.f1, sw.f2, sw.seconds, sw.level_db,
		 sw.fade_ms, version);
	assert_int_equal(st_wav_write_comment(path, x, frames, 1, RATE, ST_WAV_FLOAT, comment, err),
			 ST_OK);
	assert_int_equal(st_sha256_file(path, hex, err), ST_OK);
	free(stim);
	free(x);
}

struct fixture {
	char dir[64], db[96], uuid[37];
	struct st_store *s;
};

/* A run with one anc step: three captures (analysis `version`) and two
 * stored values: active 19 (the captures hold 20 dB), passive 12.04 (as
 * they hold). */
static void make_run(struct fixture *f, int version)
{
	static const struct { const char *what; double gain; } caps[] = {
		{ "anc-open", 1.0 }, { "anc-off", 0.25 }, { "anc-on", 0.025 },
	};
	struct st_run_info ri;
	char err[ST_ERRLEN], path[160], rel[64], hex[65];
	long long step;

	memset(&ri, 0, sizeof(ri));
	st_strlcpy(ri.serial, "G1", sizeof(ri.serial));
	st_strlcpy(ri.model, "WH-1000XM5", sizeof(ri.model));
	assert_int_equal(st_store_run_begin(f->s, &ri, err), ST_OK);
	assert_int_equal(st_store_step(f->s, ri.id, 1, "anc", "step", "PASS", 0, 1, "", &step, err),
			 ST_OK);
	assert_int_equal(st_store_measurement(f->s, ri.id, step, "anc.active_db.L.1000Hz", 19, "dB",
					      NAN, NAN, "PASS", err), ST_OK);
	assert_int_equal(st_store_measurement(f->s, ri.id, step, "anc.passive_db.L.1000Hz",
					      20 * log10(4.0), "dB", NAN, NAN, "PASS", err), ST_OK);
	for (size_t i = 0; i < ST_ARRAY_SIZE(caps); i++) {
		snprintf(rel, sizeof(rel), "%s-%zu.wav", caps[i].what, i);
		snprintf(path, sizeof(path), "%s/%s", f->dir, rel);
		write_cap(path, caps[i].what, caps[i].gain, version, hex);
		assert_int_equal(st_store_artifact(f->s, ri.id, step, caps[i].what, rel, hex, err), ST_OK);
	}
	assert_int_equal(st_store_run_end(f->s, ri.id, "PASS", "", "", err), ST_OK);
	st_strlcpy(f->uuid, ri.uuid, sizeof(f->uuid));
}

static const struct st_judgement_result *result(const struct st_rejudge *rj, const char *name)
{
	for (int i = 0; i < rj->n; i++)
		if (!strcmp(rj->r[i].name, name))
			return &rj->r[i];
	fail_msg("no result %s", name);
	return NULL;
}

static void test_run(void **state)
{
	struct fixture f;
	struct st_rejudge rj;
	const struct st_judgement_result *a, *p;
	char err[ST_ERRLEN] = "", path[160], lim[] = "/tmp/st-test-XXXXXX.lim";
	FILE *fp;
	int fd;

	(void)state;
	memset(&f, 0, sizeof(f));
	snprintf(f.dir, sizeof(f.dir), "/tmp/st-reanalyse-%d", (int)getpid());
	mkdir(f.dir, 0700);
	snprintf(f.db, sizeof(f.db), "%s/t.db", f.dir);
	assert_int_equal(st_store_open(&f.s, f.db, err), ST_OK);
	fd = mkstemps(lim, 4);
	fp = fdopen(fd, "w");
	fprintf(fp, "include WH-1000XM5.lim\nmask anc.active_db unit dB\n\t100\t19.5\t-\n\t2000\t19.5\t-\nend\n");
	fclose(fp);

	/* the captures name this station's analysis: judged as stored (19 < 19.5) */
	make_run(&f, ST_AN_VERSION);
	if (st_rejudge_ex(f.s, f.uuid, lim, f.dir, 0, &rj, err))
		fail_msg("%s", err);
	a = result(&rj, "anc.active_db.L.1000Hz");
	assert_true(!a->reanalysed && a->value == 19);
	assert_string_equal(a->verdict, "FAIL");
	assert_string_equal(rj.j.reanalysed, "");
	assert_string_equal(rj.j.captures, "3 kept");
	assert_int_equal(rj.j.run_analysis, ST_AN_VERSION);
	st_rejudge_free(&rj);

	/* forced: the captures' 20 dB, within 0.05 dB; passive as stored */
	assert_int_equal(st_rejudge_ex(f.s, f.uuid, lim, f.dir, ST_REJUDGE_REANALYSE, &rj, err), ST_OK);
	a = result(&rj, "anc.active_db.L.1000Hz");
	p = result(&rj, "anc.passive_db.L.1000Hz");
	assert_true(a->reanalysed && a->stored == 19);
	if (!(fabs(a->value - 20) < 0.05 && fabs(p->value - 20 * log10(4.0)) < 0.05))
		fail_msg("active %g passive %g", a->value, p->value);
	assert_string_equal(a->verdict, "PASS");
	assert_string_equal(rj.j.verdict, "PASS");
	assert_int_equal(rj.moved, 1);         /* active moved 19 -> 20, passive did not */
	assert_int_equal(rj.reanalysed, 2);
	assert_non_null(strstr(rj.j.reanalysed, "anc (step 1): anc-open anc-off anc-on"));
	assert_string_equal(rj.j.not_reanalysed, "");
	assert_int_equal(st_store_judgement(f.s, &rj.j, rj.r, rj.n, err), ST_OK);
	st_rejudge_free(&rj);

	/* another analysis version named: re-analysed unasked */
	make_run(&f, ST_AN_VERSION + 1);
	assert_int_equal(st_rejudge_ex(f.s, f.uuid, lim, f.dir, 0, &rj, err), ST_OK);
	assert_true(result(&rj, "anc.active_db.L.1000Hz")->reanalysed);
	assert_int_equal(rj.j.run_analysis, ST_AN_VERSION + 1);
	st_rejudge_free(&rj);

	/* an altered capture: named, the stored values judged, nothing re-analysed */
	snprintf(path, sizeof(path), "%s/anc-on-2.wav", f.dir);
	fp = fopen(path, "r+b");
	assert_non_null(fp);
	fseek(fp, 4000, SEEK_SET);
	fputc(0x55, fp);
	fclose(fp);
	assert_int_equal(st_rejudge_ex(f.s, f.uuid, lim, f.dir, ST_REJUDGE_REANALYSE, &rj, err), ST_OK);
	a = result(&rj, "anc.active_db.L.1000Hz");
	assert_true(!a->reanalysed && a->value == 19);
	assert_string_equal(rj.j.captures, "2 kept, 1 missing or altered");
	assert_non_null(strstr(rj.j.not_reanalysed, "anc-on missing or altered"));
	st_rejudge_free(&rj);
	/* and a missing one */
	unlink(path);
	assert_int_equal(st_rejudge_ex(f.s, f.uuid, lim, f.dir, ST_REJUDGE_REANALYSE, &rj, err), ST_OK);
	assert_non_null(strstr(rj.j.not_reanalysed, "anc-on missing or altered"));
	st_rejudge_free(&rj);

	st_store_close(f.s);
	unlink(lim);
	{
		char cmd[128];
		snprintf(cmd, sizeof(cmd), "rm -rf %s", f.dir);
		assert_int_equal(system(cmd), 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_capnote),
		cmocka_unit_test(test_mics_relative),
		cmocka_unit_test(test_run),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
