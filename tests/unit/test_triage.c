/*
 * test_triage.c - batch triage's data (station/triage/): the shipped
 * symptom table and its refusals with file:line:col, symptom matching, the
 * batch file checks of st_triage_load, and that the integration batch
 * (tests/integration/triage/batch.csv) injects every fault the simulator
 * knows at least once and holds healthy units, so a new simulator fault
 * cannot slip past the triage test.
 */
#include "testutil.h"

#include <sys/stat.h>

#include "core/csv.h"
#include "core/st.h"
#include "model/model.h"
#include "sim/acoustic.h"
#include "sim/headset.h"
#include "triage/triage.h"

static void test_shipped_table(void **state)
{
	struct st_symptoms t;
	const struct st_symptom *e;
	char err[ST_ERRLEN];

	(void)state;
	if (st_symptoms_load(NULL, &t, err))
		fail_msg("%s", err);
	e = st_symptom_match(&t, "Customer says: NO PAIRING with iPhone");
	assert_non_null(e);
	assert_string_equal(e->plan, "repair");
	assert_string_equal(e->nff, "customer-advice");
	assert_non_null(strstr(e->advice, "Forget This Device"));
	e = st_symptom_match(&t, "ANC weak on the train");
	assert_non_null(e);
	assert_string_equal(e->plan, "triage");
	e = st_symptom_match(&t, "noise cancelling slow to settle");
	assert_non_null(e);
	assert_string_equal(e->plan, "triage-acoustic");
	e = st_symptom_match(&t, "battery drains overnight");
	assert_non_null(e);
	assert_string_equal(e->plan, "battery");
	e = st_symptom_match(&t, "crackling in the left channel");
	assert_non_null(e);
	assert_string_equal(e->nff, "hardware-rma");
	e = st_symptom_match(&t, "smells of smoke");
	assert_non_null(e);
	assert_true(e->is_default);
	st_symptoms_free(&t);
}

/* A data dir holding only fixtures/symptoms.table (and the plans). */
static const char *table_dir(const char *text)
{
	static char dir[64];
	char path[128], cmd[256];
	FILE *f;

	snprintf(dir, sizeof(dir), "/tmp/st-sym-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/fixtures", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(cmd, sizeof(cmd), "cp -r '%s/fixtures/plans' '%s/fixtures/'", st_data_dir(), dir);
	assert_int_equal(system(cmd), 0);
	snprintf(path, sizeof(path), "%s/fixtures/symptoms.table", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return dir;
}

static void table_refused(const char *text, const char *want)
{
	const char *dir = table_dir(text);
	struct st_symptoms t;
	char err[ST_ERRLEN], cmd[128];
	const char *at;

	assert_int_equal(st_symptoms_load(dir, &t, err), ST_ERR_PARSE);
	at = strstr(err, "symptoms.table:");
	if (!at || strncmp(at, want, strlen(want)))
		fail_msg("error '%s', expected '%s'", err, want);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static void test_table_refusals(void **state)
{
	(void)state;
	table_refused("symptom \"x\" plan nosuch\n", "symptoms.table:1:1: plan 'nosuch' not found");
	table_refused("# c\nsymptom plan repair\n", "symptoms.table:2:9: symptom needs a \"quoted phrase\"");
	table_refused("symptom \"x\" plan repair colour red\n", "symptoms.table:1:25: unknown word 'colour'");
	table_refused("symptom \"x\" plan\n", "symptoms.table:1:13: 'plan' needs a value");
	table_refused("symptom \"x\" plan repair plan repair\n", "symptoms.table:1:");
	table_refused("symptom \"x\n", "symptoms.table:1:9: ");
	table_refused("sympton \"x\" plan repair\n", "symptoms.table:1:1: unknown line 'sympton'");
	table_refused("symptom \"x\"\n", "symptoms.table:1:1: entry without a plan");
	table_refused("default plan \"re\x01pair\"\n", "symptoms.table:1:");
	table_refused("# nothing\n", "symptoms.table: no symptom in the table");
}

static void test_load_checks(void **state)
{
	struct st_symptoms t;
	struct st_batch_unit *u = NULL;
	char err[ST_ERRLEN], sha[65];
	const char *p;
	int n;

	(void)state;
	assert_int_equal(st_symptoms_load(NULL, &t, err), ST_OK);
	p = tu_tmpfile(".csv", "notes,symptom,model,serial,rma,faults\n"
			       "\"a, b\",no pairing,linkbuds-s,S1,R1,bt-limbo;placed=S7\n");
	assert_int_equal(st_triage_load(p, NULL, &t, &u, &n, sha, err), ST_OK);
	assert_int_equal(n, 1);
	assert_string_equal(u[0].model, "LinkBuds S");      /* the model's own id */
	assert_string_equal(u[0].notes, "a, b");
	assert_string_equal(u[0].plan, "repair");
	assert_string_equal(u[0].faults, "bt-limbo;placed=S7");
	assert_int_equal(u[0].line, 2);
	assert_int_equal((int)strlen(sha), 64);
	free(u);
	unlink(p);
	p = tu_tmpfile(".csv", "rma,serial,model,symptom\nR1,S1,WH-1000XM5,x\x01y\n");
	assert_int_equal(st_triage_load(p, NULL, &t, &u, &n, sha, err), ST_ERR_PARSE);
	assert_non_null(strstr(err, ":2: symptom must be"));
	assert_null(u);
	unlink(p);
	p = tu_tmpfile(".csv", "rma,serial,model,symptom,faults\nR1,S1,WH-1000XM5,x,placed=\n");
	assert_int_equal(st_triage_load(p, NULL, &t, &u, &n, sha, err), ST_ERR_PARSE);
	assert_non_null(strstr(err, ":2: placed=: "));
	unlink(p);
	st_symptoms_free(&t);
}

/* Is fault name (e.g. "worn-switch:CONTROL") injected by some row? */
static int injected(const struct st_csv *c, int col, const char *name)
{
	size_t n = strcspn(name, ":");

	for (int i = 1; i < c->nrecords; i++) {
		char buf[256], *save = NULL, *w;

		st_strlcpy(buf, c->rec[i].field[col], sizeof(buf));
		for (w = strtok_r(buf, "; \t", &save); w; w = strtok_r(NULL, "; \t", &save))
			if (!strncmp(w, name, n) && (w[n] == '\0' || w[n] == ':'))
				return 1;
	}
	return 0;
}

static void test_batch_covers_every_fault(void **state)
{
	struct st_csv *c = NULL;
	char err[ST_ERRLEN], path[512];
	int col = -1, healthy = 0;

	(void)state;
	snprintf(path, sizeof(path), "%s/tests/integration/triage/batch.csv", st_data_dir());
	if (st_csv_read(path, 0, &c, err))
		fail_msg("%s", err);
	for (int i = 0; i < c->rec[0].nfields; i++)
		if (!strcmp(c->rec[0].field[i], "faults"))
			col = i;
	assert_true(col >= 0);
	for (int i = 0; st_sim_fault_names[i]; i++)
		if (!injected(c, col, st_sim_fault_names[i]))
			fail_msg("batch.csv injects no %s", st_sim_fault_names[i]);
	for (int i = 0; st_acoustic_fault_names[i]; i++)
		if (!injected(c, col, st_acoustic_fault_names[i]))
			fail_msg("batch.csv injects no %s", st_acoustic_fault_names[i]);
	for (int i = 1; i < c->nrecords; i++)
		healthy += !c->rec[i].field[col][0];
	assert_true(healthy >= 3);
	assert_true(c->nrecords - 1 >= 24);
	st_csv_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shipped_table),
		cmocka_unit_test(test_table_refusals),
		cmocka_unit_test(test_load_checks),
		cmocka_unit_test(test_batch_covers_every_fault),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
