// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * libptimer inside a host program that minds its own children, as
 * libptimer(3) promises: the library waits only for the threads it
 * seized, by tid (waitpid(tid, __WALL | WNOHANG)), never with
 * waitpid(-1), and leaves SIGCHLD's disposition and the signal mask as it
 * found them.  This test process is that host: it installs a SIGCHLD
 * handler without SA_RESTART, keeps children of its own, lets one of them
 * exit while the library holds the victim stopped (at the "attached"
 * phase), and after each ptimer_dump_pid() reaps with its own
 * waitpid(-1) loop.  Each of its children must come back to it, once,
 * with its own exit status, and nothing else (no stop of the victim).
 * Half the dumps run one ptrace round trip per injected syscall, so that
 * the library waits for its tracee many times while our zombie is there.
 * Its scheduling policy and nice value too are left as they were, though
 * the library changes the policy for each request that wakes a thread.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include "harness.h"
#include "ptimer.h"
#include "ptimer-private.h"

#define NKIDS 8

static void fini(void)
{
	harness_kill_all();
}

TestSuite(host, .fini = fini, .timeout = 120);

static volatile sig_atomic_t sigchld_seen;

static void on_sigchld(int sig)
{
	(void)sig;
	sigchld_seen++;
}

struct host {
	pid_t kids[NKIDS];
	int release[NKIDS];	/* closing it lets kids[i] exit */
	int next;		/* the next kid to let go */
	bool zombie[NKIDS];	/* kids[i] had exited while the victim was held */
	pid_t victim;
	bool victim_stopped;	/* the victim was seen traced-stopped then */
};

/*
 * A child of our own that exits with 10 + @i once its pipe closes.  It
 * closes the release ends of its elder siblings, which it inherited.
 */
static pid_t spawn_kid(struct host *h, int i)
{
	int p[2];
	pid_t pid;
	char c;

	cr_assert_eq(pipe(p), 0);
	pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		close(p[1]);
		for (int j = 0; j < i; j++)
			close(h->release[j]);
		while (read(p[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(10 + i);
	}
	close(p[0]);
	h->release[i] = p[1];
	return pid;
}

/*
 * At the attached phase the library holds every thread of the victim and
 * is about to wait for its injected code: one of our children exits now
 * and is a zombie, waitable, for the rest of the operation.
 */
static void on_phase(struct ptimer_ctx *ctx, enum ptimer_phase phase)
{
	struct host *h = ptimer_get_userdata(ctx);
	int i = h->next;

	if (phase != PTIMER_PHASE_ATTACHED || i >= NKIDS)
		return;
	h->victim_stopped = proc_state(h->victim) == 't';
	close(h->release[i]);
	h->zombie[i] = proc_wait_state(h->kids[i], "Z", 10000);
	h->next++;
}

static bool same_sigaction(const struct sigaction *a, const struct sigaction *b)
{
	return a->sa_handler == b->sa_handler && a->sa_flags == b->sa_flags;
}

Test(host, own_children_and_sigchld_are_left_alone)
{
	struct victim *v = victim_start("--timer", "clock=monotonic,notify=none,value_ms=60000",
					NULL);
	struct sigaction sa = { .sa_handler = on_sigchld }, before, after;
	sigset_t mask_before, mask_after;
	struct ptimer_ctx *ctx;
	struct host h = { 0 };

	cr_assert(v && v->ready, "%s", v ? v->error : "fork");
	h.victim = v->pid;
	/* No SA_RESTART: the library's own calls must survive an EINTR too. */
	sigemptyset(&sa.sa_mask);
	cr_assert_eq(sigaction(SIGCHLD, &sa, NULL), 0);
	cr_assert_eq(sigaction(SIGCHLD, NULL, &before), 0);
	cr_assert_eq(sigprocmask(SIG_SETMASK, NULL, &mask_before), 0);
	for (int i = 0; i < NKIDS; i++) {
		h.kids[i] = spawn_kid(&h, i);
		harness_track(h.kids[i]);
	}
	cr_assert_eq(ptimer_new(&ctx), 0);
	ptimer_set_userdata(ctx, &h);
	ptimer_set_phase_fn(ctx, on_phase);

	for (int i = 0; i < NKIDS; i++) {
		struct ptimer_dump *d = NULL;
		sig_atomic_t seen = sigchld_seen;
		int ret, status, reaped = 0;
		pid_t w;

		ptimer_private_set_one_syscall_per_trip(ctx, i % 2);
		ret = ptimer_dump_pid(ctx, v->pid, 0, &d, NULL);
		cr_assert_eq(ret, 0, "dump %d: %s: %s", i, ptimer_strerror(ret),
			     ptimer_last_error(ctx));
		cr_expect_eq(d->ntimers, 1);
		ptimer_dump_free(d);
		cr_assert(h.victim_stopped, "dump %d: the victim was not stopped at the"
			  " attached phase", i);
		cr_assert(h.zombie[i], "dump %d: our child %d did not exit", i, h.kids[i]);
		cr_expect(sigchld_seen > seen, "dump %d: our SIGCHLD handler never ran", i);

		/* The host's own loop: every child of ours, and only ours, once. */
		while ((w = waitpid(-1, &status, WNOHANG | WUNTRACED)) > 0) {
			cr_assert_eq(w, h.kids[i], "dump %d: waitpid(-1) returned pid %d (the"
				     " victim is %d), expected our child %d", i, w, v->pid,
				     h.kids[i]);
			cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 10 + i,
				  "dump %d: child %d status %#x", i, w, status);
			harness_untrack(w);
			reaped++;
		}
		cr_assert_eq(reaped, 1, "dump %d: our child %d was reaped by someone else",
			     i, h.kids[i]);
	}
	cr_assert_eq(sigaction(SIGCHLD, NULL, &after), 0);
	cr_expect(same_sigaction(&before, &after), "the library changed SIGCHLD's disposition");
	cr_assert_eq(sigprocmask(SIG_SETMASK, NULL, &mask_after), 0);
	cr_expect(!sigismember(&mask_after, SIGCHLD), "the library left SIGCHLD blocked");
	for (int s = 1; s < NSIG; s++)
		cr_expect_eq(sigismember(&mask_before, s), sigismember(&mask_after, s),
			     "the library changed the signal mask (signal %d)", s);
	ptimer_free(ctx);
	victim_kill(v);
}

/* ---- a target killed during a dump ---- */

/* SIGKILL the target as our code is about to run in it. */
static void kill_when_injecting(struct ptimer_ctx *ctx, enum ptimer_phase phase)
{
	const pid_t *pid = ptimer_get_userdata(ctx);

	if (phase == PTIMER_PHASE_INJECTING)
		kill(*pid, SIGKILL);
}

/* A dump of @pid, killed as it injects: the library says it died. */
static void dump_killed(pid_t pid)
{
	struct ptimer_dump *d = NULL;
	struct ptimer_ctx *ctx;
	int ret;

	cr_assert_eq(ptimer_new(&ctx), 0);
	ptimer_set_userdata(ctx, &pid);
	ptimer_set_phase_fn(ctx, kill_when_injecting);
	ret = ptimer_dump_pid(ctx, pid, 0, &d, NULL);
	cr_assert_eq(ret, -PTIMER_ERR_TARGET_DIED, "the dump of a target killed as it injected:"
		     " %s: %s", ptimer_strerror(ret), ptimer_last_error(ctx));
	ptimer_free(ctx);
}

/* A victim with three threads besides its main and control threads. */
static struct victim *threaded_victim(void)
{
	return victim_start("--threads", "3", "--timer",
			    "clock=monotonic,notify=none,value_ms=60000", NULL);
}

/*
 * The threads of a target that dies under the library are its tracees
 * until it waits for them, and so is their zombie; the leader's exit is
 * reported only once they are gone.  A host that is the target's parent
 * must be able to reap it after ptimer_dump_pid() returns, with its own
 * exit status: the library waits for the other threads, and leaves the
 * leader, whose wait would take that status, to the host.
 */
Test(host, its_child_killed_during_a_dump_is_its_to_reap)
{
	struct victim *v = threaded_victim();
	int64_t deadline = harness_deadline(3000);
	int status = 0;
	pid_t w;

	cr_assert(v && v->ready, "%s", v ? v->error : "fork");
	dump_killed(v->pid);
	while ((w = waitpid(v->pid, &status, WNOHANG)) == 0 &&
	       clock_ns(CLOCK_MONOTONIC) < deadline)
		sleep_ms(5);
	cr_assert_eq(w, v->pid, "the killed victim could not be reaped by its parent: %s",
		     w ? strerror(errno) : "its threads are still the library's zombies");
	cr_expect(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "status %#x", status);
	harness_untrack(v->pid);
	v->pid = -1;
	victim_kill(v);
}

/*
 * The same for a target that is not the host's child: its parent, a
 * process of its own, reaps it and says how it ended, or waits for ever
 * while the library keeps the threads' zombies (and the leader's, which
 * only its tracer sees).
 */
Test(host, a_target_killed_during_a_dump_goes_back_to_its_parent)
{
	int to_test[2];
	pid_t parent, vpid = 0;
	int status = 0;
	struct pollfd pfd;

	cr_assert_eq(pipe(to_test), 0);
	parent = fork();
	cr_assert_geq(parent, 0);
	if (parent == 0) {
		struct victim *v;

		harness_die_with_parent(getppid());
		close(to_test[0]);
		v = threaded_victim();
		vpid = v && v->ready ? v->pid : 0;
		if (write(to_test[1], &vpid, sizeof(vpid)) != sizeof(vpid) || !vpid)
			_exit(1);
		if (waitpid(vpid, &status, 0) != vpid)
			status = -1;
		_exit(write(to_test[1], &status, sizeof(status)) == sizeof(status) ? 0 : 1);
	}
	harness_track(parent);
	close(to_test[1]);
	cr_assert_eq(read(to_test[0], &vpid, sizeof(vpid)), (ssize_t)sizeof(vpid));
	cr_assert_gt(vpid, 0, "the victim's parent could not start it");
	dump_killed(vpid);
	pfd = (struct pollfd){ .fd = to_test[0], .events = POLLIN };
	cr_assert_eq(poll(&pfd, 1, 3000 * harness_time_scale()), 1,
		     "the killed victim's parent could not reap it: the library keeps its"
		     " threads' zombies");
	cr_assert_eq(read(to_test[0], &status, sizeof(status)), (ssize_t)sizeof(status));
	cr_expect(status != -1 && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
		  "status %#x", status);
	close(to_test[0]);
}

/*
 * A host that ignores SIGCHLD has the kernel reap its children, but not
 * one whose leader a tracer still holds: for it, the library waits for
 * the leader too, and the killed victim is gone at once.
 */
Test(host, its_child_killed_during_a_dump_is_gone_if_it_ignores_sigchld)
{
	struct sigaction sa = { .sa_handler = SIG_IGN };
	int64_t deadline = harness_deadline(3000);
	struct victim *v;
	char path[64];

	sigemptyset(&sa.sa_mask);
	cr_assert_eq(sigaction(SIGCHLD, &sa, NULL), 0);
	v = threaded_victim();
	cr_assert(v && v->ready, "%s", v ? v->error : "fork");
	snprintf(path, sizeof(path), "/proc/%d", (int)v->pid);
	dump_killed(v->pid);
	while (access(path, F_OK) == 0 && clock_ns(CLOCK_MONOTONIC) < deadline)
		sleep_ms(5);
	cr_assert_neq(access(path, F_OK), 0, "the killed victim is still there (state %c):"
		      " the library holds its leader", proc_state(v->pid));
	harness_untrack(v->pid);
	v->pid = -1;
	victim_kill(v);
}

/*
 * The library wakes the threads it resumes on its own CPU, making each
 * request as SCHED_IDLE (lib/wake_here.h).  What it says of that, at
 * debug priority, is kept here: whether it did.
 */
static bool woken_here;

__attribute__((format(printf, 6, 0)))
static void note_wake_here(struct ptimer_ctx *ctx, int priority, const char *file, int line,
			   const char *fn, const char *format, va_list args)
{
	char text[512];

	(void)ctx, (void)priority, (void)file, (void)line, (void)fn;
	vsnprintf(text, sizeof(text), format, args);
	if (strstr(text, "woken on this CPU"))
		woken_here = true;
}

static struct ptimer_ctx *wake_ctx(enum ptimer_private_wake how)
{
	struct ptimer_ctx *ctx;

	cr_assert_eq(ptimer_new(&ctx), 0);
	ptimer_set_log_fn(ctx, note_wake_here);
	ptimer_set_log_priority(ctx, LOG_DEBUG);
	ptimer_private_set_wake(ctx, how);
	woken_here = false;
	return ctx;
}

static bool has_cap_sys_nice(void)
{
	struct __user_cap_header_struct head = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct caps[_LINUX_CAPABILITY_U32S_3];

	return !syscall(SYS_capget, &head, caps) &&
	       (caps[CAP_TO_INDEX(CAP_SYS_NICE)].effective & CAP_TO_MASK(CAP_SYS_NICE));
}

/* Dump @v, and restore the dump into it, replacing: many threads resumed. */
static void dump_and_replace(struct ptimer_ctx *ctx, struct victim *v)
{
	struct ptimer_restore_opts opts = { .size = sizeof(opts), .replace = true };
	struct ptimer_dump *d = NULL;
	int ret;

	ret = ptimer_dump_pid(ctx, v->pid, 0, &d, NULL);
	cr_assert_eq(ret, 0, "dump: %s: %s", ptimer_strerror(ret), ptimer_last_error(ctx));
	ret = ptimer_restore_pid(ctx, v->pid, d, &opts, NULL, NULL);
	cr_assert_eq(ret, 0, "restore: %s: %s", ptimer_strerror(ret), ptimer_last_error(ctx));
	ptimer_dump_free(d);
}

static struct victim *timer_victim(const char *busy)
{
	struct victim *v = victim_start("--timer", "clock=monotonic,notify=none,value_ms=60000",
					"--threads", "2", busy ? "--busy" : NULL, busy, NULL);

	cr_assert(v && v->ready, "%s", v ? v->error : "fork");
	return v;
}

/*
 * A host thread under SCHED_BATCH, reset on fork, at nice 5: each request
 * that wakes a thread is made as SCHED_IDLE, and the policy, its flag
 * and the nice value are back after every one.
 */
Test(host, its_scheduling_policy_and_nice_value_are_left_as_they_were)
{
	const struct sched_param zero = { 0 };
	struct victim *v = timer_victim(NULL);
	struct ptimer_ctx *ctx;

	if (!has_cap_sys_nice())
		cr_skip_test("without CAP_SYS_NICE nothing is woken so");
	cr_assert_eq(sched_setscheduler(0, SCHED_BATCH | SCHED_RESET_ON_FORK, &zero), 0);
	cr_assert_eq(setpriority(PRIO_PROCESS, 0, 5), 0);
	ctx = wake_ctx(PTIMER_WAKE_HERE);
	dump_and_replace(ctx, v);
	cr_expect(woken_here, "no thread was woken on this CPU");
	cr_expect_eq(sched_getscheduler(0), SCHED_BATCH | SCHED_RESET_ON_FORK,
		     "the policy is %#x", sched_getscheduler(0));
	errno = 0;
	cr_expect_eq(getpriority(PRIO_PROCESS, 0), 5);
	cr_expect_eq(errno, 0);
	ptimer_free(ctx);
	victim_kill(v);
}

/*
 * Without CAP_SYS_NICE, and with an RLIMIT_NICE of 0, the kernel would
 * not let a thread leave SCHED_IDLE for SCHED_OTHER again: the library
 * makes its requests as they are, and the host stays as it was.
 */
Test(host, a_host_that_could_not_leave_sched_idle_is_never_made_idle)
{
	struct __user_cap_header_struct head = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct caps[_LINUX_CAPABILITY_U32S_3];
	const struct rlimit none = { 0, 0 };
	struct victim *v = timer_victim(NULL);
	struct ptimer_ctx *ctx;

	cr_assert_eq(syscall(SYS_capget, &head, caps), 0);
	caps[CAP_TO_INDEX(CAP_SYS_NICE)].effective &= ~CAP_TO_MASK(CAP_SYS_NICE);
	caps[CAP_TO_INDEX(CAP_SYS_NICE)].permitted &= ~CAP_TO_MASK(CAP_SYS_NICE);
	cr_assert_eq(syscall(SYS_capset, &head, caps), 0);
	cr_assert_eq(setrlimit(RLIMIT_NICE, &none), 0);
	ctx = wake_ctx(PTIMER_WAKE_HERE);
	dump_and_replace(ctx, v);
	cr_expect(!woken_here, "threads were woken on this CPU, as SCHED_IDLE");
	cr_expect_eq(sched_getscheduler(0), SCHED_OTHER, "the policy is %#x",
		     sched_getscheduler(0));
	ptimer_free(ctx);
	victim_kill(v);
}

/*
 * By default, only while nothing else runs: a thread of the target spins,
 * and a SCHED_IDLE tracer would wait behind it on its CPU.
 */
Test(host, threads_are_not_woken_here_while_another_task_runs)
{
	struct victim *v = timer_victim("1");
	struct ptimer_ctx *ctx = wake_ctx(PTIMER_WAKE_AUTO);

	dump_and_replace(ctx, v);
	cr_expect(!woken_here, "threads were woken on this CPU, as SCHED_IDLE, beside a"
		  " spinning thread");
	cr_expect_eq(sched_getscheduler(0), SCHED_OTHER);
	ptimer_free(ctx);
	victim_kill(v);
}

/* What the child of the next test found, as its exit status. */
enum userns_result {
	USERNS_OK,
	USERNS_NO_NAMESPACE,	/* unshare() refused here: skipped */
	USERNS_SETUP,
	USERNS_DUMP,
	USERNS_WOKEN_HERE,
	USERNS_LEFT_IDLE,
};

/* A victim of this child's own, asleep once it has said it is ready. */
static pid_t start_own_victim(int *to_fd)
{
	int in[2], out[2];
	char line[64] = "";
	pid_t pid;

	if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		execl(helper_path("victim"), "victim", "--timer",
		      "clock=monotonic,notify=none,value_ms=60000", (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	if (pid < 0 || read(out[0], line, sizeof(line) - 1) <= 0 || strncmp(line, "READY", 5))
		pid = -1;
	close(out[0]);
	*to_fd = in[1];
	return pid;
}

/* Root of a user namespace of its own, RLIMIT_NICE 0: dumps its own victim. */
static enum userns_result userns_child(void)
{
	const struct rlimit none = { 0, 0 };
	struct ptimer_dump *d = NULL;
	struct ptimer_ctx *ctx;
	int fd, to_victim, ret;
	pid_t victim;

	if (unshare(CLONE_NEWUSER))
		return USERNS_NO_NAMESPACE;
	fd = open("/proc/self/uid_map", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "0 0 1\n", 6) != 6 || close(fd) || setrlimit(RLIMIT_NICE, &none))
		return USERNS_SETUP;
	victim = start_own_victim(&to_victim);
	if (victim < 0 || ptimer_new(&ctx))
		return USERNS_SETUP;
	ptimer_set_log_fn(ctx, note_wake_here);
	ptimer_set_log_priority(ctx, LOG_DEBUG);
	ptimer_private_set_wake(ctx, PTIMER_WAKE_HERE);
	woken_here = false;
	ret = ptimer_dump_pid(ctx, victim, 0, &d, NULL);
	ptimer_dump_free(d);
	ptimer_free(ctx);
	kill(victim, SIGKILL);
	waitpid(victim, NULL, 0);
	if (ret)
		return USERNS_DUMP;
	if (sched_getscheduler(0) != SCHED_OTHER)
		return USERNS_LEFT_IDLE;
	return woken_here ? USERNS_WOKEN_HERE : USERNS_OK;
}

/*
 * Root of a user namespace holds CAP_SYS_NICE there, which the kernel
 * does not count for leaving SCHED_IDLE (capable() asks the initial
 * namespace): with an RLIMIT_NICE of 0 it could not take its policy back,
 * and the library makes its requests as they are.  Trusting capget()
 * alone, it left such a host SCHED_IDLE.
 */
Test(host, a_root_of_its_own_user_namespace_is_never_made_idle)
{
	pid_t child = fork();
	int status;

	cr_assert_geq(child, 0);
	if (child == 0)
		_exit(userns_child());
	cr_assert_eq(waitpid(child, &status, 0), child);
	cr_assert(WIFEXITED(status), "the child ended with status %#x", status);
	if (WEXITSTATUS(status) == USERNS_NO_NAMESPACE)
		cr_skip_test("no user namespace can be made here");
	cr_expect_neq(WEXITSTATUS(status), USERNS_LEFT_IDLE, "the host was left SCHED_IDLE");
	cr_expect_eq(WEXITSTATUS(status), USERNS_OK, "the child found %d", WEXITSTATUS(status));
}
