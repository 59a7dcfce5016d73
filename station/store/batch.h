/*
 * batch.h - batches of RMA triage in the result store (db/003_batches.sql,
 * docs/triage.md): a batch, its units (one per CSV row), the run that
 * tested each unit, and every run made for a batch.  Every write is committed at once,
 * so a batch killed at any moment resumes from what is stored.
 *
 * Same conventions as store.h: bound values only, ST_OK or a negative
 * enum st_ret with one line in err naming the database.
 */
#ifndef ST_STORE_BATCH_H
#define ST_STORE_BATCH_H

#include "store/store.h"

struct st_batch_info {
	long long id;
	char uuid[37];
	char started[32];
	char ended[32];          /* "" while not done */
	char operator_[64];
	char station[64];
	char file[512];          /* the CSV file as given */
	char file_sha256[65];
	int rows_total;
	int rows_done;           /* units done or stopped */
	char confirm[8];         /* "yes" when prompts were assumed */
	char state[12];          /* running stopped done */
};

struct st_batch_unit {
	long long id;
	int idx;                 /* 1-based data row */
	int line;                /* CSV line the row starts on */
	char rma[64];
	char serial[64];
	char model[32];
	char symptom[128];
	char faults[256];
	char notes[512];
	char plan[48];
	char status[12];         /* pending testing done stopped */
	char outcome[16];        /* the run's outcome, "" when not run */
	char disposition[64];
	char reason[1024];       /* why: the run's reason, or the advice, or why it was stopped */
	long long run_id;        /* 0: none */
	char run_uuid[37];       /* "" when none */
	char assumed[64];        /* "placement,serial" when taken as done */
	int human;               /* 1: a person was needed */
	char started[32];
	char ended[32];
	int attempts;            /* runs begun */
};

/* Insert a batch and all its units (status pending) in one transaction;
 * fills bi->id, bi->uuid and bi->started if empty, and units[i].id. */
int st_batch_create(struct st_store *s, struct st_batch_info *bi, struct st_batch_unit *units,
		    int n, char *err);
/* The one batch whose uuid starts with prefix (case-insensitive):
 * ST_ERR_NOTFOUND if none, ST_ERR_ARG if several. */
int st_batch_find(struct st_store *s, const char *prefix, struct st_batch_info *bi, char *err);
/* Batches newest first (limit <= 0: all). */
int st_batch_list(struct st_store *s, int limit, int (*cb)(const struct st_batch_info *, void *),
		  void *ctx, char *err);
/* Units of a batch in file order. */
int st_batch_units(struct st_store *s, long long batch_id,
		   int (*cb)(const struct st_batch_unit *, void *), void *ctx, char *err);

/* A unit's testing begins: status testing, started now, attempts + 1. */
int st_batch_unit_begin(struct st_store *s, long long unit_id, const char *plan,
			const char *assumed, int human, char *err);
/* A unit ends: status done (tested) or stopped (not tested); run_id > 0
 * links the run to it and to the batch.  Updates the batch's rows_done. */
int st_batch_unit_end(struct st_store *s, long long batch_id, long long unit_id, const char *status,
		      long long run_id, const char *outcome, const char *disposition,
		      const char *reason, int human, char *err);
/* Record that a run was made for a unit of a batch (batch_runs). */
int st_batch_link_run(struct st_store *s, long long batch_id, long long unit_id, long long run_id,
		      char *err);
/* The batch unit a run was made for: ST_ERR_NOTFOUND when none. */
int st_batch_unit_of_run(struct st_store *s, long long run_id, struct st_batch_unit *u,
			 char batch_uuid[37], char *err);
/* A unit goes back to pending (its run was stopped by the operator, no
 * finding): resuming tests it again. */
int st_batch_unit_reset(struct st_store *s, long long unit_id, char *err);
/* The latest run of a unit's serial begun since the unit's testing
 * began (for resuming a unit left "testing"): ST_ERR_NOTFOUND if none. */
int st_batch_unit_last_run(struct st_store *s, const struct st_batch_unit *u,
			   struct st_run_info *ri, char *err);
/* Set a batch's state (running, stopped, done); done also sets ended. */
int st_batch_set_state(struct st_store *s, long long batch_id, const char *state, char *err);

#endif
