/* jaring-sync's downstream commands (cmd_down.c), called from main.c. */
#ifndef JR_SYNC_CMDS_H
#define JR_SYNC_CMDS_H

int jr_sync_cmd_import(int argc, char **argv);
int jr_sync_cmd_visit(int argc, char **argv);
int jr_sync_cmd_status(int argc, char **argv);

#endif
