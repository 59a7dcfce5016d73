/*
 * test_seq_store.c - persistence as a listener of the sequencer's events:
 * a healthy run is stored whole; a store whose writes fail mid-run (an
 * SQLite trigger that refuses them, as a full disk or a read-only file
 * would) ends the run at that moment as ERROR naming the store, nothing is
 * pressed after it, st_seq_run says the run was not stored, and the
 * database never shows it as PASS.
 */
#include "testutil.h"

#include <sqlite3.h>

#include "core/clock.h"
#include "core/st.h"
#include "fixture/fixture.h"
#include "limits/limits.h"
#include "model/model.h"
#include "plan/plan.h"
#include "seq/seq.h"
#include "sim/headset.h"
#include "sim/simdrv.h"
#include "store/store.h"

struct seen {
	int actions_after_error; /* ACTION events after the store's ERROR */
	int saw_error;           /* an INFO naming the store failure */
	enum st_verdict end;     /* RUN_END verdict */
};

static void on_event(const struct st_event *ev, void *ctx)
{
	struct seen *w = ctx;

	if (ev->kind == ST_EV_INFO && strstr(ev->text, "store"))
		w->saw_error = 1;
	if (ev->kind == ST_EV_ACTION && w->saw_error)
		w->actions_after_error++;
	if (ev->kind == ST_EV_RUN_END)
		w->end = ev->verdict;
}

/* Run the repair plan on a healthy WH-1000XM5 into the database at db,
 * after `sql` ran on it through a second connection. */
static int run_into(const char *db, const char *sql, struct st_seq_result *res, struct seen *w,
		    char *err)
{
	struct st_sim_opts o = { .battery = -1 };
	struct st_model m;
	struct st_plan p;
	struct st_limits *lim;
	struct st_clock *clk;
	struct st_fixture *fx;
	struct st_store *store;
	sqlite3 *h;
	int ret;

	assert_int_equal(st_store_open(&store, db, err), ST_OK);
	if (sql) {
		assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
		assert_int_equal(sqlite3_exec(h, sql, NULL, NULL, NULL), SQLITE_OK);
		sqlite3_close(h);
	}
	assert_int_equal(st_model_find(st_data_dir(), "WH-1000XM5", &m, err), ST_OK);
	assert_int_equal(st_plan_find(st_data_dir(), "repair", &p, err), ST_OK);
	assert_int_equal(st_limits_load_model(st_data_dir(), m.id, NULL, &lim, err), ST_OK);
	clk = st_clock_new_virtual();
	assert_int_equal(st_sim_fixture_open(&fx, NULL, &m, clk, &o, err), ST_OK);
	struct st_seq_config cfg = { .model = &m, .plan = &p, .fx = fx, .limits = lim,
				     .store = store, .serial = "S1", .on_event = on_event,
				     .ctx = w };
	memset(w, 0, sizeof(*w));
	ret = st_seq_run(&cfg, res, err);
	assert_int_equal(fx->held, 0);
	st_fixture_close(fx);
	st_clock_free(clk);
	st_limits_free(lim);
	st_store_close(store);
	return ret;
}

/* The outcome the database holds for the run (a static buffer). */
static const char *stored_outcome(const char *db, const char *uuid)
{
	static char out[32];
	sqlite3 *h;
	sqlite3_stmt *q;

	out[0] = '\0';
	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, "SELECT outcome FROM runs WHERE uuid = ?1", -1, &q,
					    NULL), SQLITE_OK);
	sqlite3_bind_text(q, 1, uuid, -1, SQLITE_STATIC);
	if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_text(q, 0))
		st_strlcpy(out, (const char *)sqlite3_column_text(q, 0), sizeof(out));
	sqlite3_finalize(q);
	sqlite3_close(h);
	return out;
}

static int count(const char *db, const char *sql)
{
	sqlite3 *h;
	sqlite3_stmt *q;
	int n = -1;

	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &q, NULL), SQLITE_OK);
	if (sqlite3_step(q) == SQLITE_ROW)
		n = sqlite3_column_int(q, 0);
	sqlite3_finalize(q);
	sqlite3_close(h);
	return n;
}

static void test_healthy_run_stored_whole(void **state)
{
	const char *db = tu_tmpfile(".db", NULL);
	struct st_seq_result res;
	struct seen w;
	char err[ST_ERRLEN];

	(void)state;
	unlink(db);
	assert_int_equal(run_into(db, NULL, &res, &w, err), ST_OK);
	assert_int_equal(res.verdict, ST_PASS);
	assert_string_equal(stored_outcome(db, res.uuid), "PASS");
	assert_int_equal(count(db, "SELECT count(*) FROM steps WHERE verdict = 'running'"), 0);
	assert_true(count(db, "SELECT count(*) FROM steps") == res.steps_run);
	assert_true(count(db, "SELECT count(*) FROM measurements") > 0);
	assert_true(count(db, "SELECT count(*) FROM events") > 0);
	assert_int_equal(count(db, "SELECT count(*) FROM runs WHERE firmware <> ''"), 1);
	unlink(db);
}

static void test_store_failing_mid_run_ends_it_error(void **state)
{
	const char *db = tu_tmpfile(".db", NULL);
	struct st_seq_result res;
	struct seen w;
	char err[ST_ERRLEN];

	(void)state;
	unlink(db);
	/* the first measurement's row is refused, as a full disk would */
	assert_int_equal(run_into(db,
				  "CREATE TRIGGER full BEFORE INSERT ON measurements "
				  "BEGIN SELECT RAISE(ABORT, 'database or disk is full (test)'); END;",
				  &res, &w, err),
			 ST_ERR_DB);
	assert_non_null(strstr(err, db));
	assert_non_null(strstr(err, "disk is full (test)"));
	assert_non_null(strstr(err, "not stored"));
	assert_int_equal(res.verdict, ST_ERROR);
	assert_int_equal(w.end, ST_ERROR);
	assert_string_equal(res.disposition, "retest");
	assert_non_null(strstr(res.reason, db));
	assert_non_null(strstr(res.reason, "disk is full (test)"));
	/* it ended there: no press after the failure */
	assert_true(w.saw_error);
	assert_int_equal(w.actions_after_error, 0);
	/* and the database never says PASS */
	assert_string_not_equal(stored_outcome(db, res.uuid), "PASS");
	assert_int_equal(count(db, "SELECT count(*) FROM runs WHERE outcome = 'PASS'"), 0);
	unlink(db);
}

static void test_store_failing_at_the_end(void **state)
{
	const char *db = tu_tmpfile(".db", NULL);
	struct st_seq_result res;
	struct seen w;
	char err[ST_ERRLEN];

	(void)state;
	unlink(db);
	/* everything is written but the outcome */
	assert_int_equal(run_into(db,
				  "CREATE TRIGGER ro BEFORE UPDATE OF outcome ON runs "
				  "BEGIN SELECT RAISE(ABORT, 'attempt to write a readonly database (test)'); END;",
				  &res, &w, err),
			 ST_ERR_DB);
	assert_non_null(strstr(err, "readonly database (test)"));
	assert_int_equal(res.verdict, ST_ERROR);
	assert_int_equal(w.end, ST_ERROR);
	assert_non_null(strstr(res.reason, db));
	assert_int_equal(count(db, "SELECT count(*) FROM runs WHERE outcome = 'PASS'"), 0);
	unlink(db);
}

static void test_store_refusing_the_run_row(void **state)
{
	const char *db = tu_tmpfile(".db", NULL);
	struct st_seq_result res;
	struct seen w;
	char err[ST_ERRLEN];

	(void)state;
	unlink(db);
	assert_int_equal(run_into(db,
				  "CREATE TRIGGER no BEFORE INSERT ON runs "
				  "BEGIN SELECT RAISE(ABORT, 'no runs (test)'); END;",
				  &res, &w, err),
			 ST_ERR_DB);
	assert_non_null(strstr(err, "no runs (test)"));
	assert_int_equal(res.steps_run, 0);
	unlink(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_healthy_run_stored_whole),
		cmocka_unit_test(test_store_failing_mid_run_ends_it_error),
		cmocka_unit_test(test_store_failing_at_the_end),
		cmocka_unit_test(test_store_refusing_the_run_row),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
