/* libgreet: the demo's shared library; GREET_VERSION is set at build time
 * (1.0 and 2.0), so the program can show which copy the loader picked. */
const char *greet_version(void);

const char *greet_version(void)
{
	return GREET_VERSION;
}
