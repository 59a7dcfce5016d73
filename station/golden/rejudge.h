/*
 * rejudge.h - `station rejudge RUN --limits FILE`: a stored run's
 * measurements judged again against another limit file (limits learned from
 * golden units, a revised mask), stored as a new judgement beside the
 * original, which stays untouched (store.h, db/NNN_judgements.sql).
 *
 * Each measurement is mapped to the limit or mask band that judges it the
 * way `station limits learn` maps it (names.h) and judged the way the
 * sequencer judges (st_limit_judge; a mask band against st_mask_at's bounds).
 * What the measurements cannot tell is kept from the original: a step that
 * failed or errored for another reason than its measurements (a reset with
 * no feedback), and a run that ended ERROR, ABORTED or interrupted.  The
 * run's captures are checked (present, SHA-256 as stored) and the result
 * recorded.  The ANC and microphone captures are re-analysed when they name
 * another analysis version than this station's, or when asked
 * (ST_REJUDGE_REANALYSE; reanalyse.h): their values are judged instead of
 * the stored ones, which are kept beside them.  A capture that is missing,
 * altered or cannot be re-analysed leaves the stored values judged and is
 * named in the judgement (never a FAIL of its own).  Same run, file and
 * captures in, same verdicts out.
 */
#ifndef ST_GOLDEN_REJUDGE_H
#define ST_GOLDEN_REJUDGE_H

#include "limits/limits.h"
#include "store/store.h"

/* Judge one measurement (name, value) against l into r (verdict "" when no
 * limit of l judges it; ERROR for a value that is not a number). */
void st_rejudge_one(const struct st_limits *l, const char *name, double value,
		    struct st_judgement_result *r);

struct st_rejudge {
	struct st_run_info run;             /* the run judged */
	struct st_judgement j;              /* the judgement (stored when asked) */
	struct st_judgement_result *r;      /* one per measurement, in step order */
	int n;
	int reanalysed;                     /* of r, values from re-analysis */
	int moved;                          /* of those, further than ST_REANALYSE_MOVED from stored */
};

/* st_rejudge_ex flags. */
#define ST_REJUDGE_REANALYSE 1u   /* re-analyse the captures even if the analysis is the same */

/* Judge the run whose uuid starts with run_prefix against the limit file
 * limits_path (resolved for the run's firmware).  Refused: an unknown or
 * ambiguous run, a run still running (ST_ERR_ARG), a limit file that does
 * not load or lacks what a run needs (ST_ERR_PARSE).  db_dir is the
 * database's directory, where relative capture paths live.  The judgement
 * is not stored: st_store_judgement(s, &out->j, out->r, out->n). */
int st_rejudge(struct st_store *s, const char *run_prefix, const char *limits_path,
	       const char *db_dir, struct st_rejudge *out, char *err);
/* The same with flags (ST_REJUDGE_REANALYSE). */
int st_rejudge_ex(struct st_store *s, const char *run_prefix, const char *limits_path,
		  const char *db_dir, unsigned flags, struct st_rejudge *out, char *err);
void st_rejudge_free(struct st_rejudge *rj);

#endif
