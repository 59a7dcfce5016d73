/*
 * reanalyse.h - a stored run's captures analysed again (`station rejudge`):
 * the ANC captures (anc-open when present, anc-off, anc-on: per ear and
 * 1/3-octave band the active, passive and total attenuation) and the
 * microphone capture (mics: each mic's delay, gain, phase and polarity
 * against the array), with the analysis functions and the sweep context
 * the station measures with (station/analysis, measure/sweepctx.h) and the
 * sweep each capture names in its comment (capnote.h).
 *
 * Every capture of the run is checked first (present, SHA-256 as stored).
 * A step's captures are re-analysed when asked (force) or when they name
 * another analysis version than this station's ST_AN_VERSION (or none).
 * A capture that is missing, altered, unreadable, names no sweep or is
 * not judgeable on re-analysis is reported in `failed`, naming it; that
 * step's stored values stay as they were.  What it cannot re-analyse
 * (ramp, response, sounds, assistant captures) is named in `kept`.
 */
#ifndef ST_GOLDEN_REANALYSE_H
#define ST_GOLDEN_REANALYSE_H

#include "store/store.h"

/* "Moved": a re-analysed value further than this from the stored one. */
#define ST_REANALYSE_MOVED 1e-3

/* One value re-analysed: the measurement of step step_id named name. */
struct st_reval {
	long long step_id;
	char name[64];
	double value;
};

struct st_reanalysis {
	struct st_reval *v;      /* values re-analysed */
	int n, cap;
	int kept, bad;           /* captures intact / missing or altered */
	int wanted;              /* steps whose captures wanted re-analysis */
	int done;                /* of them, re-analysed */
	int run_version;         /* highest analysis version the captures name (0: none) */
	char done_txt[512];      /* "anc (step 5): anc-open anc-off anc-on; mics (step 6): mics" */
	char failed[1024];       /* "anc-off (step 5): altered (SHA-256 differs); ..." ("" none) */
	char kept_txt[256];      /* kinds kept as stored though wanted: "ramp, response" */
};

/* Check and (force, or when the analysis changed) re-analyse the captures
 * of run run_id; relative capture paths are under db_dir.  Only a store or
 * memory fault is an error: everything about a capture goes in out. */
int st_reanalyse_run(struct st_store *s, long long run_id, const char *db_dir, int force,
		     struct st_reanalysis *out, char *err);
/* The re-analysed value of (step_id, name): 1 and *v, or 0. */
int st_reanalysis_find(const struct st_reanalysis *ra, long long step_id, const char *name,
		       double *v);
void st_reanalysis_free(struct st_reanalysis *ra);

/* The microphones' figures against the array (as station/measure reports
 * them): given each mic's raw delay d, gain g, phase p and polarity pol
 * against mic 1 (mic 1: 0, 0, 0, +1), the same relative to the array's
 * median, polarity flipped when most mics look inverted (then mic 1 is
 * the odd one out).  Pure; nm <= 8. */
void st_mics_relative(int nm, double *d, double *g, double *p, int *pol);

#endif
