/*
 * store_query.c - runs chosen by what they were (store.h: st_store_select):
 * started at or after a time, of a serial, a model, a plan, a firmware, an
 * outcome, oldest first.  The filter's texts are bound, never pasted into
 * SQL.  Each matching run is read in full (st_run_info) before the callback
 * runs, so the callback may call back into the store.
 */
#include "store.h"
#include "store_int.h"

#include <sqlite3.h>
#include <string.h>

#include "core/st.h"

/* Bind a filter text, NULL (no filter) as SQL NULL. */
static void bind_opt(sqlite3_stmt *st, int i, const char *v)
{
	if (v)
		store_bind_str(st, i, v);
	else
		sqlite3_bind_null(st, i);
}

int st_store_select(struct st_store *s, const struct st_run_filter *f,
		    int (*cb)(const struct st_run_info *ri, void *ctx), void *ctx, char *err)
{
	static const char sql[] =
		"SELECT uuid FROM runs WHERE (?1 IS NULL OR started >= ?1) "
		"AND (?2 IS NULL OR serial = ?2) AND (?3 IS NULL OR model = ?3) "
		"AND (?4 IS NULL OR plan = ?4) AND (?5 IS NULL OR firmware = ?5) "
		"AND (?6 IS NULL OR outcome = ?6) ORDER BY started, id";
	sqlite3_stmt *st;
	struct st_run_info ri;
	char uuid[37];
	int rc, ret;

	ret = store_prepare_read(s, sql, &st, err);
	if (ret)
		return ret;
	bind_opt(st, 1, f ? f->since : NULL);
	bind_opt(st, 2, f ? f->serial : NULL);
	bind_opt(st, 3, f ? f->model : NULL);
	bind_opt(st, 4, f ? f->plan : NULL);
	bind_opt(st, 5, f ? f->firmware : NULL);
	bind_opt(st, 6, f ? f->outcome : NULL);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		store_col_text(uuid, sizeof(uuid), st, 0);
		ret = st_store_find_run(s, uuid, &ri, err);
		if (ret || cb(&ri, ctx))
			break;
	}
	if (ret) {
		sqlite3_finalize(st);
		return ret;
	}
	return store_finish_read(s, st, rc, err);
}
