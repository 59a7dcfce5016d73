/*
 * report.h - the station's reports as self-contained HTML files: one run
 * (what a repair bench hands a customer or a service centre) and one batch
 * of RMA triage (what the RMA desk hands upward).  docs/reports.md.
 *
 * A report is read from the result store and rendered through the template
 * and stylesheet in <data dir>/reports/ (run.html, batch.html, report.css),
 * which a site may restyle without a rebuild.  The output has no network
 * reference and no external asset: the stylesheet is inlined and the
 * charts are inline SVG.  Every text from outside is HTML-escaped.
 */
#ifndef ST_REPORT_H
#define ST_REPORT_H

#include "report/html.h"

struct st_store;

struct st_report_opts {
	const char *data_dir;   /* where reports/ lives; NULL = st_data_dir() */
	/* Advice for a disposition (what to do, the seeds' words), or NULL:
	 * supplied by the caller so the report does not own disposition data. */
	const char *(*advice)(const char *disposition, void *ctx);
	void *advice_ctx;
};

/* Render the run whose uuid starts with run (see st_store_find_run) into
 * out.  ST_ERR_NOTFOUND / ST_ERR_ARG when no or several runs match. */
int st_report_run(struct st_store *s, const char *run, const struct st_report_opts *o,
		  struct st_sbuf *out, char *err);

/* The file name a batch report links each run's report under:
 * "run-<first 8 characters of the uuid>.html". */
void st_report_run_file(const char *uuid, char out[32]);

/* Render a batch (uuid or its prefix) into out; csv (may be NULL) gets the
 * unit list as RFC 4180 CSV. */
int st_report_batch(struct st_store *s, const char *batch, const struct st_report_opts *o,
		    struct st_sbuf *out, struct st_sbuf *csv, char *err);

/* Write the run report of every unit of a batch beside out_path (in its
 * directory) under st_report_run_file() names. */
int st_report_batch_runs(struct st_store *s, const char *batch, const char *out_path,
			 const struct st_report_opts *o, char *err);

/* Render the night of nightly regression that tested build `firmware`
 * (NULL: the latest finished night) with the trend over the last `last`
 * builds (1..60) of its plan and model (nightly_report.c, docs/reports.md).
 * ST_ERR_NOTFOUND when no such night is stored. */
int st_report_nightly(struct st_store *s, const char *firmware, int last,
		      const struct st_report_opts *o, struct st_sbuf *out, char *err);

/* Write buf to path atomically (a temporary file in the same directory,
 * then rename), or to stdout when path is NULL or "-". */
int st_report_write(const char *path, const struct st_sbuf *buf, char *err);

#endif
