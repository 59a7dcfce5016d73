/*
 * cmd_faults.c - `station faults [MODEL]` (with the simulator, like
 * cmd_sim.c, so that nothing outside station/sim/ includes its headers): the simulated bench's fault
 * catalogue (what `station run --fault` and `station sim --fault` accept),
 * or, for one model, every fault instance that applies to it with its
 * argument filled in, one per line (what tests/integration/matrix.sh
 * injects).  Read-only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/st.h"
#include "model/model.h"
#include "sim/acoustic.h"
#include "sim/headset.h"

#define MAX_INSTANCES 128

static void usage(FILE *f)
{
	fprintf(f, "usage: station faults [MODEL]\n"
		   "  without MODEL: every fault the simulated bench can inject, with what it does\n"
		   "  with MODEL:    the fault instances that apply to MODEL, one per line\n");
}

static void list_catalogue(void)
{
	for (int i = 0; st_sim_fault_names[i]; i++)
		printf("%-20s %s\n", st_sim_fault_names[i], st_sim_fault_about(st_sim_fault_names[i]));
	for (int i = 0; st_acoustic_fault_names[i]; i++)
		printf("%-20s %s\n", st_acoustic_fault_names[i],
		       st_sim_fault_about(st_acoustic_fault_names[i]));
	printf("%-20s %s\n", "fixture-hold-drift", st_sim_fault_about("fixture-hold-drift"));
}

int cmd_faults(int argc, char **argv)
{
	char err[ST_ERRLEN];
	char (*inst)[48];
	struct st_model *m;
	int n;

	if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
		int help = argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"));

		usage(help ? stdout : stderr);
		return help ? ST_EXIT_PASS : ST_EXIT_USAGE;
	}
	if (argc == 1) {
		list_catalogue();
		return ST_EXIT_PASS;
	}
	m = malloc(sizeof(*m));
	inst = calloc(MAX_INSTANCES, sizeof(*inst));
	if (!m || !inst) {
		free(m);
		free(inst);
		fprintf(stderr, "station faults: out of memory\n");
		return ST_EXIT_ERROR;
	}
	if (st_model_find(st_data_dir(), argv[1], m, err) != ST_OK) {
		fprintf(stderr, "station faults: %s\n", err);
		free(m);
		free(inst);
		return ST_EXIT_USAGE;
	}
	n = st_sim_fault_instances(m, inst, MAX_INSTANCES);
	for (int i = 0; i < n; i++)
		printf("%s\n", inst[i]);
	free(m);
	free(inst);
	return ST_EXIT_PASS;
}
