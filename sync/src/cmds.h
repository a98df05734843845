/* jaring-sync's downstream commands (cmd_down.c), called from main.c. */
#ifndef JR_SYNC_CMDS_H
#define JR_SYNC_CMDS_H

#include <stdbool.h>

#include "jaring/sync.h"

extern const char jr_sync_usage_import[];
int jr_sync_cmd_import(int argc, char **argv);
/* The counts of either import, text or one JSON object, on stdout. */
void jr_sync_print_import(bool json, const struct jr_sync_import_counts *c, int rc);
/* Names the refusals and the kiosks left without an answer on stderr; 0 if
 * there were none, else 1. */
int jr_sync_import_verdict(const struct jr_sync_import_counts *n);
int jr_sync_cmd_visit(int argc, char **argv);
int jr_sync_cmd_status(int argc, char **argv);

#endif
