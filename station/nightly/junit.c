/*
 * junit.c - a night as JUnit XML for CI servers (nightly.h): one
 * <testsuite> per golden unit, a testcase for its build check and one per
 * measurement and per ANC band, classname "golden.SERIAL.STEP" and name the
 * measurement.  A regression or a value out of its limits is a <failure>,
 * a unit that could not be measured (wrong build, station fault) or a bench
 * suspect an <error>, a measurement with no baseline yet or not compared
 * <skipped>; every message carries the value, the baseline, the threshold
 * and the limits.  The layout follows the JUnit schema Jenkins and GitLab
 * read (tests/junit.xsd); every text goes through st_xml_put().
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/enc.h"
#include "nightly/nightly.h"

/* "[17, -]" / "(none)" into buf. */
static void limits_text(const struct st_nl_cell *c, const char *unit, char *buf, size_t n)
{
	char lo[32] = "-", hi[32] = "-";

	if (!isfinite(c->low) && !isfinite(c->high)) {
		snprintf(buf, n, "none");
		return;
	}
	if (isfinite(c->low))
		snprintf(lo, sizeof(lo), "%g", c->low);
	if (isfinite(c->high))
		snprintf(hi, sizeof(hi), "%g", c->high);
	snprintf(buf, n, "[%s, %s] %s", lo, hi, unit);
}

/* The message of one cell: value, baseline, threshold, limits. */
static void cell_text(const struct st_nl_key *k, const struct st_nl_cell *c, char *buf, size_t n)
{
	char lim[96];

	limits_text(c, k->unit, lim, sizeof(lim));
	if (c->base.n > 0)
		snprintf(buf, n, "%s: value %.4g %s, baseline %.4g %s (median of %d build%s, spread "
			 "%.3g), change %+.4g %s, threshold %.4g %s (%s), limits %s",
			 st_nl_verdict_name(c->verdict), c->value, k->unit, c->base.median, k->unit,
			 c->base.n, c->base.n == 1 ? "" : "s", c->base.spread, c->change, k->unit,
			 c->effective, k->unit, k->thr.from, lim);
	else
		snprintf(buf, n, "%s: value %.4g %s, no baseline, threshold %s (%s), limits %s",
			 st_nl_verdict_name(c->verdict), c->value, k->unit,
			 k->thr.off ? "off" : "set", k->thr.from, lim);
}

/* "golden.SERIAL.STEP" from the key "STEP/NAME". */
static void classname(const char *serial, const char *key, char *buf, size_t n)
{
	const char *slash = strchr(key, '/');

	snprintf(buf, n, "golden.%s.%.*s", serial, slash ? (int)(slash - key) : (int)strlen(key),
		 key);
}

static void put_case(FILE *f, const char *cls, const char *name, const char *tag,
		     const char *type, const char *msg)
{
	fputs("    <testcase classname=\"", f);
	st_xml_put(f, cls, 1);
	fputs("\" name=\"", f);
	st_xml_put(f, name, 1);
	if (!tag) {
		fputs("\" time=\"0\"/>\n", f);
		return;
	}
	fprintf(f, "\" time=\"0\">\n      <%s", tag);
	if (type)
		fprintf(f, " type=\"%s\"", type);
	fputs(" message=\"", f);
	st_xml_put(f, msg, 1);
	fprintf(f, "\"/>\n    </testcase>\n");
}

static void put_property(FILE *f, const char *name, const char *value)
{
	fprintf(f, "      <property name=\"%s\" value=\"", name);
	st_xml_put(f, value, 1);
	fputs("\"/>\n", f);
}

/* Counts of one unit's testcases. */
static void unit_counts(const struct st_nl_night *n, const struct st_nl_unit *un, int u,
			int *tests, int *fail, int *errs, int *skip)
{
	*tests = 1;
	*fail = 0;
	*errs = !un->ok;
	*skip = 0;
	for (int k = 0; k < n->nkeys; k++) {
		enum st_nl_verdict v = n->cells[(size_t)u * (size_t)n->nkeys + (size_t)k].verdict;

		if (v == ST_NL_NONE)
			continue;
		(*tests)++;
		*fail += v == ST_NL_REGRESSION || v == ST_NL_LIMIT;
		*errs += v == ST_NL_BENCH || v == ST_NL_INVALID;
		*skip += v == ST_NL_NOBASE || v == ST_NL_OFF;
	}
}

static void unit_suite(FILE *f, const struct st_nl_night *n, const struct st_nl_unit *un, int u,
		       const char *build, const char *model, const char *night_uuid)
{
	int tests, fail, errs, skip;
	char cls[200], msg[1024];

	unit_counts(n, un, u, &tests, &fail, &errs, &skip);
	fputs("  <testsuite name=\"golden ", f);
	st_xml_put(f, un->serial, 1);
	fprintf(f, "\" tests=\"%d\" failures=\"%d\" errors=\"%d\" skipped=\"%d\" time=\"0\">\n",
		tests, fail, errs, skip);
	fputs("    <properties>\n", f);
	put_property(f, "serial", un->serial);
	put_property(f, "model", model);
	put_property(f, "firmware", build);
	put_property(f, "reported-firmware", un->firmware);
	put_property(f, "status", st_nl_unit_status(n, u));
	put_property(f, "run", un->run_uuid);
	put_property(f, "night", night_uuid);
	snprintf(msg, sizeof(msg), "%d", un->ngood);
	put_property(f, "baseline-builds", msg);
	fputs("    </properties>\n", f);
	snprintf(cls, sizeof(cls), "golden.%s", un->serial);
	if (un->ok)
		put_case(f, cls, "build check", NULL, NULL, NULL);
	else
		put_case(f, cls, "build check", "error", "ERROR", un->reason);
	for (int k = 0; k < n->nkeys; k++) {
		const struct st_nl_cell *c = &n->cells[(size_t)u * (size_t)n->nkeys + (size_t)k];
		const struct st_nl_key *key = &n->keys[k];

		if (c->verdict == ST_NL_NONE)
			continue;
		classname(un->serial, key->key, cls, sizeof(cls));
		cell_text(key, c, msg, sizeof(msg));
		switch (c->verdict) {
		case ST_NL_REGRESSION:
		case ST_NL_LIMIT:
			put_case(f, cls, key->name, "failure", st_nl_verdict_name(c->verdict), msg);
			break;
		case ST_NL_BENCH:
		case ST_NL_INVALID:
			put_case(f, cls, key->name, "error", st_nl_verdict_name(c->verdict), msg);
			break;
		case ST_NL_NOBASE:
		case ST_NL_OFF:
			put_case(f, cls, key->name, "skipped", NULL, msg);
			break;
		default:
			put_case(f, cls, key->name, NULL, NULL, NULL);
			break;
		}
	}
	fputs("  </testsuite>\n", f);
}

int st_nl_junit_write(FILE *f, const struct st_nl_night *n, const struct st_nl_unit *units,
		      const char *build, const char *model, const char *night_uuid)
{
	int tests = 0, fail = 0, errs = 0;

	for (int u = 0; u < n->nunits; u++) {
		int t, fl, e, s;

		unit_counts(n, &units[u], u, &t, &fl, &e, &s);
		tests += t;
		fail += fl;
		errs += e;
	}
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"nightly ", f);
	st_xml_put(f, build, 1);
	fprintf(f, "\" tests=\"%d\" failures=\"%d\" errors=\"%d\" time=\"0\">\n", tests, fail, errs);
	for (int u = 0; u < n->nunits; u++)
		unit_suite(f, n, &units[u], u, build, model, night_uuid);
	fputs("</testsuites>\n", f);
	return fflush(f) || ferror(f) ? -1 : 0;
}
