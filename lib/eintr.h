/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SPDX-FileCopyrightText: The ptimerctl authors */
/*
 * The waits that end with a plain -EINTR, not a restart code, when a
 * ptrace stop interrupts them (eintr.c), for the arch layer's
 * arch_restart_interrupted_wait().
 */
#ifndef PTIMER_EINTR_H
#define PTIMER_EINTR_H

#include <stdbool.h>
#include <stdint.h>

/* Where a wait keeps its timeout. */
enum wait_timeout {
	WAIT_NOT_LISTED,	/* left alone */
	WAIT_NO_TIMEOUT,	/* never times out */
	WAIT_MS_NEGATIVE,	/* int milliseconds, negative: no timeout */
	WAIT_TS_NULL,		/* struct timespec pointer, NULL: no timeout */
	WAIT_IO_URING,		/* flags: a wait with no extended (timeout) argument */
};

/*
 * Whether system call @nr with @args is such a wait, and one without a
 * timeout, so that issuing it again is exact.
 */
bool eintr_wait_forever(long nr, const uint64_t args[6]);

#endif
