#include "admin.h"
int cmd_reflist(int argc, char **argv) { (void)argc; (void)argv; return 0; }
