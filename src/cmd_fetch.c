/*
 * burrow fetch --manifest M [--index-url URL]... [--find-links DIR]...
 *
 * Fills the cache with the manifest's bundles (downloaded, verified and
 * unpacked) and touches no env: for a build stage, or before going offline.
 */
#include "cmd.h"

int cmd_fetch(int argc, char **argv)
{
	return cmd_install_command(CMD_FETCH, argc, argv);
}
