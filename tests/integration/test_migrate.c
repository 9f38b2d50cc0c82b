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
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ptimer.h>

#include "cpu_lock.h"
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

Test(migrate, moves_the_timers, .timeout = 90)
{
	struct victim *src = ru_start(moved, NMOVED, one_worker);
	struct victim *dst = ru_start(NULL, 0, one_worker);
	static struct ru_snap sb, sa, da;
	static struct ru_sig sigs[RU_MAX_SIGS];
	char spid[16], dpid[16];
	struct run_result r;
	pid_t dtids[8];
	long long period;
	int64_t t_end;
	int ns, c;

	cr_assert_eq(victim_tids(dst, dtids, 8), 3);
	ru_snap_take(src, &sb);
	cr_assert_eq(sb.n, (int)NMOVED);
	cr_assert_eq(ru_restore_ids(src), harness_restore_ids_off());
	cr_assert_eq(ru_restore_ids(dst), harness_restore_ids_off());
	cr_assert_eq(run_ptimerctl(&r, "migrate", ru_pidstr(spid, src->pid),
				   ru_pidstr(dpid, dst->pid), NULL), 0);
	t_end = clock_ns(CLOCK_MONOTONIC);
	cr_assert_eq(r.exit_code, 0, "%s", run_describe(&r));
	run_result_free(&r);

	ru_snap_take(src, &sa);
	ru_snap_take(dst, &da);
	cr_expect_eq(sa.n, (int)NMOVED, "SRC: %s", ru_timers_str(sa.t, sa.n));
	cr_assert_eq(da.n, (int)NMOVED, "DST: %s", ru_timers_str(da.t, da.n));
	for (size_t i = 0; i < NMOVED; i++) {
		const struct ru_spec *s = &moved[i];
		const struct vtimer *before = vtimer_find(sb.t, sb.n, s->id);
		const struct vtimer *x = vtimer_find(sa.t, sa.n, s->id);
		const struct vtimer *y = vtimer_find(da.t, da.n, s->id);
		/* the time that can have passed between the two readings */
		long long most = da.t1 - sb.t0, slew = most / 1000 + 1;

		cr_assert(before);
		cr_expect(x, "SRC lost timer %d: %s", s->id, ru_timers_str(sa.t, sa.n));
		/*
		 * The kernel's timer_gettime() on a disarmed SIGEV_NONE timer
		 * still counts down to its old expiry (common_timer_get()), so
		 * only the others can be seen disarmed.
		 */
		if (x && strcmp(s->notify, "none"))
			cr_expect_eq(x->value_ns, 0, "SRC's timer %d is still armed: %s", s->id,
				     ru_timers_str(sa.t, sa.n));
		if (x)
			cr_expect_eq(x->interval_ns, 0, "SRC's timer %d still has an interval",
				     s->id);
		cr_assert(y, "DST lacks timer %d: %s", s->id, ru_timers_str(da.t, da.n));
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
			/* frozen while it moved: it lost no more than the time elapsed */
			cr_expect(y->value_ns <= before->value_ns + slew &&
				  y->value_ns >= before->value_ns - most - slew,
				  "timer %d: %lld ms in DST, %lld ms in SRC %lld ms before",
				  s->id, y->value_ns / RU_MS, before->value_ns / RU_MS,
				  most / RU_MS);
	}
	cr_expect_eq(proc_tracer_pid(src->pid), 0);
	cr_expect_eq(proc_tracer_pid(dst->pid), 0);
	/* Both processes' own prctl(PR_TIMER_CREATE_RESTORE_IDS) state is as it was. */
	cr_expect_eq(ru_restore_ids(src), harness_restore_ids_off(), "SRC's prctl state changed");
	cr_expect_eq(ru_restore_ids(dst), harness_restore_ids_off(),
		     "DST's prctl state was left on");

	/* Timer 3 (100 ms) now signals DST at its period, and SRC no more. */
	cr_expect(ru_wait_period(dst, 3, 0, 100 * RU_MS, 20, sigs, RU_MAX_SIGS, &ns, &period),
		  "DST's timer 3: a period of %lld us over %d expiries, 100000 us expected",
		  period / 1000, ru_expiries(sigs, ns, 3, 0));
	for (int i = 0; i < ns; i++) {
		const struct ru_spec *s = NULL;

		for (size_t k = 0; k < NMOVED; k++)
			if (moved[k].id == sigs[i].timerid)
				s = &moved[k];
		cr_expect_eq(sigs[i].code, RU_SI_TIMER);
		cr_expect(s && strcmp(s->notify, "none"), "DST got a signal from timer %d",
			  sigs[i].timerid);
		if (s)
			cr_expect_eq(sigs[i].value, s->sigval, "timer %d", s->id);
	}
	/*
	 * Meanwhile an armed timer 3 would have signalled SRC as often.  One
	 * delivery taken from the queue before the disarm may still be
	 * handled after ptimerctl ended; no second one can be.
	 */
	ns = ru_signals(src, sigs, RU_MAX_SIGS);
	c = ru_expiries(sigs, ns, 3, t_end);
	cr_expect_leq(c, 1, "SRC still got %d expiries of timer 3 after the migration", c);
	victim_kill(src);
	victim_kill(dst);
}

static const struct ru_spec rearmed[] = {
	{ 100, "monotonic", "signal", 10, 0, 0x64, 100, 100 },
	{ 200, "realtime", "signal", 12, 0, 0xc8, 30000, 0 },
};
#define NREARMED (sizeof(rearmed) / sizeof(rearmed[0]))

/*
 * SRC's timers are as in @sb (RU_UNTOUCHED: never disarmed; RU_PUT_BACK:
 * disarmed, then re-armed), and its 100 ms timer fires at its period from
 * @t_end (the end of ptimerctl) on.
 */
static void expect_source_as_before(struct victim *src, const struct ru_snap *sb,
				    enum ru_since since, int64_t t_end)
{
	static struct ru_sig sigs[RU_MAX_SIGS];
	static struct ru_snap sa;
	long long period;
	char why[256];
	int ns;

	ru_snap_take(src, &sa);
	cr_expect(ru_snaps_same(sb, &sa, since, why, sizeof(why)),
		  "SRC not as before (%s): before %s, after %s", why, ru_timers_str(sb->t, sb->n),
		  ru_timers_str(sa.t, sa.n));
	cr_expect_eq(proc_tracer_pid(src->pid), 0);
	cr_expect(ru_wait_period(src, 100, t_end, 100 * RU_MS, 20, sigs, RU_MAX_SIGS, &ns,
				 &period),
		  "SRC's 100 ms timer: a period of %lld us over %d expiries", period / 1000,
		  ru_expiries(sigs, ns, 100, t_end));
}

/*
 * migrate's dry run does not see DST's counter, which DST's timer 300,
 * made and deleted, left past SRC's IDs with nothing in /proc to show
 * it: a --max-iterations refusal of the walk round the ID space comes
 * after SRC was disarmed, and SRC must be re-armed.
 */
Test(migrate, failure_after_disarm_rearms_the_source, .timeout = 90)
{
	struct victim *src = ru_start(rearmed, NREARMED, NULL);
	struct victim *dst = victim_start("--timer", "id=300,clock=monotonic,notify=none,"
					  "value_ms=60000", NULL);
	static struct ru_snap sb;
	struct vtimer da[RU_MAX_TIMERS];
	char spid[16], dpid[16], line[256];
	struct run_result r;
	int64_t t_end;
	int nda;

	cr_assert(dst && dst->ready, "%s", dst ? dst->error : "fork");
	cr_assert_eq(victim_cmd(dst, "delete 300", line, sizeof(line)), 0);
	cr_assert_str_eq(line, "OK");
	ru_snap_take(src, &sb);
	cr_assert_eq(run_ptimerctl(&r, "migrate", "--method=loop", "--max-iterations", "1000",
				   ru_pidstr(spid, src->pid), ru_pidstr(dpid, dst->pid), NULL), 0);
	t_end = clock_ns(CLOCK_MONOTONIC);
	cr_expect_eq(r.exit_code, PX_UNSUPPORTED, "%s", run_describe(&r));
	cr_expect(strstr(r.err, "re-armed"), "SRC was not disarmed, so this tests nothing: %s",
		  r.err);
	run_result_free(&r);
	expect_source_as_before(src, &sb, RU_PUT_BACK, t_end);
	nda = ru_timers(dst, da, RU_MAX_TIMERS);
	cr_expect_eq(nda, 0, "DST kept timers: %s", ru_timers_str(da, nda));
	cr_expect_eq(proc_tracer_pid(dst->pid), 0);
	victim_kill(src);
	victim_kill(dst);
}

/*
 * A walk that even the dry run's lower bound shows to be over the limit
 * is refused by that dry run, before SRC is disarmed: SRC is never
 * touched.  (It was disarmed, and re-armed.)
 */
Test(migrate, a_walk_over_the_limit_is_refused_before_the_disarm, .timeout = 90)
{
	struct victim *src = ru_start(rearmed, NREARMED, NULL);
	struct victim *dst = ru_start(NULL, 0, NULL);
	static struct ru_snap sb;
	char spid[16], dpid[16];
	struct run_result r;
	int64_t t_end;

	ru_snap_take(src, &sb);
	cr_assert_eq(run_ptimerctl(&r, "migrate", "--method=loop", "--max-walk-steps", "10",
				   ru_pidstr(spid, src->pid), ru_pidstr(dpid, dst->pid), NULL), 0);
	t_end = clock_ns(CLOCK_MONOTONIC);
	cr_expect_eq(r.exit_code, PX_UNSUPPORTED, "%s", run_describe(&r));
	cr_expect(strstr(r.err, "at least 201 steps") && !strstr(r.err, "re-armed"), "%s",
		  r.err);
	run_result_free(&r);
	expect_source_as_before(src, &sb, RU_UNTOUCHED, t_end);
	victim_kill(src);
	victim_kill(dst);
}

/*
 * The restore into DST is interrupted, and SRC, disarmed, cannot be
 * re-armed: another tracer took it meanwhile.  migrate must not exit 12,
 * which says that both were put back as they were: it says that SRC's
 * timers stay disarmed, keeps their dump where it says, and exits with
 * the re-arm's status (9: traced).
 */
Test(migrate, a_source_that_cannot_be_rearmed_keeps_its_dump, .timeout = 90)
{
	struct victim *src = ru_start(rearmed, NREARMED, NULL);
	struct victim *dst = ru_start(NULL, 0, NULL);
	char dir[] = "/tmp/ptimer-migrate-XXXXXX", spid[16], dpid[16], path[PATH_MAX];
	struct vtimer st[RU_MAX_TIMERS];
	const char *kept, *end;
	json_object *root, *timers;
	struct ru_bg b;
	pid_t tracer;
	int n;

	cr_assert_not_null(mkdtemp(dir));
	setenv("TMPDIR", dir, 1);
	ru_bg_start_at(&b, "created", "migrate", ru_pidstr(spid, src->pid),
		       ru_pidstr(dpid, dst->pid), NULL);
	unsetenv("TMPDIR");
	cr_assert(ru_bg_wait_stopped(&b, 30000), "ptimerctl did not reach 'created'");
	tracer = ru_trace_from_elsewhere(src->pid);
	ru_bg_signal_and_continue(&b, SIGINT);
	ru_bg_wait(&b, 60000);
	ru_trace_end(tracer);

	cr_expect_eq(b.res.exit_code, PX_TRACED, "%s", run_describe(&b.res));
	cr_expect(strstr(b.res.err, "cannot re-arm the timers of pid"), "%s", b.res.err);
	kept = strstr(b.res.err, "stay disarmed; their dump is in '");
	cr_assert_not_null(kept, "%s", b.res.err);
	kept = strchr(kept, '\'') + 1;
	end = strchr(kept, '\'');
	cr_assert_not_null(end);
	snprintf(path, sizeof(path), "%.*s", (int)(end - kept), kept);
	cr_expect_eq(strncmp(path, dir, strlen(dir)), 0, "kept outside $TMPDIR: %s", path);
	root = json_object_from_file(path);
	cr_assert_not_null(root, "%s: not a JSON document", path);
	cr_assert(json_object_object_get_ex(root, "timers", &timers));
	cr_expect_eq(json_object_array_length(timers), NREARMED);
	json_object_put(root);
	/* What the message says: SRC's timers are there, disarmed. */
	n = ru_timers(src, st, RU_MAX_TIMERS);
	cr_expect_eq(n, (int)NREARMED);
	for (int i = 0; i < n; i++)
		cr_expect_eq(st[i].value_ns, 0, "timer %d armed", st[i].id);
	run_result_free(&b.res);
	unlink(path);
	rmdir(dir);
	victim_kill(src);
	victim_kill(dst);
}

/*
 * A collision in DST is found by the dry run, from /proc: DST is never
 * attached and SRC never disarmed (a disarmed and re-armed SRC would look
 * the same afterwards, but ptimerctl says "re-armed").
 */
Test(migrate, collision_leaves_both_alone, .timeout = 90)
{
	struct victim *src = ru_start(rearmed, NREARMED, NULL);
	struct victim *dst = victim_start("--timer", "id=200,clock=monotonic,notify=none,"
					  "value_ms=50000", NULL);
	static struct ru_snap sb, db, da;
	char spid[16], dpid[16], why[256];
	struct run_result r;
	struct ru_watch w;
	int64_t t_end;
	long tracer;

	cr_assert(dst && dst->ready);
	ru_snap_take(src, &sb);
	ru_snap_take(dst, &db);
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
	ru_snap_take(dst, &da);
	expect_source_as_before(src, &sb, RU_UNTOUCHED, t_end);
	cr_expect(ru_snaps_same(&db, &da, RU_UNTOUCHED, why, sizeof(why)),
		  "DST changed (%s): %s", why, ru_timers_str(da.t, da.n));
	victim_kill(src);
	victim_kill(dst);
}

/*
 * The first half of a migration, stopped past the timeout: each
 * timer_settime() of a victim with @many signal timers waits @slow
 * microseconds for a seccomp supervisor, and `dump --disarm` is stopped
 * part-way.  Every timer it disarmed must be armed again as it was,
 * though its batch never said which.  (Signal timers: a disarmed
 * SIGEV_NONE timer still reads its old time on some kernels.)
 */
static void disarm_past_the_timeout_is_undone(const char *many, const char *slow,
					      const char *timeout)
{
	struct ptimer_dump *after = NULL;
	struct ptimer_ctx *ctx;
	struct run_result r;
	struct victim *v;
	size_t armed = 0, n = strtoul(many, NULL, 10);
	char pid[16];
	int lock;

	if (harness_time_scale() > 1)
		cr_skip_test("under emulation (time scale %d)", harness_time_scale());
	/* Its run must outlast the timeout: no CPU hog beside it. */
	lock = cpu_lock_take();
	v = victim_start("--many", many, "--many-signal", "40", "--slow-timers", slow, NULL);
	cr_assert(v && v->ready, "%s", v ? v->error : "fork");
	cr_assert_eq(run_ptimerctl(&r, "dump", "--disarm", "--keep-seccomp", timeout,
				   ru_pidstr(pid, v->pid), NULL), 0);
	cr_expect_eq(r.exit_code, PX_TIMEOUT, "%s", run_describe(&r));
	cr_expect(strstr(r.err, "it had disarmed were re-armed"),
		  "no word of the re-arming: %s", r.err);
	run_result_free(&r);
	cr_assert_eq(ptimer_new(&ctx), 0);
	cr_assert_eq(ptimer_dump_pid(ctx, v->pid, PTIMER_DUMP_KEEP_SECCOMP, &after, NULL), 0,
		     "%s", ptimer_last_error(ctx));
	for (size_t i = 0; i < after->ntimers; i++)
		armed += after->timers[i].value_ns > 3000 * RU_SEC;
	cr_expect_eq(after->ntimers, n, "%zu timers after the undo", after->ntimers);
	cr_expect_eq(armed, n, "%zu of %zu timers armed after the undo", armed, after->ntimers);
	ptimer_dump_free(after);
	ptimer_free(ctx);
	victim_kill(v);
	close(lock);
}

/*
 * 1500 timers: /proc/PID/timers read once stopped does not add up to the
 * list at once, and the candidates are settled by a reading batch before
 * the disarming one (lib/dump.c, exact_finish()).
 */
Test(migrate, a_disarm_past_the_timeout_is_undone)
{
	disarm_past_the_timeout_is_undone("1500", "0,0,1000", "--timeout=0.3");
}

/* 40 timers: the head read once stopped is the whole list, and disarms at once. */
Test(migrate, a_small_disarm_past_the_timeout_is_undone)
{
	disarm_past_the_timeout_is_undone("40", "0,0,10000", "--timeout=0.2");
}

/*
 * A call slower than the timeout itself: each timer_settime() of SRC
 * waits 0.5 s for a supervisor that has taken it up, which no stop
 * interrupts (SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV), and `dump --disarm
 * @timeout` gives up during the first.  ptimerctl must wait for the
 * thread to stop rather than let go of it in our code, whose breakpoint
 * would kill it, and must know from the registers at the stop that the
 * call ran, since its result was not stored yet.
 */
static void slow_call_is_waited_for_and_undone(const char *timeout, const char *slow)
{
	struct ptimer_dump *after = NULL;
	struct ptimer_ctx *ctx;
	struct run_result r;
	struct vstate st;
	struct victim *v;
	size_t armed = 0;
	char pid[16];
	int lock;

	if (harness_time_scale() > 1)
		cr_skip_test("under emulation (time scale %d)", harness_time_scale());
	/* Its run must outlast the timeout: no CPU hog beside it. */
	lock = cpu_lock_take();
	v = victim_start("--many", "3", "--many-signal", "40", "--slow-timers", slow, NULL);
	cr_assert(v && v->ready, "%s", v ? v->error : "fork");
	cr_assert_eq(run_ptimerctl(&r, "dump", "--disarm", "--keep-seccomp", timeout,
				   ru_pidstr(pid, v->pid), NULL), 0);
	cr_expect_eq(r.exit_code, PX_TIMEOUT, "%s", run_describe(&r));
	cr_expect(strstr(r.err, "the 1 POSIX timer it had disarmed was re-armed"),
		  "no word of the re-arming: %s", r.err);
	run_result_free(&r);
	cr_assert_eq(victim_state(v, &st), 0, "the victim does not answer: state %c",
		     proc_state(v->pid));
	cr_assert_eq(ptimer_new(&ctx), 0);
	cr_assert_eq(ptimer_dump_pid(ctx, v->pid, PTIMER_DUMP_KEEP_SECCOMP, &after, NULL), 0,
		     "%s", ptimer_last_error(ctx));
	for (size_t i = 0; i < after->ntimers; i++)
		armed += after->timers[i].value_ns > 3000 * RU_SEC;
	cr_expect_eq(armed, 3, "%zu of %zu timers armed after the undo", armed, after->ntimers);
	ptimer_dump_free(after);
	ptimer_free(ctx);
	victim_kill(v);
	close(lock);
}

Test(migrate, a_call_slower_than_the_timeout_is_waited_for_and_undone)
{
	slow_call_is_waited_for_and_undone("--timeout=0.2", "0,0,500000");
}

/*
 * A call of 0.9 s, eighteen times the timeout: the wait for the thread to
 * stop has no bound of its own (a bound of ten timeouts let it go in our
 * code, and it died of SIGSEGV or SIGTRAP once the call ended).  0.05 s
 * leaves the steps before the disarm room on a loaded machine.
 */
Test(migrate, a_call_many_times_the_timeout_is_waited_for_and_undone)
{
	slow_call_is_waited_for_and_undone("--timeout=0.05", "0,0,900000");
}
