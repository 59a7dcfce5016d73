/*
 * cmd_ports.c - `station ports [--probe] [PATH...]`: list the serial ports
 * libserialport finds (with USB VID:PID, manufacturer and description),
 * and with --probe try the fixture handshake (HELLO) on each, marking
 * those that answer.  Pseudo-terminals (the simulated fixture of `station
 * sim`) are not enumerated by libserialport: name them as PATH arguments.
 */
#include <libserialport.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "core/st.h"
#include "fixture/proto/proto.h"

#define PROBE_MS 500

static void usage(FILE *f)
{
	fprintf(f,
		"usage: station ports [--probe] [--timeout MS] [PATH...]\n"
		"\n"
		"List serial ports; with --probe, say which answer the fixture handshake\n"
		"(HELLO, %d ms each).  PATH arguments (ptys, or ports to probe alone)\n"
		"replace the enumerated list.\n", PROBE_MS);
}

static void probe_one(const char *path, int timeout_ms, int *found)
{
	char desc[160], err[ST_ERRLEN];

	if (st_proto_probe(path, timeout_ms, desc, sizeof(desc), err) == ST_OK) {
		printf("    fixture: %s\n", desc);
		(*found)++;
	} else {
		printf("    no fixture: %s\n", err);
	}
}

int cmd_ports(int argc, char **argv)
{
	struct sp_port **list = NULL;
	int probe = 0, timeout_ms = PROBE_MS, npaths = 0, found = 0, n = 0;
	char **paths;

	paths = calloc((size_t)argc, sizeof(*paths));
	if (!paths)
		return ST_EXIT_ERROR;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			free(paths);
			return 0;
		} else if (!strcmp(argv[i], "--probe")) {
			probe = 1;
		} else if (!strcmp(argv[i], "--timeout") && i + 1 < argc) {
			long v;

			if (st_parse_int(argv[++i], &v) || v < 10 || v > 60000) {
				free(paths);
				return cli_usage_error("ports", "--timeout must be 10..60000 ms");
			}
			timeout_ms = (int)v;
		} else if (argv[i][0] == '-') {
			free(paths);
			return cli_usage_error("ports", "unknown option '%s' (try --help)", argv[i]);
		} else {
			paths[npaths++] = argv[i];
		}
	}
	if (npaths) {
		for (int i = 0; i < npaths; i++) {
			printf("%s\n", paths[i]);
			if (probe)
				probe_one(paths[i], timeout_ms, &found);
		}
		n = npaths;
	} else {
		enum sp_return r = sp_list_ports(&list);

		if (r != SP_OK) {
			char *msg = sp_last_error_message();

			cli_error("ports", "cannot list serial ports: %s",
				msg ? msg : "libserialport failed");
			sp_free_error_message(msg);
			free(paths);
			return ST_EXIT_ERROR;
		}
		for (n = 0; list[n]; n++) {
			struct sp_port *p = list[n];
			const char *name = sp_get_port_name(p);
			const char *desc = sp_get_port_description(p);
			int vid, pid;

			printf("%s", name);
			if (sp_get_port_transport(p) == SP_TRANSPORT_USB &&
			    sp_get_port_usb_vid_pid(p, &vid, &pid) == SP_OK) {
				const char *man = sp_get_port_usb_manufacturer(p);

				printf("  usb %04x:%04x  %s", vid, pid, man ? man : "?");
			}
			printf("  %s\n", desc ? desc : "");
			if (probe)
				probe_one(name, timeout_ms, &found);
		}
		sp_free_port_list(list);
		if (n == 0)
			printf("no serial ports found (a `station sim` pty is not listed: "
			       "name it, e.g. station ports --probe /tmp/fixture)\n");
	}
	if (probe)
		printf("%d of %d port%s answered the fixture handshake\n", found, n,
		       n == 1 ? "" : "s");
	free(paths);
	return 0;
}
