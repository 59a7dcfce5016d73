/*
 * test_limits.c - unit tests of the limit-file parser, resolver and judge
 * (station/limits): the shipped files load; includes, overrides and
 * firmware blocks pick the right values and file:line; judging with guard
 * bands; mask interpolation; every error message form with its
 * file:line:col; the hash; and garbage, truncated and huge input never
 * crashes the parser.
 */
#include "testutil.h"

#include <math.h>
#include <sys/stat.h>

#include "core/st.h"
#include "limits/limits.h"

static char tmpdir[256];

static const char *data_dir(void)
{
	const char *d = getenv("STATION_DATA");

	return d && *d ? d : ".";
}

/* Write tmpdir/name; returns its path (static, one slot per call mod 8). */
static const char *put(const char *name, const char *text)
{
	static char paths[8][512];
	static int slot;
	char *p = paths[slot++ & 7];
	FILE *f;

	snprintf(p, 512, "%s/%s", tmpdir, name);
	f = fopen(p, "wb");
	assert_non_null(f);
	if (text)
		fputs(text, f);
	fclose(f);
	return p;
}

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/st-limits-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static struct st_limits *load_ok(const char *path, const char *fw)
{
	struct st_limits *l = NULL;
	char err[ST_ERRLEN] = "";
	int ret = st_limits_load(path, fw, &l, err);

	if (ret != ST_OK)
		fail_msg("%s: %s", path, err);
	assert_non_null(l);
	return l;
}

/* ---- shipped files ------------------------------------------------------ */

static const char *const models[] = {
	"WH-1000XM5", "WF-1000XM5", "LinkBuds S", "WH-1000XM4", "WH-1000XM3", "WF-1000XM4",
	"MDR-1000X", "MDR-1000XM2", "MDR-1000XM3", "MDR-1000XM4", "MDR-XB950N1",
};

static const char *const station_names[] = {
	"reset.hold_error_s", "battery.min_pct", "bt.addr_fresh", "bt.paired_after_reset",
	"bt.link_ok", "anc.rampup_s", "battery.drain_deviation_pct", "assistant.latency_s",
	"control.presses_to_register", "unit.phantom_resets", "led.feedback_latency_s",
	"mic.delay_us", "mic.gain_db", "mic.phase_deg", "mic.polarity",
};

static void test_shipped_models_load(void **state)
{
	static const char *const fws[] = { NULL, "1.0.0", "2.3.0", "2.3.1", "2.4.1" };
	char err[ST_ERRLEN];

	(void)state;
	for (size_t i = 0; i < ST_ARRAY_SIZE(models); i++) {
		for (size_t k = 0; k < ST_ARRAY_SIZE(fws); k++) {
			struct st_limits *l = NULL;
			char want[64];

			if (st_limits_load_model(data_dir(), models[i], fws[k], &l, err) != ST_OK)
				fail_msg("%s: %s", models[i], err);
			/* each model has its own file (not the defaults fallback) */
			snprintf(want, sizeof(want), "/%s.lim", models[i]);
			for (char *c = want; *c; c++)
				if (*c == ' ')
					*c = '-';
			assert_non_null(strstr(st_limits_path(l), want));
			for (size_t n = 0; n < ST_ARRAY_SIZE(station_names); n++)
				if (!st_limits_get(l, station_names[n]))
					fail_msg("%s lacks %s", models[i], station_names[n]);
			assert_non_null(st_limits_mask(l, "anc.total_db"));
			assert_non_null(st_limits_mask(l, "anc.active_db"));
			assert_non_null(st_limits_mask(l, "anc.passive_db"));
			assert_non_null(st_limits_mask(l, "response.band_db"));
			assert_int_equal(strlen(st_limits_hash(l)), 64);
			st_limits_free(l);
		}
	}
}

static void test_shipped_values(void **state)
{
	struct st_limits *l;
	const struct st_limit *lim;
	char err[ST_ERRLEN];

	(void)state;
	/* headphones: 10 %, from defaults.lim */
	assert_int_equal(st_limits_load_model(data_dir(), "WH-1000XM5", NULL, &l, err), ST_OK);
	lim = st_limits_get(l, "battery.min_pct");
	assert_true(lim->has_low && !lim->has_high);
	assert_true(lim->low == 10);
	assert_string_equal(lim->unit, "%");
	assert_non_null(strstr(lim->file, "defaults.lim"));
	assert_non_null(strstr(lim->source, "seed 000"));
	lim = st_limits_get(l, "anc.rampup_s");
	assert_true(lim->low == 22 && lim->high == 38 && lim->marginal == 2);
	lim = st_limits_get(l, "reset.hold_error_s");
	assert_true(lim->low == -0.3 && lim->high == 0.3);
	lim = st_limits_get(l, "bt.addr_fresh");
	assert_true(lim->low == 1 && lim->high == 1);
	lim = st_limits_get(l, "assistant.latency_s");
	assert_true(!lim->has_low && lim->high == 1.2);
	assert_null(st_limits_get(l, "no.such_limit"));
	assert_null(st_limits_mask(l, "no.such_mask"));
	st_limits_free(l);

	/* earbuds: 20 %, through earbuds.lim; model id with a space */
	for (int i = 0; i < 2; i++) {
		const char *m = i == 0 ? "LinkBuds S" : "WF-1000XM5";

		assert_int_equal(st_limits_load_model(data_dir(), m, NULL, &l, err), ST_OK);
		lim = st_limits_get(l, "battery.min_pct");
		assert_true(lim->low == 20);
		assert_non_null(strstr(lim->file, "earbuds.lim"));
		st_limits_free(l);
	}

	/* WF-1000XM4: 10 % (seed 000: it resets in its case, "sub-10%") */
	assert_int_equal(st_limits_load_model(data_dir(), "wf-1000xm4", NULL, &l, err), ST_OK);
	lim = st_limits_get(l, "battery.min_pct");
	assert_true(lim->low == 10);
	assert_non_null(strstr(lim->file, "WF-1000XM4.lim"));
	assert_non_null(strstr(lim->source, "sub-10%"));
	st_limits_free(l);

	/* MDR-XB950N1 overrides the active-ANC mask; passive comes from defaults */
	assert_int_equal(st_limits_load_model(data_dir(), "MDR-XB950N1", NULL, &l, err), ST_OK);
	assert_non_null(strstr(st_limits_mask(l, "anc.active_db")->file, "MDR-XB950N1.lim"));
	assert_non_null(strstr(st_limits_mask(l, "anc.passive_db")->file, "defaults.lim"));
	st_limits_free(l);

	/* MDR-1000XM4: below 2.3.1 the touch limit comes from the firmware block */
	assert_int_equal(st_limits_load_model(data_dir(), "MDR-1000XM4", "2.2.0", &l, err), ST_OK);
	lim = st_limits_get(l, "control.presses_to_register");
	assert_non_null(strstr(lim->file, "MDR-1000XM4.lim"));
	assert_non_null(strstr(lim->source, "2.3.1"));
	assert_string_equal(st_limits_firmware(l), "2.2.0");
	st_limits_free(l);
	assert_int_equal(st_limits_load_model(data_dir(), "MDR-1000XM4", "2.3.1", &l, err), ST_OK);
	lim = st_limits_get(l, "control.presses_to_register");
	assert_non_null(strstr(lim->file, "defaults.lim"));
	st_limits_free(l);
	assert_int_equal(st_limits_load_model(data_dir(), "MDR-1000XM4", NULL, &l, err), ST_OK);
	assert_non_null(strstr(st_limits_get(l, "control.presses_to_register")->file,
			       "defaults.lim"));
	st_limits_free(l);
}

static void test_load_model_lookup(void **state)
{
	struct st_limits *l = NULL;
	char err[ST_ERRLEN];
	char dir[512];

	(void)state;
	/* unknown model: the defaults */
	assert_int_equal(st_limits_load_model(data_dir(), "XY-9", NULL, &l, err), ST_OK);
	assert_non_null(strstr(st_limits_path(l), "defaults.lim"));
	st_limits_free(l);
	/* ids that could escape the directory are refused */
	assert_int_equal(st_limits_load_model(data_dir(), "../etc/passwd", NULL, &l, err), ST_ERR_ARG);
	assert_null(l);
	assert_int_equal(st_limits_load_model(data_dir(), "", NULL, &l, err), ST_ERR_ARG);
	/* no limits/ at all */
	snprintf(dir, sizeof(dir), "%s/empty", tmpdir);
	mkdir(dir, 0755);
	assert_int_equal(st_limits_load_model(dir, "WH-1000XM5", NULL, &l, err), ST_ERR_NOTFOUND);
	assert_non_null(strstr(err, "WH-1000XM5"));
	/* a bad firmware version is the caller's error */
	assert_int_equal(st_limits_load_model(data_dir(), "WH-1000XM5", "2.x", &l, err), ST_ERR_ARG);
	assert_non_null(strstr(err, "2.x"));
}

/* ---- inheritance, overrides, firmware ---------------------------------- */

static const char base_text[] =
	"# base\n"                                                   /* 1 */
	"limit a.s range 1 5 unit s marginal 0.5 source \"base a\"\n" /* 2 */
	"limit b.pct min 10 unit %\n"                                /* 3 */
	"limit c.n eq 0 unit count\n"                                /* 4 */
	"mask m.db unit dB\n"                                        /* 5 */
	"\t100 1 -\n"                                                /* 6 */
	"\t1000 2 -\n"                                               /* 7 */
	"end\n"                                                      /* 8 */
	"firmware >= 3.0\n"                                          /* 9 */
	"\tlimit c.n eq 3\n"                                         /* 10 */
	"end\n";                                                     /* 11 */

static const char model_text[] =
	"include base.lim\n"                                         /* 1 */
	"limit a.s range 2 4\n"                                      /* 2 */
	"limit b.pct min 20 marginal 1\n"                            /* 3 */
	"firmware >= 2.3.1\n"                                        /* 4 */
	"  limit b.pct min 30 source \"new fw\"\n"                   /* 5 */
	"  mask m.db\n"                                              /* 6 */
	"    100 5 -\n"                                              /* 7 */
	"    1000 6 -\n"                                             /* 8 */
	"  end\n"                                                    /* 9 */
	"end\n"                                                      /* 10 */
	"firmware 2.4.1 2.4.2\n"                                     /* 11 */
	"  limit d.x max 1\n"                                        /* 12 */
	"end\n"                                                      /* 13 */
	"firmware > 2.0 < 2.3.1\n"                                   /* 14 */
	"  limit e.x max 1\n"                                        /* 15 */
	"end\n"                                                      /* 16 */
	"firmware != 2.3.1\n"                                        /* 17 */
	"  limit f.x max 1\n"                                        /* 18 */
	"end\n"                                                      /* 19 */
	"limit c.n eq 1\n";                                          /* 20 */

static void check_at(const struct st_limit *l, const char *file, int line)
{
	assert_non_null(l);
	if (!strstr(l->file, file) || l->line != line)
		fail_msg("%s defined at %s:%d, expected %s:%d", l->name, l->file, l->line, file, line);
}

static void test_inheritance(void **state)
{
	struct st_limits *l;
	const struct st_limit *a, *b;
	const char *path;

	(void)state;
	put("base.lim", base_text);
	path = put("model.lim", model_text);

	l = load_ok(path, NULL);
	a = st_limits_get(l, "a.s");
	check_at(a, "model.lim", 2);
	assert_true(a->low == 2 && a->high == 4);
	assert_string_equal(a->unit, "s");           /* inherited */
	assert_true(a->marginal == 0.5);             /* inherited */
	assert_string_equal(a->source, "");          /* not inherited */
	b = st_limits_get(l, "b.pct");
	check_at(b, "model.lim", 3);
	assert_true(b->low == 20 && b->marginal == 1);
	assert_string_equal(b->unit, "%");
	/* the base's firmware block (>= 3.0) does not apply; model line 20 wins */
	check_at(st_limits_get(l, "c.n"), "model.lim", 20);
	assert_true(st_limits_get(l, "c.n")->low == 1);
	assert_null(st_limits_get(l, "d.x"));
	assert_null(st_limits_get(l, "e.x"));
	assert_null(st_limits_get(l, "f.x"));
	assert_int_equal(st_limits_mask(l, "m.db")->line, 5);
	assert_int_equal(st_limits_count(l), 3);
	assert_int_equal(st_limits_mask_count(l), 1);
	/* order of first definition */
	assert_string_equal(st_limits_at(l, 0)->name, "a.s");
	assert_string_equal(st_limits_at(l, 2)->name, "c.n");
	assert_null(st_limits_at(l, 3));
	assert_null(st_limits_at(l, -1));
	st_limits_free(l);
}

static void test_firmware_override(void **state)
{
	struct st_limits *l;
	const struct st_limit *b;
	const struct st_mask *m;
	const char *path;

	(void)state;
	put("base.lim", base_text);
	path = put("model.lim", model_text);

	/* 2.3.0: below the >= 2.3.1 block; inside > 2.0 < 2.3.1; != 2.3.1 */
	l = load_ok(path, "2.3.0");
	check_at(st_limits_get(l, "b.pct"), "model.lim", 3);
	check_at(st_limits_get(l, "e.x"), "model.lim", 15);
	check_at(st_limits_get(l, "f.x"), "model.lim", 18);
	assert_null(st_limits_get(l, "d.x"));
	assert_int_equal(st_limits_mask(l, "m.db")->line, 5);
	st_limits_free(l);

	/* 2.3.1 exactly: the >= block applies, others not */
	l = load_ok(path, "2.3.1");
	b = st_limits_get(l, "b.pct");
	check_at(b, "model.lim", 5);
	assert_true(b->low == 30);
	assert_true(b->marginal == 1);               /* inherited from line 3 */
	assert_string_equal(b->unit, "%");           /* inherited from base */
	assert_string_equal(b->source, "new fw");
	m = st_limits_mask(l, "m.db");
	assert_non_null(strstr(m->file, "model.lim"));
	assert_int_equal(m->line, 6);
	assert_string_equal(m->unit, "dB");          /* inherited */
	assert_true(m->pts[0].low == 5 && m->pts[1].low == 6);
	assert_null(st_limits_get(l, "e.x"));
	assert_null(st_limits_get(l, "f.x"));
	assert_null(st_limits_get(l, "d.x"));
	st_limits_free(l);

	/* v2.4.2 is in the exact list; 2.4.2.0 equals 2.4.2 */
	l = load_ok(path, "v2.4.2");
	check_at(st_limits_get(l, "d.x"), "model.lim", 12);
	check_at(st_limits_get(l, "b.pct"), "model.lim", 5);
	st_limits_free(l);
	l = load_ok(path, "2.4.2.0");
	check_at(st_limits_get(l, "d.x"), "model.lim", 12);
	st_limits_free(l);
	l = load_ok(path, "2.4.3");
	assert_null(st_limits_get(l, "d.x"));
	st_limits_free(l);

	/* 3.0: the base's block applies at the end of base.lim, but the model's
	 * own line 20 overrides it (the includer wins) */
	l = load_ok(path, "3.0");
	check_at(st_limits_get(l, "c.n"), "model.lim", 20);
	st_limits_free(l);
	l = load_ok(put("base2.lim", base_text), "3.0");
	check_at(st_limits_get(l, "c.n"), "base2.lim", 10);
	assert_true(st_limits_get(l, "c.n")->low == 3);
	st_limits_free(l);
}

static void test_version_cmp(void **state)
{
	int c;

	(void)state;
	assert_int_equal(st_version_cmp("2.3.1", "2.3.1", &c), ST_OK);
	assert_int_equal(c, 0);
	assert_int_equal(st_version_cmp("2.3", "2.3.0.0", &c), ST_OK);
	assert_int_equal(c, 0);
	assert_int_equal(st_version_cmp("2.10", "2.9", &c), ST_OK);
	assert_true(c > 0);
	assert_int_equal(st_version_cmp("v1.0.0", "2", &c), ST_OK);
	assert_true(c < 0);
	assert_int_equal(st_version_cmp("2.", "2", &c), ST_ERR_PARSE);
	assert_int_equal(st_version_cmp("2..1", "2", &c), ST_ERR_PARSE);
	assert_int_equal(st_version_cmp("1.2.3.4.5.6.7.8.9", "2", &c), ST_ERR_PARSE);
	assert_int_equal(st_version_cmp("1234567890", "2", &c), ST_ERR_PARSE);
	assert_int_equal(st_version_cmp("2.3-JPN", "2", &c), ST_ERR_PARSE);
	assert_int_equal(st_version_cmp("", "2", &c), ST_ERR_PARSE);
}

static void test_hash(void **state)
{
	struct st_limits *l;
	char hex[65], *both;
	size_t nb = strlen(base_text), nm = strlen(model_text);
	const char *path;

	(void)state;
	put("base.lim", base_text);
	path = put("model.lim", model_text);
	l = load_ok(path, NULL);
	both = malloc(nb + nm);
	assert_non_null(both);
	memcpy(both, model_text, nm);     /* the top file is read first */
	memcpy(both + nm, base_text, nb);
	st_sha256_hex(both, nb + nm, hex);
	assert_string_equal(st_limits_hash(l), hex);
	assert_string_equal(st_limits_path(l), path);
	st_limits_free(l);
	free(both);

	/* changing an included file changes the hash */
	put("base.lim", "limit a.s max 1\n");
	l = load_ok(path, NULL);
	assert_string_not_equal(st_limits_hash(l), hex);
	st_limits_free(l);
}

/* ---- judging ------------------------------------------------------------ */

static void test_judge(void **state)
{
	struct st_limit r = { .name = "r", .has_low = 1, .has_high = 1, .low = 22, .high = 38,
			      .marginal = 2 };
	struct st_limit mn = { .name = "mn", .has_low = 1, .low = 10 };
	struct st_limit mx = { .name = "mx", .has_high = 1, .high = 1.2, .marginal = 0.1 };
	struct st_limit eq = { .name = "eq", .has_low = 1, .has_high = 1, .low = 1, .high = 1 };
	struct st_limit t = { .name = "t", .has_low = 1, .has_high = 1, .low = -0.3, .high = 0.3 };
	int m;

	(void)state;
	assert_int_equal(st_limit_judge(&r, 30, &m), ST_PASS);
	assert_int_equal(m, 0);
	assert_int_equal(st_limit_judge(&r, 22, &m), ST_PASS);   /* bounds inclusive */
	assert_int_equal(m, 1);
	assert_int_equal(st_limit_judge(&r, 23.5, &m), ST_PASS);
	assert_int_equal(m, 1);
	assert_int_equal(st_limit_judge(&r, 24, &m), ST_PASS);   /* edge of guard band */
	assert_int_equal(m, 0);
	assert_int_equal(st_limit_judge(&r, 37, &m), ST_PASS);
	assert_int_equal(m, 1);
	assert_int_equal(st_limit_judge(&r, 38, &m), ST_PASS);
	assert_int_equal(m, 1);
	assert_int_equal(st_limit_judge(&r, 38.01, &m), ST_FAIL);
	assert_int_equal(m, 0);
	assert_int_equal(st_limit_judge(&r, 21.99, &m), ST_FAIL);
	assert_int_equal(st_limit_judge(&r, 30, NULL), ST_PASS);

	assert_int_equal(st_limit_judge(&mn, 10, &m), ST_PASS);
	assert_int_equal(st_limit_judge(&mn, 1e9, &m), ST_PASS);
	assert_int_equal(st_limit_judge(&mn, 9.9, &m), ST_FAIL);
	assert_int_equal(st_limit_judge(&mx, -5, &m), ST_PASS);
	assert_int_equal(m, 0);
	assert_int_equal(st_limit_judge(&mx, 1.15, &m), ST_PASS);
	assert_int_equal(m, 1);
	assert_int_equal(st_limit_judge(&mx, 2.6, &m), ST_FAIL);

	assert_int_equal(st_limit_judge(&eq, 1, &m), ST_PASS);
	assert_int_equal(m, 0);
	assert_int_equal(st_limit_judge(&eq, 0, &m), ST_FAIL);
	assert_int_equal(st_limit_judge(&eq, 2, &m), ST_FAIL);

	/* rounding: 0.1 + 0.2 is 0.30000000000000004 */
	assert_int_equal(st_limit_judge(&t, 0.1 + 0.2, &m), ST_PASS);
	assert_int_equal(st_limit_judge(&t, -0.1 - 0.2, &m), ST_PASS);
	assert_int_equal(st_limit_judge(&t, 0.3001, &m), ST_FAIL);

	/* not a measurement: a station fault, never a FAIL */
	assert_int_equal(st_limit_judge(&r, NAN, &m), ST_ERROR);
	assert_int_equal(st_limit_judge(&r, INFINITY, &m), ST_ERROR);
	assert_int_equal(st_limit_judge(NULL, 1, &m), ST_ERROR);
}

static void test_mask(void **state)
{
	struct st_limits *l;
	const struct st_mask *m;
	double lo, hi;
	int hl, hh, wi;

	(void)state;
	l = load_ok(put("mask.lim",
			"mask t.db unit dB\n"
			"  100   10  30\n"
			"  1000  20  -\n"
			"  2000  -   -\n"
			"  4000  0   5\n"
			"  8000  2   7\n"
			"end\n"), NULL);
	m = st_limits_mask(l, "t.db");
	assert_non_null(m);
	assert_int_equal(m->npts, 5);

	/* at the points */
	assert_int_equal(st_mask_at(m, 100, &lo, &hl, &hi, &hh), ST_OK);
	assert_true(hl && hh && lo == 10 && hi == 30);
	assert_int_equal(st_mask_at(m, 1000, &lo, &hl, &hi, &hh), ST_OK);
	assert_true(hl && !hh && lo == 20);
	assert_int_equal(st_mask_at(m, 2000, &lo, &hl, &hi, &hh), ST_OK);
	assert_true(!hl && !hh);
	/* between: halfway in log-frequency (316.2 Hz) is halfway in dB */
	assert_int_equal(st_mask_at(m, sqrt(100.0 * 1000.0), &lo, &hl, &hi, &hh), ST_OK);
	assert_true(hl && !hh);                      /* high only where both points have it */
	assert_true(fabs(lo - 15) < 1e-9);
	assert_int_equal(st_mask_at(m, 200, &lo, &hl, &hi, &hh), ST_OK);
	assert_true(fabs(lo - (10 + 10 * log10(2.0))) < 1e-9);
	/* 1000..2000 and 2000..4000: no bound (2000 has none) */
	assert_int_equal(st_mask_at(m, 1500, &lo, &hl, &hi, &hh), ST_OK);
	assert_true(!hl && !hh);
	assert_int_equal(st_mask_at(m, 3000, &lo, &hl, &hi, &hh), ST_OK);
	assert_true(!hl && !hh);
	/* 4000..8000 at a quarter: 4000 * 2^0.25 */
	assert_int_equal(st_mask_at(m, 4000 * pow(2, 0.25), &lo, &hl, &hi, &hh), ST_OK);
	assert_true(hl && hh && fabs(lo - 0.5) < 1e-9 && fabs(hi - 5.5) < 1e-9);
	/* outside the mask's range: no bound */
	assert_int_equal(st_mask_at(m, 99.9, &lo, &hl, &hi, &hh), ST_OK);
	assert_true(!hl && !hh);
	assert_int_equal(st_mask_at(m, 8001, &lo, &hl, &hi, &hh), ST_OK);
	assert_true(!hl && !hh);
	assert_int_equal(st_mask_at(m, 0, &lo, &hl, &hi, &hh), ST_ERR_ARG);
	assert_int_equal(st_mask_at(m, -1, &lo, &hl, &hi, &hh), ST_ERR_ARG);
	assert_int_equal(st_mask_at(m, NAN, &lo, &hl, &hi, &hh), ST_ERR_ARG);
	assert_int_equal(st_mask_at(NULL, 100, &lo, &hl, &hi, &hh), ST_ERR_ARG);

	/* judging a curve */
	{
		double hz[] = { 0, 50, 100, 316.227766, 1000, 1500, 5000, 20000 };
		double ok[] = { -99, -99, 12, 16, 25, -99, 3, -99 };
		double bad[] = { 0, 0, 12, 14.5, 25, 0, 3, 0 };
		double worse[] = { 0, 0, 12, 14.5, 25, 0, 9, 0 };
		double nan[] = { 0, 0, 12, NAN, 25, 0, 3, 0 };

		assert_int_equal(st_mask_judge(m, hz, ok, 8, &wi), ST_PASS);
		assert_int_equal(wi, 3);                  /* margin 1 dB at 316 Hz */
		assert_int_equal(st_mask_judge(m, hz, bad, 8, &wi), ST_FAIL);
		assert_int_equal(wi, 3);
		assert_int_equal(st_mask_judge(m, hz, worse, 8, &wi), ST_FAIL);
		assert_int_equal(wi, 6);                  /* 3.2 dB over beats 0.5 under */
		assert_int_equal(st_mask_judge(m, hz, nan, 8, &wi), ST_ERROR);
		assert_int_equal(wi, 3);
		/* nothing inside the mask: cannot judge */
		assert_int_equal(st_mask_judge(m, hz, ok, 2, &wi), ST_ERROR);
		assert_int_equal(wi, -1);
		assert_int_equal(st_mask_judge(m, hz, ok, 0, &wi), ST_ERROR);
		assert_int_equal(st_mask_judge(NULL, hz, ok, 8, NULL), ST_ERROR);
	}
	st_limits_free(l);
}

/* ---- errors ------------------------------------------------------------- */

struct bad {
	const char *text;   /* file content */
	const char *where;  /* "line:col" expected after the path */
	const char *what;   /* substring of the message */
};

static const struct bad bads[] = {
	{ "frob 1\n", "1:1", "unknown keyword 'frob'" },
	{ "limit a max 1 frob\n", "1:15", "unknown keyword 'frob' in limit" },
	{ "mask m unit dB colour red\n100 1 2\n200 1 2\nend\n", "1:16", "unknown keyword 'colour' in mask" },
	{ "\"quoted\" 1\n", "1:1", "unknown keyword" },
	{ "# c\n  limit a min x1\n", "2:15", "bad number 'x1'" },
	{ "limit a range 1 0x10\n", "1:17", "bad number '0x10'" },
	{ "limit a max inf\n", "1:13", "bad number 'inf'" },
	{ "limit a max nan\n", "1:13", "bad number 'nan'" },
	{ "limit a max 1e400\n", "1:13", "bad number" },
	{ "limit a max \"1\"\n", "1:13", "bad number" },
	{ "limit a max\n", "1:9", "'max' needs a number" },
	{ "limit a range 1\n", "1:9", "'range' needs a number" },
	{ "limit a range 5 3 unit s\n", "1:17", "low 5 > high 3" },
	{ "limit a min 5 max 3\n", "1:19", "low 5 > high 3" },
	{ "limit a min 1 unit sec\n", "1:20", "unknown unit 'sec'" },
	{ "limit a min 1 unit\n", "1:15", "'unit' needs a unit" },
	{ "limit a min 1 unit s unit s\n", "1:22", "'unit' given twice" },
	{ "limit a min 1 min 2\n", "1:15", "'min' given twice" },
	{ "limit a unit s\n", "1:7", "needs min, max, range or eq" },
	{ "limit a range 1 2 eq 1\n", "1:7", "give range or eq alone" },
	{ "limit\n", "1:1", "'limit' needs a name" },
	{ "limit a/b min 1\n", "1:7", "bad name" },
	{ "limit aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa min 1\n", "1:7",
	  "name longer than 63" },
	{ "limit a eq 1 marginal 1\n", "1:23", "marginal makes no sense with eq" },
	{ "limit a range 0 1 marginal 0.5\n", "1:28", "not less than half the range" },
	{ "limit a range 0 1 marginal -1\n", "1:28", "negative" },
	{ "limit a max 1 source\n", "1:15", "'source' needs" },
	{ "limit a max 1 source \"x\" source \"y\"\n", "1:26", "'source' given twice" },
	{ "limit a max 1\n\nlimit a max 2\n", "3:7", "duplicate limit 'a' (first at line 1)" },
	{ "mask m\n1 0 1\n2 0 1\nend\nmask m\n1 0 1\n2 0 1\nend\n", "5:6", "duplicate mask 'm' (first at line 1)" },
	{ "firmware 1.0\nlimit a max 1\nlimit a max 2\nend\n", "3:7", "duplicate limit 'a' in this firmware block" },
	{ "mask m unit dB\n 100 1 2\n 100 1 2\nend\n", "3:2", "not above the previous point" },
	{ "mask m unit dB\n 100 1 2\n 50 1 2\nend\n", "3:2", "not above the previous point" },
	{ "mask m unit dB\n 0 1 2\n 50 1 2\nend\n", "2:2", "not above 0" },
	{ "mask m unit dB\n 100 3 2\n 200 1 2\nend\n", "2:8", "low 3 > high 2" },
	{ "mask m unit dB\n 100 1\n 200 1 2\nend\n", "2:2", "a mask point is HZ LOW HIGH" },
	{ "mask m unit dB\n 100 1 2 3\n 200 1 2\nend\n", "2:10", "unexpected '3'" },
	{ "mask m unit dB\n 100 x 2\n 200 1 2\nend\n", "2:6", "bad number 'x'" },
	{ "mask m unit dB\n 100 1 2\nend\n", "1:6", "needs at least 2 points" },
	{ "mask m unit dB\n 100 1 2\n 200 1 2\n", "1:1", "unterminated mask 'm': no 'end' before end of file" },
	{ "  mask m unit dB\n 100 1 2\n 200 1 2\nlimit a max 1\n", "1:3", "unterminated mask 'm': no 'end' before 'limit' at line 4" },
	{ "firmware >= 1.0\nlimit a max 1\n", "1:1", "unterminated firmware block" },
	{ "end\n", "1:1", "'end' without a block" },
	{ "firmware 1.0\nend now\n", "2:5", "unexpected 'now' after end" },
	{ "firmware ~2.3\nend\n", "1:10", "unknown firmware syntax '~2.3'" },
	{ "firmware >= two\nend\n", "1:13", "unknown firmware syntax 'two'" },
	{ "firmware >=\nend\n", "1:10", "unknown firmware syntax: '>=' needs a version" },
	{ "firmware\nend\n", "1:1", "unknown firmware syntax" },
	{ "firmware 2.3 >= 2.0\nend\n", "1:14", "not both" },
	{ "firmware 1\nfirmware 2\nend\nend\n", "2:1", "firmware blocks do not nest" },
	{ "firmware 1\ninclude x.lim\nend\n", "2:1", "include is not allowed inside a firmware block" },
	{ "include\n", "1:1", "'include' needs a file name" },
	{ "include a b\n", "1:11", "unexpected 'b' after include" },
	{ "\n\ninclude   \"missing.lim\"\n", "3:11", "include \"missing.lim\":" },
	{ "limit a max 1 source \"open\n", "1:22", "unterminated string" },
	{ "limit a max 1 source \"x\"y\n", "1:25", "no space after closing quote" },
	{ "limit a\"b max 1\n", "1:8", "quote inside a word" },
	{ "limit a max 1\x01\n", "1:14", "control character 0x01" },
	{ "limit a\x7f max 1\n", "1:8", "control character 0x7f" },
	{ "limit 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32 33\n",
	  "1:91", "too many words" },
};

static void test_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < ST_ARRAY_SIZE(bads); i++) {
		char err[ST_ERRLEN] = "", want[600];
		struct st_limits *l = (struct st_limits *)&l;
		const char *path = put("bad.lim", bads[i].text);
		int ret = st_limits_load(path, NULL, &l, err);

		snprintf(want, sizeof(want), "%s:%s: ", path, bads[i].where);
		if (ret == ST_OK || l || strncmp(err, want, strlen(want)) || !strstr(err, bads[i].what))
			fail_msg("case %zu (%s): ret %d, err '%s'; want '%s...%s'", i, bads[i].text,
				 ret, err, want, bads[i].what);
	}
}

/* Errors in included files, cycles, and errors reported by the includer. */
static void test_include_errors(void **state)
{
	char err[ST_ERRLEN], want[600];
	struct st_limits *l;
	const char *top, *a;

	(void)state;
	/* error inside an included file: its own file:line:col, then who included it */
	put("inc-bad.lim", "limit ok max 1\nlimit x max y\n");
	top = put("inc-top.lim", "# top\ninclude inc-bad.lim\n");
	assert_int_equal(st_limits_load(top, NULL, &l, err), ST_ERR_PARSE);
	snprintf(want, sizeof(want), "%s/inc-bad.lim:2:13: bad number 'y' (included from %s:2)",
		 tmpdir, top);
	assert_string_equal(err, want);

	/* cycle a -> b -> a, reported at the include in b */
	a = put("cyc-a.lim", "include cyc-b.lim\n");
	put("cyc-b.lim", "limit q max 1\ninclude \"cyc-a.lim\"\n");
	assert_int_equal(st_limits_load(a, NULL, &l, err), ST_ERR_PARSE);
	snprintf(want, sizeof(want), "%s/cyc-b.lim:2:9: include \"cyc-a.lim\": include cycle: ", tmpdir);
	assert_memory_equal(err, want, strlen(want));
	assert_non_null(strstr(err, "cyc-a.lim -> "));

	/* a file including itself */
	a = put("self.lim", "include self.lim\n");
	assert_int_equal(st_limits_load(a, NULL, &l, err), ST_ERR_PARSE);
	assert_non_null(strstr(err, "include cycle"));

	/* diamond (not a cycle): fine, the later include re-applies */
	put("d-base.lim", "limit v min 1\n");
	put("d-mid.lim", "include d-base.lim\nlimit v min 2\n");
	l = load_ok(put("d-top.lim", "include d-mid.lim\ninclude d-base.lim\n"), NULL);
	check_at(st_limits_get(l, "v"), "d-base.lim", 1);
	st_limits_free(l);

	/* unit changed by an override */
	put("u-base.lim", "limit v min 1 unit s\n");
	top = put("u-top.lim", "include u-base.lim\n\nlimit v min 1 unit ms\n");
	assert_int_equal(st_limits_load(top, NULL, &l, err), ST_ERR_PARSE);
	snprintf(want, sizeof(want), "%s:3:7: 'v' has unit ms here but s at ", top);
	assert_memory_equal(err, want, strlen(want));
	/* ... also inside a firmware block that does not apply */
	top = put("u-top.lim", "include u-base.lim\nfirmware 9\n limit v min 1 unit V\nend\n");
	assert_int_equal(st_limits_load(top, NULL, &l, err), ST_ERR_PARSE);
	snprintf(want, sizeof(want), "%s:3:8: 'v' has unit V here but s", top);
	assert_memory_equal(err, want, strlen(want));

	/* missing top file */
	snprintf(want, sizeof(want), "%s/none.lim", tmpdir);
	assert_int_equal(st_limits_load(want, NULL, &l, err), ST_ERR_NOTFOUND);
	assert_non_null(strstr(err, "none.lim"));
	assert_null(l);

	/* bad --firmware */
	assert_int_equal(st_limits_load(top, "latest", &l, err), ST_ERR_ARG);
	assert_non_null(strstr(err, "latest"));
}

struct collect {
	int n;
	char first[ST_ERRLEN];
};

static void collect(void *ctx, const char *msg)
{
	struct collect *c = ctx;

	if (!c->n++)
		st_strlcpy(c->first, msg, sizeof(c->first));
}

static void test_check_reports_all(void **state)
{
	struct collect c = { 0, "" };
	char err[ST_ERRLEN];
	struct st_limits *l;
	const char *path;
	char *big;

	(void)state;
	path = put("many.lim", "frob\nlimit a max x\nlimit b min 1 unit q\nend\n");
	assert_int_equal(st_limits_check(path, NULL, NULL, collect, &c), ST_ERR_PARSE);
	assert_int_equal(c.n, 4);
	assert_non_null(strstr(c.first, ":1:1: unknown keyword 'frob'"));
	assert_int_equal(st_limits_load(path, NULL, &l, err), ST_ERR_PARSE);
	assert_non_null(strstr(err, "(and 3 more)"));

	/* reporting stops at 100 (+1 line saying so) */
	big = malloc(5000 * 6 + 1);
	assert_non_null(big);
	for (int i = 0; i < 5000; i++)
		memcpy(big + i * 5, "oops\n", 5);
	big[5000 * 5] = '\0';
	c.n = 0;
	assert_int_equal(st_limits_check(put("many.lim", big), NULL, NULL, collect, &c), ST_ERR_PARSE);
	assert_int_equal(c.n, 101);
	free(big);

	/* validation only: out may be NULL, and a good file passes */
	c.n = 0;
	assert_int_equal(st_limits_check(put("good.lim", "limit a max 1\n"), NULL, NULL, collect, &c),
			 ST_OK);
	assert_int_equal(c.n, 0);
}

/* ---- robustness --------------------------------------------------------- */

static void load_any(const char *path, const char *fw)
{
	struct st_limits *l = NULL;
	char err[ST_ERRLEN] = "";
	int ret = st_limits_load(path, fw, &l, err);

	if (ret == ST_OK) {
		assert_non_null(l);
		/* exercise the result */
		for (int i = 0; i < st_limits_count(l); i++) {
			int m;
			st_limit_judge(st_limits_at(l, i), 1.0, &m);
		}
		for (int i = 0; i < st_limits_mask_count(l); i++) {
			double hz[3] = { 100, 1000, 5000 }, db[3] = { 0, 0, 0 };
			int wi;
			st_mask_judge(st_limits_mask_at(l, i), hz, db, 3, &wi);
		}
		st_limits_free(l);
	} else {
		assert_null(l);
		assert_true(err[0] != '\0');
		assert_null(strchr(err, '\n'));
	}
}

static void test_truncated(void **state)
{
	static const char *const files[] = { "defaults.lim", "MDR-1000XM4.lim", "MDR-XB950N1.lim" };
	char src[512], *text, *cut;
	size_t len;

	(void)state;
	/* every prefix of the shipped files (includes resolve in tmpdir) */
	snprintf(src, sizeof(src), "%s/limits/defaults.lim", data_dir());
	assert_int_equal(st_read_file(src, &text, &len, NULL), ST_OK);
	put("defaults.lim", text);
	free(text);
	for (size_t f = 0; f < ST_ARRAY_SIZE(files); f++) {
		snprintf(src, sizeof(src), "%s/limits/%s", data_dir(), files[f]);
		assert_int_equal(st_read_file(src, &text, &len, NULL), ST_OK);
		cut = malloc(len + 1);
		assert_non_null(cut);
		for (size_t n = 0; n <= len; n += (f == 0 ? 7 : 1)) {
			memcpy(cut, text, n);
			cut[n] = '\0';
			load_any(put("cut.lim", cut), f == 1 ? "2.0" : NULL);
		}
		free(cut);
		free(text);
	}
}

static void test_garbage(void **state)
{
	static const char *const words[] = {
		"limit", "mask", "firmware", "end", "include", "min", "max", "range", "eq",
		"unit", "marginal", "source", "dB", "s", "%", "-", "1", "-2.5", "1e3", "100",
		"1000", "\"x\"", "\"", "#", "a.b", ">=", "<", "2.3.1", "v1", "!=", "\n", "\n",
		"\n", "\t", "defaults.lim", "cut.lim", "garbage.lim", "0", "1e999", "\\",
	};
	char *buf = malloc(1 << 16);
	unsigned seed = 12345;

	(void)state;
	assert_non_null(buf);
	put("defaults.lim", "limit a.b max 1\nmask m\n1 0 1\n2 0 1\nend\n");
	/* word soup */
	for (int it = 0; it < 3000; it++) {
		size_t n = 0;
		int nw = (int)((seed = seed * 1103515245u + 12345u) >> 16) % 60;

		for (int w = 0; w < nw; w++) {
			seed = seed * 1103515245u + 12345u;
			const char *s = words[(seed >> 16) % ST_ARRAY_SIZE(words)];

			n += (size_t)snprintf(buf + n, 1024, "%s%s", s, (seed & 3) ? " " : "");
		}
		buf[n] = '\0';
		load_any(put("garbage.lim", buf), (it & 1) ? "2.3.1" : NULL);
	}
	/* random bytes (NUL bytes included: written with fwrite) */
	for (int it = 0; it < 300; it++) {
		size_t n = ((seed = seed * 1103515245u + 12345u) >> 16) % 4096;
		const char *p = put("bytes.lim", NULL);
		FILE *f;

		for (size_t k = 0; k < n; k++) {
			seed = seed * 1103515245u + 12345u;
			buf[k] = (char)(seed >> 16);
		}
		f = fopen(p, "wb");
		assert_non_null(f);
		fwrite(buf, 1, n, f);
		fclose(f);
		load_any(p, NULL);
	}
	free(buf);
}

static void test_huge(void **state)
{
	size_t n = 4u << 20;
	char *buf = malloc(n + 64);
	const char *p;

	(void)state;
	assert_non_null(buf);
	/* one 4 MiB word */
	memset(buf, 'a', n);
	buf[n] = '\0';
	load_any(put("huge.lim", buf), NULL);
	/* a 4 MiB source string */
	memcpy(buf, "limit a max 1 source \"", 22);
	buf[n - 2] = '"';
	buf[n - 1] = '\n';
	p = put("huge.lim", buf);
	load_any(p, NULL);
	/* 4 MiB of short good lines: stops at the limit cap, quickly */
	size_t o = 0;
	for (int i = 0; o + 32 < n; i++)
		o += (size_t)sprintf(buf + o, "limit n%d max %d\n", i, i);
	load_any(put("huge.lim", buf), NULL);
	/* deep firmware soup: many blocks */
	o = 0;
	for (int i = 0; o + 64 < n; i++)
		o += (size_t)sprintf(buf + o, "firmware >= %d\nlimit x%d eq 1\nend\n", i % 100, i);
	load_any(put("huge.lim", buf), "50");
	/* a mask with too many points */
	o = (size_t)sprintf(buf, "mask m\n");
	for (int i = 1; i < 2000; i++)
		o += (size_t)sprintf(buf + o, "%d 0 1\n", i);
	sprintf(buf + o, "end\n");
	load_any(put("huge.lim", buf), NULL);
	/* an include chain deeper than the cap */
	for (int i = 0; i < 40; i++) {
		char name[32], text[64];

		snprintf(name, sizeof(name), "chain%d.lim", i);
		snprintf(text, sizeof(text), "include chain%d.lim\n", i + 1);
		put(name, text);
	}
	put("chain40.lim", "limit end.x max 1\n");
	{
		char err[ST_ERRLEN];
		struct st_limits *l;
		char path[512];

		snprintf(path, sizeof(path), "%s/chain0.lim", tmpdir);
		assert_int_equal(st_limits_load(path, NULL, &l, err), ST_ERR_PARSE);
		assert_non_null(strstr(err, "nested deeper than"));
	}
	free(buf);
}

/* Issue 9 item 5: what a run needs.  A set without battery.min_pct used to
 * load and make the battery gate blame the unit; runs now refuse it. */
static void count_msg(void *ctx, const char *msg)
{
	int *n = ctx;

	if (strstr(msg, ":1:1: no "))
		(*n)++;
}

static void test_needed_limits(void **state)
{
	struct st_limits *l = NULL;
	char err[ST_ERRLEN], path[600], dir[600], cmd[1300];
	int n = 0;

	(void)state;
	/* every shipped file resolves to a complete set */
	for (size_t i = 0; i < ST_ARRAY_SIZE(models); i++) {
		assert_int_equal(st_limits_load_model(data_dir(), models[i], NULL, &l, err), ST_OK);
		assert_int_equal(st_limits_require(l, NULL, NULL), ST_OK);
		st_limits_free(l);
	}
	/* a partial set still loads for judging, but is not a run's set */
	l = load_ok(put("partial.lim", "limit a max 1\n"), NULL);
	assert_int_equal(st_limits_require(l, count_msg, &n), ST_ERR_PARSE);
	assert_int_equal(n, st_limits_nneeded);
	st_limits_free(l);
	l = (struct st_limits *)&l;
	assert_int_equal(st_limits_load_run(put("partial.lim", "limit a max 1\n"), NULL, &l, err),
			 ST_ERR_PARSE);
	assert_null(l);
	assert_non_null(strstr(err, ":1:1: no limit 'battery.min_pct', which the battery gate judges by"));
	assert_non_null(strstr(err, "(and 13 more)"));
	/* the model lookup resolves the same way */
	snprintf(dir, sizeof(dir), "%s/nobat", tmpdir);
	snprintf(path, sizeof(path), "%s/limits", dir);
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s' && grep -v '^limit battery.min_pct' "
		 "'%s/limits/defaults.lim' >'%s/defaults.lim'", path, data_dir(), path);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(st_limits_load_model(dir, "WH-1000XM5", NULL, &l, err), ST_ERR_PARSE);
	assert_null(l);
	assert_non_null(strstr(err, "no limit 'battery.min_pct'"));
}

/* Found while writing the limits fuzz harness: an include of a FIFO
 * blocked the load for ever, and /dev/zero read 64 MiB before giving up.
 * Only regular files are read as includes. */
static void test_include_not_regular(void **state)
{
	struct st_limits *l = NULL;
	char err[ST_ERRLEN], fifo[600], text[700];

	(void)state;
	snprintf(fifo, sizeof(fifo), "%s/a.fifo", tmpdir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	snprintf(text, sizeof(text), "limit a max 1\ninclude \"%s\"\n", fifo);
	assert_int_equal(st_limits_load(put("fifo.lim", text), NULL, &l, err), ST_ERR_PARSE);
	assert_non_null(strstr(err, "fifo.lim:2:9: include \""));
	assert_non_null(strstr(err, "is not a regular file"));
	assert_int_equal(st_limits_load(put("zero.lim", "include /dev/zero\n"), NULL, &l, err),
			 ST_ERR_PARSE);
	assert_non_null(strstr(err, "zero.lim:1:9: include \"/dev/zero\": /dev/zero is not a regular file"));
	unlink(fifo);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shipped_models_load),
		cmocka_unit_test(test_shipped_values),
		cmocka_unit_test(test_load_model_lookup),
		cmocka_unit_test(test_inheritance),
		cmocka_unit_test(test_firmware_override),
		cmocka_unit_test(test_version_cmp),
		cmocka_unit_test(test_hash),
		cmocka_unit_test(test_judge),
		cmocka_unit_test(test_mask),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_include_errors),
		cmocka_unit_test(test_check_reports_all),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_huge),
		cmocka_unit_test(test_needed_limits),
		cmocka_unit_test(test_include_not_regular),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
