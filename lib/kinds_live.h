/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SPDX-FileCopyrightText: The ptimerctl authors */
/*
 * Dumping, restoring and re-arming the kinds of timer besides the POSIX
 * ones in a held target: lib/dump_kinds.c and lib/restore_kinds.c.
 */
#ifndef PTIMER_KINDS_LIVE_H
#define PTIMER_KINDS_LIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/syscall.h>

#include "ptimer.h"
#include "target.h"

struct arm_frozen;

/*
 * The system calls these inject.  The target runs this kernel and this
 * architecture (target_open() checks its executable), so our own
 * <asm/unistd.h> numbers are its numbers.
 */
enum kinds_nr {
	KNR_GETITIMER = __NR_getitimer,
	KNR_SETITIMER = __NR_setitimer,
	KNR_TIMERFD_CREATE = __NR_timerfd_create,
	KNR_TIMERFD_SETTIME = __NR_timerfd_settime,
	KNR_TIMERFD_GETTIME = __NR_timerfd_gettime,
	KNR_DUP3 = __NR_dup3,
	KNR_FCNTL = __NR_fcntl,
	KNR_CLOSE = __NR_close,
	KNR_PREADV2 = __NR_preadv2,
	KNR_IOCTL = __NR_ioctl,
	KNR_RT_SIGQUEUEINFO = __NR_rt_sigqueueinfo,
	KNR_RT_TGSIGQUEUEINFO = __NR_rt_tgsigqueueinfo,
	KNR_RT_SIGTIMEDWAIT = __NR_rt_sigtimedwait,
};

/* TFD_IOC_SET_TICKS, _IOW('T', 0, __u64): only with CONFIG_CHECKPOINT_RESTORE. */
#define KTFD_IOC_SET_TICKS	0x40085400u

/*
 * Whether a dump may tell the descriptors apart by timerfd_gettime() in
 * its first injected batch instead of by their /proc links (dump_kinds.c).
 * @may: not when disarming, nor under a seccomp filter that judges our
 * calls.  @stack_fits: how many descriptors the job can probe and still
 * take its data from the thread's stack; SIZE_MAX when it needs a mapping
 * anyway.
 */
struct probe_policy {
	bool may;
	size_t stack_fits;
};

/*
 * Dump, before anything is injected: the queued SI_TIMER signals of every
 * thread and of the process (PTRACE_PEEKSIGINFO), and the timerfds from
 * /proc/PID/fdinfo, or the descriptors to probe (@pp).  Only reads; a
 * disarming dump runs it first, so that nothing it reads is the disarm's
 * doing.
 */
int kinds_dump_read_proc(struct target *t, struct ptimer_dump *dump, unsigned int kinds,
			 const struct probe_policy *pp);
/*
 * Before the stop, while the target runs: look at its descriptors once,
 * so that the look kinds_dump_read_proc() takes, stopped, is quick.
 * @pp: as the stopped dump will likely be given it.
 */
void kinds_dump_warm(struct target *t, unsigned int kinds, const struct probe_policy *pp);
/*
 * The scratch bytes a dump with @ntimerfds timerfds needs: for
 * kinds_dump_read_injected(), or, @riding, for kinds_dump_fill()'s data;
 * and kinds_dump_ncalls() for it.
 */
size_t kinds_dump_scratch_for(size_t ntimerfds, bool riding);
size_t kinds_dump_ncalls_for(unsigned int kinds, size_t ntimerfds);
/*
 * Dump, injected at the start of the scratch region: one batch reads the
 * three interval timers (getitimer) and the timerfds (timerfd_gettime);
 * a timer that reads as due but not yet handled is read again once the
 * kernel has handled it (dump_kinds.c, settle_due()).  With @rearm, a
 * second batch sets each to zero, which returns its old value in the
 * same step, and those old values are what is carried; each timer it
 * disarmed is noted in @rearm too, with that value, even when the batch
 * fails part-way: what a dump that fails re-arms.  @prctl_ret: also
 * ask the state of PR_TIMER_CREATE_RESTORE_IDS, as
 * target_get_restore_ids() would.
 */
int kinds_dump_read_injected(struct target *t, struct ptimer_dump *dump, unsigned int kinds,
			     struct ptimer_dump *rearm, long *prctl_ret);
/*
 * The same, riding with another batch (dump.c's last read of the POSIX
 * timers), so that a small dump is one round trip: kinds_dump_fill()
 * writes its kinds_dump_scratch_for(n, true) bytes of data at @base and
 * its kinds_dump_ncalls() calls into @calls; kinds_dump_collect() reads
 * what they returned.  Their own later batches run at @batch_at, where the
 * batch they rode with ran: it holds more calls than they ever make.
 */
size_t kinds_dump_ncalls(const struct ptimer_dump *dump, unsigned int kinds);
int kinds_dump_fill(struct target *t, struct ptimer_dump *dump, unsigned int kinds,
		    struct blob_call *calls, uint64_t base, uint64_t batch_at);
int kinds_dump_collect(struct target *t, struct ptimer_dump *dump, unsigned int kinds,
		       struct ptimer_dump *rearm, const struct blob_call *calls, uint64_t base,
		       uint64_t batch_at);

struct kinds_restore;

/*
 * Restore.  kinds_restore_new() takes the kinds to handle (the context's
 * and the dump's) and the thread map; kinds_restore_prepare() checks,
 * with the target held and nothing changed yet, every collision
 * (-PTIMER_ERR_ID_IN_USE unless @replace); kinds_restore_place() makes
 * the timerfds and moves each to its number, arming nothing, so that it
 * may still fail with nothing due behind it;
 * kinds_restore_arm_timerfds() and kinds_restore_arm_itimers() arm them;
 * kinds_restore_signals() queues the signals, last of all, and then
 * closes the copies of replaced descriptors kept for rollback;
 * kinds_restore_rollback() undoes what the others did.  @rearm:
 * for ptimer_rearm_pid(), the process the dump was taken from: no
 * collisions, the dump's own tids, every timerfd re-armed where it is.
 */
int kinds_restore_new(struct ptimer_ctx *ctx, struct target *t, const struct ptimer_dump *dump,
		      unsigned int kinds, const struct ptimer_tid_map *map, size_t nmap,
		      bool replace, enum ptimer_time_mode time, bool rearm,
		      struct kinds_restore **out);
void kinds_restore_free(struct kinds_restore *kr);
/*
 * @held, the signals queued for the timers that a --replace deletes or
 * re-arms in place, or that a re-arm's dump disarmed, which
 * kinds_restore_signals() weighs (held_signals.h); kept by the caller.
 */
struct held_signals;
void kinds_restore_set_held(struct kinds_restore *kr, struct held_signals *held);
/*
 * Mark skip each of @kr's held signals (@kr may be NULL) of which
 * kinds_restore_signals() queued an identical copy: the copy stands for it.
 */
void kinds_restore_skip_queued(struct kinds_restore *kr);
/* How many timerfds a re-arm passed over: closed or replaced since the dump. */
size_t kinds_restore_gone(const struct kinds_restore *kr);
size_t kinds_restore_scratch_size(const struct kinds_restore *kr);
/* Before attaching (and in a dry run): the timerfd collisions, which /proc shows. */
int kinds_restore_check(struct kinds_restore *kr);

/* Count in @f the entries armed frozen though --time=deadline was asked (arming.h). */
void kinds_restore_note_frozen(struct kinds_restore *kr, struct arm_frozen *f);
/* With the target held: every collision, and the signals' tids mapped to the target's. */
int kinds_restore_prepare(struct kinds_restore *kr);
int kinds_restore_place(struct kinds_restore *kr);
int kinds_restore_arm_timerfds(struct kinds_restore *kr);
int kinds_restore_arm_itimers(struct kinds_restore *kr);
/* -EAGAIN if the signals to queue would not fit the target's RLIMIT_SIGPENDING. */
int kinds_restore_signals_fit(struct kinds_restore *kr);
/* Whether an itimer was armed to expire within ARM_SOON_NS (arming.h). */
bool kinds_restore_armed_soon(const struct kinds_restore *kr);
int kinds_restore_signals(struct kinds_restore *kr);
/* Whether all of it was undone; each failure is logged. */
bool kinds_restore_rollback(struct kinds_restore *kr);

#endif
