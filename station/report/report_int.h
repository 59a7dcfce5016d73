/*
 * report_int.h - shared between the report renderers in station/report/
 * (not part of the library's interface): a run loaded from the store, the
 * acoustic charts drawn from its measurements, and small formatting
 * helpers.
 */
#ifndef ST_REPORT_INT_H
#define ST_REPORT_INT_H

#include "report/report.h"
#include "store/batch.h"
#include "store/store.h"

/* A run and all its rows, loaded from the store. */
struct rr_run {
	struct st_run_info ri;
	struct st_step_row *steps;      /* in order */
	int nsteps, capsteps;
	struct st_meas_row *meas;       /* in step order */
	int nmeas, capmeas;
	struct st_event_row *events;    /* in time order */
	int nevents, capevents;
	struct st_artifact_row *arts;
	int narts, caparts;
	int oom;                        /* an allocation failed while loading */
	int in_batch;                   /* 1: the run tested a unit of a triage batch */
	struct st_batch_unit bu;        /* that unit (RMA, symptom, notes, disposition) */
	char batch_uuid[37];
};

int rr_run_load(struct st_store *s, const char *run, struct rr_run *d, char *err);
void rr_run_free(struct rr_run *d);

/* ANC attenuation per 1/3 octave (anc.<kind>_db.<EAR>.<F>Hz) and the
 * microphone array (mic.<N>.delay_us|gain_db|phase_deg) as inline SVG. */
void rr_anc_charts(struct st_sbuf *b, const struct rr_run *d);
void rr_mic_charts(struct st_sbuf *b, const struct rr_run *d);

/* CSS class of a verdict or outcome (v-pass, v-fail, ...), and the verdict
 * as a coloured span. */
const char *rr_verdict_class(const char *v);
void rr_verdict(struct st_sbuf *b, const char *v);
/* A number with 4 significant digits, "-" when not finite. */
void rr_num(struct st_sbuf *b, double v);
/* Seconds since the epoch of an ISO 8601 UTC time as stored, NAN if not one. */
double rr_iso_seconds(const char *iso);

/* Load reports/<tpl_name> (checked against names) and reports/report.css. */
int rr_assets(const struct st_report_opts *o, const char *tpl_name, const char *const *names,
	      int n, char **tpl, char *tpl_path, size_t tpl_path_size, char **css, char *err);

#endif
