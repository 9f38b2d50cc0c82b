// SPDX-License-Identifier: LGPL-2.1-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/* PTRACE_SEIZE + PTRACE_INTERRUPT of a whole thread group. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "arch.h"
#include "internal.h"
#include "kabi.h"
#include "procfs.h"
#include "seize.h"

#define SEIZE_MAX_ROUNDS 1000
#define WAIT_YIELD_ROUNDS 200
#define WAIT_MIN_SLEEP_NS 10000L
#define WAIT_MAX_SLEEP_NS 1000000L
/* A sleep is at most this fraction of the wait so far: its overshoot too. */
#define WAIT_SLEEP_SHARE 16

struct seized_thread *seize_find(struct seized_process *sp, pid_t tid)
{
	size_t i;

	return tid_index_find(&sp->index, tid, &i) ? &sp->threads[i] : NULL;
}

void seize_close_later(struct seized_process *sp, int fd)
{
	if (fd < 0)
		return;
	if (sp->nclose_later < SEIZE_CLOSE_LATER_MAX)
		sp->close_later[sp->nclose_later++] = fd;
	else
		close(fd);
}

static void close_now(struct seized_process *sp)
{
	for (size_t i = 0; i < sp->nclose_later; i++)
		close(sp->close_later[i]);
	sp->nclose_later = 0;
}

void seize_regs_known(struct seized_process *sp, pid_t tid, const struct arch_regs *regs)
{
	struct seized_thread *t = seize_find(sp, tid);

	if (!t)
		return;
	t->regs_known = regs != NULL;
	if (regs)
		t->regs = *regs;
}

static bool is_event_stop(int status)
{
	return (status >> 16) == PTRACE_EVENT_STOP;
}

/*
 * Reap any other seized thread that has exited: true if one had.  A stop
 * reported meanwhile (several threads may run at once: step_into_wait())
 * is kept for the wait for that thread (wait_event()).
 */
static bool other_thread_died(struct seized_process *sp, pid_t tid)
{
	bool died = false;
	int status;

	for (size_t i = 0; i < sp->nthreads; i++) {
		struct seized_thread *o = &sp->threads[i];

		if (o->tid == tid || o->dead || o->has_status ||
		    waitpid(o->tid, &status, __WALL | WNOHANG) != o->tid)
			continue;
		if (WIFEXITED(status) || WIFSIGNALED(status)) {
			o->dead = true;
			died = true;
		} else {
			o->status = status;
			o->has_status = true;
		}
	}
	return died;
}

/* The stop other_thread_died() kept for @t, if any, into @status. */
static bool take_kept_stop(struct seized_thread *t, int *status)
{
	if (!t || !t->has_status)
		return false;
	t->has_status = false;
	*status = t->status;
	return true;
}

/*
 * Wait for the next event of @tid, until @deadline_ns (CLOCK_MONOTONIC).
 * A blocking waitpid() on the leader could hang for ever if the process
 * is killed meanwhile: the kernel reports the leader's death only once
 * its other threads are reaped, and only their tracer, we, can reap them.
 * So poll: yield first (injected code usually traps within microseconds,
 * and we share the target's CPU), then sleep, looking at the other threads
 * too.  Each sleep is a sixteenth of the wait so far, within bounds: a
 * batch that runs a millisecond is seen done within about 60 us of it, a
 * walk chunk of 100 ms within 1 ms, and a wait of seconds costs a wake-up
 * a millisecond.  With @interruptible, a request of the application to
 * stop (ptimer_set_interrupt()) ends the wait too.
 */
static int wait_event(struct seized_process *sp, pid_t tid, int *status,
		      int64_t deadline_ns, bool interruptible)
{
	int64_t start_ns = clock_now_ns(CLOCK_MONOTONIC);

	if (take_kept_stop(seize_find(sp, tid), status))
		return 0;

	for (unsigned int round = 0;; round++) {
		struct timespec pause_ts;
		int64_t now_ns, sleep_ns;

		pid_t w = waitpid(tid, status, __WALL | WNOHANG);

		if (w == tid)
			return 0;
		if (w < 0 && errno != EINTR)
			return -errno;
		if (interruptible && ctx_interrupted(sp->ctx))
			return -EINTR;
		if (round < WAIT_YIELD_ROUNDS) {
			sched_yield();
			continue;
		}
		if (other_thread_died(sp, tid))
			return -ESRCH;
		now_ns = clock_now_ns(CLOCK_MONOTONIC);
		if (now_ns > deadline_ns)
			return -ETIMEDOUT;
		sleep_ns = (now_ns - start_ns) / WAIT_SLEEP_SHARE;
		if (sleep_ns < WAIT_MIN_SLEEP_NS)
			sleep_ns = WAIT_MIN_SLEEP_NS;
		if (sleep_ns > WAIT_MAX_SLEEP_NS)
			sleep_ns = WAIT_MAX_SLEEP_NS;
		pause_ts = ns_to_ts(sleep_ns);
		nanosleep(&pause_ts, NULL);
	}
}

/*
 * The next ptrace stop of @tid, in @status; -ESRCH if the thread died.
 * An event stop that is not a trap is a group stop: the process was
 * stopped by a signal, and must stay so after we detach.
 */
static int next_stop(struct seized_process *sp, pid_t tid, int *status,
		     int64_t deadline_ns, bool interruptible)
{
	int ret;

	for (;;) {
		ret = wait_event(sp, tid, status, deadline_ns, interruptible);
		if (ret)
			return ret;
		if (WIFEXITED(*status) || WIFSIGNALED(*status))
			return -ESRCH;
		if (!WIFSTOPPED(*status))
			continue;
		if (is_event_stop(*status) && WSTOPSIG(*status) != SIGTRAP)
			sp->group_stopped = true;
		return 0;
	}
}

static int64_t deadline_from_now(struct seized_process *sp)
{
	return clock_now_ns(CLOCK_MONOTONIC) + sp->timeout_ns;
}

/*
 * From a signal-delivery stop of @tid: deliver @sig with the siginfo it was
 * sent with, and interrupt again, for the stop we wait for.
 */
static int let_signal_through(pid_t tid, int sig)
{
	/*
	 * Plainly resumed (not seize_resume()): the program's handler runs
	 * now, and as SCHED_IDLE we could not interrupt it before it had run
	 * on (wake_here.h).
	 */
	if (ptrace(PTRACE_CONT, tid, 0, sig) < 0 || ptrace(PTRACE_INTERRUPT, tid, 0, 0) < 0)
		return -errno;
	return 0;
}

/*
 * Wait until @t sits in the stop our PTRACE_INTERRUPT asked for.
 *
 * A thread may first report a signal-delivery stop: it had dequeued a
 * signal before our interrupt came.  That signal is let go at once, from
 * that very stop and under its own number, so that the kernel delivers
 * it with the siginfo it was sent with (a timer's si_timerid, si_value
 * and si_overrun; a sigqueue()'s value; a kill()'s si_pid).  Handing it
 * back later from another stop would make the kernel forge a fresh
 * SI_USER siginfo.  Entering any ptrace stop clears a pending
 * PTRACE_INTERRUPT, and ours can come before that stop although the
 * thread looks for one first: a periodic timer's signal, once dequeued,
 * has its timer re-armed with the signal lock dropped (dequeue_signal(),
 * posixtimer_rearm()), and an interrupt that lands then is used up by
 * the stop (fidelity::seize_lands_in_a_timer_rearm).  So we interrupt
 * again: the thread stops once more, as soon as it has set up the handler
 * or at the latest shortly after.
 */
static int wait_interrupt_stop(struct seized_process *sp, struct seized_thread *t,
			       int64_t deadline_ns)
{
	int status, ret;

	for (;;) {
		ret = next_stop(sp, t->tid, &status, deadline_ns, sp->interruptible);
		if (ret)
			return ret;
		if (is_event_stop(status))
			return 0;
		if ((status >> 16) == 0) {
			dbg(sp->ctx, "tid %d: letting signal %d through", t->tid,
			    WSTOPSIG(status));
			ret = let_signal_through(t->tid, WSTOPSIG(status));
			if (ret)
				return ret;
			continue;
		}
		/* Some other ptrace event; we asked for none, so just go on. */
		if (ptrace(PTRACE_CONT, t->tid, 0, 0) < 0)
			return -errno;
	}
}

/* The tracer of @tid, or 0. */
static pid_t thread_traced(struct seized_process *sp, pid_t tid)
{
	struct procfs_status st;

	return procfs_thread_status(sp->dirfd, tid, &st) ? 0 : st.tracer_pid;
}

/*
 * @tid was seized but will not have stopped: keep it for the message
 * (what it waits in now) and for the release (@before, what it waited in
 * before our interrupt, which @asked says it got; NULL if it did not).
 */
static void note_unstoppable(struct seized_process *sp, pid_t tid,
			     const struct procfs_syscall *before)
{
	sp->unstoppable = tid;
	sp->unstoppable_asked = before != NULL;
	if (before)
		sp->unstoppable_before = *before;
	procfs_thread_wait(sp->dirfd, tid, sp->unstoppable_wchan, sizeof(sp->unstoppable_wchan),
			   &sp->unstoppable_nr);
}

static int seize_one(struct seized_process *sp, pid_t tid)
{
	struct seized_thread *t, *grown;
	bool asked = false;
	int ret;

	if (ptrace(PTRACE_SEIZE, tid, 0, sp->ptrace_options) < 0) {
		ret = -errno;
		/*
		 * The thread exited between listing and seizing: not an error.
		 * A thread already on its way out answers EPERM, not ESRCH.
		 */
		if (ret == -ESRCH || (ret == -EPERM && procfs_thread_exiting(sp->dirfd, tid)))
			return 0;
		/* Someone else traces it: that is no lack of privilege. */
		if (ret == -EPERM && thread_traced(sp, tid))
			return ctx_set_error(sp->ctx, -PTIMER_ERR_TRACED, "thread %d of pid %d is"
					     " already traced by pid %d", tid, sp->pid,
					     thread_traced(sp, tid));
		return ret;
	}
	/* Grown by half again: a process may have thousands of threads. */
	if (sp->nthreads == sp->room) {
		size_t room = sp->room + sp->room / 2 + 8;

		grown = realloc(sp->threads, room * sizeof(*grown));
		if (!grown)
			goto leave_running;
		sp->threads = grown;
		sp->room = room;
	}
	if (tid_index_set(&sp->index, tid, sp->nthreads))
		goto leave_running;
	t = &sp->threads[sp->nthreads++];
	memset(t, 0, sizeof(*t));
	t->tid = tid;
	t->before.nr = -1;
	/* Seized but still running as it was: what it waits in, if anything. */
	if (arch_wait_needs_snapshot)
		procfs_thread_syscall(sp->dirfd, tid, &t->before);
	/* It may be asleep: woken to stop, as a resumed thread is (wake_here.h). */
	if (wake_here_ptrace(&sp->wake, PTRACE_INTERRUPT, tid, 0) < 0) {
		ret = -errno;
		goto drop;
	}
	asked = true;
	ret = wait_interrupt_stop(sp, t, sp->seize_deadline_ns);
	if (ret)
		goto drop;
	t->stopped = true;
	return 0;

drop:
	sp->nthreads--;
	tid_index_remove(&sp->index, tid);
	/* A thread that died while we seized it is no error either. */
	if (ret == -ESRCH)
		return 0;
	/*
	 * Seized but never stopped (a vfork() parent, an uninterruptible
	 * sleep, a thread slow to get a CPU, or we were asked to give up):
	 * PTRACE_DETACH needs a stopped tracee, so this one stays attached
	 * until it stops, and is let go then by seize_release(), or until we
	 * exit, when the kernel lets it go with our interrupt cancelled.
	 * Remember it for the message, and what it waited in for the release.
	 */
	note_unstoppable(sp, tid, asked ? &t->before : NULL);
	return ret;

leave_running:
	/* Not interrupted: it runs on, and the kernel lets it go when we exit. */
	note_unstoppable(sp, tid, NULL);
	return -ENOMEM;
}

/* Order as /proc lists them: leader first, then creation order. */
static int reorder_threads(struct seized_process *sp, const pid_t *tids, size_t n)
{
	size_t room = sp->nthreads ? sp->nthreads : 1, k = 0;
	struct tid_index index = { 0 };
	struct seized_thread *sorted;
	bool *listed;
	int ret = -ENOMEM;

	sorted = calloc(room, sizeof(*sorted));
	listed = calloc(room, sizeof(*listed));
	if (!sorted || !listed)
		goto free_sorted;
	for (size_t i = 0; i < n; i++) {
		struct seized_thread *t = seize_find(sp, tids[i]);

		/* Once each: a directory read across exits may repeat an entry. */
		if (!t || listed[t - sp->threads])
			continue;
		listed[t - sp->threads] = true;
		sorted[k++] = *t;
	}
	/* A seized thread missing from the listing must have died since. */
	for (size_t i = 0; i < sp->nthreads; i++) {
		if (listed[i])
			continue;
		if (!procfs_thread_exiting(sp->dirfd, sp->threads[i].tid)) {
			ret = -EAGAIN;
			goto free_sorted;
		}
		/* Left out: on our exit the kernel reaps a dead tracee for us. */
	}
	for (size_t i = 0; i < k; i++) {
		ret = tid_index_set(&index, sorted[i].tid, i);
		if (ret)
			goto free_index;
	}
	free(listed);
	free(sp->threads);
	sp->threads = sorted;
	sp->nthreads = k;
	sp->room = room;
	tid_index_free(&sp->index);
	sp->index = index;
	return 0;

free_index:
	tid_index_free(&index);
free_sorted:
	free(listed);
	free(sorted);
	return ret;
}

/*
 * Threads may be created while we work; a new one can only come from a
 * running thread, so once a listing shows nothing new, all of them are
 * stopped and the set is stable.
 */
static int seize_all_threads(struct seized_process *sp, pid_t **final, size_t *nfinal)
{
	pid_t *tids = NULL;
	size_t n = 0;
	int ret, round;

	for (round = 0; round < SEIZE_MAX_ROUNDS; round++) {
		bool grew = false;

		free(tids);
		tids = NULL;
		ret = procfs_list_tids(sp->taskfd, sp->pid, &tids, &n);
		if (ret)
			return ret;
		for (size_t i = 0; i < n; i++) {
			size_t before = sp->nthreads;

			if (seize_find(sp, tids[i]))
				continue;
			ret = seize_one(sp, tids[i]);
			if (ret) {
				free(tids);
				return ret;
			}
			grew |= sp->nthreads != before;
		}
		if (!grew)
			break;
	}
	if (round == SEIZE_MAX_ROUNDS) {
		free(tids);
		return -EAGAIN;
	}
	/* Read with every thread stopped: the creation order, for order_threads(). */
	*final = tids;
	*nfinal = n;
	return 0;
}

/*
 * We seized by number.  The directory fd, opened before, still reads only
 * while the process it was opened for lives; so if it still reads with the
 * same start time, no PID reuse slipped in between and the threads we hold
 * are that process's.  Once every thread is seized, the last listing of
 * task/, made through that fd after the last seize, has shown as much
 * already (and spared the stopped target this read); this is for after a
 * failure, to tell a process that died.
 */
static bool same_process(struct seized_process *sp)
{
	unsigned long long start;

	return !procfs_start_time(sp->statfd, &start) && start == sp->start_time;
}

/*
 * The creation order for the dump, from the listing that found every
 * thread stopped (one read of task/ in creation order, procfs.c).
 */
static int order_threads(struct seized_process *sp, pid_t *tids, size_t n)
{
	return reorder_threads(sp, tids, n);
}

long seize_resume(struct seized_process *sp, int request, pid_t tid, int sig)
{
	return wake_here_ptrace(&sp->wake, request, tid, sig);
}

int seize_process(struct ptimer_ctx *ctx, int dirfd, int statfd, int taskfd, pid_t pid,
		  unsigned long ptrace_options, bool interruptible, int64_t timeout_ns,
		  bool quiet, struct seized_process *sp)
{
	pid_t *tids = NULL;
	size_t n = 0;
	int ret;

	memset(sp, 0, sizeof(*sp));
	sp->ctx = ctx;
	sp->timeout_ns = timeout_ns;
	sp->pid = pid;
	sp->dirfd = dirfd;
	sp->statfd = statfd;
	sp->taskfd = taskfd;
	sp->maps.fd = -1;
	sp->ptrace_options = ptrace_options;
	sp->unstoppable = 0;
	sp->interruptible = interruptible;
	wake_here_init(&sp->wake, ctx, quiet);
	ret = procfs_start_time(statfd, &sp->start_time);
	if (ret)
		return ret;
	sp->seized_at_ns = clock_now_ns(CLOCK_MONOTONIC);
	sp->seize_deadline_ns = deadline_from_now(sp);

	ret = seize_all_threads(sp, &tids, &n);
	/* Every thread it listed was gone by the time we seized it. */
	if (!ret && !sp->nthreads)
		ret = -ESRCH;
	if (!ret)
		ret = order_threads(sp, tids, n);
	free(tids);
	if (ret)
		goto release;
	dbg(ctx, "seized %zu threads of pid %d%s", sp->nthreads, pid,
	    sp->group_stopped ? " (group-stopped)" : "");
	return 0;

release:
	seize_release(sp);
	/* Whatever step noticed it, a process that died is "no such process". */
	if (!same_process(sp) || procfs_thread_exiting(dirfd, pid))
		ret = -ESRCH;
	return ret;
}

/*
 * Whether the process is the init of a pid namespace (the global one's
 * too): the kernel drops every signal at SIG_DFL that it sends it, but
 * SIGKILL and SIGSTOP (SIGNAL_UNKILLABLE: sig_task_ignored(), get_signal()).
 * Read once, when first asked.
 */
static bool process_unkillable(struct seized_process *sp)
{
	pid_t ns_pid;
	int levels;

	if (!sp->unkillable_known)
		sp->unkillable = !procfs_nspid(sp->dirfd, sp->pid, &ns_pid, &levels) &&
				 ns_pid == 1;
	sp->unkillable_known = true;
	return sp->unkillable;
}

/*
 * Our stop made a wait without a timeout (epoll_wait(), semop(), ...: see
 * arch_restart_interrupted_wait()) fail with EINTR; unless /proc shows a
 * signal there for the thread, re-issue the call, so that the program
 * does not notice.  A signal the program ignores is not one: the kernel
 * queued it only because we trace the process, and drops it once we let
 * go (procfs_thread_has_deliverable_signal()).  Only where the kernel
 * cannot judge instead (step_into_wait()): a thread let go after the
 * others, or under seccomp.
 *
 * Not in a process that a signal stopped, before we came or while we
 * held it: that stop ended its waits, or would have, and the program is
 * owed their EINTR once continued (signal(7)).
 */
static void restart_interrupted_wait(struct seized_process *sp, struct seized_thread *t)
{
	struct arch_regs regs;
	bool deliverable;

	if (sp->group_stopped)
		return;
	if (t->regs_known)
		regs = t->regs;
	else if (arch_get_regs(t->tid, &regs))
		return;
	/* Most threads were in no such wait: spare them the read of /proc. */
	if (!arch_restart_interrupted_wait(&regs, t->before.nr >= 0 ? &t->before : NULL))
		return;
	if (procfs_thread_has_deliverable_signal(sp->dirfd, t->tid, process_unkillable(sp),
						 &deliverable) || deliverable)
		return;
	if (arch_set_regs(t->tid, &regs) == 0)
		dbg(sp->ctx, "tid %d: re-issuing its interrupted wait", t->tid);
}

/*
 * How long a thread seized but not stopped in time is waited for once
 * everything else is let go: one that is only slow to get a CPU stops
 * within this.
 */
#define UNSTOPPABLE_GRACE_NS	(10 * NSEC_PER_SEC)

/*
 * How long the other threads stay held while one goes back into its
 * wait (step_into_wait()): only the scheduler stands between it and the
 * call's entry.  One not there by then is waited for once they are let go.
 */
#define STEP_WAIT_NS		(50 * 1000 * 1000)

/*
 * Our stop made a wait without a timeout (epoll_wait(), semop(), ...: see
 * arch_restart_interrupted_wait()) fail with EINTR, which the program
 * must see only if a signal of its own ends the call.  So the thread is
 * rewound onto the call and resumed to its entry (PTRACE_SYSCALL) while
 * every other thread is still held, and the kernel's get_signal() hands
 * it, on the way, any signal it would take.  A look at /proc cannot: a
 * signal sent to the whole process and seen pending by the look could
 * be taken by another thread let go first, and the call's EINTR came
 * with no signal; one that came after the look was taken with the
 * rewound registers, and the call went on waiting, its EINTR lost.
 *
 * restart_interrupted_wait() judges the others: a kernel without
 * PTRACE_O_TRACESYSGOOD to tell the entry by, and a thread under seccomp:
 * the call it is let go past (step_back_onto_call()) is -1 once we are
 * gone, and a filter would judge that, where an allowlist kills.  A
 * process stopped by a signal keeps its waits' EINTR, owed to that stop.
 */
static bool step_into_wait(struct seized_process *sp, struct seized_thread *t)
{
	struct procfs_status st;
	struct arch_regs regs;

	if (!(sp->ptrace_options & PTRACE_O_TRACESYSGOOD) || sp->group_stopped)
		return false;
	if (!t->regs_known) {
		if (arch_get_regs(t->tid, &t->regs))
			return false;
		t->regs_known = true;
	}
	regs = t->regs;
	if (!arch_restart_interrupted_wait(&regs, t->before.nr >= 0 ? &t->before : NULL))
		return false;
	/* -1: no Seccomp line, a kernel without seccomp. */
	if (procfs_thread_status(sp->dirfd, t->tid, &st) || st.seccomp > 0)
		return false;
	if (arch_set_regs(t->tid, &regs) || seize_resume(sp, PTRACE_SYSCALL, t->tid, 0) < 0) {
		arch_set_regs(t->tid, &t->regs);
		return false;
	}
	t->stepping = true;
	dbg(sp->ctx, "tid %d: re-issuing its interrupted wait", t->tid);
	return true;
}

/*
 * At the entry of the call, let go as it is, the thread would fail the
 * call with EINTR: PTRACE_DETACH wakes it as a signal does
 * (ptrace_signal_wake_up() sets TIF_SIGPENDING), and the call finds that
 * flag set.  So the call is skipped and the thread rewound onto it once
 * more: let go, it passes get_signal(), which clears the flag, with its
 * own signal mask (a epoll_pwait()'s is the call's own, set anew), and
 * makes the call from user mode, untraced.
 *
 * @late: it has sat at the entry while the other threads ran, and a
 * signal sent to it meanwhile waits for it (a traced thread is not woken
 * for one).  Taken on the rewound call, its handler would run and the
 * call go on waiting; so if /proc shows one it takes, the call is skipped
 * with the registers our stop left, and fails with EINTR after it.
 */
static int step_back_onto_call(struct seized_process *sp, struct seized_thread *t, bool late)
{
	struct arch_regs regs = t->regs;
	bool deliverable = false;

	if (!arch_restart_interrupted_wait(&regs, t->before.nr >= 0 ? &t->before : NULL))
		return -EINVAL;
	if (late && !procfs_thread_has_deliverable_signal(sp->dirfd, t->tid,
							  process_unkillable(sp), &deliverable) &&
	    deliverable) {
		dbg(sp->ctx, "tid %d: a signal came for it at the entry of its wait, which"
		    " fails with EINTR for it", t->tid);
		regs = t->regs;
	}
	arch_skip_call(&regs);
	return arch_set_regs(t->tid, &regs);
}

/*
 * Whether the program ignores @sig, which the kernel queued only because
 * we trace it (sig_ignored()): SIG_IGN, SIG_DFL where the default is to
 * ignore, or SIG_DFL in an init (process_unkillable()).  Not SIGSTOP,
 * which nothing ignores.  Unknown: not ignored.
 */
static bool signal_ignored(struct seized_process *sp, pid_t tid, int sig)
{
	bool dropped;

	return !procfs_signal_dropped(sp->dirfd, tid, sig, process_unkillable(sp), &dropped) &&
	       dropped;
}

/* step_on_stop(): resumed again, on its way still. */
#define STEP_ON		(-1000)

/*
 * A stop, in @status, of a thread step_into_wait() resumed:
 *  - the call's entry: let go there (0), it waits again, and a signal
 *    from now on ends the wait as it would have (@late: step_back_onto_call());
 *  - a signal the program ignores: dropped, as the kernel would have,
 *    and on (STEP_ON);
 *  - any other signal: the EINTR is the program's own.  The registers
 *    our stop left are put back, and the thread is let go with that
 *    signal (returned): its handler runs and the call fails with EINTR,
 *    or its default action is taken;
 *  - a group stop: put back too, and let go into it (0); once
 *    continued, the call fails with EINTR, as signal(7) says.
 */
static int step_on_stop(struct seized_process *sp, struct seized_thread *t, int status,
			bool late)
{
	int sig = WSTOPSIG(status), ret;

	t->stepping = false;
	if (sig == (SIGTRAP | 0x80))
		return step_back_onto_call(sp, t, late);
	if ((is_event_stop(status) && sig == SIGTRAP) ||
	    (!is_event_stop(status) && signal_ignored(sp, t->tid, sig))) {
		/* Else a PTRACE_INTERRUPT of ours, late: on to the entry. */
		if (!is_event_stop(status))
			dbg(sp->ctx, "tid %d: dropped signal %d, which the program ignores, on"
			    " its way back into its wait", t->tid, sig);
		if (seize_resume(sp, PTRACE_SYSCALL, t->tid, 0) < 0)
			return -errno;
		t->stepping = true;
		return STEP_ON;
	}
	/* Rewound still, it takes the signal all the same. */
	ret = arch_set_regs(t->tid, &t->regs);
	if (ret)
		dbg(sp->ctx, "tid %d: its registers cannot be put back: %s", t->tid,
		    strerror(-ret));
	if (is_event_stop(status))
		return 0;
	dbg(sp->ctx, "tid %d: took signal %d on its way back into its wait, which"
	    " fails with EINTR for it", t->tid, sig);
	return sig;
}

/*
 * @t's stops until it can be let go (step_on_stop()), by @deadline_ns:
 * -ESRCH if it died (or another thread did), -ETIMEDOUT if it has not
 * stopped yet.
 */
static int step_settle(struct seized_process *sp, struct seized_thread *t,
		       int64_t deadline_ns)
{
	int status, ret;

	do {
		ret = next_stop(sp, t->tid, &status, deadline_ns, false);
		/* Reaped by that wait: it is gone. */
		if (ret == -ESRCH && syscall(SYS_tgkill, sp->pid, t->tid, 0) < 0 &&
		    errno == ESRCH) {
			t->dead = true;
			t->stepping = false;
		}
		if (ret)
			return ret;
		ret = step_on_stop(sp, t, status, false);
	} while (ret == STEP_ON);
	return ret;
}

/*
 * Whether @tid may yet stop for our interrupt: it runs or waits for a CPU
 * (R), or sleeps where the interrupt wakes it (S).  Or it has stopped (t)
 * since the waitpid() that found no stop, a moment before this look: the
 * next waitpid() reports it.  Not in D (a vfork() parent, an
 * uninterruptible sleep), I, or as a zombie leader.
 */
static bool may_stop(struct seized_process *sp, pid_t tid)
{
	struct procfs_status st;

	return !procfs_thread_status(sp->dirfd, tid, &st) &&
	       (st.state == 'R' || st.state == 'S' || st.state == 't');
}

/*
 * A thread seized but not stopped in time has our interrupt pending, and
 * stops as soon as it runs, unless it sleeps where no signal wakes it.
 * Let go before that stop (or by the kernel as we exit), it would keep
 * what the interrupt did to a wait it was in: epoll_wait() and a few
 * others return EINTR, which the program never expected.  So it is
 * waited for, while it may stop, and let go from that stop as every other
 * thread is (wait_interrupt_stop(), seize_release()): a signal it had
 * dequeued goes through from its own stop, with its siginfo, and the
 * interrupt is asked again; its wait is re-issued.  Not interruptible: a
 * signal to ptimerctl must not cost the target that EINTR.  One that
 * cannot stop stays attached until we exit.
 */
static void release_unstoppable(struct seized_process *sp)
{
	struct seized_thread t = { .tid = sp->unstoppable, .before = sp->unstoppable_before };
	const struct timespec pause_ts = { .tv_nsec = WAIT_MAX_SLEEP_NS };
	int64_t deadline_ns = clock_now_ns(CLOCK_MONOTONIC) + UNSTOPPABLE_GRACE_NS;
	bool warned = false;
	int status;

	if (!t.tid || !sp->unstoppable_asked)
		return;
	for (;;) {
		pid_t w = waitpid(t.tid, &status, __WALL | WNOHANG);

		if (w == t.tid && !WIFSTOPPED(status))
			return;		/* it exited */
		if (w == t.tid && is_event_stop(status)) {
			/* A group stop, as next_stop() says: its waits keep their EINTR. */
			if (WSTOPSIG(status) != SIGTRAP)
				sp->group_stopped = true;
			break;
		}
		if (w == t.tid) {
			if (let_signal_through(t.tid, WSTOPSIG(status)))
				return;
			continue;
		}
		if ((w < 0 && errno != EINTR) || !may_stop(sp, t.tid) ||
		    clock_now_ns(CLOCK_MONOTONIC) > deadline_ns)
			return;
		if (!warned)
			warn(sp->ctx, "tid %d: waiting up to %lld s for it to stop, so that it is"
			     " let go unharmed", t.tid, UNSTOPPABLE_GRACE_NS / NSEC_PER_SEC);
		warned = true;
		nanosleep(&pause_ts, NULL);
	}
	restart_interrupted_wait(sp, &t);
	sp->unstoppable_let_go = ptrace(PTRACE_DETACH, t.tid, 0, 0) == 0;
}

/*
 * A SIGSTOP that our injected code took in passing is sent again as the
 * threads are let go, so that the process stops as it should have (a
 * SIGSTOP carries no siginfo a program could see).  Unless a SIGCONT
 * came after it: making a stop signal flushes every pending SIGCONT
 * (prepare_signal()), so one still pending came after the SIGSTOP, and
 * the process was to run on; sending the SIGSTOP again would flush it
 * instead, and leave the process stopped.
 */
static bool stop_again(struct seized_process *sp)
{
	unsigned long long pending;

	if (!sp->stop_held || !sp->nthreads)
		return false;
	for (size_t i = 0; i < sp->nthreads; i++) {
		const struct seized_thread *t = &sp->threads[i];

		if (!t->dead && !procfs_thread_pending(sp->dirfd, t->tid, &pending) &&
		    pending & ksig_bit(SIGCONT)) {
			dbg(sp->ctx, "tid %d: a SIGCONT came after the SIGSTOP our code took;"
			    " not sent again", t->tid);
			return false;
		}
	}
	return true;
}

/*
 * Whether the target is the caller's own child, whose exit status the
 * caller reaps: unless it ignores SIGCHLD, when the kernel would reap a
 * child for it, but not one that a tracer still holds.
 */
static bool callers_child(struct seized_process *sp)
{
	struct procfs_status st;
	struct sigaction sa;
	pid_t self;

	if (procfs_read_status(sp->dirfd, &st) || sigaction(SIGCHLD, NULL, &sa))
		return false;
	/* Not numbered in that /proc: leave the leader, rather than take a status. */
	if (procfs_self_pid(sp->dirfd, &self))
		return true;
	return st.ppid == self && sa.sa_handler != SIG_IGN && !(sa.sa_flags & SA_NOCLDWAIT);
}

/*
 * Wait for @tid if it is our tracee and exiting: 1 while it is not gone
 * yet.  A thread that stops instead was not dying: it is let go.
 */
static int reap_exiting(struct seized_process *sp, pid_t tid)
{
	int status;
	pid_t w;

	if (!procfs_thread_exiting(sp->dirfd, tid))
		return 0;
	w = waitpid(tid, &status, __WALL | WNOHANG);
	if (w == tid && WIFSTOPPED(status)) {
		ptrace(PTRACE_DETACH, tid, 0, 0);
		if (tid == sp->unstoppable)
			sp->unstoppable = 0;
	}
	return w == 0;
}

/*
 * A target killed while we held it: PTRACE_DETACH answers ESRCH for a
 * thread that SIGKILL woke, and each thread stays our tracee, its zombie
 * there until we wait for it.  Meanwhile its parent cannot reap the
 * process: a leader's exit is reported once every other thread is
 * reaped, and a zombie tracee's to its tracer alone.  A ptimerctl exits
 * soon, which lets them go; a long-lived caller of the library would
 * keep them for ever.  So wait for every exiting thread still listed
 * (some we never held: one that died as we seized it), within the
 * timeout, since a thread may take a while to die (a core dump).  Only
 * our tracees answer; a wait for one that is not fails at once.  A live
 * one is not waited for: the leader of a process whose main thread
 * exited is a zombie, and its other threads run on.
 *
 * The leader is left to a caller that is the target's parent: a wait of
 * ours would reap it, and take its exit status from the caller.
 */
static void reap_killed(struct seized_process *sp)
{
	int64_t deadline_ns, sleep_ns = WAIT_MIN_SLEEP_NS;
	bool leader_too;
	size_t left = 0;

	leader_too = !callers_child(sp);
	deadline_ns = deadline_from_now(sp);
	for (;;) {
		struct timespec pause_ts;
		pid_t *tids;
		size_t n;

		if (procfs_list_tids(sp->taskfd, sp->pid, &tids, &n)) {
			dbg(sp->ctx, "pid %d: its threads cannot be listed; the killed process"
			    " is gone", sp->pid);
			return;
		}
		left = 0;
		for (size_t i = 0; i < n; i++)
			if (tids[i] != sp->pid || leader_too)
				left += reap_exiting(sp, tids[i]);
		free(tids);
		if (!left || clock_now_ns(CLOCK_MONOTONIC) >= deadline_ns)
			break;
		pause_ts = ns_to_ts(sleep_ns);
		nanosleep(&pause_ts, NULL);
		if (sleep_ns < WAIT_MAX_SLEEP_NS)
			sleep_ns *= 2;
	}
	if (left)
		dbg(sp->ctx, "pid %d: %zu threads of the killed process not yet gone;"
		    " left to the kernel", sp->pid, left);
}

/* Let @t go from its stop with signal @sig. */
static void let_go(struct seized_process *sp, struct seized_thread *t, int sig,
		   bool *killed, int *first)
{
	if (ptrace(PTRACE_DETACH, t->tid, 0, sig) == 0)
		return;
	/* Killed, or still running after a failure: only the first dies. */
	if (errno == ESRCH)
		*killed |= procfs_thread_exiting(sp->dirfd, t->tid);
	else if (!*first)
		*first = -errno;
}

/* Let @t go with what step_on_stop() or step_settle() returned, @ret. */
static void let_go_stepped(struct seized_process *sp, struct seized_thread *t, int ret,
			   bool *killed, int *first)
{
	if (ret >= 0)
		let_go(sp, t, ret, killed, first);
	else if (ret == -ESRCH)
		*killed = true;
	else if (ret != -ETIMEDOUT) {
		/* Stopped, and not to be resumed or put back: let go as it is. */
		dbg(sp->ctx, "tid %d: cannot let it go back into its wait: %s", t->tid,
		    strerror(-ret));
		let_go(sp, t, 0, killed, first);
	}
}

/* The stop of stepping @t if it has one (1), 0 if not, -ESRCH if it is gone. */
static int stepping_stopped(struct seized_process *sp, struct seized_thread *t, int *status)
{
	pid_t w;

	if (take_kept_stop(t, status))
		return 1;
	w = waitpid(t->tid, status, __WALL | WNOHANG);
	if (w == t->tid && WIFSTOPPED(*status))
		return 1;
	if (w == t->tid || (w < 0 && errno == ECHILD)) {
		t->dead = true;
		t->stepping = false;
		return -ESRCH;
	}
	return 0;
}

/*
 * Threads that had not reached their wait's entry by STEP_WAIT_NS, once
 * the others are let go: waited for, as one that did not stop in time is
 * (release_unstoppable()), for UNSTOPPABLE_GRACE_NS in all, and each let
 * go as soon as it stops, since the program runs meanwhile (a signal
 * sent to one that sits at its entry waits for it: step_back_onto_call()
 * sees it).  One still running after that stays our tracee until we
 * exit, which lets it go into its wait unharmed; one that reaches the
 * entry before we exit stops there until then, and its call then fails
 * with EINTR.
 */
static void release_stepping(struct seized_process *sp, bool *killed, int *first)
{
	int64_t deadline_ns = clock_now_ns(CLOCK_MONOTONIC) + UNSTOPPABLE_GRACE_NS;
	const struct timespec pause_ts = { .tv_nsec = WAIT_MAX_SLEEP_NS };

	for (size_t i = 0; i < sp->nthreads; i++)
		if (sp->threads[i].stepping)
			warn(sp->ctx, "tid %d: waiting up to %lld s for it to go back into the"
			     " wait it was in, so that it is let go unharmed", sp->threads[i].tid,
			     UNSTOPPABLE_GRACE_NS / NSEC_PER_SEC);
	for (;;) {
		size_t left = 0;

		for (size_t i = 0; i < sp->nthreads; i++) {
			struct seized_thread *t = &sp->threads[i];
			int status, r;

			if (!t->stepping)
				continue;
			r = stepping_stopped(sp, t, &status);
			if (r < 0)
				*killed = true;
			if (r <= 0) {
				left += r == 0;
				continue;
			}
			r = step_on_stop(sp, t, status, true);
			if (r == STEP_ON)
				left++;
			else
				let_go_stepped(sp, t, r, killed, first);
		}
		if (!left || clock_now_ns(CLOCK_MONOTONIC) > deadline_ns)
			return;
		nanosleep(&pause_ts, NULL);
	}
}

int seize_release(struct seized_process *sp)
{
	/* Read while held: once let go, a pending SIGCONT is soon taken. */
	const bool restop = stop_again(sp);
	bool killed = false;
	int first = 0;

	/*
	 * Sent while every thread is held: queued (no traced thread takes
	 * it) until they are let go, and flushed by a SIGCONT that comes
	 * from now on, as the kernel would flush it (prepare_signal()).  Sent
	 * once they were free, it came after such a SIGCONT, which they had
	 * taken, and stopped the process for good.  One that comes between
	 * the look for it and this kill() is still flushed: the kill()
	 * leaves no trace of it, so that window, a /proc read long, stays.
	 * (A wait of theirs that our stop interrupted then fails with EINTR
	 * once continued, as a stop and SIGCONT make it fail: signal(7).)
	 */
	if (restop && kill(sp->pid, SIGSTOP) < 0)
		warn(sp->ctx, "pid %d: the SIGSTOP our code took for it cannot be sent again: %s",
		     sp->pid, strerror(errno));

	/* First, while every other thread is held, each wait our stop interrupted. */
	for (size_t i = 0; i < sp->nthreads; i++) {
		struct seized_thread *t = &sp->threads[i];

		if (t->dead || !t->stopped || !step_into_wait(sp, t))
			continue;
		t->stopped = false;
		let_go_stepped(sp, t, step_settle(sp, t, clock_now_ns(CLOCK_MONOTONIC) +
						  STEP_WAIT_NS), &killed, &first);
	}
	for (size_t i = 0; i < sp->nthreads; i++) {
		struct seized_thread *t = &sp->threads[i];

		if (t->dead || !t->stopped)
			continue;
		restart_interrupted_wait(sp, t);
		let_go(sp, t, 0, &killed, &first);
	}
	sp->released_at_ns = clock_now_ns(CLOCK_MONOTONIC);
	if (killed || (!sp->nthreads && procfs_thread_exiting(sp->dirfd, sp->pid)) ||
	    (sp->unstoppable && procfs_thread_exiting(sp->dirfd, sp->unstoppable)))
		reap_killed(sp);
	release_unstoppable(sp);
	release_stepping(sp, &killed, &first);
	sp->stop_held = false;
	/* What the maps said held only while every thread was stopped. */
	procfs_maps_end(&sp->maps);
	free(sp->threads);
	sp->threads = NULL;
	sp->nthreads = 0;
	sp->room = 0;
	tid_index_free(&sp->index);
	close_now(sp);
	return first;
}

/* A SIGSTOP our code took for the program: it is sent again as the threads are let go. */
static void hold_sigstop(struct seized_process *sp, pid_t tid)
{
	dbg(sp->ctx, "tid %d: our code took a SIGSTOP; it is sent again as the process is let go",
	    tid);
	sp->stop_held = true;
}

int seize_park(struct seized_process *sp, pid_t tid, int sig)
{
	int64_t deadline_ns = deadline_from_now(sp);
	int status, ret;

	/*
	 * The interrupt stops it at once: get_signal() looks for a ptrace
	 * trap before it takes the next signal, and before any return to
	 * user mode.  So the wait has no end: only the scheduler (or a
	 * freezer) delays the stop, and a thread given up as not stopping in
	 * time would be let go with our code at its ip, where it dies.  Past
	 * the timeout, ptimerctl says that it waits.
	 */
	if (ptrace(PTRACE_INTERRUPT, tid, 0, 0) < 0 || seize_resume(sp, PTRACE_CONT, tid, sig) < 0)
		return -errno;
	for (;;) {
		ret = next_stop(sp, tid, &status, deadline_ns, false);
		if (ret == -ETIMEDOUT) {
			warn(sp->ctx, "tid %d: waiting for it to stop after our code ran, for as"
			     " long as it takes: let go before, it would die", tid);
			deadline_ns = INT64_MAX;
			continue;
		}
		if (ret)
			return ret;
		if (is_event_stop(status))
			return 0;
		/* Our mask blocks everything else: only a SIGSTOP can come. */
		if (WSTOPSIG(status) != SIGSTOP)
			return -EFAULT;
		hold_sigstop(sp, tid);
		if (seize_resume(sp, PTRACE_CONT, tid, 0) < 0)
			return -errno;
	}
}

/* A wait for the next stop of a thread that runs our code. */
struct code_wait {
	int64_t deadline_ns;
	bool asked;		/* our PTRACE_INTERRUPT is on its way */
};

/*
 * The next stop of @tid but a SIGSTOP's, which cannot be blocked: it is
 * kept for after the detach, and @tid goes on with ptrace @resume
 * (PTRACE_CONT, or PTRACE_SYSCALL).  Past the deadline the thread is
 * interrupted, so that its registers can be put back: it may be looping
 * in our blob, or sleeping in a call it restarted; either way
 * PTRACE_INTERRUPT stops it.
 *
 * Not interruptible itself, and without an end: our code runs in the
 * target, and it is undone only once it has stopped.  A thread that
 * takes another timeout to stop once interrupted is in a call that no
 * stop interrupts (a seccomp supervisor's, with
 * SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV), and stops only when the call
 * ends, however long that takes.  Let go before, it would run on into
 * our breakpoint, whose SIGTRAP it would die of, or into a scratch
 * mapping already gone.  Only its death ends the wait early.
 */
static int next_code_stop(struct seized_process *sp, pid_t tid, struct code_wait *w,
			  int resume, int *status)
{
	int ret;

	for (;;) {
		ret = next_stop(sp, tid, status, w->deadline_ns, false);
		if (ret == -ETIMEDOUT && !w->asked) {
			if (ptrace(PTRACE_INTERRUPT, tid, 0, 0) < 0)
				return -errno;
			w->asked = true;
			w->deadline_ns = deadline_from_now(sp);
			continue;
		}
		if (ret == -ETIMEDOUT) {
			warn(sp->ctx, "tid %d: injected code has not stopped since it was"
			     " interrupted; waiting for it, as in a call that no stop"
			     " interrupts, for as long as the call takes", tid);
			w->deadline_ns = INT64_MAX;
			continue;
		}
		if (ret || is_event_stop(*status) || WSTOPSIG(*status) != SIGSTOP)
			return ret;
		/* Its stop took the place of our interrupt's, if one was on its way: ask again. */
		hold_sigstop(sp, tid);
		if ((w->asked && ptrace(PTRACE_INTERRUPT, tid, 0, 0) < 0) ||
		    seize_resume(sp, resume, tid, 0) < 0)
			return -errno;
	}
}

/*
 * @tid, interrupted past the deadline, has stopped.  A warning: the run
 * may have ended (inject_batch()), and the failure, if it is one, is the
 * caller's to say.
 */
static int code_stopped(struct seized_process *sp, pid_t tid)
{
	warn(sp->ctx, "tid %d: injected code did not trap within %lld ms; stopped it",
	     tid, (long long)(sp->timeout_ns / 1000000));
	return -ETIMEDOUT;
}

int seize_wait_syscall_entry(struct seized_process *sp, pid_t tid)
{
	struct code_wait w = { .deadline_ns = deadline_from_now(sp) };
	int status, ret;

	for (;;) {
		ret = next_code_stop(sp, tid, &w, PTRACE_SYSCALL, &status);
		if (ret)
			return ret;
		/*
		 * PTRACE_O_TRACESYSGOOD: a system call stop, the only one asked
		 * for.  One that comes after our interrupt was asked for is
		 * still the call's entry, and it takes the interrupt's place
		 * (ptrace_stop(): any trap clears a pending PTRACE_INTERRUPT).
		 */
		if (WSTOPSIG(status) == (SIGTRAP | 0x80))
			return 0;
		if (is_event_stop(status) && w.asked)
			return code_stopped(sp, tid);
		/* Every signal blocked: none but SIGSTOP can come. */
		if (!is_event_stop(status))
			return -EFAULT;
		if (seize_resume(sp, PTRACE_SYSCALL, tid, 0) < 0)
			return -errno;
	}
}

int seize_wait_trap(struct seized_process *sp, pid_t tid, siginfo_t *si, bool *interrupted)
{
	struct code_wait w = { .deadline_ns = deadline_from_now(sp) };
	int status, ret;

	*interrupted = false;
	for (;;) {
		ret = next_code_stop(sp, tid, &w, PTRACE_CONT, &status);
		if (ret)
			return ret;
		if (is_event_stop(status) && w.asked) {
			*interrupted = true;
			return code_stopped(sp, tid);
		}
		if (!is_event_stop(status))
			break;
		/* A PTRACE_INTERRUPT or group stop arriving late: run on. */
		if (seize_resume(sp, PTRACE_CONT, tid, 0) < 0)
			return -errno;
	}
	/* A trap or fault, even one that came with our interrupt: as any other. */
	if (ptrace(PTRACE_GETSIGINFO, tid, 0, si) < 0)
		return -errno;
	return 0;
}
