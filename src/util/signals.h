/*
 * signals: SIGINT and SIGTERM set a flag that long loops (downloads,
 * unpacking, linking) poll; they then unwind, clean their temp files up and
 * return BURROW_EINT or BURROW_ETERM.  SIGPIPE and SIGXFSZ are ignored so
 * that a closed pipe or `ulimit -f` surface as errors, not deaths.
 */
#ifndef BURROW_SIGNALS_H
#define BURROW_SIGNALS_H

#include <signal.h>

extern volatile sig_atomic_t signals_caught;

/* Installs the handlers (main.c calls it once). */
void signals_install(void);
/* 0 when no signal arrived, else BURROW_EINT or BURROW_ETERM. */
int signals_pending(void);
/* Restores default dispositions (run does so before execve). */
void signals_reset(void);

#endif
