// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * Hostile conditions around a live target: it is SIGKILLed while
 * ptimerctl works on it, ptimerctl itself gets SIGINT or SIGTERM, its
 * threads come and go while they are seized, it is traced already or a
 * zombie, its pid is reused, it lives in another pid namespace, or it
 * runs under seccomp.  ptimerctl must end within a deadline with the
 * documented exit code, leave no process behind and no thread stopped.
 */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "restore_util.h"
#include "tool_trace.h"

/*
 * How long a ptimerctl run may take before it counts as hung: generous,
 * because a loaded machine under ASan is slow, and a deadline costs time
 * only when something is broken.
 */
#define TT_RUN_MS	60000
/*
 * The sweeps below hold ptimerctl at each ptrace() call of a run but the
 * last (after it, nothing is held).  The count is the same run after run
 * for a victim whose threads are all blocked in futex, read or pause.
 */
#define SPAN_SLACK	1
/* A victim small enough to sweep every stage of a run against it. */
#define SWEEP_TIMERS	8
#define SWEEP_THREADS	"4"

static void fini(void)
{
	harness_kill_all();
}

TestSuite(faults, .fini = fini, .timeout = 120);

/* ---- helpers ---- */


/* No child of ours is left, running or zombie. */
static void assert_no_children(void)
{
	pid_t p = waitpid(-1, NULL, WNOHANG);

	cr_assert(p < 0 && errno == ECHILD, "a child process was left behind (waitpid: %d)",
		  (int)p);
}

/* Every thread of @pid runs untraced: no 't' state, TracerPid 0. */
static void assert_threads_free(pid_t pid, const char *what)
{
	char path[64];
	struct dirent *d;
	DIR *dir;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	dir = opendir(path);
	cr_assert(dir, "%s: %s: %s", what, path, strerror(errno));
	while ((d = readdir(dir))) {
		pid_t tid = atoi(d->d_name);
		char st;
		long tracer;

		if (tid <= 0)
			continue;
		st = proc_state(tid);
		tracer = proc_tracer_pid(tid);
		if (!st)
			continue;	/* it exited meanwhile */
		cr_assert(st != 't' && st != 'T', "%s: thread %d of %d is left in state %c",
			  what, (int)tid, (int)pid, st);
		cr_assert(tracer <= 0, "%s: thread %d of %d is still traced by %ld", what,
			  (int)tid, (int)pid, tracer);
		n++;
	}
	closedir(dir);
	cr_assert_gt(n, 0, "%s: no thread of %d seen", what, (int)pid);
}

static bool is_failure_message(const char *err)
{
	return !strncmp(err, "ptimerctl: ", 11) && strlen(err) > 12;
}

#define MAX_SHAPED_TIMERS	60

/* A victim with @threads workers and @ntimers timers on them. */
static struct victim *shaped_victim(const char *threads, int ntimers)
{
	static char specs[MAX_SHAPED_TIMERS][96];
	const char *args[2 * MAX_SHAPED_TIMERS + 8];
	struct victim *v;
	size_t k = 0;

	args[k++] = "--threads";
	args[k++] = threads;
	for (int i = 0; i < ntimers; i++) {
		snprintf(specs[i], sizeof(specs[i]),
			 "id=%d,clock=monotonic,notify=%s,sig=10,thread=%d,sigval=0x%x,"
			 "value_ms=%d", 1000 + i, i % 2 ? "thread_id" : "none", i % (atoi(threads) + 1), i,
			 60000 + i);
		args[k++] = "--timer";
		args[k++] = specs[i];
	}
	args[k] = NULL;
	v = victim_startv(args);
	cr_assert(v && v->ready, "%s", v ? v->error : "fork");
	return v;
}

static struct victim *sweep_victim(bool own_timers)
{
	return shaped_victim(SWEEP_THREADS, own_timers ? SWEEP_TIMERS : 0);
}

/* Which exit codes a run may end with when its target was killed. */
static void check_target_killed_run(const struct run_result *r, pid_t pid, const char *what)
{
	cr_assert_not(r->timed_out, "%s: ptimerctl hung after the target was killed", what);
	cr_assert_eq(r->term_sig, 0, "%s: ptimerctl died of signal %d: %s", what, r->term_sig,
		     r->err);
	cr_assert(r->exit_code == 0 || r->exit_code == PX_TARGET_DIED ||
		  r->exit_code == PX_NO_PROCESS, "%s: want 0, 3 or 13, got %s", what,
		  run_describe(r));
	if (r->exit_code) {
		char pidstr[16];

		cr_assert(is_failure_message(r->err), "%s: stderr: %s", what, r->err);
		cr_assert(strstr(r->err, ru_pidstr(pidstr, pid)), "%s: the message does not"
			  " name pid %d: %s", what, (int)pid, r->err);
	}
}

static unsigned int seed_rand(void)
{
	unsigned int seed = (unsigned int)clock_ns(CLOCK_MONOTONIC);

	cr_log_info("random seed %u", seed);
	return seed;
}

/* ---- the target dies ---- */

/*
 * The ptrace() calls of one whole ptimerctl run with these arguments,
 * under trace: the span of a run, in which a test then picks where to
 * hold it.  The run must succeed.
 */
static long count_ptrace_calls(const char *what, const char *a0, const char *a1,
			       const char *a2, const char *a3, const char *a4)
{
	struct tool_trace t;

	tt_start(&t, a0, a1, a2, a3, a4, NULL);
	cr_assert_not(tt_run_until(&t, NULL, NULL, TT_RUN_MS), "%s", what);
	ru_bg_wait(&t.bg, TT_RUN_MS);
	cr_assert_eq(t.bg.res.exit_code, 0, "%s: %s", what, run_describe(&t.bg.res));
	cr_assert_gt(t.nptrace, 2, "%s: %ld ptrace() calls", what, t.nptrace);
	run_result_free(&t.bg.res);
	return t.nptrace;
}

/*
 * Hold ptimerctl at the exit of its @k-th ptrace() call.  The span was
 * measured on a victim of the same shape, and every call but the last is
 * made while ptimerctl holds some thread of @victim: check that it does.
 */
static void hold_at_ptrace(struct tool_trace *t, long k, pid_t victim, const char *what)
{
	cr_assert(tt_run_until(t, tt_pick_nth_ptrace, &k, TT_RUN_MS),
		  "%s: ptimerctl ended after %ld ptrace() calls, before call %ld", what,
		  t->nptrace, k);
	cr_assert(tt_traces_a_thread(t->bg.pid, victim),
		  "%s: held after ptrace() call %ld of the run, ptimerctl holds no thread of"
		  " pid %d", what, k, (int)victim);
}

/*
 * Kill the target while ptimerctl holds it, at every stage of the dump:
 * round k holds ptimerctl at the k-th ptrace() call of the run (seizing,
 * injecting, reading, releasing), kills the victim there, and lets
 * ptimerctl go on.  Every call is a round: nothing left to chance.
 */
Test(faults, target_killed_during_dumps)
{
	int hits = 0, ok = 0, gone = 0, rounds;
	long span;

	{
		struct victim *v = sweep_victim(true);
		char pid[16];

		span = count_ptrace_calls("calibration dump", "dump", ru_pidstr(pid, v->pid),
					  NULL, NULL, NULL);
		victim_kill(v);
	}
	cr_log_info("a dump of the victim makes %ld ptrace() calls", span);
	rounds = (int)(span - SPAN_SLACK);
	for (int i = 0; i < rounds; i++) {
		struct victim *v = sweep_victim(true);
		long k = 1 + i;
		char pid[16], what[64];
		struct tool_trace t;
		pid_t tids[64];
		int nthreads = victim_alltids(v, tids, 64);

		cr_assert_gt(nthreads, 0, "the victim's threads");
		snprintf(what, sizeof(what), "round %d (ptrace call %ld of %ld)", i, k, span);
		tt_start(&t, "dump", ru_pidstr(pid, v->pid), NULL);
		hold_at_ptrace(&t, k, v->pid, what);
		kill(v->pid, SIGKILL);
		tt_release(&t);
		ru_bg_wait(&t.bg, TT_RUN_MS);
		check_target_killed_run(&t.bg.res, v->pid, what);
		/*
		 * Seizing is a PTRACE_SEIZE and a PTRACE_INTERRUPT per thread.
		 * Past them, ptimerctl held the process when it died, and must
		 * say so (13), not that there is no such process (3): even when
		 * the death shows only as an ESRCH from the detach.
		 */
		if (k <= 2L * nthreads && t.bg.res.exit_code == PX_NO_PROCESS)
			gone++;
		if (k > 2L * nthreads)
			cr_assert_neq(t.bg.res.exit_code, PX_NO_PROCESS, "%s: every one of the %d"
				      " threads was seized before the kill, yet: %s", what,
				      nthreads, run_describe(&t.bg.res));
		if (t.bg.res.exit_code)
			hits++;
		else
			ok++;
		if (!t.bg.res.exit_code) {
			json_object *root = json_parse_text(t.bg.res.out);

			cr_assert(root, "%s: exit 0 but no JSON: %.200s", what, t.bg.res.out);
			cr_assert_eq(json_object_array_length(json_object_object_get(root,
				     "timers")), SWEEP_TIMERS, "%s: exit 0 with a partial dump",
				     what);
			json_object_put(root);
		}
		run_result_free(&t.bg.res);
		victim_kill(v);
	}
	cr_log_info("%d dumps: %d ended with the target's death (%d of them with 3, while"
		    " seizing), %d completed", rounds, hits, gone, ok);
	cr_expect_gt(hits, 0, "no dump noticed that its target was killed");
	assert_no_children();
}

/* The dump of a sweep victim, to restore. */
static char *sweep_dump(void)
{
	struct victim *src = sweep_victim(true);
	char *dump = ru_dump_file(src->pid, NULL);

	victim_kill(src);
	return dump;
}

/* The span of a prctl restore of @dump into a sweep victim without timers. */
static long prctl_restore_span(const char *dump)
{
	struct victim *v;
	char pid[16];
	long span;

	harness_need_restore_ids();
	v = sweep_victim(false);
	span = count_ptrace_calls("calibration restore", "restore", "--method=prctl",
				       "-i", dump, ru_pidstr(pid, v->pid));

	victim_kill(v);
	cr_log_info("a prctl restore into the victim makes %ld ptrace() calls", span);
	return span;
}

/* The same at every stage of a prctl restore. */
Test(faults, target_killed_during_prctl_restores)
{
	char *dump = sweep_dump();
	long span = prctl_restore_span(dump);
	int hits = 0, ok = 0, rounds = (int)(span - SPAN_SLACK);

	for (int i = 0; i < rounds; i++) {
		struct victim *v = sweep_victim(false);
		long k = 1 + i;
		char pid[16], what[64];
		struct tool_trace t;

		snprintf(what, sizeof(what), "round %d (ptrace call %ld of %ld)", i, k, span);
		tt_start(&t, "restore", "--method=prctl", "-i", dump, ru_pidstr(pid, v->pid),
			 NULL);
		hold_at_ptrace(&t, k, v->pid, what);
		kill(v->pid, SIGKILL);
		tt_release(&t);
		ru_bg_wait(&t.bg, TT_RUN_MS);
		check_target_killed_run(&t.bg.res, v->pid, what);
		if (t.bg.res.exit_code)
			hits++;
		else
			ok++;
		run_result_free(&t.bg.res);
		victim_kill(v);
	}
	cr_log_info("%d restores: %d ended with the target's death, %d completed", rounds, hits,
		    ok);
	cr_expect_gt(hits, 0, "no restore noticed that its target was killed");
	ru_file_free(dump);
	assert_no_children();
}

static const struct ru_spec two_far[] = {
	{ 4, "monotonic", "signal", 12, 0, 0x4, 60000, 0 },
	{ 5000000, "monotonic", "none", 10, 0, 0x5, 60000, 0 },
};

static char *far_dump(void)
{
	struct victim *src = ru_start(two_far, 2, NULL);
	char *dump = ru_dump_file(src->pid, NULL);

	victim_kill(src);
	return dump;
}

/*
 * Start a loop restore of @dump into @v and hold ptimerctl once the walk
 * runs inside the target (it has printed its plan, and the target is in a
 * walk chunk that ptimerctl has not yet waited for).
 */
static void hold_walking(struct tool_trace *t, struct victim *v, const char *dump)
{
	struct tt_walk_pick w = { 0 };
	char pid[16];

	tt_start(t, "restore", "--method=loop", "-i", dump, ru_pidstr(pid, v->pid), NULL);
	cr_assert(tt_run_until(t, tt_pick_walking, &w, TT_RUN_MS),
		  "ptimerctl ended without walking (plan seen: %d)", w.planned);
	cr_assert(tt_traces_a_thread(t->bg.pid, v->pid), "held in the walk, ptimerctl holds"
		  " no thread of the target");
	cr_log_info("held in the walk after %s", w.plan);
}

Test(faults, target_killed_during_a_walk)
{
	char *dump = far_dump(), pid[16];
	struct victim *v = victim_start("--threads", "2", "--timer",
					"id=1,clock=monotonic,notify=none,value_ms=60000", NULL);
	struct tool_trace t;
	int64_t t_kill, ms;

	cr_assert(v && v->ready, "%s", v ? v->error : "fork");
	ru_pidstr(pid, v->pid);
	hold_walking(&t, v, dump);
	t_kill = clock_ns(CLOCK_MONOTONIC);
	kill(v->pid, SIGKILL);
	tt_release(&t);
	ru_bg_wait(&t.bg, TT_RUN_MS);
	ms = (clock_ns(CLOCK_MONOTONIC) - t_kill) / RU_MS;
	/* Not a time limit: ptimerctl polls its tracees, so it must not hang. */
	cr_log_info("ptimerctl ended %lld ms after the target was killed", (long long)ms);
	cr_assert_not(t.bg.res.timed_out, "ptimerctl hung after the target died");
	cr_expect(t.bg.res.exit_code == PX_TARGET_DIED || t.bg.res.exit_code == PX_NO_PROCESS,
		  "want 13 (or 3), got %s", run_describe(&t.bg.res));
	cr_expect(strstr(t.bg.res.err, pid) && (strstr(t.bg.res.err, "exited") ||
						 strstr(t.bg.res.err, "died")),
		  "the message does not say that pid %s went away: %s", pid, t.bg.res.err);
	run_result_free(&t.bg.res);
	victim_kill(v);
	ru_file_free(dump);
	assert_no_children();
}

/* ---- ptimerctl is interrupted ---- */

struct snapshot {
	struct vtimer t[RU_MAX_TIMERS];
	int n;
	struct vstate st;
	int64_t t0;		/* CLOCK_MONOTONIC before the timers were read */
};

static void snap(struct victim *v, struct snapshot *s)
{
	s->t0 = clock_ns(CLOCK_MONOTONIC);
	s->n = ru_timers(v, s->t, RU_MAX_TIMERS);
	cr_assert_eq(victim_state(v, &s->st), 0);
}

static void assert_as_before(struct victim *v, const struct snapshot *s0, const char *what)
{
	struct snapshot s;
	char why[256], line[64];

	cr_assert_eq(proc_tracer_pid(v->pid), 0, "%s: still traced", what);
	assert_threads_free(v->pid, what);
	snap(v, &s);
	/*
	 * A one-shot timer counts down by the time between the two reads, at
	 * most the time from the first snapshot to the end of this one.
	 */
	cr_assert(ru_timers_same(s0->t, s0->n, s.t, s.n, clock_ns(CLOCK_MONOTONIC) - s0->t0,
				 why, sizeof(why)),
		  "%s: not rolled back (%s): %s", what, why, ru_timers_str(s.t, s.n));
	cr_assert_eq(s.st.eintr, 0, "%s: the target saw EINTR", what);
	cr_assert_eq(s.st.restore_ids, s0->st.restore_ids, "%s: prctl state", what);
	cr_assert_eq(s.st.sigmask, s0->st.sigmask, "%s: signal mask", what);
	cr_assert_str_eq(s.st.masks, s0->st.masks, "%s: thread masks", what);
	cr_assert_eq(s.st.maps, s0->st.maps, "%s: memory map changed", what);
	cr_assert_eq(victim_cmd(v, "ping", line, sizeof(line)), 0, "%s: no answer", what);
	cr_assert_str_eq(line, "PONG");
}

/* The walk steps of its plan line, and of its "interrupted by SIGINT; after N walk steps". */
static long long plan_steps(const char *plan)
{
	const char *p = strstr(plan, "timers, ");

	if (!p)
		p = strstr(plan, "timer, ");
	cr_assert(p, "no step count in the plan: %s", plan);
	p = strchr(p, ' ') + 1;
	if (!strncmp(p, "at least ", 9))
		p += 9;
	return atoll(p);
}

/* "interrupted by SIG...; after N walk steps": N, the signal named as @name. */
static long long interrupted_steps(const char *err, const char *name)
{
	char want[64];
	const char *p;

	snprintf(want, sizeof(want), "interrupted by %s; after ", name);
	p = strstr(err, want);
	cr_assert(p, "no \"%sN walk steps\" in: %s", want, err);
	return atoll(p + strlen(want));
}

/*
 * SIGINT while a walk chunk runs in the target: ptimerctl stops at the end
 * of that chunk, long before the walk is done, and rolls back.
 */
static void signal_during_a_walk_rolls_back(int sig, const char *name)
{
	char *dump = far_dump(), plan[256];
	struct victim *v = victim_start("--threads", "2", "--block", "read", "--timer",
					"id=1,clock=monotonic,notify=none,value_ms=60000",
					"--timer", "id=2,clock=realtime,sig=12,value_ms=50000",
					NULL);
	struct snapshot s0;
	struct tool_trace t;
	long long total, done;

	cr_assert(v && v->ready, "%s", v ? v->error : "fork");
	snap(v, &s0);
	{
		struct tt_walk_pick w = { 0 };
		char pid[16];

		tt_start(&t, "restore", "--method=loop", "-i", dump, ru_pidstr(pid, v->pid),
			 NULL);
		cr_assert(tt_run_until(&t, tt_pick_walking, &w, TT_RUN_MS),
			  "ptimerctl ended without walking");
		snprintf(plan, sizeof(plan), "%s", w.plan);
	}
	kill(t.bg.pid, sig);
	tt_release(&t);
	ru_bg_wait(&t.bg, TT_RUN_MS);
	cr_assert_not(t.bg.res.timed_out, "ptimerctl did not end after signal %d", sig);
	cr_expect_eq(t.bg.res.exit_code, PX_INTERRUPTED, "signal %d: %s", sig,
		     run_describe(&t.bg.res));
	cr_expect(is_failure_message(t.bg.res.err), "%s", t.bg.res.err);
	total = plan_steps(plan);
	done = interrupted_steps(t.bg.res.err, name);
	cr_log_info("signal %d after %lld of %lld walk steps", sig, done, total);
	cr_expect_lt(done, total, "signal %d was honoured only at the end of the walk: %s%s",
		     sig, plan, t.bg.res.err);
	run_result_free(&t.bg.res);
	assert_as_before(v, &s0, sig == SIGINT ? "after SIGINT" : "after signal 32 or 33");
	victim_kill(v);
	ru_file_free(dump);
	assert_no_children();
}

Test(faults, sigint_during_a_walk_rolls_back)
{
	signal_during_a_walk_rolls_back(SIGINT, "SIGINT");
}

/*
 * The kernel's signals 32 and 33, which glibc keeps for itself and will
 * not let a program catch: left at their default, they killed ptimerctl
 * mid-walk, and the target spun on in the injected code.
 */
Test(faults, signals_32_and_33_during_a_walk_roll_back)
{
	/* Named as the kernel numbers them, as everywhere in ptimerctl. */
	signal_during_a_walk_rolls_back(__SIGRTMIN, "SIGRTMIN");
	signal_during_a_walk_rolls_back(__SIGRTMIN + 1, "SIGRTMIN+1");
}

/*
 * SIGTERM while a prctl-path restore runs, at every stage of it: round k
 * holds ptimerctl at the k-th ptrace() call of the run and signals it
 * there.  Either it was too late (exit 0, every timer there) or
 * everything is rolled back (exit 12).
 */
Test(faults, sigterm_during_prctl_restores)
{
	char *dump = sweep_dump();
	long span = prctl_restore_span(dump);
	int rolled = 0, done = 0, rounds = (int)(span - SPAN_SLACK);

	for (int i = 0; i < rounds; i++) {
		struct victim *v = sweep_victim(false);
		long k = 1 + i;
		struct vtimer t[RU_MAX_TIMERS * 2];
		struct snapshot s0;
		char pid[16], what[64];
		struct tool_trace tt;
		struct ru_bg *bg = &tt.bg;
		int n;

		snprintf(what, sizeof(what), "round %d (ptrace call %ld of %ld)", i, k, span);
		snap(v, &s0);
		tt_start(&tt, "restore", "--method=prctl", "-i", dump, ru_pidstr(pid, v->pid),
			 NULL);
		hold_at_ptrace(&tt, k, v->pid, what);
		kill(bg->pid, SIGTERM);
		tt_release(&tt);
		ru_bg_wait(bg, TT_RUN_MS);
		cr_assert_not(bg->res.timed_out, "%s: ptimerctl hung after SIGTERM", what);
		if (bg->res.exit_code == PX_INTERRUPTED) {
			rolled++;
			assert_as_before(v, &s0, what);
		} else if (bg->res.exit_code == 0) {
			done++;
			n = victim_timers(v, t, RU_MAX_TIMERS * 2);
			cr_assert_eq(n, SWEEP_TIMERS, "%s: exit 0 but %d timers: %s", what, n,
				     ru_timers_str(t, n));
			cr_assert_eq(proc_tracer_pid(v->pid), 0);
			assert_threads_free(v->pid, what);
		} else {
			/* Its handler is in place before its first ptrace() call. */
			cr_assert_fail("%s: want 0 or 12, got %s", what, run_describe(&bg->res));
		}
		run_result_free(&bg->res);
		victim_kill(v);
	}
	cr_log_info("SIGTERM during %d prctl restores: %d rolled back (12), %d too late (0)",
		    rounds, rolled, done);
	if (!rolled)
		cr_log_info("no prctl restore rolled back after SIGTERM; the plan-stage test"
			    " (sigterm_right_after_the_plan) covers the rollback");
	ru_file_free(dump);
	assert_no_children();
}

/*
 * SIGTERM as the walk's plan is printed (held at that write(2), so the
 * signal arrives there however loaded the machine is): rolled back, exit 12.
 */
Test(faults, sigterm_right_after_the_plan)
{
	char *dump = far_dump(), pid[16];
	struct victim *v = victim_start("--threads", "1", "--timer",
					"id=1,clock=monotonic,notify=none,value_ms=60000", NULL);
	struct snapshot s0;
	struct tool_trace t;

	cr_assert(v && v->ready, "%s", v ? v->error : "fork");
	snap(v, &s0);
	tt_start(&t, "restore", "--method=loop", "-i", dump, ru_pidstr(pid, v->pid), NULL);
	cr_assert(tt_run_until(&t, tt_pick_stderr, "plan:", TT_RUN_MS),
		  "ptimerctl ended without printing its plan");
	kill(t.bg.pid, SIGTERM);
	tt_release(&t);
	ru_bg_wait(&t.bg, TT_RUN_MS);
	cr_assert_not(t.bg.res.timed_out, "ptimerctl did not end after SIGTERM");
	cr_expect_eq(t.bg.res.exit_code, PX_INTERRUPTED, "%s", run_describe(&t.bg.res));
	run_result_free(&t.bg.res);
	assert_as_before(v, &s0, "SIGTERM after the plan");
	victim_kill(v);
	ru_file_free(dump);
	assert_no_children();
}

/* ---- threads come and go ---- */

Test(faults, dumps_while_threads_come_and_go)
{
	const char *argv[] = { helper_path("churner"), "4", NULL };
	struct victim *c;
	char pid[16], line[256], what[64];
	unsigned long long iters0 = 0, iters1 = 0, sigs0 = 0, sigs1 = 0;
	long long timer_id = -1;
	int ok = 0, failed = 0, runs = 200;

	argv[0] = strdup(argv[0]);
	c = victim_spawn(argv, (uid_t)-1);
	cr_assert(c);
	free((char *)argv[0]);
	cr_assert(c->ready, "%s", c->error);
	ru_pidstr(pid, c->pid);
	for (int i = 0; i < runs; i++) {
		struct run_result r;
		json_object *root, *threads;
		char cmd[1 << 14] = "mine";
		size_t used = 4;

		snprintf(what, sizeof(what), "dump %d", i);
		cr_assert_eq(run_ptimerctl_opts(&r, &(struct run_opts){ .timeout_ms = TT_RUN_MS },
						"dump", pid, NULL), 0);
		cr_assert_not(r.timed_out, "%s: ptimerctl hung", what);
		cr_assert_eq(r.term_sig, 0, "%s: ptimerctl died of signal %d", what, r.term_sig);
		if (r.exit_code) {
			cr_assert(is_failure_message(r.err), "%s: exit %d without a message: %s",
				  what, r.exit_code, r.err);
			/*
			 * We are root and the churner is our child: a permission
			 * error can only be a thread that was exiting while it was
			 * seized (PTRACE_SEIZE answers EPERM for PF_EXITING), which
			 * is a thread that went away, not a refusal.
			 */
			cr_expect_neq(r.exit_code, PX_PERMISSION, "%s: a thread exiting during the"
				      " seize is reported as a permission error: %s", what,
				      run_describe(&r));
			cr_log_info("%s: %s", what, run_describe(&r));
			failed++;
			run_result_free(&r);
			continue;
		}
		ok++;
		root = json_parse_text(r.out);
		cr_assert(root, "%s: no JSON: %.200s", what, r.out);
		threads = json_object_object_get(root, "threads");
		cr_assert(threads && json_object_is_type(threads, json_type_array), "%s", what);
		cr_assert_geq(json_object_array_length(threads), 6, "%s: %zu threads", what,
			      json_object_array_length(threads));
		cr_assert_eq(json_object_get_int(json_object_array_get_idx(threads, 0)), c->pid,
			     "%s: the leader is not first", what);
		for (size_t k = 0; k < json_object_array_length(threads); k++)
			used += (size_t)snprintf(cmd + used, sizeof(cmd) - used, " %d",
						 json_object_get_int(
							 json_object_array_get_idx(threads, k)));
		cr_assert_lt(used, sizeof(cmd));
		/*
		 * A thread seized before it ran marks itself first thing once it
		 * runs, which it must do before it can exit: ask until then.
		 */
		for (int64_t end = clock_ns(CLOCK_MONOTONIC) + TT_RUN_MS * RU_MS;;) {
			cr_assert_eq(victim_cmd(c, cmd, line, sizeof(line)), 0, "%s: no answer",
				     what);
			if (!strcmp(line, "MINE ok") || clock_ns(CLOCK_MONOTONIC) > end)
				break;
			sleep_ms(1);
		}
		cr_assert_str_eq(line, "MINE ok", "%s: a listed thread was never the churner's"
				 " (%s): %s", what, line, r.out);
		{
			json_object *timers = json_object_object_get(root, "timers");
			json_object *t0 = json_object_array_get_idx(timers, 0);
			int64_t id;

			cr_assert_eq(json_object_array_length(timers), 1, "%s: %s", what, r.out);
			cr_assert(json_get_int64(t0, "id", &id), "%s", what);
			cr_assert_str_eq(json_get_str(t0, "sigval"), "0x00000000000000c4", "%s",
					 what);
			if (timer_id < 0)
				timer_id = id;
			cr_assert_eq(id, timer_id, "%s: timer id %lld, before %lld", what,
				     (long long)id, timer_id);
		}
		json_object_put(root);
		run_result_free(&r);
	}
	/* Each ptimerctl was reaped, so it had let go of every thread. */
	assert_threads_free(c->pid, "after the dumps");
	cr_assert_eq(victim_cmd(c, "ping", line, sizeof(line)), 0, "the churner does not answer");
	cr_assert_eq(sscanf(line, "PONG iters=%llu sigs=%llu", &iters0, &sigs0), 2, "%s", line);
	/* Its threads still come and go and its timer still fires: wait for both. */
	for (int64_t end = clock_ns(CLOCK_MONOTONIC) + TT_RUN_MS * RU_MS;;) {
		sleep_ms(10);
		cr_assert_eq(victim_cmd(c, "ping", line, sizeof(line)), 0);
		cr_assert_eq(sscanf(line, "PONG iters=%llu sigs=%llu", &iters1, &sigs1), 2, "%s",
			     line);
		if ((iters1 > iters0 && sigs1 > sigs0) || clock_ns(CLOCK_MONOTONIC) > end)
			break;
	}
	cr_assert_gt(iters1, iters0, "the churner's threads no longer come and go");
	cr_assert_gt(sigs1, sigs0, "the churner's timer no longer fires");
	cr_log_info("%d dumps of the churner: %d ok, %d failed cleanly; %llu threads churned",
		    runs, ok, failed, iters1);
	cr_expect_geq(ok, runs * 9 / 10, "only %d of %d dumps succeeded", ok, runs);
	victim_kill(c);
	assert_no_children();
}

/* ---- the target can't be worked on ---- */

Test(faults, already_traced_and_zombie)
{
	struct victim *v = victim_start("--timer", "id=5,value_ms=60000", NULL);
	char *dump, pid[16], line[64];
	struct run_result r;
	pid_t z;

	cr_assert(v && v->ready, "%s", v ? v->error : "fork");
	dump = ru_dump_file(v->pid, NULL);
	cr_assert_eq(ptrace(PTRACE_SEIZE, v->pid, 0, 0), 0, "PTRACE_SEIZE: %s", strerror(errno));
	ru_pidstr(pid, v->pid);
	cr_assert_eq(run_ptimerctl(&r, "dump", pid, NULL), 0);
	cr_expect_eq(r.exit_code, PX_TRACED, "dump: %s", run_describe(&r));
	cr_expect(strstr(r.err, "already traced"), "dump: %s", r.err);
	run_result_free(&r);
	cr_assert_eq(run_ptimerctl(&r, "restore", "--replace", "-i", dump, pid, NULL), 0);
	cr_expect_eq(r.exit_code, PX_TRACED, "restore: %s", run_describe(&r));
	cr_expect(strstr(r.err, "already traced"), "restore: %s", r.err);
	run_result_free(&r);
	cr_assert_eq(proc_tracer_pid(v->pid), getpid(), "our tracing was disturbed");
	cr_assert_eq(victim_cmd(v, "ping", line, sizeof(line)), 0, "the traced target stopped");
	victim_kill(v);
	v = NULL;

	z = fork();
	cr_assert_geq(z, 0);
	if (z == 0)
		_exit(0);
	harness_track(z);
	{
		siginfo_t si;

		/* Until it is a zombie, without reaping it. */
		while (waitid(P_PID, (id_t)z, &si, WEXITED | WNOWAIT) < 0)
			cr_assert_eq(errno, EINTR, "waitid: %s", strerror(errno));
	}
	cr_assert_eq(proc_state(z), 'Z');
	ru_pidstr(pid, z);
	cr_assert_eq(run_ptimerctl(&r, "restore", "-i", dump, pid, NULL), 0);
	cr_expect_eq(r.exit_code, PX_ZOMBIE, "restore into a zombie: %s", run_describe(&r));
	cr_expect(strstr(r.err, "zombie"), "%s", r.err);
	run_result_free(&r);
	cr_assert_eq(run_ptimerctl(&r, "dump", pid, NULL), 0);
	cr_expect_eq(r.exit_code, PX_ZOMBIE, "dump of a zombie: %s", run_describe(&r));
	run_result_free(&r);
	ru_file_free(dump);
	victim_kill(v);
	waitpid(z, NULL, 0);
	harness_untrack(z);
	assert_no_children();
}

/* ---- pid reuse ---- */

/*
 * A child named @comm holding @ntimers timers, that exits @life_us after
 * it is set up (never if negative); returns once it is set up.
 */
static pid_t short_lived(const char *comm, int ntimers, int life_us)
{
	int ready[2];
	char c;
	pid_t p;

	cr_assert_eq(pipe2(ready, O_CLOEXEC), 0);
	p = fork();
	cr_assert_geq(p, 0);
	if (p == 0) {
		struct sigevent sev = { .sigev_notify = SIGEV_NONE };
		timer_t t;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		/* ptshort names itself first, ptother last: see the test */
		if (ntimers == 1)
			prctl(PR_SET_NAME, comm);
		for (int i = 0; i < ntimers; i++)
			timer_create(CLOCK_MONOTONIC, &sev, &t);
		prctl(PR_SET_NAME, comm);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		if (life_us < 0)
			for (;;)
				pause();
		usleep((useconds_t)life_us);
		_exit(0);
	}
	harness_track(p);
	close(ready[1]);
	cr_assert_eq(read(ready[0], &c, 1), 1, "the short-lived child did not start");
	close(ready[0]);
	return p;
}

/*
 * A dump of a pid that exits while named must never describe another
 * process.  The short-lived process ("ptshort", 1 timer) is reaped as
 * soon as it exits, and another ("ptother", 2 timers, named only after
 * it made them) is started at once.  A successful dump must be
 * self-consistent: "ptshort" with 1 timer, "ptother" with 2, or an
 * unrelated process that got the pid meanwhile.
 *
 * What cannot be provoked here: a reuse of the pid inside ptimerctl's
 * window between opening /proc/PID and seizing.  Forcing the reuse needs
 * a write to /proc/sys/kernel/ns_last_pid, which would hand recently
 * freed pids to the other programs of this shared pid namespace; this
 * loop only races the exit, many times.
 */
Test(faults, pid_reuse_never_mixes_two_processes)
{
	unsigned int seed = seed_rand();
	int rounds = 150, ok = 0, gone = 0, reused = 0, mixed = 0;

	for (int i = 0; i < rounds; i++) {
		pid_t s = short_lived("ptshort", 1, (int)(rand_r(&seed) % 3000)), o = 0;
		char pid[16], what[64];
		struct ru_bg b;
		int status;

		snprintf(what, sizeof(what), "round %d (pid %d)", i, (int)s);
		ru_bg_start(&b, "dump", ru_pidstr(pid, s), NULL);
		while (waitpid(s, &status, 0) < 0 && errno == EINTR)
			;
		harness_untrack(s);
		o = short_lived("ptother", 2, -1);
		if (o == s)
			reused++;
		ru_bg_wait(&b, TT_RUN_MS);
		cr_assert_not(b.res.timed_out, "%s: ptimerctl hung", what);
		cr_assert(b.res.exit_code == 0 || b.res.exit_code == PX_NO_PROCESS ||
			  b.res.exit_code == PX_TARGET_DIED || b.res.exit_code == PX_ZOMBIE,
			  "%s: want 0, 3, 6 or 13, got %s", what, run_describe(&b.res));
		if (b.res.exit_code == 0) {
			json_object *root = json_parse_text(b.res.out);
			const char *comm;
			bool consistent;
			size_t nt;

			cr_assert(root, "%s: %.200s", what, b.res.out);
			comm = json_get_str(root, "comm");
			nt = json_object_array_length(json_object_object_get(root, "timers"));
			cr_assert(comm, "%s", what);
			consistent = !strcmp(comm, "ptshort") ? nt == 1 :
				     !strcmp(comm, "ptother") ? nt == 2 && o == s : true;
			mixed += !consistent;
			cr_assert(consistent,
				  "%s: a dump mixes two processes: comm %s with %zu timers: %s",
				  what, comm, nt, b.res.out);
			ok++;
			json_object_put(root);
		} else {
			gone++;
		}
		run_result_free(&b.res);
		if (o > 0) {
			kill(o, SIGKILL);
			waitpid(o, NULL, 0);
			harness_untrack(o);
		}
	}
	cr_log_info("pid reuse: %d rounds, %d dumps, %d refused, pid reused %d times",
		    rounds, ok, gone, reused);
	if (!reused)
		cr_log_info("the pid was never reused (that needs ns_last_pid, see above); only"
			    " its exit was raced");
	cr_assert_eq(mixed, 0);
	assert_no_children();
}

/* ---- pid namespaces ---- */

/* The host pid of the only child of @parent, waiting up to 5 s. */
static pid_t only_child(pid_t parent)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)parent, (int)parent);
	for (int i = 0; i < 500; i++) {
		FILE *f = fopen(path, "r");
		int child = 0;

		if (f) {
			if (fscanf(f, "%d", &child) != 1)
				child = 0;
			fclose(f);
		}
		if (child > 0)
			return child;
		sleep_ms(10);
	}
	return 0;
}

/* Host tid of the thread whose tid in its own namespace is @nstid. */
static pid_t host_tid(pid_t hostpid, pid_t nstid)
{
	char path[384], line[256];
	struct dirent *d;
	pid_t found = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)hostpid);
	dir = opendir(path);
	cr_assert(dir);
	while (!found && (d = readdir(dir))) {
		FILE *f;

		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/status", (int)hostpid, d->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f)) {
			int host, ns;

			if (sscanf(line, "NSpid: %d %d", &host, &ns) == 2 && ns == nstid)
				found = host;
		}
		fclose(f);
	}
	closedir(dir);
	return found;
}

struct nsvictim {
	struct victim *v;	/* ->pid is unshare's */
	pid_t host;		/* the victim's pid here */
	pid_t tids[8];		/* its tids in its namespace */
	int ntids;
};

static void ns_start(struct nsvictim *n, const char *timer)
{
	char vpath[4096];
	const char *argv[] = { "/usr/bin/unshare", "--pid", "--fork", "--mount-proc",
			       "--kill-child", vpath, "--threads", "2", "--timer", timer,
			       NULL, NULL };

	if (!timer)
		argv[8] = NULL;
	snprintf(vpath, sizeof(vpath), "%s", helper_path("victim"));
	if (access(argv[0], X_OK))
		cr_skip_test("no %s to make a pid namespace", argv[0]);
	n->v = victim_spawn(argv, (uid_t)-1);
	cr_assert(n->v);
	if (!n->v->ready)
		cr_skip_test("cannot start a victim in a new pid namespace: %s", n->v->error);
	n->host = only_child(n->v->pid);
	cr_assert_gt(n->host, 0, "no child of unshare %d", (int)n->v->pid);
	n->ntids = victim_tids(n->v, n->tids, 8);
	cr_assert_eq(n->ntids, 4);
	cr_assert_eq(n->tids[0], 1, "the victim is not pid 1 of its namespace");
}

Test(faults, pid_namespace_dump_and_restore)
{
	struct nsvictim a, b;
	struct ru_sig sigs[512];
	struct vtimer t[8];
	char *dump, pid[16], line[64];
	json_object *root, *jt;
	struct run_result r;
	pid_t host2_a, host2_b;
	int64_t tid;
	int n, c;

	ns_start(&a, "id=7,clock=monotonic,notify=thread_id,sig=12,thread=2,sigval=0x77,"
		 "value_ms=20000,interval_ms=20000");
	ns_start(&b, NULL);
	host2_a = host_tid(a.host, a.tids[2]);
	host2_b = host_tid(b.host, b.tids[2]);
	cr_assert_gt(host2_a, 0);
	cr_assert_gt(host2_b, 0);
	cr_assert_neq(host2_a, a.tids[2], "the namespace tid equals the host tid");

	dump = ru_dump_file(a.host, NULL);
	root = ru_json_load(dump);
	jt = dump_timer(root, 7);
	cr_assert(jt, "timer 7 is not in the dump");
	cr_assert(json_get_int64(jt, "tid", &tid), "timer 7 has no tid");
	cr_expect_eq(tid, host2_a, "the dump names tid %lld, the host tid is %d (in its"
		     " namespace %d)", (long long)tid, (int)host2_a, (int)a.tids[2]);
	cr_expect_eq(json_object_get_int(json_object_array_get_idx(
			     json_object_object_get(root, "threads"), 0)), a.host,
		     "threads[0] is not the host pid");
	json_object_put(root);

	/* Restore into b: the signal must go to b's thread 2. */
	cr_assert_eq(run_ptimerctl(&r, "restore", "--time=frozen", "-i", dump,
				   ru_pidstr(pid, b.host), NULL), 0);
	cr_assert_eq(r.exit_code, 0, "%s", run_describe(&r));
	run_result_free(&r);
	n = ru_timers(b.v, t, 8);
	cr_assert_eq(n, 1, "%s", ru_timers_str(t, n));
	cr_expect_eq(t[0].id, 7);
	cr_expect_eq(t[0].tid, b.tids[2], "the target's thread_id timer aims at tid %d of its"
		     " namespace, not at thread 2 (%d)", t[0].tid, (int)b.tids[2]);
	cr_assert_eq(victim_cmd(b.v, "ping", line, sizeof(line)), 0);
	ru_file_free(dump);

	/* A short periodic timer, so that a signal arrives soon. */
	victim_kill(a.v);
	ns_start(&a, "id=9,clock=monotonic,notify=thread_id,sig=10,thread=2,sigval=0x99,"
		 "value_ms=50,interval_ms=50");
	dump = ru_dump_file(a.host, NULL);
	cr_assert_eq(run_ptimerctl(&r, "restore", "-i", dump, ru_pidstr(pid, b.host), NULL), 0);
	cr_assert_eq(r.exit_code, 0, "%s", run_describe(&r));
	run_result_free(&r);
	/* Wait for three expiries of the 50 ms timer, however late they come. */
	for (int64_t end = clock_ns(CLOCK_MONOTONIC) + TT_RUN_MS * RU_MS;;) {
		n = ru_signals(b.v, sigs, 512);
		c = 0;
		for (int i = 0; i < n; i++)
			c += sigs[i].timerid == 9;
		if (c >= 3 || clock_ns(CLOCK_MONOTONIC) > end)
			break;
		sleep_ms(20);
	}
	c = 0;
	for (int i = 0; i < n; i++) {
		if (sigs[i].timerid != 9)
			continue;
		c++;
		cr_expect_eq(sigs[i].tidx, 2, "timer 9's signal arrived on thread index %d (tid"
			     " %d), not 2", sigs[i].tidx, sigs[i].rtid);
		cr_expect_eq(sigs[i].value, 0x99);
	}
	cr_expect_geq(c, 3, "timer 9 fired only %d times", c);
	ru_file_free(dump);
	victim_kill(a.v);
	victim_kill(b.v);
}

/* ---- seccomp ---- */

Test(faults, seccomp_suspended_or_kept)
{
	struct victim *v = victim_start("--seccomp-deny-prctl77", "--timer",
					"clock=monotonic,notify=none,value_ms=60000", NULL);
	struct run_result r;
	json_object *root;
	int64_t ids;
	char pid[16];

	cr_assert(v && v->ready, "%s", v ? v->error : "fork");
	ru_pidstr(pid, v->pid);
	cr_assert_eq(run_ptimerctl(&r, "dump", pid, NULL), 0);
	cr_assert_eq(r.exit_code, 0, "%s", run_describe(&r));
	root = json_parse_text(r.out);
	cr_assert(root);
	/* a kernel without the prctl refuses it with the filter suspended too */
	if (harness_have_restore_ids())
		cr_expect(json_get_int64(root, "restore_ids", &ids) && ids == 0,
			  "with the filter suspended, restore_ids should be 0: %s", r.out);
	else
		cr_expect(json_is_null_member(root, "restore_ids"),
			  "the kernel lacks prctl(77), restore_ids should be null: %s", r.out);
	cr_expect_null(strstr(r.err, "seccomp"), "a warning without --keep-seccomp: %s", r.err);
	json_object_put(root);
	run_result_free(&r);

	cr_assert_eq(run_ptimerctl(&r, "dump", "--keep-seccomp", pid, NULL), 0);
	cr_assert_eq(r.exit_code, 0, "%s", run_describe(&r));
	root = json_parse_text(r.out);
	cr_assert(root);
	cr_expect(json_is_null_member(root, "restore_ids"),
		  "the filter refuses prctl(77), restore_ids should be null: %s", r.out);
	cr_expect(strstr(r.err, "seccomp"), "no seccomp warning with --keep-seccomp: %s", r.err);
	json_object_put(root);
	run_result_free(&r);
	cr_assert_eq(proc_tracer_pid(v->pid), 0);
	victim_kill(v);
}
