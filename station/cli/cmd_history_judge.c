/*
 * cmd_history_judge.c - the judgements part of `station history --run`:
 * each later judgement of the run against other limits (`station
 * rejudge`), oldest first, after the run's own record; as a table, or as
 * "judgement" JSON lines with --json (with what each re-analysed from the
 * run's captures, and what it could not).  The run's original verdicts above it
 * are never changed by a judgement.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "core/enc.h"
#include "core/st.h"
#include "store/store.h"

struct hj {
	int json;   /* JSON lines */
	int n;      /* judgements printed */
	int bad;    /* an output failed */
};

static int judgement_json(const struct st_judgement *j)
{
	json_t *o = json_object();
	int bad = !o;

	bad = bad || st_json_set_text(o, "type", "judgement") || st_json_set_text(o, "uuid", j->uuid) ||
	      st_json_set_text(o, "created", j->created) ||
	      st_json_set_text(o, "limits_path", j->limits_path) ||
	      st_json_set_text(o, "limits_hash", j->limits_hash) ||
	      st_json_set_text(o, "firmware", j->firmware) ||
	      st_json_set_text(o, "verdict", j->verdict) || st_json_set_text(o, "reason", j->reason) ||
	      st_json_set_int(o, "judged", j->judged) || st_json_set_int(o, "changed", j->changed) ||
	      st_json_set_text(o, "captures", j->captures) ||
	      st_json_set_int(o, "analysis", j->analysis) ||
	      st_json_set_int(o, "run_analysis", j->run_analysis) ||
	      st_json_set_text(o, "reanalysed", j->reanalysed) ||
	      st_json_set_text(o, "not_reanalysed", j->not_reanalysed);
	if (bad) {
		json_decref(o);
		return ST_ERR_MEM;
	}
	return st_json_put(stdout, o);
}

static int judgement_cb(const struct st_judgement *j, void *ctx)
{
	struct hj *h = ctx;
	char path[48], reason[160], created[24];

	if (h->json) {
		h->bad |= judgement_json(j) != ST_OK;
		return h->bad;
	}
	if (!h->n++)
		printf("\n%-20s  %-9s  %-7s  %6s  %7s  %-28s  %-12s  %s\n", "JUDGED (UTC)", "JUDGEMENT",
		       "VERDICT", "JUDGED", "CHANGED", "LIMITS", "SHA256", "REASON");
	snprintf(created, sizeof(created), "%.10s %.8s", j->created, j->created[10] ? j->created + 11 : "");
	printf("%-20s  %.8s   %-7s  %6d  %7d  %-28s  %.12s  %s\n", created, j->uuid, j->verdict,
	       j->judged, j->changed, st_term_clean(path, sizeof(path), j->limits_path),
	       j->limits_hash, st_term_clean(reason, sizeof(reason), j->reason));
	return 0;
}

int cli_history_judgements(struct st_store *s, long long run_id, int json, char *err)
{
	struct hj h = { json, 0, 0 };
	int ret = st_store_judgements(s, run_id, judgement_cb, &h, err);

	if (!ret && h.bad)
		ret = st_fail(err, ST_ERR_IO, "writing the judgements");
	return ret;
}
