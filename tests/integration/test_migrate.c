// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * `ptimerctl migrate SRC DST`: SRC's timers end disarmed and DST holds
 * them armed, with SRC's IDs and values; when DST fails after SRC was
 * disarmed, SRC is re-armed as it was and its signals go on.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "restore_util.h"

static void fini(void)
{
	harness_kill_all();
}

TestSuite(migrate, .fini = fini, .timeout = 60);

static const struct ru_spec moved[] = {
	{ 3, "monotonic", "signal", 10, 0, 0x3, 100, 100 },
	{ 12, "boottime", "none", 35, 0, 0xc, 20000, 500 },
	{ 70000, "realtime", "thread_id", 34, 1, 0x70000, 30000, 0 },
};
#define NMOVED (sizeof(moved) / sizeof(moved[0]))

static const char *const one_worker[] = { "--threads", "1", NULL };

Test(migrate, moves_the_timers)
{
	struct victim *src = ru_start(moved, NMOVED, one_worker);
	struct victim *dst = ru_start(NULL, 0, one_worker);
	struct vtimer sb[RU_MAX_TIMERS], sa[RU_MAX_TIMERS], da[RU_MAX_TIMERS];
	static struct ru_sig sigs[RU_MAX_SIGS];
	char spid[16], dpid[16];
	struct run_result r;
	pid_t dtids[8];
	int64_t t_start, t_end;
	int nsb, nsa, nda, ns, c;

	cr_assert_eq(victim_tids(dst, dtids, 8), 3);
	nsb = ru_timers(src, sb, RU_MAX_TIMERS);
	cr_assert_eq(nsb, (int)NMOVED);
	cr_assert_eq(ru_restore_ids(src), 0);
	cr_assert_eq(ru_restore_ids(dst), 0);
	t_start = clock_ns(CLOCK_MONOTONIC);
	cr_assert_eq(run_ptimerctl(&r, "migrate", ru_pidstr(spid, src->pid),
				   ru_pidstr(dpid, dst->pid), NULL), 0);
	t_end = clock_ns(CLOCK_MONOTONIC);
	cr_assert_eq(r.exit_code, 0, "%s", run_describe(&r));
	run_result_free(&r);

	nsa = ru_timers(src, sa, RU_MAX_TIMERS);
	nda = ru_timers(dst, da, RU_MAX_TIMERS);
	cr_expect_eq(nsa, (int)NMOVED, "SRC: %s", ru_timers_str(sa, nsa));
	cr_assert_eq(nda, (int)NMOVED, "DST: %s", ru_timers_str(da, nda));
	for (size_t i = 0; i < NMOVED; i++) {
		const struct ru_spec *s = &moved[i];
		const struct vtimer *before = vtimer_find(sb, nsb, s->id);
		const struct vtimer *x = vtimer_find(sa, nsa, s->id);
		const struct vtimer *y = vtimer_find(da, nda, s->id);

		cr_assert(before);
		cr_expect(x, "SRC lost timer %d: %s", s->id, ru_timers_str(sa, nsa));
		/*
		 * The kernel's timer_gettime() on a disarmed SIGEV_NONE timer
		 * still counts down to its old expiry (common_timer_get()), so
		 * only the others can be seen disarmed.
		 */
		if (x && strcmp(s->notify, "none"))
			cr_expect_eq(x->value_ns, 0, "SRC's timer %d is still armed: %s", s->id,
				     ru_timers_str(sa, nsa));
		if (x)
			cr_expect_eq(x->interval_ns, 0, "SRC's timer %d still has an interval",
				     s->id);
		cr_assert(y, "DST lacks timer %d: %s", s->id, ru_timers_str(da, nda));
		cr_expect_eq(y->clockid, before->clockid, "timer %d", s->id);
		cr_expect_str_eq(y->notify, before->notify, "timer %d", s->id);
		cr_expect_eq(y->signo, before->signo, "timer %d", s->id);
		cr_expect_eq(y->sigval, before->sigval, "timer %d", s->id);
		cr_expect_eq(y->interval_ns, before->interval_ns, "timer %d", s->id);
		if (!strcmp(s->notify, "thread_id"))
			cr_expect_eq(y->tid, dtids[s->thread], "timer %d aimed at %d", s->id,
				     y->tid);
		if (s->interval_ms && before->value_ns <= before->interval_ns)
			cr_expect(y->value_ns > 0 && y->value_ns <= y->interval_ns,
				  "timer %d: value %lld", s->id, y->value_ns);
		else
			cr_expect(y->value_ns <= before->value_ns &&
				  y->value_ns >= before->value_ns -
						 (clock_ns(CLOCK_MONOTONIC) - t_start) - 50 * RU_MS,
				  "timer %d: %lld ms in DST, %lld ms in SRC before", s->id,
				  y->value_ns / RU_MS, before->value_ns / RU_MS);
	}
	cr_expect_eq(proc_tracer_pid(src->pid), 0);
	cr_expect_eq(proc_tracer_pid(dst->pid), 0);
	/* Both processes' own prctl(PR_TIMER_CREATE_RESTORE_IDS) state is as it was. */
	cr_expect_eq(ru_restore_ids(src), 0, "SRC's prctl state changed");
	cr_expect_eq(ru_restore_ids(dst), 0, "DST's prctl state was left on");

	/* Timer 3 (100 ms) now signals DST, and SRC no more. */
	sleep_ms(700);
	ns = ru_signals(src, sigs, RU_MAX_SIGS);
	c = ru_count(sigs, ns, 3, t_end + 5 * RU_MS, LLONG_MAX);
	cr_expect_eq(c, 0, "SRC still got %d signals from timer 3", c);
	ns = ru_signals(dst, sigs, RU_MAX_SIGS);
	c = ru_count(sigs, ns, 3, t_end, t_end + 500 * RU_MS);
	cr_expect(c >= 4 && c <= 6, "DST got %d signals from timer 3 in 500 ms", c);
	for (int i = 0; i < ns; i++) {
		cr_expect_eq(sigs[i].code, RU_SI_TIMER);
		cr_expect_eq(sigs[i].timerid, 3);
		cr_expect_eq(sigs[i].value, 0x3);
	}
	victim_kill(src);
	victim_kill(dst);
}

static const struct ru_spec rearmed[] = {
	{ 100, "monotonic", "signal", 10, 0, 0x64, 100, 100 },
	{ 200, "realtime", "signal", 12, 0, 0xc8, 30000, 0 },
};
#define NREARMED (sizeof(rearmed) / sizeof(rearmed[0]))

static void expect_source_as_before(struct victim *src, const struct vtimer *sb, int nsb,
				    int64_t t_end)
{
	static struct ru_sig sigs[RU_MAX_SIGS];
	struct vtimer sa[RU_MAX_TIMERS];
	char why[256];
	int nsa, ns, c;

	nsa = ru_timers(src, sa, RU_MAX_TIMERS);
	cr_expect(ru_timers_same(sb, nsb, sa, nsa, 300 * RU_MS, why, sizeof(why)),
		  "SRC not as before (%s): before %s, after %s", why, ru_timers_str(sb, nsb),
		  ru_timers_str(sa, nsa));
	cr_expect_eq(proc_tracer_pid(src->pid), 0);
	sleep_ms(600);
	ns = ru_signals(src, sigs, RU_MAX_SIGS);
	c = ru_count(sigs, ns, 100, t_end, t_end + 500 * RU_MS);
	cr_expect(c >= 4 && c <= 6, "SRC got %d signals from its 100 ms timer in 500 ms", c);
}

/*
 * migrate's dry run does not see the walk's length, so a --max-iterations
 * refusal comes after SRC was disarmed: SRC must be re-armed.
 */
Test(migrate, failure_after_disarm_rearms_the_source)
{
	struct victim *src = ru_start(rearmed, NREARMED, NULL);
	struct victim *dst = ru_start(NULL, 0, NULL);
	struct vtimer sb[RU_MAX_TIMERS], da[RU_MAX_TIMERS];
	char spid[16], dpid[16];
	struct run_result r;
	int64_t t_end;
	int nsb, nda;

	nsb = ru_timers(src, sb, RU_MAX_TIMERS);
	cr_assert_eq(run_ptimerctl(&r, "migrate", "--method=loop", "--max-iterations", "10",
				   ru_pidstr(spid, src->pid), ru_pidstr(dpid, dst->pid), NULL), 0);
	t_end = clock_ns(CLOCK_MONOTONIC);
	cr_expect_eq(r.exit_code, PX_UNSUPPORTED, "%s", run_describe(&r));
	cr_expect(strstr(r.err, "re-armed"), "SRC was not disarmed, so this tests nothing: %s",
		  r.err);
	run_result_free(&r);
	expect_source_as_before(src, sb, nsb, t_end);
	nda = ru_timers(dst, da, RU_MAX_TIMERS);
	cr_expect_eq(nda, 0, "DST kept timers: %s", ru_timers_str(da, nda));
	cr_expect_eq(proc_tracer_pid(dst->pid), 0);
	victim_kill(src);
	victim_kill(dst);
}

/*
 * A collision in DST is found by the dry run, from /proc: DST is never
 * attached and SRC never disarmed (a disarmed and re-armed SRC would look
 * the same afterwards, but ptimerctl says "re-armed").
 */
Test(migrate, collision_leaves_both_alone)
{
	struct victim *src = ru_start(rearmed, NREARMED, NULL);
	struct victim *dst = victim_start("--timer", "id=200,clock=monotonic,notify=none,"
					  "value_ms=50000", NULL);
	struct vtimer sb[RU_MAX_TIMERS], db[RU_MAX_TIMERS], da[RU_MAX_TIMERS];
	char spid[16], dpid[16], why[256];
	struct run_result r;
	struct ru_watch w;
	int64_t t_end;
	int nsb, ndb, nda;
	long tracer;

	cr_assert(dst && dst->ready);
	nsb = ru_timers(src, sb, RU_MAX_TIMERS);
	ndb = ru_timers(dst, db, RU_MAX_TIMERS);
	ru_watch_start(&w, dst->pid);
	cr_assert_eq(run_ptimerctl(&r, "migrate", ru_pidstr(spid, src->pid),
				   ru_pidstr(dpid, dst->pid), NULL), 0);
	t_end = clock_ns(CLOCK_MONOTONIC);
	tracer = ru_watch_stop(&w);
	cr_expect_eq(r.exit_code, PX_COLLISION, "%s", run_describe(&r));
	cr_expect(strstr(r.err, "200"), "the message does not name ID 200: %s", r.err);
	cr_expect_eq(tracer, 0, "DST was attached (TracerPid %ld): the collision was not"
		     " found before SRC was disarmed", tracer);
	cr_expect_not(strstr(r.err, "re-armed"), "SRC was disarmed, then re-armed: %s", r.err);
	run_result_free(&r);
	nda = ru_timers(dst, da, RU_MAX_TIMERS);
	expect_source_as_before(src, sb, nsb, t_end);
	cr_expect(ru_timers_same(db, ndb, da, nda, 300 * RU_MS, why, sizeof(why)),
		  "DST changed (%s): %s", why, ru_timers_str(da, nda));
	victim_kill(src);
	victim_kill(dst);
}
