/* cmd_ports.c - placeholder until its module lands; replaced by the module owner. */
#include "cli.h"
#include "core/st.h"
int cmd_ports(int argc, char **argv) { (void)argc; return cli_usage_error(argv[0], "not built yet"); }
