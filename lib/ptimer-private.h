/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SPDX-FileCopyrightText: The ptimerctl authors */
/*
 * libptimer's private API, for the programs of this tree that link
 * libptimer.a: ptimerctl, the benchmark and the tests.  Nothing here is
 * installed, and libptimer.so exports none of it (lib/libptimer.sym lists
 * the public names one by one), so it may change in any release without
 * touching the ABI.
 */
#ifndef PTIMER_PRIVATE_H
#define PTIMER_PRIVATE_H

#include <stdbool.h>
#include <stdio.h>
#include "ptimer.h"

/*
 * Run every injected syscall in a ptrace round trip of its own instead of
 * a batch, in ptimer_dump_pid() and ptimer_restore_pid() on @ctx.  Slower in every case: it exists so that
 * the benchmark can show what batching saves.  The walk runs inside the
 * target either way.
 */
void ptimer_private_set_one_syscall_per_trip(struct ptimer_ctx *ctx, bool on);

/*
 * How the live operations on @ctx resume the threads they stop
 * (lib/wake_here.h): PTIMER_WAKE_AUTO (the default) on ptimerctl's own
 * CPU while nothing else runs; PTIMER_WAKE_HERE so whenever the caller
 * may take its policy back; PTIMER_WAKE_PLAIN never.  For the benchmark,
 * which shows what it saves, and the tests, which need it one way.
 */
enum ptimer_private_wake {
	PTIMER_WAKE_AUTO,
	PTIMER_WAKE_HERE,
	PTIMER_WAKE_PLAIN,
};

void ptimer_private_set_wake(struct ptimer_ctx *ctx, enum ptimer_private_wake how);

/*
 * Parse ptimerctl's --map-tid syntax "OLD:NEW[,OLD:NEW...]" into an array
 * the caller frees.  -EINVAL names nothing; the CLI does.  A program
 * using the library builds its struct ptimer_tid_map array itself.
 */
int ptimer_parse_tid_map(const char *text, struct ptimer_tid_map **map, size_t *n);

/*
 * The thread mapping ptimer_restore_pid() would use to restore @dump into
 * process @pid, whose threads are @tids (leader first, in creation order),
 * with @user's pairs over the default: every pair, in *@map (free() it),
 * *@n long, sorted by from, one for each.  ptimerctl diff compares a dump
 * with a process through it.
 * -PTIMER_ERR_BAD_DUMP when a @user pair names no thread of @tids.
 */
int ptimer_private_tid_map(struct ptimer_ctx *ctx, const struct ptimer_dump *dump, pid_t pid,
			   const pid_t *tids, size_t ntids, const struct ptimer_tid_map *user,
			   size_t nuser, struct ptimer_tid_map **map, size_t *n);

/* The pair for @from in such a map of @n pairs, by bisection, or NULL. */
const struct ptimer_tid_map *ptimer_private_tid_map_find(const struct ptimer_tid_map *map,
							 size_t n, pid_t from);

/*
 * ptimer_dump_to_json(), written to @f as it is encoded, timer by timer:
 * memory does not grow with the document.  A dump that cannot be encoded
 * is refused before anything is written; an error of @f is -errno.
 */
int ptimer_private_dump_write_json(struct ptimer_ctx *ctx, const struct ptimer_dump *dump,
				   bool pretty, FILE *f);

/*
 * Whether @t, a timer of @dump, is SIGEV_THREAD_ID aimed at a thread that
 * had exited when @dump was taken, and so signals no one, as a SIGEV_NONE
 * timer does; a restore makes it so (libptimer(3)).
 */
bool ptimer_private_thread_exited(const struct ptimer_dump *dump, const struct ptimer_timer *t);

/*
 * What an attach to @pid would refuse before stopping anything (no such
 * process, a thread, a zombie, a kernel thread, a 32-bit process, no
 * /proc/PID/timers; not a tracer, which may be gone by then), attaching
 * nothing: 0 or the attach's -errno, with its detail.
 */
int ptimer_private_check_pid(struct ptimer_ctx *ctx, pid_t pid);

#endif /* PTIMER_PRIVATE_H */
