/*
 * signals: interruption flag for cooperative cancellation (see signals.h).
 */
#include "util/signals.h"

#include "util/error.h"

#include <string.h>

volatile sig_atomic_t signals_caught;

static void on_signal(int sig)
{
	if (!signals_caught)
		signals_caught = sig;
}

void signals_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sigaction(SIGXFSZ, &sa, NULL);
}

int signals_pending(void)
{
	switch (signals_caught) {
	case 0:
		return 0;
	case SIGINT:
		return BURROW_EINT;
	default:
		return BURROW_ETERM;
	}
}

void signals_reset(void)
{
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGXFSZ, SIG_DFL);
}
