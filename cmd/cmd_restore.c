// SPDX-License-Identifier: GPL-2.0-or-later
/* ptimerctl restore and migrate (in progress). */
#include "cli.h"

int cmd_restore(int argc, char **argv)
{
	(void)argc; (void)argv;
	cli_error(0, "restore: not implemented yet");
	return EXIT_FAILURE_GENERIC;
}

int cmd_migrate(int argc, char **argv)
{
	(void)argc; (void)argv;
	cli_error(0, "migrate: not implemented yet");
	return EXIT_FAILURE_GENERIC;
}
