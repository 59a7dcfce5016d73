/*
 * st.h - the station's common vocabulary: return codes, error buffers,
 * verdicts and small helpers shared by every module.
 *
 * Every fallible function returns an enum st_ret (ST_OK = 0, negative on
 * error) and, when it takes a `char *err`, fills that buffer (ST_ERRLEN
 * bytes) with a one-line message that says what failed and where.  Nothing
 * here owns I/O or curses.
 */
#ifndef ST_H
#define ST_H

#include <stddef.h>
#include <stdarg.h>

#define ST_ERRLEN 512

enum st_ret {
	ST_OK = 0,
	ST_ERR_ARG = -1,         /* bad argument or usage */
	ST_ERR_MEM = -2,         /* out of memory */
	ST_ERR_IO = -3,          /* station I/O fault: port, file, device */
	ST_ERR_TIMEOUT = -4,     /* no answer in time */
	ST_ERR_PARSE = -5,       /* malformed input file or line */
	ST_ERR_PROTO = -6,       /* peer broke the protocol */
	ST_ERR_REFUSED = -7,     /* a safety rule refused the action */
	ST_ERR_DB = -8,          /* database fault */
	ST_ERR_NOTFOUND = -9,    /* named thing does not exist */
	ST_ERR_UNSUPPORTED = -10,/* not possible with this bench or model */
	ST_ERR_ABORT = -11,      /* operator or signal abort */
	ST_ERR_UNIT = -12,       /* the unit did not respond as its model must */
};

/* Human name of a return code ("timeout", "refused", ...). */
const char *st_strret(int ret);

/* Fill err (ST_ERRLEN bytes, may be NULL) printf-style; returns ret so a
 * caller can write `return st_fail(err, ST_ERR_IO, "...")`. */
int st_fail(char *err, int ret, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void st_seterr(char *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Verdicts of steps, measurements and runs.  Order matters: a run's verdict
 * is the worst of its steps' (ABORTED > ERROR > FAIL > PASS). */
enum st_verdict {
	ST_PASS = 0,
	ST_FAIL = 1,
	ST_ERROR = 2,
	ST_ABORTED = 3,
	ST_SKIP = 4,   /* step not run (plan condition false); never worst */
};
const char *st_verdict_name(enum st_verdict v);
int st_verdict_parse(const char *s, enum st_verdict *out);
enum st_verdict st_verdict_worst(enum st_verdict a, enum st_verdict b);

/* Exit codes of `station run` (documented in README and docs/cli.md). */
enum st_exit {
	ST_EXIT_PASS = 0,
	ST_EXIT_FAIL = 1,
	ST_EXIT_USAGE = 2,
	ST_EXIT_ERROR = 3,
	ST_EXIT_ABORTED = 4,
};
int st_verdict_exit(enum st_verdict v);

/* Small string helpers. */
size_t st_strlcpy(char *dst, const char *src, size_t size);
char *st_trim(char *s);                       /* in place, returns s */
int st_parse_double(const char *s, double *out); /* ST_OK if whole string */
int st_parse_int(const char *s, long *out);
int st_streq_ci(const char *a, const char *b);

/* Read a whole file into a malloc'd NUL-terminated buffer. */
int st_read_file(const char *path, char **out, size_t *len, char *err);

/* JSON string escaping into dst (always NUL-terminated, truncated safely). */
void st_json_escape(char *dst, size_t size, const char *src);

/* SHA-256 of a buffer, as 64 hex chars + NUL in hex (65 bytes); the
 * incremental form for streams; a file hashed without loading it. */
struct st_sha256 {
	unsigned int h[8];
	unsigned long long len;
	unsigned char buf[64];
	size_t fill;
};
void st_sha256_init(struct st_sha256 *c);
void st_sha256_update(struct st_sha256 *c, const void *data, size_t len);
void st_sha256_final(struct st_sha256 *c, char hex[65]);
void st_sha256_hex(const void *data, size_t len, char hex[65]);
int st_sha256_file(const char *path, char hex[65], char *err);

/* RFC 4122 version-4 UUID text (37 bytes). */
void st_uuid4(char out[37]);

/* Wall-clock time as ISO 8601 UTC with milliseconds (32 bytes). */
void st_iso8601_now(char out[32]);

#define ST_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
