// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * "The target must not notice": a victim blocked in each kind of wait is
 * dumped many times while two periodic timers keep signalling it; then it
 * reports on itself.  No EINTR in its main thread, no signal other than
 * its own timers', none lost and none doubled (counting overruns), the
 * same memory map, the same signal masks in every thread, nothing left
 * pending, no tracer, and its wait still ends as it should (a nanosleep on
 * time).  A SIGSTOPped victim stays stopped through the dumps.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "harness.h"
#include "kinds_util.h"
#include "restore_util.h"
#include "tool_trace.h"

#define NDUMPS		50
#define SLEEP_MS	6000	/* the main thread's nanosleep */
#define STR(x)		#x
#define XSTR(x)		STR(x)
#define INTERVAL_MS	10
#define SI_TIMER_CODE	(-2)
/*
 * Every wait below is for something to be seen, never for time to pass:
 * this deadline only stops a test that would otherwise hang, so it is
 * long enough for a loaded machine under ASan.
 */
#define WAIT_MS		20000
/* Signals each timer must deliver before the dumps, and again after. */
#define SETTLE_SIGNALS	20

/*
 * Timer 1 signals worker 1 directly (SIGEV_THREAD_ID, signal 34); timer 2
 * signals the process (signal 35), which the main thread blocks so that
 * only the other threads take it and the main thread's wait is never
 * legitimately interrupted; timer 3 is SIGEV_NONE.
 */
#define T1 "id=1,clock=monotonic,notify=thread_id,thread=1,sig=34,sigval=0x34," \
	   "value_ms=10,interval_ms=10"
#define T2 "id=2,clock=monotonic,notify=signal,sig=35,sigval=0x35,value_ms=10,interval_ms=10"
#define T3 "id=3,clock=boottime,notify=none,sig=36,value_ms=10,interval_ms=10"

static void fini(void)
{
	harness_kill_all();
}

TestSuite(notice, .fini = fini, .timeout = 60);

static struct victim *start(const char *block, const char *more, const char *more_val)
{
	struct victim *v = victim_start("--block", block, "--sleep-ms", XSTR(SLEEP_MS),
					"--threads", "1", "--mask", "35",
					"--timer", T1, "--timer", T2, "--timer", T3,
					more, more_val, NULL);

	cr_assert(v, "cannot fork the victim");
	cr_assert(v->ready, "%s", v->error);
	return v;
}

/* A hang guard: stretched by the time scale, as every deadline is. */
static int64_t deadline_in(int ms)
{
	return harness_deadline(ms);
}

static bool in_time(int64_t deadline)
{
	return clock_ns(CLOCK_MONOTONIC) < deadline;
}

/*
 * The victim's state once nothing is pending, neither for its main thread
 * nor for the process.  A timer signal is pending from its expiry until a
 * thread takes it, which on a loaded machine may be a while, so ask again
 * until then; a signal that the tool left pending for good stays there
 * and fails the test at the deadline.
 *
 * With @masks_like (the state before), also until every thread's mask is
 * as it was: a thread in a timer signal's handler blocks that signal
 * meanwhile, which a slow machine catches often enough.  A mask the tool
 * changed for good stays changed, and check_unchanged() fails on it.
 */
static void settled_state(struct victim *v, struct vstate *st, const char *masks_like)
{
	int64_t deadline = deadline_in(WAIT_MS);
	static struct vstate again;

	for (;;) {
		cr_assert_eq(victim_state(v, st), 0, "no answer to state");
		/* Without a mask to match, two readings in a row that agree. */
		if (!masks_like && !st->sigpnd && !st->shdpnd) {
			cr_assert_eq(victim_state(v, &again), 0, "no answer to state");
			if (!strcmp(again.masks, st->masks) || !in_time(deadline))
				return;
			continue;
		}
		if (masks_like && !st->sigpnd && !st->shdpnd &&
		    (!strcmp(masks_like, st->masks) || !in_time(deadline)))
			return;
		cr_assert(in_time(deadline), "signals stay pending: main thread %llx, process %llx",
			  st->sigpnd, st->shdpnd);
		sleep_ms(1);
	}
}

/*
 * Wait until the victim's main thread sleeps in its blocking call (or
 * spins, for --block busy).  The victim counts each blocking call just
 * before it makes it, with no other system call in between, so a count
 * above 0 followed by a sleep in some system call is a sleep in that one.
 */
static void wait_main_blocked(struct victim *v)
{
	int64_t deadline = deadline_in(WAIT_MS);
	char line[256], mode[16];
	long long tid, blocks, woke;

	for (;;) {
		cr_assert_eq(victim_cmd(v, "main", line, sizeof(line)), 0, "no answer to main");
		cr_assert(kv_ll(line, "tid", &tid) && kv_ll(line, "blocks", &blocks) &&
			  kv_ll(line, "woke", &woke) && kv_str(line, "mode", mode, sizeof(mode)),
			  "bad MAIN line: %s", line);
		cr_assert_eq(woke, 0, "the main thread's block ended unasked: %s", line);
		if (blocks > 0 &&
		    (!strcmp(mode, "busy") || proc_sleeping_syscall(v->pid, (pid_t)tid, NULL) >= 0))
			return;
		cr_assert(in_time(deadline), "the main thread never blocked: %s", line);
		sleep_ms(1);
	}
}

/* Wait until the victim has taken @more signals @signo from now on. */
static void wait_more_signals(struct victim *v, int signo, long long more)
{
	int64_t deadline = deadline_in(WAIT_MS);
	long long from = victim_sigcount(v, signo), n;

	while ((n = victim_sigcount(v, signo)) < from + more) {
		cr_assert(in_time(deadline), "signal %d: only %lld of %lld more taken in %d ms",
			  signo, n - from, more, WAIT_MS);
		sleep_ms(1);
	}
}

/* Both signalling timers of start() still signal the victim. */
static void wait_timers_signal(struct victim *v)
{
	wait_more_signals(v, 34, SETTLE_SIGNALS);
	wait_more_signals(v, 35, SETTLE_SIGNALS);
}

/* Whether every thread of @pid is in a group stop ('T'). */
static bool all_threads_stopped(pid_t pid)
{
	char path[64 + sizeof(((struct dirent *)0)->d_name)];
	struct dirent *d;
	bool all = true;
	int n = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	dir = opendir(path);
	if (!dir)
		return false;
	while (all && (d = readdir(dir))) {
		char stat[512] = "", *paren;
		FILE *f;

		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/stat", (int)pid, d->d_name);
		f = fopen(path, "r");
		if (!f || !fgets(stat, sizeof(stat), f))
			all = false;
		if (f)
			fclose(f);
		paren = strrchr(stat, ')');
		all = all && paren && paren[1] == ' ' && paren[2] == 'T';
		n++;
	}
	closedir(dir);
	return all && n > 0;
}

/*
 * Wait until the whole group is stopped.  A thread that a tracer lets go
 * is woken to enter the group stop again, so it may run for a moment.
 */
static void wait_all_stopped(pid_t pid, const char *when)
{
	int64_t deadline = deadline_in(WAIT_MS);

	while (!all_threads_stopped(pid)) {
		cr_assert(in_time(deadline), "%s: the victim's threads are not all stopped (%c)",
			  when, proc_state(pid));
		sleep_ms(1);
	}
}

static void dump_many(struct victim *v, int n, bool stopped)
{
	char pidbuf[16];
	struct run_result r;

	snprintf(pidbuf, sizeof(pidbuf), "%d", (int)v->pid);
	for (int i = 0; i < n; i++) {
		json_object *root;

		cr_assert_eq(run_ptimerctl(&r, "dump", pidbuf, NULL), 0);
		cr_assert_eq(r.exit_code, 0, "dump %d of %d: %s", i + 1, n, run_describe(&r));
		root = json_parse_text(r.out);
		cr_assert(root && dump_timer(root, 1),
			  "dump %d lacks a timer: %.300s", i + 1, r.out);
		json_object_put(root);
		run_result_free(&r);
		cr_assert_eq(proc_tracer_pid(v->pid), 0, "TracerPid not 0 after dump %d", i + 1);
		/*
		 * A detached thread of a stopped group is woken to re-enter
		 * the group stop, so 'R' may show for a moment.
		 */
		if (stopped)
			cr_assert(proc_wait_state(v->pid, "T", WAIT_MS),
				  "a stopped victim is in state %c after dump %d",
				  proc_state(v->pid), i + 1);
		else
			cr_assert(strchr("RS", proc_state(v->pid)),
				  "victim in state %c after dump %d", proc_state(v->pid), i + 1);
	}
}

/* One delivery of a periodic timer's signal, as the victim's handler logged it. */
struct delivery {
	int64_t t_ns;		/* when the handler ran */
	long long exp;		/* 1 + si_overrun */
};

static int delivery_cmp(const void *a, const void *b)
{
	const struct delivery *x = a, *y = b;

	return (x->t_ns > y->t_ns) - (x->t_ns < y->t_ns);
}

/*
 * A periodic timer expires on a fixed grid, e1 + (k - 1) * INTERVAL, and
 * the kernel moves it along that grid when a thread takes its signal,
 * counting what it skipped as overruns.  So when the i-th delivery (in the
 * order of the handlers' times) is taken, the expirations E_i counted by
 * it and the deliveries before it have all come due:
 *
 *	t_i >= e1 + (E_i - 1) * INTERVAL, i.e. a_i = t_i - (E_i - 1) * INTERVAL >= e1
 *
 * and a_i - e1 is how late in its period the signal was taken and the
 * handler noted its time.  Nothing here is compared with the time that
 * passed, however slow the machine: a signal doubled by a dump lowers a_i
 * by a whole period for every later delivery, one lost raises it by one.
 * So the deliveries before the dumps give the grid, as the least of
 * their a_i (the least late of them), and every later a_i must not come
 * below it, and the least after the dumps must be as near it, by half a
 * period.  That only needs one of each side's deliveries to be handled
 * within half a period of its expiry, however late the rest.
 */
#define GRID_SLACK_NS	(INTERVAL_MS * 1000000LL / 2)

/*
 * Check every logged signal: only our two timers, with their si_code,
 * timer ID, value and thread; and that, counting overruns, each timer's
 * signals delivered each of its expirations once, before (@t_dumps, the
 * start of the dumps) and after them (@t_after, their end).
 */
static void check_signals(struct victim *v, int64_t t_dumps, int64_t t_after)
{
	static struct delivery d[3][16384];
	int nd[3] = { 0 };
	char **lines;
	int n = victim_cmd_list(v, "signals", &lines);

	cr_assert_geq(n, 0, "no answer to signals");
	for (int i = 0; i < n; i++) {
		const char *l = lines[i];
		long long signo, code, timerid, value, tid, overrun, t_ns;
		char kind[8];
		int k;

		cr_assert(kv_str(l, "kind", kind, sizeof(kind)) && kv_ll(l, "signo", &signo) &&
			  kv_ll(l, "code", &code) && kv_ll(l, "timerid", &timerid) &&
			  kv_ll(l, "value", &value) && kv_ll(l, "tid", &tid) &&
			  kv_ll(l, "overrun", &overrun) && kv_ll(l, "t_ns", &t_ns),
			  "bad line: %s", l);
		cr_assert_str_eq(kind, "sig", "%s", l);
		cr_assert(signo == 34 || signo == 35, "unexpected signal: %s", l);
		k = (int)signo - 33;
		cr_assert_eq(code, SI_TIMER_CODE, "not from a timer: %s", l);
		cr_assert_eq(timerid, k, "wrong timer: %s", l);
		cr_assert_eq(value, signo == 34 ? 0x34 : 0x35, "wrong si_value: %s", l);
		if (signo == 34)
			cr_assert_eq(tid, 1, "signal 34 must reach worker 1: %s", l);
		else
			cr_assert_neq(tid, 0, "the main thread blocks 35: %s", l);
		cr_assert_geq(overrun, 0, "%s", l);
		cr_assert_lt(nd[k], (int)(sizeof(d[k]) / sizeof(d[k][0])));
		d[k][nd[k]++] = (struct delivery){ .t_ns = t_ns, .exp = 1 + overrun };
	}
	strv_free(lines);
	for (int k = 1; k <= 2; k++) {
		const int64_t period = INTERVAL_MS * 1000000LL;
		int64_t pre = INT64_MAX, post = INT64_MAX, least = INT64_MAX, least_t = 0;
		long long e = 0, least_e = 0;
		int npre = 0, npost = 0;

		/*
		 * Two threads may take the process-directed timer's signals
		 * one after the other and log them out of order: in the order
		 * of their times, each delivery's count includes only
		 * deliveries taken before its own time.
		 */
		qsort(d[k], (size_t)nd[k], sizeof(d[k][0]), delivery_cmp);
		for (int i = 0; i < nd[k]; i++) {
			int64_t a;

			e += d[k][i].exp;
			a = d[k][i].t_ns - (e - 1) * period;
			if (a < least) {
				least = a;
				least_t = d[k][i].t_ns;
				least_e = e;
			}
			if (d[k][i].t_ns < t_dumps) {
				npre++;
				pre = a < pre ? a : pre;
			} else if (d[k][i].t_ns > t_after) {
				npost++;
				post = a < post ? a : post;
			}
		}
		cr_log_info("timer %d: %d deliveries, %lld expirations; the grid after the dumps"
			    " is %lld us from the one before", k, nd[k], e,
			    (long long)(post - pre) / 1000);
		cr_assert(npre >= SETTLE_SIGNALS && npost >= 1,
			  "timer %d: %d deliveries before the dumps and %d after", k, npre, npost);
		cr_assert_geq(least, pre - GRID_SLACK_NS,
			      "timer %d: the delivery %lld ms after the dumps began brings its"
			      " count to %lld expirations, %lld.%03lld periods more than had come"
			      " due (duplicated signals)", k, (long long)(least_t - t_dumps) / 1000000,
			      least_e, (long long)(pre - least) / period,
			      (long long)(pre - least) % period * 1000 / period);
		cr_assert_lt(post, pre + GRID_SLACK_NS,
			     "timer %d: after the dumps each delivery counts %lld.%03lld periods fewer"
			     " expirations than were due at its time (lost signals)", k,
			     (long long)(post - pre) / period,
			     (long long)(post - pre) % period * 1000 / period);
	}
}

static void check_unchanged(const struct vstate *a, const struct vstate *b)
{
	/*
	 * epoll_wait, sigwaitinfo and friends fail with EINTR after any stop
	 * (signal(7)), a ptrace interrupt included, unless the tool rewinds
	 * them to restart: the target notices that.
	 */
	cr_assert_eq(b->eintr, 0, "the main thread saw %lld EINTR", b->eintr);
	cr_assert_eq(a->maps, b->maps, "the memory map changed");
	cr_assert_eq(a->sigmask, b->sigmask, "main sigmask %llx -> %llx", a->sigmask,
		     b->sigmask);
	cr_assert_str_eq(a->masks, b->masks, "thread sigmasks changed: %s -> %s", a->masks,
			 b->masks);
	cr_assert_eq(b->sigpnd, 0, "main thread has pending signals %llx", b->sigpnd);
	cr_assert_eq(b->shdpnd, 0, "process has pending signals %llx", b->shdpnd);
	cr_assert_eq(a->threads, b->threads, "thread count %lld -> %lld", a->threads,
		     b->threads);
	cr_assert_eq(b->restore_ids, a->restore_ids, "prctl restore-ids state changed");
	cr_assert_eq(b->cb, 0);
}

/* The whole scenario for a victim blocked in @block. */
static void run_blocked(const char *block, long want_rc, int want_errno,
			const char *more, const char *more_val)
{
	struct victim *v = start(block, more, more_val);
	struct vstate before, after;
	char woke[512];
	long long rc, err, eintr;
	int64_t t_dumps, t_after;

	/* dump it blocked, with both timers signalling it */
	wait_main_blocked(v);
	wait_timers_signal(v);
	settled_state(v, &before, NULL);
	cr_assert_eq(before.eintr, 0);
	t_dumps = clock_ns(CLOCK_MONOTONIC);
	dump_many(v, NDUMPS, false);
	t_after = clock_ns(CLOCK_MONOTONIC);
	/* still blocked, and still signalled */
	wait_main_blocked(v);
	wait_timers_signal(v);
	settled_state(v, &after, before.masks);
	check_unchanged(&before, &after);
	check_signals(v, t_dumps, t_after);

	cr_assert_eq(victim_wake(v, true, woke, sizeof(woke), WAIT_MS), 0,
		     "the %s wait does not end on wake", block);
	cr_assert(kv_ll(woke, "rc", &rc) && kv_ll(woke, "errno", &err) &&
		  kv_ll(woke, "eintr", &eintr), "bad WOKE line: %s", woke);
	cr_assert_eq(rc, want_rc, "%s", woke);
	cr_assert_eq(err, want_errno, "%s", woke);
	cr_assert_eq(eintr, 0, "%s", woke);
	cr_assert_eq(victim_exit(v), 0);
	victim_kill(v);
}

Test(notice, pause)
{
	/* pause() only returns for a handled signal: our wake signal */
	run_blocked("pause", -1, EINTR, NULL, NULL);
}

Test(notice, read_pipe)
{
	run_blocked("read", 1, 0, NULL, NULL);
}

Test(notice, futex_wait)
{
	run_blocked("futex", 0, 0, NULL, NULL);
}

Test(notice, epoll_wait)
{
	run_blocked("epoll", 1, 0, NULL, NULL);
}

Test(notice, sigwaitinfo)
{
	run_blocked("sigwait", VICTIM_WAKE_SIG, 0, NULL, NULL);
}

Test(notice, busy_threads)
{
	run_blocked("futex", 0, 0, "--busy", "2");
}

Test(notice, busy_main_thread)
{
	run_blocked("busy", 0, 0, "--busy", "1");
}

/*
 * The sleep must end when it was meant to: not early, not interrupted,
 * and not started afresh at a dump, which would end it a whole sleep
 * after that dump.  How late a sleeper wakes on a loaded machine has no
 * bound, so rather than a limit on lateness, one more dump comes half way
 * through the sleep: a sleep started afresh there ends 3 s late, more
 * than any scheduling delay, and a correct one ends before that dump plus
 * a whole sleep.
 */
Test(notice, nanosleep_wakes_on_time)
{
	struct victim *v = start("nanosleep", NULL, NULL);
	struct vstate before, after;
	char woke[512];
	long long rc, err, elapsed, requested, eintr, end_ns;
	int64_t blocked_ns, late_dump_ns, t_dumps, t_after;

	wait_main_blocked(v);
	blocked_ns = clock_ns(CLOCK_MONOTONIC);	/* after the sleep began */
	wait_timers_signal(v);
	settled_state(v, &before, NULL);
	t_dumps = clock_ns(CLOCK_MONOTONIC);
	dump_many(v, NDUMPS, false);
	while (clock_ns(CLOCK_MONOTONIC) < blocked_ns + SLEEP_MS / 2 * 1000000LL)
		sleep_ms(10);
	late_dump_ns = clock_ns(CLOCK_MONOTONIC);
	dump_many(v, 1, false);
	t_after = clock_ns(CLOCK_MONOTONIC);
	wait_timers_signal(v);
	settled_state(v, &after, before.masks);
	check_unchanged(&before, &after);
	check_signals(v, t_dumps, t_after);

	/* not woken: the sleep ends by itself after 6 s */
	cr_assert_eq(victim_wake(v, false, woke, sizeof(woke), WAIT_MS), 0,
		     "nanosleep never ended");
	cr_assert(kv_ll(woke, "rc", &rc) && kv_ll(woke, "errno", &err) &&
		  kv_ll(woke, "elapsed_ms", &elapsed) && kv_ll(woke, "requested_ms", &requested) &&
		  kv_ll(woke, "eintr", &eintr) && kv_ll(woke, "end_ns", &end_ns),
		  "bad WOKE line: %s", woke);
	cr_assert_eq(rc, 0, "%s", woke);
	cr_assert_eq(err, 0, "%s", woke);
	cr_assert_eq(eintr, 0, "nanosleep was interrupted: %s", woke);
	cr_assert_geq(elapsed, requested, "woke early: %s", woke);
	cr_assert_lt(end_ns, late_dump_ns + requested * 1000000,
		     "the sleep started afresh at a dump: it ended %lld ms after a dump made "
		     "%lld ms into it: %s", (long long)(end_ns - late_dump_ns) / 1000000,
		     (long long)(late_dump_ns - blocked_ns) / 1000000, woke);
	victim_kill(v);
}

Test(notice, stopped_victim_stays_stopped)
{
	struct victim *v = start("pause", NULL, NULL);
	struct vstate before, after;
	char woke[512], **lines;
	long long rc;
	int64_t t_stop, t_cont;
	int n;

	wait_main_blocked(v);
	wait_timers_signal(v);
	settled_state(v, &before, NULL);
	cr_assert_eq(kill(v->pid, SIGSTOP), 0);
	/* from here on no thread runs, so no handler can note a time */
	wait_all_stopped(v->pid, "after SIGSTOP");
	t_stop = clock_ns(CLOCK_MONOTONIC);
	dump_many(v, NDUMPS, true);
	wait_all_stopped(v->pid, "after the dumps");
	cr_assert_eq(proc_tracer_pid(v->pid), 0);

	t_cont = clock_ns(CLOCK_MONOTONIC);
	cr_assert_eq(kill(v->pid, SIGCONT), 0);
	cr_assert(proc_wait_state(v->pid, "RS", WAIT_MS), "the victim does not continue");
	/* handlers run again: the expirations of the stop arrive as overruns */
	wait_main_blocked(v);
	wait_timers_signal(v);
	settled_state(v, &after, before.masks);
	check_unchanged(&before, &after);
	check_signals(v, t_stop, t_cont);
	/* no handler ran while it was meant to be stopped */
	n = victim_cmd_list(v, "signals", &lines);
	cr_assert_gt(n, 0);
	for (int i = 0; i < n; i++) {
		long long t;

		cr_assert(kv_ll(lines[i], "t_ns", &t));
		cr_assert(t < t_stop || t > t_cont, "a signal was handled %lld ms into the stop: %s",
			  (t - t_stop) / 1000000, lines[i]);
	}
	strv_free(lines);
	cr_assert_eq(victim_wake(v, true, woke, sizeof(woke), WAIT_MS), 0);
	cr_assert(kv_ll(woke, "rc", &rc) && rc == -1, "%s", woke);
	victim_kill(v);
}

Test(notice, stopped_by_own_sigstop)
{
	struct victim *v = victim_start("--stop", "--threads", "1", "--timer", T1, NULL);
	char line[256];

	cr_assert(v && v->ready, "%s", v ? v->error : "fork");
	wait_all_stopped(v->pid, "after --stop");
	dump_many(v, 10, true);
	wait_all_stopped(v->pid, "after the dumps");
	cr_assert_eq(kill(v->pid, SIGCONT), 0);
	cr_assert_eq(victim_cmd(v, "ping", line, sizeof(line)), 0);
	cr_assert_str_eq(line, "PONG");
	victim_kill(v);
}

/*
 * Signals that wait, blocked, in the shared and in the main thread's
 * pending sets must still be there after the dumps: the tool must not take
 * them (at a signal-delivery stop, say) nor deliver them.
 */
Test(notice, blocked_pending_signals_stay_pending)
{
	struct victim *v = victim_start("--block", "pause", "--mask", "35", "--mask", "36",
		"--timer", "id=1,clock=monotonic,notify=signal,sig=35,value_ms=5,interval_ms=5",
		"--timer", "id=2,clock=monotonic,notify=thread_id,thread=0,sig=36,value_ms=5,"
			   "interval_ms=5", NULL);
	const unsigned long long b35 = 1ULL << 34, b36 = 1ULL << 35;
	struct vstate before, after;
	char **lines;
	int n;

	int64_t deadline = deadline_in(WAIT_MS);

	cr_assert(v && v->ready, "%s", v ? v->error : "fork");
	/* until both timers have expired once: their signals then stay pending */
	do {
		cr_assert(in_time(deadline), "the blocked timer signals never became pending");
		cr_assert_eq(victim_state(v, &before), 0);
		sleep_ms(1);
	} while ((before.shdpnd & b35) == 0 || (before.sigpnd & b36) == 0);
	cr_assert_eq(before.shdpnd, b35, "shared pending %llx", before.shdpnd);
	cr_assert_eq(before.sigpnd, b36, "main thread pending %llx", before.sigpnd);
	dump_many(v, 20, false);
	cr_assert_eq(victim_state(v, &after), 0);
	cr_assert_eq(after.shdpnd, b35, "shared pending %llx after the dumps", after.shdpnd);
	cr_assert_eq(after.sigpnd, b36, "main thread pending %llx after the dumps", after.sigpnd);
	cr_assert_eq(after.sigmask, before.sigmask);
	cr_assert_eq(after.eintr, 0);
	n = victim_cmd_list(v, "signals", &lines);
	cr_assert_eq(n, 0, "blocked signals were delivered: %s", n > 0 ? lines[0] : "");
	strv_free(lines);
	victim_kill(v);
}

/* Wait until the victim has run @more SIGEV_THREAD callbacks from now on. */
static void wait_more_callbacks(struct victim *v, long long more)
{
	int64_t deadline = deadline_in(WAIT_MS);
	struct vstate st;
	long long from;

	cr_assert_eq(victim_state(v, &st), 0);
	from = st.cb;
	for (;;) {
		cr_assert_eq(victim_state(v, &st), 0);
		if (st.cb >= from + more)
			return;
		cr_assert(in_time(deadline), "SIGEV_THREAD callbacks stopped: %lld -> %lld",
			  from, st.cb);
		sleep_ms(1);
	}
}

/*
 * glibc starts a thread for every expiry of a SIGEV_THREAD timer, so the
 * thread set changes under the dumps; each dump must still succeed and the
 * callbacks keep coming.
 */
Test(notice, threads_come_and_go_during_dumps)
{
	struct victim *v = victim_start("--block", "futex", "--threads", "1",
		"--timer", "id=1,clock=monotonic,notify=thread_id,thread=1,sig=34,value_ms=10,"
			   "interval_ms=10",
		"--timer", "clock=monotonic,notify=glibc_thread,sigval=0x77,value_ms=2,interval_ms=2",
		NULL);
	struct vstate before, after;

	cr_assert(v && v->ready, "%s", v ? v->error : "fork");
	wait_main_blocked(v);
	wait_more_callbacks(v, 10);	/* dump while threads come and go */
	cr_assert_eq(victim_state(v, &before), 0);
	dump_many(v, 30, false);
	wait_more_callbacks(v, 10);	/* and they keep coming */
	cr_assert_eq(victim_state(v, &after), 0);
	cr_assert_eq(after.eintr, 0);
	cr_assert_eq(after.sigmask, before.sigmask);
	victim_kill(v);
}

/*
 * Blocking calls one by one (tests/helpers/blocker.c).  A stop interrupts
 * every one of them; most end with a restart code that the kernel acts
 * on, a few with a plain EINTR that ptimerctl turns back into the same
 * call when the call has no timeout.  What is left is the list in
 * ptimerctl(1), "Interrupted waits".
 */
#define BLOCKER_DUMPS	10

struct blocker {
	struct victim *v;
	pid_t tid;
	long long nr;
};

/*
 * Wait until the blocked thread sleeps in its system call again, or in
 * the restart_syscall() that the kernel issues in its place to resume a
 * sleep with a timeout (poll, nanosleep, futex).  That alone does not
 * say the call interrupted last has returned (dump_blocked()).
 */
static void wait_blocked(const struct blocker *b, const char *what)
{
	int64_t deadline = deadline_in(WAIT_MS);
	long long nr;

	while ((nr = proc_sleeping_syscall(b->v->pid, b->tid, NULL)) != b->nr &&
	       nr != SYS_restart_syscall) {
		cr_assert(in_time(deadline), "%s: the thread never blocked in system call %lld",
			  what, b->nr);
		sleep_ms(1);
	}
}

/*
 * False when this kernel lacks @call (ENOSYS: e.g. no CONFIG_POSIX_MQUEUE).
 * @opts (NULL-terminated, at most four) are more options, such as
 * "--ignore", "1".
 */
static bool blocker_start_with(struct blocker *b, const char *call, const char *in,
			       const char *const *opts)
{
	char exe[4096], line[256];
	const char *argv[10] = { exe, "--call", call, "--in", in };
	long long tid;

	for (size_t i = 0; opts && opts[i]; i++) {
		cr_assert(i < 4, "too many blocker options");
		argv[5 + i] = opts[i];
	}

	snprintf(exe, sizeof(exe), "%s", helper_path("blocker"));
	b->v = victim_spawn(argv, (uid_t)-1);
	cr_assert(b->v, "cannot fork the blocker");
	if (!b->v->ready && b->v->error_errno == ENOSYS) {
		cr_log_info("%s: not in this kernel, not checked: %s", call, b->v->error);
		victim_kill(b->v);
		return false;
	}
	cr_assert(b->v->ready, "%s", b->v->error);
	cr_assert_eq(victim_cmd(b->v, "info", line, sizeof(line)), 0);
	cr_assert(kv_ll(line, "tid", &tid) && kv_ll(line, "nr", &b->nr), "bad INFO: %s", line);
	b->tid = (pid_t)tid;
	return true;
}

/* The same, with one more option @opt and its @val, or none (NULL). */
static bool blocker_start(struct blocker *b, const char *call, const char *in,
			  const char *opt, const char *val)
{
	const char *const opts[] = { opt, val, NULL };

	return blocker_start_with(b, call, in, opts);
}

/*
 * The WOKE line of the blocker once woken: its call must have failed with
 * EINTR @eintr times, each with a run of the program's handler in that
 * thread (bare=0), and the handler must never have run in it without the
 * EINTR it owed (lost=0).
 */
static void expect_own_eintr(const char *line, long long eintr, const char *what)
{
	long long n, ok, bare, lost;

	cr_assert(kv_ll(line, "eintr", &n) && kv_ll(line, "ok", &ok) &&
		  kv_ll(line, "bare", &bare) && kv_ll(line, "lost", &lost), "bad WOKE: %s", line);
	/* Every case is run and reported. */
	cr_expect_eq(n, eintr, "%s: saw %lld EINTR, not %lld: %s", what, n, eintr, line);
	cr_expect_eq(bare, 0, "%s: %lld EINTR with no signal of its own: %s", what, bare, line);
	cr_expect_eq(lost, 0, "%s: its handler ran %lld times with no EINTR: %s", what, lost,
		     line);
	cr_expect_eq(ok, 1, "%s: wrong result once woken: %s", what, line);
}

/* The EINTRs the blocker has counted so far. */
static long long blocker_eintr(const struct blocker *b)
{
	char line[256];
	long long eintr;

	cr_assert_eq(victim_cmd(b->v, "count", line, sizeof(line)), 0);
	cr_assert(kv_ll(line, "eintr", &eintr), "bad COUNT: %s", line);
	return eintr;
}

/*
 * Dump a thread blocked in @call (in the main thread, the one ptimerctl
 * injects into, or in another) BLOCKER_DUMPS times, waiting for it to block
 * again each time; then wake it.  Returns the EINTRs the program saw,
 * or -1 when the kernel lacks @call.
 *
 * With @eintr_each, a call that each dump interrupts: after dump i, wait
 * for the blocker's count to reach i as well as for the thread to sleep in
 * the call.  Until the interrupted call has returned, the thread may still
 * show that call's number in /proc (sleeping on its way out of the kernel):
 * the count read then is one short, and the wake ends the old call, which
 * returns EINTR.  The count is raised before the call is made again, so
 * once it is there, the thread sleeps in the new call.
 */
static long long dump_blocked_with(const char *call, const char *in, const char *const *opts,
				   bool eintr_each)
{
	struct blocker b;
	struct run_result r;
	char pidbuf[16], line[512];
	long long eintr, woke_eintr, ok;

	if (!blocker_start_with(&b, call, in, opts))
		return -1;
	snprintf(pidbuf, sizeof(pidbuf), "%d", (int)b.v->pid);
	wait_blocked(&b, call);
	for (int i = 0; i < BLOCKER_DUMPS; i++) {
		int64_t deadline = deadline_in(WAIT_MS);

		cr_assert_eq(run_ptimerctl(&r, "dump", pidbuf, NULL), 0);
		cr_assert_eq(r.exit_code, 0, "%s: dump %d: %s", call, i + 1, run_describe(&r));
		run_result_free(&r);
		while (eintr_each && (eintr = blocker_eintr(&b)) < i + 1) {
			cr_assert(in_time(deadline), "%s: %lld EINTR after %d dumps, ptimerctl(1)"
				  " says one each", call, eintr, i + 1);
			sleep_ms(1);
		}
		wait_blocked(&b, call);
	}
	eintr = blocker_eintr(&b);
	cr_assert_eq(victim_wake(b.v, true, line, sizeof(line), WAIT_MS), 0,
		     "%s does not end on wake", call);
	cr_assert(kv_ll(line, "eintr", &woke_eintr) && kv_ll(line, "ok", &ok),
		  "bad WOKE: %s", line);
	cr_assert_eq(ok, 1, "%s in the %s thread: wrong result once woken: %s", call, in, line);
	cr_assert_eq(woke_eintr, eintr, "%s", line);
	victim_kill(b.v);
	return eintr;
}

static long long dump_blocked(const char *call, const char *in, bool eintr_each)
{
	return dump_blocked_with(call, in, NULL, eintr_each);
}

/* A call that must come through every dump without an EINTR, in either thread. */
static void assert_never_eintr(const char *call)
{
	static const char *const where[] = { "main", "thread" };

	for (size_t i = 0; i < sizeof(where) / sizeof(where[0]); i++) {
		long long n = dump_blocked(call, where[i], false);

		if (n < 0)
			return;
		cr_assert_eq(n, 0, "%s in the %s thread saw %lld EINTR in %d dumps",
			     call, where[i], n, BLOCKER_DUMPS);
	}
}

/* A documented EINTR: exactly one per dump, and only that. */
static void assert_eintr_each_dump(const char *call)
{
	long long n = dump_blocked(call, "thread", true);

	if (n < 0)
		cr_skip_test("%s: not in this kernel", call);
	cr_assert_eq(n, BLOCKER_DUMPS, "%s saw %lld EINTR in %d dumps, ptimerctl(1) says one each",
		     call, n, BLOCKER_DUMPS);
}

/* -EINTR without a timeout: re-issued. */
Test(notice, semop_reissued)
{
	assert_never_eintr("semop");
}

Test(notice, semtimedop_without_timeout_reissued)
{
	assert_never_eintr("semtimedop");
}

Test(notice, io_getevents_without_timeout_reissued)
{
	assert_never_eintr("io_getevents");
}

Test(notice, io_uring_enter_wait_reissued)
{
	assert_never_eintr("io_uring_enter");
}

/* With a signal mask of its own, put back by the kernel around the re-issue. */
Test(notice, epoll_pwait_with_mask_reissued)
{
	assert_never_eintr("epoll_pwait");
}

/* -EINTR with a relative timeout: what is left of it is unknown, so it stays. */
Test(notice, semtimedop_with_timeout_sees_eintr)
{
	assert_eintr_each_dump("semtimedop_timeout");
}

Test(notice, io_getevents_with_timeout_sees_eintr)
{
	assert_eintr_each_dump("io_getevents_timeout");
}

Test(notice, io_uring_enter_with_ext_arg_sees_eintr)
{
	assert_eintr_each_dump("io_uring_enter_timeout");
}

Test(notice, epoll_wait_with_timeout_sees_eintr)
{
	assert_eintr_each_dump("epoll_wait_timeout");
}

Test(notice, sigtimedwait_with_timeout_sees_eintr)
{
	assert_eintr_each_dump("sigtimedwait_timeout");
}

Test(notice, recv_with_so_rcvtimeo_sees_eintr)
{
	assert_eintr_each_dump("recv_rcvtimeo");
}

/* Wait for the blocker's EINTR count to reach @want; false if it does not in time. */
static bool blocker_eintr_reaches(const struct blocker *b, long long want)
{
	int64_t deadline = deadline_in(WAIT_MS);

	while (blocker_eintr(b) < want) {
		if (!in_time(deadline))
			return false;
		sleep_ms(1);
	}
	return true;
}

/* SIGSTOP the blocker, optionally dump it while stopped, and SIGCONT it. */
static void stop_and_continue(const struct blocker *b, bool dump, const char *call)
{
	struct run_result r;
	char pidbuf[16];

	cr_assert_eq(kill(b->v->pid, SIGSTOP), 0);
	wait_all_stopped(b->v->pid, "after SIGSTOP");
	if (dump) {
		snprintf(pidbuf, sizeof(pidbuf), "%d", (int)b->v->pid);
		cr_assert_eq(run_ptimerctl(&r, "dump", pidbuf, NULL), 0);
		cr_assert_eq(r.exit_code, 0, "%s: %s", call, run_describe(&r));
		run_result_free(&r);
		wait_all_stopped(b->v->pid, "after the dump");
	}
	cr_assert_eq(kill(b->v->pid, SIGCONT), 0);
}

/*
 * A wait with no timeout that a stop ended owes the program its EINTR once
 * continued (signal(7)): the kernel's stop, not ours, ended it, so a dump
 * of the stopped process must not make the call again.  The program's
 * EINTR is first seen without ptimerctl, then with a dump in the stop.
 */
static void stopped_wait_keeps_its_eintr(const char *call, const char *in)
{
	struct blocker b;
	char line[512];
	long long eintr;

	if (!blocker_start(&b, call, in, NULL, NULL))
		cr_skip_test("%s: not in this kernel", call);
	wait_blocked(&b, call);
	stop_and_continue(&b, false, call);
	if (!blocker_eintr_reaches(&b, 1)) {
		victim_kill(b.v);
		cr_skip_test("%s: this kernel ends it with no EINTR after a stop", call);
	}
	wait_blocked(&b, call);
	stop_and_continue(&b, true, call);
	cr_assert(blocker_eintr_reaches(&b, 2), "%s (--in %s): the EINTR its stop owed"
		  " was lost to the dump (%lld EINTR)", call, in, blocker_eintr(&b));
	wait_blocked(&b, call);
	cr_assert_eq(victim_wake(b.v, true, line, sizeof(line), WAIT_MS), 0);
	cr_assert(kv_ll(line, "eintr", &eintr) && eintr == 2, "%s", line);
	victim_kill(b.v);
}

Test(notice, a_stopped_process_keeps_the_eintr_of_its_stop)
{
	stopped_wait_keeps_its_eintr("epoll_pwait", "thread");
	stopped_wait_keeps_its_eintr("semop", "main");
}

/*
 * A signal sent while ptimerctl holds the blocker, stopped at "read" (a
 * dump with every value read and every thread still stopped).  One the
 * program ignores, SIG_IGN or by default, is queued only because the
 * process is traced (sig_ignored(), kernel/signal.c) and dropped once it
 * is let go: the wait our stop interrupted must be issued again, and the
 * program sees no EINTR, as it would have seen none without ptimerctl.
 * One it catches is the program's own EINTR: exactly one, with its
 * handler run in that thread.
 *
 * A signal sent to the process waits in its shared queue, where any
 * thread let go may take it: no thread was there to take it when it was
 * sent.  ptimerctl lets a thread whose wait it interrupted go back into
 * it while every other thread is held, so that thread takes the signal
 * and fails its call with EINTR.  Its wait used to be judged by a look
 * at /proc instead, and not issued again with the signal pending; the
 * main thread, let go first, took the signal, and the waiting thread
 * saw an EINTR with no signal (bare).  A signal sent to a thread stays
 * that thread's.
 */
struct held_signal {
	const char *name;
	int sig;
	const char *disposition;	/* "--ignore", "--catch", or NULL: SIG_DFL */
	bool to_thread;			/* tgkill() the blocked thread, else kill() */
	long long eintr;		/* what the program must see */
};

static void signal_while_held(const char *call, const char *in, const struct held_signal *h)
{
	struct blocker b;
	struct ru_bg bg;
	char pidbuf[16], sigbuf[16], line[512], what[256];
	long long eintr;
	int64_t deadline;

	snprintf(sigbuf, sizeof(sigbuf), "%d", h->sig);
	cr_assert(blocker_start(&b, call, in, h->disposition, h->disposition ? sigbuf : NULL),
		  "%s: not in this kernel", call);
	snprintf(pidbuf, sizeof(pidbuf), "%d", (int)b.v->pid);
	wait_blocked(&b, call);

	ru_bg_start_at(&bg, "read", "dump", pidbuf, NULL);
	cr_assert(ru_bg_wait_stopped(&bg, WAIT_MS), "%s: ptimerctl never reached \"read\"",
		  h->name);
	if (h->to_thread)
		cr_assert_eq(syscall(SYS_tgkill, b.v->pid, b.tid, h->sig), 0, "%s", strerror(errno));
	else
		cr_assert_eq(kill(b.v->pid, h->sig), 0, "%s", strerror(errno));
	/* Held, the process queues even a signal it ignores. */
	cr_assert(ak_pending(b.v->pid, h->to_thread ? b.tid : 0, h->sig),
		  "%s: not queued while ptimerctl holds the process", h->name);
	ru_bg_signal_and_continue(&bg, 0);
	ru_bg_wait(&bg, WAIT_MS);
	cr_assert_eq(bg.res.exit_code, 0, "%s: %s", h->name, run_describe(&bg.res));
	run_result_free(&bg.res);

	/* A caught signal's EINTR comes after the release: wait for it, then for the new call. */
	deadline = deadline_in(WAIT_MS);
	while ((eintr = blocker_eintr(&b)) < h->eintr) {
		cr_assert(in_time(deadline), "%s: %s in the %s thread saw %lld EINTR, not %lld",
			  h->name, call, in, eintr, h->eintr);
		sleep_ms(1);
	}
	wait_blocked(&b, call);
	cr_assert_eq(victim_wake(b.v, true, line, sizeof(line), WAIT_MS), 0,
		     "%s: %s does not end on wake", h->name, call);
	snprintf(what, sizeof(what), "%s: %s in the %s thread", h->name, call, in);
	expect_own_eintr(line, h->eintr, what);
	victim_kill(b.v);
}

Test(notice, signal_sent_while_held, .timeout = 120)
{
	static const struct held_signal cases[] = {
		{ "SIGCHLD at SIG_DFL", SIGCHLD, NULL, false, 0 },
		{ "SIGCONT at SIG_DFL", SIGCONT, NULL, false, 0 },
		{ "SIGURG at SIG_DFL, to the thread", SIGURG, NULL, true, 0 },
		{ "SIGWINCH at SIG_DFL", SIGWINCH, NULL, false, 0 },
		{ "SIGHUP at SIG_IGN", SIGHUP, "--ignore", false, 0 },
		{ "SIGPIPE at SIG_IGN, to the thread", SIGPIPE, "--ignore", true, 0 },
		{ "SIGWINCH caught, to the thread", SIGWINCH, "--catch", true, 1 },
		{ "SIGHUP caught, to the thread", SIGHUP, "--catch", true, 1 },
		{ "SIGHUP caught", SIGHUP, "--catch", false, 1 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		signal_while_held("epoll_pwait", "main", &cases[i]);
		signal_while_held("semop", "main", &cases[i]);
		signal_while_held("epoll_pwait", "thread", &cases[i]);
	}
}

/* Hold ptimerctl at the entry of its PTRACE_DETACH of one thread (@data: a pid_t *). */
static bool pick_detach_of(const struct tt_call *c, void *data)
{
	return c->entry && c->nr == SYS_ptrace && c->args[0] == PTRACE_DETACH &&
	       (pid_t)c->args[1] == *(const pid_t *)data;
}

/*
 * A signal that comes as ptimerctl lets a thread go back into the wait
 * its stop interrupted.  The program blocks SIGHUP everywhere but in
 * epoll_pwait(), whose mask unblocks it, as a careful program waits for
 * a signal: its handler can run only during that call, which then fails
 * with EINTR.  ptimerctl is held at the PTRACE_DETACH of that thread and
 * the signal sent there, to the process.  The thread used to be let go
 * from our stop with its registers rewound onto the call and the call's
 * mask still in force: it took the signal at once, its handler ran, and
 * the call went on waiting, the EINTR lost.  Now it is let go in user
 * mode, under its own mask, to make the call again, which the signal then
 * ends.
 */
static void signal_as_let_go(const char *in)
{
	static const char *const opts[] = { "--catch", "1", "--block", "1", NULL };
	struct tool_trace t;
	struct blocker b;
	char pidbuf[16], line[512], what[64];
	int64_t deadline;

	cr_assert(blocker_start_with(&b, "epoll_pwait", in, opts), "no epoll_pwait here");
	snprintf(pidbuf, sizeof(pidbuf), "%d", (int)b.v->pid);
	snprintf(what, sizeof(what), "epoll_pwait in the %s thread", in);
	wait_blocked(&b, what);
	tt_start(&t, "dump", "-o", "/dev/null", pidbuf, NULL);
	cr_assert(tt_run_until(&t, pick_detach_of, &b.tid, 60000), "%s: never let go", what);
	cr_assert_eq(kill(b.v->pid, SIGHUP), 0, "%s", strerror(errno));
	tt_release(&t);
	ru_bg_wait(&t.bg, 60000);
	cr_assert_eq(t.bg.res.exit_code, 0, "%s: %s", what, run_describe(&t.bg.res));
	run_result_free(&t.bg.res);

	deadline = deadline_in(WAIT_MS);
	while (blocker_eintr(&b) < 1 && in_time(deadline))
		sleep_ms(1);
	wait_blocked(&b, what);
	cr_assert_eq(victim_wake(b.v, true, line, sizeof(line), WAIT_MS), 0,
		     "%s does not end on wake", what);
	expect_own_eintr(line, 1, what);
	victim_kill(b.v);
}

/*
 * A wait in a thread confined by a seccomp allowlist, as a sandboxed
 * service's are, that kills the process for any other call.  The wait is
 * made again as any other, but judged by /proc: let go past the call's
 * entry with the call skipped, the thread met its filter with call -1
 * once ptimerctl had let go (its filter, suspended for ptimerctl, is back
 * then), and the allowlist killed the process.
 */
Test(notice, a_wait_under_seccomp_is_made_again)
{
	static const char *const opts[] = { "--seccomp", "1", NULL };
	static const char *const where[] = { "main", "thread" };

	for (size_t i = 0; i < sizeof(where) / sizeof(where[0]); i++) {
		long long n = dump_blocked_with("epoll_pwait", where[i], opts, false);

		cr_assert_eq(n, 0, "epoll_pwait in the confined %s thread saw %lld EINTR in %d"
			     " dumps", where[i], n, BLOCKER_DUMPS);
	}
}

Test(notice, a_signal_as_the_wait_is_let_go_ends_it)
{
	signal_as_let_go("main");
	signal_as_let_go("thread");
}

/*
 * The kernel restarts these itself.  sigsuspend also checks that the
 * thread's own mask is back after the call, though it was injected into
 * in the middle of it: PTRACE_GETSIGMASK reads the mask saved by the call.
 */
Test(notice, restarted_calls_never_see_eintr, .timeout = 120)
{
	static const char *const calls[] = {
		"recv", "accept", "poll_timeout", "ppoll", "pselect", "sigsuspend",
		"msgrcv", "mq_receive", "io_pgetevents", "flock", "ofd_setlkw",
		"read_signalfd", "wait4",
	};

	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++)
		assert_never_eintr(calls[i]);
}
