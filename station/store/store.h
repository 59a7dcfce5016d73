/*
 * store.h - the station's result store: every run, step, measurement, event
 * and artifact, kept in one SQLite database (docs/store.md).
 *
 * A run is inserted when it starts (outcome "running", with the pid and host
 * of the station process) and each step, measurement and event is committed
 * the moment it is written, so a station killed half way through a run
 * leaves everything up to that point.  The next st_store_open() on the same
 * host marks such orphaned runs "interrupted".
 *
 * The schema is built by the numbered migrations in <data dir>/db
 * (001_init.sql, 002_history.sql, ...), tracked by PRAGMA user_version.  A
 * file that is not a station database, or a database newer than the
 * migrations this station knows, is refused and left untouched.
 *
 * All SQL uses prepared statements with bound values.  A struct st_store is
 * one SQLite connection: use it from one thread at a time.  Every function
 * returns ST_OK or a negative enum st_ret and fills err (ST_ERRLEN) with one
 * line naming the database path.
 */
#ifndef ST_STORE_H
#define ST_STORE_H

struct st_store;

/* Open (creating if needed) and migrate the database at path.
 *
 * Refused at open, the file left untouched: a path that is not a plain
 * file (":memory:", a "file:" URI: ST_ERR_ARG), a file that is not a station
 * database or has a schema version below 0 or above this station's
 * (ST_ERR_REFUSED), a file that fails PRAGMA quick_check (ST_ERR_DB, "the
 * database file is corrupt").  A full disk or an I/O error while opening
 * is ST_ERR_IO.  Every later write failure is ST_ERR_DB with a message
 * naming the file and the cause in plain words ("the disk is full"). */
int st_store_open(struct st_store **out, const char *path, char *err);
void st_store_close(struct st_store *s);
const char *st_store_default_path(void);  /* $STATION_DB, else "station.db" in cwd */

/* st_store_open_ex() flags. */
#define ST_STORE_NOCREATE    1u  /* a missing file is ST_ERR_NOTFOUND, not created */
#define ST_STORE_READONLY    2u  /* open read-only: no migration, no writes */
#define ST_STORE_READONLY_OK 4u  /* fall back to read-only if the file is not writable
				   * (or the disk is full) */
#define ST_STORE_NOCHECK     8u  /* skip PRAGMA quick_check at open (benchmarks only) */

/* st_store_open() with flags and the directory of the migration files
 * (NULL: st_data_dir()/db). */
int st_store_open_ex(struct st_store **out, const char *path, unsigned flags,
		     const char *migrations_dir, char *err);

struct st_run_info {
	char uuid[37]; char serial[64]; char model[32]; char firmware[32];
	char plan[48]; char limits_path[256]; char limits_hash[65];
	char station[64]; char operator_[64]; char fixture[128];
	char started[32]; char ended[32];
	char outcome[16];      /* PASS FAIL ERROR ABORTED running interrupted */
	char disposition[64];  /* e.g. "fixed-by-soft-reset", "service-centre" */
	char reason[256];
	long long id;
};

/* Insert a run with outcome "running" (and this process's pid and host).
 * serial is required; uuid and started are filled in if empty; sets ri->id. */
int st_store_run_begin(struct st_store *s, struct st_run_info *ri, char *err);
int st_store_run_update_firmware(struct st_store *s, long long run_id, const char *firmware, char *err);
/* Insert a step; *step_id (may be NULL) gets its id.  A step may be stored
 * when it starts (verdict "running") and finished with st_store_step_end(). */
int st_store_step(struct st_store *s, long long run_id, int idx, const char *name,
		  const char *kind, const char *verdict, double started_s, double duration_s,
		  const char *message, long long *step_id, char *err);
int st_store_step_end(struct st_store *s, long long step_id, const char *verdict,
		      double duration_s, const char *message, char *err);
/* step_id <= 0: a run-level measurement.  value, low, high NAN = none. */
int st_store_measurement(struct st_store *s, long long run_id, long long step_id,
			 const char *name, double value, const char *unit,
			 double low, double high, const char *verdict, char *err); /* low/high NAN = none */
/* The same with the measurement's marginal flag (1: PASS near a limit). */
int st_store_measurement_m(struct st_store *s, long long run_id, long long step_id,
			   const char *name, double value, const char *unit, double low,
			   double high, const char *verdict, int marginal, char *err);
int st_store_event(struct st_store *s, long long run_id, double t_s, const char *kind,
		   const char *text, char *err);
/* step_id <= 0: an artifact of the whole run. */
int st_store_artifact(struct st_store *s, long long run_id, long long step_id,
		      const char *kind, const char *path, const char *sha256, char *err);
/* outcome: PASS FAIL ERROR ABORTED.  Sets ended = now.  A run that already
 * has a final outcome is not changed (ST_ERR_ARG). */
int st_store_run_end(struct st_store *s, long long run_id, const char *outcome,
		     const char *disposition, const char *reason, char *err);

/* Iterate runs newest first; serial NULL = all; limit <= 0 = all. cb returns non-zero to stop. */
int st_store_runs(struct st_store *s, const char *serial, int limit,
		  int (*cb)(const struct st_run_info *ri, void *ctx), void *ctx, char *err);
/* Runs chosen by what they were, oldest first (started, then id); each NULL
 * field is no filter.  since is ISO 8601 UTC as stored ("2026-11-22" or
 * "2026-11-22T09:00:00.000Z"), compared as text.  cb returns non-zero to
 * stop; it may call back into the store (store_query.c). */
struct st_run_filter {
	const char *since;    /* started >= since */
	const char *serial;   /* exact serial */
	const char *model;    /* exact model id */
	const char *plan;     /* exact plan name */
	const char *firmware; /* exact firmware */
	const char *outcome;  /* PASS FAIL ERROR ABORTED running interrupted */
};
int st_store_select(struct st_store *s, const struct st_run_filter *f,
		    int (*cb)(const struct st_run_info *ri, void *ctx), void *ctx, char *err);
/* Number of runs stored (of one serial, or all when serial is NULL). */
int st_store_count_runs(struct st_store *s, const char *serial, long long *n, char *err);

/* Steps / measurements of one run (for reports and history --run UUID). */
struct st_step_row { long long id; int idx; char name[64]; char kind[24]; char verdict[12]; double started_s, duration_s; char message[256]; };
struct st_meas_row { long long step_id; char name[64]; double value; char unit[16]; double low, high; char verdict[12]; int marginal; };
int st_store_steps(struct st_store *s, long long run_id, int (*cb)(const struct st_step_row *, void *), void *ctx, char *err);
/* In step order; step_id 0 = run-level.  NULL numbers come back as NAN. */
int st_store_measurements(struct st_store *s, long long run_id, int (*cb)(const struct st_meas_row *, void *), void *ctx, char *err);

struct st_event_row { long long id; double t_s; char kind[24]; char text[256]; };
struct st_artifact_row { long long id, step_id; char kind[24]; char path[256]; char sha256[65]; };
int st_store_events(struct st_store *s, long long run_id, int (*cb)(const struct st_event_row *, void *), void *ctx, char *err);
int st_store_artifacts(struct st_store *s, long long run_id, int (*cb)(const struct st_artifact_row *, void *), void *ctx, char *err);

/* --- judgements (store_judge.c, db/NNN_judgements.sql): a stored run judged
 * again against other limits, kept beside the original verdicts --- */

/* A measurement with its row id, for a judgement to point at. */
struct st_meas_ref { long long id, step_id; char step[64]; char name[64]; double value;
		     char unit[16]; double low, high; char verdict[12]; };
/* Every measurement of a run with its id and step name, in step order. */
int st_store_meas_refs(struct st_store *s, long long run_id,
		       int (*cb)(const struct st_meas_ref *, void *), void *ctx, char *err);

struct st_judgement {
	long long id;            /* set by st_store_judgement */
	char uuid[37];           /* filled in if empty */
	long long run_id;
	char created[32];        /* filled in if empty */
	char limits_path[256], limits_hash[65], firmware[32];
	char verdict[12];        /* PASS FAIL ERROR ABORTED */
	char reason[256];
	int judged, changed;     /* measurements judged / of them with another verdict */
	char captures[64];       /* "none", "13 kept", "12 kept, 1 missing or altered" */
	char station[64], operator_[64];
	int analysis;            /* the judging station's analysis version (ST_AN_VERSION) */
	int run_analysis;        /* the highest the run's captures name (0: none) */
	char reanalysed[512];    /* steps and captures re-analysed ("" none) */
	char not_reanalysed[1024]; /* what could not be, and why ("" none) */
};
struct st_judgement_result {
	long long meas_id;       /* the measurement (0: none) */
	char name[64];
	double value;            /* NAN = none */
	char unit[16];
	double low, high;        /* NAN = no such bound */
	char verdict[12];        /* PASS FAIL ERROR, "" = not judged */
	char was[12];            /* the original verdict */
	char limit_name[80];     /* "mic.delay_us", "anc.active_db@200Hz" */
	char limit_at[300];      /* FILE:LINE */
	int reanalysed;          /* 1: value re-analysed from the captures, else as stored */
	double stored;           /* the run's own value (NAN = none) */
};
/* Store a judgement and its n results in one transaction (all or none). */
int st_store_judgement(struct st_store *s, struct st_judgement *j,
		       const struct st_judgement_result *r, int n, char *err);
/* A run's judgements, oldest first; a judgement's results, in order. */
int st_store_judgements(struct st_store *s, long long run_id,
			int (*cb)(const struct st_judgement *, void *), void *ctx, char *err);
int st_store_judgement_results(struct st_store *s, long long judgement_id,
			       int (*cb)(const struct st_judgement_result *, void *), void *ctx,
			       char *err);

/* The one run whose uuid starts with uuid_prefix (case-insensitive):
 * ST_ERR_NOTFOUND if none, ST_ERR_ARG if several. */
int st_store_find_run(struct st_store *s, const char *uuid_prefix, struct st_run_info *ri, char *err);
/* PRAGMA integrity_check and foreign_key_check: ST_OK or ST_ERR_DB with the first problem. */
int st_store_integrity(struct st_store *s, char *err);

/* The path the store was opened with, its schema version (PRAGMA
 * user_version), and whether it was opened read-only. */
const char *st_store_path(const struct st_store *s);
int st_store_schema_version(const struct st_store *s);
int st_store_is_readonly(const struct st_store *s);

/* The NNN_name.sql migration files of dir in order (numbers 1, 2, 3...
 * without a gap): *files gets a malloc'd array of *n names (free it).  The
 * fleet's central schema (db/central) follows the same rule. */
int st_migrations_list(const char *dir, char (**files)[256], int *n, char *err);

/* The store's SQLite connection, for a module that keeps its own tables in
 * the same database (fleet sync's sync_log).  Same thread rules as the store. */
struct sqlite3;
struct sqlite3 *st_store_db(struct st_store *s);

/* PRAGMA application_id of a station database ("STN1"). */
#define ST_STORE_APP_ID 0x53544e31

#endif
