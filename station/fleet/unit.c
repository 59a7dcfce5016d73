/*
 * unit.c - `station fleet unit SERIAL`: what happened to one unit at every
 * station it visited, oldest run first, from the central database
 * (fleet.h).  Text for a person (one line a run, then its failing
 * measurements), or one JSON object a run for a program.  The central
 * database holds valid UTF-8 only; control characters are still replaced
 * before they reach a terminal (core/enc.h).
 */
#include "fleet/internal.h"

#include <stdlib.h>
#include <string.h>

#include "core/enc.h"
#include "core/st.h"

static int failing(struct st_fleet *f, const char *run_id, FILE *out, char *err)
{
	const char *p[1] = { run_id };
	PGresult *r = PQexecParams(f->conn, "SELECT name, value, unit, low, high FROM measurements "
				   "WHERE run_id = $1 AND verdict = 'FAIL' ORDER BY id", 1, NULL, p,
				   NULL, NULL, 0);

	if (!r || PQresultStatus(r) != PGRES_TUPLES_OK) {
		PQclear(r);
		return fleet_fail(f, err, "reading measurements");
	}
	for (int i = 0; i < PQntuples(r); i++) {
		fputs("      FAIL ", out);
		st_term_put(out, PQgetvalue(r, i, 0));
		fprintf(out, " = %s", PQgetisnull(r, i, 1) ? "-" : PQgetvalue(r, i, 1));
		fputs(" ", out);
		st_term_put(out, PQgetvalue(r, i, 2));
		fprintf(out, " (limits %s .. %s)\n", PQgetisnull(r, i, 3) ? "-" : PQgetvalue(r, i, 3),
			PQgetisnull(r, i, 4) ? "-" : PQgetvalue(r, i, 4));
	}
	PQclear(r);
	return ST_OK;
}

static const char *const cols[] = {
	"uuid", "started", "station", "model", "firmware", "plan", "operator", "outcome",
	"disposition", "reason",
};

static int json_row(PGresult *r, int i, FILE *out)
{
	json_t *o = json_object();

	for (size_t c = 0; o && c < ST_ARRAY_SIZE(cols); c++)
		if (st_json_set_text(o, cols[c], PQgetvalue(r, i, (int)c))) {
			json_decref(o);
			o = NULL;
		}
	return st_json_put(out, o);
}

int st_fleet_unit(struct st_fleet *f, const char *serial, int json, FILE *out, char *err)
{
	const char *p[1] = { serial };
	char id[64];
	PGresult *r;
	int ret;

	ret = st_fleet_check(f, id, err);
	if (ret)
		return ret;
	r = PQexecParams(f->conn, "SELECT uuid, to_char(started AT TIME ZONE 'UTC', "
			 "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), station, model, firmware, plan, operator, "
			 "outcome, disposition, reason, id FROM runs WHERE serial = $1 "
			 "ORDER BY started, id", 1, NULL, p, NULL, NULL, 0);
	if (!r || PQresultStatus(r) != PGRES_TUPLES_OK) {
		PQclear(r);
		return fleet_fail(f, err, "reading runs");
	}
	if (!PQntuples(r)) {
		PQclear(r);
		return st_fail(err, ST_ERR_NOTFOUND, "no runs of serial '%.64s' in the fleet", serial);
	}
	for (int i = 0; i < PQntuples(r) && !ret; i++) {
		if (json) {
			ret = json_row(r, i, out);
			if (ret)
				st_fail(err, ret, "writing JSON");
			continue;
		}
		fprintf(out, "%s  %.8s  ", PQgetvalue(r, i, 1), PQgetvalue(r, i, 0));
		for (int c = 2; c <= 8; c++) {
			if (c == 6)
				continue;   /* operator: in --json */
			st_term_put(out, PQgetvalue(r, i, c));
			fputs("  ", out);
		}
		fputc('\n', out);
		if (*PQgetvalue(r, i, 9)) {
			fputs("    ", out);
			st_term_put(out, PQgetvalue(r, i, 9));
			fputc('\n', out);
		}
		ret = failing(f, PQgetvalue(r, i, 10), out, err);
	}
	PQclear(r);
	return ret;
}
