/*
 * charts.c - the acoustic charts of a run report, drawn from the stored
 * measurements: ANC attenuation per 1/3 octave and ear against its mask
 * (measurement names anc.<kind>_db.<EAR>.<F>Hz, mask = the stored lower
 * limit), and each microphone's delay, gain and phase against its limits
 * (mic.<N>.delay_us, mic.<N>.gain_db, mic.<N>.phase_deg).  Also the small
 * helpers the report files share: ISO time parsing and atomic writes.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "report/report_int.h"
#include "report/svg.h"

#define MAX_BANDS 48
#define MAX_EARS ST_CHART_MAX_SERIES
#define MAX_MICS 16

/* One ANC quantity (active, passive, total) over bands and ears. */
struct anc_set {
	char kind[24];                      /* "active_db" */
	double freq[MAX_BANDS];
	int nbands;
	char ear[MAX_EARS][8];
	int nears;
	double v[MAX_EARS][MAX_BANDS];
	double low[MAX_BANDS], high[MAX_BANDS];
};

/* Split "anc.active_db.L.250Hz" into kind, ear and frequency. */
static int anc_parse(const char *name, char kind[24], char ear[8], double *hz)
{
	const char *a, *b, *c;
	char *end;
	size_t n;

	if (strncmp(name, "anc.", 4))
		return -1;
	a = name + 4;
	b = strchr(a, '.');
	if (!b || (size_t)(b - a) >= 24)
		return -1;
	c = strchr(b + 1, '.');
	if (!c || (size_t)(c - b - 1) >= 8 || c == b + 1)
		return -1;
	*hz = strtod(c + 1, &end);
	if (end == c + 1 || strcmp(end, "Hz") || !(*hz > 0))
		return -1;
	n = (size_t)(b - a);
	memcpy(kind, a, n);
	kind[n] = '\0';
	n = (size_t)(c - b - 1);
	memcpy(ear, b + 1, n);
	ear[n] = '\0';
	return 0;
}

static int band_index(struct anc_set *s, double hz)
{
	int i, j;

	for (i = 0; i < s->nbands; i++)
		if (fabs(s->freq[i] - hz) < 1e-6)
			return i;
	if (s->nbands == MAX_BANDS)
		return -1;
	for (i = 0; i < s->nbands && s->freq[i] < hz; i++)
		;
	for (j = s->nbands; j > i; j--) {   /* keep bands sorted: shift the columns */
		s->freq[j] = s->freq[j - 1];
		s->low[j] = s->low[j - 1];
		s->high[j] = s->high[j - 1];
		for (int e = 0; e < MAX_EARS; e++)
			s->v[e][j] = s->v[e][j - 1];
	}
	s->freq[i] = hz;
	s->low[i] = s->high[i] = NAN;
	for (int e = 0; e < MAX_EARS; e++)
		s->v[e][i] = NAN;
	s->nbands++;
	return i;
}

static int ear_index(struct anc_set *s, const char *ear)
{
	for (int i = 0; i < s->nears; i++)
		if (!strcmp(s->ear[i], ear))
			return i;
	if (s->nears == MAX_EARS)
		return -1;
	st_strlcpy(s->ear[s->nears], ear, sizeof(s->ear[0]));
	return s->nears++;
}

static const char *anc_title(const char *kind)
{
	if (!strcmp(kind, "active_db"))
		return "Active ANC attenuation per 1/3 octave (ANC off minus ANC on)";
	if (!strcmp(kind, "passive_db"))
		return "Passive attenuation per 1/3 octave (open ear minus ANC off)";
	if (!strcmp(kind, "total_db"))
		return "Total attenuation per 1/3 octave (open ear minus ANC on)";
	return kind;
}

void rr_anc_charts(struct st_sbuf *b, const struct rr_run *d)
{
	struct anc_set *sets = calloc(3, sizeof(*sets));
	int nsets = 0;

	if (!sets) {
		b->oom = 1;
		return;
	}
	for (int i = 0; i < d->nmeas; i++) {
		const struct st_meas_row *m = &d->meas[i];
		char kind[24], ear[8];
		double hz;
		int s, bi, ei;

		if (anc_parse(m->name, kind, ear, &hz))
			continue;
		for (s = 0; s < nsets && strcmp(sets[s].kind, kind); s++)
			;
		if (s == nsets) {
			if (nsets == 3)
				continue;
			st_strlcpy(sets[nsets++].kind, kind, sizeof(sets[0].kind));
		}
		bi = band_index(&sets[s], hz);
		ei = ear_index(&sets[s], ear);
		if (bi < 0 || ei < 0)
			continue;
		sets[s].v[ei][bi] = m->value;   /* a retried step: the last value wins */
		sets[s].low[bi] = m->low;
		sets[s].high[bi] = m->high;
	}
	for (int s = 0; s < nsets; s++) {
		struct st_chart_bands c = { .title = anc_title(sets[s].kind), .unit = "dB",
					    .nbands = sets[s].nbands, .freq_hz = sets[s].freq,
					    .nseries = sets[s].nears, .mask_low = sets[s].low,
					    .mask_high = sets[s].high };
		char labels[MAX_EARS][24];

		for (int e = 0; e < sets[s].nears; e++) {
			snprintf(labels[e], sizeof(labels[e]), "%s ear", sets[s].ear[e]);
			c.label[e] = labels[e];
			c.value[e] = sets[s].v[e];
		}
		st_svg_bands(b, &c);
	}
	if (!nsets)
		st_sbuf_puts(b, "<p class=\"none\">No ANC measurement in this run.</p>\n");
	free(sets);
}

/* The microphone quantities charted, in order. */
static const struct {
	const char *suffix;  /* measurement name after "mic.<N>." */
	const char *title;
	const char *unit;
} mic_q[] = {
	{ "delay_us", "Microphone delay against the array", "us" },
	{ "gain_db", "Microphone gain against the array", "dB" },
	{ "phase_deg", "Microphone phase at 1 kHz against the array", "deg" },
};

/* Parse "mic.<N>.<suffix>": N (1..MAX_MICS) or -1. */
static int mic_parse(const char *name, const char *suffix)
{
	char *end;
	long n;

	if (strncmp(name, "mic.", 4))
		return -1;
	n = strtol(name + 4, &end, 10);
	if (end == name + 4 || *end != '.' || strcmp(end + 1, suffix) || n < 1 || n > MAX_MICS)
		return -1;
	return (int)n;
}

void rr_mic_charts(struct st_sbuf *b, const struct rr_run *d)
{
	int any = 0;

	for (size_t q = 0; q < ST_ARRAY_SIZE(mic_q); q++) {
		double v[MAX_MICS], lo[MAX_MICS], hi[MAX_MICS];
		char labels[MAX_MICS][12];
		const char *lp[MAX_MICS];
		int n = 0;

		for (int i = 0; i < MAX_MICS; i++)
			v[i] = lo[i] = hi[i] = NAN;
		for (int i = 0; i < d->nmeas; i++) {
			int mic = mic_parse(d->meas[i].name, mic_q[q].suffix);

			if (mic < 0)
				continue;
			v[mic - 1] = d->meas[i].value;
			lo[mic - 1] = d->meas[i].low;
			hi[mic - 1] = d->meas[i].high;
			if (mic > n)
				n = mic;
		}
		if (!n)
			continue;
		for (int i = 0; i < n; i++) {
			snprintf(labels[i], sizeof(labels[i]), "mic %d", i + 1);
			lp[i] = labels[i];
		}
		{
			struct st_chart_bars c = { mic_q[q].title, mic_q[q].unit, n, lp, v, lo, hi };

			st_svg_bars(b, &c);
		}
		any = 1;
	}
	if (!any)
		st_sbuf_puts(b, "<p class=\"none\">No microphone measurement in this run.</p>\n");
}

double rr_iso_seconds(const char *iso)
{
	struct tm tm;
	int y, mo, da, h, mi;
	double s;

	if (!iso || sscanf(iso, "%4d-%2d-%2dT%2d:%2d:%lfZ", &y, &mo, &da, &h, &mi, &s) != 6)
		return NAN;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = da;
	tm.tm_hour = h;
	tm.tm_min = mi;
	return (double)timegm(&tm) + s;
}

int st_report_write(const char *path, const struct st_sbuf *buf, char *err)
{
	char tmp[1100];
	FILE *f;
	int ret;

	ret = st_sbuf_ok(buf, err);
	if (ret)
		return ret;
	if (!path || !strcmp(path, "-")) {
		if (fwrite(st_sbuf_str(buf), 1, buf->len, stdout) != buf->len || fflush(stdout))
			return st_fail(err, ST_ERR_IO, "stdout: %s", strerror(errno));
		return ST_OK;
	}
	if (snprintf(tmp, sizeof(tmp), "%s.tmp%ld", path, (long)getpid()) >= (int)sizeof(tmp))
		return st_fail(err, ST_ERR_ARG, "%s: path too long", path);
	f = fopen(tmp, "w");
	if (!f)
		return st_fail(err, ST_ERR_IO, "%s: %s", tmp, strerror(errno));
	if (fwrite(st_sbuf_str(buf), 1, buf->len, f) != buf->len) {
		ret = st_fail(err, ST_ERR_IO, "%s: %s", tmp, strerror(errno));
		fclose(f);
		unlink(tmp);
		return ret;
	}
	if (fclose(f)) {
		ret = st_fail(err, ST_ERR_IO, "%s: %s", tmp, strerror(errno));
		unlink(tmp);
		return ret;
	}
	if (rename(tmp, path)) {
		ret = st_fail(err, ST_ERR_IO, "%s: %s", path, strerror(errno));
		unlink(tmp);
		return ret;
	}
	return ST_OK;
}
