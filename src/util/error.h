/*
 * error: the status codes the core returns, and the message it fills.
 *
 * The core never prints and never exits: a function that can fail returns
 * one of the BURROW_E* codes below (0 is success) and, when given a non-NULL
 * struct strbuf *err, leaves a one-line lower-case message in it that names
 * the subject and the place (file:line:column, entry, URL).  The codes are
 * the process exit codes of DESIGN.md, so a cmd_*.c can return them as is.
 */
#ifndef BURROW_ERROR_H
#define BURROW_ERROR_H

#include "util/strbuf.h"

enum burrow_status {
	BURROW_OK = 0,
	BURROW_EFAIL = 1,       /* general failure; a finding for check */
	BURROW_EUSAGE = 2,      /* bad command line */
	BURROW_EMANIFEST = 3,   /* manifest invalid */
	BURROW_ERESOLVE = 4,    /* cannot resolve */
	BURROW_EFETCH = 5,      /* fetch failed */
	BURROW_EINTEGRITY = 6,  /* hash mismatch or unsafe archive */
	BURROW_ELOCKED = 7,     /* env locked by another process */
	BURROW_ENOTEXEC = 126,  /* run: not executable */
	BURROW_ENOTFOUND = 127, /* run: not found */
	BURROW_EINT = 130,      /* interrupted by SIGINT */
	BURROW_ETERM = 143,     /* interrupted by SIGTERM */
};

/* Replaces the message in err (if err is not NULL) and returns code. */
int error_set(struct strbuf *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Puts "prefix: " in front of the message already in err; returns code. */
int error_prefix(struct strbuf *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
