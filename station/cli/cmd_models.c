/*
 * cmd_models.c - `station models [MODEL]`: list the models the station
 * knows (kind and which resets each has), or show one model in full:
 * controls, safety limits, hazards, each procedure's steps and what it
 * keeps and wipes, and the notes where the seeds disagree.  Read-only;
 * everything comes from fixtures/models/ via the model parser.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "core/st.h"
#include "model/model.h"

#define MAX_MODELS 64

static const char *const kind_names[] = { "headphones", "earbuds" };
static const char *const port_names[] = { "usb-c", "micro-usb" };
static const char *const wear_names[] = { "none", "reports", "aborts" };
static const char *const ctl_kind_names[] = { "button", "touch", "slide", "case-button" };
static const char *const hazard_names[] = { "shutdown", "touch-brick", "bt-brick" };
static const char *const pre_names[] = {
	"powered-on", "powered-off", "in-case", "lid-closed", "not-worn",
};

static const char *name_of(const char *const *tab, size_t n, unsigned v)
{
	return v < n ? tab[v] : "?";
}

#define NAME_OF(tab, v) name_of(tab, ST_ARRAY_SIZE(tab), (unsigned)(v))

static const char *proc_state(const struct st_model *m, enum st_reset_kind k)
{
	const struct st_procedure *p = st_model_proc(m, k);

	if (!p)
		return "-";
	return p->generic ? "generic" : "yes";
}

/* A model that cannot be loaded: a malformed or unknown model is an input
 * error (exit 2, README); only a station fault (memory, I/O) is exit 3. */
static int model_exit(int r)
{
	return r == ST_ERR_MEM || r == ST_ERR_IO ? ST_EXIT_ERROR : ST_EXIT_USAGE;
}

static int list_models(const char *dir)
{
	char err[ST_ERRLEN];
	char (*ids)[ST_NAME_LEN];
	struct st_model *m;
	int n, ret = ST_EXIT_PASS;

	ids = calloc(MAX_MODELS, sizeof(*ids));
	m = malloc(sizeof(*m));
	if (!ids || !m) {
		cli_error("models", "out of memory");
		ret = ST_EXIT_ERROR;
		goto out_free;
	}
	n = st_model_list(dir, ids, MAX_MODELS, err);
	if (n < 0) {
		cli_error("models", "%s", err);
		ret = model_exit(n);
		goto out_free;
	}
	printf("%-14s %-11s %-8s %-10s %s\n", "MODEL", "KIND", "SOFT", "BLUETOOTH", "FACTORY");
	for (int i = 0; i < n; i++) {
		int r = st_model_find(dir, ids[i], m, err);

		if (r != ST_OK) {
			cli_error("models", "%s", err);
			ret = model_exit(r);
			goto out_free;
		}
		printf("%-14s %-11s %-8s %-10s %s\n", m->id, NAME_OF(kind_names, m->kind),
		       proc_state(m, ST_RESET_SOFT), proc_state(m, ST_RESET_BLUETOOTH),
		       proc_state(m, ST_RESET_FACTORY));
	}
	printf("(%d models in %s/fixtures/models; 'station models MODEL' shows one)\n", n,
	       dir);
out_free:
	free(m);
	free(ids);
	return ret;
}

static void print_items(const char *label, unsigned mask)
{
	int any = 0;

	printf("    %-10s", label);
	for (int i = 0; i < ST_ITEM_COUNT; i++)
		if (mask & (1u << i)) {
			printf(" %s", st_item_name((enum st_item)i));
			any = 1;
		}
	printf("%s\n", any ? "" : " nothing");
}

static void print_procedure(const struct st_model *m, const struct st_procedure *p)
{
	char buf[ST_TEXT_LEN + 64];

	if (!p->present) {
		printf("  %s: absent - %s\n", st_reset_name(p->kind), p->absent_reason);
		return;
	}
	printf("  %s%s\n", st_reset_name(p->kind), p->generic ? " (generic)" : "");
	printf("    %-10s %s\n", "source", p->source);
	printf("    %-10s", "requires");
	for (unsigned i = 0; i < ST_ARRAY_SIZE(pre_names); i++)
		if (p->preconditions & (1u << i))
			printf(" %s", pre_names[i]);
	printf("%sbattery >= %g %%\n", p->preconditions ? ", " : " ", p->battery_min);
	for (int i = 0; i < p->nsteps; i++) {
		st_model_step_str(m, &p->steps[i], buf, sizeof(buf));
		printf("    %2d. %s\n", i + 1, buf);
	}
	print_items("preserves", p->preserves);
	print_items("wipes", p->wipes);
}

static void print_model(const struct st_model *m)
{
	char ctl[128];

	printf("%s - %s\n", m->id, m->name);
	printf("  %-20s %s\n", "file", m->path);
	printf("  %-20s %s\n", "source", m->source);
	printf("  %-20s %s\n", "identity (UART)", m->identity);
	printf("  %-20s %s, port %s, %d mics\n", "kind", NAME_OF(kind_names, m->kind),
	       NAME_OF(port_names, m->port), m->mics);
	printf("  %-20s %s\n", "wear sensor", NAME_OF(wear_names, m->wear));
	printf("\nControls:\n");
	for (int i = 0; i < m->ncontrols; i++)
		printf("  %-14s %s%s%s\n", m->controls[i].name,
		       NAME_OF(ctl_kind_names, m->controls[i].kind),
		       m->controls[i].where[0] ? ", " : "", m->controls[i].where);
	printf("\nSafety limits:\n");
	printf("  %-20s %g %% (factory reset: %g %%)\n", "battery minimum", m->battery_min,
	       m->factory_battery_min);
	printf("  %-20s +-%g s\n", "timing tolerance", m->tolerance);
	printf("  %-20s %g s (longest procedure hold: %g s)\n", "max hold", m->max_hold,
	       st_model_longest_hold(m));
	st_model_controls_str(m, m->power_controls, ctl, sizeof(ctl));
	printf("  %-20s %s, on %g s, off %g s\n", "power", ctl[0] ? ctl : "(none)",
	       m->power_on_hold, m->power_off_hold);
	printf("  %-20s answers within %g s; LED watched %g s after the feedback\n", "timing",
	       m->answer_within, m->after_feedback);
	for (int i = 0; i < m->nhazards; i++) {
		const struct st_hazard *h = &m->hazards[i];

		st_model_controls_str(m, h->controls, ctl, sizeof(ctl));
		printf("  hazard: %s held %g s -> %s", ctl, h->seconds,
		       NAME_OF(hazard_names, h->effect));
		if (h->hours > 0)
			printf(" for %g h", h->hours);
		printf("\n    (%s)\n", h->source);
	}
	printf("\nProcedures:\n");
	for (int k = 0; k < ST_RESET_COUNT; k++)
		print_procedure(m, &m->procs[k]);
	if (m->nnotes) {
		printf("\nNotes:\n");
		for (int i = 0; i < m->nnotes; i++)
			printf("  - %s\n", m->notes[i]);
	}
}

static void usage(FILE *f)
{
	fprintf(f, "usage: station models [MODEL]\n"
		"  without MODEL: list the models with their kind and resets\n"
		"  with MODEL:    show its controls, procedures, safety limits and notes\n"
		"  data directory: $STATION_DATA, else the source tree (%s)\n", st_data_dir());
}

int cmd_models(int argc, char **argv)
{
	const char *dir = st_data_dir();
	char err[ST_ERRLEN];
	struct st_model *m;
	int r;

	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		usage(stdout);
		return ST_EXIT_PASS;
	}
	if (argc > 2)
		return cli_usage_error(argv[0], "takes at most one MODEL (see --help)");
	if (argc > 1 && argv[1][0] == '-')
		return cli_usage_error(argv[0], "unknown option '%s' (see --help)", argv[1]);
	if (argc < 2)
		return list_models(dir);
	m = malloc(sizeof(*m));
	if (!m) {
		cli_error("models", "out of memory");
		return ST_EXIT_ERROR;
	}
	r = st_model_find(dir, argv[1], m, err);
	if (r != ST_OK) {
		cli_error("models", "%s", err);
		free(m);
		return model_exit(r);
	}
	print_model(m);
	free(m);
	return ST_EXIT_PASS;
}
