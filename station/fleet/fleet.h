/*
 * fleet.h - a fleet of stations and its central PostgreSQL database
 * (docs/fleet.md).
 *
 * Each station keeps testing into its own SQLite store; `station sync`
 * pushes every finished run, with its steps, measurements, events and
 * artifact records, to the central database: one transaction per run, keyed
 * by the run's uuid, so a run arrives exactly once whatever fails when.
 * The station records in its store (table sync_log) which runs the central
 * database with a given fleet_id has committed.  The fleet report and a
 * unit's history across stations are read from the central database.
 *
 * Connection strings are libpq's (postgresql://... URLs or key=value); a
 * password never appears in a message (st_fleet_redact).  Every function
 * returns ST_OK or a negative enum st_ret and fills err (ST_ERRLEN).
 * A central database that cannot be reached is ST_ERR_IO; one whose schema
 * is missing or newer than this station knows is ST_ERR_DB.
 */
#ifndef ST_FLEET_H
#define ST_FLEET_H

#include <stddef.h>
#include <stdio.h>

struct st_store;
struct st_fleet;   /* one connection to the central database */

/* Connect.  url NULL or "": $STATION_SYNC_URL. */
int st_fleet_connect(struct st_fleet **out, const char *url, char *err);
void st_fleet_close(struct st_fleet *f);

/* Apply the pending central migrations (<data dir>/db/central) in one
 * transaction; *applied gets how many.  Refuses a newer schema. */
int st_fleet_init(struct st_fleet *f, int *applied, char *err);
/* Check that the schema is there and not newer than ours; fills the
 * central database's fleet_id (37 bytes). */
int st_fleet_check(struct st_fleet *f, char fleet_id[64], char *err);
/* The connection's target without its password: "user@host:port/db". */
const char *st_fleet_target(const struct st_fleet *f);

/* Copy a connection string with any password replaced by "***". */
void st_fleet_redact(const char *url, char *out, size_t n);

/* --- sync --- */

struct st_sync_opts {
	int with_captures;        /* also send the captures' bytes */
	int max_runs;             /* stop after this many (0 = all) */
	volatile int *stop;       /* set (by a signal) to stop between runs */
};

struct st_sync_stats {
	int sent;                 /* runs committed to the central database now */
	int already;              /* runs the central database had already (a
				   * sync cut short after its commit) */
	int pending;              /* finished runs still not sent after this call */
	int running;              /* runs still running: sent once they end */
	long long rows;           /* steps + measurements + events + artifacts sent */
};

/* Send every finished run of store not yet recorded as synced to this
 * fleet.  Stops at the first failure (what was committed stays committed
 * and recorded); a later call resumes. */
int st_fleet_sync(struct st_fleet *f, struct st_store *store, const struct st_sync_opts *o,
		  struct st_sync_stats *stats, char *err);
/* Count the store's runs pending for this fleet_id (no connection needed). */
int st_fleet_pending(struct st_store *store, const char *fleet_id, int *pending,
		     int *running, char *err);

/* COPY text-format escaping of one field (backslash, tab, newline, CR);
 * returns bytes written, or -1 when out is too small.  NULL: "\N". */
int st_fleet_copy_field(const char *s, char *out, size_t n);

/* --- reading the fleet --- */

struct st_fleet_report_opts {
	const char *since;        /* ISO date/time; NULL = all */
	const char *title;        /* NULL = "Fleet report" */
	int charts;               /* control charts for the weakest N (0 = 8) */
};
/* Write the self-contained HTML fleet report. */
int st_fleet_report(struct st_fleet *f, const struct st_fleet_report_opts *o, FILE *out,
		    char *err);

/* One unit's runs at every station, oldest first, as text or JSON lines. */
int st_fleet_unit(struct st_fleet *f, const char *serial, int json, FILE *out, char *err);

/* --- statistics used by the report (pure) --- */

/* Process capability of a measurement with this mean and standard
 * deviation against [low, high] (NAN = no limit on that side):
 * min((high - mean) / 3sd, (mean - low) / 3sd) over the limits present.
 * NAN when there is no limit or n < 2; INFINITY when sd is 0 and the mean
 * is inside the limits (-INFINITY outside). */
double st_fleet_cpk(double mean, double sd, long n, double low, double high);

/* One-sided two-proportion z score of a station's failure rate (fails of n)
 * against the rest of the fleet (rest_fails of rest_n).  0 when undefined. */
double st_fleet_outlier_z(long fails, long n, long rest_fails, long rest_n);

#endif
