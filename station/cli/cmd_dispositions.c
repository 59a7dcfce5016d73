/*
 * cmd_dispositions.c - `station dispositions [NAME] [--markdown]`: every
 * disposition a run can end with, what to do with the unit, the advice for
 * the customer and the seed rule it comes from, straight from the
 * sequencer's table (seq/dispositions.c).  --markdown prints the table
 * docs/dispositions.md holds; tests/integration/dispositions.sh checks the
 * two are the same, so the document cannot drift from the data.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "core/st.h"
#include "seq/seq.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: station dispositions [NAME] [--markdown]\n"
		   "Every disposition a run ends with: what to do with the unit, advice for the\n"
		   "customer, the seed rule.  NAME shows one (as a run prints it: service-centre,\n"
		   "fixed-by-bluetooth).\n"
		   "  --markdown   the table as docs/dispositions.md holds it\n");
}

/* "fixed-by-" is a prefix: shown as fixed-by-RUNG. */
static const char *shown_name(const struct st_disposition *d, char *buf, size_t n)
{
	if (d->id == ST_DISP_FIXED)
		snprintf(buf, n, "%sRUNG", d->name);
	else
		st_strlcpy(buf, d->name, n);
	return buf;
}

/* A table cell: '|' escaped, "-" for none. */
static void md_cell(const char *s)
{
	if (!s || !*s) {
		fputs(" - |", stdout);
		return;
	}
	fputc(' ', stdout);
	for (; *s; s++) {
		if (*s == '|')
			fputc('\\', stdout);
		fputc(*s, stdout);
	}
	fputs(" |", stdout);
}

static void print_row(const struct st_disposition *d, int markdown, int general)
{
	char name[64];

	shown_name(d, name, sizeof(name));
	if (markdown) {
		printf("| %s%s%s |", general ? "`" : "", general ? name : "", general ? "`" : "");
		md_cell(d->todo);
		md_cell(d->advice);
		md_cell(d->quote);
		fputc('\n', stdout);
		return;
	}
	if (general)
		printf("%s\n", name);
	printf("  %s %s\n", general ? "do:" : "or:", d->todo);
	if (d->advice)
		printf("      customer: %s\n", d->advice);
	if (d->quote)
		printf("      %s\n", d->quote);
}

/* Is row g the first of its stored name (its general row)? */
static int is_general(int g)
{
	const struct st_disposition *d = st_disposition((enum st_disp)g);

	if (!d || !d->name)
		return 0;
	for (int i = 0; i < g; i++) {
		const struct st_disposition *e = st_disposition((enum st_disp)i);

		if (e && e->name && !strcmp(e->name, d->name))
			return 0;
	}
	return 1;
}

/* A general row, then the rows of causes stored under its name. */
static void print_name(int g, int markdown)
{
	const struct st_disposition *d = st_disposition((enum st_disp)g);

	print_row(d, markdown, 1);
	for (int c = g + 1; c < ST_DISP_COUNT; c++) {
		const struct st_disposition *cause = st_disposition((enum st_disp)c);

		if (cause && cause->name && !strcmp(cause->name, d->name))
			print_row(cause, markdown, 0);
	}
}

int cmd_dispositions(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "markdown", no_argument, 0, 'm' }, { "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 },
	};
	const struct st_disposition *one = NULL;
	int c, markdown = 0;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'm': markdown = 1; break;
		case 'h': usage(stdout); return ST_EXIT_PASS;
		default:
			return cli_usage_error("dispositions", "unknown option '%s' (station dispositions --help)",
					       argv[optind - 1]);
		}
	}
	if (argc - optind > 1)
		return cli_usage_error("dispositions", "one NAME at most");
	if (optind < argc) {
		one = st_disposition_find(argv[optind]);
		if (!one)
			return cli_usage_error("dispositions", "no disposition '%s' (station dispositions "
					       "lists them)", argv[optind]);
	}
	if (markdown)
		printf("| disposition | what to do with the unit | advice for the customer | seed rule |\n"
		       "| --- | --- | --- | --- |\n");
	for (int g = 0; g < ST_DISP_COUNT; g++) {
		if (!is_general(g) || (one && (int)one->id != g))
			continue;
		print_name(g, markdown);
	}
	return ST_EXIT_PASS;
}
