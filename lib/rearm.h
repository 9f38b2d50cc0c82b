/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SPDX-FileCopyrightText: The ptimerctl authors */
/*
 * The re-arm of a process that ran since a dump disarmed it (lib/restore.c),
 * for the undo of a dump that failed (lib/dump.c).
 */
#ifndef PTIMER_REARM_H
#define PTIMER_REARM_H

#include <stddef.h>
#include <sys/types.h>

#include "ptimer.h"

/*
 * ptimer_rearm_pid(), which also says in *@ngone how many of @dump's
 * timers it passed over, gone since the dump (each named in a warning): a
 * POSIX timer deleted, or on the CPU clock of a thread that exited; a
 * timerfd closed or replaced.
 */
int rearm_pid(struct ptimer_ctx *ctx, pid_t pid, const struct ptimer_dump *dump,
	      unsigned int seccomp_flags, size_t *ngone);

#endif
