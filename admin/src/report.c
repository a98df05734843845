#include "admin.h"
int cmd_report(int argc, char **argv) { (void)argc; (void)argv; return 0; }
int cmd_chart(int argc, char **argv) { (void)argc; (void)argv; return 0; }
