// SPDX-License-Identifier: LGPL-2.1-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/* Pre-attach checks, attach and detach of a target process. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <unistd.h>

#include "internal.h"
#include "kabi.h"
#include "ptimer-private.h"
#include "target.h"

/*
 * A process whose leader has exited while other threads live on shows the
 * leader as a zombie; its timers, which belong to the process, are still
 * there, and a live thread can run what we inject.
 */
/* A live thread other than the leader, or 0. */
static pid_t live_follower(struct target *t)
{
	pid_t *tids = NULL, live = 0;
	size_t n = 0;

	if (procfs_list_tids(t->taskfd, t->pid, &tids, &n))
		return 0;
	for (size_t i = 0; i < n && !live; i++)
		if (tids[i] != t->pid && !procfs_thread_exiting(t->dirfd, tids[i]))
			live = tids[i];
	free(tids);
	return live;
}

pid_t target_live_tid(struct target *t)
{
	if (t->status.state != 'Z' && t->status.state != 'X')
		return t->pid;
	return live_follower(t);
}

/* The executable, through a live thread: a zombie leader's exe link is gone. */
static int exe_matches(struct target *t)
{
	pid_t tid = target_live_tid(t);
	int taskfd, ret;

	if (tid == t->pid)
		return procfs_exe_matches(t->dirfd, arch_elf_machine, arch_elf_class);
	if (!tid)
		return -ENOENT;
	taskfd = procfs_open_task(t->dirfd, tid);
	if (taskfd < 0)
		return taskfd;
	ret = procfs_exe_matches(taskfd, arch_elf_machine, arch_elf_class);
	close(taskfd);
	return ret;
}

/* Any thread with a tracer, not just the leader, makes seizing fail. */
static int check_tracers(struct target *t)
{
	struct procfs_status st;
	pid_t *tids = NULL;
	size_t n = 0;
	int ret;

	ret = procfs_list_tids(t->taskfd, t->pid, &tids, &n);
	if (ret)
		return 0;	/* seizing will tell */
	for (size_t i = 0; i < n; i++) {
		if (procfs_thread_status(t->dirfd, tids[i], &st) || !st.tracer_pid)
			continue;
		if (tids[i] == t->pid)
			ret = ctx_set_error(t->ctx, -PTIMER_ERR_TRACED, "pid %d is already traced"
					    " by pid %d", t->pid, st.tracer_pid);
		else
			ret = ctx_set_error(t->ctx, -PTIMER_ERR_TRACED, "thread %d of pid %d is"
					    " already traced by pid %d", tids[i], t->pid,
					    st.tracer_pid);
		break;
	}
	free(tids);
	return ret;
}

static int check_status(struct target *t)
{
	const struct procfs_status *st = &t->status;

	if (st->kernel_thread)
		return ctx_set_error(t->ctx, -PTIMER_ERR_KERNEL_THREAD, "pid %d is a kernel thread",
				     t->pid);
	if ((st->state == 'Z' || st->state == 'X') && !target_live_tid(t))
		return ctx_set_error(t->ctx, -PTIMER_ERR_ZOMBIE, "pid %d is a zombie", t->pid);
	if (st->tgid != t->pid)
		return ctx_set_error(t->ctx, -PTIMER_ERR_NOT_LEADER,
				     "pid %d is a thread of process %d; name the process",
				     t->pid, st->tgid);
	return check_tracers(t);
}

static void close_proc(struct target *t)
{
	if (t->loadavgfd >= 0)
		close(t->loadavgfd);
	t->loadavgfd = -1;
	if (t->fdinfofd >= 0)
		close(t->fdinfofd);
	t->fdinfofd = -1;
	if (t->mapsfd >= 0)
		close(t->mapsfd);
	t->mapsfd = -1;
	if (t->taskfd >= 0)
		close(t->taskfd);
	if (t->statfd >= 0)
		close(t->statfd);
	if (t->dirfd >= 0)
		close(t->dirfd);
	t->taskfd = -1;
	t->statfd = -1;
	t->dirfd = -1;
}

void target_wait_at_least(struct target *t, int64_t ns)
{
	if (t->timeout_ns < ns)
		t->timeout_ns = ns;
}

int target_open(struct ptimer_ctx *ctx, pid_t pid, struct target *t)
{
	int ret;

	memset(t, 0, sizeof(*t));
	t->ctx = ctx;
	t->pid = pid;
	t->timeout_ns = ctx_timeout_ns(ctx);
	t->dirfd = -1;
	t->statfd = -1;
	t->taskfd = -1;
	t->fdinfofd = -1;
	t->mapsfd = -1;
	t->loadavgfd = -1;
	ret = procfs_open(pid, &t->dirfd);
	if (!ret)
		ret = procfs_keep(t->dirfd, "stat", &t->statfd);
	if (!ret)
		ret = procfs_keep_dir(t->dirfd, "task", &t->taskfd);
	if (ret) {
		ctx_set_error(ctx, ret, "cannot open /proc/%d", pid);
		goto close_dir;
	}
	ret = procfs_read_status(t->dirfd, &t->status);
	if (ret) {
		ctx_set_error(ctx, ret, "cannot read /proc/%d/status", pid);
		goto close_dir;
	}
	ret = check_status(t);
	if (ret)
		goto close_dir;
	if (faccessat(t->dirfd, "timers", F_OK, 0)) {
		ret = -errno;
		/* Missing for a live process: the kernel lacks CONFIG_CHECKPOINT_RESTORE. */
		if (ret == -ENOENT)
			ret = procfs_thread_exiting(t->dirfd, pid) ? -ESRCH : -EOPNOTSUPP;
		ctx_set_error(ctx, ret, "cannot access /proc/%d/timers", pid);
		goto close_dir;
	}
	ret = exe_matches(t);
	if (ret == -PTIMER_ERR_COMPAT) {
		ctx_set_error(ctx, ret, "pid %d is not a 64-bit %s process", pid, PTIMER_ARCH);
		goto close_dir;
	}
	/* Only a kernel thread, ruled out above, or a process on its way out has no exe. */
	if (ret == -ENOENT)
		ret = ctx_set_error(ctx, -ESRCH, "pid %d is exiting", pid);
	else if (ret)
		ctx_set_error(ctx, ret, "cannot read the executable of pid %d", pid);
	if (ret)
		goto close_dir;
	return 0;

close_dir:
	close_proc(t);
	return ret;
}

/*
 * Name the thread that would not stop, what it waited in when we gave up
 * on it (the release may have let it go since), and whether it stopped
 * later.
 */
static int stuck_error(struct target *t, int ret)
{
	const struct seized_process *sp = &t->sp;
	const char *later = sp->unstoppable_let_go ? "; it stopped later, and was let go as the"
						     " others were" : "";
	pid_t tid = sp->unstoppable;

	if (!tid)
		return ctx_set_error(t->ctx, ret, "cannot seize pid %d", t->pid);
	if (ret == -EINTR)
		return ctx_set_error(t->ctx, ret, "pid %d was left as it was; its thread %d"
				     " had not stopped (it waits in %s, syscall %ld)%s", t->pid, tid,
				     sp->unstoppable_wchan, sp->unstoppable_nr, later);
	return ctx_set_error(t->ctx, ret, "thread %d of pid %d did not stop within %u ms"
			     " (it waits in %s, syscall %ld)%s", tid, t->pid,
			     (unsigned int)(sp->timeout_ns / 1000000), sp->unstoppable_wchan,
			     sp->unstoppable_nr, later);
}

enum target_seccomp target_seccomp_from_flags(unsigned int flags)
{
	if (flags & PTIMER_DUMP_SUSPEND_SECCOMP)
		return TARGET_SECCOMP_SUSPEND;
	if (flags & PTIMER_DUMP_KEEP_SECCOMP)
		return TARGET_SECCOMP_KEEP;
	return TARGET_SECCOMP_REFUSE;
}

static void pin_to_thread(struct target *t, pid_t tid);
static void unpin(struct target *t);

/*
 * The breakpoint that ends our code raises a SIGTRAP, and the kernel
 * delivers a forced signal that the process ignores by setting its action
 * to SIG_DFL (force_sig_info_to_task()): a process that ignores SIGTRAP
 * would be left killable by the next one.  So it is refused, before the
 * seize from the status read at open, and again once it is stopped.
 */
static int refuse_ignored_trap(struct target *t, bool ignored)
{
	if (!ignored)
		return 0;
	return ctx_set_error(t->ctx, -EOPNOTSUPP, "pid %d ignores SIGTRAP, which the breakpoint"
			     " ending injected code would reset to the default action; left as"
			     " it was", t->pid);
}

bool target_calls_unjudged(const struct target *t, enum target_seccomp seccomp)
{
	return t->status.seccomp == 0 ||
	       (t->status.seccomp > 0 && seccomp == TARGET_SECCOMP_SUSPEND);
}

/*
 * Whether resumed threads are woken on our CPU (wake_here.h): by default
 * only while nothing else runs, ptimerctl being the one task running at
 * the look before the stop (target_sharers_before_stop()), and it pinned.
 */
static bool wake_here_wanted(const struct target *t)
{
	switch (t->ctx->wake) {
	case PTIMER_WAKE_HERE:
		return true;
	case PTIMER_WAKE_PLAIN:
		return false;
	default:
		return t->pinned && t->running == 1;
	}
}

int target_attach(struct target *t, enum target_seccomp seccomp, bool interruptible)
{
	/* A system call stop tells itself from a SIGTRAP (seize_wait_syscall_entry()). */
	unsigned long options = PTRACE_O_TRACESYSGOOD;
	int ret;

	ret = refuse_ignored_trap(t, t->status.sig_ign & ksig_bit(SIGTRAP));
	if (ret)
		return ret;

	if (t->status.seccomp > 0) {
		switch (seccomp) {
		case TARGET_SECCOMP_SUSPEND:
			options |= PTRACE_O_SUSPEND_SECCOMP;
			break;
		case TARGET_SECCOMP_KEEP:
			warn(t->ctx, "pid %d runs under seccomp (mode %d): its filter judges"
			     " the injected system calls too, and may kill the process",
			     t->pid, t->status.seccomp);
			break;
		default:
			/*
			 * A filter may answer an unexpected call by killing the
			 * whole process (SECCOMP_RET_KILL_PROCESS, as systemd's
			 * SystemCallFilter= does): never risk that unasked.
			 */
			return ctx_set_error(t->ctx, -PTIMER_ERR_SECCOMP, "pid %d runs under a"
					     " seccomp filter that may kill it for the injected"
					     " system calls, and suspending the filter needs"
					     " CAP_SYS_ADMIN", t->pid);
		}
	}
	/* After the cheap refusals: it compares every process with the target. */
	ret = target_sharers_before_stop(t);
	if (ret)
		return ret;
	/*
	 * Injection goes through the leader if it can: follow it to its CPU
	 * now, while it runs, rather than with it stopped.
	 */
	pin_to_thread(t, t->pid);
	/*
	 * Where injected code may be written is asked of the maps once
	 * stopped (inject.c); opened now, with a stamp of the memory they
	 * read (target_inject_begin()).  Without them, inject.c opens a
	 * thread's own then.
	 */
	if (!procfs_reread_stat(t->statfd, &t->maps_stat) && t->maps_stat.mm_known)
		procfs_keep(t->dirfd, "maps", &t->mapsfd);
	ret = seize_process(t->ctx, t->dirfd, t->statfd, t->taskfd, t->pid, options,
			    interruptible, t->timeout_ns, wake_here_wanted(t), &t->sp);
	if (ret)
		unpin(t);
	if (ret == -EPERM && options)
		return ctx_set_error(t->ctx, ret, "cannot seize pid %d suspending its seccomp"
				     " filter (that needs CAP_SYS_ADMIN)", t->pid);
	if (ret == -ETIMEDOUT || (ret == -EINTR && t->sp.unstoppable))
		return stuck_error(t, ret);
	if (ret == -EINTR)
		return ctx_set_error(t->ctx, ret, "pid %d was left as it was", t->pid);
	if (ret == -PTIMER_ERR_TRACED)
		return ret;	/* the detail names the tracer */
	if (ret)
		return ctx_set_error(t->ctx, ret, "cannot seize pid %d", t->pid);
	t->seized = true;
	ctx_phase(t->ctx, PTIMER_PHASE_ATTACHED);
	return 0;
}

/*
 * Every injected round trip wakes the target and waits for its trap; with
 * both on one CPU that is a cheap switch, across CPUs an IPI each way
 * (about 70 us here instead of 5).  So follow the target to its CPU.
 */
static void pin_to_thread(struct target *t, pid_t tid)
{
	cpu_set_t one;
	int cpu;

	if (procfs_thread_cpu(t->dirfd, tid, &cpu) || sched_getaffinity(0, sizeof(t->saved_affinity), &t->saved_affinity))
		return;
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	if (sched_setaffinity(0, sizeof(one), &one) == 0) {
		t->pinned = true;
		t->pinned_tid = tid;
	}
}

static void unpin(struct target *t)
{
	if (t->pinned)
		sched_setaffinity(0, sizeof(t->saved_affinity), &t->saved_affinity);
	t->pinned = false;
}

bool target_alive(struct target *t)
{
	struct procfs_status st;
	int ret = procfs_read_status(t->dirfd, &st);

	/* Only the process's absence says it died: out of descriptors (EMFILE), we cannot tell. */
	if (ret)
		return ret != -ESRCH && ret != -ENOENT;
	/* A leader that exited while others live on: the process lives. */
	if (st.state == 'Z' || st.state == 'X')
		return live_follower(t) != 0;
	/* Killed, or on its way out, but not reaped yet. */
	if (procfs_thread_exiting(t->dirfd, t->pid))
		return false;
	/* A killed process is not a zombie yet while we hold its threads. */
	for (size_t i = 0; t->seized && i < t->sp.nthreads; i++)
		if (t->sp.threads[i].dead)
			return false;
	return true;
}

/*
 * Whether the seccomp policy, judged from the leader's status, covers the
 * calls injected through thread @tid: a thread may have a filter of its
 * own (installed without TSYNC) where the leader has none, and it would
 * judge our calls, even kill the whole process for them.  Suspended for
 * every thread, or a risk the caller took, it is covered.  One /proc read
 * for a thread other than the leader, only when the leader cannot serve.
 */
static bool policy_covers(struct target *t, pid_t tid)
{
	struct procfs_status st;

	if (tid == t->pid || t->sp.ptrace_options & PTRACE_O_SUSPEND_SECCOMP ||
	    t->status.seccomp > 0)
		return true;
	/* -1: no Seccomp line, a kernel without seccomp. */
	return !procfs_thread_status(t->dirfd, tid, &st) && st.seccomp <= 0;
}

int target_inject_begin(struct target *t, size_t data_len, bool one_syscall_per_trip)
{
	bool passed_over = false, tried = false;
	struct procfs_stat st;
	int ret;

	/* It may have changed its mind since target_attach() looked. */
	ret = procfs_reread_stat(t->statfd, &st);
	if (ret)
		return ctx_set_error(t->ctx, ret, "cannot read /proc/%d/stat", t->pid);
	ret = refuse_ignored_trap(t, st.sig_ign & ksig_bit(SIGTRAP));
	if (!ret)
		ret = target_sharers_once_stopped(t);
	if (ret)
		return ret;
	/*
	 * The maps opened before the stop read the memory the process had
	 * then: after an exec they could read another process's (a vfork
	 * child's parent's), and lead our code into memory shared there.
	 */
	procfs_maps_end(&t->sp.maps);
	t->sp.maps.fd = -1;
	if (t->mapsfd >= 0 && st.mm_known && !memcmp(st.mm, t->maps_stat.mm, sizeof(st.mm)))
		t->sp.maps.fd = t->mapsfd;
	else if (t->mapsfd >= 0)
		dbg(t->ctx, "pid %d has new memory since its maps were opened", t->pid);

	/* Inject through the first thread that can take it, the leader if alive. */
	ret = -ESRCH;
	for (size_t i = 0; i < t->sp.nthreads && ret; i++) {
		pid_t tid = t->sp.threads[i].tid;

		if (!policy_covers(t, tid)) {
			dbg(t->ctx, "tid %d: a seccomp filter of its own; passed over", tid);
			passed_over = true;
			continue;
		}
		if (!t->pinned || t->pinned_tid != tid) {
			unpin(t);
			pin_to_thread(t, tid);
		}
		tried = true;
		ret = inject_begin(&t->in, &t->sp, tid, data_len);
		if (ret == -PTIMER_ERR_COMPAT)
			break;
	}
	if (ret) {
		if (ret == -PTIMER_ERR_COMPAT)
			ctx_set_error(t->ctx, ret, "pid %d runs 32-bit code", t->pid);
		else if (passed_over && (!tried || ret == -ESRCH))
			ret = ctx_set_error(t->ctx, -PTIMER_ERR_SECCOMP, "no thread of pid %d could"
					    " take injected calls but threads under a seccomp"
					    " filter of their own, which may kill it for them",
					    t->pid);
		else if (t->in.restart_in_shared)
			ctx_set_error(t->ctx, ret, "the threads of pid %d that could take injected"
				      " calls wait to restart a system call made from memory"
				      " ptimerctl may not write (shared with other processes, or"
				      " not code)", t->pid);
		else if (ret == -EOPNOTSUPP)
			ctx_set_error(t->ctx, ret, "the threads of pid %d dispatch their system"
				      " calls to a SIGSYS handler (PR_SET_SYSCALL_USER_DISPATCH)"
				      " with no selector that could let ours through", t->pid);
		else
			ctx_set_error(t->ctx, ret, "cannot inject into pid %d", t->pid);
		return ret;
	}
	t->in.no_batch = one_syscall_per_trip;
	t->injecting = true;
	ctx_phase(t->ctx, PTIMER_PHASE_INJECTING);
	return 0;
}

void target_close_later(struct target *t, int fd)
{
	if (t->seized)
		seize_close_later(&t->sp, fd);
	else if (fd >= 0)
		close(fd);
}

int target_detach(struct target *t)
{
	int ret = 0, rc;

	if (t->injecting) {
		ret = inject_end(&t->in);
		t->injecting = false;
	}
	if (t->seized) {
		rc = seize_release(&t->sp);
		if (rc && !ret)
			ret = rc;
		t->seized = false;
		ctx_phase(t->ctx, PTIMER_PHASE_RELEASED);
	}
	/* A system call of ours: not while the target waits for us. */
	unpin(t);
	wake_here_say(&t->sp.wake);
	return ret;
}

int target_died_or(struct target *t, int ret, const char *op)
{
	if (ret && t->seized && (ret == -ESRCH || !target_alive(t)))
		return ctx_set_error(t->ctx, -PTIMER_ERR_TARGET_DIED, "pid %d exited during the %s",
				     t->pid, op);
	return ret;
}

int target_finish(struct target *t, int ret, const char *op, struct target_stats *stats)
{
	int rc = target_detach(t);

	if (stats) {
		stats->stopped_ns = t->sp.released_at_ns - t->sp.seized_at_ns;
		stats->injected_syscalls = t->in.syscalls;
		stats->round_trips = t->in.round_trips;
	}
	if (!rc || ret)
		return ret;
	/*
	 * Undoing or detaching fails on a process that was killed meanwhile:
	 * PTRACE_DETACH answers ESRCH for a tracee that SIGKILL woke.
	 */
	if (rc == -ESRCH || !target_alive(t))
		return ctx_set_error(t->ctx, -PTIMER_ERR_TARGET_DIED, "pid %d exited during the %s",
				     t->pid, op);
	return ctx_set_error(t->ctx, rc, "cannot detach from pid %d", t->pid);
}

void target_close(struct target *t)
{
	target_detach(t);
	close_proc(t);
}

/*
 * Tick-based CPU accounting leaves a CPU interval timer's expiry to task
 * work that the thread the tick hit runs on its way back to user mode;
 * a tick that lands while a thread stops for us (after get_signal() ran
 * the pending work) leaves it pending for as long as we hold the thread,
 * and getitimer() reads the due timer as disarmed.  One injected getpid()
 * takes the thread back through that return, which runs the work: the
 * timer fires and reloads as it would the moment we let go.  Its signal
 * waits in the process's queue: the nudged thread runs with every signal
 * blocked (but those a fault raises, ksig_forced(), which no interval
 * timer sends, and which go back if they come: inject.c), and the kernel
 * wakes no stopped or traced thread
 * for it.
 *
 * A nudge is a tie-breaker, not the job: a thread that cannot take one
 * (its own seccomp filter, which the policy did not cover; no room for
 * our code) is passed over, and the timer reads as it did.  Only a thread
 * that could not be put back as it was fails the dump.
 */
int target_nudge_others(struct target *t)
{
	struct injector *in;
	int ret = 0;

	in = malloc(sizeof(*in));
	if (!in)
		return -ENOMEM;
	for (size_t i = 0; i < t->sp.nthreads && !ret; i++) {
		pid_t tid = t->sp.threads[i].tid;
		long r;
		int rc;

		if (t->sp.threads[i].dead || tid == t->in.tid)
			continue;
		if (!policy_covers(t, tid)) {
			dbg(t->ctx, "tid %d: its own seccomp filter; not nudged", tid);
			continue;
		}
		/* inject_begin() undoes what it did when it fails. */
		rc = inject_begin(in, &t->sp, tid, 0);
		if (rc) {
			dbg(t->ctx, "tid %d: not nudged: %s", tid, strerror(-rc));
			continue;
		}
		rc = inject_syscall(in, ARCH_NR_GETPID, &r, 0, 0, 0, 0, 0, 0);
		if (rc)
			dbg(t->ctx, "tid %d: nudge failed: %s", tid, strerror(-rc));
		ret = inject_end(in);
	}
	free(in);
	/*
	 * A held thread dies only with its whole process, which the caller
	 * finds (target_died_or()).
	 */
	if (ret && ret != -ESRCH)
		return ctx_set_error(t->ctx, ret, "cannot put back a thread of pid %d after"
				     " running its CPU timer work", t->pid);
	return ret;
}

int target_check_interrupt(struct target *t)
{
	if (!ctx_interrupted(t->ctx))
		return 0;
	return ctx_set_error(t->ctx, -EINTR, "pid %d was left as it was", t->pid);
}

/* @first (unless 0), then the held threads that are alive. */
static int list_held(struct target *t, pid_t first, pid_t **tids, size_t *n)
{
	pid_t *all;
	size_t k = 0;

	all = calloc(t->sp.nthreads + 1, sizeof(*all));
	if (!all)
		return -ENOMEM;
	if (first)
		all[k++] = first;
	for (size_t i = 0; i < t->sp.nthreads; i++)
		if (!t->sp.threads[i].dead && t->sp.threads[i].tid != first)
			all[k++] = t->sp.threads[i].tid;
	*tids = all;
	*n = k;
	return 0;
}

int target_threads(struct target *t, pid_t **tids, size_t *n)
{
	return list_held(t, 0, tids, n);
}

int target_threads_by_position(struct target *t, pid_t **tids, size_t *n)
{
	return list_held(t, t->pid, tids, n);
}

bool target_leader_exited(struct target *t)
{
	if (t->seized)
		return !target_has_live_thread(t, t->pid);
	return target_live_tid(t) != t->pid;
}

bool target_is_exited_leader(struct target *t, pid_t tid)
{
	return tid == t->pid && target_leader_exited(t);
}

bool target_has_thread(struct target *t, pid_t tid)
{
	return seize_find(&t->sp, tid) != NULL;
}

bool target_has_live_thread(struct target *t, pid_t tid)
{
	const struct seized_thread *th = seize_find(&t->sp, tid);

	return th && !th->dead;
}

/*
 * Read for each timer and queued signal aimed at a thread, while the
 * target is stopped, where each read opens task/TID/status: tens of
 * thousands of glibc SIGEV_THREAD timers all name its one helper thread.
 * A target in the pid namespace of our /proc (one NSpid level) names its
 * threads as we do; else the last answer serves a run of the same tid.
 */
int target_ns_tid(struct target *t, pid_t tid, pid_t *ns_tid)
{
	pid_t self;
	int ret;

	if (!t->ns_levels) {
		ret = procfs_nspid(t->dirfd, t->pid, &self, &t->ns_levels);
		if (ret)
			return ret;
	}
	if (t->ns_levels == 1) {
		*ns_tid = tid;
		return 0;
	}
	if (tid && tid == t->ns_last_tid) {
		*ns_tid = t->ns_last;
		return 0;
	}
	ret = procfs_ns_tid(t->dirfd, tid, ns_tid);
	if (ret)
		return ret;
	t->ns_last_tid = tid;
	t->ns_last = *ns_tid;
	return 0;
}

pid_t target_inject_tid(const struct target *t)
{
	return t->in.tid;
}

uint64_t target_scratch(const struct target *t)
{
	return t->in.data;
}

int target_syscall(struct target *t, long nr, long *ret, uint64_t a0, uint64_t a1,
		   uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	return inject_syscall(&t->in, nr, ret, a0, a1, a2, a3, a4, a5);
}

int target_batch(struct target *t, struct blob_batch *batch, uint64_t remote)
{
	return inject_batch(&t->in, batch, remote);
}

/*
 * The longest a run through may be given: a run stopped before its
 * first call ran (one a seccomp supervisor starved of CPU had not taken
 * up yet restarts from the start) is followed by another with twice the
 * time, up to this, rather than given up: what must be done or undone
 * whole would be left half-done.
 */
#define THROUGH_TIMEOUT_MAX_NS	(16 * NSEC_PER_SEC)

/*
 * Twice the time for the next run, unless at the most already.  The
 * operation's own wait length (t->sp), which target_batch_through() puts
 * back once through: the caller's context is never changed.
 */
static bool through_longer(struct target *t)
{
	int64_t now_ns = t->sp.timeout_ns;

	if (now_ns >= THROUGH_TIMEOUT_MAX_NS)
		return false;
	now_ns *= 2;
	t->sp.timeout_ns = now_ns < THROUGH_TIMEOUT_MAX_NS ? now_ns : THROUGH_TIMEOUT_MAX_NS;
	return true;
}

int target_batch_through(struct target *t, struct blob_batch *b, uint64_t remote)
{
	const uint64_t count = b->count;
	const int64_t timeout_ns = t->sp.timeout_ns;
	struct blob_batch *rest;
	uint64_t from = 0;
	int ret;

	ret = target_batch(t, b, remote);
	if (!ret)
		return 0;
	rest = calloc(1, sizeof(*rest) + count * sizeof(rest->calls[0]));
	if (!rest)
		return ret;
	rest->flags = b->flags;
	while (ret && (b->done > from || (ret == -ETIMEDOUT && through_longer(t)))) {
		from = b->done;
		rest->count = count - from;
		memcpy(rest->calls, b->calls + from, rest->count * sizeof(rest->calls[0]));
		ret = target_batch(t, rest, remote);
		memcpy(b->calls + from, rest->calls, rest->count * sizeof(rest->calls[0]));
		b->done = from + rest->done;
	}
	t->sp.timeout_ns = timeout_ns;
	free(rest);
	return ret;
}

int target_walk(struct target *t, struct blob_walk *walk, uint64_t remote)
{
	return inject_walk(&t->in, walk, remote);
}

int target_write(struct target *t, uint64_t addr, const void *buf, size_t len)
{
	return inject_write(&t->in, addr, buf, len);
}

int target_read(struct target *t, uint64_t addr, void *buf, size_t len)
{
	return inject_read(&t->in, addr, buf, len);
}

void target_call_get_restore_ids(struct blob_call *c)
{
	memset(c, 0, sizeof(*c));
	c->nr = ARCH_NR_PRCTL;
	c->args[0] = PTIMER_PR_TIMER_CREATE_RESTORE_IDS;
	c->args[1] = PTIMER_PR_RESTORE_IDS_GET;
}

int target_get_restore_ids(struct target *t, int *state)
{
	long r;
	int ret;

	ret = target_syscall(t, ARCH_NR_PRCTL, &r, PTIMER_PR_TIMER_CREATE_RESTORE_IDS,
			     PTIMER_PR_RESTORE_IDS_GET, 0, 0, 0, 0);
	if (ret)
		return ret;
	if (r < 0)
		return (int)r;
	*state = (int)r;
	return 0;
}
