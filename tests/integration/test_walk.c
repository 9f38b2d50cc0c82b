// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * The fallback walk: where prctl(PR_TIMER_CREATE_RESTORE_IDS) answers
 * EINVAL (a victim whose seccomp filter says so), restore walks the
 * target's ID counter by creating and deleting timers inside it.  The
 * IDs must come out exact, around 10^5 and across the wrap past INT_MAX;
 * --max-iterations refuses long walks; SIGTERM part-way rolls back and
 * leaves the target as it was; a slow target's walk keeps each chunk
 * within the trap timeout.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "restore_util.h"
#include "time_scale.h"

static void fini(void)
{
	harness_kill_all();
}

TestSuite(walk, .fini = fini, .timeout = 60);

/* The step count of the "plan: method walk, ..." line, or -1. */
static long long plan_steps(const char *err)
{
	const char *p = strstr(err, "plan: method walk, ");
	long long steps;

	if (!p)
		return -1;
	p = strchr(p + 19, ',');
	if (!p)
		return -1;
	p += 2;
	if (!strncmp(p, "at least ", 9))
		p += 9;
	if (sscanf(p, "%lld walk steps", &steps) != 1)
		return -1;
	return steps;
}

static const struct ru_spec near_1e5[] = {
	{ 99999, "monotonic", "signal", 10, 0, 0x99999, 60000, 0 },
	{ 100000, "realtime", "thread_id", 34, 1, 0x100000, 50000, 1000 },
	{ 100500, "boottime", "none", 35, 0, 0x100500, 0, 0 },
};
#define NNEAR (sizeof(near_1e5) / sizeof(near_1e5[0]))

static char *dump_of(const struct ru_spec *specs, size_t n, const char *const *extra)
{
	struct victim *src = ru_start(specs, n, extra);
	char *dump = ru_dump_file(src->pid, NULL);

	victim_kill(src);
	return dump;
}

/* @v's timers as in @before, and @v untraced. */
static void expect_untouched(struct victim *v, const struct ru_snap *before)
{
	static struct ru_snap after;
	char why[256];

	ru_snap_take(v, &after);
	cr_expect(ru_snaps_same(before, &after, RU_UNTOUCHED, why, sizeof(why)), "%s: %s", why,
		  ru_timers_str(after.t, after.n));
	cr_expect_eq(proc_tracer_pid(v->pid), 0);
}

/* A dump of one timer, made again with each of the @n @ids. */
static char *dump_with_ids(const int *ids, size_t n)
{
	static const struct ru_spec one = { 0, "monotonic", "none", 10, 0, 0x1, 60000, 0 };
	char *template = dump_of(&one, 1, NULL), *dump = ru_dump_with_ids(template, ids, n);

	ru_file_free(template);
	return dump;
}

Test(walk, auto_walks_when_the_prctl_is_refused)
{
	const char *extra[] = { "--threads", "1", "--seccomp-deny-prctl77", NULL };
	const char *src_extra[] = { "--threads", "1", NULL };
	char *dump = dump_of(near_1e5, NNEAR, src_extra), pidbuf[16];
	struct vtimer t[RU_MAX_TIMERS];
	struct victim *v = ru_start(NULL, 0, extra);
	struct run_result r;
	struct vstate st;
	pid_t tids[8];
	long long steps;
	int n;

	cr_assert_eq(victim_state(v, &st), 0);
	cr_assert_lt(st.restore_ids, 0, "the seccomp filter does not refuse prctl(77)");
	cr_assert_eq(victim_tids(v, tids, 8), 3);
	cr_assert_eq(run_ptimerctl(&r, "restore", "--method=auto", "--keep-seccomp", "-i", dump,
				   ru_pidstr(pidbuf, v->pid), NULL), 0);
	cr_assert_eq(r.exit_code, 0, "%s", run_describe(&r));
	cr_expect(strstr(r.err, "plan: method walk"), "no walk plan: %s", r.err);
	/* from a fresh counter: 100000 steps to 99999, 1 to 100000, 500 to 100500 */
	steps = plan_steps(r.err);
	cr_expect(steps == 100501, "the plan says %lld walk steps: %s",
		  steps, r.err);
	run_result_free(&r);
	n = ru_timers(v, t, RU_MAX_TIMERS);
	cr_assert_eq(n, (int)NNEAR, "%s", ru_timers_str(t, n));
	for (size_t i = 0; i < NNEAR; i++) {
		const struct ru_spec *s = &near_1e5[i];
		const struct vtimer *x = vtimer_find(t, n, s->id);

		cr_assert(x, "timer %d missing: %s", s->id, ru_timers_str(t, n));
		cr_expect_eq(x->clockid, ru_fixed_clockid(s->clock), "timer %d", s->id);
		cr_expect_str_eq(x->notify, s->notify, "timer %d", s->id);
		cr_expect_eq(x->signo, s->sig, "timer %d", s->id);
		cr_expect_eq(x->sigval, s->sigval, "timer %d", s->id);
		cr_expect_eq(x->interval_ns, (long long)s->interval_ms * RU_MS, "timer %d", s->id);
		cr_expect_eq(!x->value_ns, !s->value_ms, "timer %d: value %lld", s->id,
			     x->value_ns);
		if (!strcmp(s->notify, "thread_id"))
			cr_expect_eq(x->tid, tids[s->thread]);
	}
	cr_assert_eq(victim_state(v, &st), 0);
	cr_expect_lt(st.restore_ids, 0);
	cr_expect_eq(st.eintr, 0);
	cr_expect_eq(proc_tracer_pid(v->pid), 0);
	ru_file_free(dump);
	victim_kill(v);
}

Test(walk, prctl_method_refused_without_the_prctl)
{
	const char *extra[] = { "--threads", "1", "--seccomp-deny-prctl77", "--timer",
				"id=0,clock=monotonic,notify=none,value_ms=60000", NULL };
	const char *src_extra[] = { "--threads", "1", NULL };
	char *dump = dump_of(near_1e5, NNEAR, src_extra), pidbuf[16];
	static struct ru_snap before;
	struct victim *v;
	struct run_result r;

	/* The filter comes after the victim's own timer, which used the prctl. */
	v = ru_start(NULL, 0, extra);
	ru_snap_take(v, &before);
	cr_assert_eq(run_ptimerctl(&r, "restore", "--method=prctl", "--keep-seccomp", "-i", dump,
				   ru_pidstr(pidbuf, v->pid), NULL), 0);
	cr_expect_eq(r.exit_code, PX_UNSUPPORTED, "%s", run_describe(&r));
	cr_expect(strstr(r.err, "PR_TIMER_CREATE_RESTORE_IDS"), "%s", r.err);
	run_result_free(&r);
	expect_untouched(v, &before);
	ru_file_free(dump);
	victim_kill(v);
}

Test(walk, wraps_past_int_max)
{
	static const struct ru_spec low[] = {
		{ 3, "monotonic", "signal", 10, 0, 0x3, 30000, 0 },
		{ 10, "monotonic", "none", 12, 0, 0xa, 40000, 500 },
	};
	struct victim *v = victim_start("--timer", "id=2147483000,clock=monotonic,notify=none,"
					"value_ms=60000", NULL);
	char *dump = dump_of(low, 2, NULL), pidbuf[16];
	struct vtimer t[RU_MAX_TIMERS];
	struct run_result r;
	long long steps;
	int n;

	cr_assert(v && v->ready, "%s", v ? v->error : "fork");
	cr_assert_eq(run_ptimerctl(&r, "restore", "--method=loop", "-i", dump,
				   ru_pidstr(pidbuf, v->pid), NULL), 0);
	cr_assert_eq(r.exit_code, 0, "%s", run_describe(&r));
	/* 2147483001 .. INT_MAX is 647 steps, then 0 .. 3 and 4 .. 10: 658 */
	steps = plan_steps(r.err);
	cr_expect(steps == 658, "the plan says %lld walk steps: %s", steps,
		  r.err);
	run_result_free(&r);
	n = ru_timers(v, t, RU_MAX_TIMERS);
	cr_assert_eq(n, 3, "%s", ru_timers_str(t, n));
	cr_expect(vtimer_find(t, n, 2147483000), "%s", ru_timers_str(t, n));
	for (int i = 0; i < 2; i++) {
		const struct vtimer *x = vtimer_find(t, n, low[i].id);

		cr_assert(x, "timer %d missing after the wrap: %s", low[i].id,
			  ru_timers_str(t, n));
		cr_expect_eq(x->sigval, low[i].sigval);
		cr_expect_eq(x->signo, low[i].sig);
		cr_expect_eq(x->interval_ns, (long long)low[i].interval_ms * RU_MS);
	}
	ru_file_free(dump);
	victim_kill(v);
}

/* A busy loop on @cpu, registered for harness_kill_all(). */
static const struct ru_spec at_20000[] = {
	{ 20000, "monotonic", "signal", 10, 0, 0x20000, 60000, 0 },
};

/*
 * A target that runs slowly, as under TCG (where a step costs hundreds
 * of microseconds, not the 0.6 of hardware): the victim's timer_create
 * and timer_delete each wait 150 us for a seccomp supervisor, so a step
 * costs at least 300 us on any machine.  The walk must size its chunks by
 * the rate it sees, so that none runs past the trap timeout: a first
 * chunk of fixed steps long enough for hardware (20,000) takes at least
 * 6 s here, twice the timeout, and the restore fails; the first chunk of
 * 2,000 takes about 0.7 s, and the chunks after it are sized to 0.1 s.
 * (A starved thread, SCHED_IDLE behind a busy loop, is slow too, but in
 * bursts of milliseconds whose rate depends on the machine: on a fast
 * one the 20,000 steps fitted in the timeout.)  Skipped under emulation,
 * where the emulated CPU is itself the slow target this test imitates.
 */
Test(walk, a_slow_target_walks_in_chunks_its_rate_allows, .timeout = 120)
{
	struct victim *v = victim_start("--timer", "id=1,clock=monotonic,notify=none,"
					"value_ms=60000", "--slow-timers", "150", NULL);
	char *dump = dump_of(at_20000, 1, NULL), pidbuf[16];
	struct vtimer t[RU_MAX_TIMERS];
	struct run_result r;
	int n;

	if (harness_time_scale() > 1)
		cr_skip_test("under emulation (time scale %d)", harness_time_scale());
	cr_assert(v && v->ready, "%s", v ? v->error : "fork");
	/* --keep-seccomp: the supervisor's filter must judge the walk's calls. */
	run_ptimerctl(&r, "restore", "--method=loop", "--keep-seccomp", "--timeout=3",
		      "-i", dump, ru_pidstr(pidbuf, v->pid), NULL);
	cr_assert_eq(r.exit_code, 0, "%s", run_describe(&r));
	run_result_free(&r);
	n = ru_timers(v, t, RU_MAX_TIMERS);
	cr_assert_eq(n, 2, "%s", ru_timers_str(t, n));
	cr_expect(vtimer_find(t, n, 20000), "%s", ru_timers_str(t, n));
	ru_file_free(dump);
	victim_kill(v);
}

static const struct ru_spec far_one[] = {
	{ 100000, "monotonic", "signal", 10, 0, 0x1, 60000, 0 },
};

/*
 * A walk stopped past the timeout, in a target whose timer_create()s
 * each wait 2 ms for a seccomp supervisor (--slow-timers: the call runs
 * to its end, and the thread stops after it): the run is stopped with a
 * step's timer made and not yet deleted, and the blob never says which.
 * The rollback must delete it, and the target be left with its own
 * timers alone.
 */
Test(walk, a_walk_past_the_timeout_leaves_no_timer)
{
	struct victim *v = victim_start("--timer", "clock=monotonic,notify=none,value_ms=60000",
					"--slow-timers", "2000,0", NULL);
	char *dump = dump_of(far_one, 1, NULL), pidbuf[16];
	struct run_result r;
	int before;

	if (harness_time_scale() > 1)
		cr_skip_test("under emulation (time scale %d)", harness_time_scale());
	cr_assert(v && v->ready, "%s", v ? v->error : "fork");
	before = proc_count_timers(v->pid);
	cr_assert_eq(run_ptimerctl(&r, "restore", "--method=loop", "--keep-seccomp",
				   "--timeout=0.2", "-i", dump, ru_pidstr(pidbuf, v->pid), NULL), 0);
	cr_expect_eq(r.exit_code, PX_TIMEOUT, "%s", run_describe(&r));
	cr_expect(!strstr(r.err, "could not"), "the rollback failed: %s", r.err);
	cr_expect(strstr(r.err, "timed out; after ") && strstr(r.err, "was rolled back"),
		  "no word of the rollback: %s", r.err);
	cr_expect_eq(proc_count_timers(v->pid), before, "the rollback left timers in pid %d:"
		     " %d, where it had %d", v->pid, proc_count_timers(v->pid), before);
	cr_expect_eq(proc_tracer_pid(v->pid), 0);
	run_result_free(&r);
	ru_file_free(dump);
	victim_kill(v);
}

Test(walk, max_iterations_refuses_and_creates_nothing)
{
	struct victim *v = victim_start("--timer", "clock=monotonic,notify=none,value_ms=60000",
					"--timer", "id=7,clock=realtime,sig=12,value_ms=50000",
					NULL);
	char *dump = dump_of(far_one, 1, NULL), pidbuf[16];
	static struct ru_snap before;
	struct run_result r;

	cr_assert(v && v->ready, "%s", v ? v->error : "fork");
	ru_snap_take(v, &before);
	cr_assert_eq(run_ptimerctl(&r, "restore", "--method=loop", "--max-iterations", "1000",
				   "-i", dump, ru_pidstr(pidbuf, v->pid), NULL), 0);
	cr_expect_eq(r.exit_code, PX_UNSUPPORTED, "%s", run_describe(&r));
	/* Given by its first name, the option is named by its own. */
	cr_expect(strstr(r.err, "--max-walk-steps"), "the message does not name the limit: %s",
		  r.err);
	run_result_free(&r);
	expect_untouched(v, &before);
	ru_file_free(dump);
	victim_kill(v);
}

/*
 * ptimerctl(1): --max-iterations refuses a longer walk "before starting
 * it".  Then the target's counter has not moved, and a walk to three IDs
 * past it still takes three steps.
 */
Test(walk, max_iterations_refuses_before_walking)
{
	struct victim *v = victim_start("--timer", "clock=monotonic,notify=none,value_ms=60000",
					NULL);
	char *far = dump_of(far_one, 1, NULL), *near, pidbuf[16];
	struct ru_spec next = { 0, "monotonic", "none", 10, 0, 0x2, 60000, 0 };
	struct vtimer t[RU_MAX_TIMERS];
	struct run_result r;
	int n;

	cr_assert(v && v->ready, "%s", v ? v->error : "fork");
	n = ru_timers(v, t, RU_MAX_TIMERS);
	cr_assert_eq(n, 1);
	next.id = t[0].id + 3;	/* the counter stands at t[0].id + 1 */
	near = dump_of(&next, 1, NULL);
	cr_assert_eq(run_ptimerctl(&r, "restore", "--method=loop", "--max-iterations", "1000",
				   "-i", far, ru_pidstr(pidbuf, v->pid), NULL), 0);
	cr_assert_eq(r.exit_code, PX_UNSUPPORTED, "%s", run_describe(&r));
	run_result_free(&r);
	cr_assert_eq(run_ptimerctl(&r, "restore", "--method=loop", "--max-iterations", "100",
				   "-i", near, ru_pidstr(pidbuf, v->pid), NULL), 0);
	cr_expect_eq(r.exit_code, 0, "a refused walk moved the target's ID counter: a walk"
		     " of 3 steps to ID %d now fails: %s", next.id, run_describe(&r));
	run_result_free(&r);
	ru_file_free(near);
	ru_file_free(far);
	victim_kill(v);
}

/*
 * The planned walk length, exactly, for known distances: the counter of a
 * target whose highest ID is H stands at least at H + 1 (a dry run cannot
 * attach to read it, so it plans from there), and reaching ID x from
 * counter c takes (x - c) mod 2^31 + 1 creations.
 */
Test(walk, plan_lengths_exact)
{
	static const struct {
		int holder;
		int ids[3];
		size_t n;
		long long steps;
	} cases[] = {
		{ 100, { 101 }, 1, 1 },				/* the next ID */
		{ 100, { 200 }, 1, 100 },
		{ 100, { 150, 160 }, 2, 50 + 10 },
		{ 100, { 150, 160, INT_MAX }, 3, 50 + 10 + (INT_MAX - 161 + 1LL) },
		{ 2147483000, { 3, 10 }, 2, 647 + 4 + 7 },	/* round past INT_MAX */
		{ 2147483646, { INT_MAX }, 1, 1 },
		{ 2147483646, { 0 }, 1, 2 },			/* INT_MAX, then 0 */
		{ 5, { 4 }, 1, INT_MAX },			/* all the way round */
	};
	static const struct ru_spec one = { 0, "monotonic", "none", 10, 0, 0x1, 60000, 0 };
	char *template = dump_of(&one, 1, NULL), pidbuf[16], spec[96];
	struct victim *v = NULL;
	int holder = -1;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *dump = ru_dump_with_ids(template, cases[i].ids, cases[i].n);
		struct run_result r;
		long long steps;

		if (cases[i].holder != holder) {
			victim_kill(v);
			holder = cases[i].holder;
			snprintf(spec, sizeof(spec), "id=%d,clock=monotonic,notify=none,"
				 "value_ms=60000", holder);
			v = victim_start("--timer", spec, NULL);
			cr_assert(v && v->ready, "%s", v ? v->error : "fork");
		}
		cr_assert_eq(run_ptimerctl(&r, "restore", "--dry-run", "--method=loop",
					   "--max-walk-steps", "2147483648", "-i", dump,
					   ru_pidstr(pidbuf, v->pid), NULL), 0);
		cr_assert_eq(r.exit_code, 0, "%s", run_describe(&r));
		steps = plan_steps(r.err);
		cr_expect_eq(steps, cases[i].steps, "highest ID %d, walk to %d%s: the plan says"
			     " %lld steps, not %lld: %s", holder, cases[i].ids[0],
			     cases[i].n > 1 ? " and on" : "", steps, cases[i].steps, r.err);
		run_result_free(&r);
		ru_file_free(dump);
	}
	victim_kill(v);
	ru_file_free(template);
}

/*
 * A target whose counter is past the dump's IDs: its timer 5 made, a dump
 * of ID 4 is a walk all the way round the ID space, 2^31 - 1 steps with
 * the target stopped (20 minutes here, hours in an emulated guest).  By
 * default that is refused, after the one step that finds the counter,
 * and by a dry run, whose plan already says as much; the message says why
 * and the hint what allows it.  (It walked.)  A wrap from near INT_MAX,
 * cheap, is not refused: walk/wraps_past_int_max.
 */
Test(walk, a_walk_round_the_id_space_is_refused_by_default)
{
	static const char *const modes[] = { "--method=loop", "--dry-run" };
	const struct run_opts quick = { .timeout_ms = RU_WAIT_MS };
	struct victim *v = victim_start("--timer", "id=5,clock=monotonic,notify=none,"
					"value_ms=60000", NULL);
	static struct ru_snap before;
	char pidbuf[16], *dump;
	int four = 4;

	cr_assert(v && v->ready, "%s", v ? v->error : "fork");
	dump = dump_with_ids(&four, 1);
	ru_snap_take(v, &before);
	for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
		struct run_result r;

		cr_assert_eq(run_ptimerctl_opts(&r, &quick, "restore", "--method=loop", modes[m],
						"-i", dump, ru_pidstr(pidbuf, v->pid), NULL), 0);
		cr_assert(!r.timed_out, "%s: still walking after %d ms", modes[m], RU_WAIT_MS);
		cr_expect_eq(r.exit_code, PX_UNSUPPORTED, "%s: %s", modes[m], run_describe(&r));
		/* Enough for a lap, then on to ID 4. */
		cr_expect(strstr(r.err, "round the id space past INT_MAX") &&
			  strstr(r.err, "--max-walk-steps=2147483653"), "%s: %s", modes[m], r.err);
		run_result_free(&r);
	}
	expect_untouched(v, &before);
	ru_file_free(dump);
	victim_kill(v);
}

/*
 * A target whose IDs straddle a wrap: INT_MAX - 1000, then 3, its counter
 * at 4.  A dry run takes the counter to be past INT_MAX - 1000, which
 * would make a walk to ID 200 one of 1201 steps round past INT_MAX; it is
 * 197 steps.  The dry run must not refuse it for --max-walk-steps 250
 * (it did), and the restore makes it.
 */
Test(walk, a_dry_run_refuses_no_walk_by_ids_across_a_wrap)
{
	static const char *const modes[] = { "--dry-run", "--time=frozen" };
	struct victim *v = victim_start("--timer", "id=2147482647,clock=monotonic,notify=none,"
					"value_ms=60000", "--timer", "id=3,clock=monotonic,"
					"notify=none,value_ms=60000", NULL);
	char pidbuf[16], *dump;
	int id = 200;

	cr_assert(v && v->ready, "%s", v ? v->error : "fork");
	dump = dump_with_ids(&id, 1);
	for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
		struct run_result r;

		cr_assert_eq(run_ptimerctl(&r, "restore", "--method=loop", "--max-walk-steps", "250",
					   modes[m], "-i", dump, ru_pidstr(pidbuf, v->pid), NULL), 0);
		cr_expect_eq(r.exit_code, 0, "%s: %s", modes[m], run_describe(&r));
		run_result_free(&r);
	}
	cr_expect_eq(proc_count_timers(v->pid), 3, "timer 200 was not made");
	ru_file_free(dump);
	victim_kill(v);
}

static const struct ru_spec two_far[] = {
	{ 4, "monotonic", "signal", 12, 0, 0x4, 60000, 0 },
	{ 5000000, "monotonic", "none", 10, 0, 0x5, 60000, 0 },
};

/* The count of "after N walk steps" in ptimerctl's message, or -1. */
static long long steps_walked(const char *err)
{
	const char *p = strstr(err, "after ");
	long long steps;

	for (; p; p = strstr(p + 6, "after "))
		if (sscanf(p, "after %lld walk steps", &steps) == 1)
			return steps;
	return -1;
}

/*
 * SIGTERM in the middle of the walk to 5,000,000: ptimerctl stops itself
 * before its fourth walk chunk (PTIMER_STOP_AT, after the plan, with
 * almost all of the walk to go), gets SIGTERM there and goes on.  It must
 * stop walking at once (what it says it walked is less than the plan),
 * roll back and leave the target as it was, blocked in its read.
 */
Test(walk, sigterm_rolls_back_and_the_target_runs_on, .timeout = 90)
{
	struct victim *v = victim_start("--block", "read",
					"--timer", "id=1,clock=monotonic,notify=none,value_ms=60000",
					"--timer", "id=2,clock=realtime,sig=12,value_ms=50000", NULL);
	char *dump = dump_of(two_far, 2, NULL), pidbuf[16], line[512];
	static struct ru_snap before, after;
	struct vstate st0, st;
	struct ru_bg b;
	char why[256];
	long long rc, err, eintr, planned, walked;
	bool stopped;

	cr_assert(v && v->ready, "%s", v ? v->error : "fork");
	ru_snap_take(v, &before);
	cr_assert_eq(victim_state(v, &st0), 0);
	ru_bg_start_at(&b, "walk:4", "restore", "--method=loop", "-i", dump,
		       ru_pidstr(pidbuf, v->pid), NULL);
	stopped = ru_bg_wait_stopped(&b, RU_WAIT_MS);
	if (!stopped)
		ru_bg_wait(&b, RU_WAIT_MS);
	cr_assert(stopped, "ptimerctl did not stop in the walk: %s", run_describe(&b.res));
	cr_assert_gt(proc_tracer_pid(v->pid), 0, "the target is not traced mid-walk");
	ru_bg_signal_and_continue(&b, SIGTERM);
	ru_bg_wait(&b, RU_WAIT_MS);
	cr_assert_not(b.res.timed_out, "ptimerctl did not end after SIGTERM (killed after %d s)",
		      RU_WAIT_MS / 1000);
	cr_expect_eq(b.res.exit_code, PX_INTERRUPTED, "%s", run_describe(&b.res));
	planned = plan_steps(b.res.err);
	walked = steps_walked(b.res.err);
	cr_expect(planned > 0 && walked > 0 && walked < planned,
		  "ptimerctl walked %lld of the %lld steps planned before it stopped: %s",
		  walked, planned, b.res.err);
	run_result_free(&b.res);

	cr_expect_eq(proc_tracer_pid(v->pid), 0);
	ru_snap_take(v, &after);
	cr_expect(ru_snaps_same(&before, &after, RU_UNTOUCHED, why, sizeof(why)),
		  "not rolled back (%s): %s", why, ru_timers_str(after.t, after.n));
	cr_assert_eq(victim_state(v, &st), 0, "the target does not answer");
	cr_expect_eq(st.eintr, 0, "the target's read saw EINTR");
	cr_expect_eq(st.signals, st0.signals, "the target got %lld signals",
		     st.signals - st0.signals);
	cr_expect_eq(st.restore_ids, st0.restore_ids);
	cr_expect_eq(st.sigmask, st0.sigmask);
	cr_expect_str_eq(st.masks, st0.masks);
	cr_expect_eq(st.maps, st0.maps, "the target's memory map changed");
	/* Its registers are intact: the read it was blocked in returns the byte. */
	cr_assert_eq(victim_wake(v, true, line, sizeof(line), RU_WAIT_MS), 0, "no WOKE");
	cr_expect(kv_ll(line, "rc", &rc) && rc == 1 && kv_ll(line, "errno", &err) && err == 0 &&
		  kv_ll(line, "eintr", &eintr) && eintr == 0, "%s", line);
	ru_file_free(dump);
	victim_kill(v);
}
