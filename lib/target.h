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

/* More processes sharing the target's memory than this are refused at once. */
#define TARGET_MAX_SHARERS	8

/*
 * A process being worked on.  Only target.c (and target_sharers.c) reach
 * into it: the seized threads and the injector are reached through the
 * functions below.
 */
struct target {
	struct ptimer_ctx *ctx;
	pid_t pid;
	int dirfd;
	int statfd, taskfd;	/* its stat and task/, kept open (procfs_keep()) */
	int fdinfofd;		/* its fdinfo/ once listed, or -1 */
	int mapsfd;		/* its maps, kept from the attach on, or -1 */
	struct procfs_stat maps_stat;	/* its stat as the maps were opened */
	struct procfs_status status;
	int64_t timeout_ns;	/* each wait's length: the context's, or more (target_wait_at_least()) */
	struct seized_process sp;
	bool seized;
	struct injector in;
	bool injecting;
	cpu_set_t saved_affinity;
	bool pinned;
	pid_t pinned_tid;	/* the thread whose CPU we are pinned to */
	/* Processes that shared its memory before the attach (target_sharers.c) */
	pid_t sharers[TARGET_MAX_SHARERS];
	size_t nsharers;	/* all of them, which may be more */
	bool sharers_unknown;	/* kcmp() could not tell */
	unsigned long last_pid;	/* mm_last_pid() before they were looked for, or 0 */
	unsigned long running;	/* tasks running then, ptimerctl included; 0: unknown */
	int loadavgfd;		/* /proc/loadavg, for it, or -1 */
	/* target_ns_tid(): its NSpid levels (0: not read yet), and the last tid it read */
	int ns_levels;
	pid_t ns_last_tid, ns_last;
};

/* Open /proc/PID and check that the process can be worked on; no attach. */
int target_open(struct ptimer_ctx *ctx, pid_t pid, struct target *t);
/* Give each wait on @t at least @ns, whatever the context's timeout: for an undo; before the attach. */
void target_wait_at_least(struct target *t, int64_t ns);
/*
 * Processes that share the target's memory without being its threads
 * (target_sharers.c).  target_note_sharers(): -EOPNOTSUPP, with the
 * message, if there are any now (for a probe: a vfork() child in flight
 * counts).  target_sharers_before_stop(): notes them, refusing only more
 * than TARGET_MAX_SHARERS; target_sharers_once_stopped(), before anything
 * is written: refuses those noted that still share it (a vfork() child
 * has execed by then, since its parent thread could not stop before), and
 * any that a thread made since.
 */
int target_note_sharers(struct target *t);
int target_sharers_before_stop(struct target *t);
int target_sharers_once_stopped(struct target *t);
/* What to do about a seccomp filter of the target. */
enum target_seccomp {
	TARGET_SECCOMP_REFUSE,	/* refuse a target under a filter */
	TARGET_SECCOMP_SUSPEND,	/* suspend it while we inject (needs CAP_SYS_ADMIN) */
	TARGET_SECCOMP_KEEP,	/* leave it in force: the caller took the risk */
};

/* The policy that PTIMER_DUMP_SUSPEND_SECCOMP or _KEEP_SECCOMP in @flags asks for. */
enum target_seccomp target_seccomp_from_flags(unsigned int flags);
/*
 * Whether, attached with @seccomp, no seccomp filter judges the calls we
 * inject: the process has none, or target_attach() suspends it.  (Else
 * the caller took the risk, for the calls the job needs.)  Known before
 * the attach, from the status read at open, as target_attach() decides.
 */
bool target_calls_unjudged(const struct target *t, enum target_seccomp seccomp);

/*
 * Seize every thread.  @interruptible: a request of the application to
 * stop (ptimer_set_interrupt()) ends the wait for the threads to stop;
 * false for an undo, which must run to its end.
 */
int target_attach(struct target *t, enum target_seccomp seccomp, bool interruptible);
/*
 * Prepare injection with @data_len bytes of scratch memory in the target.
 * @one_syscall_per_trip: no batching, one round trip per system call (for
 * measurements).
 */
int target_inject_begin(struct target *t, size_t data_len, bool one_syscall_per_trip);
/* Close @fd once the target runs again (seize_close_later()), or now if not seized. */
void target_close_later(struct target *t, int fd);
/* Undo injection and detach; returns the first error. */
int target_detach(struct target *t);
void target_close(struct target *t);

/* What an operation cost the target, counted once it was let go. */
struct target_stats {
	int64_t stopped_ns;		/* from the first seize to the last detach */
	unsigned int injected_syscalls;
	unsigned int round_trips;
};

/*
 * A process that died under us is reported as such, whatever step
 * noticed: -PTIMER_ERR_TARGET_DIED instead of @ret, with the detail naming
 * @op.  Otherwise @ret as it is.
 */
int target_died_or(struct target *t, int ret, const char *op);
/*
 * Detach, and fold that into @ret, the result of the operation (@op, for
 * the message): a failure to undo or detach from a process that died
 * meanwhile is reported as its death (-PTIMER_ERR_TARGET_DIED).  Fills
 * @stats, when not NULL, after the detach, which runs the munmap.
 */
int target_finish(struct target *t, int ret, const char *op, struct target_stats *stats);

/*
 * Take every held thread but the injecting one once through the kernel's
 * return to user mode (one injected getpid()), so that the CPU timer
 * expiries a tick left pending on it run now.
 */
int target_nudge_others(struct target *t);

/* -EINTR, with the detail set, if the application asked us to stop. */
int target_check_interrupt(struct target *t);

/*
 * A thread through which the process can be reached: the leader, or, if
 * the leader has exited while others live on, a live thread; 0 if none.
 */
pid_t target_live_tid(struct target *t);

/* Whether the target still runs (not exited, not a zombie); true when /proc cannot say. */
bool target_alive(struct target *t);

/* The seized threads that are alive, in the seize order (leader first); *n of them. */
int target_threads(struct target *t, pid_t **tids, size_t *n);
/*
 * The same, after the leader, which comes first even when it has exited,
 * as /proc lists it: threads map by position, leader to leader (remap.c).
 */
int target_threads_by_position(struct target *t, pid_t **tids, size_t *n);
/* Whether the leader has exited while other threads live on: held, or as /proc says. */
bool target_leader_exited(struct target *t);
/* Whether @tid, mapped into the target, is its leader and the leader has exited. */
bool target_is_exited_leader(struct target *t, pid_t tid);
/* Whether @tid is one of the seized threads. */
bool target_has_thread(struct target *t, pid_t tid);
/* The same, and it has not exited since. */
bool target_has_live_thread(struct target *t, pid_t tid);
/* Its thread @tid, named as seen from here, as its own pid namespace names it. */
int target_ns_tid(struct target *t, pid_t tid, pid_t *ns_tid);
/* The thread that runs what we inject; valid once injecting. */
pid_t target_inject_tid(const struct target *t);
/* The start of the scratch data region in the target; valid once injecting. */
uint64_t target_scratch(const struct target *t);

/*
 * Injection, as inject.h describes it: the function's own return says
 * whether the injection worked; the target syscall's result comes back
 * through *@ret, or in the batch or walk.
 */
int target_syscall(struct target *t, long nr, long *ret, uint64_t a0, uint64_t a1,
		   uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5);
int target_batch(struct target *t, struct blob_batch *batch, uint64_t remote);
/*
 * Run @b to its end, for what must be done or undone whole: a run
 * stopped part-way, in a target too slow for the timeout, is followed by
 * another from where it stopped (inject.h: every call before it ran, and
 * no other), for as long as each gets further; one that got nowhere, by
 * another with twice the time, up to 16 s.  Returns as target_batch()
 * does.
 */
int target_batch_through(struct target *t, struct blob_batch *b, uint64_t remote);
int target_walk(struct target *t, struct blob_walk *walk, uint64_t remote);
int target_write(struct target *t, uint64_t addr, const void *buf, size_t len);
int target_read(struct target *t, uint64_t addr, void *buf, size_t len);

/* The target's PR_TIMER_CREATE_RESTORE_IDS state: 0, 1, or -EINVAL when unsupported. */
/* The batch call that asks what target_get_restore_ids() does. */
void target_call_get_restore_ids(struct blob_call *c);
int target_get_restore_ids(struct target *t, int *state);

#endif
