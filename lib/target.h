/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SPDX-FileCopyrightText: The ptimerctl authors */
/*
 * Opening a target process: the checks that must pass before anything is
 * attached, then seizing it and starting injection in one of its threads.
 */
#ifndef PTIMER_TARGET_H
#define PTIMER_TARGET_H

#include <sched.h>

#include "inject.h"
#include "ptimer.h"
#include "procfs.h"
#include "seize.h"

struct target {
	struct ptimer_ctx *ctx;
	pid_t pid;
	int dirfd;
	struct procfs_status status;
	struct seized_process sp;
	bool seized;
	struct injector in;
	bool injecting;
	cpu_set_t saved_affinity;
	bool pinned;
};

/* Open /proc/PID and check that the process can be worked on; no attach. */
int target_open(struct ptimer_ctx *ctx, pid_t pid, struct target *t);
/* What to do about a seccomp filter of the target. */
enum target_seccomp {
	TARGET_SECCOMP_REFUSE,	/* refuse a target under a filter */
	TARGET_SECCOMP_SUSPEND,	/* suspend it while we inject (needs CAP_SYS_ADMIN) */
	TARGET_SECCOMP_KEEP,	/* leave it in force: the caller took the risk */
};

/* The policy that PTIMER_DUMP_SUSPEND_SECCOMP or _KEEP_SECCOMP in @flags asks for. */
enum target_seccomp target_seccomp_from_flags(unsigned int flags);

/*
 * Seize every thread.  @interruptible: a request of the application to
 * stop (ptimer_set_interrupt()) ends the wait for the threads to stop;
 * false for an undo, which must run to its end.
 */
int target_attach(struct target *t, enum target_seccomp seccomp, bool interruptible);
/* Prepare injection with @data_len bytes of scratch memory in the target. */
int target_inject_begin(struct target *t, size_t data_len);
/* Undo injection and detach; returns the first error. */
int target_detach(struct target *t);
void target_close(struct target *t);
/*
 * Detach, and fold that into @ret, the result of the operation (@op, for
 * the message): a failure to undo or detach from a process that died
 * meanwhile is reported as its death (-EOWNERDEAD).
 */
int target_finish(struct target *t, int ret, const char *op);

/* -EINTR, with the detail set, if the application asked us to stop. */
int target_check_interrupt(struct target *t);

/*
 * A thread through which the process can be reached: the leader, or, if
 * the leader has exited while others live on, a live thread; 0 if none.
 */
pid_t target_live_tid(struct target *t);

/* Whether the target still runs (not exited, not a zombie). */
bool target_alive(struct target *t);

/* One syscall in the target; a failure of the syscall itself is returned in *ret. */
int target_syscall(struct target *t, long nr, long *ret, uint64_t a0,
		   uint64_t a1, uint64_t a2, uint64_t a3);

/* The target's PR_TIMER_CREATE_RESTORE_IDS state: 0, 1, or -EINVAL when unsupported. */
int target_get_restore_ids(struct target *t, int *state);

#endif
