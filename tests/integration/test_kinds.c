// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * Every kind of timer a process has (issue 11), against real processes:
 * the allkinds victim (tests/helpers/allkinds.c) holds POSIX timers
 * (thread- and process-directed), ITIMER_REAL, _VIRTUAL and _PROF, four
 * timerfds (one in an epoll set, one TFD_TIMER_ABSTIME | CANCEL_ON_SET, one
 * expired with a tick unread) and, on demand, timer signals kept pending.
 * It is dumped, restored into a fresh process of the same program, and
 * checked from inside that process: getitimer(), timerfd_gettime(),
 * read() of the ticks, siginfo checked by its handlers, periods.  Then the
 * pending signals (delivered once after they unblock), --kinds, timerfd
 * collisions and --replace, migrate and its rollback, and version-1
 * documents.
 */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/time.h>
#include <unistd.h>

#include "cpu_lock.h"
#include "harness.h"
#include "kinds_util.h"
#include "restore_util.h"
#include "tool_trace.h"

#define TOL_PCT		10	/* periods within 10% */
#define MIN_EXPIRIES	20	/* expiries a period is measured over */
#define CPU_SIGNALS	5	/* ITIMER_VIRTUAL/PROF signals that must still come */

static void fini(void)
{
	harness_kill_all();
}

TestSuite(kinds, .fini = fini, .timeout = 120);

static json_object *member(json_object *o, const char *key)
{
	json_object *m = NULL;

	cr_assert(json_object_object_get_ex(o, key, &m), "no \"%s\" in the dump", key);
	return m;
}

static size_t array_len(json_object *root, const char *key)
{
	json_object *a = member(root, key);

	cr_assert(json_object_is_type(a, json_type_array), "\"%s\" is not an array", key);
	return json_object_array_length(a);
}

/* Whether the dump's "kinds" lists @kind. */
static bool dump_has_kind(json_object *root, const char *kind)
{
	json_object *k = member(root, "kinds");

	for (size_t i = 0; i < json_object_array_length(k); i++)
		if (!strcmp(json_object_get_string(json_object_array_get_idx(k, i)), kind))
			return true;
	return false;
}

/* The source after it has set up: fd 102's one tick is there.  @arg2 may be NULL. */
static struct victim *start_source_with4(const char *arg, const char *arg2, const char *arg3,
					 const char *arg4)
{
	struct victim *v = ak_start(arg, arg2, arg3, arg4, NULL);
	int64_t deadline = harness_deadline(RU_WAIT_MS);
	struct ak_tfd t[AK_NTFD];

	for (;;) {
		ak_timerfds(v, t);
		if (t[2].ticks == 1)
			return v;
		cr_assert(clock_ns(CLOCK_MONOTONIC) < deadline, "fd 102 never expired");
		sleep_ms(1);
	}
}

static struct victim *start_source_with(const char *arg, const char *arg2)
{
	return start_source_with4(arg, arg2, NULL, NULL);
}

static struct victim *start_source(const char *arg)
{
	return start_source_with(arg, NULL);
}

static void restore_ok(const char *file, pid_t pid, const char *opt)
{
	struct run_result r;
	char spid[16];

	ru_pidstr(spid, pid);
	if (opt)
		cr_assert_eq(run_ptimerctl(&r, "restore", opt, "-i", file, spid, NULL), 0);
	else
		cr_assert_eq(run_ptimerctl(&r, "restore", "-i", file, spid, NULL), 0);
	cr_assert_eq(r.exit_code, 0, "restore: %s", run_describe(&r));
	run_result_free(&r);
}

static void expect_no_anomaly(struct victim *v, const char *who)
{
	struct ak_stats st;

	ak_stats(v, &st);
	cr_expect_eq(st.anomalies, 0, "%s saw %lld bad siginfos, the first %s", who,
		     st.anomalies, st.first_anomaly);
}

/* The destination's wall-clock sources run at their periods, its CPU itimers signal. */
static void expect_periods(struct victim *v, const char *who)
{
	static const struct { enum ak_source src; long long ns; } wall[] = {
		{ AK_PTHR, 50 * RU_MS }, { AK_PPROC, 70 * RU_MS },
		{ AK_REAL, 100 * RU_MS }, { AK_TFD, 50 * RU_MS },
	};
	struct ak_stats st;
	long long period;

	ak_ok(v, "mark", NULL, 0);
	for (size_t i = 0; i < sizeof(wall) / sizeof(wall[0]); i++)
		cr_expect(ak_wait_period(v, wall[i].src, wall[i].ns, TOL_PCT, MIN_EXPIRIES,
					 &period),
			  "%s: %s has a period of %lld us, %lld us expected", who,
			  ak_source_name[wall[i].src], period / 1000, wall[i].ns / 1000);
	/*
	 * ITIMER_VIRTUAL and _PROF run on the process's CPU time, which the
	 * victim cannot measure as the kernel counts it (user time only, for
	 * VIRTUAL); their intervals are checked exactly by getitimer(), here
	 * only that they still fire.
	 */
	ak_stats(v, &st);
	cr_expect(ak_wait_count(v, AK_VIRT, st.s[AK_VIRT].count + CPU_SIGNALS),
		  "%s: ITIMER_VIRTUAL does not fire", who);
	cr_expect(ak_wait_count(v, AK_PROF, st.s[AK_PROF].count + CPU_SIGNALS),
		  "%s: ITIMER_PROF does not fire", who);
}

/* Armed as allkinds arms them; the values counted down from what they were. */
static void expect_itimers_armed(struct victim *v, const char *who)
{
	static const long long interval[3] = { 100 * RU_MS, 10 * RU_MS, 20 * RU_MS };
	static const char *const name[3] = { "real", "virtual", "prof" };
	struct ak_itimer it[3];

	ak_itimers_armed(v, 0, it, RU_WAIT_MS);
	for (int w = 0; w < 3; w++) {
		cr_expect_eq(it[w].interval_ns, interval[w], "%s: ITIMER_%s interval %lld ns",
			     who, name[w], it[w].interval_ns);
		/* getitimer() rounds up to a tick for the CPU ones: at most 2 periods */
		cr_expect(it[w].value_ns > 0 && it[w].value_ns <= 2 * interval[w],
			  "%s: ITIMER_%s value %lld ns", who, name[w], it[w].value_ns);
	}
}

/*
 * The timerfds as the source made them, but fd 101 if @closed_101 (@v
 * closed it); @src_101 is fd 101's remaining time in the source, read
 * after @t0.  The time since is taken once this read has come back: a
 * victim slow to answer would otherwise seem to have lost the time it
 * took.
 */
static void expect_timerfds_but(struct victim *v, const char *who, long long src_101, int64_t t0,
				bool closed_101)
{
	struct ak_tfd t[AK_NTFD];
	long long since_ns;

	ak_timerfds(v, t);
	since_ns = clock_ns(CLOCK_MONOTONIC) - t0;
	for (int i = 0; i < AK_NTFD; i++)
		cr_assert(t[i].timerfd || (closed_101 && i == 1), "%s: fd %d is %s, not a timerfd",
			  who, AK_TFD_FIRST + i, t[i].what);
	cr_expect_eq(t[0].clockid, CLOCK_MONOTONIC, "%s: fd 100", who);
	cr_expect_eq(t[0].interval_ns, 50 * RU_MS, "%s: fd 100", who);
	cr_expect(t[0].value_ns > 0 && t[0].value_ns <= 50 * RU_MS, "%s: fd 100 value %lld",
		  who, t[0].value_ns);
	cr_expect(t[0].nonblock && !t[0].cloexec, "%s: fd 100's flags", who);

	if (closed_101) {
		cr_expect(!t[1].timerfd, "%s: fd 101 is back", who);
	} else {
		cr_expect_eq(t[1].clockid, CLOCK_REALTIME, "%s: fd 101", who);
		cr_expect_eq(t[1].interval_ns, 0, "%s: fd 101", who);
		cr_expect(!t[1].nonblock && t[1].cloexec, "%s: fd 101's flags", who);
		/* an absolute expiry an hour away: it lost no more than the time since */
		cr_expect(t[1].value_ns <= src_101 + RU_MS &&
			  t[1].value_ns >= src_101 - since_ns - RU_MS,
			  "%s: fd 101 expires in %lld ms, the source's in %lld ms %lld ms before",
			  who, t[1].value_ns / RU_MS, src_101 / RU_MS, since_ns / RU_MS);
	}

	cr_expect_eq(t[2].clockid, CLOCK_BOOTTIME, "%s: fd 102", who);
	cr_expect_eq(t[2].value_ns, 0, "%s: fd 102 is armed", who);
	cr_expect(!t[2].nonblock && !t[2].cloexec, "%s: fd 102's flags", who);

	cr_expect_eq(t[3].clockid, CLOCK_MONOTONIC, "%s: fd 103", who);
	cr_expect_eq(t[3].interval_ns, 200 * RU_MS, "%s: fd 103", who);
	cr_expect(t[3].value_ns > 0 && t[3].value_ns <= 200 * RU_MS, "%s: fd 103 value %lld",
		  who, t[3].value_ns);
	/* the expired one-shot's one unread expiry (TFD_IOC_SET_TICKS) */
	cr_expect_eq(ak_ticks(v, 102), 1, "%s: fd 102's ticks", who);
}

static void expect_timerfds(struct victim *v, const char *who, long long src_101, int64_t t0)
{
	expect_timerfds_but(v, who, src_101, t0, false);
}

/* The POSIX timers of @v: the four of allkinds, IDs 0..3, as in the source. */
/* The 4 POSIX timers of SRC's dump but @gone (-1: none), which @v deleted. */
static void expect_posix_but(struct victim *v, const char *who, bool armed, int gone)
{
	struct vtimer t[RU_MAX_TIMERS];
	int n = ru_timers(v, t, RU_MAX_TIMERS);

	cr_assert_eq(n, gone < 0 ? 4 : 3, "%s: %s", who, ru_timers_str(t, n));
	for (int id = 0; id < 4; id++) {
		const struct vtimer *x = vtimer_find(t, n, id);

		if (id == gone) {
			cr_assert(!x, "%s has timer %d back: %s", who, id, ru_timers_str(t, n));
			continue;
		}
		cr_assert(x, "%s lacks timer %d: %s", who, id, ru_timers_str(t, n));
		cr_expect_eq(x->signo, AK_SIG_PTHR + id, "%s: timer %d", who, id);
		cr_expect_eq(x->sigval, 0xa110000ULL + AK_SIG_PTHR + id, "%s: timer %d", who, id);
		if (id < 2)
			cr_expect_eq(x->interval_ns, armed ? (id ? 70 : 50) * RU_MS : 0,
				     "%s: timer %d", who, id);
	}
}

static void expect_posix(struct victim *v, const char *who, bool armed)
{
	expect_posix_but(v, who, armed, -1);
}

Test(kinds, every_kind_into_a_fresh_process)
{
	struct victim *src = start_source(NULL);
	struct victim *dst = ak_start("--fresh", NULL);
	struct ak_tfd st[AK_NTFD];
	json_object *root;
	char line[256], *file;
	int64_t t0;

	t0 = clock_ns(CLOCK_MONOTONIC);
	ak_timerfds(src, st);
	file = ru_dump_file(src->pid, NULL);
	root = ru_json_load(file);
	cr_expect_eq(json_object_get_int(member(root, "version")), 2);
	cr_expect(dump_has_kind(root, "posix") && dump_has_kind(root, "itimer") &&
		  dump_has_kind(root, "timerfd") && dump_has_kind(root, "signals"));
	cr_expect_eq(array_len(root, "timers"), 4);
	cr_expect_eq(array_len(root, "itimers"), 3);
	cr_expect_eq(array_len(root, "timerfds"), 4);
	json_object_put(root);

	restore_ok(file, dst->pid, NULL);
	ak_ok(dst, "adopt", line, sizeof(line));
	cr_expect_str_eq(line, "OK ids=0,1,2,3");
	expect_posix(dst, "DST", true);
	expect_itimers_armed(dst, "DST");
	expect_timerfds(dst, "DST", st[1].value_ns, t0);
	expect_periods(dst, "DST");
	expect_no_anomaly(dst, "DST");
	expect_no_anomaly(src, "SRC");
	cr_expect_eq(proc_tracer_pid(dst->pid), 0);
	ru_file_free(file);
}

/* The entries of @root's @key armed on @clock_key monotonic or boottime (0: ITIMER_REAL). */
static int count_boot_clocked(json_object *root, const char *key, const char *clock_key)
{
	json_object *a = member(root, key), *e, *v;
	int n = 0;

	for (size_t i = 0; i < json_object_array_length(a); i++) {
		const char *clock;
		int64_t value;

		e = json_object_array_get_idx(a, i);
		cr_assert(json_get_int64(e, "value_ns", &value));
		if (!value)
			continue;
		cr_assert(json_object_object_get_ex(e, clock_key, &v));
		clock = json_object_get_string(v);
		n += !strcmp(clock, "monotonic") || !strcmp(clock, "boottime") ||
		     !strcmp(clock, "real");
	}
	return n;
}

/*
 * A dump from another boot under --time=deadline: every armed entry on a
 * boot clock falls back to its frozen time, POSIX timers and the other
 * kinds alike, and the restore says so once, after the target is let go:
 * the first by name, the others counted.
 */
Test(kinds, another_boot_is_warned_of_once)
{
	static const char *const clocks[] = { "monotonic_ns", "boottime_ns" };
	struct victim *src = start_source(NULL);
	struct victim *dst = ak_start("--fresh", NULL);
	json_object *root, *cap;
	struct run_result r;
	char spid[16], more[128], *file;
	int nposix, nkinds;

	file = ru_dump_file(src->pid, NULL);
	root = ru_json_load(file);
	ru_file_free(file);
	cap = member(root, "captured");
	/* Boot clocks read ahead of now: another boot. */
	for (size_t i = 0; i < 2; i++) {
		int64_t v;

		cr_assert(json_get_int64(cap, clocks[i], &v));
		json_object_object_add(cap, clocks[i], json_object_new_int64(v + 30 * RU_SEC));
	}
	nposix = count_boot_clocked(root, "timers", "clock");
	nkinds = count_boot_clocked(root, "itimers", "which") +
		 count_boot_clocked(root, "timerfds", "clock");
	file = ru_json_file(root);
	json_object_put(root);
	cr_assert_eq(run_ptimerctl(&r, "restore", "--time=deadline", "-i", file,
				   ru_pidstr(spid, dst->pid), NULL), 0);
	cr_assert_eq(r.exit_code, 0, "restore: %s", run_describe(&r));
	cr_expect_eq(str_count(r.err, "the dump is from another boot"), 1,
		     "%d POSIX timers and %d of the other kinds: %s", nposix, nkinds, r.err);
	snprintf(more, sizeof(more), " and %d more: the dump is from another boot; their"
		 " remaining time is used unchanged\n", nposix + nkinds - 1);
	cr_expect(strstr(r.err, more), "%d POSIX timers and %d of the other kinds, want"
		  " \"%s\": %s", nposix, nkinds, more, r.err);
	run_result_free(&r);
	ru_file_free(file);
}

/*
 * ITIMER_REAL as a process that keeps SIGALRM blocked leaves it: expired,
 * its SIGALRM pending, and re-armed by the kernel only when SIGALRM is
 * dequeued.  getitimer() shows value 0 and the interval.
 */
static void expire_real(struct victim *v, const char *who)
{
	struct ak_itimer it[3];

	ak_ok(v, "block 14", NULL, 0);
	cr_assert(ak_wait_pending(v->pid, 0, SIGALRM, true), "%s: SIGALRM never pending", who);
	ak_itimers(v, it);
	cr_assert(it[0].value_ns == 0 && it[0].interval_ns == 100 * RU_MS,
		  "%s: ITIMER_REAL reads %lld ns, interval %lld ns, with SIGALRM pending", who,
		  it[0].value_ns, it[0].interval_ns);
}

/* Unblock SIGALRM in @v: it is delivered, and ITIMER_REAL runs on at its period. */
static void expect_real_resumes(struct victim *v, const char *who)
{
	struct ak_stats st;

	ak_stats(v, &st);
	ak_ok(v, "unblock 14", NULL, 0);
	cr_expect(ak_wait_count(v, AK_REAL, st.s[AK_REAL].count + 3),
		  "%s: ITIMER_REAL was not re-armed when its SIGALRM was delivered", who);
	expect_no_anomaly(v, who);
}

/*
 * DST as SRC's expired ITIMER_REAL leaves it once restored: SIGALRM
 * pending, the timer at value 0 with its 100 ms interval, re-armed when
 * the signal is dequeued.
 */
static void expect_real_carried(struct victim *dst)
{
	struct ak_itimer it[3];

	cr_assert(ak_wait_pending(dst->pid, 0, SIGALRM, true), "DST: SIGALRM never pending");
	ak_itimers(dst, it);
	cr_expect(it[0].value_ns == 0 && it[0].interval_ns == 100 * RU_MS,
		  "DST: ITIMER_REAL reads %lld ns, interval %lld ns", it[0].value_ns,
		  it[0].interval_ns);
	expect_real_resumes(dst, "DST");
}

/*
 * An expired periodic ITIMER_REAL whose SIGALRM is pending is armed: it is
 * dumped with value 0, and the destination is left the same way, SIGALRM
 * pending, re-armed when it is dequeued.
 */
Test(kinds, itimer_real_waiting_for_its_sigalrm_is_carried)
{
	struct victim *src = ak_start(NULL, NULL);
	struct victim *dst = ak_start("--fresh", NULL);
	json_object *root, *its, *real = NULL;
	int64_t value = -1, interval = -1;
	char *file;

	expire_real(src, "SRC");
	file = ru_dump_file(src->pid, "--kinds=itimer");
	root = ru_json_load(file);
	its = member(root, "itimers");
	for (size_t i = 0; i < json_object_array_length(its); i++) {
		const char *which = json_get_str(json_object_array_get_idx(its, i), "which");

		if (which && !strcmp(which, "real"))
			real = json_object_array_get_idx(its, i);
	}
	cr_assert(real, "the dump dropped ITIMER_REAL: %s", json_object_to_json_string(its));
	json_get_int64(real, "value_ns", &value);
	json_get_int64(real, "interval_ns", &interval);
	cr_expect(value == 0 && interval == 100 * RU_MS, "dumped as %s",
		  json_object_to_json_string(real));
	json_object_put(root);

	/* DST (--fresh) and SRC keep SIGALRM blocked until "unblock 14". */
	restore_ok(file, dst->pid, NULL);
	expect_real_carried(dst);
	expect_real_resumes(src, "SRC");
	ru_file_free(file);
}

/*
 * A migrate from @src whose destination @dst dies once its timers are
 * created (killed at the "created" phase): it must fail, and say that it
 * re-armed @src.  @kinds: the --kinds option.
 */
static void migrate_into_killed(struct victim *src, struct victim *dst, const char *kinds)
{
	char spid[16], dpid[16];
	struct ru_bg b;

	ru_bg_start_at(&b, "created", "migrate", kinds, ru_pidstr(spid, src->pid),
		       ru_pidstr(dpid, dst->pid), NULL);
	cr_assert(ru_bg_wait_stopped(&b, RU_WAIT_MS), "ptimerctl never reached \"created\"");
	/* Reaped only once its tracer, ptimerctl, has let it go. */
	cr_assert_eq(kill(dst->pid, SIGKILL), 0);
	ru_bg_signal_and_continue(&b, 0);
	ru_bg_wait(&b, HARNESS_RUN_TIMEOUT_MS);
	victim_kill(dst);
	cr_expect_neq(b.res.exit_code, 0, "migrate into a dead process succeeded");
	cr_expect(strstr(b.res.err, "re-armed"), "SRC was not re-armed: %s", b.res.err);
	run_result_free(&b.res);
}

/*
 * The rollback of a failed migrate puts such an ITIMER_REAL back: the
 * --disarm dump cleared its interval, so without it the pending SIGALRM
 * would be its last.  Re-armed at once, its new SIGALRM merges with the
 * pending one, which re-arms it when dequeued.
 */
Test(kinds, failed_migrate_rearms_itimer_real_waiting_for_its_sigalrm)
{
	struct victim *src = ak_start(NULL, NULL);
	struct victim *dst = ak_start("--fresh", NULL);
	struct ak_itimer it[3];

	expire_real(src, "SRC");
	migrate_into_killed(src, dst, "--kinds=itimer");

	ak_itimers(src, it);
	cr_expect(it[0].value_ns == 0 && it[0].interval_ns == 100 * RU_MS,
		  "SRC: ITIMER_REAL reads %lld ns, interval %lld ns", it[0].value_ns,
		  it[0].interval_ns);
	cr_expect(ak_pending(src->pid, 0, SIGALRM), "SRC's SIGALRM is no longer pending");
	expect_real_resumes(src, "SRC");
	cr_expect_eq(proc_tracer_pid(src->pid), 0);
}

/*
 * DST holds the source's four timerfds at fds 100-103, as start_source()
 * made them; @flags: fd 100's O_NONBLOCK and O_CLOEXEC checked too.
 */
static void expect_source_timerfds(struct victim *dst, bool flags)
{
	struct ak_tfd t[AK_NTFD];

	ak_timerfds(dst, t);
	for (int i = 0; i < AK_NTFD; i++)
		cr_expect(t[i].timerfd, "fd %d is %s", AK_TFD_FIRST + i, t[i].what);
	cr_expect(t[0].clockid == CLOCK_MONOTONIC && t[0].interval_ns == 50 * RU_MS &&
		  (!flags || (t[0].nonblock && !t[0].cloexec)), "fd 100: clock %d, interval %lld",
		  t[0].clockid, t[0].interval_ns);
	cr_expect(t[1].clockid == CLOCK_REALTIME && t[1].cloexec, "fd 101: clock %d",
		  t[1].clockid);
	cr_expect(t[2].clockid == CLOCK_BOOTTIME && t[2].ticks == 1, "fd 102: clock %d, ticks %lld",
		  t[2].clockid, t[2].ticks);
	cr_expect(t[3].clockid == CLOCK_MONOTONIC && t[3].interval_ns == 200 * RU_MS,
		  "fd 103: clock %d, interval %lld", t[3].clockid, t[3].interval_ns);
}

/*
 * A target with few free descriptors: RLIMIT_NOFILE just above the highest
 * dumped timerfd (100..103), every descriptor below 100 in use but two.
 * The restore makes a few timerfds at a time and moves them to their fds
 * before it makes more (the third would land at fd 100, the first one's
 * place); made all at once, and parked above the dumped ones, they would
 * need descriptors the limit forbids.
 */
Test(kinds, restore_with_few_free_descriptors)
{
	struct victim *src = start_source(NULL);
	struct victim *dst = ak_start("--fresh", NULL);
	struct rlimit lim = { .rlim_cur = AK_TFD_FIRST + AK_NTFD,
			      .rlim_max = AK_TFD_FIRST + AK_NTFD };
	char line[64], *file;

	file = ru_dump_file(src->pid, "--kinds=timerfd");
	ak_ok(dst, "fill 100 2", line, sizeof(line));
	cr_assert_eq(prlimit(dst->pid, RLIMIT_NOFILE, &lim, NULL), 0, "prlimit: %s",
		     strerror(errno));
	cr_log_info("DST: %s, RLIMIT_NOFILE %llu", line, (unsigned long long)lim.rlim_cur);
	restore_ok(file, dst->pid, NULL);
	expect_source_timerfds(dst, true);
	ru_file_free(file);
}

/*
 * --replace with no free descriptor below the timerfds: fd 101 is
 * /dev/null.  Fd 100 is made in place; the new timerfd for 101 lands at
 * 102, the next one's place, alone, and is moved away before 102 is made.
 */
Test(kinds, replace_with_no_free_descriptor)
{
	struct victim *src = start_source(NULL);
	struct victim *dst = ak_start("--fresh", "--collide", "101", NULL);
	/* One above the timerfds, for the replaced fd kept aside. */
	struct rlimit lim = { .rlim_cur = AK_TFD_FIRST + AK_NTFD + 1,
			      .rlim_max = AK_TFD_FIRST + AK_NTFD + 1 };
	char line[64], *file;
	int fds;

	file = ru_dump_file(src->pid, "--kinds=timerfd");
	ak_ok(dst, "fill 100 0", line, sizeof(line));
	cr_assert_eq(prlimit(dst->pid, RLIMIT_NOFILE, &lim, NULL), 0, "prlimit: %s",
		     strerror(errno));
	cr_log_info("DST: %s, RLIMIT_NOFILE %llu", line, (unsigned long long)lim.rlim_cur);
	fds = proc_count_fds(dst->pid);
	restore_ok(file, dst->pid, "--replace");
	/* One more: /dev/null at 101 is replaced, and no copy of it is left. */
	cr_expect_eq(proc_count_fds(dst->pid), fds + AK_NTFD - 1, "DST holds %d descriptors, %d"
		     " before", proc_count_fds(dst->pid), fds);
	expect_source_timerfds(dst, false);
	ru_file_free(file);
}

/*
 * Restore @file into @dst, lowering its RLIMIT_NOFILE to @lim once
 * attached (PTIMER_STOP_AT): a number beyond it is refused before the
 * attach, so that only a limit lowered since fails a placed timerfd's
 * dup3(), and the restore rolls back what it had placed.  Into @r.
 */
static void restore_limit_lowered(const char *file, struct victim *dst, const struct rlimit *lim,
				  struct run_result *r)
{
	struct ru_bg b;
	char spid[16];

	ru_bg_start_at(&b, "attached", "restore", "-i", file, ru_pidstr(spid, dst->pid), NULL);
	cr_assert(ru_bg_wait_stopped(&b, RU_WAIT_MS), "ptimerctl never reached \"attached\"");
	cr_assert_eq(prlimit(dst->pid, RLIMIT_NOFILE, lim, NULL), 0, "prlimit: %s",
		     strerror(errno));
	ru_bg_signal_and_continue(&b, 0);
	ru_bg_wait(&b, HARNESS_RUN_TIMEOUT_MS);
	*r = b.res;
}

/*
 * A restore that fails on the last timerfd takes back every one it put in
 * place, one at a time as they were placed: fd 103 is free in DST but
 * beyond its RLIMIT_NOFILE, lowered once it was attached.
 */
Test(kinds, restore_with_few_free_descriptors_rolls_back)
{
	struct victim *src = start_source(NULL);
	struct victim *dst = ak_start("--fresh", NULL);
	struct rlimit lim = { .rlim_cur = AK_TFD_FIRST + AK_NTFD - 1,
			      .rlim_max = AK_TFD_FIRST + AK_NTFD - 1 };
	struct ak_tfd t[AK_NTFD];
	char line[64], *file;
	struct run_result r;
	int fds;

	file = ru_dump_file(src->pid, "--kinds=timerfd");
	ak_ok(dst, "fill 100 2", line, sizeof(line));
	fds = proc_count_fds(dst->pid);
	restore_limit_lowered(file, dst, &lim, &r);
	cr_expect_neq(r.exit_code, 0, "restored fd 103 beyond RLIMIT_NOFILE: %s", run_describe(&r));
	cr_expect(strstr(r.err, "fd 103"), "it did not fail on fd 103: %s", r.err);
	cr_log_info("%s", r.err);
	run_result_free(&r);
	ak_timerfds(dst, t);
	for (int i = 0; i < AK_NTFD; i++)
		cr_expect(!t[i].timerfd && !strcmp(t[i].what, "closed"), "fd %d is left as %s",
			  AK_TFD_FIRST + i, t[i].timerfd ? "a timerfd" : t[i].what);
	cr_expect_eq(proc_count_fds(dst->pid), fds, "DST holds %d descriptors after the rollback,"
		     " %d before", proc_count_fds(dst->pid), fds);
	cr_expect_eq(proc_tracer_pid(dst->pid), 0);
	ru_file_free(file);
}

/*
 * A dumped fd beyond the target's RLIMIT_NOFILE, at the very top of the
 * range the format allows (INT_MAX, where one more overflowed an int):
 * refused before the attach (exit 10), the message names the field, the
 * limit and how to raise it, and DST is left as it was.
 */
Test(kinds, a_timerfd_beyond_rlimit_nofile_names_the_limit)
{
	struct victim *src = start_source(NULL);
	struct victim *dst = ak_start("--fresh", NULL);
	json_object *root, *tfds;
	struct ak_tfd t[AK_NTFD];
	char spid[16], *file, *big;
	struct run_result r;
	int fds;

	file = ru_dump_file(src->pid, "--kinds=timerfd");
	root = ru_json_load(file);
	tfds = json_object_object_get(root, "timerfds");
	cr_assert_eq(json_object_array_length(tfds), AK_NTFD);
	json_object_object_add(json_object_array_get_idx(tfds, AK_NTFD - 1), "fd",
			       json_object_new_int(INT_MAX));
	big = ru_json_file(root);
	json_object_put(root);
	fds = proc_count_fds(dst->pid);
	cr_assert_eq(run_ptimerctl(&r, "restore", "-i", big, ru_pidstr(spid, dst->pid), NULL), 0);
	cr_expect_eq(r.exit_code, PX_BAD_INPUT, "%s", run_describe(&r));
	cr_expect(strstr(r.err, "timerfds[3].fd: 2147483647") && strstr(r.err, "RLIMIT_NOFILE") &&
		  strstr(r.err, "prlimit --pid"), "the message names no limit: %s", r.err);
	run_result_free(&r);
	ak_timerfds(dst, t);
	for (int i = 0; i < AK_NTFD; i++)
		cr_expect(!t[i].timerfd, "fd %d is left a timerfd", AK_TFD_FIRST + i);
	cr_expect_eq(proc_count_fds(dst->pid), fds, "DST holds %d descriptors after the rollback,"
		     " %d before", proc_count_fds(dst->pid), fds);
	cr_expect_eq(proc_tracer_pid(dst->pid), 0);
	ru_file_free(big);
	ru_file_free(file);
}

/*
 * A restore that fails on a timerfd's number arms nothing first: SRC's
 * ITIMER_REAL has expired (SIGALRM pending), so DST's would be set due
 * at once, and its SIGALRM, which no rollback takes back, would outlive
 * the failure (DST keeps SIGALRM blocked: it stays pending; a process
 * without a handler would die of it).  Fd 103 is beyond DST's
 * RLIMIT_NOFILE, lowered once it was attached.
 */
Test(kinds, restore_failing_on_a_descriptor_arms_nothing)
{
	struct victim *src = start_source(NULL);
	struct victim *dst = ak_start("--fresh", NULL);
	struct rlimit lim = { .rlim_cur = AK_TFD_FIRST + AK_NTFD - 1,
			      .rlim_max = AK_TFD_FIRST + AK_NTFD - 1 };
	struct ak_itimer it[3];
	char line[64], *file;
	struct run_result r;

	expire_real(src, "SRC");
	file = ru_dump_file(src->pid, "--kinds=itimer,timerfd");
	ak_ok(dst, "fill 100 2", line, sizeof(line));
	restore_limit_lowered(file, dst, &lim, &r);
	cr_expect_neq(r.exit_code, 0, "restored fd 103 beyond RLIMIT_NOFILE: %s", run_describe(&r));
	cr_expect(strstr(r.err, "fd 103"), "it did not fail on fd 103: %s", r.err);
	run_result_free(&r);
	cr_expect_eq(proc_tracer_pid(dst->pid), 0);
	ak_itimers(dst, it);
	cr_expect(it[0].value_ns == 0 && it[0].interval_ns == 0,
		  "DST: ITIMER_REAL left at %lld ns, interval %lld ns", it[0].value_ns,
		  it[0].interval_ns);
	/* Were it set due at once, its SIGALRM would be pending well within this. */
	sleep_ms(50);
	cr_expect(!ak_pending(dst->pid, 0, SIGALRM), "DST: a SIGALRM outlived the rollback");
	ru_file_free(file);
}

/*
 * A restore into a target where each call of @slow (allkinds --slow)
 * takes 150 ms, stopped by --timeout=0.2 part-way through a batch of
 * them: the rollback must undo what the stopped batch did, though the
 * batch never said how far it got, and go on past the timeout where the
 * undo is slow too.  DST is left as it was: the same descriptors, fds
 * 100..103 closed (@replace: fds 100 and 101 /dev/null, which --replace
 * replaces), its interval timers disarmed, no POSIX timer.
 */
static void kinds_past_the_timeout_roll_back(const char *slow, const char *kinds, bool replace)
{
	struct victim *src, *dst;
	struct ak_tfd t[AK_NTFD];
	struct ak_itimer it[3];
	char spid[16], *file;
	struct run_result r;
	int fds, lock;

	if (harness_time_scale() > 1)
		cr_skip_test("under emulation (time scale %d)", harness_time_scale());
	/* Its run must outlast the timeout: no CPU hog beside it. */
	lock = cpu_lock_take();
	src = start_source(NULL);
	if (replace)
		dst = ak_start("--fresh", "--slow", slow, "--collide", "100", "--collide", "101",
			       NULL);
	else
		dst = ak_start("--fresh", "--slow", slow, NULL);
	file = ru_dump_file(src->pid, kinds);
	fds = proc_count_fds(dst->pid);
	/* argp takes options after the operands too; NULL ends the list early. */
	cr_assert_eq(run_ptimerctl(&r, "restore", "--keep-seccomp", "--timeout=0.2", "-i", file,
				   ru_pidstr(spid, dst->pid), replace ? "--replace" : NULL, NULL),
		     0);
	cr_expect_eq(r.exit_code, PX_TIMEOUT, "%s", run_describe(&r));
	cr_expect(strstr(r.err, "timed out; every change to pid"), "no word of the rollback: %s",
		  r.err);
	cr_log_info("%s", r.err);
	run_result_free(&r);
	cr_expect_eq(proc_tracer_pid(dst->pid), 0);
	cr_expect_eq(proc_count_fds(dst->pid), fds, "DST holds %d descriptors after the rollback,"
		     " %d before", proc_count_fds(dst->pid), fds);
	ak_timerfds(dst, t);
	for (int i = 0; i < AK_NTFD; i++) {
		const char *want = replace && i < 2 ? "/dev/null" : "closed";

		cr_expect(!t[i].timerfd && !strcmp(t[i].what, want), "fd %d is left as %s, not %s",
			  AK_TFD_FIRST + i, t[i].timerfd ? "a timerfd" : t[i].what, want);
	}
	ak_itimers(dst, it);
	for (int which = 0; which < 3; which++)
		cr_expect(!it[which].value_ns && !it[which].interval_ns, "DST: itimer %d left"
			  " at %lld ns, interval %lld ns", which, it[which].value_ns,
			  it[which].interval_ns);
	cr_expect_eq(proc_count_timers(dst->pid), 0, "DST keeps %d POSIX timers",
		     proc_count_timers(dst->pid));
	/* DST blocks SIGALRM: one an ITIMER_REAL set for a while queued would stay. */
	cr_expect(!ak_pending(dst->pid, 0, SIGALRM), "DST: a SIGALRM outlived the rollback");
	ru_file_free(file);
	close(lock);
}

/* The four timerfds are made in one batch: two are made when it is stopped. */
Test(kinds, timerfds_made_past_the_timeout_are_closed)
{
	kinds_past_the_timeout_roll_back("timerfd_create=150000", "--kinds=timerfd", false);
}

/*
 * Made at low numbers, the four are moved to 100..103 in one batch of
 * dup3() and close() pairs, stopped part-way; the rollback's own closes,
 * up to eight, take four timeouts' time.
 */
Test(kinds, timerfds_moved_past_the_timeout_are_closed)
{
	kinds_past_the_timeout_roll_back("close=150000", "--kinds=timerfd", false);
}

/*
 * --replace keeps a dup of each descriptor it replaces (fds 100 and 101),
 * for the rollback to put back: its batch of fcntl() calls is stopped
 * after the first dup, which the rollback must close.
 */
Test(kinds, a_spare_kept_past_the_timeout_is_closed)
{
	kinds_past_the_timeout_roll_back("fcntl=150000", "--kinds=timerfd", true);
}

/*
 * The same batch with one descriptor to replace: two fcntl() calls, the
 * run stopped past the timeout after the second, its last.  Every call
 * ran and its result is known: the restore goes on, and completes.
 */
Test(kinds, a_batch_stopped_after_its_last_call_completes)
{
	struct victim *src, *dst;
	struct ak_tfd t[AK_NTFD];
	char spid[16], *file;
	struct run_result r;

	if (harness_time_scale() > 1)
		cr_skip_test("under emulation (time scale %d)", harness_time_scale());
	src = start_source(NULL);
	dst = ak_start("--fresh", "--slow", "fcntl=150000", "--collide", "100", NULL);
	file = ru_dump_file(src->pid, "--kinds=timerfd");
	cr_assert_eq(run_ptimerctl(&r, "restore", "--keep-seccomp", "--timeout=0.2", "--replace",
				   "-i", file, ru_pidstr(spid, dst->pid), NULL), 0);
	cr_expect_eq(r.exit_code, 0, "%s", run_describe(&r));
	run_result_free(&r);
	cr_expect_eq(proc_tracer_pid(dst->pid), 0);
	ak_timerfds(dst, t);
	for (int i = 0; i < AK_NTFD; i++)
		cr_expect(t[i].timerfd, "fd %d is %s, not a timerfd", AK_TFD_FIRST + i, t[i].what);
	ru_file_free(file);
}

/*
 * The same batch, stopped past the timeout just after a call that failed
 * and so ended it (BLOB_BATCH_STOP_ON_ERROR): DST's RLIMIT_NOFILE leaves
 * no room for the spare dup of fd 100 above fd 103.  The restore fails
 * on that call's own error, not on the timeout, and rolls back.
 */
Test(kinds, a_batch_stopped_after_its_failed_call_says_why)
{
	struct rlimit lim = { .rlim_cur = AK_TFD_FIRST + AK_NTFD,
			      .rlim_max = AK_TFD_FIRST + AK_NTFD };
	struct victim *src, *dst;
	char spid[16], *file;
	struct run_result r;
	int fds;

	if (harness_time_scale() > 1)
		cr_skip_test("under emulation (time scale %d)", harness_time_scale());
	src = start_source(NULL);
	dst = ak_start("--fresh", "--slow", "fcntl=150000", "--collide", "100", "--collide",
		       "101", NULL);
	cr_assert_eq(prlimit(dst->pid, RLIMIT_NOFILE, &lim, NULL), 0, "prlimit: %s",
		     strerror(errno));
	file = ru_dump_file(src->pid, "--kinds=timerfd");
	fds = proc_count_fds(dst->pid);
	cr_assert_eq(run_ptimerctl(&r, "restore", "--keep-seccomp", "--timeout=0.2", "--replace",
				   "-i", file, ru_pidstr(spid, dst->pid), NULL), 0);
	cr_expect_neq(r.exit_code, 0, "%s", run_describe(&r));
	cr_expect_neq(r.exit_code, PX_TIMEOUT, "%s", run_describe(&r));
	cr_expect(strstr(r.err, "cannot keep fd 100 of pid"), "not the call's error: %s", r.err);
	cr_log_info("%s", r.err);
	run_result_free(&r);
	cr_expect_eq(proc_tracer_pid(dst->pid), 0);
	cr_expect_eq(proc_count_fds(dst->pid), fds, "DST holds %d descriptors after the rollback,"
		     " %d before", proc_count_fds(dst->pid), fds);
	ru_file_free(file);
}

/*
 * The interval timers are set last, in one batch, after the POSIX
 * timers and the timerfds: two of three are set when it is stopped, and
 * setting them back takes longer than the timeout too.
 */
Test(kinds, itimers_set_past_the_timeout_are_set_back)
{
	kinds_past_the_timeout_roll_back("setitimer=150000", "--kinds=posix,itimer,timerfd",
					 false);
}

/*
 * SIGTERM at "armed" once an ITIMER_REAL is set due at once (SRC's had
 * expired): its SIGALRM may be queued already, and nothing takes a
 * queued SIGALRM back, so the restore is past its point of no return and
 * completes, as if uninterrupted.
 */
Test(kinds, interrupt_once_an_itimer_is_due_completes)
{
	struct victim *src = ak_start(NULL, NULL);
	struct victim *dst = ak_start("--fresh", NULL);
	char spid[16], *file;
	struct ru_bg b;

	expire_real(src, "SRC");
	file = ru_dump_file(src->pid, "--kinds=itimer");
	ru_bg_start_at(&b, "armed", "restore", "-i", file, ru_pidstr(spid, dst->pid), NULL);
	cr_assert(ru_bg_wait_stopped(&b, RU_WAIT_MS), "ptimerctl never reached \"armed\"");
	ru_bg_signal_and_continue(&b, SIGTERM);
	ru_bg_wait(&b, HARNESS_RUN_TIMEOUT_MS);
	cr_expect_eq(b.res.exit_code, 0, "%s", run_describe(&b.res));
	run_result_free(&b.res);
	expect_real_carried(dst);
	ru_file_free(file);
}

/*
 * SIGTERM at "armed" with only timerfds armed rolls back: each timerfd
 * the restore re-armed in place (DST holds the same four as SRC) gets
 * its own setting back.  Fd 101 is absolute on CLOCK_REALTIME with
 * TFD_TIMER_CANCEL_ON_SET, an hour ahead: set back with no flags, it
 * would no longer be cancelled when the clock is set.
 */
Test(kinds, timerfds_rearmed_in_place_get_their_flags_back)
{
	struct victim *src = start_source(NULL);
	struct victim *dst = start_source(NULL);
	struct ak_tfd before[AK_NTFD], after[AK_NTFD];
	char spid[16], *file;
	struct ru_bg b;

	file = ru_dump_file(src->pid, "--kinds=timerfd");
	ak_timerfds(dst, before);
	cr_assert_eq(before[1].settime_flags, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET,
		     "fd 101 to begin with: flags %d", before[1].settime_flags);
	ru_bg_start_at(&b, "armed", "restore", "-i", file, ru_pidstr(spid, dst->pid), NULL);
	ru_bg_term_rolls_back(&b, "armed", "restore");
	ak_timerfds(dst, after);
	cr_expect(after[1].timerfd && after[1].settime_flags == before[1].settime_flags,
		  "fd 101 is set back with flags %d, not %d", after[1].settime_flags,
		  before[1].settime_flags);
	cr_expect(after[1].value_ns > 59 * 60 * RU_SEC && after[1].value_ns <= before[1].value_ns,
		  "fd 101 is due in %lld ns, %lld before", after[1].value_ns, before[1].value_ns);
	cr_expect(after[0].interval_ns == 50 * RU_MS, "fd 100: interval %lld", after[0].interval_ns);
	ru_file_free(file);
}

/*
 * A rollback puts an interval timer back as the restore found it when it
 * set it, counted down since: DST's ITIMER_REAL (alarm(3600)) replaced by
 * one due in half an hour, ptimerctl held a second at "armed" and then
 * interrupted.  Set back to what was read before the restore began, it
 * would be late by the whole hold.
 */
Test(kinds, a_replaced_itimer_comes_back_counted_down)
{
	static const char dump_json[] =
		"{\"version\": 2, \"pid\": 1000, \"threads\": [1000],"
		" \"captured\": {\"realtime_ns\": 1764150000000000000,"
		" \"monotonic_ns\": 1000000000, \"boottime_ns\": 1000000000},"
		" \"kinds\": [\"itimer\"], \"timers\": [],"
		" \"itimers\": [{\"which\": \"real\", \"value_ns\": 1800000000000,"
		" \"interval_ns\": 0}]}";
	struct victim *dst = ak_start("--alarm", "3600", NULL);
	char *file = ru_text_file(dump_json), spid[16];
	struct ak_itimer before[3], after[3];
	int64_t held;
	struct ru_bg b;

	ak_itimers(dst, before);
	cr_assert_gt(before[0].value_ns, 3500 * RU_SEC, "ITIMER_REAL to begin with: %lld ns",
		     before[0].value_ns);
	ru_bg_start_at(&b, "armed", "restore", "--replace", "-i", file,
		       ru_pidstr(spid, dst->pid), NULL);
	cr_assert(ru_bg_wait_stopped(&b, RU_WAIT_MS), "ptimerctl never reached \"armed\"");
	held = clock_ns(CLOCK_MONOTONIC);
	sleep_ms(1000);
	ru_bg_signal_and_continue(&b, SIGTERM);
	ru_bg_wait(&b, HARNESS_RUN_TIMEOUT_MS);
	cr_expect_eq(b.res.exit_code, PX_INTERRUPTED, "%s", run_describe(&b.res));
	run_result_free(&b.res);
	ak_itimers(dst, after);
	held = clock_ns(CLOCK_MONOTONIC) - held;
	cr_expect(after[0].value_ns <= before[0].value_ns - held + 50 * RU_MS &&
		  after[0].value_ns > before[0].value_ns - held - 5 * RU_SEC,
		  "ITIMER_REAL is due in %lld ns after the rollback: %lld before, %lld ns held",
		  after[0].value_ns, before[0].value_ns, (long long)held);
	ru_file_free(file);
}

/* alarm(): the same ITIMER_REAL, one-shot, in whole seconds. */
Test(kinds, alarm_is_carried)
{
	struct victim *src = ak_start("--alarm", "3600", NULL);
	struct victim *dst = ak_start("--fresh", NULL);
	struct ak_itimer a[3], b[3];
	char *file;

	ak_itimers(src, a);
	file = ru_dump_file(src->pid, "--kinds=itimer");
	restore_ok(file, dst->pid, NULL);
	ak_itimers(dst, b);
	cr_expect_eq(b[0].interval_ns, 0);
	cr_expect(b[0].value_ns <= a[0].value_ns && b[0].value_ns > a[0].value_ns - 60 * RU_SEC,
		  "alarm: %lld ms left in DST, %lld ms in SRC before", b[0].value_ns / RU_MS,
		  a[0].value_ns / RU_MS);
	ru_file_free(file);
}

/* Make both one-shots fire while blocked, and wait until their signals are pending. */
static pid_t pend(struct victim *v)
{
	pid_t w = ak_worker(v);

	ak_ok(v, "pend", NULL, 0);
	cr_assert(ak_wait_pending(v->pid, w, AK_SIG_OTHR, true), "38 never pending");
	cr_assert(ak_wait_pending(v->pid, 0, AK_SIG_OPROC, true), "39 never pending");
	return w;
}

/* The dump's pending signals: 38 in @tid's queue and 39 in the process's. */
static void expect_dumped_signals(const char *file, pid_t tid)
{
	json_object *root = ru_json_load(file), *sigs = member(root, "pending_signals");
	bool thr = false, proc = false;

	for (size_t i = 0; i < json_object_array_length(sigs); i++) {
		json_object *s = json_object_array_get_idx(sigs, i);
		int64_t signo = 0, tid_got = 0, timerid = -1;
		const char *queue = json_get_str(s, "queue");

		json_get_int64(s, "signal", &signo);
		json_get_int64(s, "timerid", &timerid);
		if (signo == AK_SIG_OTHR && queue && !strcmp(queue, "thread") &&
		    json_get_int64(s, "tid", &tid_got) && tid_got == tid && timerid == 2)
			thr = true;
		if (signo == AK_SIG_OPROC && queue && !strcmp(queue, "process") &&
		    json_is_null_member(s, "tid") && timerid == 3)
			proc = true;
	}
	cr_expect(thr, "no thread-queue signal 38 of timer 2 for %d in %s", (int)tid,
		  json_object_to_json_string(sigs));
	cr_expect(proc, "no process-queue signal 39 of timer 3 in %s",
		  json_object_to_json_string(sigs));
	json_object_put(root);
}

/*
 * Unblock 38 and 39 in @v and check that each is delivered exactly once:
 * nothing can queue them again (their timers are one-shots that have
 * fired), so once neither is pending the counts are final.
 */
static void release_and_expect(struct victim *v, const char *who, long long want_thr,
			       long long want_proc)
{
	pid_t w = ak_worker(v);
	struct ak_stats st;

	ak_ok(v, "release", NULL, 0);
	cr_assert(ak_wait_pending(v->pid, w, AK_SIG_OTHR, false), "%s: 38 stays pending", who);
	cr_assert(ak_wait_pending(v->pid, 0, AK_SIG_OPROC, false), "%s: 39 stays pending", who);
	ak_stats(v, &st);
	cr_expect_eq(st.s[AK_OTHR].count, want_thr,
		     "%s: the thread-directed signal came %lld times", who, st.s[AK_OTHR].count);
	cr_expect_eq(st.s[AK_OPROC].count, want_proc,
		     "%s: the process-directed signal came %lld times", who,
		     st.s[AK_OPROC].count);
	cr_expect_eq(st.anomalies, 0, "%s: %lld bad siginfos, the first %s", who, st.anomalies,
		     st.first_anomaly);
}

static void release_and_expect_once(struct victim *v, const char *who, long long want)
{
	release_and_expect(v, who, want, want);
}

Test(kinds, pending_signals_are_delivered_once_in_the_destination)
{
	struct victim *src = start_source(NULL);
	struct victim *dst = ak_start("--fresh", NULL);
	pid_t w = pend(src);
	char *file = ru_dump_file(src->pid, NULL);

	expect_dumped_signals(file, w);
	restore_ok(file, dst->pid, NULL);
	ak_ok(dst, "adopt", NULL, 0);
	cr_expect(ak_pending(dst->pid, ak_worker(dst), AK_SIG_OTHR),
		  "DST's worker has no signal 38 pending");
	cr_expect(ak_pending(dst->pid, 0, AK_SIG_OPROC), "DST has no signal 39 pending");
	release_and_expect_once(dst, "DST", 1);
	/* A plain dump took nothing from the source either. */
	release_and_expect_once(src, "SRC", 1);
	ru_file_free(file);
}

/*
 * A signal queued for a thread of the dump that maps to no thread of the
 * target (one of many more threads than it has) is refused before the
 * attach, as a timer aimed at one is: ptimerctl makes no ptrace() call.
 */
Test(kinds, a_pending_signal_for_no_thread_is_refused_before_the_attach)
{
	struct victim *src = start_source(NULL);
	struct victim *dst = ak_start("--fresh", NULL);
	json_object *root, *threads, *sig = NULL;
	struct tool_trace t;
	long first = 1;
	char spid[16], *file, *odd;
	pid_t w = pend(src);
	size_t i, n;

	file = ru_dump_file(src->pid, NULL);
	root = ru_json_load(file);
	threads = member(root, "threads");
	n = json_object_array_length(threads);
	/* Dumped threads past the target's own map to none of them. */
	for (i = 0; i < 8; i++)
		json_object_array_add(threads, json_object_new_int(4000000 + (int)i));
	for (i = 0; i < json_object_array_length(member(root, "pending_signals")); i++) {
		json_object *s = json_object_array_get_idx(member(root, "pending_signals"), i);
		int64_t tid = 0;

		if (json_get_int64(s, "tid", &tid) && tid == w)
			sig = s;
	}
	cr_assert(sig, "no signal queued for thread %d", (int)w);
	json_object_object_add(sig, "tid", json_object_new_int(4000000 + 7));
	odd = ru_json_file(root);
	json_object_put(root);
	tt_start(&t, "restore", "-i", odd, ru_pidstr(spid, dst->pid), NULL);
	if (tt_run_until(&t, tt_pick_nth_ptrace, &first, 30000)) {
		cr_expect_fail("ptimerctl called ptrace() (%zu threads dumped)", n + 8);
		tt_release(&t);
	}
	ru_bg_wait(&t.bg, 30000);
	cr_expect_eq(t.bg.res.exit_code, 10, "%s", run_describe(&t.bg.res));
	cr_expect(strstr(t.bg.res.err, "pending_signals[") &&
		  strstr(t.bg.res.err, "has no thread in pid"), "%s", t.bg.res.err);
	run_result_free(&t.bg.res);
	ru_file_free(odd);
	ru_file_free(file);
}

/*
 * A dump --disarm stopped past the timeout in its batch that disarms
 * the interval timers, then the timerfds: in SRC each call of @slow
 * takes 150 ms, so two of them are made at --timeout=0.2.  The dump
 * fails, and puts back every timer it had disarmed, of every kind: the
 * POSIX timers (disarmed in the batch before), and the interval timers
 * and timerfds it got to, with their settings and ticks; re-arming them
 * takes past the timeout too.
 */
static void disarm_past_the_timeout_rearms(const char *slow)
{
	struct victim *src;
	struct ak_tfd st[AK_NTFD];
	struct run_result r;
	char spid[16], who[700];
	int64_t t0;
	int lock;

	if (harness_time_scale() > 1)
		cr_skip_test("under emulation (time scale %d)", harness_time_scale());
	/* Its run must outlast the timeout: no CPU hog beside it. */
	lock = cpu_lock_take();
	src = start_source_with("--slow", slow);
	t0 = clock_ns(CLOCK_MONOTONIC);
	ak_timerfds(src, st);
	cr_assert_eq(run_ptimerctl(&r, "dump", "--disarm", "--kinds=all", "--keep-seccomp",
				   "--timeout=0.2", "-o", "/dev/null", ru_pidstr(spid, src->pid),
				   NULL), 0);
	cr_expect_eq(r.exit_code, PX_TIMEOUT, "%s", run_describe(&r));
	cr_expect(strstr(r.err, "timers it had disarmed were re-armed"), "no word of the"
		  " re-arm: %s", r.err);
	/* What ptimerctl said, in every message: a failure seen once must say why. */
	snprintf(who, sizeof(who), "SRC (ptimerctl exited %d: %.600s)", r.exit_code, r.err);
	run_result_free(&r);
	cr_expect_eq(proc_tracer_pid(src->pid), 0);
	expect_posix(src, who, true);
	expect_itimers_armed(src, who);
	expect_timerfds(src, who, st[1].value_ns, t0);
	expect_no_anomaly(src, who);
	close(lock);
}

/*
 * A dump (no --disarm) whose injected read runs past the timeout changes
 * nothing: the message says it timed out and that the target was left as
 * it was; it said only "running the read batch in pid N".
 */
Test(kinds, a_dump_past_the_timeout_says_so)
{
	struct victim *src;
	struct run_result r;
	char spid[16], want[96];
	int lock;

	if (harness_time_scale() > 1)
		cr_skip_test("under emulation (time scale %d)", harness_time_scale());
	/* Its run must outlast the timeout: no CPU hog beside it. */
	lock = cpu_lock_take();
	src = start_source_with("--slow", "getitimer=300000");
	cr_assert_eq(run_ptimerctl(&r, "dump", "--kinds=all", "--keep-seccomp", "--timeout=0.2",
				   "-o", "/dev/null", ru_pidstr(spid, src->pid), NULL), 0);
	cr_expect_eq(r.exit_code, PX_TIMEOUT, "%s", run_describe(&r));
	snprintf(want, sizeof(want), ": timed out; pid %s was left as it was\n", spid);
	cr_expect(strstr(r.err, want), "no \"%s\": %s", want, r.err);
	run_result_free(&r);
	cr_expect_eq(proc_tracer_pid(src->pid), 0);
	expect_posix(src, "SRC", true);
	expect_itimers_armed(src, "SRC");
	expect_no_anomaly(src, "SRC");
	victim_kill(src);
	close(lock);
}

/* Stopped at the second of the four timerfds, the interval timers all disarmed */
Test(kinds, a_disarm_past_the_timeout_rearms_its_timerfds)
{
	disarm_past_the_timeout_rearms("timerfd_settime=150000");
}

/* Stopped at the second of the three interval timers, no timerfd disarmed yet */
Test(kinds, a_disarm_past_the_timeout_rearms_its_itimers)
{
	disarm_past_the_timeout_rearms("setitimer=150000");
}

/*
 * Hold ptimerctl at its first PTRACE_SEIZE after a PTRACE_DETACH: the
 * re-arm's attach, once the dump has let the target go.
 */
static bool pick_seize_after_detach(const struct tt_call *c, void *data)
{
	bool *detached = data;

	if (c->entry && c->nr == SYS_ptrace && c->args[0] == PTRACE_DETACH)
		*detached = true;
	return *detached && tt_pick_first_seize(c, NULL);
}

/* The one child of @parent: allkinds' seccomp supervisor (slow_calls.h). */
static pid_t child_of(pid_t parent)
{
	char path[64], line[256];
	pid_t found = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", parent, parent);
	f = fopen(path, "r");
	cr_assert(f, "cannot open %s", path);
	if (fgets(line, sizeof(line), f))
		found = (pid_t)atoi(line);
	fclose(f);
	cr_assert_gt(found, 0, "pid %d has no child", parent);
	return found;
}

/*
 * A dump --disarm past its 0.2 s timeout, held once it has let SRC go and
 * before the re-arm attaches; @hold acts on SRC there.  The re-arm must
 * put back every timer all the same.
 */
static void rearm_after_but(const char *slow, bool (*hold)(struct victim *src, void *data),
			    void *data, int gone, bool closed_101, bool pending)
{
	char line[256];
	bool answer_due;
	struct victim *src;
	struct tool_trace t;
	struct ak_tfd st[AK_NTFD];
	char spid[16], who[700];
	bool detached = false;
	int64_t t0;
	int lock;

	if (harness_time_scale() > 1)
		cr_skip_test("under emulation (time scale %d)", harness_time_scale());
	/* The dump must outlast its timeout: no CPU hog beside it. */
	lock = cpu_lock_take();
	src = start_source_with4("--slow", "timerfd_settime=150000", slow ? "--slow" : NULL, slow);
	t0 = clock_ns(CLOCK_MONOTONIC);
	ak_timerfds(src, st);
	if (pending)
		pend(src);
	tt_start(&t, "dump", "--disarm", "--kinds=all", "--keep-seccomp", "--timeout=0.2", "-o",
		 "/dev/null", ru_pidstr(spid, src->pid), NULL);
	if (!tt_run_until(&t, pick_seize_after_detach, &detached, 30000)) {
		ru_bg_wait(&t.bg, 60000);
		cr_assert_fail("ptimerctl ended before a re-arm: %s", run_describe(&t.bg.res));
	}
	answer_due = hold(src, data);
	tt_release(&t);
	ru_bg_wait(&t.bg, 60000);
	/* The answer to what @hold asked, read whole before anything else is asked. */
	while (answer_due && victim_read_line(src, line, sizeof(line), 30000) == 0 &&
	       strcmp(line, "END"))
		;
	snprintf(who, sizeof(who), "SRC (ptimerctl exited %d: %.600s)", t.bg.res.exit_code,
		 t.bg.res.err);
	cr_expect_eq(t.bg.res.exit_code, PX_TIMEOUT, "%s", who);
	/*
	 * One of the 9 gone: timer 1 deleted, or fd 101 closed.  Timer 3,
	 * disarmed before the dump, is not among the 9, so its deletion
	 * leaves the count whole.
	 */
	cr_expect(strstr(t.bg.res.err, (gone < 0 || pending) && !closed_101 ?
			 "timers it had disarmed were re-armed" :
			 "timers it had disarmed, 8 were re-armed, and 1 was gone since"), "%s", who);
	if (closed_101) {
		char said[96];

		snprintf(said, sizeof(said), "fd 101 of pid %d is no longer the timerfd", src->pid);
		cr_expect(strstr(t.bg.res.err, said), "%s", who);
	}
	if (gone >= 0) {
		char said[96];

		/* Timer 3 was disarmed already: only its signal says it is gone. */
		snprintf(said, sizeof(said), pending ? "of timer %d of pid %d is not queued again" :
			 "timer %d of pid %d no longer exists", gone, src->pid);
		cr_expect(strstr(t.bg.res.err, said), "%s", who);
	}
	run_result_free(&t.bg.res);
	cr_expect_eq(proc_tracer_pid(src->pid), 0);
	expect_posix_but(src, who, true, gone);
	expect_itimers_armed(src, who);
	expect_timerfds_but(src, who, st[1].value_ns, t0, closed_101);
	expect_no_anomaly(src, who);
	/* Each put back once, but that of a deleted timer, which the kernel drops. */
	if (pending)
		release_and_expect(src, who, gone == 2 ? 0 : 1, gone == 3 ? 0 : 1);
	victim_kill(src);
	close(lock);
}

static void rearm_after(const char *slow, bool (*hold)(struct victim *src, void *data),
			void *data)
{
	rearm_after_but(slow, hold, data, -1, false, false);
}

/*
 * SRC's control thread in an fcntl() its supervisor holds 0.6 s, which no
 * stop interrupts (it answers "timerfds" with two a descriptor).
 */
static bool hold_control_in_fcntl(struct victim *src, void *data)
{
	pid_t tids[8];

	(void)data;
	cr_assert_eq(victim_tids(src, tids, 8), 5);
	cr_assert_gt(dprintf(src->to_fd, "timerfds\n"), 0);
	cr_assert(proc_wait_syscall(src->pid, tids[4], SYS_fcntl, NULL, 10000),
		  "the control thread never called fcntl()");
	return true;
}

/*
 * The re-arm's attach meets a thread that cannot stop for most of 0.6 s,
 * past the dump's timeout: it waits (each wait of a re-arm has at least
 * the default timeout), where it gave up and left every timer disarmed.
 */
Test(kinds, a_rearm_waits_for_a_thread_slower_than_the_timeout_to_stop, .timeout = 180)
{
	rearm_after("fcntl=600000", hold_control_in_fcntl, NULL);
}

/* SRC's supervisor stopped for @data ms (a const long *): no call it judges can start. */
static bool stall_supervisor(struct victim *src, void *data)
{
	pid_t sup = child_of(src->pid);

	cr_assert_eq(kill(sup, SIGSTOP), 0);
	/* Let it go later, from a child of ours: ptimerctl runs meanwhile. */
	if (fork() == 0) {
		sleep_ms(*(const long *)data);
		kill(sup, SIGCONT);
		_exit(0);
	}
	return false;
}

/*
 * The re-arm's timerfd_settime() calls wait for a supervisor stopped for
 * 6 s, past even a re-arm's 5 s: each run stopped before its first call
 * ran.  A run that got nowhere is followed by one with twice the time,
 * where the re-arm gave up and left the interval timers disarmed.
 */
Test(kinds, a_rearm_outwaits_a_stalled_supervisor, .timeout = 180)
{
	static const long stall_ms = 6000;

	rearm_after(NULL, stall_supervisor, (void *)&stall_ms);
}

/* SRC deletes its POSIX timer *@data (an int), which the dump disarmed. */
static bool delete_timer(struct victim *src, void *data)
{
	char cmd[32];

	snprintf(cmd, sizeof(cmd), "delete %d", *(const int *)data);
	ak_ok(src, cmd, NULL, 0);
	return false;
}

/*
 * The program deletes a timer that the failed dump had disarmed, before
 * the re-arm: that timer is gone for good, and the re-arm says so and
 * puts back every other timer of every kind.  Its timer_settime()
 * failing (EINVAL) failed the whole re-arm, and the timerfds and
 * interval timers, re-armed after the POSIX timers, were left disarmed.
 */
Test(kinds, a_rearm_passes_over_a_timer_deleted_meanwhile, .timeout = 180)
{
	static const int id = 1;

	rearm_after_but(NULL, delete_timer, (void *)&id, id, false, false);
}

/* SRC closes its timerfd 101, which the dump disarmed. */
static bool close_timerfd_101(struct victim *src, void *data)
{
	(void)data;
	ak_ok(src, "closefd 101", NULL, 0);
	return false;
}

/*
 * The program closes a timerfd that the failed dump had disarmed, before
 * the re-arm: the re-arm passes over it with a warning, puts back every
 * other timer, and counts it apart from those it re-armed (it said "the
 * 9 timers it had disarmed were re-armed").
 */
Test(kinds, a_rearm_passes_over_a_timerfd_closed_meanwhile, .timeout = 180)
{
	rearm_after_but(NULL, close_timerfd_101, NULL, -1, true, false);
}

/*
 * Signal 39, pending from the one-shot timer 3, went stale with the
 * disarm, and the program deletes that timer before the re-arm: the
 * kernel would have dropped the signal once the timer was deleted, so
 * the re-arm queues it no more (it did, a signal from a timer the
 * program had deleted); 38 comes once.
 */
Test(kinds, a_rearm_queues_no_signal_of_a_timer_deleted_meanwhile, .timeout = 180)
{
	static const int id = 3;

	rearm_after_but(NULL, delete_timer, (void *)&id, id, false, true);
}

/*
 * A timer on the CPU clock of a thread that exits between a failed
 * `dump --disarm` (its output cannot be written) and the re-arm: its
 * timer_settime() answers ESRCH (posix_cpu_timer_set()).  The re-arm says
 * so and puts back the other timer; it failed whole, and so would have
 * left every kind re-armed after the POSIX timers disarmed.
 */
Test(kinds, a_rearm_passes_over_a_timer_whose_thread_exited_meanwhile, .timeout = 120)
{
	struct victim *v = victim_start("--threads", "1", "--timer",
					"id=0,clock=monotonic,notify=none,value_ms=60000,"
					"interval_ms=1000", "--timer",
					"id=1,clock=thread_cpu:1,notify=none,value_ms=60000", NULL);
	struct vtimer t[RU_MAX_TIMERS];
	const struct vtimer *mono;
	char line[128], spid[16];
	bool detached = false;
	struct tool_trace tt;
	int n;

	cr_assert(v && v->ready, "%s", v ? v->error : "fork");
	tt_start(&tt, "dump", "--disarm", "-o", "/dev/full", ru_pidstr(spid, v->pid), NULL);
	cr_assert(tt_run_until(&tt, pick_seize_after_detach, &detached, 30000),
		  "ptimerctl ended before a re-arm");
	cr_assert_eq(victim_cmd(v, "endworker", line, sizeof(line)), 0);
	tt_release(&tt);
	ru_bg_wait(&tt.bg, 60000);
	cr_expect_eq(tt.bg.res.exit_code, PX_GENERIC, "%s", tt.bg.res.err);
	cr_expect(strstr(tt.bg.res.err, "timer 1 of pid") &&
		  strstr(tt.bg.res.err, "CPU time of a thread that has exited") &&
		  strstr(tt.bg.res.err, "re-armed the timers of pid"), "%s", tt.bg.res.err);
	run_result_free(&tt.bg.res);
	cr_expect_eq(proc_tracer_pid(v->pid), 0);
	n = victim_timers(v, t, RU_MAX_TIMERS);
	mono = vtimer_find(t, n, 0);
	cr_assert(mono, "timer 0 is gone: %s", ru_timers_str(t, n));
	cr_expect(mono->value_ns > 0 && mono->interval_ns == 1000 * RU_MS,
		  "timer 0 was left disarmed: %s", ru_timers_str(t, n));
	victim_kill(v);
}

/*
 * The pending signals are queued past the point of no return, in one
 * batch, which must then run to its end: in a DST where queueing each
 * takes 150 ms, the batch of four (SRC blocks the periodic timers'
 * signals 36 and 37 too) is stopped by --timeout=0.2 after the second,
 * and goes on from there.  Stopped for good, it would fail a restore
 * that can no longer roll back, with two signals queued and not the
 * others.
 */
Test(kinds, pending_signals_queued_past_the_timeout_are_all_queued)
{
	struct victim *src, *dst;
	struct run_result r;
	char spid[16], *file;

	if (harness_time_scale() > 1)
		cr_skip_test("under emulation (time scale %d)", harness_time_scale());
	src = start_source(NULL);
	dst = ak_start("--fresh", "--slow", "rt_sigqueueinfo=150000", "--slow",
		       "rt_tgsigqueueinfo=150000", NULL);
	pend(src);
	ak_ok(src, "block 36", NULL, 0);
	ak_ok(src, "block 37", NULL, 0);
	cr_assert(ak_wait_pending(src->pid, ak_worker(src), AK_SIG_PTHR, true), "36 never pending");
	cr_assert(ak_wait_pending(src->pid, 0, AK_SIG_PPROC, true), "37 never pending");
	file = ru_dump_file(src->pid, NULL);
	cr_assert_eq(run_ptimerctl(&r, "restore", "--keep-seccomp", "--timeout=0.2", "-i", file,
				   ru_pidstr(spid, dst->pid), NULL), 0);
	cr_expect_eq(r.exit_code, 0, "%s", run_describe(&r));
	run_result_free(&r);
	ak_ok(dst, "adopt", NULL, 0);
	release_and_expect_once(dst, "DST", 1);
	ru_file_free(file);
}

/*
 * DST, as a user of its own, may hold the 4 timers of the dump and one
 * signal more, not the 2 pending signals (RLIMIT_SIGPENDING): the restore
 * fails with EAGAIN before it arms or queues anything, and says so.
 * Queued first and failed then, it would leave signal 38 or 39 queued
 * for good, which no rollback takes back.
 */
Test(kinds, pending_signals_over_rlimit_sigpending_queue_nothing)
{
	struct victim *src = start_source(NULL);
	struct victim *dst = ak_start_as(64175, "--fresh", NULL);
	pid_t w = pend(src);
	char *file = ru_dump_file(src->pid, "--kinds=posix,signals");
	char spid[16];
	struct run_result r;

	expect_dumped_signals(file, w);
	ak_ok(dst, "sigpending 5", NULL, 0);
	cr_assert_eq(run_ptimerctl(&r, "restore", "-i", file, ru_pidstr(spid, dst->pid), NULL), 0);
	cr_expect_eq(r.exit_code, PX_GENERIC, "%s", run_describe(&r));
	/* 2, or 3 where a periodic timer's signal was pending at the dump too. */
	cr_expect(strstr(r.err, "RLIMIT_SIGPENDING") && strstr(r.err, "pending signals would pass"),
		  "the limit is not named: %s", r.err);
	run_result_free(&r);
	cr_expect_eq(proc_tracer_pid(dst->pid), 0);
	cr_expect(!ak_pending(dst->pid, ak_worker(dst), AK_SIG_OTHR),
		  "DST's worker has signal 38 queued after the failure");
	cr_expect(!ak_pending(dst->pid, 0, AK_SIG_OPROC), "DST has signal 39 queued after the failure");
	ru_file_free(file);
}

Test(kinds, kinds_limits_the_dump)
{
	struct victim *src = start_source(NULL);
	char *file = ru_dump_file(src->pid, "--kinds=itimer,timerfd");
	json_object *root = ru_json_load(file);
	struct run_result r;
	char spid[16];

	cr_expect(!dump_has_kind(root, "posix") && dump_has_kind(root, "itimer") &&
		  dump_has_kind(root, "timerfd") && !dump_has_kind(root, "signals"),
		  "kinds: %s", json_object_to_json_string(member(root, "kinds")));
	cr_expect_eq(array_len(root, "itimers"), 3);
	cr_expect_eq(array_len(root, "timerfds"), 4);
	cr_expect_eq(array_len(root, "timers"), 0);
	json_object_put(root);
	ru_file_free(file);

	cr_assert_eq(run_ptimerctl(&r, "dump", "--kinds=posix,clocks", ru_pidstr(spid, src->pid),
				   NULL), 0);
	cr_expect_eq(r.exit_code, PX_USAGE, "%s", run_describe(&r));
	cr_expect(strstr(r.err, "clocks"), "the message does not name the kind: %s", r.err);
	run_result_free(&r);
}

Test(kinds, kinds_limits_the_restore)
{
	struct victim *src = start_source(NULL);
	struct victim *dst = ak_start("--fresh", NULL);
	struct ak_itimer it[3];
	struct ak_tfd t[AK_NTFD];
	struct vtimer pt[RU_MAX_TIMERS];
	char *file = ru_dump_file(src->pid, NULL);
	int n;

	restore_ok(file, dst->pid, "--kinds=timerfd");
	ak_timerfds(dst, t);
	for (int i = 0; i < AK_NTFD; i++)
		cr_expect(t[i].timerfd, "fd %d was not restored", AK_TFD_FIRST + i);
	ak_itimers(dst, it);
	for (int w = 0; w < 3; w++)
		cr_expect_eq(it[w].value_ns, 0, "itimer %d was restored", w);
	n = ru_timers(dst, pt, RU_MAX_TIMERS);
	cr_expect_eq(n, 0, "POSIX timers were restored: %s", ru_timers_str(pt, n));
	ru_file_free(file);
}

/*
 * fd 101 of the destination is /dev/null: a collision, found before
 * anything changes (no POSIX timer, no itimer, no other timerfd); then
 * --replace puts the timerfd there.
 */
Test(kinds, timerfd_collision_and_replace)
{
	struct victim *src = start_source(NULL);
	struct victim *dst = ak_start("--fresh", "--collide", "101", NULL);
	char *file = ru_dump_file(src->pid, NULL);
	struct vtimer pt[RU_MAX_TIMERS];
	struct ak_itimer it[3];
	struct ak_tfd t[AK_NTFD];
	struct run_result r;
	char spid[16];
	int n;

	cr_assert_eq(run_ptimerctl(&r, "restore", "-i", file, ru_pidstr(spid, dst->pid), NULL), 0);
	cr_expect_eq(r.exit_code, PX_COLLISION, "%s", run_describe(&r));
	cr_expect(strstr(r.err, "101"), "the message does not name fd 101: %s", r.err);
	run_result_free(&r);
	ak_timerfds(dst, t);
	cr_expect(!t[0].timerfd && !t[2].timerfd && !t[3].timerfd,
		  "timerfds were created before the collision was found");
	cr_expect(!t[1].timerfd && !strcmp(t[1].what, "/dev/null"), "fd 101 is now %s",
		  t[1].what);
	ak_itimers(dst, it);
	for (int w = 0; w < 3; w++)
		cr_expect_eq(it[w].value_ns, 0, "itimer %d was armed before the collision", w);
	n = ru_timers(dst, pt, RU_MAX_TIMERS);
	cr_expect_eq(n, 0, "POSIX timers were created: %s", ru_timers_str(pt, n));
	cr_expect_eq(proc_tracer_pid(dst->pid), 0);

	restore_ok(file, dst->pid, "--replace");
	ak_timerfds(dst, t);
	cr_expect(t[1].timerfd && t[1].clockid == CLOCK_REALTIME, "fd 101 is %s after --replace",
		  t[1].timerfd ? "a timerfd of another clock" : t[1].what);
	ru_file_free(file);
}

Test(kinds, migrate_carries_every_kind)
{
	struct victim *src = start_source(NULL);
	struct victim *dst = ak_start("--fresh", NULL);
	struct ak_tfd st[AK_NTFD];
	struct ak_itimer it[3];
	char spid[16], dpid[16];
	struct run_result r;
	int64_t t0;

	pend(src);
	t0 = clock_ns(CLOCK_MONOTONIC);
	ak_timerfds(src, st);
	cr_assert_eq(run_ptimerctl(&r, "migrate", ru_pidstr(spid, src->pid),
				   ru_pidstr(dpid, dst->pid), NULL), 0);
	cr_assert_eq(r.exit_code, 0, "%s", run_describe(&r));
	run_result_free(&r);

	ak_ok(dst, "adopt", NULL, 0);
	expect_posix(dst, "DST", true);
	expect_itimers_armed(dst, "DST");
	expect_timerfds(dst, "DST", st[1].value_ns, t0);
	expect_periods(dst, "DST");
	release_and_expect_once(dst, "DST", 1);

	/*
	 * SRC keeps its timers, disarmed, and its pending signals went with
	 * them; its own copies are stale, and dropped, since 6.13.
	 */
	expect_posix(src, "SRC", false);
	ak_itimers(src, it);
	for (int w = 0; w < 3; w++)
		cr_expect_eq(it[w].value_ns, 0, "SRC's itimer %d is still armed", w);
	release_and_expect_once(src, "SRC", harness_stale_signals_dropped() ? 0 : 1);
}

/*
 * After a migrate, the source's queued signals of its disarmed timers are
 * stale: since 6.13 the kernel drops them at delivery, and they went to
 * DST.  Nothing the kernel exposes tells them from live ones (measured on
 * 6.18: PTRACE_PEEKSIGINFO returns the same bytes, si_sys_private always
 * 0; the sequence number the kernel compares stays inside the timer), so
 * a later dump of the source carries them, as ptimerctl(1) documents
 * ("Every kind of timer"): SRC itself never delivers them, a restore of
 * that dump does.
 */
Test(kinds, dump_after_migrate_carries_the_stale_signals)
{
	struct victim *src = start_source(NULL);
	struct victim *dst = ak_start("--fresh", NULL);
	struct victim *third = ak_start("--fresh", NULL);
	char spid[16], dpid[16], *file;
	struct run_result r;
	pid_t w;

	w = pend(src);
	cr_assert_eq(run_ptimerctl(&r, "migrate", ru_pidstr(spid, src->pid),
				   ru_pidstr(dpid, dst->pid), NULL), 0);
	cr_assert_eq(r.exit_code, 0, "%s", run_describe(&r));
	run_result_free(&r);
	cr_expect(ak_pending(src->pid, w, AK_SIG_OTHR) && ak_pending(src->pid, 0, AK_SIG_OPROC),
		  "SRC's stale signals left its queues before it unblocked them");

	/* Carried as if live: the kernel shows them so. */
	file = ru_dump_file(src->pid, NULL);
	expect_dumped_signals(file, w);

	ak_ok(dst, "adopt", NULL, 0);
	release_and_expect_once(dst, "DST", 1);
	/* Dropped by SRC's kernel at delivery (since 6.13; delivered before)... */
	release_and_expect_once(src, "SRC", harness_stale_signals_dropped() ? 0 : 1);
	/* ...but delivered by a process restored from SRC's later dump. */
	restore_ok(file, third->pid, NULL);
	ak_ok(third, "adopt", NULL, 0);
	release_and_expect_once(third, "a restore of SRC's later dump", 1);
	ru_file_free(file);
}

/*
 * A migrate whose destination dies after SRC was disarmed (PTIMER_STOP_AT
 * holds ptimerctl once the restore has created timers): SRC gets every
 * kind back, armed, and each pending signal is delivered there once.
 */
Test(kinds, failed_migrate_rearms_every_kind)
{
	struct victim *src = start_source(NULL);
	struct victim *dst = ak_start("--fresh", NULL);
	struct ak_tfd st[AK_NTFD];
	int64_t t0;

	pend(src);
	t0 = clock_ns(CLOCK_MONOTONIC);
	ak_timerfds(src, st);
	migrate_into_killed(src, dst, "--kinds=all");

	expect_posix(src, "SRC", true);
	expect_itimers_armed(src, "SRC");
	expect_timerfds(src, "SRC", st[1].value_ns, t0);
	expect_periods(src, "SRC");
	release_and_expect_once(src, "SRC", 1);
	cr_expect_eq(proc_tracer_pid(src->pid), 0);
}

/*
 * A version-1 document restores as before, and what a version-2 reader
 * would take for sections of other kinds is ignored in it (unknown fields
 * of version 1): the target's own itimers and timerfds are left alone.
 */
Test(kinds, version_1_document_still_restores)
{
	static const char doc[] =
		"{\"version\": 1, \"pid\": 1, \"captured\": {\"realtime_ns\": 0,"
		" \"monotonic_ns\": 0, \"boottime_ns\": 0}, \"threads\": [1],"
		" \"itimers\": [], \"timerfds\": [{\"fd\": 101}],"
		" \"timers\": [{\"id\": 50, \"clockid\": 1, \"clock\": \"monotonic\","
		" \"notify\": \"none\", \"signal\": 14, \"sigval\": \"0x0\", \"tid\": null,"
		" \"value_ns\": 100000000000, \"interval_ns\": 0, \"overrun\": 0}]}";
	struct victim *v = start_source(NULL);
	char *file = ru_text_file(doc);
	struct vtimer pt[RU_MAX_TIMERS];
	struct ak_tfd t[AK_NTFD];
	int n;

	restore_ok(file, v->pid, NULL);
	n = ru_timers(v, pt, RU_MAX_TIMERS);
	cr_expect_eq(n, 5, "%s", ru_timers_str(pt, n));
	cr_expect(vtimer_find(pt, n, 50), "timer 50 was not restored: %s", ru_timers_str(pt, n));
	expect_itimers_armed(v, "the target");
	ak_timerfds(v, t);
	cr_expect(t[1].timerfd && t[1].clockid == CLOCK_REALTIME, "fd 101 was touched");
	expect_no_anomaly(v, "the target");
	ru_file_free(file);
}

/* show: a section per kind, with its header; --kinds narrows it; -J carries every kind. */
Test(kinds, show_lists_every_kind)
{
	struct victim *v = start_source(NULL);
	struct run_result r;
	json_object *root;
	char spid[16];

	pend(v);
	ru_pidstr(spid, v->pid);
	cr_assert_eq(run_ptimerctl(&r, "show", spid, NULL), 0);
	cr_assert_eq(r.exit_code, 0, "%s", run_describe(&r));
	cr_expect(strstr(r.out, " ID CLOCK "), "no POSIX table: %s", r.out);
	cr_expect(strstr(r.out, "\nitimers: ") && strstr(r.out, "\nWHICH "), "%s", r.out);
	cr_expect(strstr(r.out, "\ntimerfds: 4\n") && strstr(r.out, " FD CLOCK "), "%s", r.out);
	cr_expect(strstr(r.out, "abstime,cancel_on_set cloexec"), "fd 101's flags: %s", r.out);
	cr_expect(strstr(r.out, "\npending timer signals: ") && strstr(r.out, "\nQUEUE "), "%s",
		  r.out);
	cr_expect(strstr(r.out, "SIGRTMIN+6"), "the thread-queued signal 38: %s", r.out);
	run_result_free(&r);

	cr_assert_eq(run_ptimerctl(&r, "show", "--kinds=timerfd", spid, NULL), 0);
	cr_assert_eq(r.exit_code, 0, "%s", run_describe(&r));
	cr_expect(strstr(r.out, "\ntimerfds: 4\n"), "%s", r.out);
	cr_expect(!strstr(r.out, " ID CLOCK ") && !strstr(r.out, "itimers:") &&
		  !strstr(r.out, "pending timer signals:"), "--kinds=timerfd shows more: %s", r.out);
	run_result_free(&r);

	cr_assert_eq(run_ptimerctl(&r, "show", "-J", spid, NULL), 0);
	cr_assert_eq(r.exit_code, 0, "%s", run_describe(&r));
	root = json_parse_text(r.out);
	cr_assert(root, "show -J is not JSON");
	cr_expect(dump_has_kind(root, "posix") && dump_has_kind(root, "itimer") &&
		  dump_has_kind(root, "timerfd") && dump_has_kind(root, "signals"));
	cr_expect_eq(array_len(root, "timerfds"), 4);
	cr_expect_geq(array_len(root, "pending_signals"), 2);
	json_object_put(root);
	run_result_free(&r);
}
