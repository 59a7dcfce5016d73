/* placeholder while building */
#include "cli.h"
int cmd_triage(int argc, char **argv) { (void)argc; (void)argv; return 2; }
