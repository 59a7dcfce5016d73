/*
 * uart.c - the unit's test UART: commands through the fixture, replies
 * parsed as space-separated key=value pairs.  An "ERR" reply or silence is
 * the unit's (ST_ERR_UNIT); any other error is the station's.
 */
#include "internal.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

int seq_kv_parse(struct kv *kv, const char *line)
{
	char *p;

	st_strlcpy(kv->buf, line, sizeof(kv->buf));
	kv->n = 0;
	p = kv->buf;
	while (*p && kv->n < SEQ_MAX_KV) {
		char *tok, *eq;

		while (*p == ' ')
			p++;
		if (!*p)
			break;
		tok = p;
		while (*p && *p != ' ')
			p++;
		if (*p)
			*p++ = '\0';
		eq = strchr(tok, '=');
		if (!eq)
			continue;
		*eq = '\0';
		kv->key[kv->n] = tok;
		kv->val[kv->n] = eq + 1;
		kv->n++;
	}
	return kv->n;
}

const char *seq_kv_get(const struct kv *kv, const char *key)
{
	for (int i = 0; i < kv->n; i++)
		if (!strcmp(kv->key[i], key))
			return kv->val[i];
	return NULL;
}

int seq_kv_num(const struct kv *kv, const char *key, double *v)
{
	const char *s = seq_kv_get(kv, key);

	return s && st_parse_double(s, v) == ST_OK ? ST_OK : ST_ERR_NOTFOUND;
}

/* 1 when the reply has key and it reads value. */
int seq_kv_is(const struct kv *kv, const char *key, const char *value)
{
	const char *v = seq_kv_get(kv, key);

	return v && !strcmp(v, value);
}

/* Ask the unit's test UART.  ST_ERR_UNIT: the unit did not answer (its
 * fault); other errors: the station's. */
int seq_uart(struct seq *s, const char *cmd, char *reply, size_t n)
{
	int ret;

	s->err[0] = '\0';
	ret = st_fixture_uart(s->fx, cmd, reply, n, s->err);
	if (ret == ST_OK && !strncmp(reply, "ERR", 3)) {
		snprintf(s->err, sizeof(s->err), "unit answered '%s' to '%s'", reply, cmd);
		return ST_ERR_UNIT;
	}
	return ret;
}

/* Model names compare equal whatever separates their words ("LinkBuds S",
 * "LinkBuds_S", "LinkBuds-S"). */
int seq_same_model(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		int ca = (*a == '_' || *a == '-' || *a == ' ') ? ' ' : tolower((unsigned char)*a);
		int cb = (*b == '_' || *b == '-' || *b == ' ') ? ' ' : tolower((unsigned char)*b);
		if (ca != cb)
			return 0;
	}
	return *a == *b;
}

/* Send cmd and parse its key=value reply into kv. */
static int query(struct seq *s, const char *cmd, struct kv *kv)
{
	char reply[1024];
	int ret = seq_uart(s, cmd, reply, sizeof(reply));

	if (ret == ST_OK)
		seq_kv_parse(kv, reply);
	return ret;
}

/* Who the unit is and how it is (INFO: "model=... fw=... battery=..."). */
int seq_info(struct seq *s, struct kv *kv)
{
	return query(s, "INFO", kv);
}

/* The unit's state items (ITEMS: "paired=custom eq=default ..."). */
int seq_items(struct seq *s, struct kv *kv)
{
	return query(s, "ITEMS", kv);
}

/* What seq_info_until waits for: an answer, with key=value when key. */
struct answer {
	struct kv *kv;          /* the last answer */
	const char *key, *value;
	int last;               /* the last query's result */
};

static int answered(struct seq *s, void *ctx)
{
	struct answer *a = ctx;

	a->last = seq_info(s, a->kv);
	if (a->last == ST_ERR_UNIT || a->last == ST_ERR_TIMEOUT)
		return 0; /* not (yet) answering */
	if (a->last)
		return a->last;
	return !a->key || seq_kv_is(a->kv, a->key, a->value);
}

/* Ask INFO until the unit answers (with key=value when key is given), for
 * at most the model's answer-within seconds: a wait that ends on the
 * unit's answer, never a fixed time.  ST_OK with kv the last answer (which
 * may still not say key=value: the caller judges that); ST_ERR_UNIT /
 * ST_ERR_TIMEOUT when the unit never answered; other errors and
 * ST_ERR_ABORT as they come. */
int seq_info_until(struct seq *s, struct kv *kv, const char *key, const char *value)
{
	struct answer a = { kv, key, value, ST_ERR_TIMEOUT };
	double t0 = st_fixture_now(s->fx);
	int ret = seq_wait_for(s, s->m->answer_within, answered, &a);

	seq_mandated_since(s, t0); /* the unit's own time to answer */
	if (ret < 0)
		return ret;
	return a.last;
}
