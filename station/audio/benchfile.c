/*
 * benchfile.c - audio bench wiring files (fixtures/benches/NAME.audio,
 * docs/audio-bench.md): which interface, which channel carries which role.
 * Read with the data-file tokenizer (core/tok.h); every keyword may appear
 * once (`mic` and `no-mics` are one setting); every error is
 * "file:line:col: message".  No audio back end is touched here.
 */
#include "audio.h"

#include <stdlib.h>
#include <string.h>

#include "core/st.h"
#include "core/tok.h"

const char *st_audio_role_name(int role)
{
	static const char *const names[ST_ROLE_COUNT] = {
		"ear-left", "ear-right", "mic1", "mic2", "mic3", "mic4", "mic5", "mic6",
	};

	if (role < 0 || role >= ST_ROLE_COUNT)
		return "?";
	return names[role];
}

void st_audio_bench_default(struct st_audio_bench *b)
{
	memset(b, 0, sizeof(*b));
	st_strlcpy(b->name, "default", sizeof(b->name));
	b->rate = 48000;
	b->speaker = 0;
	for (int r = 0; r < ST_ROLE_COUNT; r++)
		b->in[r] = r;
	b->loopback = -1;
	b->latency = -1;
	b->level_dbfs = -12;
	b->open_ear = ST_OPEN_EAR_AUTO;
	b->open_ear_max_age_h = 24;
}

int st_audio_bench_mics(const struct st_audio_bench *b)
{
	int n = 0;

	while (n < ST_AUDIO_MAX_MICS && b->in[ST_ROLE_MIC1 + n] >= 0)
		n++;
	return n;
}

/* Parser state of one bench file. */
struct bp {
	struct st_tok *t;             /* the file's words */
	struct st_audio_bench *b;     /* bench being filled */
	char *err;                    /* caller's error buffer */
	int seen[16];                 /* line of each singular keyword, 0 = not yet */
	int role_line[ST_ROLE_COUNT]; /* line that wired each input role */
	int role_col[ST_ROLE_COUNT];  /* ... and the column of its channel */
	int loop_line, loop_col;      /* where the loopback was wired */
};

/* Keywords of a bench file; every one may appear once (`mic` and `no-mics`
 * are one setting: together they count as a repeat). */
static const char *const bench_kw[] = {
	"device", "rate", "speaker", "ear-left", "ear-right", "loopback", "mic",
	"latency", "level", "open-ear", "open-ear-max-age",
};

static int parse_channel(struct bp *bp, const struct st_word *w, int *out)
{
	long v;

	if (w->quoted || st_parse_int(w->s, &v) != ST_OK || v < 0 || v >= ST_AUDIO_MAX_CH)
		return st_tok_failw(bp->t, w, bp->err, "channel must be 0..%d, not '%.40s'",
				    ST_AUDIO_MAX_CH - 1, w->s);
	*out = (int)v;
	return ST_OK;
}

static int wire_role(struct bp *bp, int role, const struct st_word *w)
{
	bp->role_line[role] = w->line;
	bp->role_col[role] = w->col;
	return parse_channel(bp, w, &bp->b->in[role]);
}

static int bench_line(struct bp *bp, struct st_word *w, int n)
{
	struct st_audio_bench *b = bp->b;
	const char *kw = w[0].s;
	size_t k;
	double d;
	long v;

	for (k = 0; k < ST_ARRAY_SIZE(bench_kw); k++)
		if (!strcmp(kw, bench_kw[k]) || (k == 6 && !strcmp(kw, "no-mics")))
			break;
	if (k == ST_ARRAY_SIZE(bench_kw) || w[0].quoted)
		return st_tok_failw(bp->t, &w[0], bp->err,
				    "unknown line '%.40s' (device, rate, speaker, ear-left, ear-right, mic, no-mics, loopback, latency, level, open-ear, open-ear-max-age)",
				    kw);
	if (bp->seen[k])
		return st_tok_failw(bp->t, &w[0], bp->err, "duplicate '%s' (first on line %d)",
				    k == 6 ? "mic/no-mics" : kw, bp->seen[k]);
	bp->seen[k] = w[0].line;
	if (!strcmp(kw, "no-mics")) {
		if (n != 1)
			return st_tok_failw(bp->t, &w[1], bp->err, "no-mics takes nothing");
		for (int i = 0; i < ST_AUDIO_MAX_MICS; i++)
			b->in[ST_ROLE_MIC1 + i] = -1;
		return ST_OK;
	}
	if (!strcmp(kw, "mic")) {
		if (n < 2 || n > 1 + ST_AUDIO_MAX_MICS)
			return st_tok_failw(bp->t, &w[0], bp->err, "mic takes 1 to %d channels",
					    ST_AUDIO_MAX_MICS);
		for (int i = 0; i < ST_AUDIO_MAX_MICS; i++)
			b->in[ST_ROLE_MIC1 + i] = -1;
		for (int i = 1; i < n; i++)
			if (wire_role(bp, ST_ROLE_MIC1 + i - 1, &w[i]))
				return ST_ERR_PARSE;
		return ST_OK;
	}
	if (n != 2)
		return st_tok_failw(bp->t, &w[n > 2 ? 2 : 0], bp->err, "'%s' takes one value", kw);
	if (!strcmp(kw, "device")) {
		if (strlen(w[1].s) >= sizeof(b->device))
			return st_tok_failw(bp->t, &w[1], bp->err, "device name longer than %zu bytes",
					    sizeof(b->device) - 1);
		st_strlcpy(b->device, w[1].s, sizeof(b->device));
	} else if (!strcmp(kw, "rate")) {
		if (w[1].quoted || st_parse_double(w[1].s, &d) != ST_OK || d < 8000 || d > 384000)
			return st_tok_failw(bp->t, &w[1], bp->err, "rate must be 8000..384000 Hz");
		b->rate = d;
	} else if (!strcmp(kw, "speaker")) {
		return parse_channel(bp, &w[1], &b->speaker);
	} else if (!strcmp(kw, "ear-left")) {
		return wire_role(bp, ST_ROLE_EAR_L, &w[1]);
	} else if (!strcmp(kw, "ear-right")) {
		return wire_role(bp, ST_ROLE_EAR_R, &w[1]);
	} else if (!strcmp(kw, "loopback")) {
		bp->loop_line = w[1].line;
		bp->loop_col = w[1].col;
		return parse_channel(bp, &w[1], &b->loopback);
	} else if (!strcmp(kw, "latency")) {
		if (!strcmp(w[1].s, "auto"))
			b->latency = -1;
		else if (w[1].quoted || st_parse_int(w[1].s, &v) != ST_OK || v < 0 || v > 1000000)
			return st_tok_failw(bp->t, &w[1], bp->err,
					    "latency is frames (0..1000000) or 'auto'");
		else
			b->latency = v;
	} else if (!strcmp(kw, "open-ear")) {
		if (!strcmp(w[1].s, "auto"))
			b->open_ear = ST_OPEN_EAR_AUTO;
		else if (!strcmp(w[1].s, "lift"))
			b->open_ear = ST_OPEN_EAR_LIFT;
		else if (!strcmp(w[1].s, "calibration"))
			b->open_ear = ST_OPEN_EAR_CALIBRATION;
		else
			return st_tok_failw(bp->t, &w[1], bp->err,
					    "open-ear is auto, lift or calibration, not '%.40s'", w[1].s);
	} else if (!strcmp(kw, "open-ear-max-age")) {
		if (w[1].quoted || st_parse_double(w[1].s, &d) != ST_OK || d <= 0 || d > 8760)
			return st_tok_failw(bp->t, &w[1], bp->err,
					    "open-ear-max-age is hours, above 0 and at most 8760");
		b->open_ear_max_age_h = d;
	} else {
		if (w[1].quoted || st_parse_double(w[1].s, &d) != ST_OK || d > 0 || d < -60)
			return st_tok_failw(bp->t, &w[1], bp->err, "level must be -60..0 dBFS");
		b->level_dbfs = d;
	}
	return ST_OK;
}

/* Two roles on one input: named at the later of the two lines. */
static int check_roles(struct bp *bp)
{
	struct st_audio_bench *b = bp->b;

	for (int r = 0; r < ST_ROLE_COUNT; r++) {
		for (int q = r + 1; q < ST_ROLE_COUNT; q++) {
			int at = bp->role_line[q] >= bp->role_line[r] ? q : r;

			if (b->in[r] >= 0 && b->in[r] == b->in[q])
				return st_tok_fail(bp->t, bp->role_line[at] ? bp->role_line[at] : 1,
						   bp->role_line[at] ? bp->role_col[at] : 1, bp->err,
						   "%s and %s both on input %d",
						   st_audio_role_name(r), st_audio_role_name(q), b->in[r]);
		}
		if (b->loopback >= 0 && b->in[r] == b->loopback)
			return st_tok_fail(bp->t, bp->loop_line, bp->loop_col, bp->err,
					   "loopback and %s both on input %d",
					   st_audio_role_name(r), b->loopback);
	}
	return ST_OK;
}

int st_audio_bench_parse_buf(const char *name, const char *buf, size_t len,
			     struct st_audio_bench *b, char *err)
{
	struct bp bp;
	struct st_word *w;
	int n, ret;

	st_audio_bench_default(b);
	memset(&bp, 0, sizeof(bp));
	bp.b = b;
	bp.err = err;
	ret = st_tok_open(&bp.t, name, buf, len, NULL, err);
	if (ret != ST_OK)
		return ret;
	while ((ret = st_tok_next(bp.t, &w, &n, err)) == 1) {
		ret = bench_line(&bp, w, n);
		if (ret != ST_OK)
			break;
	}
	if (ret == 0)
		ret = check_roles(&bp);
	st_tok_close(bp.t);
	return ret;
}

int st_audio_bench_parse(const char *name, const char *text,
			 struct st_audio_bench *b, char *err)
{
	return st_audio_bench_parse_buf(name, text ? text : "", text ? strlen(text) : 0, b, err);
}

int st_audio_bench_load(const char *path, struct st_audio_bench *b, char *err)
{
	char *text;
	const char *base, *dot;
	size_t len;
	int ret;

	ret = st_read_file(path, &text, &len, err);
	if (ret != ST_OK)
		return ret;
	ret = st_audio_bench_parse_buf(path, text, len, b, err);
	free(text);
	if (ret != ST_OK)
		return ret;
	st_strlcpy(b->path, path, sizeof(b->path));
	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	st_strlcpy(b->name, base, sizeof(b->name));
	dot = strrchr(b->name, '.');
	if (dot)
		b->name[dot - b->name] = '\0';
	return ST_OK;
}

int st_audio_bench_find(const char *dir, const char *name,
			struct st_audio_bench *b, char *err)
{
	char path[512];
	size_t len = strlen(name);

	if (strchr(name, '/') || (len > 6 && strcmp(name + len - 6, ".audio") == 0))
		return st_audio_bench_load(name, b, err);
	snprintf(path, sizeof(path), "%s/fixtures/benches/%s.audio", dir ? dir : ".", name);
	return st_audio_bench_load(path, b, err);
}
