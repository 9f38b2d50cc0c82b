/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SPDX-FileCopyrightText: The ptimerctl authors */
/* Stopping every thread of a process with ptrace, and letting it go as found. */
#ifndef PTIMER_SEIZE_H
#define PTIMER_SEIZE_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "arch.h"
#include "procfs.h"
#include "procfs_maps.h"
#include "tid_index.h"
#include "wake_here.h"

struct ptimer_ctx;

struct seized_thread {
	pid_t tid;
	bool stopped;		/* in a ptrace stop, so PTRACE_DETACH works */
	bool dead;		/* exited and reaped while seized */
	/* its system call just before our interrupt (arch_wait_needs_snapshot) */
	struct procfs_syscall before;
	/* the registers it holds now, when the injector put them back (seize_regs_known()) */
	bool regs_known;
	struct arch_regs regs;
	/* resumed into the wait our stop interrupted, not yet stopped again (seize.c) */
	bool stepping;
	/* a stop that a wait for another thread collected, kept for its own */
	bool has_status;
	int status;
};

/* Descriptors of ours that seize_release() closes once the process runs again. */
#define SEIZE_CLOSE_LATER_MAX	4

struct seized_process {
	struct ptimer_ctx *ctx;
	pid_t pid;
	int dirfd;		/* /proc/PID, owned by the caller */
	int statfd, taskfd;	/* its stat and task/, kept open by the caller */
	struct procfs_maps maps;	/* its maps, fd kept by the caller, or -1 (inject.c) */
	unsigned long long start_time;	/* guards against PID reuse */
	bool group_stopped;	/* a signal stopped it, before we came or while held */
	size_t nthreads;	/* leader first, then by creation order */
	struct seized_thread *threads;
	size_t room;		/* threads allocated */
	struct tid_index index;	/* each thread's position in threads, by tid */
	int64_t seized_at_ns;	/* CLOCK_MONOTONIC at the first seize */
	int64_t released_at_ns;	/* and once every thread was let go */
	int64_t seize_deadline_ns;	/* every thread must have stopped by then */
	int64_t timeout_ns;	/* each wait's length, this operation's (target_wait_at_least()) */
	unsigned long ptrace_options;
	bool stop_held;		/* a SIGSTOP taken while our code ran; sent again on release */
	pid_t unstoppable;	/* a thread seized that never stopped, or 0 */
	struct procfs_syscall unstoppable_before;	/* its call before our interrupt */
	bool unstoppable_asked;	/* our PTRACE_INTERRUPT reached it */
	char unstoppable_wchan[64];	/* what it waited in at the give-up, and its call */
	long unstoppable_nr;
	bool unstoppable_let_go;	/* it stopped later, and was let go as the others */
	bool interruptible;	/* ptimer_set_interrupt() may end the seizing */
	bool unkillable_known, unkillable;	/* the init of a pid namespace (seize.c) */
	struct wake_here wake;	/* how a stopped thread is resumed (wake_here.h) */
	int close_later[SEIZE_CLOSE_LATER_MAX];
	size_t nclose_later;
};

/*
 * Seize and interrupt every thread, re-reading /proc/PID/task until no new
 * thread appears.  On failure every thread that stopped is let go; one
 * that never stopped in time (-ETIMEDOUT) or before an interrupt (-EINTR)
 * is named in sp->unstoppable and stays attached until it stops or we exit.
 * @quiet: nothing but the caller ran at the look before (wake_here_init()).
 */
int seize_process(struct ptimer_ctx *ctx, int dirfd, int statfd, int taskfd, pid_t pid,
		  unsigned long ptrace_options, bool interruptible, int64_t timeout_ns,
		  bool quiet, struct seized_process *sp);
/*
 * Resume stopped @tid with ptrace @request (PTRACE_CONT or PTRACE_SYSCALL,
 * @sig delivered), as wake_here.h says: every resume into our code, or
 * into a stop we have asked for, goes through here.  One that lets the
 * program's own code run (a signal handed through) is a plain request:
 * a SCHED_IDLE tracer could not stop it again before it had run on.
 */
long seize_resume(struct seized_process *sp, int request, pid_t tid, int sig);

/*
 * Detach every thread.  A process that was group-stopped stays stopped
 * (the kernel re-instates the group stop on detach); intercepted signals
 * are handed back.  Returns the first error, after trying every thread.
 */
int seize_release(struct seized_process *sp);

struct seized_thread *seize_find(struct seized_process *sp, pid_t tid);

/*
 * Close @fd once every thread is let go, not now: a close() is a system
 * call of ours, and made while the process waits for us it lengthens the
 * stop.  Closed at once if the list is full.
 */
void seize_close_later(struct seized_process *sp, int fd);

/*
 * @tid holds @regs, its own, put back by the injector: seize_release()
 * then needs no read of them.  NULL: not known any more (the injector is
 * about to change them).
 */
void seize_regs_known(struct seized_process *sp, pid_t tid, const struct arch_regs *regs);

/*
 * Move @tid from a signal-delivery stop (our breakpoint's, say) to a
 * PTRACE_INTERRUPT stop, running none of its code: from there a tracer's
 * death lets it run on, where the breakpoint's SIGTRAP would be delivered
 * to it.  @sig 0 drops the stop's signal; a @sig that the thread blocks
 * goes back to the queue it was taken from, with the stop's siginfo
 * (ptrace_signal()).
 */
int seize_park(struct seized_process *sp, pid_t tid, int sig);

/*
 * Wait for the next signal stop of @tid running injected code, with its
 * siginfo in @si: our mask lets through only the signals the thread's
 * own instructions raise (ksig_forced()), among them our breakpoint's
 * SIGTRAP; inject.c tells which it is.  A late PTRACE_INTERRUPT stop is
 * resumed; a SIGSTOP is kept for after the detach.  -ETIMEDOUT: it did
 * not trap within the context's timeout, and *@interrupted says whether
 * it was then stopped (in a PTRACE_INTERRUPT stop, waited for up to ten
 * timeouts more); a trap or fault that comes before that stop is
 * returned as any other.  -ESRCH: the process died.
 */
int seize_wait_trap(struct seized_process *sp, pid_t tid, siginfo_t *si, bool *interrupted);

/*
 * Wait for @tid, resumed with PTRACE_SYSCALL and every signal blocked, to
 * stop at the entry of the system call at its ip.  A late PTRACE_INTERRUPT
 * stop is resumed; a SIGSTOP is kept for after the detach.  -ETIMEDOUT:
 * it did not get there within the context's timeout, and was stopped (in
 * a PTRACE_INTERRUPT stop); -ESRCH: the process died.
 */
int seize_wait_syscall_entry(struct seized_process *sp, pid_t tid);

#endif
