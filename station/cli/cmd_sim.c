/* cmd_sim.c - placeholder until its module lands; replaced by the module owner. */
#include "cli.h"
#include "core/st.h"
int cmd_sim(int argc, char **argv) { (void)argc; return cli_usage_error(argv[0], "not built yet"); }
