/* greet: the demo's program, linked against libgreet.so.1 with
 * RUNPATH=$ORIGIN/../lib; it prints the version of the library it loaded. */
#include <stdio.h>

const char *greet_version(void);

int main(void)
{
	printf("greet: loaded libgreet %s\n", greet_version());
	return 0;
}
