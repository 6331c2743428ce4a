/*
 * burrow install ENV --manifest M [--index-url URL]... [--find-links DIR]...
 *
 * Makes ENV hold exactly the manifest's bundles: adds, replaces and removes,
 * in one atomic swap; a no-op when nothing changed.
 */
#include "cmd.h"

int cmd_install(int argc, char **argv)
{
	return cmd_install_command(CMD_INSTALL, argc, argv);
}
