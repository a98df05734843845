/*
 * jaring/cli.h — what every Jaring program's argument parser shares, so the
 * conventions (docs/architecture.md: --help, named unknown options, exit 2 on
 * usage errors) are met by one piece of code. Nothing here prints or exits.
 */
#ifndef JARING_CLI_H
#define JARING_CLI_H

#include "common.h"

/* Matches argv[*i] against the option `name` ("--out") written either as
 * "--out VALUE" or "--out=VALUE". Returns 1 with *value set (and *i moved
 * past a separate value), 0 if argv[*i] is another option, -1 if the value
 * is missing or empty. */
JR_API int jr_cli_value(int argc, char **argv, int *i, const char *name,
	const char **value);

#endif
