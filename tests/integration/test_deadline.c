// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * Every wait on a target has a deadline (--timeout, ptimer_set_timeout()).
 * The target here (tests/helpers/stuck.c) has a thread blocked in vfork()
 * whose child sleeps: PTRACE_INTERRUPT cannot stop it until the child
 * exits.  ptimerctl must give up in time with exit 14 and a message that
 * names the thread, what it waits in and its system call, let every
 * other thread go (they keep running), leave nothing traced once it has
 * exited, and change no timer.  A signal while it waits ends the wait at
 * once (exit 12).
 */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cpu_lock.h"
#include "harness.h"
#include "kinds_util.h"
#include "ptimer.h"
#include "restore_util.h"
#include "tool_trace.h"
#include "helpers/sysnr.h"

#define STUCK_TIMERS	3	/* as given to stuck --timers */
#define VALUE_TOL_NS	(300 * RU_MS)

static void fini(void)
{
	harness_kill_all();
}

TestSuite(deadline, .fini = fini, .timeout = 80);

struct stuck {
	struct victim *v;
	pid_t stuck, early, late, control;
};

static void stuck_start(struct stuck *s, const char *vfork_ms)
{
	const char *argv[] = { NULL, "--vfork", "--vfork-ms", vfork_ms, "--timers", "3", NULL };
	char line[256];
	long long v;

	argv[0] = strdup(helper_path("stuck"));
	s->v = victim_spawn(argv, (uid_t)-1);
	free((char *)argv[0]);
	cr_assert(s->v && s->v->ready, "stuck: %s", s->v ? s->v->error : "fork");
	cr_assert_eq(victim_cmd(s->v, "info", line, sizeof(line)), 0);
	cr_assert(kv_ll(line, "stuck", &v) && v > 0, "%s", line);
	s->stuck = (pid_t)v;
}

/* The tids of the READY line were not kept by the harness: ask /proc. */
static void stuck_tids(struct stuck *s)
{
	pid_t t[8];
	int n = proc_tids(s->v->pid, t, 8);

	/* main, early, stuck, late, control: creation order is tid order here */
	cr_assert_eq(n, 5, "stuck has %d threads", n);
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && t[j - 1] > t[j]; j--) {
			pid_t x = t[j];

			t[j] = t[j - 1];
			t[j - 1] = x;
		}
	cr_assert_eq(t[2], s->stuck, "the stuck thread is not third: %d", (int)t[2]);
	s->early = t[1];
	s->late = t[3];
	s->control = t[4];
}

static void counters(struct stuck *s, unsigned long long *early, unsigned long long *late)
{
	char line[256];
	long long e, l;

	cr_assert_eq(victim_cmd(s->v, "counters", line, sizeof(line)), 0);
	cr_assert(kv_ll(line, "early", &e) && kv_ll(line, "late", &l), "%s", line);
	*early = (unsigned long long)e;
	*late = (unsigned long long)l;
}

struct stimer {
	int id;
	long long value_ns, interval_ns;
};

static int stuck_timers(struct stuck *s, struct stimer *t, int max)
{
	char **lines;
	int n = victim_cmd_list(s->v, "timers", &lines), k = 0;

	cr_assert_geq(n, 0);
	for (int i = 0; i < n && k < max; i++, k++) {
		long long id;

		cr_assert(kv_ll(lines[i], "id", &id) && kv_ll(lines[i], "value_ns", &t[k].value_ns) &&
			  kv_ll(lines[i], "interval_ns", &t[k].interval_ns), "%s", lines[i]);
		t[k].id = (int)id;
	}
	strv_free(lines);
	return k;
}

/* The same timers, each value less by the time between the two reads (or reloaded). */
static void assert_timers_kept(const struct stimer *a, int na, int64_t ta,
			       const struct stimer *b, int nb, int64_t tb)
{
	cr_assert_eq(na, nb, "%d timers, then %d", na, nb);
	for (int i = 0; i < na; i++) {
		long long want = a[i].value_ns - (tb - ta);

		cr_assert_eq(a[i].id, b[i].id);
		cr_assert_eq(a[i].interval_ns, b[i].interval_ns, "timer %d: interval", a[i].id);
		cr_assert_gt(b[i].value_ns, 0, "timer %d was disarmed", a[i].id);
		if (a[i].interval_ns)
			continue;	/* 600 s away: no reload, but be lenient anyway */
		cr_assert(llabs(b[i].value_ns - want) < VALUE_TOL_NS,
			  "timer %d: value %lld, then %lld after %lld ms", a[i].id,
			  a[i].value_ns, b[i].value_ns, (long long)((tb - ta) / RU_MS));
	}
}

/* No thread of @pid is traced or in a stop. */
static void assert_all_free(pid_t pid, const char *what)
{
	pid_t tids[16];
	int n = proc_tids(pid, tids, 16);

	cr_assert_geq(n, 0, "%s: /proc/%d/task: %s", what, (int)pid, strerror(-n));
	for (int k = 0; k < n; k++) {
		pid_t tid = tids[k];
		char st = proc_state(tid);

		cr_assert(st && st != 't' && st != 'T', "%s: thread %d is in state %c", what,
			  (int)tid, st ? st : '?');
		cr_assert_eq(proc_tracer_pid(tid), 0, "%s: thread %d is still traced by %ld",
			     what, (int)tid, proc_tracer_pid(tid));
	}
	cr_assert_eq(n, 5, "%s: %d threads", what, n);
}

/* Wait until @tid is traced by @tracer (ptimerctl waits for it to stop). */
static bool wait_held_by(pid_t tid, pid_t tracer, int timeout_ms)
{
	int64_t deadline = clock_ns(CLOCK_MONOTONIC) + (int64_t)timeout_ms * RU_MS;

	do {
		if (proc_tracer_pid(tid) == tracer)
			return true;
		usleep(200);
	} while (clock_ns(CLOCK_MONOTONIC) < deadline);
	return false;
}

/* Wait until both counters pass the given values; false on timeout. */
static bool counters_pass(struct stuck *s, unsigned long long e0, unsigned long long l0,
			  int timeout_ms)
{
	int64_t deadline = clock_ns(CLOCK_MONOTONIC) + (int64_t)timeout_ms * RU_MS;
	unsigned long long e, l;

	do {
		counters(s, &e, &l);
		if (e > e0 && l > l0)
			return true;
		usleep(1000);
	} while (clock_ns(CLOCK_MONOTONIC) < deadline);
	return false;
}

static void read_wchan(pid_t tid, char *buf, size_t size)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/wchan", (int)tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		/* a kernel without CONFIG_KALLSYMS (vm-check's): no wait to name */
		cr_log_info("no %s: the message's wait is not checked", path);
		buf[0] = '\0';
		return;
	}
	cr_assert_geq(fd, 0);
	n = read(fd, buf, size - 1);
	close(fd);
	cr_assert_gt(n, 0);
	buf[n] = '\0';
}

/* The message of a timed-out run: the thread, its wait and its system call. */
static void assert_stuck_message(const char *err, struct stuck *s, const char *wchan)
{
	char want[128];

	snprintf(want, sizeof(want), "thread %d of pid %d", (int)s->stuck, (int)s->v->pid);
	cr_assert(!strncmp(err, "ptimerctl: ", 11), "%s", err);
	cr_assert(strstr(err, want), "the message does not name \"%s\": %s", want, err);
	cr_assert(strstr(err, wchan), "the message does not name the wait %s: %s", wchan, err);
	snprintf(want, sizeof(want), "syscall %d", SYSNR_VFORK);
	cr_assert(strstr(err, want), "the message does not name \"%s\": %s", want, err);
	if (!strstr(err, "vfork"))
		cr_log_info("the message names the wait as %s and the call by number only"
			    " (no \"vfork\"): %s", wchan, err);
}

/*
 * `dump --timeout=1`: exit 14 in 1..4 s, the stuck thread named, every
 * other thread running on during the wait (those not yet seized) and
 * after it (all of them), nothing traced after exit, timers unchanged.
 */
Test(deadline, dump_gives_up_on_a_vfork_parent)
{
	struct stimer tb[STUCK_TIMERS], ta[STUCK_TIMERS];
	unsigned long long e0, l0, e1, l1, e2, l2;
	char pid[16], wchan[64];
	int64_t t0, t_before, t_after, elapsed;
	bool late_ran = false;
	struct stuck s;
	struct ru_bg b;
	int nb, na;

	stuck_start(&s, "30000");
	stuck_tids(&s);
	nb = stuck_timers(&s, tb, STUCK_TIMERS);
	t_before = clock_ns(CLOCK_MONOTONIC);
	cr_assert_eq(nb, STUCK_TIMERS);

	t0 = clock_ns(CLOCK_MONOTONIC);
	ru_bg_start(&b, "dump", "--timeout=1", ru_pidstr(pid, s.v->pid), NULL);
	cr_assert(wait_held_by(s.stuck, b.pid, 5000), "ptimerctl never seized the stuck thread");
	read_wchan(s.stuck, wchan, sizeof(wchan));
	/* The late thread and the control thread come after the stuck one: not seized. */
	counters(&s, &e1, &l1);
	while (proc_tracer_pid(s.stuck) == b.pid) {
		counters(&s, &e2, &l2);
		if (l2 > l1) {
			late_ran = true;
			break;
		}
		usleep(1000);
	}
	ru_bg_wait(&b, 15000);
	elapsed = clock_ns(CLOCK_MONOTONIC) - t0;
	cr_assert_not(b.res.timed_out, "ptimerctl hung");
	cr_assert_eq(b.res.exit_code, PX_TIMEOUT, "%s", run_describe(&b.res));
	cr_assert_eq(b.res.out_len, 0, "a timed-out dump wrote: %s", b.res.out);
	cr_assert(elapsed >= 1000 * RU_MS && elapsed < 4000 * RU_MS,
		  "exit 14 after %lld ms, want 1000..4000", (long long)(elapsed / RU_MS));
	assert_stuck_message(b.res.err, &s, wchan);
	cr_assert(late_ran, "the late thread did not run while ptimerctl waited");
	cr_log_info("dump --timeout=1: exit 14 after %lld ms: %s", (long long)(elapsed / RU_MS),
		    b.res.err);
	run_result_free(&b.res);

	assert_all_free(s.v->pid, "after exit 14");
	cr_assert_eq(proc_state(s.stuck), 'D', "the stuck thread left its vfork");
	counters(&s, &e0, &l0);
	cr_assert(counters_pass(&s, e0, l0, 5000), "a thread stopped counting after exit 14");
	na = stuck_timers(&s, ta, STUCK_TIMERS);
	t_after = clock_ns(CLOCK_MONOTONIC);
	assert_timers_kept(tb, nb, t_before, ta, na, t_after);
	victim_kill(s.v);
}

/* Every subcommand that attaches honours --timeout. */
Test(deadline, every_subcommand_gives_up)
{
	struct stuck s;
	struct victim *src = victim_start("--timer", "id=7,clock=monotonic,notify=none,value_ms=60000",
					  NULL);
	struct victim *dst = victim_start("--threads", "1", NULL);
	char pid[16], dpid[16], wchan[64];
	char *dump;

	cr_assert(src && src->ready && dst && dst->ready);
	dump = ru_dump_file(src->pid, NULL);
	victim_kill(src);

	struct {
		const char *what;
		const char *argv[8];
	} runs[] = {
		{ "show", { "show", "--timeout=1", pid, NULL } },
		{ "restore", { "restore", "--timeout=1", "-i", dump, pid, NULL } },
		{ "migrate", { "migrate", "--timeout=1", pid, dpid, NULL } },
	};

	stuck_start(&s, "30000");
	ru_pidstr(pid, s.v->pid);
	ru_pidstr(dpid, dst->pid);
	read_wchan(s.stuck, wchan, sizeof(wchan));
	for (size_t i = 0; i < sizeof(runs) / sizeof(runs[0]); i++) {
		const char *const *a = runs[i].argv;
		struct run_result r;
		int64_t t0 = clock_ns(CLOCK_MONOTONIC), elapsed;

		cr_assert_eq(run_ptimerctl(&r, a[0], a[1], a[2], a[3], a[4], a[5], NULL), 0);
		elapsed = clock_ns(CLOCK_MONOTONIC) - t0;
		cr_assert_eq(r.exit_code, PX_TIMEOUT, "%s: %s", runs[i].what, run_describe(&r));
		cr_assert(elapsed >= 1000 * RU_MS && elapsed < 4000 * RU_MS,
			  "%s: exit 14 after %lld ms", runs[i].what, (long long)(elapsed / RU_MS));
		assert_stuck_message(r.err, &s, wchan);
		cr_log_info("%s --timeout=1: exit 14 after %lld ms", runs[i].what,
			    (long long)(elapsed / RU_MS));
		run_result_free(&r);
		assert_all_free(s.v->pid, runs[i].what);
		cr_assert_eq(proc_tracer_pid(dst->pid), 0, "%s: DST left traced", runs[i].what);
	}
	ru_file_free(dump);
	victim_kill(s.v);
	victim_kill(dst);
}

/* A signal while ptimerctl waits for the stuck thread: exit 12 at once. */
Test(deadline, a_signal_ends_the_wait)
{
	static const int sigs[] = { SIGINT, SIGTERM };
	struct stimer tb[STUCK_TIMERS], ta[STUCK_TIMERS];
	int64_t t_before, t_after;
	struct stuck s;
	int nb, na;

	stuck_start(&s, "30000");
	nb = stuck_timers(&s, tb, STUCK_TIMERS);
	t_before = clock_ns(CLOCK_MONOTONIC);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		const char *name = sigs[i] == SIGINT ? "SIGINT" : "SIGTERM";
		char pid[16], want[64];
		struct ru_bg b;
		int64_t t0, took;

		ru_bg_start(&b, "dump", "--timeout=60", ru_pidstr(pid, s.v->pid), NULL);
		cr_assert(wait_held_by(s.stuck, b.pid, 5000), "ptimerctl never seized it");
		t0 = clock_ns(CLOCK_MONOTONIC);
		kill(b.pid, sigs[i]);
		ru_bg_wait(&b, 10000);
		took = clock_ns(CLOCK_MONOTONIC) - t0;
		cr_assert_not(b.res.timed_out, "%s: ptimerctl hung", name);
		cr_assert_eq(b.res.exit_code, PX_INTERRUPTED, "%s: %s", name, run_describe(&b.res));
		cr_assert_lt(took, 1500 * RU_MS, "%s: exit after %lld ms", name,
			     (long long)(took / RU_MS));
		cr_log_info("%s while waiting for a vfork parent: exit 12 after %lld ms: %s", name,
			    (long long)(took / RU_MS), b.res.err);
		snprintf(want, sizeof(want), "ptimerctl: interrupted by %s; ", name);
		cr_expect(strstr(b.res.err, want), "%s: the message lacks \"%s\": %s", name, want,
			  b.res.err);
		run_result_free(&b.res);
		assert_all_free(s.v->pid, name);
	}
	na = stuck_timers(&s, ta, STUCK_TIMERS);
	t_after = clock_ns(CLOCK_MONOTONIC);
	assert_timers_kept(tb, nb, t_before, ta, na, t_after);
	victim_kill(s.v);
}

/* No --timeout: the default, 5 s. */
Test(deadline, default_timeout_is_five_seconds)
{
	char pid[16];
	struct run_result r;
	struct stuck s;
	int64_t t0, elapsed;

	stuck_start(&s, "30000");
	t0 = clock_ns(CLOCK_MONOTONIC);
	cr_assert_eq(run_ptimerctl(&r, "dump", ru_pidstr(pid, s.v->pid), NULL), 0);
	elapsed = clock_ns(CLOCK_MONOTONIC) - t0;
	cr_assert_eq(r.exit_code, PX_TIMEOUT, "%s", run_describe(&r));
	cr_assert(strstr(r.err, "within 5000 ms"), "%s", r.err);
	cr_assert(elapsed >= 5000 * RU_MS && elapsed < 9000 * RU_MS,
		  "exit 14 after %lld ms, want 5000..9000", (long long)(elapsed / RU_MS));
	cr_log_info("default timeout: exit 14 after %lld ms", (long long)(elapsed / RU_MS));
	run_result_free(&r);
	assert_all_free(s.v->pid, "after the default timeout");
	victim_kill(s.v);
}

/*
 * A vfork() child shares its parent's memory until it execs or exits, and
 * ptimerctl does not stop it: a process with one is checked again once
 * its threads are stopped, which the vfork parent can only be once the
 * child is gone.  Here the child is there at the check before the attach
 * and gone (killed) before the first PTRACE_SEIZE: the dump goes on,
 * where a refusal at the first check would have refused a process that
 * shares nothing by the time anything is written.
 */
Test(deadline, a_vfork_ended_before_the_stop_lets_the_dump_go_on)
{
	char pid[16], line[64];
	struct tool_trace t;
	struct stuck s;
	json_object *root;

	stuck_start(&s, "30000");
	tt_start(&t, "-v", "dump", ru_pidstr(pid, s.v->pid), NULL);
	cr_assert(tt_run_until(&t, tt_pick_first_seize, NULL, 60000),
		  "ptimerctl ended before its first PTRACE_SEIZE");
	cr_assert_eq(victim_cmd(s.v, "release", line, sizeof(line)), 0);
	cr_assert_str_eq(line, "RELEASED");
	tt_release(&t);
	ru_bg_wait(&t.bg, 60000);
	cr_assert_eq(t.bg.res.exit_code, 0, "%s", run_describe(&t.bg.res));
	cr_expect(strstr(t.bg.res.err, "asked again once stopped"), "the vfork child was not"
		  " seen before the attach: %s", t.bg.res.err);
	root = json_parse_text(t.bg.res.out);
	cr_assert(root, "not one JSON document: %.300s", t.bg.res.out);
	cr_expect_eq(json_object_array_length(json_object_object_get(root, "timers")), 3);
	json_object_put(root);
	run_result_free(&t.bg.res);
	assert_all_free(s.v->pid, "after the dump");
	victim_kill(s.v);
}

/* Wait until the vfork of the stuck thread has ended, or the thread is in a ptrace stop. */
static char wait_vfork_end(struct stuck *s)
{
	int64_t deadline = clock_ns(CLOCK_MONOTONIC) + 5000 * RU_MS;
	char line[256], st;

	do {
		long long done = 0;

		cr_assert_eq(victim_cmd(s->v, "info", line, sizeof(line)), 0);
		kv_ll(line, "vfork_done", &done);
		st = proc_state(s->stuck);
		if (done || st == 't')
			return done ? 'S' : 't';
		usleep(1000);
	} while (clock_ns(CLOCK_MONOTONIC) < deadline);
	cr_assert_fail("the vfork never ended: %s, state %c", line, st);
	return 0;
}

/*
 * The library: ptimer_set_timeout(500) makes ptimer_dump_pid() give up
 * with -ETIMEDOUT, naming the thread, every other thread let go.  The
 * thread that never stopped cannot be detached (PTRACE_DETACH needs a
 * stopped tracee): it stays seized by the caller, and once its vfork
 * ends it enters the trap PTRACE_INTERRUPT asked for and stays there,
 * until the caller exits or waits for it and detaches, as done here.
 * That is logged, not asserted: no library could do better.
 */
Test(deadline, library_timeout)
{
	struct ptimer_dump *dump = NULL;
	struct ptimer_ctx *ctx;
	char want[64], line[256];
	struct stuck s;
	int64_t t0, elapsed;
	int ret, status, n;
	pid_t tids[16];
	char st;

	stuck_start(&s, "30000");
	cr_assert_eq(ptimer_new(&ctx), 0);
	ptimer_set_timeout(ctx, 500);
	cr_assert_eq(ptimer_get_timeout(ctx), 500);
	t0 = clock_ns(CLOCK_MONOTONIC);
	ret = ptimer_dump_pid(ctx, s.v->pid, 0, &dump, NULL);
	elapsed = clock_ns(CLOCK_MONOTONIC) - t0;
	cr_assert_eq(ret, -ETIMEDOUT, "ptimer_dump_pid: %d (%s)", ret, ptimer_last_error(ctx));
	cr_assert(elapsed >= 500 * RU_MS && elapsed < 3000 * RU_MS, "-ETIMEDOUT after %lld ms",
		  (long long)(elapsed / RU_MS));
	snprintf(want, sizeof(want), "thread %d of pid %d", (int)s.stuck, (int)s.v->pid);
	cr_assert(strstr(ptimer_last_error(ctx), want), "%s", ptimer_last_error(ctx));
	cr_assert(strstr(ptimer_last_error(ctx), "500 ms"), "%s", ptimer_last_error(ctx));
	cr_log_info("library: -ETIMEDOUT after %lld ms: %s", (long long)(elapsed / RU_MS),
		    ptimer_last_error(ctx));

	/* Every other thread is free at once. */
	n = proc_tids(s.v->pid, tids, 16);
	cr_assert_geq(n, 0);
	for (int k = 0; k < n; k++) {
		if (tids[k] == s.stuck)
			continue;
		cr_assert_eq(proc_tracer_pid(tids[k]), 0, "thread %d still traced", (int)tids[k]);
		cr_assert_neq(proc_state(tids[k]), 't', "thread %d still stopped", (int)tids[k]);
	}
	cr_log_info("library: after -ETIMEDOUT the stuck thread is traced by %ld (the caller is"
		    " %d)", proc_tracer_pid(s.stuck), (int)getpid());

	/* End the vfork: what becomes of the thread the caller still holds? */
	cr_assert_eq(victim_cmd(s.v, "release", line, sizeof(line)), 0);
	st = wait_vfork_end(&s);
	cr_log_info("library: once its vfork ended, the stuck thread is %s (state %c, traced"
		    " by %ld)", st == 't' ? "stopped for good" : "running", proc_state(s.stuck),
		    proc_tracer_pid(s.stuck));
	if (st == 't' && proc_tracer_pid(s.stuck) == getpid()) {
		/* What the caller has to do: take the stop and let the thread go. */
		cr_assert_eq(waitpid(s.stuck, &status, __WALL), s.stuck);
		cr_assert(WIFSTOPPED(status));
		cr_assert_eq(ptrace(PTRACE_DETACH, s.stuck, 0, 0), 0);
		cr_assert_eq(wait_vfork_end(&s), 'S', "the thread did not run on once detached");
	}
	cr_assert_eq(proc_tracer_pid(s.stuck), 0);
	ptimer_free(ctx);
	victim_kill(s.v);
}

/* Hold ptimerctl at its first PTRACE_INTERRUPT after a trap: the park after a run. */
static bool pick_park_after_trap(const struct tt_call *c, void *data)
{
	bool *trapped = data;

	if (!c->entry || c->nr != SYS_ptrace)
		return false;
	if (c->args[0] == PTRACE_GETSIGINFO)
		*trapped = true;
	return *trapped && c->args[0] == PTRACE_INTERRUPT;
}

static void pin(pid_t tid, int cpu)
{
	cpu_set_t one;

	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	cr_assert_eq(sched_setaffinity(tid, sizeof(one), &one), 0, "pinning %d to CPU %d: %s",
		     (int)tid, cpu, strerror(errno));
}

/*
 * @tid, real-time below hog_cpu()'s child: starved for as long as that
 * spins, however the kernel shares a CPU out (a normal thread gets time
 * from the fair server even beside a real-time hog, since 6.12).
 */
static bool real_time(pid_t tid, int prio)
{
	struct sched_param sp = { .sched_priority = prio };

	return sched_setscheduler(tid, SCHED_FIFO, &sp) == 0;
}

static bool below_hog(pid_t tid)
{
	return real_time(tid, 5);
}

/* Two CPUs we may run on, the first two of our affinity; false if fewer. */
static bool two_cpus(int *a, int *b)
{
	cpu_set_t set;
	int n = 0;

	if (sched_getaffinity(0, sizeof(set), &set))
		return false;
	for (int cpu = 0; cpu < CPU_SETSIZE && n < 2; cpu++) {
		if (!CPU_ISSET(cpu, &set))
			continue;
		if (n++)
			*b = cpu;
		else
			*a = cpu;
	}
	return n == 2;
}

/*
 * A child that takes CPU @cpu from everything below real-time priority
 * @prio for @ms: SCHED_FIFO, spinning.  Returns once it spins; false if
 * real-time scheduling is refused here.  hog_cpu(): above every thread a
 * test makes real-time.
 */
static bool hog_cpu_at(int cpu, int ms, int prio, pid_t *hog)
{
	int fds[2];
	char c = 0;

	cr_assert_eq(pipe(fds), 0);
	*hog = fork();
	cr_assert_geq(*hog, 0);
	if (*hog == 0) {
		int64_t end;

		close(fds[0]);
		/* Real-time before it moves: a lower hog may hold that CPU already. */
		c = real_time(0, prio);
		pin(0, cpu);
		end = clock_ns(CLOCK_MONOTONIC) + (int64_t)ms * RU_MS;
		if (write(fds[1], &c, 1) != 1 || !c)
			_exit(1);
		while (clock_ns(CLOCK_MONOTONIC) < end)
			;
		_exit(0);
	}
	close(fds[1]);
	if (read(fds[0], &c, 1) != 1)
		c = 0;
	close(fds[0]);
	return c;
}

static bool hog_cpu(int cpu, int ms, pid_t *hog)
{
	return hog_cpu_at(cpu, ms, 10, hog);
}

/* Where a hog cannot be set up: ptimerctl let go, and the test skipped. */
__attribute__((noreturn))
static void skip_without_fifo(struct tool_trace *t)
{
	tt_release(t);
	ru_bg_wait(&t->bg, 30000);
	cr_skip_test("SCHED_FIFO refused here");
}

/* ptimerctl let go and waited for, and then the hog it met. */
static void release_past_hog(struct tool_trace *t, pid_t hog)
{
	int status;

	tt_release(t);
	ru_bg_wait(&t->bg, 30000);
	cr_assert_eq(waitpid(hog, &status, 0), hog);
}

/*
 * After each run of injected code the thread is resumed with our
 * interrupt pending, to park as it was (seize_park()): it stops before it
 * runs a user instruction, but only once it gets a CPU.  Here it gets
 * none for 0.4 s (a SCHED_FIFO hog above it holds its CPU), past
 * --timeout=0.05.
 * Given up at the timeout, it was let go with our code at its ip and died
 * (a hostile round: 12 of 300 migrates at --timeout=0.001 killed a
 * target).  It is waited for: the dump goes on, the target lives.
 */
Test(deadline, a_thread_slow_to_park_is_waited_for)
{
	struct tool_trace t;
	struct vtimer tm[4];
	struct victim *v;
	pid_t tids[16];
	int n;
	bool trapped = false;
	char pid[16], line[64];
	int lock, ours, theirs;
	pid_t hog;

	if (!two_cpus(&ours, &theirs))
		cr_skip_test("needs two CPUs");
	lock = cpu_lock_take();
	v = victim_start("--timer", "id=0,value_ms=100000,interval_ms=100000", NULL);
	cr_assert(v && v->ready, "%s", v ? v->error : "fork");
	tt_start(&t, "dump", "--timeout=0.05", "-o", "/dev/null",
		 ru_pidstr(pid, v->pid), NULL);
	cr_assert(tt_run_until(&t, pick_park_after_trap, &trapped, 30000),
		  "ptimerctl ended before it parked the thread");
	/* The target's CPU is theirs, where the hog runs; ptimerctl and we run on ours. */
	pin(0, ours);
	pin(t.bg.pid, ours);
	/* Held stopped, it cannot answer: its threads from /proc. */
	n = proc_tids(v->pid, tids, 16);
	cr_assert_gt(n, 0);
	for (int k = 0; k < n; k++) {
		pin(tids[k], theirs);
		if (!below_hog(tids[k]))
			break;
	}
	if (!below_hog(tids[0]) || !hog_cpu(theirs, 400, &hog)) {
		skip_without_fifo(&t);
	}
	release_past_hog(&t, hog);
	cr_expect_eq(t.bg.res.exit_code, 0, "%s", run_describe(&t.bg.res));
	run_result_free(&t.bg.res);
	cr_assert_eq(victim_cmd(v, "ping", line, sizeof(line)), 0,
		     "the target died: state %c", proc_state(v->pid));
	cr_expect_eq(proc_tracer_pid(v->pid), 0);
	cr_expect_eq(victim_timers(v, tm, 4), 1);
	victim_kill(v);
	close(lock);
}

/* A leader asleep in epoll_wait(), and a dump of it held at its first PTRACE_SEIZE. */
struct epoll_hold {
	struct tool_trace t;
	struct victim *v;
	pid_t hog;
	int lock;
};

/*
 * The dump, at --timeout=0.005, meets the leader slow to stop: it gets no
 * CPU for @hog_ms, a SCHED_FIFO hog above it holding its CPU.  Skips the
 * test where that cannot be set up.
 */
static void epoll_leader_starved(struct epoll_hold *h, int hog_ms)
{
	pid_t tids[8];
	char spid[16];
	int ours, theirs;

	if (!two_cpus(&ours, &theirs))
		cr_skip_test("needs two CPUs");
	h->lock = cpu_lock_take();
	h->v = victim_start("--block", "epoll", NULL);
	cr_assert(h->v && h->v->ready, "%s", h->v ? h->v->error : "fork");
	cr_assert_gt(victim_tids(h->v, tids, 8), 0);
	/* The leader sleeps in epoll_wait() on a descriptor that never gets an event. */
	cr_assert(proc_wait_syscall(h->v->pid, h->v->pid, SYSNR_EPOLL_WAIT, NULL, 10000),
		  "the leader does not wait in epoll_wait()");
	tt_start(&h->t, "dump", "--timeout=0.005", "-o", "/dev/null",
		 ru_pidstr(spid, h->v->pid), NULL);
	cr_assert(tt_run_until(&h->t, tt_pick_first_seize, NULL, 30000), "ptimerctl never seized");
	/* ptimerctl (which has followed the leader's CPU) and we on ours, the leader on theirs. */
	pin(0, ours);
	pin(h->t.bg.pid, ours);
	pin(h->v->pid, theirs);
	if (!below_hog(h->v->pid) || !hog_cpu(theirs, hog_ms, &h->hog)) {
		skip_without_fifo(&h->t);
	}
}

/* ptimerctl gave up on the leader, waited for it, and let it go unharmed. */
static void expect_leader_let_go(struct epoll_hold *h)
{
	struct vstate st;
	int status;

	ru_bg_wait(&h->t.bg, 30000);
	cr_expect_eq(h->t.bg.res.exit_code, PX_TIMEOUT, "%s", run_describe(&h->t.bg.res));
	/* The message says what became of it. */
	cr_expect(strstr(h->t.bg.res.err, "; it stopped later, and was let go as the others were"),
		  "%s", h->t.bg.res.err);
	run_result_free(&h->t.bg.res);
	if (h->hog)
		cr_assert_eq(waitpid(h->hog, &status, 0), h->hog);
	sleep_ms(20);
	cr_expect_eq(proc_tracer_pid(h->v->pid), 0, "the leader is still traced");
	cr_assert_eq(victim_state(h->v, &st), 0);
	cr_expect_eq(st.eintr, 0, "the victim's epoll_wait() failed with EINTR %lld times",
		     st.eintr);
	victim_kill(h->v);
	close(h->lock);
}

/*
 * An attach that gives up at --timeout=0.005 on a thread slow to stop
 * (it gets no CPU: a SCHED_FIFO hog above it holds its CPU 0.1 s).  Our
 * interrupt has woken it from epoll_wait(), which returns EINTR unless
 * the thread is let go from its stop with the wait re-issued, as every
 * other thread is; so it is waited for, past the timeout, as long as it
 * can stop.  Let go by the kernel as ptimerctl exited, the victim's
 * epoll_wait() failed with EINTR (a hostile round: 49 of 300 migrates at
 * --timeout=0.001).
 */
Test(deadline, an_attach_given_up_interrupts_no_wait)
{
	struct epoll_hold h = { 0 };

	epoll_leader_starved(&h, 100);
	tt_release(&h.t);
	expect_leader_let_go(&h);
}

/* Hold ptimerctl at the entry of its next openat(): its next look in /proc. */
static bool pick_openat(const struct tt_call *c, void *data)
{
	(void)data;
	return c->entry && c->nr == SYS_openat;
}

/*
 * The same thread slow to stop, caught in the moment between the
 * waitpid() that finds it not yet stopped and the look at its state in
 * /proc: it stops right there.  A look that took its stop (t) for "cannot
 * stop" gave up on it, and the kernel let it go as ptimerctl exited, with
 * its epoll_wait() failing with EINTR (1 run in 60 of the test above, and
 * a CI run).  ptimerctl is held at that look until the thread has stopped.
 */
Test(deadline, a_thread_that_stops_as_it_is_looked_at_is_let_go)
{
	struct epoll_hold h = { 0 };
	int status;

	/* Ended by us, once ptimerctl is held: however slow it is to get there. */
	epoll_leader_starved(&h, 3000);
	/* Given up on at the timeout, it is waited for: a look, a pause, a waitpid(), a look. */
	cr_assert(tt_run_until(&h.t, tt_pick_stderr, "waiting up to", 30000),
		  "ptimerctl did not wait for the thread");
	cr_assert(tt_run_until(&h.t, pick_openat, NULL, 30000), "ptimerctl ended as it waited");
	cr_assert_neq(proc_state(h.v->pid), 't', "the leader stopped before the hog ended");
	cr_assert_eq(kill(h.hog, SIGKILL), 0);
	cr_assert_eq(waitpid(h.hog, &status, 0), h.hog);
	h.hog = 0;
	for (int64_t end = harness_deadline(10000); proc_state(h.v->pid) != 't';) {
		cr_assert_lt(clock_ns(CLOCK_MONOTONIC), end, "the leader never stopped");
		sleep_ms(1);
	}
	tt_release(&h.t);
	expect_leader_let_go(&h);
}

/* Hold ptimerctl at the entry of its PTRACE_SYSCALL of one thread (@data: a pid_t *). */
static bool pick_step_of(const struct tt_call *c, void *data)
{
	return c->entry && c->nr == SYS_ptrace && c->args[0] == PTRACE_SYSCALL &&
	       (pid_t)c->args[1] == *(const pid_t *)data;
}

/*
 * A dump of @pid, held as it resumes @tid into the wait its stop
 * interrupted; then @tid starved on CPU @theirs for 0.3 s by a hog
 * (returned), past the 50 ms it has while the others are held, whatever
 * the machine.  ptimerctl and we on CPU @ours.
 */
static pid_t starved_on_its_way(struct tool_trace *t, pid_t pid, pid_t tid, int ours,
				int theirs)
{
	char spid[16];
	pid_t hog;

	tt_start(t, "dump", "-o", "/dev/null", ru_pidstr(spid, pid), NULL);
	cr_assert(tt_run_until(t, pick_step_of, &tid, 30000),
		  "ptimerctl never resumed thread %d into its wait", (int)tid);
	pin(0, ours);
	pin(t->bg.pid, ours);
	pin(tid, theirs);
	if (!below_hog(tid) || !hog_cpu(theirs, 300 * harness_time_scale(), &hog))
		skip_without_fifo(t);
	return hog;
}

/* Hold ptimerctl at its exit_group(): it has let go all it will. */
static bool pick_exit(const struct tt_call *c, void *data)
{
	(void)data;
	return c->entry && c->nr == SYS_exit_group;
}

/*
 * A thread whose wait our stop interrupted goes back into it while the
 * other threads are held: resumed, it stops at the call's entry as soon
 * as it gets a CPU.  Here it gets none for 0.3 s (a SCHED_FIFO hog above
 * it holds its CPU).  The other threads are let go after 50 ms, and it is
 * waited for, then let go into its wait, before ptimerctl exits: its
 * epoll_wait() sees no EINTR.
 */
Test(deadline, a_thread_slow_back_into_its_wait_is_waited_for)
{
	struct tool_trace t;
	struct vstate st;
	struct victim *v;
	pid_t hog, leader;
	int lock, ours, theirs;

	if (!two_cpus(&ours, &theirs))
		cr_skip_test("needs two CPUs");
	lock = cpu_lock_take();
	v = victim_start("--block", "epoll", NULL);
	cr_assert(v && v->ready, "%s", v ? v->error : "fork");
	leader = v->pid;
	cr_assert(proc_wait_syscall(v->pid, v->pid, SYSNR_EPOLL_WAIT, NULL, 10000),
		  "the leader does not wait in epoll_wait()");
	hog = starved_on_its_way(&t, v->pid, leader, ours, theirs);
	cr_assert(tt_run_until(&t, pick_exit, NULL, 30000), "ptimerctl never exited");
	cr_expect_eq(proc_tracer_pid(leader), 0, "the leader is still traced as ptimerctl exits");
	release_past_hog(&t, hog);
	cr_expect_eq(t.bg.res.exit_code, 0, "%s", run_describe(&t.bg.res));
	cr_expect(strstr(t.bg.res.err, "to go back into the wait it was in"), "%s",
		  t.bg.res.err);
	run_result_free(&t.bg.res);
	cr_assert_eq(victim_state(v, &st), 0);
	cr_expect_eq(st.eintr, 0, "the victim's epoll_wait() failed with EINTR %lld times",
		     st.eintr);
	victim_kill(v);
	close(lock);
}

/*
 * Two threads on their way back into their waits at once, both starved
 * past the 50 ms each has while the others are held.  The first gets its
 * CPU back 80 ms after it was resumed, while ptimerctl waits for the
 * second (a second hog holds that one 0.6 s), and stops at its call's
 * entry.  The wait for the second, looking for other threads that died,
 * used to collect the first's stop and drop it: that thread was then
 * waited for in vain for 10 s, left stopped at its entry, and its
 * epoll_wait() failed with EINTR as ptimerctl exited.  (Where the first
 * hog ends outside that window, as on a machine far slower than this
 * one, the first thread is let go by its own wait: the test still
 * passes.)
 */
Test(deadline, two_threads_slow_back_into_their_waits_are_let_go)
{
	const char *argv[] = { helper_path("pidns_victim"), "--threads=1", "--epoll", NULL };
	long long pid, first, second, eintr;
	struct tool_trace t;
	struct victim *v;
	pid_t hog, between, tid;
	char spid[16], line[128];
	int status, lock, ours, theirs;

	if (!two_cpus(&ours, &theirs))
		cr_skip_test("needs two CPUs");
	lock = cpu_lock_take();
	v = victim_spawn(argv, (uid_t)-1);
	cr_assert(v && v->ready, "%s", v ? v->error : "fork");
	cr_assert_eq(victim_cmd(v, "epoll", line, sizeof(line)), 0);
	cr_assert(kv_ll(line, "pid", &pid) && kv_ll(line, "tid", &first) &&
		  kv_ll(line, "tid2", &second), "%s", line);
	cr_assert(proc_wait_syscall(pid, first, SYSNR_EPOLL_WAIT, NULL, 10000) &&
		  proc_wait_syscall(pid, second, SYSNR_EPOLL_WAIT, NULL, 10000),
		  "the threads do not wait in epoll_wait()");
	tid = (pid_t)first;
	tt_start(&t, "dump", "-o", "/dev/null", ru_pidstr(spid, (pid_t)pid), NULL);
	cr_assert(tt_run_until(&t, pick_step_of, &tid, 30000),
		  "ptimerctl never resumed the first thread into its wait");
	pin(0, ours);
	pin(t.bg.pid, ours);
	pin((pid_t)first, theirs);
	pin((pid_t)second, theirs);
	/*
	 * Once the first hog ends: the first thread, then the second hog,
	 * then the second.  The lower hog first: it could not start under the other.
	 */
	if (!real_time((pid_t)first, 8) || !real_time((pid_t)second, 5) ||
	    !hog_cpu_at(theirs, 600 * harness_time_scale(), 7, &between) ||
	    !hog_cpu_at(theirs, 80, 10, &hog)) {
		skip_without_fifo(&t);
	}
	release_past_hog(&t, hog);
	cr_assert_eq(waitpid(between, &status, 0), between);
	cr_expect_eq(t.bg.res.exit_code, 0, "%s", run_describe(&t.bg.res));
	run_result_free(&t.bg.res);
	cr_assert_eq(victim_cmd(v, "epoll", line, sizeof(line)), 0);
	cr_assert(kv_ll(line, "eintr", &eintr), "%s", line);
	cr_expect_eq(eintr, 0, "the threads' epoll_wait() failed with EINTR %lld times", eintr);
	victim_kill(v);
	close(lock);
}

/*
 * A thread slow back into its wait, as above, and a signal sent to it
 * while it sits at the call's entry, the other threads already let go:
 * ptimerctl is held at its look for such a signal (its first look in
 * /proc once it found the thread stopped there).  Traced, the thread was
 * not woken for it; taken on the way back into the call, rewound, it ran
 * the handler, and the call went on waiting (lost).  Now the call fails
 * with EINTR after the handler, as the signal would have made it fail.
 */
Test(deadline, a_signal_for_a_thread_slow_back_into_its_wait_ends_it)
{
	const char *argv[] = { helper_path("blocker"), "--call", "epoll_pwait", "--in", "thread",
			       "--catch", "1", NULL };
	long long tid, eintr, bare, lost;
	struct tool_trace t;
	struct victim *v;
	char line[256];
	int lock, ours, theirs;
	pid_t hog, waiter;

	if (!two_cpus(&ours, &theirs))
		cr_skip_test("needs two CPUs");
	lock = cpu_lock_take();
	v = victim_spawn(argv, (uid_t)-1);
	cr_assert(v && v->ready, "%s", v ? v->error : "fork");
	cr_assert_eq(victim_cmd(v, "info", line, sizeof(line)), 0);
	cr_assert(kv_ll(line, "tid", &tid), "%s", line);
	waiter = (pid_t)tid;
	cr_assert(proc_wait_syscall(v->pid, waiter, SYS_epoll_pwait, NULL, 10000),
		  "the thread does not wait in epoll_pwait()");
	hog = starved_on_its_way(&t, v->pid, waiter, ours, theirs);
	cr_assert(tt_run_until(&t, tt_pick_stderr, "waiting up to", 30000),
		  "ptimerctl did not wait for the thread");
	cr_assert(tt_run_until(&t, pick_openat, NULL, 30000), "ptimerctl ended as it waited");
	cr_assert_eq(syscall(SYS_tgkill, v->pid, waiter, SIGHUP), 0, "%s", strerror(errno));
	release_past_hog(&t, hog);
	cr_expect_eq(t.bg.res.exit_code, 0, "%s", run_describe(&t.bg.res));
	run_result_free(&t.bg.res);
	cr_assert_eq(victim_wake(v, true, line, sizeof(line), RU_WAIT_MS), 0, "no wake");
	cr_assert(kv_ll(line, "eintr", &eintr) && kv_ll(line, "bare", &bare) &&
		  kv_ll(line, "lost", &lost), "%s", line);
	cr_expect(eintr == 1 && bare == 0 && lost == 0, "the wait's EINTR: %s", line);
	victim_kill(v);
	close(lock);
}
