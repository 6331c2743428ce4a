/*
 * burrow create ENV [--manifest M] [--index-url URL]... [--find-links DIR]...
 *
 * Makes a new env; with a manifest, installs it in the same transaction, so
 * a failure leaves no env at all.
 */
#include "cmd.h"

int cmd_create(int argc, char **argv)
{
	return cmd_install_command(CMD_CREATE, argc, argv);
}
