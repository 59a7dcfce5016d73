/*
 * openear.c - the open-ear calibration of an acoustic bench (measure.h):
 * one sweep to the ear simulators with no headset on the acoustic test
 * fixture, kept per bench as a small text file (DIR/BENCH.cal) with the
 * date it was taken and a SHA-256 of its text, so that every ANC run on a
 * bench that cannot lift the unit itself can judge passive (open - off)
 * and total (open - on) attenuation, the figure customers are quoted.
 *
 * File (written by st_open_ear_save, read back strictly):
 *   # comment lines
 *   bench NAME
 *   taken ISO-UTC UNIX-SECONDS
 *   rate HZ
 *   level DBFS
 *   sweep SECONDS
 *   band EAR HZ LEVEL-DB SNR-DB      (EAR left|right; nominal band centre)
 *   sha256 HEX                        (of every byte above this line)
 * Anything else, a value out of range or a hash that does not match is
 * refused as "path:line:col: message" (ST_ERR_PARSE): a damaged or edited
 * reference is the station's fault (ERROR), never a unit's FAIL.
 */
#include "measure/internal.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/st.h"

#define OPEN_F_LO 100.0
#define OPEN_F_HI 10000.0
#define OPEN_SNR_DB 20.0
#define OPEN_SWEEP_S 2.0

static double or_default(double v, double d)
{
	return v > 0 ? v : d;
}

int st_measure_open_ear(struct st_measure *m, struct st_open_ear *out, char *err)
{
	struct meas_sweep ms = { .stim = NULL };
	struct st_an_response open[ST_ROLE_COUNT];
	double f_hi = or_default(m->f_hi, OPEN_F_HI);
	unsigned ears = 0;
	struct tm tm;
	time_t now;
	int ret;

	memset(out, 0, sizeof(*out));
	memset(open, 0, sizeof(open));
	for (int e = 0; e < 2; e++) {
		out->wired[e] = st_audio_has(m->audio, ST_ROLE_EAR_L + e);
		if (out->wired[e])
			ears |= 1u << (ST_ROLE_EAR_L + e);
	}
	if (!ears)
		return st_fail(err, ST_ERR_UNSUPPORTED, "measure: the bench has no ear simulator");
	ret = meas_get_sweep(m, &ms, err);
	if (ret != ST_OK)
		return ret;
	for (out->attempts = 1; out->attempts <= 2; out->attempts++) {
		int ok = 1;

		meas_free_resps(open);
		ret = meas_sweep_capture(m, ms.stim, ms.n, ms.ctx, ears, open, "open-ear",
					 &out->files, err);
		if (ret != ST_OK)
			goto out_free;
		for (int r = ST_ROLE_EAR_L; r <= ST_ROLE_EAR_R && ok; r++)
			if (ears & (1u << r))
				ok = meas_judge(m, &open[r], f_hi, "open ear", r, out->why,
						sizeof(out->why));
		if (ok) {
			out->valid = 1;
			out->why[0] = '\0';
			break;
		}
	}
	if (out->attempts > 2)
		out->attempts = 2;
	for (int e = 0; e < 2; e++)
		for (int i = 0; i < ST_AN_NBANDS; i++) {
			out->band_db[e][i] = out->wired[e] ? open[ST_ROLE_EAR_L + e].band_db[i] : NAN;
			out->snr_db[e][i] = out->wired[e] ? open[ST_ROLE_EAR_L + e].snr_db[i] : NAN;
		}
	st_strlcpy(out->bench, m->audio->bench.name, sizeof(out->bench));
	out->rate = st_audio_rate(m->audio);
	out->level_dbfs = m->audio->bench.level_dbfs;
	out->sweep_s = or_default(m->sweep_s, OPEN_SWEEP_S);
	now = time(NULL);
	out->taken = (long long)now;
	gmtime_r(&now, &tm);
	strftime(out->taken_iso, sizeof(out->taken_iso), "%Y-%m-%dT%H:%M:%SZ", &tm);
out_free:
	meas_free_resps(open);
	meas_sweep_put(&ms);
	return ret;
}

int st_open_ear_fits(const struct st_open_ear *cal, const struct st_measure *m, char *err)
{
	double sweep = or_default(m->sweep_s, OPEN_SWEEP_S);

	if (strcmp(cal->bench, m->audio->bench.name))
		return st_fail(err, ST_ERR_ARG, "open-ear calibration is bench '%s''s, this is '%s'",
			       cal->bench, m->audio->bench.name);
	if (fabs(cal->rate - st_audio_rate(m->audio)) > 0.5 ||
	    fabs(cal->level_dbfs - m->audio->bench.level_dbfs) > 0.01 || fabs(cal->sweep_s - sweep) > 1e-6)
		return st_fail(err, ST_ERR_ARG,
			       "open-ear calibration was taken at %g Hz, %g dBFS, %g s sweep; the bench "
			       "now measures at %g Hz, %g dBFS, %g s: calibrate again",
			       cal->rate, cal->level_dbfs, cal->sweep_s, st_audio_rate(m->audio),
			       m->audio->bench.level_dbfs, sweep);
	for (int e = 0; e < 2; e++)
		if (st_audio_has(m->audio, ST_ROLE_EAR_L + e) && !cal->wired[e])
			return st_fail(err, ST_ERR_ARG, "open-ear calibration has no %s ear",
				       e ? "right" : "left");
	return ST_OK;
}

static int bench_name_ok(const char *b)
{
	if (!*b || *b == '.' || strlen(b) > 63)
		return 0;
	for (; *b; b++)
		if (!((*b >= 'a' && *b <= 'z') || (*b >= 'A' && *b <= 'Z') || (*b >= '0' && *b <= '9') ||
		      *b == '.' || *b == '_' || *b == '-'))
			return 0;
	return 1;
}

int st_open_ear_path(const char *dir, const char *bench, char *buf, size_t n, char *err)
{
	if (!bench_name_ok(bench))
		return st_fail(err, ST_ERR_ARG, "bench name '%.40s' cannot name a calibration file "
			       "(letters, digits, '.', '_', '-')", bench);
	if ((size_t)snprintf(buf, n, "%s/%s.cal", dir && *dir ? dir : ".", bench) >= n)
		return st_fail(err, ST_ERR_ARG, "calibration path too long");
	return ST_OK;
}

/* The file's text above the sha256 line, into a malloc'd string. */
static char *render(const struct st_open_ear *cal)
{
	static const char *const ear[2] = { "left", "right" };
	size_t cap = 8192, len = 0;
	char *t = malloc(cap);

	if (!t)
		return NULL;
	len += (size_t)snprintf(t + len, cap - len,
				"# station open-ear calibration: the acoustic test fixture with no headset\n"
				"# (station calibrate, docs/audio-bench.md); do not edit: sha256 below\n"
				"bench %s\ntaken %s %lld\nrate %.17g\nlevel %.17g\nsweep %.17g\n",
				cal->bench, cal->taken_iso, cal->taken, cal->rate, cal->level_dbfs,
				cal->sweep_s);
	for (int e = 0; e < 2; e++)
		for (int i = 0; cal->wired[e] && i < ST_AN_NBANDS; i++)
			if (isfinite(cal->band_db[e][i]) && isfinite(cal->snr_db[e][i]) && len < cap)
				len += (size_t)snprintf(t + len, cap - len, "band %s %g %.6f %.3f\n", ear[e],
							st_an_band_nominal(i), cal->band_db[e][i],
							cal->snr_db[e][i]);
	if (len >= cap) {
		free(t);
		return NULL;
	}
	return t;
}

int st_open_ear_save(const char *path, struct st_open_ear *cal, char *err)
{
	char tmp[600], *dir, *slash, *text;
	FILE *f;
	int ret = ST_OK;

	if (!cal->valid)
		return st_fail(err, ST_ERR_ARG, "open-ear capture not judgeable: %s", cal->why);
	text = render(cal);
	if (!text)
		return st_fail(err, ST_ERR_MEM, "out of memory");
	dir = strdup(path);
	if (dir && (slash = strrchr(dir, '/')) != NULL) {
		*slash = '\0';
		if (*dir && mkdir(dir, 0777) < 0 && errno != EEXIST)
			ret = st_fail(err, ST_ERR_IO, "%s: %s", dir, strerror(errno));
	}
	free(dir);
	st_sha256_hex(text, strlen(text), cal->sha256);
	snprintf(tmp, sizeof(tmp), "%s.tmp%ld", path, (long)getpid());
	if (ret == ST_OK && !(f = fopen(tmp, "w")))
		ret = st_fail(err, ST_ERR_IO, "%s: %s", tmp, strerror(errno));
	if (ret == ST_OK) {
		int bad = fprintf(f, "%ssha256 %s\n", text, cal->sha256) < 0;

		bad |= fclose(f) != 0;
		if (bad || rename(tmp, path) < 0) {
			ret = st_fail(err, ST_ERR_IO, "%s: %s", path, strerror(errno));
			unlink(tmp);
		}
	}
	free(text);
	return ret;
}

/* One line of a calibration file against what it must be. */
static int parse_line(struct st_open_ear *c, const char *path, int ln, char *line, int *seen,
		      char *err)
{
	char w[6][64];
	int n = sscanf(line, "%63s %63s %63s %63s %63s %63s", w[0], w[1], w[2], w[3], w[4], w[5]);
	char *end;

	if (n >= 2 && !strcmp(w[0], "bench") && n == 2 && bench_name_ok(w[1])) {
		st_strlcpy(c->bench, w[1], sizeof(c->bench));
		*seen |= 1;
	} else if (n == 3 && !strcmp(w[0], "taken") && strlen(w[1]) == 20) {
		st_strlcpy(c->taken_iso, w[1], sizeof(c->taken_iso));
		c->taken = strtoll(w[2], &end, 10);
		if (*end || c->taken <= 0)
			return st_fail(err, ST_ERR_PARSE, "%s:%d:%d: bad time '%s'", path, ln,
				       (int)(strstr(line, w[2]) - line) + 1, w[2]);
		*seen |= 2;
	} else if (n == 2 && (!strcmp(w[0], "rate") || !strcmp(w[0], "level") || !strcmp(w[0], "sweep"))) {
		double v = strtod(w[1], &end);
		int ok = !*end && isfinite(v);

		if (!strcmp(w[0], "rate") && ok && v >= 8000 && v <= 384000)
			c->rate = v, *seen |= 4;
		else if (!strcmp(w[0], "level") && ok && v <= 0 && v >= -60)
			c->level_dbfs = v, *seen |= 8;
		else if (!strcmp(w[0], "sweep") && ok && v > 0 && v <= 60)
			c->sweep_s = v, *seen |= 16;
		else
			return st_fail(err, ST_ERR_PARSE, "%s:%d:%d: bad %s '%s'", path, ln,
				       (int)(strstr(line, w[1]) - line) + 1, w[0], w[1]);
	} else if (n == 5 && !strcmp(w[0], "band") && (!strcmp(w[1], "left") || !strcmp(w[1], "right"))) {
		int e = !strcmp(w[1], "right"), b = -1;
		double hz = strtod(w[2], &end), lv, snr;

		for (int i = 0; *end == '\0' && i < ST_AN_NBANDS; i++)
			if (fabs(st_an_band_nominal(i) - hz) < 1e-6)
				b = i;
		lv = strtod(w[3], &end);
		if (b < 0 || *end || !isfinite(lv) || fabs(lv) > 200)
			return st_fail(err, ST_ERR_PARSE, "%s:%d:1: bad band line (band left|right HZ DB SNR)",
				       path, ln);
		snr = strtod(w[4], &end);
		if (*end || !isfinite(snr) || fabs(snr) > 300)
			return st_fail(err, ST_ERR_PARSE, "%s:%d:1: bad band SNR '%s'", path, ln, w[4]);
		c->wired[e] = 1;
		c->band_db[e][b] = lv;
		c->snr_db[e][b] = snr;
	} else {
		return st_fail(err, ST_ERR_PARSE, "%s:%d:1: unexpected line (bench, taken, rate, level, "
			       "sweep, band, sha256)", path, ln);
	}
	return ST_OK;
}

int st_open_ear_load(const char *path, struct st_open_ear *out, char *err)
{
	char *text, *line, *next, want[65];
	size_t len;
	int ret, ln = 0, seen = 0;

	memset(out, 0, sizeof(*out));
	for (int e = 0; e < 2; e++)
		for (int i = 0; i < ST_AN_NBANDS; i++)
			out->band_db[e][i] = out->snr_db[e][i] = NAN;
	if (access(path, F_OK) < 0 && errno == ENOENT)
		return st_fail(err, ST_ERR_NOTFOUND, "%s: no such file", path);
	ret = st_read_file(path, &text, &len, err);
	if (ret != ST_OK)
		return ret;
	if (strlen(text) != len) {
		free(text);
		return st_fail(err, ST_ERR_PARSE, "%s:1:1: NUL byte", path);
	}
	for (line = text; ret == ST_OK && *line; line = next) {
		next = strchr(line, '\n');
		if (!next) {
			ret = st_fail(err, ST_ERR_PARSE, "%s:%d:1: no newline at the end (cut short?)",
				      path, ln + 1);
			break;
		}
		*next++ = '\0';
		ln++;
		for (char *p = line; *p; p++)
			if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
				ret = st_fail(err, ST_ERR_PARSE, "%s:%d:%d: character 0x%02x", path, ln,
					      (int)(p - line) + 1, (unsigned char)*p);
		if (ret != ST_OK || line[0] == '#')
			continue;
		if (!strncmp(line, "sha256 ", 7)) {
			/* the hash covers the bytes before this line, newlines
			 * put back (the loop cut the lines at them) */
			for (char *p = text; p < line; p++)
				if (!*p)
					*p = '\n';
			st_sha256_hex(text, (size_t)(line - text), want);
			if (strcmp(line + 7, want))
				ret = st_fail(err, ST_ERR_PARSE, "%s:%d:8: sha256 does not match the file's text "
					      "(altered or damaged): calibrate again", path, ln);
			else
				st_strlcpy(out->sha256, want, sizeof(out->sha256));
			if (ret == ST_OK && *next)
				ret = st_fail(err, ST_ERR_PARSE, "%s:%d:1: text after the sha256 line", path,
					      ln + 1);
			break;
		}
		ret = parse_line(out, path, ln, line, &seen, err);
	}
	if (ret == ST_OK && !out->sha256[0])
		ret = st_fail(err, ST_ERR_PARSE, "%s:%d:1: no sha256 line", path, ln + 1);
	else if (ret == ST_OK && (seen != 31 || (!out->wired[0] && !out->wired[1])))
		ret = st_fail(err, ST_ERR_PARSE, "%s:%d:1: needs bench, taken, rate, level, sweep and "
			      "band lines", path, ln);
	out->valid = ret == ST_OK;
	free(text);
	return ret;
}

double st_open_ear_age_h(const struct st_open_ear *cal, long long now)
{
	return (double)(now - cal->taken) / 3600.0;
}
