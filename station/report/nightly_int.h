/*
 * nightly_int.h - what the nightly report's two halves share (not part of
 * the interface): nightly_data.c loads a night, the nights before it and
 * every golden unit's values, marks and baseline from the store and the
 * nightly library (nightly/nightly.h); nightly_report.c renders them.
 */
#ifndef ST_REPORT_NIGHTLY_INT_H
#define ST_REPORT_NIGHTLY_INT_H

#include "nightly/nightly.h"
#include "report/report_int.h"
#include "report/svg.h"

#define NR_MAX_UNITS ST_CHART_MAX_SERIES  /* golden units charted */
#define NR_MAX_NIGHTS 60                  /* builds in a trend */

/* A night as stored (nightly table). */
struct nr_night {
	long long id;
	char uuid[37], started[32], ended[32], firmware[32], model[32], plan[48], station[64];
	char outcome[16];
	char summary[512];
	int baseline_builds;      /* N: builds a baseline spans */
};

/* A golden unit of tonight. */
struct nr_unit {
	long long unit_id;        /* nightly_units.id tonight */
	long long run_id;         /* its run tonight (0: none) */
	char serial[64];
	char status[16];          /* no-change regression bench-suspect no-baseline error */
	char reason[256];
	char run_uuid[37];
};

/* One measurement (key) and, per unit, its trend and baseline. */
struct nr_key {
	char key[ST_NL_KEY_LEN];
	char name[ST_NL_NAME_LEN];
	char unit[ST_NL_UNIT_LEN];
	double v[NR_MAX_UNITS][NR_MAX_NIGHTS];          /* value per unit per night, NAN none */
	unsigned char mark[NR_MAX_UNITS][NR_MAX_NIGHTS];/* enum st_trend_mark */
	double band_lo[NR_MAX_UNITS], band_hi[NR_MAX_UNITS]; /* tonight's baseline +- threshold */
	int changed;                                    /* any unit not "same" tonight */
};

struct nr_data {
	struct nr_night tonight;
	struct nr_night nights[NR_MAX_NIGHTS];  /* the trend, oldest first, tonight last */
	int nnights;
	struct nr_unit units[16];               /* tonight's golden units */
	int nunits;                             /* all of them (charts show NR_MAX_UNITS) */
	struct nr_key *keys;                    /* in tonight's step order */
	int nkeys, capkeys;
};

/* Load the night testing `firmware` (NULL: the latest finished night) and
 * the `last` nights up to it.  ST_ERR_NOTFOUND when there is none. */
int nr_load(struct st_store *s, const char *firmware, int last, struct nr_data *d, char *err);
void nr_free(struct nr_data *d);

#endif
