/*
 * audio.c - the audio interface's common part: bench wiring files
 * (fixtures/benches/NAME.audio), opening a back end by address, and the
 * thin wrappers the measurement layer calls.  See audio.h.
 */
#include "audio.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "core/st.h"

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
}

int st_audio_bench_mics(const struct st_audio_bench *b)
{
	int n = 0;

	while (n < ST_AUDIO_MAX_MICS && b->in[ST_ROLE_MIC1 + n] >= 0)
		n++;
	return n;
}

static int parse_channel(const char *name, int line, const char *word, int *out, char *err)
{
	long v;

	if (!word || st_parse_int(word, &v) != ST_OK || v < 0 || v >= ST_AUDIO_MAX_CH)
		return st_fail(err, ST_ERR_PARSE, "%s:%d: channel must be 0..%d, not '%s'",
			       name, line, ST_AUDIO_MAX_CH - 1, word ? word : "");
	*out = (int)v;
	return ST_OK;
}

/* Split a line into words; "quoted strings" stay one word. */
static int split(char *s, char **w, int max)
{
	int n = 0;

	while (*s && n < max) {
		while (*s && isspace((unsigned char)*s))
			s++;
		if (!*s || *s == '#')
			break;
		if (*s == '"') {
			w[n++] = ++s;
			while (*s && *s != '"')
				s++;
		} else {
			w[n++] = s;
			while (*s && !isspace((unsigned char)*s))
				s++;
		}
		if (*s)
			*s++ = '\0';
	}
	return n;
}

int st_audio_bench_parse(const char *name, const char *text,
			 struct st_audio_bench *b, char *err)
{
	char *buf, *line, *next;
	int lineno = 0, ret = ST_OK;

	st_audio_bench_default(b);
	buf = strdup(text ? text : "");
	if (!buf)
		return st_fail(err, ST_ERR_MEM, "%s: out of memory", name);
	for (line = buf; line; line = next) {
		char *w[12];
		int n;
		double d;
		long v;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		n = split(line, w, 12);
		if (n == 0)
			continue;
		if (strcmp(w[0], "device") == 0 && n == 2) {
			st_strlcpy(b->device, w[1], sizeof(b->device));
		} else if (strcmp(w[0], "rate") == 0 && n == 2) {
			if (st_parse_double(w[1], &d) != ST_OK || d < 8000 || d > 384000) {
				ret = st_fail(err, ST_ERR_PARSE, "%s:%d: rate must be 8000..384000 Hz",
					      name, lineno);
				goto out_free;
			}
			b->rate = d;
		} else if (strcmp(w[0], "speaker") == 0 && n == 2) {
			ret = parse_channel(name, lineno, w[1], &b->speaker, err);
		} else if (strcmp(w[0], "ear-left") == 0 && n == 2) {
			ret = parse_channel(name, lineno, w[1], &b->in[ST_ROLE_EAR_L], err);
		} else if (strcmp(w[0], "ear-right") == 0 && n == 2) {
			ret = parse_channel(name, lineno, w[1], &b->in[ST_ROLE_EAR_R], err);
		} else if (strcmp(w[0], "loopback") == 0 && n == 2) {
			ret = parse_channel(name, lineno, w[1], &b->loopback, err);
		} else if (strcmp(w[0], "mic") == 0 && n >= 2 && n <= 1 + ST_AUDIO_MAX_MICS) {
			for (int i = 0; i < ST_AUDIO_MAX_MICS; i++)
				b->in[ST_ROLE_MIC1 + i] = -1;
			for (int i = 1; i < n && ret == ST_OK; i++)
				ret = parse_channel(name, lineno, w[i], &b->in[ST_ROLE_MIC1 + i - 1], err);
		} else if (strcmp(w[0], "no-mics") == 0 && n == 1) {
			for (int i = 0; i < ST_AUDIO_MAX_MICS; i++)
				b->in[ST_ROLE_MIC1 + i] = -1;
		} else if (strcmp(w[0], "latency") == 0 && n == 2) {
			if (strcmp(w[1], "auto") == 0) {
				b->latency = -1;
			} else if (st_parse_int(w[1], &v) != ST_OK || v < 0 || v > 1000000) {
				ret = st_fail(err, ST_ERR_PARSE,
					      "%s:%d: latency is frames (0..1000000) or 'auto'",
					      name, lineno);
				goto out_free;
			} else {
				b->latency = v;
			}
		} else if (strcmp(w[0], "level") == 0 && n == 2) {
			if (st_parse_double(w[1], &d) != ST_OK || d > 0 || d < -60) {
				ret = st_fail(err, ST_ERR_PARSE, "%s:%d: level must be -60..0 dBFS",
					      name, lineno);
				goto out_free;
			}
			b->level_dbfs = d;
		} else {
			ret = st_fail(err, ST_ERR_PARSE,
				      "%s:%d: unknown line '%s' (device, rate, speaker, ear-left, "
				      "ear-right, mic, no-mics, loopback, latency, level)",
				      name, lineno, w[0]);
			goto out_free;
		}
		if (ret != ST_OK)
			goto out_free;
	}
	for (int r = 0; r < ST_ROLE_COUNT; r++) {
		for (int q = r + 1; q < ST_ROLE_COUNT; q++) {
			if (b->in[r] >= 0 && b->in[r] == b->in[q]) {
				ret = st_fail(err, ST_ERR_PARSE, "%s: %s and %s both on input %d",
					      name, st_audio_role_name(r), st_audio_role_name(q),
					      b->in[r]);
				goto out_free;
			}
		}
		if (b->loopback >= 0 && b->in[r] == b->loopback) {
			ret = st_fail(err, ST_ERR_PARSE, "%s: loopback and %s both on input %d",
				      name, st_audio_role_name(r), b->loopback);
			goto out_free;
		}
	}
out_free:
	free(buf);
	return ret;
}

int st_audio_bench_load(const char *path, struct st_audio_bench *b, char *err)
{
	char *text;
	const char *base, *dot;
	int ret;

	ret = st_read_file(path, &text, NULL, err);
	if (ret != ST_OK)
		return ret;
	ret = st_audio_bench_parse(path, text, b, err);
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

void st_capture_free(struct st_capture *c)
{
	if (!c)
		return;
	for (int r = 0; r < ST_ROLE_COUNT; r++) {
		free(c->ch[r]);
		c->ch[r] = NULL;
	}
	c->n = 0;
}

int st_audio_open(struct st_audio **out, const char *addr,
		  const struct st_audio_bench *bench, struct st_fixture *fx, char *err)
{
	struct st_audio *a;
	const struct st_audio_ops *ops;
	const char *rest = NULL;
	int ret;

	*out = NULL;
	if (!addr || strcmp(addr, "sim") == 0) {
		ops = &st_audio_sim_ops;
	} else if (strcmp(addr, "pa") == 0) {
		ops = &st_audio_pa_ops;
	} else if (strncmp(addr, "pa:", 3) == 0) {
		ops = &st_audio_pa_ops;
		rest = addr + 3;
	} else {
		return st_fail(err, ST_ERR_ARG,
			       "audio address '%s': use \"sim\", \"pa\" or \"pa:DEVICE\"", addr);
	}
	a = calloc(1, sizeof(*a));
	if (!a)
		return st_fail(err, ST_ERR_MEM, "audio: out of memory");
	a->ops = ops;
	a->fx = fx;
	if (bench)
		a->bench = *bench;
	else
		st_audio_bench_default(&a->bench);
	ret = ops->open(a, rest, err);
	if (ret != ST_OK) {
		free(a);
		return ret;
	}
	*out = a;
	return ST_OK;
}

void st_audio_close(struct st_audio *a)
{
	if (!a)
		return;
	if (a->ops && a->ops->close)
		a->ops->close(a);
	free(a);
}

double st_audio_rate(const struct st_audio *a)
{
	return a->bench.rate;
}

int st_audio_has(const struct st_audio *a, int role)
{
	return role >= 0 && role < ST_ROLE_COUNT && a->bench.in[role] >= 0;
}

const char *st_audio_desc(const struct st_audio *a)
{
	return a->desc;
}

int st_audio_playrec(struct st_audio *a, const float *stim, size_t n,
		     size_t frames, struct st_capture *cap, char *err)
{
	int ret;

	memset(cap, 0, sizeof(*cap));
	if (frames < n || frames == 0)
		return st_fail(err, ST_ERR_ARG, "audio: capture of %zu frames shorter than "
			       "its stimulus (%zu)", frames, n);
	if (frames > (size_t)(a->bench.rate * 600))
		return st_fail(err, ST_ERR_ARG, "audio: capture of %zu frames is over 10 min",
			       frames);
	for (int tries = 0;; tries++) {
		a->xrun = 0;
		ret = a->ops->playrec(a, stim, n, frames, cap, err);
		if (ret == ST_OK)
			break;
		st_capture_free(cap);
		if (!a->xrun || tries >= ST_AUDIO_XRUN_RETRIES)
			return ret;
		a->xruns++;
	}
	a->captures++;
	return ST_OK;
}

int st_audio_record(struct st_audio *a, double seconds, struct st_capture *cap,
		    char *err)
{
	if (!(seconds > 0))
		return st_fail(err, ST_ERR_ARG, "audio: record %g s", seconds);
	return st_audio_playrec(a, NULL, 0, (size_t)(seconds * a->bench.rate + 0.5), cap, err);
}

int st_audio_place(struct st_audio *a, int present, char *err)
{
	if (!a->ops->place)
		return st_fail(err, ST_ERR_UNSUPPORTED,
			       "audio %s: cannot take the unit off the fixture by itself", a->desc);
	return a->ops->place(a, present, err);
}

int st_audio_feedback(struct st_audio *a, const struct st_feedback *ev, char *err)
{
	if (!a->ops->feedback)
		return ST_OK;  /* a real bench hears the unit itself */
	return a->ops->feedback(a, ev, err);
}
