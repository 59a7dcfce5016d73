/*
 * triage.h - batch RMA triage (docs/triage.md): a CSV list of returned
 * units walked unit by unit on one bench session.  For each unit the
 * operator places it and scans its serial, the station reads the unit's
 * own serial and refuses a mismatch, picks the plan from the symptom
 * (fixtures/symptoms.table), runs it (the plans climb the seeds' reset
 * ladder, re-verifying after each rung) and records a disposition.  The
 * batch and each unit are records in the store (store/batch.h), so a batch
 * killed at any moment resumes where it stopped, never testing a unit
 * twice unless asked.
 *
 * Front ends (`station triage`, the console) hand questions and progress
 * through callbacks; the library never touches a terminal.
 */
#ifndef ST_TRIAGE_H
#define ST_TRIAGE_H

#include <signal.h>
#include <stddef.h>

#include "seq/seq.h"
#include "store/batch.h"

/* One entry of the symptom table. */
struct st_symptom {
	char match[8][96];       /* lower-case phrases; a symptom containing one matches */
	int nmatch;
	char plan[48];           /* plan to run */
	char nff[64];            /* disposition when the plan finds nothing ("" = keep
				  * the plan's), e.g. "customer-advice" */
	char advice[768];        /* what to tell the customer then (the seeds' words) */
	int line;                /* line in the table */
	int is_default;          /* the `default` entry: any symptom */
};

struct st_symptoms {
	struct st_symptom *s;    /* in file order; the first match wins */
	int n;
	char path[512];          /* the table file, for messages */
};

/* Load <data dir>/fixtures/symptoms.table (dir NULL = st_data_dir()); each
 * plan named must exist.  Errors as file:line:col. */
int st_symptoms_load(const char *dir, struct st_symptoms *t, char *err);
void st_symptoms_free(struct st_symptoms *t);
/* The entry for a symptom text (case-insensitive containment, first in
 * file order, else the default), NULL when none. */
const struct st_symptom *st_symptom_match(const struct st_symptoms *t, const char *symptom);

/* Read and check a batch file: header with rma, serial, model, symptom
 * (any order; optional faults and notes), every row complete, models
 * known, serials valid and unique, symptoms in the table, faults known to
 * the simulated bench.  Every refusal names file:line.  On success *units
 * (n of them, status pending, plan chosen) and the file's SHA-256. */
int st_triage_load(const char *path, const char *dir, const struct st_symptoms *t,
		   struct st_batch_unit **units, int *n, char sha256[65], char *err);

/* Faults column: ';'- or space-separated; "placed=SERIAL" rehearses a
 * mix-up (the simulated bench holds another unit than the row names). */
#define ST_TRIAGE_MAX_FAULTS 8

/* A question to the operator.  kind "place": answer "" to go on, "s" to
 * skip the unit, "q" to stop the batch; kind "scan": the scanned serial.
 * Returns 0, or <0 when nobody can answer (end of input). */
typedef int (*st_triage_ask_fn)(const char *kind, const char *question, char *answer,
				size_t n, void *ctx);

struct st_triage_opts {
	const char *data_dir;     /* NULL = st_data_dir() */
	const char *db;           /* NULL = st_store_default_path() */
	const char *fixture;      /* NULL or "sim": the simulated bench; else a fixture address */
	const char *operator_;    /* recorded with the batch and its runs */
	const char *station;      /* NULL = host name */
	int confirm_yes;          /* take placement and serial prompts as done (assumed) */
	int retest;               /* on resume: test again units already done */
	st_triage_ask_fn ask;     /* NULL: nobody answers (needs confirm_yes) */
	void (*on_event)(const struct st_event *ev, void *ctx);  /* run events, may be NULL */
	/* one progress line per unit: what = "start", "skip", "stop", "done" */
	void (*on_unit)(const struct st_batch_unit *u, const char *what, const char *text, void *ctx);
	/* the batch is stored (started) or found (resumed), before any unit */
	void (*on_batch)(const struct st_batch_info *bi, int resumed, void *ctx);
	void *ctx;
};

/* Start a batch from a CSV file; fills batch_uuid (37 bytes) as soon as the
 * batch is stored.  Returns ST_OK when the batch ran to its end or was
 * stopped by the operator (*stopped = 1), an error otherwise. */
int st_triage_start(const char *csv, const struct st_triage_opts *o, char batch_uuid[37],
		    int *stopped, char *err);
/* Resume a stored batch (uuid or prefix). */
int st_triage_resume(const char *batch, const struct st_triage_opts *o, char batch_uuid[37],
		     int *stopped, char *err);

#endif
