// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * The library side of issue 11 against real processes: a dump carries a
 * process's interval timers, timerfds and queued timer signals; a restore
 * into a fresh process gives them back, read from inside it; a disarming
 * dump and ptimer_rearm_pid() put the source back with each pending
 * signal delivered once; collisions change nothing.
 */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include <syslog.h>
#include <unistd.h>

#include "harness.h"
#include "ptimer.h"

#define SIG_PROC	37
#define SIG_THREAD	38
#define FD_MONO		40
#define FD_REAL		41
#define FD_OTHER	42	/* /dev/null in every holder */

static struct ptimer_ctx *ctx;

static void init(void)
{
	cr_assert_eq(ptimer_new(&ctx), 0);
}

static void fini(void)
{
	harness_kill_all();
	ptimer_free(ctx);
}

TestSuite(kinds_lib, .init = init, .fini = fini, .timeout = 60);

static struct victim *holder_as(const char *mode, uid_t uid);

static struct victim *holder(const char *mode)
{
	return holder_as(mode, (uid_t)-1);
}

static struct victim *holder_as(const char *mode, uid_t uid)
{
	const char *argv[] = { helper_path("kinds_holder"), mode, NULL };
	struct victim *v;

	argv[0] = strdup(argv[0]);
	v = victim_spawn(argv, uid);
	free((char *)argv[0]);
	cr_assert(v && v->ready, "kinds_holder %s: %s", mode, v ? v->error : "fork");
	return v;
}

static struct ptimer_dump *dump_of(pid_t pid, unsigned int flags)
{
	struct ptimer_dump *d = NULL;
	int r = ptimer_dump_pid(ctx, pid, flags, &d, NULL);

	cr_assert_eq(r, 0, "dump of %d: %s (%s)", pid, ptimer_strerror(r), ptimer_last_error(ctx));
	return d;
}

static const struct ptimer_timerfd *tfd_at(const struct ptimer_dump *d, int fd)
{
	size_t n;
	const struct ptimer_timerfd *t = ptimer_dump_timerfds(d, &n);

	for (size_t i = 0; i < n; i++)
		if (t[i].fd == fd)
			return &t[i];
	return NULL;
}

/* The holder's two timerfds, FD_MONO and FD_REAL, as "full" makes them; returns FD_REAL's. */
static const struct ptimer_timerfd *expect_holder_timerfds(const struct ptimer_dump *d)
{
	const struct ptimer_timerfd *mono = tfd_at(d, FD_MONO), *real = tfd_at(d, FD_REAL);

	cr_assert(mono && real);
	cr_expect_eq(mono->clockid, 1);
	cr_expect_eq(mono->interval_ns, 1000000);
	/* Armed (its interval, above); time left may read 0 on an expiry not yet handled. */
	cr_expect(mono->value_ns >= 0 && mono->value_ns <= 1000000, "time left: %lld",
		  (long long)mono->value_ns);
	cr_expect(mono->ticks > 0);
	cr_expect_eq(mono->fd_flags, O_NONBLOCK);
	cr_expect_eq(real->clockid, 0);
	cr_expect_eq(real->settime_flags, 3u, "abstime | cancel_on_set");
	cr_expect_eq(real->fd_flags, O_CLOEXEC);
	return real;
}

/* What "drain" says: each queued timer signal, counted, with its siginfo. */
static void expect_drained(struct victim *v, int nproc, int nthread)
{
	char line[512];
	long long n;

	cr_assert_eq(victim_cmd(v, "drain", line, sizeof(line)), 0);
	cr_log_info("%s", line);
	cr_assert(kv_ll(line, "nproc", &n) && n == nproc, "process queue: %s", line);
	cr_assert(kv_ll(line, "nthread", &n) && n == nthread, "thread queue: %s", line);
	if (nproc) {
		cr_expect(kv_ll(line, "codeproc", &n) && n == SI_TIMER, "%s", line);
		cr_expect(strstr(line, "valproc=55"), "%s", line);
	}
	if (nthread) {
		cr_expect(kv_ll(line, "codethread", &n) && n == SI_TIMER, "%s", line);
		cr_expect(strstr(line, "valthread=66"), "%s", line);
	}
	cr_assert(kv_ll(line, "nalrm", &n) && n == 1, "SIGALRM, a legacy signal: %s", line);
	cr_expect(kv_ll(line, "codealrm", &n) && n == SI_TIMER, "%s", line);
	cr_expect(strstr(line, "valalrm=77"), "%s", line);
}

Test(kinds_lib, dump_reads_every_kind)
{
	struct victim *v = holder("full");
	struct ptimer_dump *d = dump_of(v->pid, 0);
	const struct ptimer_pending_signal *s;
	const struct ptimer_itimer *it;
	size_t n, nsig;

	cr_assert_eq(ptimer_dump_kinds(d), PTIMER_KIND_ALL);
	it = ptimer_dump_itimers(d, &n);
	cr_assert_eq(n, 2, "real and prof");
	cr_expect_eq(it[0].which, 0);
	cr_expect(it[0].value_ns > 90 * 1000000000LL && it[0].interval_ns == 1000000000LL);
	cr_expect_eq(it[1].which, 2);
	expect_holder_timerfds(d);
	s = ptimer_dump_signals(d, &nsig);
	cr_assert_eq(nsig, 3);
	for (size_t i = 0; i < nsig; i++) {
		if (s[i].signo == SIGALRM) {
			cr_expect_eq(s[i].sigval, 0x77u);
			continue;
		}
		cr_expect_eq(s[i].signo, s[i].tid ? SIG_THREAD : SIG_PROC);
		cr_expect_eq(s[i].sigval, s[i].tid ? 0x66u : 0x55u);
		cr_expect(!s[i].tid || s[i].tid == v->pid);
	}
	/* Reading changed nothing: both signals are still queued, once. */
	expect_drained(v, 1, 1);
	ptimer_dump_free(d);
}

/* ptimer_dump_pid() of @pid with only @kinds; its stats. */
static struct ptimer_dump_stats dump_stats(pid_t pid, unsigned int kinds)
{
	struct ptimer_dump_stats st = { .size = sizeof(st) };
	struct ptimer_dump *d = NULL;
	int r;

	cr_assert_eq(ptimer_set_kinds(ctx, kinds), 0);
	r = ptimer_dump_pid(ctx, pid, 0, &d, &st);
	cr_assert_eq(ptimer_set_kinds(ctx, PTIMER_KIND_ALL), 0);
	cr_assert_eq(r, 0, "%s (%s)", ptimer_strerror(r), ptimer_last_error(ctx));
	ptimer_dump_free(d);
	return st;
}

/* A victim with @n POSIX timers, far from due, and no timerfd. */
static struct victim *victim_with_timers(size_t n)
{
	char count[24];
	struct victim *v;

	snprintf(count, sizeof(count), "%zu", n);
	v = victim_start("--many", count, NULL);
	cr_assert(v && v->ready, "victim with %zu timers: %s", n, v ? v->error : "fork");
	return v;
}

/*
 * The descriptors are told apart in the batch (a timerfd_gettime() each,
 * injected) where those calls keep the job's data within the room the
 * stack lends (AT_MINSIGSTKSZ), and by their /proc links where they would
 * push it into a mapping of its own, three round trips more.  So with any
 * number of POSIX timers, the dump takes as many round trips as one that
 * leaves the timerfds out.  The counts go past the one whose batch alone
 * fills the room (each timer takes two calls and a result: 160 bytes),
 * so that each side of the turn is met, on any machine.
 */
Test(kinds_lib, probing_descriptors_costs_no_round_trip, .timeout = 300)
{
	size_t last = getauxval(AT_MINSIGSTKSZ) / 160 + 2;
	/*
	 * Steps of one where that is up to 64 dumps (x86-64: 1776 to 3376
	 * bytes), so that the few counts where only the probes would cross
	 * into a mapping are met; larger where the frames are larger (arm64
	 * with SVE and SME under QEMU's -cpu max: at least 10 KB).
	 */
	size_t step = 1 + last / 64;
	unsigned int probed = 0, linked = 0;

	for (size_t n = 0; n <= last; n += step) {
		struct victim *v = victim_with_timers(n);
		struct ptimer_dump_stats all, without;

		all = dump_stats(v->pid, PTIMER_KIND_ALL);
		without = dump_stats(v->pid, PTIMER_KIND_ALL & ~PTIMER_KIND_TIMERFD);
		/* The victim has no timerfd: a call more is a descriptor probed. */
		if (all.injected_syscalls > without.injected_syscalls)
			probed++;
		else
			linked++;
		cr_expect_eq(all.round_trips, without.round_trips,
			     "%zu timers: %u round trips, %u without timerfds (%u calls against %u)",
			     n, all.round_trips, without.round_trips, all.injected_syscalls,
			     without.injected_syscalls);
		victim_kill(v);
	}
	cr_log_info("AT_MINSIGSTKSZ %lu, up to %zu timers by %zu: the descriptors probed %u"
		    " times, linked %u times", getauxval(AT_MINSIGSTKSZ), last, step, probed, linked);
}

/*
 * A process with many descriptors has them told apart by timerfd_gettime()
 * in the dump's batch (a call each, injected) instead of by their /proc
 * links; among them an eventfd, a signalfd and an epoll fd, anonymous
 * inodes as a timerfd is, and an O_PATH descriptor.  The timerfds found
 * are the same two, read as fully.
 */
Test(kinds_lib, crowded_descriptors_are_told_apart_in_the_batch)
{
	struct victim *v = holder("crowded");
	struct ptimer_dump_stats st = { .size = sizeof(st) };
	const struct ptimer_timerfd *real;
	struct ptimer_dump *d = NULL;
	size_t n;
	int r;

	r = ptimer_dump_pid(ctx, v->pid, 0, &d, &st);
	cr_assert_eq(r, 0, "%s (%s)", ptimer_strerror(r), ptimer_last_error(ctx));
	cr_log_info("%u calls injected", st.injected_syscalls);
	cr_expect_geq(st.injected_syscalls, 64, "the descriptors were not probed");
	ptimer_dump_timerfds(d, &n);
	cr_assert_eq(n, 2, "timerfds found: %zu", n);
	real = expect_holder_timerfds(d);
	cr_expect(real->value_ns > 90 * 1000000000LL, "time left: %lld",
		  (long long)real->value_ns);
	ptimer_dump_free(d);
	/* Disarming reads every fdinfo first: no probing, the same two. */
	r = ptimer_dump_pid(ctx, v->pid, PTIMER_DUMP_DISARM, &d, NULL);
	cr_assert_eq(r, 0, "%s (%s)", ptimer_strerror(r), ptimer_last_error(ctx));
	ptimer_dump_timerfds(d, &n);
	cr_expect_eq(n, 2, "timerfds found disarming: %zu", n);
	ptimer_dump_free(d);
}

Test(kinds_lib, kinds_select_what_is_dumped)
{
	struct victim *v = holder("full");
	struct ptimer_dump *d;
	size_t n;

	cr_assert_eq(ptimer_set_kinds(ctx, 0), -EINVAL);
	cr_assert_eq(ptimer_set_kinds(ctx, 0x10), -EINVAL);
	cr_assert_eq(ptimer_set_kinds(ctx, PTIMER_KIND_ITIMER), 0);
	d = dump_of(v->pid, 0);
	cr_expect_eq(ptimer_dump_kinds(d), PTIMER_KIND_ITIMER);
	cr_expect_eq(d->ntimers, 0);
	ptimer_dump_itimers(d, &n);
	cr_expect_eq(n, 2);
	ptimer_dump_timerfds(d, &n);
	cr_expect_eq(n, 0);
	ptimer_dump_free(d);
}

Test(kinds_lib, restore_into_a_fresh_process)
{
	struct victim *src = holder("full"), *dst = holder("fresh");
	struct ptimer_restore_opts o = { .size = sizeof(o) };
	struct ptimer_dump *d = dump_of(src->pid, 0);
	char line[512];
	long long x;
	int r;

	r = ptimer_restore_pid(ctx, dst->pid, d, &o, NULL, NULL);
	cr_assert_eq(r, 0, "%s (%s)", ptimer_strerror(r), ptimer_last_error(ctx));
	cr_assert_eq(victim_cmd(dst, "itimer", line, sizeof(line)), 0);
	cr_expect(kv_ll(line, "real", &x) && x >= 90 && x <= 100, "%s", line);
	cr_expect(kv_ll(line, "realint", &x) && x == 1, "%s", line);
	cr_expect(kv_ll(line, "prof", &x) && x >= 49 && x <= 50, "%s", line);
	cr_assert_eq(victim_cmd(dst, "tfd", line, sizeof(line)), 0);
	cr_expect(kv_ll(line, "ok", &x) && x == 1, "%s", line);
	cr_expect(kv_ll(line, "monoint", &x) && x == 1000000, "%s", line);
	cr_expect(kv_ll(line, "real", &x) && x > 90 * 1000000000LL, "%s", line);
	cr_expect(kv_ll(line, "nonblock", &x) && x == 1, "%s", line);
	cr_expect(kv_ll(line, "cloexec", &x) && x == 1, "%s", line);
	/* Each pending signal once, in the right queue, with its siginfo. */
	expect_drained(dst, 1, 1);
	ptimer_dump_free(d);
}

Test(kinds_lib, disarm_then_rearm_delivers_each_signal_once)
{
	struct victim *v = holder("full");
	struct ptimer_dump *d = dump_of(v->pid, PTIMER_DUMP_DISARM), *after;
	const struct ptimer_timerfd *mono;
	size_t n;
	int r;

	after = dump_of(v->pid, 0);
	ptimer_dump_itimers(after, &n);
	cr_expect_eq(n, 0, "the interval timers are disarmed");
	mono = tfd_at(after, FD_MONO);
	cr_assert(mono);
	cr_expect_eq(mono->value_ns, 0, "the timerfd is disarmed");
	/*
	 * Measured on 6.18: the disarmed timers' signals stay queued, stale
	 * (the kernel drops them at delivery), so the queue still shows them.
	 */
	ptimer_dump_signals(after, &n);
	cr_expect_eq(n, 3, "stale, but still queued");
	ptimer_dump_free(after);

	r = ptimer_rearm_pid(ctx, v->pid, d, 0);
	cr_assert_eq(r, 0, "%s (%s)", ptimer_strerror(r), ptimer_last_error(ctx));
	after = dump_of(v->pid, 0);
	ptimer_dump_itimers(after, &n);
	cr_expect_eq(n, 2);
	mono = tfd_at(after, FD_MONO);
	/*
	 * Re-armed: its 1 ms interval is back (time left may read 0 when the
	 * read falls on an expiry the kernel has not yet handled).
	 */
	cr_expect(mono && mono->interval_ns == 1000000 &&
		  mono->ticks >= tfd_at(d, FD_MONO)->ticks, "fd %d: interval %lld, ticks %llu",
		  FD_MONO, mono ? (long long)mono->interval_ns : -1LL,
		  mono ? (unsigned long long)mono->ticks : 0ULL);
	ptimer_dump_free(after);
	expect_drained(v, 1, 1);
	ptimer_dump_free(d);
}

/* What @d says is left of POSIX timer @id, interval timer @which (if @id < 0), or -1. */
static int64_t left_of(const struct ptimer_dump *d, long long id, int which)
{
	const struct ptimer_itimer *it;
	size_t n;

	for (size_t i = 0; id >= 0 && i < d->ntimers; i++)
		if (d->timers[i].id == id)
			return d->timers[i].value_ns;
	it = ptimer_dump_itimers(d, &n);
	for (size_t i = 0; id < 0 && i < n; i++)
		if (it[i].which == which)
			return it[i].value_ns;
	return -1;
}

/* @what, @before, is left @after, less by at least @least and at most @most. */
static void expect_less_by(const char *what, int64_t before, int64_t after, int64_t least,
			   int64_t most)
{
	cr_expect(after >= 0 && before - after >= least && before - after <= most,
		  "%s: %lld ms left at the dump, %lld ms after the re-arm: %lld ms less,"
		  " where %lld to %lld ms went by", what, (long long)(before / 1000000),
		  (long long)(after / 1000000), (long long)((before - after) / 1000000),
		  (long long)(least / 1000000), (long long)(most / 1000000));
}

/*
 * An undo puts the timers back as if they had never been disarmed: each
 * comes due when it would have, not later by the time it spent disarmed
 * (a migration's restore that failed after seconds, a dump's reader that
 * stalled).  The re-arm used the dumped times as they were, and every
 * timer of the holder came due that much later.  The CPU-time one is
 * frozen: the process's CPU time did not go by with the wall (the kernel
 * adds a tick to an interval timer of CPU time as it sets it).
 */
Test(kinds_lib, a_rearm_takes_off_the_time_spent_disarmed)
{
	const int64_t gap = 1200 * 1000000LL;
	struct victim *v = holder("full");
	struct ptimer_dump *d, *after;
	int64_t t0, most;
	char line[128];
	long long id;
	int r;

	cr_assert_eq(victim_cmd(v, "armedtimer", line, sizeof(line)), 0);
	cr_assert(kv_ll(line, "id", &id), "%s", line);
	t0 = clock_ns(CLOCK_MONOTONIC);
	d = dump_of(v->pid, PTIMER_DUMP_DISARM);
	sleep_ms(gap / 1000000);
	r = ptimer_rearm_pid(ctx, v->pid, d, 0);
	cr_assert_eq(r, 0, "%s (%s)", ptimer_strerror(r), ptimer_last_error(ctx));
	after = dump_of(v->pid, 0);
	most = clock_ns(CLOCK_MONOTONIC) - t0;
	expect_less_by("POSIX timer", left_of(d, id, 0), left_of(after, id, 0), gap, most);
	expect_less_by("ITIMER_REAL", left_of(d, -1, ITIMER_REAL),
		       left_of(after, -1, ITIMER_REAL), gap, most);
	cr_assert(tfd_at(d, FD_REAL) && tfd_at(after, FD_REAL));
	expect_less_by("the realtime timerfd", tfd_at(d, FD_REAL)->value_ns,
		       tfd_at(after, FD_REAL)->value_ns, gap, most);
	expect_less_by("ITIMER_PROF", left_of(d, -1, ITIMER_PROF),
		       left_of(after, -1, ITIMER_PROF), -10 * 1000000LL, 50 * 1000000LL);
	ptimer_dump_free(after);
	expect_drained(v, 1, 1);
	ptimer_dump_free(d);
}

/*
 * A periodic timer that came due while disarmed fires as soon as it is
 * re-armed, late, as a signal the program would have had: the next expiry
 * on its grid would come only a period later, having skipped this one.
 * Here, a timerfd due in 300 ms and every 60 s, disarmed for 1.2 s.
 */
Test(kinds_lib, a_rearm_fires_at_once_what_came_due_while_disarmed)
{
	struct victim *v = holder("full");
	struct ptimer_dump *d;
	int64_t deadline;
	char line[128];
	long long n = 0;
	int r;

	cr_assert_eq(victim_cmd(v, "periodictfd 43 300 60000", line, sizeof(line)), 0);
	cr_assert_str_eq(line, "OK");
	d = dump_of(v->pid, PTIMER_DUMP_DISARM);
	sleep_ms(1200);
	r = ptimer_rearm_pid(ctx, v->pid, d, 0);
	cr_assert_eq(r, 0, "%s (%s)", ptimer_strerror(r), ptimer_last_error(ctx));
	deadline = clock_ns(CLOCK_MONOTONIC) + 10 * 1000000000LL;
	while (!n) {
		cr_assert_eq(victim_cmd(v, "ticks 43", line, sizeof(line)), 0);
		cr_assert(kv_ll(line, "n", &n), "%s", line);
		cr_assert(n || clock_ns(CLOCK_MONOTONIC) < deadline,
			  "the expiry that came while disarmed never fired: %s", line);
		if (!n)
			sleep_ms(1);
	}
	cr_expect_eq(n, 1, "%s", line);
	ptimer_dump_free(d);
}

/*
 * A timerfd the disarming dump read is gone by the re-arm (the program
 * closed it meanwhile): the re-arm says so, and re-arms the rest.
 */
Test(kinds_lib, rearm_without_one_timerfd_rearms_the_rest)
{
	struct victim *v = holder("full");
	struct ptimer_dump *d = dump_of(v->pid, PTIMER_DUMP_DISARM), *after;
	const struct ptimer_timerfd *mono;
	char line[128];
	size_t n;
	int r;

	cr_assert_eq(victim_cmd(v, "close 41", line, sizeof(line)), 0);
	cr_assert_str_eq(line, "OK");
	r = ptimer_rearm_pid(ctx, v->pid, d, 0);
	cr_assert_eq(r, 0, "%s (%s)", ptimer_strerror(r), ptimer_last_error(ctx));
	after = dump_of(v->pid, 0);
	ptimer_dump_itimers(after, &n);
	cr_expect_eq(n, 2, "the interval timers are not re-armed");
	mono = tfd_at(after, FD_MONO);
	cr_expect(mono && mono->interval_ns == 1000000, "fd %d is not re-armed", FD_MONO);
	cr_expect(!tfd_at(after, FD_REAL), "fd %d is back", FD_REAL);
	ptimer_dump_free(after);
	expect_drained(v, 1, 1);
	ptimer_dump_free(d);
}

/*
 * ptimer_rearm_pid() after a disarming dump, with one call of the undo
 * refused by a seccomp filter of the holder's, kept: @call of @arg, or
 * of a POSIX timer with time left if @arg is -1.  An undo puts back all it
 * can, and says the first failure (@why).  It had stopped at the refused
 * call, and left the kinds after it disarmed and the signals that the
 * disarm made stale lost.
 */
static void rearm_refused_one_call(const char *call, int arg, const char *why)
{
	struct victim *v = holder("full");
	struct ptimer_dump *d, *after;
	const struct ptimer_timerfd *mono;
	char cmd[64], line[128];
	long long real, id = arg;
	int r;

	if (arg < 0) {
		cr_assert_eq(victim_cmd(v, "armedtimer", line, sizeof(line)), 0);
		cr_assert(kv_ll(line, "id", &id), "%s", line);
	}
	d = dump_of(v->pid, PTIMER_DUMP_DISARM);
	snprintf(cmd, sizeof(cmd), "deny %s %lld", call, id);
	cr_assert_eq(victim_cmd(v, cmd, line, sizeof(line)), 0);
	cr_assert_str_eq(line, "OK");
	r = ptimer_rearm_pid(ctx, v->pid, d, PTIMER_DUMP_KEEP_SECCOMP);
	cr_assert_eq(r, -EPERM, "%s (%s)", ptimer_strerror(r), ptimer_last_error(ctx));
	cr_expect(strstr(ptimer_last_error(ctx), why), "%s", ptimer_last_error(ctx));
	cr_assert_eq(victim_cmd(v, "itimer", line, sizeof(line)), 0);
	cr_expect(kv_ll(line, "real", &real) && real > 0, "ITIMER_REAL left disarmed: %s", line);
	after = dump_of(v->pid, PTIMER_DUMP_KEEP_SECCOMP);
	mono = tfd_at(after, FD_MONO);
	cr_expect(mono && mono->interval_ns == 1000000, "fd %d left disarmed", FD_MONO);
	ptimer_dump_free(after);
	expect_drained(v, 1, 1);
	ptimer_dump_free(d);
}

/* A POSIX timer's timer_settime() refused: every other kind re-armed all the same. */
Test(kinds_lib, a_rearm_refused_a_timer_puts_back_the_other_kinds)
{
	rearm_refused_one_call("timer_settime", -1, "timer_settime of id");
}

/* setitimer(ITIMER_PROF), set before ITIMER_REAL, refused: ITIMER_REAL re-armed all the same. */
Test(kinds_lib, a_rearm_refused_one_itimer_puts_back_the_other)
{
	rearm_refused_one_call("setitimer", ITIMER_PROF, "setitimer(prof)");
}

static bool attached;

static void note_attached(struct ptimer_ctx *c, enum ptimer_phase phase)
{
	(void)c;
	attached |= phase == PTIMER_PHASE_ATTACHED;
}

/*
 * A dump with a setting the kernel would refuse is refused, naming the
 * field, before any attach: a re-arm takes EINVAL from timer_settime()
 * for a timer the program deleted since, and must not take a bad value
 * for one.
 */
Test(kinds_lib, rearm_refuses_a_bad_dump_before_attaching)
{
	struct victim *v = holder("full");
	struct ptimer_timer t = {
		.id = 0, .clockid = CLOCK_MONOTONIC, .notify = PTIMER_NOTIFY_NONE,
		.value_ns = -1000000,
	};
	struct ptimer_dump *d = ptimer_dump_new();
	int r;

	cr_assert(d);
	d->pid = v->pid;
	cr_assert_eq(ptimer_dump_add_timer(d, &t), 0);
	attached = false;
	ptimer_set_phase_fn(ctx, note_attached);
	r = ptimer_rearm_pid(ctx, v->pid, d, 0);
	ptimer_set_phase_fn(ctx, NULL);
	cr_expect_eq(r, -PTIMER_ERR_BAD_DUMP, "%s (%s)", ptimer_strerror(r), ptimer_last_error(ctx));
	cr_expect(strstr(ptimer_last_error(ctx), "timers[0]"), "%s", ptimer_last_error(ctx));
	cr_expect(!attached, "the target was attached");
	ptimer_dump_free(d);
}

/* Restoring @d into @v is refused as a bad dump, saying @what, before any attach. */
static void expect_refused_before_attaching(struct victim *v, struct ptimer_dump *d,
					    const char *what)
{
	struct ptimer_restore_opts o = { .size = sizeof(o) };
	int r;

	attached = false;
	ptimer_set_phase_fn(ctx, note_attached);
	r = ptimer_restore_pid(ctx, v->pid, d, &o, NULL, NULL);
	ptimer_set_phase_fn(ctx, NULL);
	cr_expect_eq(r, -PTIMER_ERR_BAD_DUMP, "%s (%s)", ptimer_strerror(r), ptimer_last_error(ctx));
	cr_expect(strstr(ptimer_last_error(ctx), what), "%s", ptimer_last_error(ctx));
	cr_expect(!attached, "the target was attached");
}

/*
 * A pending SIGKILL is refused, naming the field, before any attach: a
 * live dump never holds one (it kills as it is sent), and a restore that
 * queued it would kill the process it restores into.
 */
Test(kinds_lib, a_pending_sigkill_is_refused_before_attaching)
{
	struct victim *v = holder("fresh");
	struct ptimer_pending_signal s = { .signo = SIGKILL, .timerid = 0 };
	struct ptimer_dump *d = ptimer_dump_new();
	char line[64];

	cr_assert(d);
	d->pid = v->pid;
	ptimer_dump_set_kinds(d, PTIMER_KIND_SIGNALS);
	cr_assert_eq(ptimer_dump_add_signal(d, &s), 0);
	expect_refused_before_attaching(v, d, "pending_signals[0].signal: 9 (SIGKILL)");
	cr_assert_eq(victim_cmd(v, "ping", line, sizeof(line)), 0, "the holder is gone");
	ptimer_dump_free(d);
}

/* What fd @fd of @pid is: "timerfd", "free", or another file. */
static const char *fd_kind(pid_t pid, int fd, char *buf, size_t size)
{
	char path[64];
	ssize_t len;

	snprintf(path, sizeof(path), "/proc/%d/fd/%d", pid, fd);
	len = readlink(path, buf, size - 1);
	if (len < 0)
		return "free";
	buf[len] = '\0';
	return strstr(buf, "timerfd") ? "timerfd" : buf;
}

/*
 * A new timerfd lands at the lowest free fd; when that is where another
 * one goes, it is made alone and moved away before the other is made,
 * which then lands at the fd the move set free: the restore foresees
 * each landing, or calls the descriptors changed.
 */
Test(kinds_lib, a_timerfd_landing_on_another_s_fd_is_moved_away_first)
{
	struct victim *dst = holder("fresh");
	struct ptimer_restore_opts o = { .size = sizeof(o) };
	struct ptimer_dump *d = ptimer_dump_new();
	char buf[128];
	int low = 0, want[2], r;

	cr_assert(d);
	while (strcmp(fd_kind(dst->pid, low, buf, sizeof(buf)), "free"))
		low++;
	/* The first lands at low, the second would land at the first's fd. */
	want[0] = low + 1;
	want[1] = 200;
	cr_assert_str_eq(fd_kind(dst->pid, want[0], buf, sizeof(buf)), "free");
	cr_assert_str_eq(fd_kind(dst->pid, want[1], buf, sizeof(buf)), "free");
	ptimer_dump_set_kinds(d, PTIMER_KIND_TIMERFD);
	d->pid = dst->pid;
	d->nthreads = 1;
	d->tids = calloc(1, sizeof(pid_t));
	cr_assert(d->tids);
	d->tids[0] = dst->pid;
	for (size_t i = 0; i < 2; i++) {
		struct ptimer_timerfd t = { .fd = want[i], .clockid = CLOCK_MONOTONIC };

		cr_assert_eq(ptimer_dump_add_timerfd(d, &t), 0);
	}
	r = ptimer_restore_pid(ctx, dst->pid, d, &o, NULL, NULL);
	cr_expect_eq(r, 0, "%s (%s)", ptimer_strerror(r), ptimer_last_error(ctx));
	cr_expect_str_eq(fd_kind(dst->pid, want[0], buf, sizeof(buf)), "timerfd");
	cr_expect_str_eq(fd_kind(dst->pid, want[1], buf, sizeof(buf)), "timerfd");
	cr_expect_str_eq(fd_kind(dst->pid, low, buf, sizeof(buf)), "free");
	ptimer_dump_free(d);
}

/*
 * A dump built through the API is in its own order, which the refusal of
 * a repeated fd names: the first entry that repeats an earlier one, and
 * the earliest that it repeats, before any attach.
 */
Test(kinds_lib, a_repeated_timerfd_is_refused_by_its_first_repeat)
{
	static const int fds[] = { 7, 5, 9, 5, 7 };
	struct victim *v = holder("fresh");
	struct ptimer_dump *d = ptimer_dump_new();

	cr_assert(d);
	d->pid = v->pid;
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		struct ptimer_timerfd t = { .fd = fds[i], .clockid = CLOCK_MONOTONIC };

		cr_assert_eq(ptimer_dump_add_timerfd(d, &t), 0);
	}
	expect_refused_before_attaching(v, d, "timerfds[3].fd: duplicate fd 5 (also timerfds[1])");
	ptimer_dump_free(d);
}

/* A collision leaves the target as it was: the same fd, the same timers. */
Test(kinds_lib, collisions_change_nothing)
{
	struct victim *src = holder("full"), *dst = holder("full");
	struct ptimer_restore_opts o = { .size = sizeof(o) };
	struct ptimer_dump *d = dump_of(src->pid, 0), *before, *after;
	size_t nb, na;
	int r;

	cr_assert_eq(ptimer_set_kinds(ctx, PTIMER_KIND_ITIMER | PTIMER_KIND_TIMERFD), 0);
	before = dump_of(dst->pid, 0);
	r = ptimer_restore_pid(ctx, dst->pid, d, &o, NULL, NULL);
	cr_expect_eq(r, -PTIMER_ERR_ID_IN_USE, "%s (%s)", ptimer_strerror(r),
		     ptimer_last_error(ctx));
	cr_expect(strstr(ptimer_last_error(ctx), "interval timer"), "%s", ptimer_last_error(ctx));
	after = dump_of(dst->pid, 0);
	ptimer_dump_itimers(before, &nb);
	ptimer_dump_itimers(after, &na);
	cr_expect_eq(na, nb);
	cr_expect(ptimer_dump_itimers(after, &na)[0].value_ns <=
		  ptimer_dump_itimers(before, &nb)[0].value_ns, "not set again");
	ptimer_dump_free(after);
	ptimer_dump_free(before);

	/* With replace it goes through. */
	o.replace = true;
	r = ptimer_restore_pid(ctx, dst->pid, d, &o, NULL, NULL);
	cr_expect_eq(r, 0, "%s (%s)", ptimer_strerror(r), ptimer_last_error(ctx));
	ptimer_dump_free(d);
}

Test(kinds_lib, an_fd_in_use_collides_and_replace_puts_it_back_on_failure)
{
	struct victim *src = holder("full"), *dst = holder("fresh");
	struct ptimer_restore_opts o = { .size = sizeof(o) };
	struct ptimer_dump *d = dump_of(src->pid, 0);
	struct ptimer_dump *only = ptimer_dump_new();
	struct ptimer_timerfd t = *tfd_at(d, FD_MONO);
	char path[64], link[128];
	ssize_t len;
	int r;

	cr_assert_not_null(only);
	ptimer_dump_set_kinds(only, PTIMER_KIND_TIMERFD);
	only->pid = d->pid;
	only->nthreads = 1;
	only->tids = calloc(1, sizeof(pid_t));
	only->tids[0] = d->pid;
	t.fd = FD_OTHER;
	cr_assert_eq(ptimer_dump_add_timerfd(only, &t), 0);
	r = ptimer_restore_pid(ctx, dst->pid, only, &o, NULL, NULL);
	cr_expect_eq(r, -PTIMER_ERR_ID_IN_USE, "%s (%s)", ptimer_strerror(r),
		     ptimer_last_error(ctx));
	snprintf(path, sizeof(path), "/proc/%d/fd/%d", dst->pid, FD_OTHER);
	len = readlink(path, link, sizeof(link) - 1);
	cr_assert_gt(len, 0);
	link[len] = '\0';
	cr_expect_str_eq(link, "/dev/null", "fd %d untouched", FD_OTHER);
	ptimer_dump_free(only);
	ptimer_dump_free(d);
}

/* --time=deadline takes the time since the dump off ITIMER_REAL and the timerfds. */
Test(kinds_lib, deadline_applies_to_itimer_real_and_timerfds)
{
	struct victim *src = holder("full"), *dst = holder("fresh");
	struct ptimer_restore_opts o = { .size = sizeof(o), .time = PTIMER_TIME_DEADLINE };
	struct ptimer_dump *d = dump_of(src->pid, 0);
	const int64_t away = 30 * 1000000000LL;
	char line[512];
	long long x;
	int r;

	/* As if the dump had been taken 30 s ago. */
	d->realtime_ns -= away;
	d->monotonic_ns -= away;
	d->boottime_ns -= away;
	r = ptimer_restore_pid(ctx, dst->pid, d, &o, NULL, NULL);
	cr_assert_eq(r, 0, "%s (%s)", ptimer_strerror(r), ptimer_last_error(ctx));
	cr_assert_eq(victim_cmd(dst, "itimer", line, sizeof(line)), 0);
	cr_expect(kv_ll(line, "real", &x) && x >= 60 && x <= 70, "real 100 s - 30 s: %s", line);
	cr_expect(kv_ll(line, "prof", &x) && x >= 49 && x <= 50, "CPU time stays frozen: %s", line);
	cr_assert_eq(victim_cmd(dst, "tfd", line, sizeof(line)), 0);
	cr_expect(kv_ll(line, "real", &x) && x > 60 * 1000000000LL && x <= 70 * 1000000000LL,
		  "absolute realtime timerfd, 100 s - 30 s: %s", line);
	ptimer_dump_free(d);
}

static volatile sig_atomic_t stop_flag;
static enum ptimer_phase stop_at = PTIMER_PHASE_ARMED;

static void stop_when_armed(struct ptimer_ctx *c, enum ptimer_phase phase)
{
	(void)c;
	if (phase == stop_at)
		stop_flag = 1;
}

/* A restore of @d into @pid with --replace, @fn watching its phases and able to stop it. */
static int restore_watched(pid_t pid, const struct ptimer_dump *d,
			   void (*fn)(struct ptimer_ctx *c, enum ptimer_phase phase))
{
	struct ptimer_restore_opts o = { .size = sizeof(o), .replace = true };
	int r;

	stop_flag = 0;
	ptimer_set_interrupt(ctx, &stop_flag);
	ptimer_set_phase_fn(ctx, fn);
	r = ptimer_restore_pid(ctx, pid, d, &o, NULL, NULL);
	ptimer_set_phase_fn(ctx, NULL);
	ptimer_set_interrupt(ctx, NULL);
	return r;
}

static void fd_link(pid_t pid, int fd, char *buf, size_t size)
{
	char path[64];
	ssize_t len;

	snprintf(path, sizeof(path), "/proc/%d/fd/%d", pid, fd);
	len = readlink(path, buf, size - 1);
	cr_assert_gt(len, 0, "%s", path);
	buf[len] = '\0';
}

/*
 * --replace over a descriptor of the target, then an interrupt at the
 * last moment: the rollback puts the very same file back at its fd and
 * disarms the interval timer.
 */
Test(kinds_lib, rollback_puts_a_replaced_fd_back)
{
	struct victim *src = holder("full"), *dst = holder("fresh");
	struct ptimer_restore_opts o = { .size = sizeof(o), .replace = true };
	struct ptimer_dump *d = dump_of(src->pid, 0), *only = ptimer_dump_new();
	struct ptimer_timerfd t = *tfd_at(d, FD_MONO);
	char before[128], after[128], line[512];
	long long x;
	size_t n;
	int r;

	cr_assert_not_null(only);
	only->pid = d->pid;
	only->nthreads = 1;
	only->tids = calloc(1, sizeof(pid_t));
	only->tids[0] = d->pid;
	t.fd = FD_OTHER;
	cr_assert_eq(ptimer_dump_add_timerfd(only, &t), 0);
	cr_assert_eq(ptimer_dump_add_itimer(only, ptimer_dump_itimers(d, &n)), 0);
	fd_link(dst->pid, FD_OTHER, before, sizeof(before));
	cr_assert_str_eq(before, "/dev/null");
	r = restore_watched(dst->pid, only, stop_when_armed);
	cr_expect_eq(r, -EINTR, "%s (%s)", ptimer_strerror(r), ptimer_last_error(ctx));
	fd_link(dst->pid, FD_OTHER, after, sizeof(after));
	cr_expect_str_eq(after, before, "the same file again");
	cr_assert_eq(victim_cmd(dst, "itimer", line, sizeof(line)), 0);
	cr_expect(kv_ll(line, "real", &x) && x == 0, "the interval timer was undone: %s", line);

	/* Without the interrupt the timerfd takes its place. */
	r = ptimer_restore_pid(ctx, dst->pid, only, &o, NULL, NULL);
	cr_expect_eq(r, 0, "%s (%s)", ptimer_strerror(r), ptimer_last_error(ctx));
	fd_link(dst->pid, FD_OTHER, after, sizeof(after));
	cr_expect_str_eq(after, "anon_inode:[timerfd]");
	ptimer_dump_free(only);
	ptimer_dump_free(d);
}

/*
 * The holder restored into itself with --replace: its three timers,
 * whose signals are queued, are re-armed in place, which since 6.13
 * leaves those signals stale, dropped at delivery.  Each dumped signal
 * must still come once: the stale SIGALRM, a legacy signal with one
 * place in the queue, would have the dump's dropped as its duplicate.
 * Before 6.13 the queued ones stay live, and the dump's would come a
 * second time.
 */
static void replace_into_itself(const struct ptimer_restore_opts *o)
{
	struct victim *v = holder("full");
	struct ptimer_dump *d = dump_of(v->pid, 0);
	int r;

	r = ptimer_restore_pid(ctx, v->pid, d, o, NULL, NULL);
	cr_assert_eq(r, 0, "%s (%s)", ptimer_strerror(r), ptimer_last_error(ctx));
	expect_drained(v, 1, 1);
	ptimer_dump_free(d);
}

Test(kinds_lib, replace_into_itself_delivers_each_signal_once)
{
	struct ptimer_restore_opts o = { .size = sizeof(o), .replace = true };

	replace_into_itself(&o);
}

/*
 * A --replace of the holder's three timers, each with a queued signal,
 * interrupted at @phase: the rollback puts the timers back, and their
 * signals, which deleting or re-arming them made stale, must come all
 * the same, once, with their siginfo.  @differ: the dump's timers differ
 * in their sigval, so that they are deleted; the same, they are re-armed
 * in place.
 */
static void replace_rolled_back_keeps_the_signals(bool differ, enum ptimer_phase phase)
{
	struct victim *v = holder("full");
	struct ptimer_dump *d = dump_of(v->pid, 0);
	int r;

	if (differ) {
		/* A walk refuses a --replace that deletes: the prctl makes them again. */
		harness_need_restore_ids();
		for (size_t i = 0; i < d->ntimers; i++)
			d->timers[i].sigval ^= 0x1000;
	}
	stop_at = phase;
	r = restore_watched(v->pid, d, stop_when_armed);
	stop_at = PTIMER_PHASE_ARMED;
	cr_assert_eq(r, -EINTR, "%s (%s)", ptimer_strerror(r), ptimer_last_error(ctx));
	expect_drained(v, 1, 1);
	ptimer_dump_free(d);
}

Test(kinds_lib, a_rolled_back_replace_of_the_same_timers_keeps_the_signals)
{
	replace_rolled_back_keeps_the_signals(false, PTIMER_PHASE_ARMED);
}

Test(kinds_lib, a_rolled_back_replace_of_other_timers_keeps_the_signals)
{
	replace_rolled_back_keeps_the_signals(true, PTIMER_PHASE_ARMED);
}

/* Rolled back before anything is armed: none re-armed in place yet, their signals live. */
Test(kinds_lib, a_replace_rolled_back_before_arming_keeps_the_signals)
{
	replace_rolled_back_keeps_the_signals(false, PTIMER_PHASE_CREATED);
}

/*
 * A --replace whose deletion of timer @refused is refused (a seccomp
 * filter of the holder's own, kept by keep_seccomp) deletes the others
 * and fails.  The rollback may make again, and queue a signal again for,
 * only the timers it deleted: the refused one was never deleted, so its
 * queued signal is still its own, live, and a copy would be a second;
 * made again, it is EBUSY, and the rollback stopped there had lost the
 * timers after it.
 */
static void replace_refused_one_deletion(size_t refused)
{
	struct ptimer_restore_opts o = {
		.size = sizeof(o), .replace = true, .keep_seccomp = true,
	};
	struct victim *v = holder("full");
	struct ptimer_dump *d = dump_of(v->pid, 0), *after;
	char cmd[64], line[128];
	int r;

	harness_need_restore_ids();
	cr_assert_eq(d->ntimers, 3);
	for (size_t i = 0; i < d->ntimers; i++)
		d->timers[i].sigval ^= 0x1000;
	snprintf(cmd, sizeof(cmd), "deny timer_delete %d", d->timers[refused].id);
	cr_assert_eq(victim_cmd(v, cmd, line, sizeof(line)), 0);
	cr_assert_str_eq(line, "OK");
	r = ptimer_restore_pid(ctx, v->pid, d, &o, NULL, NULL);
	cr_assert_eq(r, -EPERM, "%s (%s)", ptimer_strerror(r), ptimer_last_error(ctx));
	cr_expect(strstr(ptimer_last_error(ctx), "deleting the timers"), "%s",
		  ptimer_last_error(ctx));
	after = dump_of(v->pid, PTIMER_DUMP_KEEP_SECCOMP);
	cr_assert_eq(after->ntimers, 3, "%zu timers after the rollback", after->ntimers);
	for (size_t i = 0; i < after->ntimers; i++) {
		cr_expect_eq(after->timers[i].id, d->timers[i].id);
		cr_expect_eq(after->timers[i].sigval, d->timers[i].sigval ^ 0x1000,
			     "timer %d: sigval %#llx", after->timers[i].id,
			     (unsigned long long)after->timers[i].sigval);
	}
	ptimer_dump_free(after);
	expect_drained(v, 1, 1);
	ptimer_dump_free(d);
}

/* The timers are deleted newest first: the middle one refused, the last goes all the same. */
Test(kinds_lib, a_replace_refused_one_deletion_rolls_back_only_the_others)
{
	replace_refused_one_deletion(1);
}

/* The oldest, deleted last, refused. */
Test(kinds_lib, a_replace_refused_its_last_deletion_rolls_back_only_the_others)
{
	replace_refused_one_deletion(0);
}

/* The library's errors, one a line, for a test to read. */
static char error_log[4096];

__attribute__((format(printf, 6, 0)))
static void keep_errors(struct ptimer_ctx *c, int priority, const char *file, int line,
			const char *fn, const char *format, va_list args)
{
	size_t len = strlen(error_log);

	if (priority > LOG_ERR || len + 2 >= sizeof(error_log))
		return;
	vsnprintf(error_log + len, sizeof(error_log) - len - 1, format, args);
	strcat(error_log, "\n");
}

/*
 * A walk whose timer_delete of the id it passes is refused (a seccomp
 * filter of the holder's, kept): the walk stops with that step's timer
 * made and not deleted.  The rollback must know of it: delete it or, as
 * here, where the same filter refuses that too, say the rollback is
 * incomplete, never claim the target is as it was with a timer it never
 * made left in it.
 */
Test(kinds_lib, a_walk_refused_a_deletion_leaves_no_timer_unsaid)
{
	struct ptimer_restore_opts o = {
		.size = sizeof(o), .keep_seccomp = true, .method = PTIMER_METHOD_WALK,
	};
	struct victim *v = holder("full");
	struct ptimer_dump *d = dump_of(v->pid, 0), *after;
	char cmd[64], line[128];
	int passed, r;

	cr_assert_eq(d->ntimers, 3);
	/* The counter stands past the holder's newest; the walk passes that id first. */
	passed = d->timers[2].id + 1;
	ptimer_dump_set_kinds(d, PTIMER_KIND_POSIX);
	d->timers[0].id = passed + 1;
	d->ntimers = 1;
	snprintf(cmd, sizeof(cmd), "deny timer_delete %d", passed);
	cr_assert_eq(victim_cmd(v, cmd, line, sizeof(line)), 0);
	cr_assert_str_eq(line, "OK");
	error_log[0] = '\0';
	ptimer_set_log_fn(ctx, keep_errors);
	r = ptimer_restore_pid(ctx, v->pid, d, &o, NULL, NULL);
	ptimer_set_log_fn(ctx, NULL);
	cr_assert_eq(r, -EPERM, "%s (%s)", ptimer_strerror(r), ptimer_last_error(ctx));
	after = dump_of(v->pid, PTIMER_DUMP_KEEP_SECCOMP);
	cr_assert_eq(after->ntimers, 4, "the walk did not stop at timer %d as meant: %zu timers",
		     passed, after->ntimers);
	cr_expect_eq(after->timers[3].id, passed);
	cr_expect(strstr(error_log, "could not delete every created timer"),
		  "timer %d left in pid %d, unsaid: %s", passed, v->pid, error_log);
	ptimer_dump_free(after);
	ptimer_dump_free(d);
}

/* Whether this kernel reads a timerfd with preadv2(RWF_NOWAIT): since 6.10's read_iter. */
static bool timerfd_reads_nowait(void)
{
	uint64_t ticks;
	struct iovec iov = { .iov_base = &ticks, .iov_len = sizeof(ticks) };
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	bool ok;

	cr_assert_geq(fd, 0);
	ok = preadv2(fd, &iov, 1, -1, RWF_NOWAIT) >= 0 || errno != EOPNOTSUPP;
	close(fd);
	return ok;
}

/* A dump of @like's process with the one timerfd @t. */
static struct ptimer_dump *dump_of_timerfd(const struct ptimer_dump *like,
					   const struct ptimer_timerfd *t)
{
	struct ptimer_dump *only = ptimer_dump_new();

	cr_assert_not_null(only);
	only->pid = like->pid;
	only->nthreads = 1;
	only->tids = calloc(1, sizeof(pid_t));
	cr_assert_not_null(only->tids);
	only->tids[0] = like->pid;
	cr_assert_eq(ptimer_dump_add_timerfd(only, t), 0);
	ptimer_dump_set_kinds(only, PTIMER_KIND_TIMERFD);
	return only;
}

/*
 * A timerfd the program has at fd 50, disarmed with nothing pending, and
 * a dump's armed one there with 3 expirations: re-armed in place, in one
 * batch of timerfd_settime() and TFD_IOC_SET_TICKS.  The settime refused
 * (a seccomp filter of the holder's, kept), the batch ran on and the
 * ioctl gave the program's timerfd 3 expirations that never came; the
 * rollback must take them away again.
 */
Test(kinds_lib, a_refused_timerfd_settime_leaves_no_expirations_behind)
{
	struct ptimer_restore_opts o = { .size = sizeof(o), .keep_seccomp = true };
	struct victim *v = holder("fresh");
	struct ptimer_dump *d, *only;
	struct ptimer_timerfd t;
	char line[128];
	long long n;
	int r;

	if (!timerfd_reads_nowait())
		cr_skip_test("this kernel cannot read a timerfd without blocking (before 6.10):"
			     " the count forced on it is said, not taken back");
	cr_assert_eq(victim_cmd(v, "idletfd 50", line, sizeof(line)), 0);
	cr_assert_str_eq(line, "OK");
	d = dump_of(v->pid, 0);
	t = *tfd_at(d, 50);
	t.value_ns = 100000000000LL;	/* 100 s */
	t.ticks = 3;
	only = dump_of_timerfd(d, &t);
	cr_assert_eq(victim_cmd(v, "deny timerfd_settime 50", line, sizeof(line)), 0);
	cr_assert_str_eq(line, "OK");
	r = ptimer_restore_pid(ctx, v->pid, only, &o, NULL, NULL);
	cr_assert_eq(r, -EPERM, "%s (%s)", ptimer_strerror(r), ptimer_last_error(ctx));
	cr_assert_eq(victim_cmd(v, "ticks 50", line, sizeof(line)), 0);
	cr_expect(kv_ll(line, "n", &n) && n == 0, "expirations left by the rollback: %s", line);
	ptimer_dump_free(only);
	ptimer_dump_free(d);
}

/*
 * --replace over the holder's /dev/null at fd 42, interrupted once armed:
 * the rollback's dup3() of its spare back onto 42 is refused (a filter
 * of the holder's, kept, refusing dup3() onto 42 from a higher fd).  The
 * spare is then the program's only hold on its file: closed all the
 * same, the file was gone.  It must stay open, and be said.
 */
Test(kinds_lib, a_refused_put_back_keeps_the_file_open_and_says_where)
{
	struct ptimer_restore_opts o = {
		.size = sizeof(o), .replace = true, .keep_seccomp = true,
	};
	struct victim *src = holder("full"), *dst = holder("fresh");
	struct ptimer_dump *d = dump_of(src->pid, 0), *only;
	struct ptimer_timerfd t = *tfd_at(d, FD_MONO);
	char cmd[64], line[128], link[128];
	const char *at;
	int r, spare;

	t.fd = FD_OTHER;
	only = dump_of_timerfd(d, &t);
	snprintf(cmd, sizeof(cmd), "deny dup3 %d", FD_OTHER);
	cr_assert_eq(victim_cmd(dst, cmd, line, sizeof(line)), 0);
	cr_assert_str_eq(line, "OK");
	error_log[0] = '\0';
	ptimer_set_log_fn(ctx, keep_errors);
	stop_flag = 0;
	ptimer_set_interrupt(ctx, &stop_flag);
	ptimer_set_phase_fn(ctx, stop_when_armed);
	r = ptimer_restore_pid(ctx, dst->pid, only, &o, NULL, NULL);
	ptimer_set_phase_fn(ctx, NULL);
	ptimer_set_interrupt(ctx, NULL);
	ptimer_set_log_fn(ctx, NULL);
	cr_assert_eq(r, -EINTR, "%s (%s)", ptimer_strerror(r), ptimer_last_error(ctx));
	at = strstr(error_log, "it stays open at fd ");
	cr_assert(at, "the rollback does not say where the file is: %s", error_log);
	spare = atoi(at + strlen("it stays open at fd "));
	fd_link(dst->pid, spare, link, sizeof(link));
	cr_expect_str_eq(link, "/dev/null", "fd %d", spare);
	ptimer_dump_free(only);
	ptimer_dump_free(d);
}

/* The signals and timers of @pid's user now queued, from SigQ. */
static unsigned long long sigq_used(pid_t pid)
{
	char path[64], line[256];
	unsigned long long used = 0, limit;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	cr_assert(f, "%s", path);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "SigQ: %llu/%llu", &used, &limit) == 2)
			break;
	fclose(f);
	return used;
}

/*
 * The holder, as a user of its own, may queue one signal more than it
 * has: too few to queue its three timers' signals again, should a
 * --replace that makes them stale roll back.  The restore (its signals
 * left out, so that nothing else asks for room) must refuse before it
 * changes anything, name the limit, and leave the signals as they were.
 * Let through, the interrupt's rollback could queue none of the real-time
 * ones again.
 */
Test(kinds_lib, a_replace_with_no_room_to_roll_back_its_signals_is_refused)
{
	struct victim *v = holder_as("full", 64177);
	struct ptimer_dump *d = dump_of(v->pid, 0);
	char cmd[64], line[128];
	int r;

	if (!harness_stale_signals_dropped())
		cr_skip_test("this kernel delivers stale timer signals: nothing to queue again");
	snprintf(cmd, sizeof(cmd), "sigpending %llu", sigq_used(v->pid) + 1);
	cr_assert_eq(victim_cmd(v, cmd, line, sizeof(line)), 0);
	cr_assert_str_eq(line, "OK");
	ptimer_dump_set_kinds(d, PTIMER_KIND_POSIX);
	r = restore_watched(v->pid, d, stop_when_armed);
	cr_expect_eq(r, -EAGAIN, "%s (%s)", ptimer_strerror(r), ptimer_last_error(ctx));
	cr_expect(strstr(ptimer_last_error(ctx), "RLIMIT_SIGPENDING"), "%s",
		  ptimer_last_error(ctx));
	expect_drained(v, 1, 1);
	ptimer_dump_free(d);
}

/* How many of @d's pending signals are @signo. */
static size_t signals_numbered(const struct ptimer_dump *d, int signo)
{
	const struct ptimer_pending_signal *s;
	size_t n, count = 0;

	s = ptimer_dump_signals(d, &n);
	for (size_t i = 0; i < n; i++)
		count += s[i].signo == signo;
	return count;
}

/*
 * Two timers' SIGALRMs queued for the process, a timer's own signal
 * being queued whatever else is: the dump replaces only timer 2 (0x77),
 * and its rollback must not take the other's (0x78, timer 3, left alone)
 * to clear timer 2's stale one: the kernel's purge drops a stale entry
 * and goes on to the next.  Timer 2's is then lost, and said; the other
 * comes, once.
 */
Test(kinds_lib, a_rolled_back_replace_takes_no_live_signal_of_another_timer)
{
	struct victim *v = holder("twoalarms");
	struct ptimer_dump *d = NULL, *only = ptimer_dump_new();
	int64_t deadline = harness_deadline(30000);
	char line[512];
	long long n;
	int r;

	harness_need_restore_ids();
	if (!harness_stale_signals_dropped())
		cr_skip_test("this kernel delivers stale timer signals: nothing to take out");
	for (;;) {
		d = dump_of(v->pid, 0);
		if (signals_numbered(d, SIGALRM) == 2)
			break;
		ptimer_dump_free(d);
		cr_assert(clock_ns(CLOCK_MONOTONIC) < deadline, "the second SIGALRM never queued");
		sleep_ms(1);
	}
	cr_assert_not_null(only);
	only->pid = d->pid;
	only->nthreads = d->nthreads;
	only->tids = calloc(d->nthreads, sizeof(pid_t));
	cr_assert_not_null(only->tids);
	memcpy(only->tids, d->tids, d->nthreads * sizeof(pid_t));
	ptimer_dump_set_kinds(only, PTIMER_KIND_POSIX);
	for (size_t i = 0; i < d->ntimers; i++)
		if (d->timers[i].signo == SIGALRM && d->timers[i].sigval == 0x77) {
			struct ptimer_timer x = d->timers[i];

			x.sigval = 0x7777;
			cr_assert_eq(ptimer_dump_add_timer(only, &x), 0);
		}
	cr_assert_eq(only->ntimers, 1);
	r = restore_watched(v->pid, only, stop_when_armed);
	cr_expect_eq(r, -EINTR, "%s (%s)", ptimer_strerror(r), ptimer_last_error(ctx));
	cr_expect(strstr(ptimer_last_error(ctx), "incomplete"), "%s", ptimer_last_error(ctx));
	cr_assert_eq(victim_cmd(v, "drain", line, sizeof(line)), 0);
	cr_expect(kv_ll(line, "nalrm", &n) && n == 1 && strstr(line, "valalrm=78"),
		  "the other timer's SIGALRM was taken: %s", line);
	ptimer_dump_free(only);
	ptimer_dump_free(d);
}

/* The holder in @mode, once a dump shows @n SIGALRMs queued. */
static struct victim *holder_with_alarms(const char *mode, size_t n)
{
	struct victim *v = holder(mode);
	int64_t deadline = harness_deadline(30000);

	for (;;) {
		struct ptimer_dump *d = dump_of(v->pid, 0);
		size_t got = signals_numbered(d, SIGALRM);

		ptimer_dump_free(d);
		if (got == n)
			return v;
		cr_assert(clock_ns(CLOCK_MONOTONIC) < deadline, "%zu SIGALRMs queued, not %zu", got,
			  n);
		sleep_ms(1);
	}
}

/* ptimer_rearm_pid() of @d into @v, then what its "drain" took, in @line. */
static void rearm_and_drain(struct victim *v, const struct ptimer_dump *d, char *line,
			    size_t size)
{
	int r = ptimer_rearm_pid(ctx, v->pid, d, 0);

	cr_assert_eq(r, 0, "%s (%s)", ptimer_strerror(r), ptimer_last_error(ctx));
	cr_assert_eq(victim_cmd(v, "drain", line, size), 0);
}

/*
 * A SIGALRM of a timer queued for the main thread, which ptimerctl
 * injects into, and another's for the process: disarmed, re-armed.  The
 * re-arm queues both again, each after taking its stale copy out; a
 * purge for the process's, run after the thread's had been queued again,
 * took that one, the kernel taking the thread's own queue first.
 */
Test(kinds_lib, a_rearm_purges_before_it_queues)
{
	struct victim *v = holder_with_alarms("threadalarm", 2);
	struct ptimer_dump *d = dump_of(v->pid, PTIMER_DUMP_DISARM);
	char line[512];
	long long n;

	rearm_and_drain(v, d, line, sizeof(line));
	cr_expect(kv_ll(line, "nalrm", &n) && n == 2, "a SIGALRM was lost: %s", line);
	ptimer_dump_free(d);
}

/*
 * The process's stale SIGALRM, its timer disarmed by the dump, and a live
 * one of no timer in the queue of the thread ptimerctl injects into: the
 * re-arm's purge, run in that thread, takes that queue first, so it took
 * the live one and left the stale one, which then dropped the dump's
 * copy as its duplicate.  Neither came.  The live one must.
 */
Test(kinds_lib, a_rearm_takes_no_live_signal_of_the_injecting_thread)
{
	struct victim *v = holder_with_alarms("full", 1);
	struct ptimer_dump *d = dump_of(v->pid, PTIMER_DUMP_DISARM);
	char line[512];
	long long n, code;

	cr_assert_eq(victim_cmd(v, "tkill", line, sizeof(line)), 0);
	cr_assert_str_eq(line, "OK");
	rearm_and_drain(v, d, line, sizeof(line));
	/* Before 6.13 the disarmed timer's SIGALRM stays live, and both come. */
	if (!harness_stale_signals_dropped()) {
		cr_expect(kv_ll(line, "nalrm", &n) && n == 2, "%s", line);
	} else {
		/* The thread's own, which no timer sent, not the dump's copy. */
		cr_expect(kv_ll(line, "nalrm", &n) && n == 1 && kv_ll(line, "codealrm", &code) &&
			  code != SI_TIMER, "the live SIGALRM was taken: %s", line);
	}
	ptimer_dump_free(d);
}

/*
 * The re-arm of the signals alone (the kinds asked leave the timers
 * disarmed): the timers are out of its view, but each was disarmed, and
 * its stale SIGALRM must still be taken out for the copy.  Read only for
 * the timers in view, none was held, and the copy was dropped.
 */
Test(kinds_lib, a_rearm_of_the_signals_alone_takes_their_stale_copies_out)
{
	struct victim *v = holder_with_alarms("full", 1);
	struct ptimer_dump *d = dump_of(v->pid, PTIMER_DUMP_DISARM);
	char line[512];
	long long n;

	cr_assert_eq(ptimer_set_kinds(ctx, PTIMER_KIND_SIGNALS), 0);
	rearm_and_drain(v, d, line, sizeof(line));
	cr_expect(kv_ll(line, "nalrm", &n) && n == 1, "the SIGALRM was lost: %s", line);
	cr_expect(kv_ll(line, "nproc", &n) && n == 1 && kv_ll(line, "nthread", &n) && n == 1,
		  "%s", line);
	ptimer_dump_free(d);
}

/*
 * A periodic timer whose SIGALRM, for the thread the re-arm injects into,
 * was queued at the disarm, and which the re-arm sets to fire at once:
 * its stale entry turns live again.  The purge, made for the copy, takes
 * it as a live signal; put back (for the process) beside the copy, it
 * came twice.  The copy stands for it.  The timer fires every microsecond,
 * so it always has, by the purge.
 */
Test(kinds_lib, a_rearm_takes_a_revived_signal_once)
{
	struct victim *v = holder("latealarm");
	struct ptimer_dump *d = dump_of(v->pid, PTIMER_DUMP_DISARM);
	const struct ptimer_timer *t;
	char line[512];
	long long n;
	size_t nt;
	int r;

	nt = d->ntimers;
	t = d->timers;
	cr_assert_eq(nt, 1);
	cr_assert(t[0].value_ns > 0 && t[0].value_ns <= 1000000, "due in %lld ns, not at once",
		  (long long)t[0].value_ns);
	r = ptimer_rearm_pid(ctx, v->pid, d, 0);
	cr_assert_eq(r, 0, "%s (%s)", ptimer_strerror(r), ptimer_last_error(ctx));
	/* The thread's own queue has the timer's signal, or the copy: not the process's. */
	cr_assert_eq(victim_cmd(v, "procalrm", line, sizeof(line)), 0);
	cr_expect(kv_ll(line, "n", &n) && n == 0, "a second SIGALRM: %s", line);
	ptimer_dump_free(d);
}

static void hold_at_created_then_stop(struct ptimer_ctx *c, enum ptimer_phase phase)
{
	(void)c;
	if (phase == PTIMER_PHASE_CREATED)
		sleep_ms(200 * harness_time_scale());
	if (phase == PTIMER_PHASE_ARMED)
		stop_flag = 1;
}

static void hold_a_second_at_created_then_stop(struct ptimer_ctx *c, enum ptimer_phase phase)
{
	(void)c;
	if (phase == PTIMER_PHASE_CREATED)
		sleep_ms(1000 * harness_time_scale());
	if (phase == PTIMER_PHASE_ARMED)
		stop_flag = 1;
}

/*
 * A process restored with --replace from its own dump, its one timer due
 * in a minute there, held a second once the queues were read and before
 * the timer is re-armed in place, then interrupted: the timer, due half a
 * second after it was made, fires in between, and the re-arm makes its signal
 * stale.  The rollback must queue it again, as for one queued at the
 * first read; it was not held, and the program never got it.  (Due soon
 * in the dump, the re-armed timer would make the restore past rolling
 * back.)
 */
Test(kinds_lib, a_rolled_back_replace_keeps_a_signal_queued_after_the_first_read)
{
	char mode[32];
	struct victim *v;
	struct ptimer_dump *d;
	char line[512];
	long long n, code;
	int r;

	if (!harness_stale_signals_dropped())
		cr_skip_test("this kernel delivers stale signals: the re-arm loses none");
	snprintf(mode, sizeof(mode), "soon:%d", 500 * harness_time_scale());
	v = holder(mode);
	d = dump_of(v->pid, 0);
	if (signals_numbered(d, SIG_PROC))
		cr_skip_test("the timer fired before the dump, half a second after it was made");
	cr_assert_eq(d->ntimers, 1);
	d->timers[0].value_ns = 60 * 1000000000LL;
	r = restore_watched(v->pid, d, hold_a_second_at_created_then_stop);
	cr_assert_eq(r, -EINTR, "%s (%s)", ptimer_strerror(r), ptimer_last_error(ctx));
	cr_assert_eq(victim_cmd(v, "drain", line, sizeof(line)), 0);
	cr_expect(kv_ll(line, "nproc", &n) && n == 1 && kv_ll(line, "codeproc", &code) &&
		  code == SI_TIMER, "the signal it fired is lost: %s", line);
	ptimer_dump_free(d);
}

/*
 * The holder's 1 ms timerfd, re-armed in place by a --replace that is
 * held 200 ms before it arms, then interrupted: the rollback must give
 * it back every expiration it had, those of the 200 ms too, which
 * timerfd_settime() cleared.  Read at the prepare, they were lost.
 */
Test(kinds_lib, a_rolled_back_timerfd_keeps_the_ticks_of_the_restore)
{
	struct victim *v;
	struct ptimer_dump *d, *before, *after;
	unsigned long long t0, t1;
	int r;

	if (!timerfd_reads_nowait())
		cr_skip_test("this kernel cannot read a timerfd without blocking (before 6.10):"
			     " the prepare's count is put back");
	v = holder("full");
	d = dump_of(v->pid, 0);
	ptimer_dump_set_kinds(d, PTIMER_KIND_TIMERFD);
	before = dump_of(v->pid, 0);
	t0 = tfd_at(before, FD_MONO)->ticks;
	r = restore_watched(v->pid, d, hold_at_created_then_stop);
	cr_assert_eq(r, -EINTR, "%s (%s)", ptimer_strerror(r), ptimer_last_error(ctx));
	after = dump_of(v->pid, 0);
	t1 = tfd_at(after, FD_MONO)->ticks;
	cr_expect_geq(t1, t0 + 100, "fd %d had %llu expirations, and %llu after 200 ms more",
		      FD_MONO, t0, t1);
	ptimer_dump_free(after);
	ptimer_dump_free(before);
	ptimer_dump_free(d);
}

/*
 * Both SIGALRM timers of "twoalarms" replaced, their signals queued side
 * by side (a timer's own signal may be): a rollback can queue only one
 * SIGALRM again, the second being dropped as its duplicate, which
 * rt_sigqueueinfo() does not say.  The rollback must count it lost, and
 * say it is incomplete, not "every change was rolled back".
 */
Test(kinds_lib, a_rolled_back_replace_of_two_alarms_says_one_is_lost)
{
	struct victim *v;
	struct ptimer_dump *d;
	char line[512];
	long long n;
	int r;

	harness_need_restore_ids();
	if (!harness_stale_signals_dropped())
		cr_skip_test("this kernel delivers stale timer signals: nothing is queued again");
	v = holder_with_alarms("twoalarms", 2);
	d = dump_of(v->pid, 0);
	ptimer_dump_set_kinds(d, PTIMER_KIND_POSIX);
	for (size_t i = 0; i < d->ntimers; i++)
		d->timers[i].sigval ^= 0x1000;
	r = restore_watched(v->pid, d, stop_when_armed);
	cr_expect_eq(r, -EINTR, "%s (%s)", ptimer_strerror(r), ptimer_last_error(ctx));
	cr_expect(strstr(ptimer_last_error(ctx), "incomplete"), "%s", ptimer_last_error(ctx));
	cr_assert_eq(victim_cmd(v, "drain", line, sizeof(line)), 0);
	cr_expect(kv_ll(line, "nalrm", &n) && n == 1, "%s", line);
	ptimer_dump_free(d);
}

/*
 * The same by the walk, which may take no step: timers whose signals are
 * queued are re-armed in place like the others, so that a process
 * restored into itself needs no walk whatever its queues hold.  Deleting
 * them instead (as once since 6.13) needed a lap of the id space, which
 * a limit refuses: a `dump P | restore --replace --method=walk P` failed
 * whenever a fast timer's signal happened to be queued at the stop.
 */
Test(kinds_lib, replace_into_itself_by_the_walk_takes_no_step)
{
	struct ptimer_restore_opts o = { .size = sizeof(o), .replace = true,
					 .method = PTIMER_METHOD_LOOP, .max_steps = 1000 };

	replace_into_itself(&o);
}
