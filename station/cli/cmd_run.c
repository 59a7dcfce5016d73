/* cmd_run.c - placeholder until the sequencer lands. */
#include "cli.h"
#include "core/st.h"
int cmd_run(int argc, char **argv) { (void)argc; return cli_usage_error(argv[0], "not built yet"); }
int cmd_plans(int argc, char **argv) { (void)argc; return cli_usage_error(argv[0], "not built yet"); }
