/*
 * cmd_console.c - `station console`: parses the options (those of
 * `station run` that choose the bench, the database and the session) and
 * hands them to the operator console (station/console/console.h).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "console/console.h"
#include "core/enc.h"
#include "core/st.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: station console [options]\n"
		"The operator console: scan a serial, run a plan, read the verdict (docs/console.md).\n"
		"  --db FILE           result database (default $STATION_DB or ./station.db)\n"
		"  --fixture ADDR      real fixture: DEVICE, numato:DEVICE or tcp:HOST:PORT\n"
		"                      (default: the in-process simulated bench)\n"
		"  --audio ADDR        acoustic bench: sim, pa or pa:DEVICE, or none\n"
		"  --bench NAME        channel roles from fixtures/benches/NAME.audio\n"
		"  --operator NAME     who works the bench (default: asked on the screen)\n"
		"  --model MODEL       preselect the model (a bench for one product line)\n"
		"  --plan PLAN         preselect the plan: then Enter on a serial starts the run\n"
		"  --fault NAME        simulated bench: inject a fault into every unit (repeatable)\n"
		"  --time-scale X      bench clock X times real time (the simulated bench runs on\n"
		"                      virtual time without it)\n"
		"  --station NAME      this station's name (default the host name)\n"
		"keys: F1 help, F2 history, F3 fixture panel, F10 quit, Esc aborts a run\n"
		"exit: 0 after F10, 2 no terminal / bad option / database, 3 bench unreachable\n");
}

int cmd_console(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, 0, 'd' },      { "fixture", required_argument, 0, 'F' },
		{ "audio", required_argument, 0, 'A' },   { "bench", required_argument, 0, 'B' },
		{ "operator", required_argument, 0, 'o' },{ "model", required_argument, 0, 'm' },
		{ "plan", required_argument, 0, 'p' },    { "fault", required_argument, 0, 'f' },
		{ "station", required_argument, 0, 'S' }, { "help", no_argument, 0, 'h' },
		{ "time-scale", required_argument, 0, 'T' },
		{ 0, 0, 0, 0 },
	};
	struct console_opts o;
	char err[ST_ERRLEN];

	int c;

	memset(&o, 0, sizeof(o));
	st_bench_opts_init(&o.bench);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd': o.bench.db = optarg; break;
		case 'F': o.bench.fixture = optarg; break;
		case 'A': o.bench.audio = optarg; break;
		case 'B': o.bench.audio_bench = optarg; break;
		case 'o': o.operator_ = optarg; break;
		case 'm': o.model = optarg; break;
		case 'p': o.plan = optarg; break;
		case 'S': o.bench.station = optarg; break;
		case 'f':
			if (o.bench.sim.nfaults == ST_BENCH_MAX_FAULTS)
				return cli_usage_error("console", "at most %d --fault options", ST_BENCH_MAX_FAULTS);
			o.bench.sim.faults[o.bench.sim.nfaults++] = optarg;
			break;
		case 'T':
			if (st_parse_double(optarg, &o.bench.time_scale) || o.bench.time_scale <= 0 ||
			    o.bench.time_scale > 1000)
				return cli_usage_error("console", "--time-scale takes a factor above 0, not '%s'", optarg);
			break;
		case 'h': usage(stdout); return 0;
		default:
			return cli_usage_error("console", "unknown or incomplete option '%s' (station console --help)",
					       argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage_error("console", "unexpected argument '%s'", argv[optind]);
	if (o.operator_ && st_name_check("--operator", o.operator_, err))
		return cli_usage_error("console", "%s", err);
	return console_main(&o);
}
