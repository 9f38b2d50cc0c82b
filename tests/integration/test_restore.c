// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * `ptimerctl restore` into live victims.  A dump of a victim with timers on
 * every clock and in every notify mode is restored into a fresh victim,
 * which then reports what it holds and what it receives: the same IDs and
 * settings, CPU clocks and notify tids mapped to its own threads, and
 * SI_TIMER signals with the right si_timerid and si_value, on the right
 * thread, at the right rate.  Then the time modes, collisions and
 * --replace, thread mapping, a dump from the future, --dry-run and a
 * target that dies part-way.
 */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "restore_util.h"
#include "tool_trace.h"

static void fini(void)
{
	harness_kill_all();
}

TestSuite(restore, .fini = fini, .timeout = 60);

/*
 * Thread indices in both victims: 0 main, 1..3 workers, 4 a busy thread
 * (so that CPU clocks advance), then glibc's SIGEV_THREAD helper (started
 * by the first glibc timer, unregistered in the victim) and the control
 * thread.  IDs 0 .. INT_MAX-1; the one-shots fire a few seconds after
 * the restore (long enough for the dump to come before them on a loaded
 * machine), the periodic ones measure their period.
 */
static const struct ru_spec every[] = {
	{ 0, "realtime", "signal", 10, 0, 0x1000, 4000, 0 },
	{ 5, "monotonic", "signal", 12, 0, 0xdeadbeefcafef00dULL, 50, 50 },
	{ 7, "thread_cputime", "none", 37, 0, 0x7, 10000, 0 },
	{ 8, "thread_cpu:4", "thread_id", 38, 3, 0x8, 100, 100 },
	{ 9, "monotonic", "none", 39, 0, 0x9, 60000, 0 },
	{ 11, "process_cputime", "signal", 40, 0, 0xb, 600000, 0 },
	{ 1000, "boottime", "thread", 34, 0, 0x7fffffffffffffffULL, 3000, 0 },
	{ 65536, "tai", "thread_id", 35, 2, 0x42, 100, 100 },
	{ 2147483646, "process_cpu_self", "signal", 36, 0, 0x36, 200, 200 },
};
#define NEVERY (sizeof(every) / sizeof(every[0]))
#define GLIBC_SIG 32

static const struct ru_spec glibc_timer = { -1, "monotonic", "glibc_thread", 0, 0, 0, 0, 0 };

static const struct ru_spec *find_spec(const struct ru_spec *specs, size_t n, int id)
{
	for (size_t i = 0; i < n; i++)
		if (specs[i].id == id)
			return &specs[i];
	return NULL;
}

static int expected_clockid(const struct ru_spec *s, pid_t pid, const pid_t *tids)
{
	int fixed = ru_fixed_clockid(s->clock);

	if (fixed != INT_MIN)
		return fixed;
	if (!strcmp(s->clock, "process_cpu_self"))
		return ru_cpu_clock(pid, false);
	if (!strncmp(s->clock, "thread_cpu:", 11))
		return ru_cpu_clock(tids[atoi(s->clock + 11)], true);
	cr_assert_fail("no expected clock id for %s", s->clock);
	return 0;
}

static int64_t dumped_value(json_object *root, int id)
{
	json_object *t = dump_timer(root, id);
	int64_t v = -1;

	cr_assert(t, "the dump has no timer %d", id);
	cr_assert(json_get_int64(t, "value_ns", &v));
	return v;
}

static struct victim *start_source_every(int churn_for_glibc)
{
	struct ru_spec specs[NEVERY + 1];
	char churn[16];
	const char *extra[] = { "--threads", "3", "--busy", "1", "--churn", churn, NULL };

	snprintf(churn, sizeof(churn), "%d", churn_for_glibc);
	specs[0] = glibc_timer;	/* first, so that it takes the churned ID */
	memcpy(specs + 1, every, sizeof(every));
	return ru_start(specs, NEVERY + 1, extra);
}

/*
 * A remaining time read in @snap from a one-shot armed with @value at
 * some instant between @armed_from and @armed_to (CLOCK_MONOTONIC), on a
 * clock that runs with MONOTONIC: no tolerance, only the measured times.
 */
static void expect_remaining(const struct ru_snap *snap, int id, int64_t value,
			     int64_t armed_from, int64_t armed_to, const char *what)
{
	const struct vtimer *t = ru_snap_timer(snap, id);
	/* the elapsed time can only be bracketed; REALTIME may be slewed by 500 ppm */
	int64_t lo = value - (snap->t1 - armed_from), hi = value - (snap->t0 - armed_to);
	int64_t slew = (snap->t1 - armed_from) / 1000 + 1;

	if (lo <= 0 && t->value_ns == 0)
		return;		/* it may have fired already */
	cr_expect(t->value_ns >= lo - slew && t->value_ns <= hi + slew,
		  "%s: timer %d has %lld ns left; armed with %lld ns %lld..%lld ns before it was"
		  " read, it should have %lld..%lld", what, id, t->value_ns, (long long)value,
		  (long long)(snap->t0 - armed_to), (long long)(snap->t1 - armed_from),
		  (long long)lo, (long long)hi);
}

/* Wait for the period of timer @id to show; expect it to be @nominal_ns. */
static int expect_period(struct victim *v, int id, int64_t from_ns, long long nominal_ns,
			 struct ru_sig *sigs)
{
	long long period;
	int ns;

	cr_expect(ru_wait_period(v, id, from_ns, nominal_ns, 20, sigs, RU_MAX_SIGS, &ns, &period),
		  "timer %d: a period of %lld us measured over %d expiries, %lld us expected", id,
		  period / 1000, ru_expiries(sigs, ns, id, from_ns), nominal_ns / 1000);
	cr_log_info("timer %d: a period of %lld us over %d expiries", id, period / 1000,
		    ru_expiries(sigs, ns, id, from_ns));
	return ns;
}

Test(restore, round_trip_every_clock_and_notify_mode, .timeout = 150)
{
	const char *extra[] = { "--threads", "3", "--busy", "1", "--churn", "30", NULL };
	const struct ru_want one_shots_and_cpu[] = {
		{ 0, 1, 0 }, { 1000, 1, 0 }, { 2147483646, 1, 0 }, { 8, 1, 0 },
	};
	struct victim *src, *dst;
	struct vtimer before[RU_MAX_TIMERS], *after;
	static struct ru_snap snap;
	static struct ru_sig sigs[RU_MAX_SIGS];
	pid_t tids[16], helper;
	json_object *root;
	const struct vtimer *own_glibc, *g;
	char pidbuf[16], *dump, gsig[32];
	struct run_result r;
	int64_t t_start, t_end, v0, v1000;
	int nb, na, ns, ntids, glibc_id = 20;
	unsigned long long glibc_sigval;

	src = start_source_every(glibc_id);
	dump = ru_dump_file(src->pid, NULL);
	victim_kill(src);	/* and its busy thread with it */
	root = ru_json_load(dump);
	cr_assert(dump_timer(root, glibc_id), "the glibc timer did not get ID %d", glibc_id);
	cr_assert_str_eq(json_get_str(dump_timer(root, glibc_id), "notify"), "thread_id");
	cr_assert(json_get_str(dump_timer(root, glibc_id), "sigval"));
	glibc_sigval = strtoull(json_get_str(dump_timer(root, glibc_id), "sigval"), NULL, 16);
	v0 = dumped_value(root, 0);
	v1000 = dumped_value(root, 1000);
	cr_assert(v0 > 0 && v1000 > 0, "the one-shots fired before the dump: %lld %lld",
		  (long long)v0, (long long)v1000);

	/* The fresh victim: the same threads, glibc's helper included. */
	dst = ru_start(&glibc_timer, 1, extra);
	ntids = victim_tids(dst, tids, 16);
	cr_assert_eq(ntids, 6, "tids: %d", ntids);
	helper = ru_extra_tid(dst);
	cr_assert_gt(helper, 0, "the fresh victim has no glibc helper thread");
	nb = ru_timers(dst, before, RU_MAX_TIMERS);
	cr_assert_eq(nb, 1, "the fresh victim's timers: %s", ru_timers_str(before, nb));
	cr_assert_eq(ru_signals(dst, sigs, RU_MAX_SIGS), 0, "signals before the restore");

	t_start = clock_ns(CLOCK_MONOTONIC);
	cr_assert_eq(run_ptimerctl(&r, "restore", "-i", dump, ru_pidstr(pidbuf, dst->pid),
				   NULL), 0);
	t_end = clock_ns(CLOCK_MONOTONIC);
	cr_assert_eq(r.exit_code, 0, "%s", run_describe(&r));
	cr_assert(strstr(r.err, "glibc SIGEV_THREAD"),
		  "no warning about the glibc SIGEV_THREAD timer: %s", r.err);
	snprintf(gsig, sizeof(gsig), "timer %d ", glibc_id);
	cr_assert(strstr(r.err, gsig), "the warning does not name timer %d: %s", glibc_id, r.err);
	run_result_free(&r);

	/* What the victim holds. */
	ru_snap_take(dst, &snap);
	after = snap.t;
	na = snap.n;
	cr_assert_eq(na, (int)NEVERY + 2, "timers after the restore: %s",
		     ru_timers_str(after, na));
	own_glibc = vtimer_find(after, na, before[0].id);
	cr_assert(own_glibc && own_glibc->signo == before[0].signo &&
		  own_glibc->sigval == before[0].sigval && own_glibc->tid == helper,
		  "the victim's own glibc timer changed: %s", ru_timers_str(after, na));
	g = vtimer_find(after, na, glibc_id);
	cr_assert(g, "glibc timer %d not restored", glibc_id);
	cr_expect_str_eq(g->notify, "thread_id");
	cr_expect_eq(g->signo, GLIBC_SIG);
	cr_expect_eq(g->sigval, glibc_sigval);
	cr_expect_eq(g->tid, helper, "glibc timer aimed at tid %d, the helper is %d",
		     g->tid, helper);
	cr_expect_eq(g->value_ns, 0);
	for (size_t i = 0; i < NEVERY; i++) {
		const struct ru_spec *s = &every[i];
		const struct vtimer *t = vtimer_find(after, na, s->id);

		cr_assert(t, "timer %d not restored: %s", s->id, ru_timers_str(after, na));
		cr_expect_eq(t->clockid, expected_clockid(s, dst->pid, tids),
			     "timer %d (%s): clock %d", s->id, s->clock, t->clockid);
		cr_expect_str_eq(t->notify, s->notify, "timer %d", s->id);
		cr_expect_eq(t->signo, s->sig, "timer %d", s->id);
		cr_expect_eq(t->sigval, s->sigval, "timer %d: sigval %#llx", s->id, t->sigval);
		if (!strcmp(s->notify, "thread_id"))
			cr_expect_eq(t->tid, tids[s->thread], "timer %d aimed at tid %d, not"
				     " thread %d (%d)", s->id, t->tid, s->thread,
				     tids[s->thread]);
		else if (strcmp(s->notify, "none"))
			cr_expect_eq(t->tid, dst->pid, "timer %d aimed at %d", s->id, t->tid);
		cr_expect_eq(t->interval_ns, (long long)s->interval_ms * RU_MS, "timer %d",
			     s->id);
		if (s->id == 7 || s->id == 9 || s->id == 11)
			cr_expect(t->value_ns > 0 && t->value_ns <= (long long)s->value_ms * RU_MS,
				  "timer %d: value %lld", s->id, t->value_ns);
	}
	/* frozen: each one-shot armed with its dumped value during the restore */
	expect_remaining(&snap, 0, v0, t_start, t_end, "frozen");
	expect_remaining(&snap, 1000, v1000, t_start, t_end, "frozen");

	/*
	 * What it receives: the one-shots, the CPU-clock timers once their
	 * clocks have run far enough, and the periodic ones long enough to
	 * measure their period from the victim's own timestamps.
	 */
	ru_wait_expiries(dst, one_shots_and_cpu, 4, sigs, RU_MAX_SIGS, RU_WAIT_MS);
	expect_period(dst, 5, t_start, 50 * RU_MS, sigs);
	ns = expect_period(dst, 65536, t_start, 100 * RU_MS, sigs);
	for (int i = 0; i < ns; i++) {
		const struct ru_sig *x = &sigs[i];
		const struct ru_spec *s;

		cr_assert_not(x->cb, "a glibc callback ran (value %#llx)", x->value);
		cr_assert_eq(x->code, RU_SI_TIMER, "signal %d with si_code %d (not SI_TIMER)",
			     x->signo, x->code);
		s = find_spec(every, NEVERY, x->timerid);
		cr_assert(s, "a signal from timer %d, which should not signal", x->timerid);
		cr_assert(strcmp(s->notify, "none"), "a signal from SIGEV_NONE timer %d",
			  s->id);
		cr_assert_eq(x->signo, s->sig, "timer %d: signal %d", s->id, x->signo);
		cr_assert_eq(x->value, s->sigval, "timer %d: si_value %#llx", s->id, x->value);
		if (!strcmp(s->notify, "thread_id"))
			cr_assert_eq(x->tidx, s->thread, "timer %d signalled thread %d (tid %d),"
				     " not %d", s->id, x->tidx, x->rtid, s->thread);
		else
			cr_assert(x->tidx >= 0 && x->tidx <= 4, "timer %d signalled thread %d",
				  s->id, x->tidx);
		cr_assert_geq(x->t_ns, t_start, "timer %d fired before the restore", s->id);
	}
	cr_expect_eq(ru_count(sigs, ns, 0, 0, LLONG_MAX), 1, "one-shot timer 0 fired %d times",
		     ru_count(sigs, ns, 0, 0, LLONG_MAX));
	cr_expect_eq(ru_count(sigs, ns, 1000, 0, LLONG_MAX), 1,
		     "one-shot timer 1000 fired %d times", ru_count(sigs, ns, 1000, 0, LLONG_MAX));
	for (int i = 0; i < ns; i++) {
		int64_t v = sigs[i].timerid == 0 ? v0 : sigs[i].timerid == 1000 ? v1000 : -1;

		/* frozen: not due before one dumped value after the restore began */
		if (v >= 0)
			cr_expect(sigs[i].t_ns >= t_start + v - v / 1000,
				  "one-shot %d fired %lld ms after the restore began, its value was"
				  " %lld ms", sigs[i].timerid, (sigs[i].t_ns - t_start) / RU_MS,
				  (long long)v / RU_MS);
	}
	cr_expect_gt(ru_count(sigs, ns, 2147483646, 0, LLONG_MAX), 0,
		     "process CPU-clock timer 2147483646 did not fire in %d s", RU_WAIT_MS / 1000);
	cr_expect_gt(ru_count(sigs, ns, 8, 0, LLONG_MAX), 0,
		     "thread CPU-clock timer 8 (the busy thread's clock) did not fire in %d s",
		     RU_WAIT_MS / 1000);
	cr_expect_eq(proc_tracer_pid(dst->pid), 0);

	json_object_put(root);
	ru_file_free(dump);
	victim_kill(dst);
}

/* Alarm clocks need CAP_WAKE_ALARM and an RTC: try, else skip with the reason. */
Test(restore, round_trip_alarm_clocks, .timeout = 90)
{
	static const struct ru_spec alarms[] = {
		{ 3, "realtime_alarm", "signal", 10, 0, 0x3, 3000, 0 },
		{ 4, "boottime_alarm", "thread_id", 12, 1, 0x4, 100, 100 },
	};
	const char *extra[] = { "--threads", "1", NULL };
	const struct ru_want one_shot = { 3, 1, 0 };
	struct victim *src, *dst;
	struct vtimer t[8];
	static struct ru_sig sigs[RU_MAX_SIGS];
	char pidbuf[16], *dump;
	struct run_result r;
	int n, ns;
	json_object *root;

	src = victim_start("--threads", "1", "--timer",
			   "id=3,clock=realtime_alarm,notify=signal,sig=10,sigval=0x3,"
			   "value_ms=3000",
			   "--timer", "id=4,clock=boottime_alarm,notify=thread_id,thread=1,sig=12,"
			   "sigval=0x4,value_ms=100,interval_ms=100", NULL);
	cr_assert(src);
	if (!src->ready) {
		int e = src->error_errno;

		victim_kill(src);
		cr_skip_test("alarm timers cannot be created here (%s): %s",
			     strerror(e), "CAP_WAKE_ALARM or an RTC wake-up device is missing");
	}
	dump = ru_dump_file(src->pid, NULL);
	victim_kill(src);
	root = ru_json_load(dump);
	cr_assert_gt(dumped_value(root, 3), 0, "the one-shot fired before the dump");
	json_object_put(root);
	dst = ru_start(NULL, 0, extra);
	cr_assert_eq(run_ptimerctl(&r, "restore", "-i", dump, ru_pidstr(pidbuf, dst->pid),
				   NULL), 0);
	cr_assert_eq(r.exit_code, 0, "%s", run_describe(&r));
	run_result_free(&r);
	n = ru_timers(dst, t, 8);
	cr_assert_eq(n, 2, "%s", ru_timers_str(t, n));
	for (size_t i = 0; i < 2; i++) {
		const struct vtimer *x = vtimer_find(t, n, alarms[i].id);

		cr_assert(x, "alarm timer %d missing", alarms[i].id);
		cr_expect_eq(x->clockid, ru_fixed_clockid(alarms[i].clock));
		cr_expect_eq(x->sigval, alarms[i].sigval);
	}
	ru_wait_expiries(dst, &one_shot, 1, sigs, RU_MAX_SIGS, RU_WAIT_MS);
	ns = expect_period(dst, 4, 0, 100 * RU_MS, sigs);
	cr_expect_eq(ru_count(sigs, ns, 3, 0, LLONG_MAX), 1, "the alarm one-shot fired %d times",
		     ru_count(sigs, ns, 3, 0, LLONG_MAX));
	for (int i = 0; i < ns; i++) {
		cr_expect_eq(sigs[i].code, RU_SI_TIMER);
		if (sigs[i].timerid == 4)
			cr_expect_eq(sigs[i].tidx, 1);
	}
	ru_file_free(dump);
	victim_kill(dst);
}

/* A monotonic timer's remaining time, as the victim sees it. */
static long long value_of(struct victim *v, int id)
{
	struct vtimer t[8];
	int n = ru_timers(v, t, 8);
	const struct vtimer *x = vtimer_find(t, n, id);

	cr_assert(x, "timer %d missing: %s", id, ru_timers_str(t, n));
	return x->value_ns;
}

/* Wait for the first delivery of timer @id; NULL when none came. */
static const struct ru_sig *first_delivery(struct victim *v, int id, struct ru_sig *sigs,
					   int *ns)
{
	const struct ru_want w = { id, 1, 0 };

	*ns = ru_wait_expiries(v, &w, 1, sigs, RU_MAX_SIGS, RU_WAIT_MS);
	for (int i = 0; i < *ns; i++)
		if (!sigs[i].cb && sigs[i].timerid == id)
			return &sigs[i];
	return NULL;
}

/*
 * Timer 1 is far from due, timer 2 comes due after the dump and before
 * the restore.  --time=deadline keeps their expiry instants: timer 1 has
 * the time elapsed since the dump taken off, timer 2 fires at once.
 * --time=frozen arms both with their dumped values.
 */
Test(restore, time_frozen_and_deadline, .timeout = 120)
{
	struct victim *src, *frozen, *deadline;
	static struct ru_sig sigs[RU_MAX_SIGS];
	static struct ru_snap snap;
	const struct ru_sig *first;
	char pidbuf[16], *dump;
	struct run_result r;
	json_object *root;
	int64_t cap_mono, v1, v2, t0, t_end, now, due, lo, hi;
	long long got;
	int ns;

	src = victim_start("--timer", "id=1,clock=monotonic,sig=10,sigval=0x1,value_ms=60000",
			   "--timer", "id=2,clock=monotonic,sig=12,sigval=0x2,value_ms=2000", NULL);
	cr_assert(src && src->ready, "%s", src ? src->error : "fork");
	dump = ru_dump_file(src->pid, NULL);
	victim_kill(src);
	root = ru_json_load(dump);
	cr_assert(json_object_object_get_ex(root, "captured", NULL));
	cr_assert(json_get_int64(json_object_object_get(root, "captured"), "monotonic_ns",
				 &cap_mono));
	v1 = dumped_value(root, 1);
	v2 = dumped_value(root, 2);
	cr_assert(v2 > 0 && v2 <= 2000 * RU_MS, "timer 2 had fired before the dump: %lld",
		  (long long)v2);
	frozen = victim_startv(NULL);
	deadline = victim_startv(NULL);
	cr_assert(frozen->ready && deadline->ready);
	/*
	 * Timer 2 past due and at least a second gone since the dump: wait
	 * for the clock to get there (ptimerctl reads it later still).
	 */
	due = cap_mono + (v2 > RU_SEC ? v2 : RU_SEC) + RU_MS;
	while ((now = clock_ns(CLOCK_MONOTONIC)) < due)
		sleep_ms((due - now) / RU_MS + 1);

	t0 = clock_ns(CLOCK_MONOTONIC);
	cr_assert_eq(run_ptimerctl(&r, "restore", "--time=deadline", "-i", dump,
				   ru_pidstr(pidbuf, deadline->pid), NULL), 0);
	t_end = clock_ns(CLOCK_MONOTONIC);
	cr_assert_eq(r.exit_code, 0, "%s", run_describe(&r));
	run_result_free(&r);
	ru_snap_take(deadline, &snap);
	/*
	 * Due at cap_mono + v1: ptimerctl computes the time left at some
	 * instant of its run and arms it relative a little later, so the
	 * expiry lies between that and the length of its run after.
	 */
	got = ru_snap_timer(&snap, 1)->value_ns;
	lo = cap_mono + v1 - snap.t1;
	hi = cap_mono + v1 + (t_end - t0) - snap.t0;
	cr_expect(got >= lo && got <= hi, "deadline: %lld ms left, %lld..%lld expected (the"
		  " dump had %lld ms, %lld ms ago)", got / RU_MS, (long long)lo / RU_MS,
		  (long long)hi / RU_MS, (long long)v1 / RU_MS,
		  (long long)(snap.t0 - cap_mono) / RU_MS);
	/* Armed to fire at once, before the victim was asked: expired (1 ns: not yet signalled). */
	got = ru_snap_timer(&snap, 2)->value_ns;
	cr_expect(got == 0 || got == 1, "deadline: the past-due one-shot has %lld ns left", got);
	first = first_delivery(deadline, 2, sigs, &ns);
	cr_expect(first, "the past-due one-shot did not fire in %d s", RU_WAIT_MS / 1000);
	cr_expect_eq(ru_count(sigs, ns, 2, 0, LLONG_MAX), 1, "the past-due one-shot fired %d"
		     " times", ru_count(sigs, ns, 2, 0, LLONG_MAX));
	cr_expect_eq(ru_count(sigs, ns, 1, 0, LLONG_MAX), 0);

	t0 = clock_ns(CLOCK_MONOTONIC);
	cr_assert_eq(run_ptimerctl(&r, "restore", "--time=frozen", "-i", dump,
				   ru_pidstr(pidbuf, frozen->pid), NULL), 0);
	t_end = clock_ns(CLOCK_MONOTONIC);
	cr_assert_eq(r.exit_code, 0, "%s", run_describe(&r));
	run_result_free(&r);
	ru_snap_take(frozen, &snap);
	expect_remaining(&snap, 1, v1, t0, t_end, "frozen");
	expect_remaining(&snap, 2, v2, t0, t_end, "frozen");
	first = first_delivery(frozen, 2, sigs, &ns);
	cr_expect(first, "frozen: the one-shot did not fire in %d s", RU_WAIT_MS / 1000);
	if (first)
		cr_expect_geq(first->t_ns, t0 + v2, "frozen: the one-shot fired %lld ms after the"
			      " restore began, before its %lld ms had run",
			      (first->t_ns - t0) / RU_MS, (long long)v2 / RU_MS);
	json_object_put(root);
	ru_file_free(dump);
	victim_kill(frozen);
	victim_kill(deadline);
}

/*
 * --time=deadline on a periodic timer that came due while the dump lay
 * about: it keeps its phase, so its next expiry is on the original grid,
 * one interval after each missed one.  On a 4 s period, restored 1.3 s
 * after its expiry came, it has about 2.7 s to its next one, not 1.3 s.
 */
#define PHASE_PERIOD	(4 * RU_SEC)

Test(restore, deadline_keeps_the_period_phase)
{
	struct victim *src, *dst;
	static struct ru_snap snap;
	char pidbuf[16], *dump;
	struct run_result r;
	json_object *root;
	int64_t cap_mono, v, now, due, t0, t_end, phase, off, ahead, behind;
	long long got;

	src = victim_start("--timer", "id=1,clock=monotonic,sig=10,sigval=0x1,value_ms=200,"
			   "interval_ms=4000", NULL);
	cr_assert(src && src->ready, "%s", src ? src->error : "fork");
	dump = ru_dump_file(src->pid, NULL);
	victim_kill(src);
	root = ru_json_load(dump);
	cr_assert(json_get_int64(json_object_object_get(root, "captured"), "monotonic_ns",
				 &cap_mono));
	/* Its grid: cap_mono + v + k periods, whenever the dump came. */
	v = dumped_value(root, 1);
	cr_assert(v > 0 && v <= PHASE_PERIOD, "dumped value %lld", (long long)v);
	dst = victim_startv(NULL);
	cr_assert(dst && dst->ready);
	due = cap_mono + v + 1300 * RU_MS;
	while ((now = clock_ns(CLOCK_MONOTONIC)) < due)
		sleep_ms((due - now) / RU_MS + 1);
	t0 = clock_ns(CLOCK_MONOTONIC);
	cr_assert_eq(run_ptimerctl(&r, "restore", "--time=deadline", "-i", dump,
				   ru_pidstr(pidbuf, dst->pid), NULL), 0);
	t_end = clock_ns(CLOCK_MONOTONIC);
	cr_assert_eq(r.exit_code, 0, "%s", run_describe(&r));
	run_result_free(&r);
	ru_snap_take(dst, &snap);
	got = ru_snap_timer(&snap, 1)->value_ns;
	/*
	 * ptimerctl computes the value at some instant of its run and arms
	 * it relative a little later: the expiry is on the grid, or up to
	 * the length of its run after.  Read between snap.t0 and snap.t1,
	 * snap.t0 + got is that expiry (or a later one, a period on), or up
	 * to the length of the read before.  So its place on the grid,
	 * modulo the period, is within [-(read), +(run)].
	 */
	phase = (snap.t0 + got - cap_mono - v) % PHASE_PERIOD;
	ahead = t_end - t0;
	behind = snap.t1 - snap.t0;
	off = phase > PHASE_PERIOD / 2 ? phase - PHASE_PERIOD : phase;
	if (ahead + behind >= PHASE_PERIOD)
		cr_log_info("restore and read took %lld ms: the phase cannot be checked",
			    (long long)(ahead + behind) / RU_MS);
	else
		cr_expect(phase <= ahead || phase >= PHASE_PERIOD - behind,
			  "%lld ms to the next expiry, %lld ms off the period's grid (the"
			  " restore took %lld ms, the read %lld ms)", got / RU_MS,
			  (long long)off / RU_MS, (long long)ahead / RU_MS,
			  (long long)behind / RU_MS);
	json_object_put(root);
	ru_file_free(dump);
	victim_kill(dst);
}

/*
 * A dump whose captured clocks read later than now, all three: the wall
 * clock was stepped back since, or the dump's was ahead.  A monotonic
 * reading ahead of now is another boot; a wall clock read earlier is no
 * boot's doing, and was warned of as "another boot" too.
 */
Test(restore, deadline_names_a_wall_clock_stepped_back)
{
	static const char *const clocks[] = { "realtime_ns", "monotonic_ns", "boottime_ns" };
	struct victim *src, *dst;
	json_object *root, *cap;
	char pidbuf[16], *dump;
	struct run_result r;

	src = victim_start("--timer", "id=1,clock=realtime,sig=10,value_ms=60000",
			   "--timer", "id=2,clock=monotonic,sig=12,value_ms=60000", NULL);
	cr_assert(src && src->ready, "%s", src ? src->error : "fork");
	dump = ru_dump_file(src->pid, NULL);
	victim_kill(src);
	root = ru_json_load(dump);
	cap = json_object_object_get(root, "captured");
	for (size_t i = 0; i < 3; i++) {
		int64_t v;

		cr_assert(json_get_int64(cap, clocks[i], &v));
		json_object_object_add(cap, clocks[i], json_object_new_int64(v + 30 * RU_SEC));
	}
	ru_file_free(dump);
	dump = ru_json_file(root);
	json_object_put(root);
	dst = victim_startv(NULL);
	cr_assert(dst && dst->ready);
	cr_assert_eq(run_ptimerctl(&r, "restore", "--time=deadline", "-i", dump,
				   ru_pidstr(pidbuf, dst->pid), NULL), 0);
	cr_expect_eq(r.exit_code, 0, "%s", run_describe(&r));
	cr_expect(strstr(r.err, "timer 1: the wall clock reads earlier than when the dump was"
			 " taken"), "%s", r.err);
	cr_expect(strstr(r.err, "timer 2: the dump is from another boot"), "%s", r.err);
	cr_expect(!strstr(r.err, "timer 1: the dump is from another boot"), "%s", r.err);
	run_result_free(&r);
	ru_file_free(dump);
	victim_kill(dst);
}

/* A victim holding timer 2 (settings unlike the dump's) and timer 40. */
static struct victim *start_holder(void)
{
	struct victim *v = victim_start(
		"--timer", "id=2,clock=realtime,notify=signal,sig=12,sigval=0x2222,value_ms=60000",
		"--timer", "id=40,clock=monotonic,notify=none,sig=14,value_ms=45000,interval_ms=1000",
		NULL);

	cr_assert(v && v->ready, "%s", v ? v->error : "fork");
	return v;
}

/* Timer 2 is not the holder's: another clock, signal and sigval. */
static struct victim *start_ids_1_2(void)
{
	struct victim *v = victim_start(
		"--timer", "id=1,clock=monotonic,notify=signal,sig=34,sigval=0x11,value_ms=30000",
		"--timer", "id=2,clock=boottime,notify=signal,sig=35,sigval=0x22,value_ms=40000,"
		"interval_ms=500", NULL);

	cr_assert(v && v->ready, "%s", v ? v->error : "fork");
	return v;
}

static char *dump_ids_1_2(void)
{
	struct victim *src = start_ids_1_2();
	char *dump;

	dump = ru_dump_file(src->pid, NULL);
	victim_kill(src);
	return dump;
}

/* The target's timers are as in @before, its one-shots less the time elapsed since. */
static void expect_unchanged(struct victim *v, const struct ru_snap *before,
			     enum ru_since since, const char *what)
{
	static struct ru_snap after;
	char why[256];

	ru_snap_take(v, &after);
	cr_expect(ru_snaps_same(before, &after, since, why, sizeof(why)),
		  "%s: the target's timers changed (%s): before %s", what, why,
		  ru_timers_str(before->t, before->n));
	cr_expect_eq(proc_tracer_pid(v->pid), 0, "%s: the target is still traced", what);
}

Test(restore, collision_fails_and_changes_nothing)
{
	struct victim *v = start_holder();
	static struct ru_snap before;
	char *dump = dump_ids_1_2(), pidbuf[16];
	struct run_result r;
	struct vstate st;

	ru_snap_take(v, &before);

	cr_assert_eq(run_ptimerctl(&r, "restore", "-i", dump, ru_pidstr(pidbuf, v->pid), NULL), 0);
	cr_expect_eq(r.exit_code, PX_COLLISION, "%s", run_describe(&r));
	cr_expect(strstr(r.err, "timer id 2 "), "the message does not name ID 2: %s", r.err);
	run_result_free(&r);
	expect_unchanged(v, &before, RU_UNTOUCHED, "collision");
	cr_assert_eq(victim_state(v, &st), 0);
	cr_expect_eq(st.restore_ids, harness_restore_ids_off(), "the prctl was left on");
	ru_file_free(dump);
	victim_kill(v);
}

/*
 * The target's counter is past 40, so without the prctl a walk to IDs 1
 * and 2 goes round the whole ID space (2^31 steps: 20 minutes on a fast
 * host, many hours in a TCG guest).
 */
Test(restore, replace_takes_the_dumps_timer)
{
	struct victim *v;
	struct vtimer after[RU_MAX_TIMERS];
	char *dump, pidbuf[16];
	const struct vtimer *t;
	struct run_result r;
	int na;

	harness_need_restore_ids();
	v = start_holder();
	dump = dump_ids_1_2();
	cr_assert_eq(run_ptimerctl(&r, "restore", "--replace", "-i", dump,
				   ru_pidstr(pidbuf, v->pid), NULL), 0);
	cr_assert_eq(r.exit_code, 0, "%s", run_describe(&r));
	run_result_free(&r);
	na = ru_timers(v, after, RU_MAX_TIMERS);
	cr_assert_eq(na, 3, "%s", ru_timers_str(after, na));
	t = vtimer_find(after, na, 2);
	cr_assert(t);
	cr_expect(t->clockid == 7 && t->signo == 35 && t->sigval == 0x22 &&
		  t->interval_ns == 500 * RU_MS && t->value_ns > 0,
		  "timer 2 is not the dump's: %s", ru_timers_str(after, na));
	t = vtimer_find(after, na, 1);
	cr_expect(t && t->signo == 34 && t->sigval == 0x11, "%s", ru_timers_str(after, na));
	t = vtimer_find(after, na, 40);
	cr_expect(t && t->signo == 14 && t->interval_ns == RU_SEC,
		  "timer 40 (not in the dump) changed: %s", ru_timers_str(after, na));
	cr_expect_eq(proc_tracer_pid(v->pid), 0);
	ru_file_free(dump);
	victim_kill(v);
}

/*
 * A program may have tens of thousands of glibc SIGEV_THREAD timers, and
 * each warning is written while the target is held: the first is named,
 * the rest counted.
 */
Test(restore, glibc_thread_timers_are_warned_of_once)
{
	struct victim *v = victim_start("--timer", "id=5,notify=thread_id,sig=32,thread=0",
					"--timer", "id=6,notify=thread_id,sig=32,thread=0",
					"--timer", "id=7,notify=thread_id,sig=32,thread=0", NULL);
	char *dump, pidbuf[16];
	struct run_result r;

	cr_assert(v && v->ready, "%s", v ? v->error : "fork");
	dump = ru_dump_file(v->pid, NULL);
	cr_assert_eq(run_ptimerctl(&r, "restore", "--replace", "-i", dump,
				   ru_pidstr(pidbuf, v->pid), NULL), 0);
	cr_assert_eq(r.exit_code, 0, "%s", run_describe(&r));
	cr_expect_eq(str_count(r.err, "looks like a glibc SIGEV_THREAD timer"), 1, "%s", r.err);
	cr_expect(strstr(r.err, "timer 5 looks like"), "%s", r.err);
	cr_expect(strstr(r.err, "2 more timers look like glibc SIGEV_THREAD timers"), "%s",
		  r.err);
	run_result_free(&r);
	ru_file_free(dump);
	victim_kill(v);
}

/*
 * --replace deletes the target's timer 2, then the walk is refused, once
 * the target's counter is read: a lap of the id space (allowed, so that
 * the replace gets that far) to IDs 1 and 2, then on to 100, is longer
 * than the limit.  The rollback must put timer 2 back as it was.
 */
Test(restore, replace_rolled_back_on_failure)
{
	struct victim *v, *src;
	static struct ru_snap before;
	char *dump, pidbuf[16];
	struct run_result r;

	/*
	 * Without it, putting timer 2 back walks round the whole ID space
	 * (2^31 steps): over ten minutes in an emulated guest.
	 */
	harness_need_restore_ids();
	v = start_holder();
	src = victim_start(
		"--timer", "id=1,clock=monotonic,notify=signal,sig=34,sigval=0x11,value_ms=30000",
		"--timer", "id=2,clock=boottime,notify=signal,sig=35,sigval=0x22,value_ms=40000,"
		"interval_ms=500",
		"--timer", "id=100,clock=monotonic,notify=none,value_ms=30000", NULL);
	cr_assert(src && src->ready, "%s", src ? src->error : "fork");
	dump = ru_dump_file(src->pid, NULL);
	victim_kill(src);
	ru_snap_take(v, &before);
	cr_assert_eq(run_ptimerctl(&r, "restore", "--replace", "--method=loop",
				   "--max-walk-steps", "2147483648", "-i", dump,
				   ru_pidstr(pidbuf, v->pid), NULL), 0);
	cr_expect_eq(r.exit_code, PX_UNSUPPORTED, "%s", run_describe(&r));
	run_result_free(&r);
	/* timer 2 deleted, then put back with its value as read before */
	expect_unchanged(v, &before, RU_PUT_BACK, "--replace rolled back");
	ru_file_free(dump);
	victim_kill(v);
}

/*
 * A replaced ID lies behind the target's counter: without the prctl only
 * a lap of the id space (up to 2^31 steps, the target stopped) makes it
 * again.  By default that is refused before the attach, with a hint; a
 * dry run says the same.  Runs with and without the prctl: the method is
 * forced.
 */
Test(restore, replace_by_walk_refused_before_attach)
{
	/* One step short of a lap, the most that still refuses it. */
	static const char *const modes[][2] = {
		{ "restore", NULL }, { "restore", "--dry-run" }, { "migrate", NULL },
		{ "restore", "--max-walk-steps=2147483647" },
	};
	struct victim *v = start_holder(), *src = start_ids_1_2();
	static struct ru_snap before, src_before;
	char *dump = dump_ids_1_2(), pidbuf[16], spid[16];
	struct ru_watch w;
	struct ru_bg b;

	ru_snap_take(v, &before);
	ru_snap_take(src, &src_before);
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		const char *cmd = modes[i][0], *extra = modes[i][1];

		ru_watch_start(&w, v->pid);
		/* Refused at once; were it let through, the walk would take minutes. */
		if (!strcmp(cmd, "migrate"))
			ru_bg_start(&b, "migrate", "--replace", "--method=walk",
				    ru_pidstr(spid, src->pid), ru_pidstr(pidbuf, v->pid), NULL);
		else
			ru_bg_start(&b, cmd, "--replace", "--method=walk", "-i", dump,
				    ru_pidstr(pidbuf, v->pid), extra, NULL);
		ru_bg_wait(&b, 10000);
		cr_expect_eq(ru_watch_stop(&w), 0, "%s %s: the target was attached", cmd,
			     extra ? extra : "");
		/* A failed assertion, not a hang: the harness stopped a walk. */
		cr_expect(!b.res.timed_out, "%s %s was still walking after 10 s, where it should"
			  " have refused: %s", cmd, extra ? extra : "", b.res.err);
		if (!b.res.timed_out) {
			cr_expect_eq(b.res.exit_code, PX_UNSUPPORTED, "%s", run_describe(&b.res));
			cr_expect(strstr(b.res.err, "round the id space") &&
				  strstr(b.res.err, "hint: ") &&
				  strstr(b.res.err, "--max-walk-steps=2147483651"), "%s",
				  b.res.err);
		}
		run_result_free(&b.res);
	}
	/* migrate is refused before it disarms its source */
	expect_unchanged(src, &src_before, RU_UNTOUCHED, "migrate's source");
	expect_unchanged(v, &before, RU_UNTOUCHED, "refused");
	victim_kill(src);
	ru_file_free(dump);
	victim_kill(v);
}

/*
 * The holder's own timers, with other values: each is already the timer
 * the dump wants but for its setting.
 */
static char *dump_holder_reset_to(const char *timer40)
{
	struct victim *src = victim_start(
		"--timer", "id=2,clock=realtime,notify=signal,sig=12,sigval=0x2222,value_ms=20000,"
		"interval_ms=250",
		"--timer", timer40, NULL);
	char *dump;

	cr_assert(src && src->ready, "%s", src ? src->error : "fork");
	dump = ru_dump_file(src->pid, NULL);
	victim_kill(src);
	return dump;
}

/* Timer 40 due in 5 s: sooner than a rollback could be sure to undo (ARM_SOON_NS). */
static char *dump_holder_reset(void)
{
	return dump_holder_reset_to("id=40,clock=monotonic,notify=none,sig=14,value_ms=5000,"
				    "interval_ms=2000");
}

/* Both timers due in more than 10 s: a rollback undoes them before they expire. */
static char *dump_holder_reset_far(void)
{
	return dump_holder_reset_to("id=40,clock=monotonic,notify=none,sig=14,value_ms=15000,"
				    "interval_ms=2000");
}

/*
 * A replaced timer with the dump's clock and notification is re-armed in
 * place: the same kernel timer, its handle unchanged.  That needs no
 * creation, so not the lap of the id space a walk to an id behind the
 * counter would take: --replace by a walk is not refused, and is quick.
 */
Test(restore, replace_rearms_a_matching_timer_in_place)
{
	static const char *const methods[] = { "--method=walk", "--method=auto" };
	char *dump = dump_holder_reset(), pidbuf[16];
	struct vtimer after[RU_MAX_TIMERS];
	const struct vtimer *t;
	struct vstate st;
	struct ru_bg b;
	int na;

	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		struct victim *v = start_holder();

		ru_bg_start(&b, "restore", "--replace", methods[i], "-i", dump,
			    ru_pidstr(pidbuf, v->pid), NULL);
		ru_bg_wait(&b, 10000);
		cr_expect(!b.res.timed_out, "%s was still running after 10 s: a walk round the"
			  " id space?", methods[i]);
		cr_expect_eq(b.res.exit_code, 0, "%s: %s", methods[i], run_describe(&b.res));
		run_result_free(&b.res);
		na = ru_timers(v, after, RU_MAX_TIMERS);
		cr_expect_eq(na, 2, "%s: %s", methods[i], ru_timers_str(after, na));
		t = vtimer_find(after, na, 2);
		cr_expect(t && t->clockid == 0 && t->signo == 12 && t->sigval == 0x2222 &&
			  t->interval_ns == 250 * RU_MS && t->value_ns > 0 &&
			  t->value_ns <= 20 * RU_SEC, "%s: timer 2 is not the dump's: %s",
			  methods[i], ru_timers_str(after, na));
		t = vtimer_find(after, na, 40);
		cr_expect(t && t->clockid == 1 && !strcmp(t->notify, "none") &&
			  t->interval_ns == 2 * RU_SEC && t->value_ns > 0 &&
			  t->value_ns <= 5 * RU_SEC, "%s: timer 40 is not the dump's: %s",
			  methods[i], ru_timers_str(after, na));
		cr_assert_eq(victim_state(v, &st), 0);
		cr_expect_eq(st.restore_ids, harness_restore_ids_off(), "the prctl was left on");
		cr_expect_eq(st.signals, 0, "%s: %lld signals delivered", methods[i], st.signals);
		cr_expect_eq(proc_tracer_pid(v->pid), 0);
		victim_kill(v);
	}
	ru_file_free(dump);
}

/*
 * Each of the target's timers differs from the dump's in one thing only:
 * sigval, signal, clock, notification, or the thread it signals.  None
 * may be re-armed in place: each is deleted and the dump's created, and
 * the target ends with the dump's.
 */
Test(restore, replace_remakes_a_timer_that_differs_in_one_thing)
{
	static const char *const have[] = {
		"id=2,clock=realtime,notify=signal,sig=12,sigval=0x2222,value_ms=60000",
		"id=3,clock=realtime,notify=signal,sig=12,sigval=0x33,value_ms=60000",
		"id=4,clock=realtime,notify=signal,sig=12,sigval=0x44,value_ms=60000",
		"id=5,clock=monotonic,notify=none,sig=14,sigval=0x55,value_ms=60000",
		"id=6,clock=monotonic,notify=thread_id,thread=1,sig=14,sigval=0x66,value_ms=60000",
	};
	static const char *const dumped[] = {
		"id=2,clock=realtime,notify=signal,sig=12,sigval=0x2223,value_ms=30000",
		"id=3,clock=realtime,notify=signal,sig=13,sigval=0x33,value_ms=30000",
		"id=4,clock=boottime,notify=signal,sig=12,sigval=0x44,value_ms=30000",
		"id=5,clock=monotonic,notify=signal,sig=14,sigval=0x55,value_ms=30000",
		"id=6,clock=monotonic,notify=thread_id,thread=2,sig=14,sigval=0x66,value_ms=30000",
	};
	struct vtimer after[RU_MAX_TIMERS], src_t[RU_MAX_TIMERS];
	struct victim *v, *src;
	char *dump, pidbuf[16];
	pid_t tids[8], src_tids[8];
	struct run_result r;
	int na, ns;

	/* Without it, each deleted id is made again by a walk round the id space. */
	harness_need_restore_ids();
	v = victim_start("--threads", "2", "--timer", have[0], "--timer", have[1], "--timer",
			 have[2], "--timer", have[3], "--timer", have[4], NULL);
	src = victim_start("--threads", "2", "--timer", dumped[0], "--timer", dumped[1],
			   "--timer", dumped[2], "--timer", dumped[3], "--timer", dumped[4], NULL);
	cr_assert(v && v->ready, "%s", v ? v->error : "fork");
	cr_assert(src && src->ready, "%s", src ? src->error : "fork");
	cr_assert_geq(victim_tids(v, tids, 8), 3);
	cr_assert_geq(victim_tids(src, src_tids, 8), 3);
	ns = ru_timers(src, src_t, RU_MAX_TIMERS);
	dump = ru_dump_file(src->pid, NULL);
	victim_kill(src);
	cr_assert_eq(run_ptimerctl(&r, "restore", "--replace", "-i", dump,
				   ru_pidstr(pidbuf, v->pid), NULL), 0);
	cr_expect_eq(r.exit_code, 0, "%s", run_describe(&r));
	run_result_free(&r);
	na = ru_timers(v, after, RU_MAX_TIMERS);
	cr_expect_eq(na, 5, "%s", ru_timers_str(after, na));
	for (int i = 0; i < ns; i++) {
		const struct vtimer *want = &src_t[i], *got = vtimer_find(after, na, want->id);
		/* The dump's thread 2 is the target's thread 2 (creation order). */
		int tid = want->id == 6 ? tids[2] : v->pid;

		cr_expect(got && got->clockid == want->clockid && got->signo == want->signo &&
			  got->sigval == want->sigval && !strcmp(got->notify, want->notify) &&
			  got->tid == tid && got->value_ns > 0 && got->value_ns <= 30 * RU_SEC,
			  "timer %d is not the dump's %s: %s", want->id,
			  ru_timers_str(want, 1), ru_timers_str(after, na));
	}
	ru_file_free(dump);
	victim_kill(v);
}

/*
 * SIGTERM once every timer is armed, none due within 10 s: the last
 * moment a restore rolls back.  Each timer re-armed in place gets its
 * old setting again, by a walk too (no creation to undo, no lap to put
 * anything back).
 */
Test(restore, replace_in_place_set_back_on_interrupt)
{
	static const char *const methods[] = { "--method=walk", "--method=auto" };
	char *dump = dump_holder_reset_far(), pidbuf[16];
	static struct ru_snap before;
	struct ru_bg b;

	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		struct victim *v = start_holder();

		ru_snap_take(v, &before);
		ru_bg_start_at(&b, "armed", "restore", "-q", "--no-progress", "--replace",
			       methods[i], "-i", dump, ru_pidstr(pidbuf, v->pid), NULL);
		ru_bg_term_rolls_back(&b, "armed", methods[i]);
		expect_unchanged(v, &before, RU_PUT_BACK, methods[i]);
		victim_kill(v);
	}
	ru_file_free(dump);
}

/*
 * SIGTERM once every timer is armed, timer 40 due in 5 s: past the point
 * of no return, since its signal could come before a rollback deleted
 * it.  The restore completes, exit 0, both timers the dump's: re-armed
 * in place (--replace into the holder), or made and armed last (into a
 * process without timers).
 */
Test(restore, interrupt_once_a_timer_is_due_soon_completes)
{
	char *dump = dump_holder_reset(), pidbuf[16];

	for (int i = 0; i < 2; i++) {
		const char *how = i ? "made" : "re-armed in place";
		static const char *const none[] = { NULL };
		struct victim *v = i ? victim_startv(none) : start_holder();
		struct vtimer after[RU_MAX_TIMERS];
		const struct vtimer *t40, *t2;
		struct ru_bg b;
		int na;

		cr_assert(v && v->ready, "%s", v ? v->error : "fork");
		ru_bg_start_at(&b, "armed", "restore", "-q", "--no-progress", "--replace", "-i",
			       dump, ru_pidstr(pidbuf, v->pid), NULL);
		cr_assert(ru_bg_wait_stopped(&b, RU_WAIT_MS), "%s: never reached \"armed\"", how);
		ru_bg_signal_and_continue(&b, SIGTERM);
		ru_bg_wait(&b, HARNESS_RUN_TIMEOUT_MS);
		cr_expect_eq(b.res.exit_code, 0, "%s: %s", how, run_describe(&b.res));
		run_result_free(&b.res);
		na = ru_timers(v, after, RU_MAX_TIMERS);
		t40 = vtimer_find(after, na, 40);
		t2 = vtimer_find(after, na, 2);
		cr_expect(na == 2 && t40 && t2, "%s: %s", how, ru_timers_str(after, na));
		cr_expect(t40 && t40->value_ns > 0 && t40->value_ns <= 5 * RU_SEC &&
			  t40->interval_ns == 2 * RU_SEC, "%s: timer 40 is not the dump's: %s",
			  how, ru_timers_str(after, na));
		cr_expect(t2 && t2->interval_ns == 250 * RU_MS, "%s: timer 2 is not the dump's: %s",
			  how, ru_timers_str(after, na));
		victim_kill(v);
	}
	ru_file_free(dump);
}

/*
 * A timer armed "for ever" (LONG_MAX seconds, which the kernel clamps to
 * KTIME_MAX, about 292 years off) dumps and restores: the dump holds the
 * time left to it, and the restore takes that, as far ahead.
 */
Test(restore, a_timer_armed_for_ever_round_trips)
{
	struct victim *src = victim_start("--timer", "id=3,clock=monotonic,notify=none,"
					  "value_ns=9223372036854775807", NULL);
	static const char *const none[] = { NULL };
	struct victim *dst = victim_startv(none);
	struct vtimer got[RU_MAX_TIMERS];
	const struct vtimer *t;
	char pidbuf[16], *dump;
	struct run_result r;
	int n;

	cr_assert(src && src->ready && dst && dst->ready, "victims did not start");
	dump = ru_dump_file(src->pid, NULL);
	cr_assert_eq(run_ptimerctl(&r, "restore", "-i", dump, ru_pidstr(pidbuf, dst->pid), NULL),
		     0);
	cr_expect_eq(r.exit_code, 0, "%s", run_describe(&r));
	run_result_free(&r);
	n = ru_timers(dst, got, RU_MAX_TIMERS);
	t = vtimer_find(got, n, 3);
	cr_expect(t && t->value_ns > 250LL * 365 * 86400 * RU_SEC, "not for ever: %s",
		  ru_timers_str(got, n));
	ru_file_free(dump);
	victim_kill(src);
	victim_kill(dst);
}

/* The ids of /proc/@pid/timers, newest first, as "40 2". */
static void proc_ids(pid_t pid, char *buf, size_t size)
{
	char path[64], line[128];
	size_t len = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/timers", (int)pid);
	f = fopen(path, "r");
	cr_assert(f, "%s: %s", path, strerror(errno));
	buf[0] = '\0';
	while (fgets(line, sizeof(line), f) && len + 16 < size)
		if (!strncmp(line, "ID: ", 4))
			len += (size_t)snprintf(buf + len, size - len, "%s%d", len ? " " : "",
						atoi(line + 4));
	fclose(f);
}

/*
 * A thread_id timer outlives its thread, and then signals no one.  Timer 3
 * (every 2 ms), timer 4 (every millisecond of CPU time) and timer 6 (a
 * one-shot, expired) aim at threads of the victim that exited; timer 5
 * signals the process every 10 ms, and shows that the victim takes
 * signals at all.  The dump says "tid_exited"; a restore into a fresh
 * victim makes 3, 4 and 6 with SIGEV_NONE, which must signal no one
 * while 5 fires 10 times; --verify takes them as the dump's, and diff
 * the victim's own, still aimed at its threads gone, too.  --replace of
 * all but 4 into the victim they came from finds its own timers already
 * what the dump wants, and re-arms them in place, even by a walk, which
 * could not make an id again short of a lap of the id space (4, on a CPU
 * clock of the process that creates it, would be made again).
 */
static const struct ru_spec exited_thread[] = {
	{ 3, "monotonic", "exited_thread", 10, 0, 0x33, 2, 2 },
	{ 4, "process_cputime", "exited_thread", 12, 0, 0x44, 1, 1 },
	{ 5, "monotonic", "signal", 34, 0, 0x55, 10, 10 },
	{ 6, "monotonic", "exited_thread", 14, 0, 0x66, 1, 0 },
};

/*
 * What the restore's SIGEV_NONE twin must read like, on each kernel the
 * suite runs on: a periodic timer of a gone thread is forwarded when read
 * (in (0, interval]), and an expired one-shot reads 0.
 */
static void expect_read_as_none(struct vtimer *t, int n, const char *what)
{
	const struct vtimer *p = vtimer_find(t, n, 3), *o = vtimer_find(t, n, 6);

	cr_assert(p && o, "%s: %s", what, ru_timers_str(t, n));
	cr_expect(p->value_ns > 0 && p->value_ns <= 2 * RU_MS && p->interval_ns == 2 * RU_MS &&
		  p->overrun == 0, "%s: periodic timer 3 does not read as running: %s", what,
		  ru_timers_str(t, n));
	cr_expect(o->value_ns == 0 && o->interval_ns == 0 && o->overrun == 0,
		  "%s: one-shot timer 6 does not read as expired: %s", what, ru_timers_str(t, n));
}

static void expect_exited_silent(struct victim *v, long long from_ns, const char *what)
{
	const struct ru_want five = { 5, 10, from_ns };
	static struct ru_sig sigs[RU_MAX_SIGS];
	int n;

	n = ru_wait_expiries(v, &five, 1, sigs, RU_MAX_SIGS, RU_WAIT_MS);
	cr_assert_geq(ru_expiries(sigs, n, 5, from_ns), 10, "%s: timer 5 did not fire", what);
	cr_expect_eq(ru_count(sigs, n, 3, 0, LLONG_MAX), 0, "%s: timer 3 signalled", what);
	cr_expect_eq(ru_count(sigs, n, 4, 0, LLONG_MAX), 0, "%s: timer 4 signalled", what);
}

/*
 * A --tid-map pair that names the thread gone aims its timer at a live
 * thread, which it then signals, and --verify takes it as the dump's.
 */
Test(restore, a_gone_threads_timer_mapped_to_a_live_one_signals_it, .timeout = 90)
{
	const char *extra[] = { "--threads", "1", NULL };
	static struct ru_sig sigs[RU_MAX_SIGS];
	struct victim *src, *dst;
	struct vtimer t[RU_MAX_TIMERS];
	char *dump, pidbuf[16], map[64];
	struct run_result r;
	struct ru_want three;
	const struct vtimer *x;
	json_object *root;
	pid_t tids[8];
	int64_t gone;
	int n;

	src = ru_start(exited_thread, 1, extra);
	dump = ru_dump_file(src->pid, "--kinds=posix");
	victim_kill(src);
	root = ru_json_load(dump);
	cr_assert(dump_timer(root, 3) && json_get_int64(dump_timer(root, 3), "tid", &gone));
	json_object_put(root);
	dst = ru_start(NULL, 0, extra);
	cr_assert_geq(victim_tids(dst, tids, 8), 2);
	snprintf(map, sizeof(map), "--tid-map=%lld:%d", (long long)gone, (int)tids[1]);
	three = (struct ru_want){ 3, 5, clock_ns(CLOCK_MONOTONIC) };
	cr_assert_eq(run_ptimerctl(&r, "restore", map, "--verify", "-i", dump,
				   ru_pidstr(pidbuf, dst->pid), NULL), 0);
	cr_assert_eq(r.exit_code, 0, "%s", run_describe(&r));
	cr_expect_null(strstr(r.err, "SIGEV_NONE"), "%s", r.err);
	run_result_free(&r);
	n = ru_timers(dst, t, RU_MAX_TIMERS);
	x = vtimer_find(t, n, 3);
	cr_expect(x && !strcmp(x->notify, "thread_id") && x->tid == tids[1],
		  "timer 3 does not signal tid %d: %s", (int)tids[1], ru_timers_str(t, n));
	n = ru_wait_expiries(dst, &three, 1, sigs, RU_MAX_SIGS, RU_WAIT_MS);
	cr_expect_geq(ru_expiries(sigs, n, 3, three.from_ns), 5, "timer 3 did not fire");
	for (int i = 0; i < n; i++)
		cr_expect(sigs[i].timerid != 3 || sigs[i].tidx == 1,
			  "timer 3 signalled thread %d", sigs[i].tidx);
	ru_file_free(dump);
	victim_kill(dst);
}

/*
 * A --replace that makes timer 3 anew (the dump's has another signal),
 * interrupted once it is made (once armed, with timer 5 due in 10 ms, it
 * would complete): the rollback must make the victim's own again,
 * which the kernel cannot aim at its thread gone, so as SIGEV_NONE.
 * Making id 3 again, behind the counter, needs the prctl.
 */
static void expect_replaced_put_back(struct victim *v, const char *path)
{
	struct json_object *root = ru_json_load(path);
	struct vtimer t[RU_MAX_TIMERS];
	const struct vtimer *x;
	char *edited, pidbuf[16];
	struct ru_bg b;
	int n;

	json_object_object_add(dump_timer(root, 3), "signal", json_object_new_int(16));
	json_object_object_del(dump_timer(root, 3), "signal_name");
	edited = ru_json_file(root);
	json_object_put(root);
	ru_bg_start_at(&b, "created", "restore", "-q", "--no-progress", "--replace", "-i",
		       edited, ru_pidstr(pidbuf, v->pid), NULL);
	ru_bg_term_rolls_back(&b, "created", "restore --replace");
	n = ru_timers(v, t, RU_MAX_TIMERS);
	x = vtimer_find(t, n, 3);
	cr_expect(x && !strcmp(x->notify, "none") && x->signo == 10 && x->sigval == 0x33 &&
		  x->interval_ns == 2 * RU_MS && x->value_ns > 0,
		  "timer 3 was not put back as a SIGEV_NONE twin: %s", ru_timers_str(t, n));
	ru_file_free(edited);
}

Test(restore, a_timer_of_an_exited_thread_signals_no_one, .timeout = 90)
{
	const char *extra[] = { "--threads", "1", "--busy", "1", NULL };
	struct vtimer t[RU_MAX_TIMERS];
	struct victim *src, *dst;
	char *dump, pidbuf[16];
	struct json_object *root, *exited, *timers;
	char *dump_3_5;
	struct run_result r;
	long long from;
	int n;

	src = ru_start(exited_thread, 4, extra);
	usleep(5000);
	n = ru_timers(src, t, RU_MAX_TIMERS);
	expect_read_as_none(t, n, "the source");
	/* Not timer 5's signals, which may be queued at the dump and taken by --verify. */
	dump = ru_dump_file(src->pid, "--kinds=posix");
	root = ru_json_load(dump);
	for (int id = 3; id <= 6; id += id == 4 ? 2 : 1) {
		cr_assert(dump_timer(root, id), "timer %d is not in the dump", id);
		cr_assert_str_eq(json_get_str(dump_timer(root, id), "notify"), "thread_id");
		cr_assert(json_object_object_get_ex(dump_timer(root, id), "tid_exited", &exited) &&
			  json_object_get_boolean(exited), "timer %d has no \"tid_exited\"", id);
	}
	cr_expect_not(json_object_object_get_ex(dump_timer(root, 5), "tid_exited", NULL));
	cr_assert(json_object_object_get_ex(root, "timers", &timers));
	for (size_t i = 0; i < json_object_array_length(timers); i++)
		if (json_object_array_get_idx(timers, i) == dump_timer(root, 4))
			json_object_array_del_idx(timers, i--, 1);
	dump_3_5 = ru_json_file(root);
	json_object_put(root);

	dst = ru_start(NULL, 0, extra);
	from = clock_ns(CLOCK_MONOTONIC);
	cr_assert_eq(run_ptimerctl(&r, "restore", "--verify", "-i", dump,
				   ru_pidstr(pidbuf, dst->pid), NULL), 0);
	cr_assert_eq(r.exit_code, 0, "%s", run_describe(&r));
	cr_expect(strstr(r.err, "timer 3 signalled tid") && strstr(r.err, "SIGEV_NONE"),
		  "no warning that timer 3 is made with SIGEV_NONE: %s", r.err);
	run_result_free(&r);
	n = ru_timers(dst, t, RU_MAX_TIMERS);
	cr_assert_eq(n, 4, "%s", ru_timers_str(t, n));
	expect_read_as_none(t, n, "the restored victim");
	for (size_t i = 0; i < sizeof(exited_thread) / sizeof(exited_thread[0]); i++) {
		const struct ru_spec *e = &exited_thread[i];
		const struct vtimer *x = vtimer_find(t, n, e->id);

		if (strcmp(e->notify, "exited_thread"))
			continue;
		cr_expect(x && !strcmp(x->notify, "none") && x->signo == e->sig &&
			  x->sigval == e->sigval && x->interval_ns == e->interval_ms * RU_MS,
			  "timer %d is not a SIGEV_NONE twin of the dump's: %s", e->id,
			  ru_timers_str(t, n));
	}
	expect_exited_silent(dst, from, "the restored victim");

	from = clock_ns(CLOCK_MONOTONIC);
	cr_assert_eq(run_ptimerctl(&r, "restore", "--replace", "--method=walk", "-i", dump_3_5,
				   ru_pidstr(pidbuf, src->pid), NULL), 0);
	cr_assert_eq(r.exit_code, 0, "%s", run_describe(&r));
	run_result_free(&r);
	cr_assert_eq(run_ptimerctl(&r, "diff", dump, ru_pidstr(pidbuf, src->pid), NULL), 0);
	cr_expect_eq(r.exit_code, 0, "the victim differs from its own dump: %s",
		     run_describe(&r));
	run_result_free(&r);
	n = ru_timers(src, t, RU_MAX_TIMERS);
	cr_assert_eq(n, 4, "%s", ru_timers_str(t, n));
	cr_expect_str_eq(vtimer_find(t, n, 3)->notify, "thread_id", "timer 3 was made again: %s",
			 ru_timers_str(t, n));
	expect_exited_silent(src, from, "the victim it came from");
	if (harness_have_restore_ids())
		expect_replaced_put_back(src, dump_3_5);
	ru_file_free(dump_3_5);
	ru_file_free(dump);
	victim_kill(dst);
	victim_kill(src);
}

/*
 * A dump whose pending signal is queued for an eighth thread, which the
 * holder lacks, fails before --replace deletes anything: timer 2, which
 * the dump would replace (another clock), stays the same kernel timer,
 * listed as old as it was.  Deleted and made again by the rollback, it
 * would come first, newest.  The check is made before the attach, and
 * again once the threads are held (next test).
 */
/*
 * A dump of threads @THREADS that would replace the holder's timer 2 (on
 * another clock), with a signal queued for thread @TID.
 */
#define REPLACING_DUMP(THREADS, TID)							\
	"{\"version\": 2, \"pid\": 1000, \"threads\": [" THREADS "],"			\
	" \"captured\": {\"realtime_ns\": 1764150000000000000,"				\
	" \"monotonic_ns\": 1000000000, \"boottime_ns\": 1000000000},"			\
	" \"kinds\": [\"posix\", \"signals\"],"						\
	" \"timers\": [{\"id\": 2, \"clockid\": 1, \"notify\": \"signal\","		\
	" \"signal\": 12, \"sigval\": \"0x2222\", \"tid\": null,"			\
	" \"value_ns\": 60000000000, \"interval_ns\": 0}],"				\
	" \"pending_signals\": [{\"queue\": \"thread\", \"tid\": " TID ","		\
	" \"signal\": 34, \"timerid\": 2, \"overrun\": 0, \"sigval\": \"0x0\"}]}"

Test(restore, a_dump_failing_a_held_check_deletes_nothing)
{
	static const char dump_json[] =
		REPLACING_DUMP("1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007", "1007");
	struct victim *v;
	char *dump, pidbuf[16], before[64], after[64];
	struct run_result r;

	/* Without it, --replace by a walk round the id space is refused before the attach. */
	harness_need_restore_ids();
	v = start_holder();
	dump = ru_text_file(dump_json);
	proc_ids(v->pid, before, sizeof(before));
	cr_assert_str_eq(before, "40 2");
	cr_assert_eq(run_ptimerctl(&r, "restore", "--replace", "-i", dump,
				   ru_pidstr(pidbuf, v->pid), NULL), 0);
	cr_expect_eq(r.exit_code, PX_BAD_INPUT, "%s", run_describe(&r));
	cr_expect(strstr(r.err, "has no thread"), "%s", r.err);
	run_result_free(&r);
	proc_ids(v->pid, after, sizeof(after));
	cr_expect_str_eq(after, before, "timer 2 was deleted and made again: %s, before %s",
			 after, before);
	victim_kill(v);
	ru_file_free(dump);
}

/*
 * The same check failing only once the threads are held: the thread the
 * signal is queued for (the fifth, the last worker) is there when the
 * dump is checked before the attach, and ends before the first
 * PTRACE_SEIZE, where the test holds ptimerctl.  The held check must
 * still come before --replace deletes timer 2.
 */
Test(restore, a_thread_ended_by_the_attach_fails_before_any_delete)
{
	static const char dump_json[] = REPLACING_DUMP("1000, 1001, 1002, 1003, 1004", "1004");
	char *dump, pidbuf[16], before[64], after[64], line[64];
	struct tool_trace t;
	struct victim *v;
	pid_t tids[8];

	harness_need_restore_ids();
	v = victim_start(
		"--threads", "3",
		"--timer", "id=2,clock=realtime,notify=signal,sig=12,sigval=0x2222,value_ms=60000",
		"--timer", "id=40,clock=monotonic,notify=none,sig=14,value_ms=45000,interval_ms=1000",
		NULL);
	cr_assert(v && v->ready, "%s", v ? v->error : "fork");
	cr_assert_eq(victim_tids(v, tids, 8), 5);
	dump = ru_text_file(dump_json);
	proc_ids(v->pid, before, sizeof(before));
	cr_assert_str_eq(before, "40 2");

	tt_start(&t, "restore", "--replace", "-i", dump, ru_pidstr(pidbuf, v->pid), NULL);
	cr_assert(tt_run_until(&t, tt_pick_first_seize, NULL, 60000),
		  "ptimerctl ended before its first PTRACE_SEIZE");
	cr_assert_eq(victim_cmd(v, "endworker", line, sizeof(line)), 0);
	cr_assert(!strncmp(line, "ENDED ", 6), "%s", line);
	tt_release(&t);
	ru_bg_wait(&t.bg, 60000);

	cr_expect_eq(t.bg.res.exit_code, PX_BAD_INPUT, "%s", run_describe(&t.bg.res));
	cr_expect(strstr(t.bg.res.err, "has no thread"), "%s", t.bg.res.err);
	proc_ids(v->pid, after, sizeof(after));
	cr_expect_str_eq(after, before, "timer 2 was deleted and made again: %s, before %s",
			 after, before);
	run_result_free(&t.bg.res);
	victim_kill(v);
	ru_file_free(dump);
}

Test(restore, unmapped_tid_then_tid_map, .timeout = 90)
{
	struct victim *src, *dst;
	static struct ru_snap before;
	static struct ru_sig sigs[RU_MAX_SIGS];
	pid_t stids[8], dtids[8];
	char *dump, pidbuf[16], map[64];
	struct run_result r;
	struct ru_watch w;
	int ns;

	src = victim_start("--threads", "3", "--timer",
			   "id=1,clock=monotonic,notify=thread_id,thread=3,sig=34,sigval=0x77,"
			   "value_ms=100,interval_ms=100", NULL);
	cr_assert(src && src->ready, "%s", src ? src->error : "fork");
	cr_assert_eq(victim_tids(src, stids, 8), 5);
	dump = ru_dump_file(src->pid, NULL);
	victim_kill(src);
	dst = victim_start("--threads", "1", NULL);
	cr_assert(dst && dst->ready);
	cr_assert_eq(victim_tids(dst, dtids, 8), 3);
	ru_snap_take(dst, &before);

	/* Validation fails before anything is attached. */
	ru_watch_start(&w, dst->pid);
	cr_assert_eq(run_ptimerctl(&r, "restore", "-i", dump, ru_pidstr(pidbuf, dst->pid),
				   NULL), 0);
	cr_expect_eq(ru_watch_stop(&w), 0, "the target was attached before validation failed");
	/* A dump that does not fit the target is bad input: status 10. */
	cr_expect_eq(r.exit_code, PX_BAD_INPUT, "%s", run_describe(&r));
	cr_expect(strstr(r.err, "tid") && strstr(r.err, "--tid-map"),
		  "the message should name the tid and --tid-map: %s", r.err);
	snprintf(map, sizeof(map), "%d", (int)stids[3]);
	cr_expect(strstr(r.err, map), "the message does not name tid %s: %s", map, r.err);
	run_result_free(&r);
	expect_unchanged(dst, &before, RU_UNTOUCHED, "unmapped tid");

	snprintf(map, sizeof(map), "%d:%d", (int)stids[3], (int)dtids[1]);
	cr_assert_eq(run_ptimerctl(&r, "restore", "--tid-map", map, "-i", dump,
				   ru_pidstr(pidbuf, dst->pid), NULL), 0);
	cr_assert_eq(r.exit_code, 0, "--tid-map %s: %s", map, run_describe(&r));
	run_result_free(&r);
	cr_expect_eq(value_of(dst, 1) > 0, true);
	ns = expect_period(dst, 1, 0, 100 * RU_MS, sigs);
	for (int i = 0; i < ns; i++) {
		cr_expect_eq(sigs[i].code, RU_SI_TIMER);
		cr_expect_eq(sigs[i].timerid, 1);
		cr_expect_eq(sigs[i].value, 0x77);
		cr_expect_eq(sigs[i].rtid, dtids[1], "signal on tid %d, --tid-map said %d",
			     sigs[i].rtid, (int)dtids[1]);
	}
	ru_file_free(dump);
	victim_kill(dst);
}

Test(restore, newer_format_version_is_refused_untouched)
{
	struct victim *v = start_holder();
	static struct ru_snap before;
	char *dump = dump_ids_1_2(), *edited, pidbuf[16];
	struct run_result r;
	struct ru_watch w;
	json_object *root;

	ru_snap_take(v, &before);
	root = ru_json_load(dump);
	/* One past PTIMER_FORMAT_VERSION (2). */
	json_object_object_add(root, "version", json_object_new_int(3));
	/* IDs that do not collide, so that only the version is wrong */
	json_object_object_add(json_object_array_get_idx(
		json_object_object_get(root, "timers"), 1), "id", json_object_new_int(3));
	edited = ru_json_file(root);
	ru_watch_start(&w, v->pid);
	cr_assert_eq(run_ptimerctl(&r, "restore", "-i", edited, ru_pidstr(pidbuf, v->pid),
				   NULL), 0);
	cr_expect_eq(ru_watch_stop(&w), 0, "the target was attached");
	cr_expect_eq(r.exit_code, PX_BAD_INPUT, "%s", run_describe(&r));
	cr_expect(strstr(r.err, "version"), "the message does not mention the version: %s",
		  r.err);
	run_result_free(&r);
	expect_unchanged(v, &before, RU_UNTOUCHED, "a newer version");
	json_object_put(root);
	ru_file_free(edited);
	ru_file_free(dump);
	victim_kill(v);
}

Test(restore, dry_run_changes_nothing)
{
	struct victim *v = victim_start("--timer", "id=40,clock=monotonic,notify=none,"
					"value_ms=45000", NULL);
	static struct ru_snap before;
	char *dump = dump_ids_1_2(), pidbuf[16];
	struct run_result r;
	struct ru_watch w;
	struct vstate st;

	cr_assert(v && v->ready);
	ru_snap_take(v, &before);
	for (int m = 0; m < 2; m++) {
		const char *method = m ? "--method=loop" : "--method=auto";

		ru_watch_start(&w, v->pid);
		/* IDs 1 and 2 behind timer 40: by the walk, a lap, allowed by name. */
		cr_assert_eq(run_ptimerctl(&r, "restore", "--dry-run", method, "--max-walk-steps",
					   "2147483648", "-i", dump, ru_pidstr(pidbuf, v->pid),
					   NULL), 0);
		cr_expect_eq(ru_watch_stop(&w), 0, "%s: --dry-run attached the target", method);
		cr_expect_eq(r.exit_code, 0, "%s: %s", method, run_describe(&r));
		cr_expect(strstr(r.err, "plan: method ") && strstr(r.err, "2 timers") &&
			  strstr(r.err, "dry run"), "%s: no plan printed: %s", method, r.err);
		if (m)
			cr_expect(strstr(r.err, "method walk"), "%s", r.err);
		run_result_free(&r);
		expect_unchanged(v, &before, RU_UNTOUCHED, method);
	}
	cr_assert_eq(victim_state(v, &st), 0);
	cr_expect_eq(st.signals, 0);
	ru_file_free(dump);
	victim_kill(v);
}

/*
 * The target is killed half-way through a walk to 3,000,000: ptimerctl
 * stops itself before its third walk chunk (PTIMER_STOP_AT, after the
 * plan, most of the walk to go), the target is killed, and ptimerctl goes
 * on to find it gone.
 */
Test(restore, target_dies_during_walk, .timeout = 90)
{
	struct victim *src, *dst;
	char *dump, pidbuf[16];
	struct ru_bg b;
	bool stopped;

	src = victim_start("--timer", "id=3000000,clock=monotonic,notify=none,value_ms=60000",
			   NULL);
	cr_assert(src && src->ready, "%s", src ? src->error : "fork");
	dump = ru_dump_file(src->pid, NULL);
	victim_kill(src);
	dst = victim_startv(NULL);
	cr_assert(dst && dst->ready);
	ru_bg_start_at(&b, "walk:3", "restore", "--method=loop", "-i", dump,
		       ru_pidstr(pidbuf, dst->pid), NULL);
	stopped = ru_bg_wait_stopped(&b, RU_WAIT_MS);
	if (!stopped)
		ru_bg_wait(&b, RU_WAIT_MS);
	cr_assert(stopped, "ptimerctl did not stop in the walk: %s", run_describe(&b.res));
	cr_assert_gt(proc_tracer_pid(dst->pid), 0, "the target is not traced mid-walk");
	/*
	 * Reaping comes after ptimerctl ends: while it traces the threads,
	 * the dead leader cannot be reaped, and a waitpid here would hang.
	 * ru_bg_wait() SIGKILLs a ptimerctl that hangs, which frees them.
	 */
	kill(dst->pid, SIGKILL);
	ru_bg_signal_and_continue(&b, 0);
	ru_bg_wait(&b, RU_WAIT_MS);
	victim_kill(dst);
	cr_expect_not(b.res.timed_out, "ptimerctl hung after its target died (killed after"
		      " %d s): %s", RU_WAIT_MS / 1000, b.res.err);
	cr_expect_eq(b.res.exit_code, PX_TARGET_DIED, "%s", run_describe(&b.res));
	cr_expect(strstr(b.res.err, "exited"), "no word that the target exited: %s", b.res.err);
	run_result_free(&b.res);
	ru_file_free(dump);
}

/*
 * The target's own prctl(PR_TIMER_CREATE_RESTORE_IDS) state is its
 * business: after a restore through the prctl it is what it was before,
 * off or on.
 */
Test(restore, prctl_state_put_back_after_success)
{
	const char *on[] = { "--prctl-restore-ids", "on", NULL };
	char *dump, pidbuf[16];
	struct run_result r;

	harness_need_restore_ids();
	dump = dump_ids_1_2();
	for (int k = 0; k < 2; k++) {
		struct victim *v = ru_start(NULL, 0, k ? on : NULL);
		struct vtimer t[RU_MAX_TIMERS];
		long long before = ru_restore_ids(v), after;
		int n;

		cr_assert_eq(before, k, "the fresh victim's prctl state is %lld", before);
		cr_assert_eq(run_ptimerctl(&r, "restore", "--method=prctl", "-i", dump,
					   ru_pidstr(pidbuf, v->pid), NULL), 0);
		cr_assert_eq(r.exit_code, 0, "%s", run_describe(&r));
		run_result_free(&r);
		n = ru_timers(v, t, RU_MAX_TIMERS);
		cr_expect_eq(n, 2, "%s", ru_timers_str(t, n));
		after = ru_restore_ids(v);
		cr_expect_eq(after, before, "the target's prctl state was %lld before the"
			     " restore and is %lld after it", before, after);
		victim_kill(v);
	}
	ru_file_free(dump);
}

/*
 * A restore through the prctl that fails after creating a timer: the
 * victim runs as nobody, so the kernel refuses its alarm-clock timer 2
 * (EPERM without CAP_WAKE_ALARM, EOPNOTSUPP without an RTC) after timer
 * 1 was created.  The rollback deletes timer 1 and puts the prctl state
 * back.
 */
#define NOBODY 65534

/* /proc/sys/kernel/yama/ptrace_scope, or 0 without Yama. */
static int yama_scope(void)
{
	FILE *f = fopen("/proc/sys/kernel/yama/ptrace_scope", "r");
	int v = 0;

	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = 0;
		fclose(f);
	}
	return v;
}

/* Let nobody read the file and its directory. */
static void make_public(char *path)
{
	char *slash = strrchr(path, '/');

	cr_assert_eq(chmod(path, 0644), 0);
	*slash = '\0';
	cr_assert_eq(chmod(path, 0755), 0);
	*slash = '/';
}

Test(restore, prctl_state_put_back_after_rollback)
{
	const struct run_opts as_nobody = { .as_user = true, .uid = NOBODY, .gid = NOBODY };
	char *dump = dump_ids_1_2(), *edited, pidbuf[16];
	struct vtimer t[RU_MAX_TIMERS];
	json_object *root, *t2;
	struct run_result r;
	struct victim *v;
	long long after;
	int n;

	harness_need_restore_ids();
	if (yama_scope() > 0)
		cr_skip_test("yama ptrace_scope is %d: nobody may not trace the victim",
			     yama_scope());
	root = ru_json_load(dump);
	t2 = json_object_array_get_idx(json_object_object_get(root, "timers"), 1);
	cr_assert(t2);
	json_object_object_add(t2, "clockid", json_object_new_int(8));
	json_object_object_add(t2, "clock", json_object_new_string("realtime_alarm"));
	edited = ru_json_file(root);
	make_public(edited);
	v = victim_startv_as(NOBODY, (const char *[]){ "--threads", "1", NULL });
	cr_assert(v);
	if (!v->ready && strstr(v->error, "cannot become"))
		cr_skip_test("cannot start a process as uid %d: %s", NOBODY, v->error);
	cr_assert(v->ready, "%s", v->error);
	cr_assert_eq(ru_restore_ids(v), 0);
	/* As nobody too: that one may trace its own processes (see test_privilege). */
	cr_assert_eq(run_ptimerctl_opts(&r, &as_nobody, "restore", "--method=prctl", "-i",
					edited, ru_pidstr(pidbuf, v->pid), NULL), 0);
	if (r.exit_code == 126 || r.exit_code == 127)
		cr_skip_test("cannot run ptimerctl as uid %d: %s", NOBODY, r.err);
	cr_expect(r.exit_code == PX_PERMISSION || r.exit_code == PX_UNSUPPORTED,
		  "timer_create of an alarm timer as nobody: %s", run_describe(&r));
	cr_expect(strstr(r.err, "timer_create of id 2"), "not the alarm timer that failed: %s",
		  r.err);
	run_result_free(&r);
	n = ru_timers(v, t, RU_MAX_TIMERS);
	cr_expect_eq(n, 0, "not rolled back: %s", ru_timers_str(t, n));
	after = ru_restore_ids(v);
	cr_expect_eq(after, 0, "the rollback left the target's prctl state at %lld", after);
	cr_expect_eq(proc_tracer_pid(v->pid), 0);
	json_object_put(root);
	ru_file_free(edited);
	ru_file_free(dump);
	victim_kill(v);
}

/*
 * A collision is found from /proc before attaching, whatever the method,
 * and in a dry run too: exit 11 at once, no plan, the target never traced.
 * (The kernel's EBUSY would give 11 as well, but only after attaching;
 * and a walk to an ID in use would go round the whole ID space.)
 */
Test(restore, collision_refused_before_attaching, .timeout = 200)
{
	static const char *const modes[][2] = {
		{ "--method=auto", NULL }, { "--method=prctl", NULL },
		{ "--method=loop", NULL }, { "--dry-run", NULL },
		{ "--dry-run", "--method=loop" },
	};
	/* against a walk round the whole ID space, which takes many minutes */
	const struct run_opts quick = { .timeout_ms = RU_WAIT_MS };
	struct victim *v = start_holder();
	static struct ru_snap before;
	char *dump = dump_ids_1_2(), pidbuf[16], what[64];

	ru_snap_take(v, &before);
	ru_pidstr(pidbuf, v->pid);
	for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
		const char *m2 = modes[m][1] ? modes[m][1] : "--method=auto";
		struct run_result r;
		struct ru_watch w;
		long tracer;

		snprintf(what, sizeof(what), "%s %s", modes[m][0], modes[m][1] ? m2 : "");
		ru_watch_start(&w, v->pid);
		cr_assert_eq(run_ptimerctl_opts(&r, &quick, "restore", modes[m][0], m2, "-i", dump,
						pidbuf, NULL), 0);
		tracer = ru_watch_stop(&w);
		cr_expect_not(r.timed_out, "%s: still running after %d s", what,
			      RU_WAIT_MS / 1000);
		cr_expect_eq(r.exit_code, PX_COLLISION, "%s: %s", what, run_describe(&r));
		cr_expect(strstr(r.err, "timer id 2 "), "%s: the message does not name ID 2: %s",
			  what, r.err);
		cr_expect_not(strstr(r.err, "plan:"), "%s: a plan for a colliding dump: %s",
			      what, r.err);
		cr_expect_eq(tracer, 0, "%s: the target was attached (TracerPid %ld) before"
			     " the collision was found", what, tracer);
		run_result_free(&r);
		expect_unchanged(v, &before, RU_UNTOUCHED, what);
	}
	ru_file_free(dump);
	victim_kill(v);
}

static bool fired(struct victim *v, int id)
{
	static struct ru_sig sigs[RU_MAX_SIGS];
	int ns = ru_signals(v, sigs, RU_MAX_SIGS);

	return ru_count(sigs, ns, id, 0, LLONG_MAX) > 0;
}

/*
 * CPU clocks name their process or thread: restored, they must name the
 * new ones.  The source stays alive but stopped, so a clock left pointing
 * at it would be accepted by timer_create and then never advance; the
 * destination is busy, so its own clocks do.
 *
 * The timers are periodic: a busy thread uses 200 ms of CPU in 200 ms of
 * wall time, which a slow machine (a TCG guest) spends between the
 * victim's start and the dump, and a one-shot that expired in the source
 * is dumped, and restored, disarmed: it never fires, wherever its clock
 * points.
 */
Test(restore, cpu_clocks_measure_the_new_process, .timeout = 90)
{
	static const struct ru_spec cpu[] = {
		{ 5, "process_cpu_self", "signal", 10, 0, 0x5, 200, 200 },
		{ 6, "thread_cpu:2", "signal", 12, 0, 0x6, 200, 200 },
	};
	const char *extra[] = { "--threads", "1", "--busy", "1", NULL };
	struct victim *src = ru_start(cpu, 2, extra), *dst;
	struct vtimer t[RU_MAX_TIMERS];
	pid_t stids[8], dtids[8];
	char *dump, pidbuf[16];
	struct run_result r;
	json_object *root;
	int64_t deadline;
	int n;

	cr_assert_eq(victim_tids(src, stids, 8), 4);
	dump = ru_dump_file(src->pid, NULL);
	root = ru_json_load(dump);
	cr_assert(dumped_value(root, 5) > 0 && dumped_value(root, 6) > 0,
		  "the dump holds a disarmed CPU-clock timer: %lld %lld",
		  (long long)dumped_value(root, 5), (long long)dumped_value(root, 6));
	json_object_put(root);
	cr_assert_eq(kill(src->pid, SIGSTOP), 0);
	cr_assert(proc_wait_state(src->pid, "T", HARNESS_TIMEOUT_MS));
	dst = ru_start(NULL, 0, extra);
	cr_assert_eq(victim_tids(dst, dtids, 8), 4);
	cr_assert_eq(run_ptimerctl(&r, "restore", "-i", dump, ru_pidstr(pidbuf, dst->pid), NULL),
		     0);
	cr_assert_eq(r.exit_code, 0, "%s", run_describe(&r));
	run_result_free(&r);
	n = ru_timers(dst, t, RU_MAX_TIMERS);
	cr_assert_eq(n, 2, "%s", ru_timers_str(t, n));
	cr_expect_eq(vtimer_find(t, n, 5)->clockid, ru_cpu_clock(dst->pid, false),
		     "timer 5 measures clock %d, not pid %d's (%d); the source's is %d",
		     vtimer_find(t, n, 5)->clockid, (int)dst->pid, ru_cpu_clock(dst->pid, false),
		     ru_cpu_clock(src->pid, false));
	cr_expect_eq(vtimer_find(t, n, 6)->clockid, ru_cpu_clock(dtids[2], true),
		     "timer 6 measures clock %d, not tid %d's (%d); the source's is %d",
		     vtimer_find(t, n, 6)->clockid, (int)dtids[2], ru_cpu_clock(dtids[2], true),
		     ru_cpu_clock(stids[2], true));
	/* 200 ms of CPU for a busy thread, however loaded the machine. */
	deadline = harness_deadline(RU_WAIT_MS);
	while ((!fired(dst, 5) || !fired(dst, 6)) && clock_ns(CLOCK_MONOTONIC) < deadline)
		sleep_ms(20);
	cr_expect(fired(dst, 5), "the process CPU-clock timer did not fire in %d s",
		  RU_WAIT_MS / 1000 * harness_time_scale());
	cr_expect(fired(dst, 6), "the busy thread's CPU-clock timer did not fire in %d s",
		  RU_WAIT_MS / 1000 * harness_time_scale());
	ru_file_free(dump);
	victim_kill(src);
	victim_kill(dst);
}

/* Two quiet timers, for the tests below of what comes around a restore. */
static const struct ru_spec two[] = {
	{ 3, "monotonic", "none", 10, 0, 0x3, 60000, 0 },
	{ 4, "boottime", "none", 11, 0, 0x4, 60000, 1000 },
};

/*
 * A signal that comes once the restore is done (at "released") must not
 * turn --verify's result into exit 12, which says the target was left as
 * it was: the restore stays, and a script that then re-armed the source
 * would have the timers fire in both places.  The verify, a read, is
 * skipped, and says so.
 */
Test(restore, a_signal_after_the_restore_skips_the_verify, .timeout = 90)
{
	struct victim *src = ru_start(two, 2, NULL);
	struct victim *dst = ru_start(NULL, 0, NULL);
	struct vtimer t[RU_MAX_TIMERS];
	char pidbuf[16], *dump;
	struct ru_bg b;
	int n;

	dump = ru_dump_file(src->pid, NULL);
	ru_bg_start_at(&b, "released", "restore", "--verify", "-i", dump,
		       ru_pidstr(pidbuf, dst->pid), NULL);
	cr_assert(ru_bg_wait_stopped(&b, 30000), "ptimerctl did not reach 'released'");
	ru_bg_signal_and_continue(&b, SIGINT);
	ru_bg_wait(&b, 60000);
	cr_expect_eq(b.res.exit_code, 0, "%s", run_describe(&b.res));
	cr_expect(strstr(b.res.err, "were restored, but not verified"), "%s", b.res.err);
	run_result_free(&b.res);
	n = ru_timers(dst, t, RU_MAX_TIMERS);
	cr_expect_eq(n, 2, "%s", ru_timers_str(t, n));
	cr_expect_eq(proc_tracer_pid(dst->pid), 0);
	unlink(dump);
	free(dump);
	victim_kill(src);
	victim_kill(dst);
}

/* Exec ptimerctl with @argv (after its name), @in and @out as stdin and stdout. */
static pid_t spawn_ptimerctl(const char *const *argv, int in, int out, const char *stop_at)
{
	const char *args[16] = { ptimerctl_path() };
	pid_t pid;

	for (int i = 0; argv[i]; i++)
		args[i + 1] = argv[i];
	pid = fork();
	cr_assert_geq(pid, 0);
	if (!pid) {
		if (stop_at)
			setenv("PTIMER_STOP_AT", stop_at, 1);
		dup2(in, STDIN_FILENO);
		dup2(out, STDOUT_FILENO);
		execv(args[0], (char *const *)args);
		_exit(127);
	}
	harness_track(pid);
	return pid;
}

/*
 * `dump --disarm A | restore B` with B not a process it can restore into:
 * restore must fail before it reads its input, so that the dump's write
 * finds the pipe closed and re-arms A.  Reading all of it first, restore
 * took the dump and left A disarmed.  The dump is held (stopped) after its
 * disarm until restore has ended, whatever the machine's speed.
 */
Test(restore, a_wrong_target_fails_before_the_input_is_read, .timeout = 90)
{
	struct victim *src = ru_start(two, 2, NULL);
	static struct ru_snap before, after;
	char spid[16], gone[16], why[256];
	pid_t dump, restore;
	int fds[2], devnull, status = -1, rstatus = -1;
	int64_t deadline;

	ru_snap_take(src, &before);
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	cr_assert_geq(devnull, 0);
	cr_assert_eq(pipe2(fds, O_CLOEXEC), 0);
	/*
	 * Our end of the pipe stays open until the dump holds: it checks
	 * for a reader before it attaches, and a restore that ended first
	 * (a slow machine) would have it refuse there, testing nothing.
	 */
	dump = spawn_ptimerctl((const char *[]){ "dump", "--disarm",
						 ru_pidstr(spid, src->pid), NULL },
			       devnull, fds[1], "released");
	close(fds[1]);
	cr_assert(proc_wait_state(dump, "T", 30000), "the dump did not reach 'released'");
	/* A pid no process has: a child's, reaped. */
	ru_pidstr(gone, reaped_pid());
	restore = spawn_ptimerctl((const char *[]){ "restore", gone, NULL }, fds[0],
				  devnull, NULL);
	close(fds[0]);
	deadline = harness_deadline(10000);
	while (waitpid(restore, &rstatus, WNOHANG) == 0 && clock_ns(CLOCK_MONOTONIC) < deadline)
		sleep_ms(10);
	if (rstatus == -1) {
		kill(restore, SIGKILL);
		waitpid(restore, NULL, 0);
	}
	harness_untrack(restore);
	kill(dump, SIGCONT);
	cr_assert_eq(waitpid(dump, &status, 0), dump);
	harness_untrack(dump);
	close(devnull);
	cr_expect(rstatus != -1 && WIFEXITED(rstatus) && WEXITSTATUS(rstatus) == PX_NO_PROCESS,
		  "the restore: status %#x (-1: it waited for its input), not exit 3", rstatus);
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 1,
		  "the dump: status %#x, not exit 1 (its write failing)", status);
	ru_snap_take(src, &after);
	cr_expect(ru_snaps_same(&before, &after, RU_PUT_BACK, why, sizeof(why)),
		  "A's timers were not put back (%s): %s", why, ru_timers_str(after.t, after.n));
	victim_kill(src);
}

/*
 * A rollback puts a timer that --replace deleted back on time: with what
 * it had left when it was read, less the time the restore took, as if it
 * had never been touched; and a periodic one whose expiry came while the
 * restore held the target fires at once, late, rather than never.
 * Before, each came back with the value it had when read: late by as long
 * as the restore was held at 'created'.
 */
/*
 * What timers @first..@last had left in @before fell by the time until
 * @after, as if untouched; late, at most, by the moments the rollback
 * took to compute and run the settings (generously: a loaded machine).
 */
static void expect_put_back_on_time(const struct ru_snap *before, const struct ru_snap *after,
				    int first, int last)
{
	long long least = after->t0 - before->t1, most = after->t1 - before->t0;

	for (int id = first; id <= last; id++) {
		const struct vtimer *x = ru_snap_timer(before, id), *y = ru_snap_timer(after, id);

		cr_expect(y->value_ns >= x->value_ns - most - 5 * RU_MS &&
			  y->value_ns <= x->value_ns - least + 100 * RU_MS * harness_time_scale(),
			  "timer %d: %lld ns left, then %lld %lld..%lld ns later: not put back on"
			  " time", id, (long long)x->value_ns, (long long)y->value_ns, least, most);
	}
}

Test(restore, a_rollback_puts_replaced_timers_back_on_time, .timeout = 90)
{
	int scale = harness_time_scale();
	/* Timer 5 expires while ptimerctl is held, then not for a minute. */
	const struct ru_spec mine[] = {
		{ 3, "monotonic", "signal", 10, 0, 0x3, 60000, 0 },
		{ 4, "realtime", "none", 11, 0, 0x4, 50000, 0 },
		{ 5, "monotonic", "signal", 12, 0, 0x5, 2000 * scale, 60000 * scale },
	};
	/* The same ids, another sigval: deleted and made again, not re-armed in place. */
	const struct ru_spec theirs[] = {
		{ 3, "monotonic", "signal", 10, 0, 0x33, 60000, 0 },
		{ 4, "realtime", "none", 11, 0, 0x44, 50000, 0 },
		{ 5, "monotonic", "signal", 12, 0, 0x55, 2000 * scale, 60000 * scale },
	};
	struct victim *src, *dst;
	static struct ru_snap before, after;
	int64_t due, deadline;
	char pidbuf[16], *dump;
	long long ticks;
	struct ru_bg b;

	/* A walk refuses a --replace that deletes (ptimerctl(1)): the prctl makes them again. */
	harness_need_restore_ids();
	src = ru_start(theirs, 3, NULL);
	dst = ru_start(mine, 3, NULL);
	dump = ru_dump_file(src->pid, NULL);
	ru_snap_take(dst, &before);
	due = before.t1 + ru_snap_timer(&before, 5)->value_ns;
	ticks = victim_sigcount(dst, 12);
	ru_bg_start_at(&b, "created", "restore", "--replace", "-i", dump,
		       ru_pidstr(pidbuf, dst->pid), NULL);
	cr_assert(ru_bg_wait_stopped(&b, 30000), "ptimerctl did not reach 'created'");
	if (clock_ns(CLOCK_MONOTONIC) > due - 100 * RU_MS) {
		ru_bg_signal_and_continue(&b, SIGTERM);
		ru_bg_wait(&b, 60000);
		run_result_free(&b.res);
		cr_skip_test("ptimerctl reached 'created' after timer 5 was due: nothing to test");
	}
	while (clock_ns(CLOCK_MONOTONIC) < due + 500 * RU_MS)
		sleep_ms(10);
	ru_bg_term_now_rolls_back(&b, "replaced");
	ru_snap_take(dst, &after);
	expect_put_back_on_time(&before, &after, 3, 4);
	deadline = harness_deadline(2000);
	while (victim_sigcount(dst, 12) == ticks && clock_ns(CLOCK_MONOTONIC) < deadline)
		sleep_ms(10);
	cr_expect_gt(victim_sigcount(dst, 12), ticks, "timer 5's expiry during the restore never came");
	unlink(dump);
	free(dump);
	victim_kill(src);
	victim_kill(dst);
}

/*
 * `dump P | restore --replace P`: the restore's check before it reads its
 * input must not refuse P for the tracer it has then, the dump upstream,
 * gone by the time the restore attaches.  A tracer of the test's own
 * stands for the dump: the restore must wait on its input, and restore
 * once it comes.
 */
Test(restore, a_tracer_before_the_input_is_left_to_the_attach, .timeout = 90)
{
	struct victim *v = ru_start(two, 2, NULL);
	char pidbuf[16], *dump, *text;
	int fds[2], devnull, status;
	pid_t tracer, restore;
	json_object *root;

	dump = ru_dump_file(v->pid, NULL);
	root = ru_json_load(dump);
	text = strdup(json_object_to_json_string(root));
	json_object_put(root);
	tracer = ru_trace_from_elsewhere(v->pid);
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	cr_assert_geq(devnull, 0);
	cr_assert_eq(pipe2(fds, O_CLOEXEC), 0);
	restore = spawn_ptimerctl((const char *[]){ "restore", "--replace",
						    ru_pidstr(pidbuf, v->pid), NULL },
				  fds[0], devnull, NULL);
	close(fds[0]);
	close(devnull);
	cr_expect(proc_wait_syscall(restore, restore, SYS_read, NULL, 30000),
		  "the restore did not wait on its input with pid %d traced", v->pid);
	ru_trace_end(tracer);
	cr_assert_eq(write(fds[1], text, strlen(text)), (ssize_t)strlen(text));
	close(fds[1]);
	cr_assert_eq(waitpid(restore, &status, 0), restore);
	harness_untrack(restore);
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the restore: status %#x",
		  status);
	free(text);
	unlink(dump);
	free(dump);
	victim_kill(v);
}

/*
 * A timer on the CPU clock of the thread that made it (/proc's ClockID
 * -2, a busy thread's here, not the thread ptimerctl injects into): which
 * thread that is, /proc does not say.  Replaced by a dump of its own, it
 * is re-armed in place and goes on measuring that thread; deleted and made
 * again, it measured the idle thread ptimerctl injects into, and never
 * fired again.
 */
static const struct ru_spec makers_clock = { 20, "busy_thread_cputime", "signal", 40, 0, 0x20, 20,
					     20 };

/* Timer 20 of @v still fires, and still has sigval 0x20. */
static void expect_makers_clock_fires(struct victim *v, const char *who)
{
	struct vtimer t[RU_MAX_TIMERS];
	long long from = victim_sigcount(v, 40);
	int64_t deadline = harness_deadline(10000);
	int n = ru_timers(v, t, RU_MAX_TIMERS);
	const struct vtimer *x = vtimer_find(t, n, 20);

	cr_expect(x && x->sigval == 0x20, "%s: timer 20 changed: %s", who, ru_timers_str(t, n));
	while (victim_sigcount(v, 40) < from + 5 && clock_ns(CLOCK_MONOTONIC) < deadline)
		sleep_ms(10);
	cr_expect_geq(victim_sigcount(v, 40), from + 5, "%s: timer 20 no longer measures the"
		      " busy thread that made it (%lld signals, then %lld)", who, from,
		      victim_sigcount(v, 40));
}

Test(restore, a_timer_on_its_makers_cpu_clock_is_rearmed_in_place, .timeout = 90)
{
	const char *busy[] = { "--busy", "1", NULL };
	struct victim *v = ru_start(&makers_clock, 1, busy);
	char pidbuf[16], *dump = ru_dump_file(v->pid, NULL);
	struct run_result r;

	cr_assert_eq(run_ptimerctl(&r, "restore", "--replace", "-i", dump,
				   ru_pidstr(pidbuf, v->pid), NULL), 0);
	cr_expect_eq(r.exit_code, 0, "%s", run_describe(&r));
	run_result_free(&r);
	expect_makers_clock_fires(v, "after the restore");
	ru_file_free(dump);
	victim_kill(v);
}

/*
 * The same timer, where the dump's differs (its sigval): it cannot be
 * re-armed in place, and deleted it could not be made again on its
 * thread should the restore fail.  The restore is refused before it
 * changes anything, and says why, with no "--replace" hint.
 */
Test(restore, a_timer_on_its_makers_cpu_clock_is_never_deleted, .timeout = 90)
{
	const char *busy[] = { "--busy", "1", NULL };
	struct victim *v;
	char pidbuf[16], *dump, *odd;
	struct run_result r;
	json_object *root;

	/* Without the prctl, a --replace that deletes is refused sooner (ptimerctl(1)). */
	harness_need_restore_ids();
	v = ru_start(&makers_clock, 1, busy);
	dump = ru_dump_file(v->pid, NULL);
	root = ru_json_load(dump);
	json_object_object_add(dump_timer(root, 20), "sigval", json_object_new_string("0x21"));
	odd = ru_json_file(root);
	json_object_put(root);
	cr_assert_eq(run_ptimerctl(&r, "restore", "--replace", "-i", odd,
				   ru_pidstr(pidbuf, v->pid), NULL), 0);
	cr_expect_eq(r.exit_code, PX_COLLISION, "%s", run_describe(&r));
	cr_expect(strstr(r.err, "the thread that created it") && !strstr(r.err, "takes its place"),
		  "%s", r.err);
	run_result_free(&r);
	cr_expect_eq(proc_tracer_pid(v->pid), 0);
	expect_makers_clock_fires(v, "after the refusal");
	ru_file_free(odd);
	ru_file_free(dump);
	victim_kill(v);
}

/*
 * The same, for timers re-armed in place (the dump's differ only in
 * their time left): held a second once armed, then SIGTERM.  Each must
 * come back with what it had left less the time since, as if untouched.
 * It came back with what it had when the in-place batch ran, late by as
 * long as the restore was held after it.
 */
Test(restore, a_rollback_puts_timers_rearmed_in_place_back_on_time, .timeout = 90)
{
	int scale = harness_time_scale();
	const struct ru_spec mine[] = {
		{ 3, "monotonic", "signal", 10, 0, 0x3, 60000, 0 },
		{ 4, "realtime", "none", 11, 0, 0x4, 50000, 0 },
	};
	/* Due later than ARM_SOON_NS, or an interrupt once armed would not roll back. */
	const struct ru_spec theirs[] = {
		{ 3, "monotonic", "signal", 10, 0, 0x3, 30000, 0 },
		{ 4, "realtime", "none", 11, 0, 0x4, 20000, 0 },
	};
	struct victim *src, *dst;
	static struct ru_snap before, after;
	char pidbuf[16], *dump;
	struct ru_bg b;

	src = ru_start(theirs, 2, NULL);
	dst = ru_start(mine, 2, NULL);
	dump = ru_dump_file(src->pid, NULL);
	ru_snap_take(dst, &before);
	ru_bg_start_at(&b, "armed", "restore", "--replace", "-i", dump,
		       ru_pidstr(pidbuf, dst->pid), NULL);
	cr_assert(ru_bg_wait_stopped(&b, 30000), "ptimerctl did not reach 'armed'");
	sleep_ms(1000 * scale);
	ru_bg_term_now_rolls_back(&b, "in place");
	ru_snap_take(dst, &after);
	expect_put_back_on_time(&before, &after, 3, 4);
	ru_file_free(dump);
	victim_kill(src);
	victim_kill(dst);
}
