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

#include <stddef.h>
#include <sys/types.h>

/*
 * Whether memory can be compared at all (kcmp(2) of thread @tid with
 * itself): 0, or -errno, -ENOSYS without kcmp(), -EPERM where a seccomp
 * filter refuses it (a container's default profile does).
 */
int mm_sharers_usable(pid_t tid);

/*
 * Every process /proc lists, but @tgid, whose memory is that of thread
 * @tid: the first @max of them in @out, and how many in *@n, which may be
 * more.  A process we may not inspect (EPERM) or that is gone (ESRCH) is
 * passed over.  0, or -errno when /proc cannot be listed or kcmp() fails
 * as mm_sharers_usable() would.
 */
int mm_sharers_find(pid_t tid, pid_t tgid, pid_t *out, size_t max, size_t *n);

/*
 * Whether process @pid shares the memory of thread @tid, a live one: 1,
 * 0 (also when @pid is gone), or -errno when that cannot be told.
 */
int mm_shared_with(pid_t tid, pid_t pid);

/*
 * The pid the kernel handed out last in our pid namespace, from
 * /proc/loadavg, open as @fd (O_RDONLY, kept: a read from offset 0 is
 * fresh): a process (or thread) made anywhere below it changes it, so an
 * unchanged value says no process was made in between.  With @running,
 * also how many tasks were running or runnable then, the caller included.
 */
int mm_last_pid(int fd, unsigned long *last, unsigned long *running);
/* The text of /proc/loadavg, whole and strictly: -EINVAL unless it is one. */
int mm_parse_loadavg(const char *text, unsigned long *running, unsigned long *last);

/*
 * A child of thread @tid of process @dirfd (/proc/PID) that shares the
 * memory of thread @self, from /proc/PID/task/TID/children: its pid, 0
 * for none, or -errno (-ENOENT without CONFIG_PROC_CHILDREN, -E2BIG for
 * more children than one read takes).
 */
int mm_sharing_child(int dirfd, pid_t tid, pid_t self);

#endif
