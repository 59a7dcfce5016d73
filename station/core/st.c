/*
 * st.c - implementation of the common vocabulary in st.h: return-code and
 * verdict names, error buffers, string and file helpers, SHA-256 (for the
 * hash of the limits file every run records), UUIDs and timestamps.
 */
#include "st.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

const char *st_strret(int ret)
{
	switch (ret) {
	case ST_OK: return "ok";
	case ST_ERR_ARG: return "bad argument";
	case ST_ERR_MEM: return "out of memory";
	case ST_ERR_IO: return "I/O error";
	case ST_ERR_TIMEOUT: return "timeout";
	case ST_ERR_PARSE: return "parse error";
	case ST_ERR_PROTO: return "protocol error";
	case ST_ERR_REFUSED: return "refused";
	case ST_ERR_DB: return "database error";
	case ST_ERR_NOTFOUND: return "not found";
	case ST_ERR_UNSUPPORTED: return "unsupported";
	case ST_ERR_ABORT: return "aborted";
	case ST_ERR_UNIT: return "unit fault";
	}
	return "unknown error";
}

void st_seterr(char *err, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	vsnprintf(err, ST_ERRLEN, fmt, ap);
	va_end(ap);
}

int st_fail(char *err, int ret, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		va_start(ap, fmt);
		vsnprintf(err, ST_ERRLEN, fmt, ap);
		va_end(ap);
	}
	return ret;
}

static const char *const verdict_names[] = {
	[ST_PASS] = "PASS", [ST_FAIL] = "FAIL", [ST_ERROR] = "ERROR",
	[ST_ABORTED] = "ABORTED", [ST_SKIP] = "SKIP",
};

const char *st_verdict_name(enum st_verdict v)
{
	if ((unsigned)v < ST_ARRAY_SIZE(verdict_names))
		return verdict_names[v];
	return "?";
}

int st_verdict_parse(const char *s, enum st_verdict *out)
{
	for (unsigned i = 0; i < ST_ARRAY_SIZE(verdict_names); i++)
		if (st_streq_ci(s, verdict_names[i])) {
			*out = (enum st_verdict)i;
			return ST_OK;
		}
	return ST_ERR_PARSE;
}

enum st_verdict st_verdict_worst(enum st_verdict a, enum st_verdict b)
{
	if (a == ST_SKIP)
		return b;
	if (b == ST_SKIP)
		return a;
	return a > b ? a : b;
}

int st_verdict_exit(enum st_verdict v)
{
	switch (v) {
	case ST_PASS: case ST_SKIP: return ST_EXIT_PASS;
	case ST_FAIL: return ST_EXIT_FAIL;
	case ST_ERROR: return ST_EXIT_ERROR;
	case ST_ABORTED: return ST_EXIT_ABORTED;
	}
	return ST_EXIT_ERROR;
}

size_t st_strlcpy(char *dst, const char *src, size_t size)
{
	size_t n = strlen(src);

	if (size) {
		size_t c = n < size - 1 ? n : size - 1;
		memcpy(dst, src, c);
		dst[c] = '\0';
	}
	return n;
}

char *st_trim(char *s)
{
	char *e;

	while (*s && isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

int st_parse_double(const char *s, double *out)
{
	char *end;
	double v;

	if (!s || !*s)
		return ST_ERR_PARSE;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end != '\0' || v != v)
		return ST_ERR_PARSE;
	*out = v;
	return ST_OK;
}

int st_parse_int(const char *s, long *out)
{
	char *end;
	long v;

	if (!s || !*s)
		return ST_ERR_PARSE;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end != '\0')
		return ST_ERR_PARSE;
	*out = v;
	return ST_OK;
}

int st_streq_ci(const char *a, const char *b)
{
	return a && b && strcasecmp(a, b) == 0;
}

int st_read_file(const char *path, char **out, size_t *len, char *err)
{
	FILE *f;
	char *buf = NULL;
	size_t cap = 0, n = 0;

	f = fopen(path, "rb");
	if (!f)
		return st_fail(err, errno == ENOENT ? ST_ERR_NOTFOUND : ST_ERR_IO,
			       "%s: %s", path, strerror(errno));
	for (;;) {
		if (n + 4096 + 1 > cap) {
			size_t ncap = cap ? cap * 2 : 8192;
			char *nb;

			if (ncap > (64u << 20)) {
				fclose(f);
				free(buf);
				return st_fail(err, ST_ERR_IO, "%s: file larger than 64 MiB", path);
			}
			nb = realloc(buf, ncap);
			if (!nb) {
				fclose(f);
				free(buf);
				return st_fail(err, ST_ERR_MEM, "%s: out of memory", path);
			}
			buf = nb;
			cap = ncap;
		}
		size_t r = fread(buf + n, 1, cap - n - 1, f);
		n += r;
		if (r == 0)
			break;
	}
	if (ferror(f)) {
		fclose(f);
		free(buf);
		return st_fail(err, ST_ERR_IO, "%s: read error", path);
	}
	fclose(f);
	buf[n] = '\0';
	*out = buf;
	if (len)
		*len = n;
	return ST_OK;
}

void st_json_escape(char *dst, size_t size, const char *src)
{
	size_t o = 0;

	if (!size)
		return;
	for (const unsigned char *p = (const unsigned char *)src; *p; p++) {
		char tmp[8];
		const char *rep = NULL;
		size_t rl;

		switch (*p) {
		case '"': rep = "\\\""; break;
		case '\\': rep = "\\\\"; break;
		case '\n': rep = "\\n"; break;
		case '\r': rep = "\\r"; break;
		case '\t': rep = "\\t"; break;
		default:
			if (*p < 0x20) {
				snprintf(tmp, sizeof(tmp), "\\u%04x", *p);
				rep = tmp;
			}
		}
		if (rep) {
			rl = strlen(rep);
			if (o + rl >= size)
				break;
			memcpy(dst + o, rep, rl);
			o += rl;
		} else {
			if (o + 1 >= size)
				break;
			dst[o++] = (char)*p;
		}
	}
	dst[o] = '\0';
}

/* --- SHA-256 (FIPS 180-4) --- */
static const uint32_t sha_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void sha_block(uint32_t h[8], const unsigned char *b)
{
	uint32_t w[64], a, bb, c, d, e, f, g, hh;

	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)b[4 * i] << 24 | (uint32_t)b[4 * i + 1] << 16 |
		       (uint32_t)b[4 * i + 2] << 8 | b[4 * i + 3];
	for (int i = 16; i < 64; i++) {
		uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
		uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	a = h[0]; bb = h[1]; c = h[2]; d = h[3]; e = h[4]; f = h[5]; g = h[6]; hh = h[7];
	for (int i = 0; i < 64; i++) {
		uint32_t s1 = ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25);
		uint32_t ch = (e & f) ^ (~e & g);
		uint32_t t1 = hh + s1 + ch + sha_k[i] + w[i];
		uint32_t s0 = ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22);
		uint32_t mj = (a & bb) ^ (a & c) ^ (bb & c);
		uint32_t t2 = s0 + mj;
		hh = g; g = f; f = e; e = d + t1; d = c; c = bb; bb = a; a = t1 + t2;
	}
	h[0] += a; h[1] += bb; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
}

void st_sha256_init(struct st_sha256 *c)
{
	static const uint32_t h0[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
					0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };

	memcpy(c->h, h0, sizeof(h0));
	c->len = 0;
	c->fill = 0;
}

void st_sha256_update(struct st_sha256 *c, const void *data, size_t len)
{
	const unsigned char *p = data;

	c->len += len;
	while (len) {
		size_t take = 64 - c->fill < len ? 64 - c->fill : len;

		memcpy(c->buf + c->fill, p, take);
		c->fill += take;
		p += take;
		len -= take;
		if (c->fill == 64) {
			sha_block(c->h, c->buf);
			c->fill = 0;
		}
	}
}

void st_sha256_final(struct st_sha256 *c, char hex[65])
{
	uint64_t bits = c->len * 8;
	unsigned char pad[72] = { 0x80 };
	size_t padlen = c->fill < 56 ? 56 - c->fill : 120 - c->fill;

	for (int i = 0; i < 8; i++)
		pad[padlen + i] = (unsigned char)(bits >> (56 - 8 * i));
	st_sha256_update(c, pad, padlen + 8);
	for (int i = 0; i < 8; i++)
		snprintf(hex + 8 * i, 9, "%08x", c->h[i]);
}

void st_sha256_hex(const void *data, size_t len, char hex[65])
{
	struct st_sha256 c;

	st_sha256_init(&c);
	st_sha256_update(&c, data, len);
	st_sha256_final(&c, hex);
}

int st_sha256_file(const char *path, char hex[65], char *err)
{
	struct st_sha256 c;
	unsigned char buf[65536];
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f)
		return st_fail(err, ST_ERR_IO, "%s: %s", path, strerror(errno));
	st_sha256_init(&c);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		st_sha256_update(&c, buf, n);
	if (ferror(f)) {
		fclose(f);
		return st_fail(err, ST_ERR_IO, "%s: read error", path);
	}
	fclose(f);
	st_sha256_final(&c, hex);
	return ST_OK;
}

void st_uuid4(char out[37])
{
	unsigned char b[16];
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	size_t got = 0;

	if (fd >= 0) {
		while (got < sizeof(b)) {
			ssize_t r = read(fd, b + got, sizeof(b) - got);
			if (r <= 0)
				break;
			got += (size_t)r;
		}
		close(fd);
	}
	if (got < sizeof(b)) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		srand((unsigned)(ts.tv_nsec ^ ts.tv_sec ^ getpid()));
		for (size_t i = 0; i < sizeof(b); i++)
			b[i] = (unsigned char)rand();
	}
	b[6] = (b[6] & 0x0f) | 0x40;
	b[8] = (b[8] & 0x3f) | 0x80;
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11],
		 b[12], b[13], b[14], b[15]);
}

void st_iso8601_now(char out[32])
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	char date[24];

	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, 32, "%.19s.%03dZ", date, (int)(ts.tv_nsec / 1000000));
}
