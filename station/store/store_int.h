/*
 * store_int.h - what the store's files share (not part of the API: only
 * station/store/ includes it): the connection struct, the cached writer
 * statements, and the small SQLite helpers of store_sql.c.
 *
 *   store.c        open, identify, quick_check, migrations, orphaned runs,
 *                  close, integrity
 *   store_sql.c    error wording, binding, one-shot statements, processes
 *   store_write.c  the writers (one committed statement each)
 *   store_read.c   the readers (each prepares its own statement)
 *   batch.c        triage batches (batch.h), with the same helpers
 */
#ifndef ST_STORE_INT_H
#define ST_STORE_INT_H

#include <limits.h>
#include <sqlite3.h>
#include <stddef.h>

#include "store.h"

#define STORE_BUSY_MS 5000

/* Cached writer statements. */
enum store_q {
	Q_UNIT_UPSERT,
	Q_RUN_INSERT,
	Q_RUN_FIRMWARE,
	Q_STEP_INSERT,
	Q_STEP_END,
	Q_MEAS_INSERT,
	Q_EVENT_INSERT,
	Q_ARTIFACT_INSERT,
	Q_RUN_END,
	Q_COUNT
};

struct st_store {
	sqlite3 *db;                /* the connection */
	char path[PATH_MAX];        /* database path as given, for messages */
	int readonly;               /* 1: opened read-only, writers refuse */
	int version;                /* PRAGMA user_version once open */
	sqlite3_stmt *q[Q_COUNT];   /* writer statements, prepared on first use */
	int last_code;              /* extended SQLite code of the last db_fail() */
};

/* Columns of a run, in the order run_from_row() reads them. */
#define RUN_COLS "id, uuid, serial, model, firmware, plan, limits_path, limits_hash, " \
	"station, operator, fixture, started, coalesce(ended, ''), outcome, disposition, reason"

/* store_sql.c.  Every failure helper fills err with one line naming the
 * database path and returns ST_ERR_DB. */
const char *store_plain_cause(int code);
int store_db_fail(struct st_store *s, char *err, const char *what);
int store_disk_fault(struct st_store *s);  /* last db_fail(): disk full or I/O */
void store_copy_text(char *dst, size_t n, const char *src);  /* never cuts UTF-8 */
void store_col_text(char *dst, size_t n, sqlite3_stmt *st, int col);
double store_col_real(sqlite3_stmt *st, int col);  /* NULL -> NAN */
int store_bind_str(sqlite3_stmt *st, int i, const char *v);
int store_bind_real(sqlite3_stmt *st, int i, double v);  /* NAN -> NULL */
int store_bind_id(sqlite3_stmt *st, int i, long long id);  /* <= 0 -> NULL */
int store_exec_sql(struct st_store *s, const char *sql, char *err);
int store_pragma_int(struct st_store *s, const char *sql, long long *out, char *err);
void store_rollback(struct st_store *s);
const char *store_hostname(void);
void store_proc_tag(long pid, char *tag, size_t n, char *state);
int store_owner_alive(long long pid, const char *tag);
int store_prepare_read(struct st_store *s, const char *sql, sqlite3_stmt **st, char *err);
int store_finish_read(struct st_store *s, sqlite3_stmt *st, int rc, char *err);
/* The whole reader loop: sql with ?1 bound to id, row(st, arg) for each
 * row until it returns nonzero (a row reader fills its struct and calls
 * its caller's callback). */
int store_read_rows(struct st_store *s, const char *sql, long long id,
		    int (*row)(sqlite3_stmt *st, void *arg), void *arg, char *err);

#endif
