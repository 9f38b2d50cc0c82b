/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SPDX-FileCopyrightText: The ptimerctl authors */
/*
 * The processes, other than the target's own threads, that share its
 * memory: made by clone(2) with CLONE_VM but not CLONE_THREAD, as a
 * vfork() child is until it execs, or as a runtime may make its own.
 * Stopping the target's threads does not stop them, so they would run on
 * while injected code is written into the target's code page and stack:
 * they could run into that code, or read those bytes.
 */
#ifndef PTIMER_MM_SHARERS_H
#define PTIMER_MM_SHARERS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * Every process /proc lists, but @tgid, whose memory is that of thread
 * @tid (kcmp(2), KCMP_VM): the first @max of them in @out, and how many
 * in *@n, which may be more.  A process we may not inspect (EPERM) or
 * that is gone (ESRCH) is passed over; a kernel without kcmp() finds
 * none.  0, or -errno when /proc cannot be listed.
 */
int mm_sharers_find(pid_t tid, pid_t tgid, pid_t *out, size_t max, size_t *n);

/* Whether process @pid still shares the memory of thread @tid. */
bool mm_shared_with(pid_t tid, pid_t pid);

#endif
