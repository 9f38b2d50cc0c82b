// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * A restore through the prctl creates and arms its timers window by
 * window (lib/create.c, create_armed()).  Interrupted between two
 * windows, it must leave the target as it was: no timer, and no signal
 * queued by a timer that the rollback deleted.  The target blocks every
 * signal, so that one queued would stay visible in its status.
 */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include <ptimer.h>

#include "cpu_lock.h"
#include "harness.h"
#include "restore_util.h"

/* More than one window of create_armed(): 2048 timers each. */
#define NTIMERS		5000
#define FIRST_ID	1000
#define NEAR_SIGNAL	40	/* the signal of the timers due at once */

static void fini(void)
{
	harness_kill_all();
}

TestSuite(restore_windows, .fini = fini, .timeout = 60);

/* @n silent timers armed for a minute: ids 0..n-1 in a fresh process. */
static void create_own_timers(size_t n)
{
	struct itimerspec its = { .it_value.tv_sec = 60 };
	struct sigevent ev;

	memset(&ev, 0, sizeof(ev));
	ev.sigev_notify = SIGEV_NONE;
	for (size_t i = 0; i < n; i++) {
		timer_t id;

		if (timer_create(CLOCK_MONOTONIC, &ev, &id) || timer_settime(id, 0, &its, NULL))
			_exit(1);
	}
}

/* A process with every signal blocked and @ntimers timers of its own, asleep. */
static pid_t start_blocking_target(size_t ntimers)
{
	sigset_t all;
	pid_t pid;

	pid = fork();
	cr_assert_geq(pid, 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		sigfillset(&all);
		sigprocmask(SIG_BLOCK, &all, NULL);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		create_own_timers(ntimers);
		for (;;)
			pause();
	}
	harness_track(pid);
	cr_assert(proc_wait_state(pid, "S", RU_WAIT_MS), "pid %d never went to sleep", pid);
	return pid;
}

static int64_t now_ns(clockid_t clk)
{
	return clock_ns(clk);
}

/*
 * A dump of @n timers for @pid: every fourth due in 1 ms, signalling
 * NEAR_SIGNAL (one armed with its creation would queue that at once),
 * the others due in a minute and silent.
 */
static char *write_dump(pid_t pid, size_t n)
{
	struct ptimer_dump *d = ptimer_dump_new();
	struct ptimer_ctx *ctx;
	char *json = NULL, *path;

	cr_assert(d);
	d->pid = pid;
	d->tids = calloc(1, sizeof(*d->tids));
	cr_assert(d->tids);
	d->tids[0] = pid;
	d->nthreads = 1;
	d->realtime_ns = now_ns(CLOCK_REALTIME);
	d->monotonic_ns = now_ns(CLOCK_MONOTONIC);
	d->boottime_ns = now_ns(CLOCK_BOOTTIME);
	for (size_t i = 0; i < n; i++) {
		bool near = i % 4 == 0;
		struct ptimer_timer t = {
			.id = FIRST_ID + 3 * (int)i,
			.clockid = CLOCK_MONOTONIC,
			.notify = near ? PTIMER_NOTIFY_SIGNAL : PTIMER_NOTIFY_NONE,
			.signo = near ? NEAR_SIGNAL : 0,
			.sigval = i,
			.value_ns = near ? RU_MS : 60 * RU_SEC,
		};

		cr_assert_eq(ptimer_dump_add_timer(d, &t), 0);
	}
	cr_assert_eq(ptimer_new(&ctx), 0);
	cr_assert_eq(ptimer_dump_to_json(ctx, d, false, &json), 0);
	path = ru_text_file(json);
	free(json);
	ptimer_free(ctx);
	ptimer_dump_free(d);
	return path;
}

/* A line of /proc/@pid/status, such as "ShdPnd:\t0000000000000000". */
static void status_line(pid_t pid, const char *key, char *out, size_t size)
{
	char path[64], line[256];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "re");
	cr_assert(f, "%s: %s", path, strerror(errno));
	out[0] = '\0';
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)) && line[strlen(key)] == ':')
			snprintf(out, size, "%s", line);
	fclose(f);
}

static bool nothing_pending(const char *line)
{
	const char *p = strchr(line, ':');

	if (!p)
		return false;
	for (p++; *p; p++)
		if (*p != '\t' && *p != ' ' && *p != '\n' && *p != '0')
			return false;
	return true;
}

/*
 * SIGTERM after the first window (PTIMER_STOP_AT=created:1): exit 12, and
 * not one of its timers, nor of their signals, is left.
 */
Test(restore_windows, sigterm_between_windows_leaves_target_as_it_was)
{
	char pidstr[16], shd[256], pnd[256];
	struct ru_bg b;
	char *file;
	pid_t pid;

	harness_need_restore_ids();
	pid = start_blocking_target(0);
	file = write_dump(pid, NTIMERS);
	ru_bg_start_at(&b, "created:1", "restore", "-q", "--no-progress", "-i", file,
		       ru_pidstr(pidstr, pid), NULL);
	cr_assert(ru_bg_wait_stopped(&b, RU_WAIT_MS), "ptimerctl never reached \"created\"");
	cr_log_info("stopped after the first window: %d timers in pid %d",
		    proc_count_timers(pid), pid);
	ru_bg_signal_and_continue(&b, SIGTERM);
	ru_bg_wait(&b, HARNESS_RUN_TIMEOUT_MS);
	cr_expect_eq(b.res.exit_code, PX_INTERRUPTED, "%s", run_describe(&b.res));
	cr_expect(strstr(b.res.err, "rolled back"), "no word of the rollback: %s", b.res.err);
	cr_expect(proc_wait_state(pid, "S", RU_WAIT_MS), "pid %d was not let go", pid);
	cr_expect_eq(proc_count_timers(pid), 0, "the rollback left timers in pid %d", pid);
	status_line(pid, "ShdPnd", shd, sizeof(shd));
	status_line(pid, "SigPnd", pnd, sizeof(pnd));
	cr_expect(nothing_pending(shd) && nothing_pending(pnd),
		  "signals left queued in pid %d: %s%s", pid, shd, pnd);
	run_result_free(&b.res);
	ru_file_free(file);
}

/*
 * @pid's own dump, each timer's sigval set to @sigval (a sigval other
 * than its own: no timer can be re-armed in place) and its time left to
 * @value_ns.
 */
static char *own_dump_changed(pid_t pid, uint64_t sigval, int64_t value_ns)
{
	struct ptimer_dump *d = NULL;
	struct ptimer_ctx *ctx;
	char *json = NULL, *path;

	cr_assert_eq(ptimer_new(&ctx), 0);
	cr_assert_eq(ptimer_dump_pid(ctx, pid, PTIMER_DUMP_KEEP_SECCOMP, &d, NULL), 0, "%s",
		     ptimer_last_error(ctx));
	for (size_t i = 0; i < d->ntimers; i++) {
		d->timers[i].sigval = sigval;
		d->timers[i].value_ns = value_ns;
	}
	cr_assert_eq(ptimer_dump_to_json(ctx, d, false, &json), 0);
	path = ru_text_file(json);
	free(json);
	ptimer_dump_free(d);
	ptimer_free(ctx);
	return path;
}

/*
 * A --replace restore of a process's own dump into itself, each sigval
 * changed, deletes every timer it replaces (newest first), then creates
 * them again window by window.  SIGTERM after the first window: the
 * rollback deletes those created and puts every replaced timer back,
 * armed as it was.
 */
Test(restore_windows, sigterm_between_replacing_windows_puts_every_timer_back)
{
	struct ptimer_dump *after = NULL;
	char pidstr[16], *file;
	struct ptimer_ctx *ctx;
	struct ru_bg b;
	size_t armed = 0;
	pid_t pid;

	harness_need_restore_ids();
	pid = start_blocking_target(NTIMERS);
	file = own_dump_changed(pid, 1, 60 * RU_SEC);
	ru_bg_start_at(&b, "created:1", "restore", "-q", "--no-progress", "--replace", "-i",
		       file, ru_pidstr(pidstr, pid), NULL);
	ru_bg_term_rolls_back(&b, "created:1", "restore --replace");

	cr_assert(proc_wait_state(pid, "S", RU_WAIT_MS), "pid %d was not let go", pid);
	cr_assert_eq(ptimer_new(&ctx), 0);
	cr_assert_eq(ptimer_dump_pid(ctx, pid, 0, &after, NULL), 0, "%s", ptimer_last_error(ctx));
	for (size_t i = 0; i < after->ntimers; i++)
		armed += after->timers[i].value_ns > 0;
	cr_expect_eq(after->ntimers, NTIMERS, "%zu timers after the rollback", after->ntimers);
	cr_expect_eq(armed, NTIMERS, "%zu of %zu timers armed after the rollback", armed,
		     after->ntimers);
	cr_expect(after->ntimers && after->timers[0].id == 0 &&
		  after->timers[after->ntimers - 1].id == NTIMERS - 1,
		  "other ids after the rollback");
	ptimer_dump_free(after);
	ptimer_free(ctx);
	ru_file_free(file);
}

/*
 * Each of @pid's @n timers, re-armed in place to 20 s, has been set back
 * to what it had left: more than 30 s.
 */
static void expect_all_set_back(pid_t pid, size_t n)
{
	struct ptimer_dump *after = NULL;
	struct ptimer_ctx *ctx;
	size_t back = 0;

	cr_assert_eq(ptimer_new(&ctx), 0);
	cr_assert_eq(ptimer_dump_pid(ctx, pid, PTIMER_DUMP_KEEP_SECCOMP, &after, NULL), 0, "%s",
		     ptimer_last_error(ctx));
	for (size_t i = 0; i < after->ntimers; i++)
		back += after->timers[i].value_ns > 30 * RU_SEC;
	cr_expect_eq(after->ntimers, n, "%zu timers after the rollback", after->ntimers);
	cr_expect_eq(back, n, "%zu of %zu timers set back after the rollback", back,
		     after->ntimers);
	ptimer_dump_free(after);
	ptimer_free(ctx);
}

/*
 * A process's own dump, its timers due in 20 s instead of a minute,
 * restored into it with --replace: every timer is re-armed in place, in
 * more than one window.  SIGTERM at "armed": the rollback sets each back
 * to what it had left, so none is due within 20 s.  Needs no prctl.
 */
Test(restore_windows, sigterm_at_armed_sets_back_every_timer_re_armed_in_place)
{
	char pidstr[16], *file;
	struct ru_bg b;
	pid_t pid;

	pid = start_blocking_target(NTIMERS);
	file = own_dump_changed(pid, 0, 20 * RU_SEC);
	ru_bg_start_at(&b, "armed", "restore", "-q", "--no-progress", "--replace", "-i", file,
		       ru_pidstr(pidstr, pid), NULL);
	ru_bg_term_rolls_back(&b, "armed", "restore --replace");

	cr_assert(proc_wait_state(pid, "S", RU_WAIT_MS), "pid %d was not let go", pid);
	expect_all_set_back(pid, NTIMERS);
	ru_file_free(file);
}

/*
 * A window that runs past the timeout, in a target made slow: each of
 * its timer_create()s waits @create_us for a seccomp supervisor
 * (kept with --keep-seccomp), each timer_delete() @delete_us.  The run
 * is stopped part-way, and the blob never says how far it got: the
 * rollback must find, and delete, every timer it made.
 */
static void past_the_timeout_leaves_no_timer(const char *slow, const char *timeout)
{
	char pidstr[16];
	struct run_result r;
	struct vstate st;
	struct victim *v;
	char *file;
	int before, lock;

	harness_need_restore_ids();
	if (harness_time_scale() > 1)
		cr_skip_test("under emulation (time scale %d)", harness_time_scale());
	/* Its run must outlast the timeout: no CPU hog beside it. */
	lock = cpu_lock_take();
	v = victim_start("--slow-timers", slow, NULL);
	cr_assert(v && v->ready, "%s", v ? v->error : "fork");
	before = proc_count_timers(v->pid);
	file = write_dump(v->pid, 1500);
	cr_assert_eq(run_ptimerctl(&r, "restore", "--keep-seccomp", timeout, "-i", file,
				   ru_pidstr(pidstr, v->pid), NULL), 0);
	cr_expect_eq(r.exit_code, PX_TIMEOUT, "%s", run_describe(&r));
	cr_expect(strstr(r.err, "did not trap within"), "no word of the timeout: %s", r.err);
	cr_expect(!strstr(r.err, "could not"), "the rollback failed: %s", r.err);
	cr_expect(strstr(r.err, "timed out; every change to pid"), "no word of the rollback: %s",
		  r.err);
	cr_expect_eq(proc_count_timers(v->pid), before, "the rollback left timers in pid %d:"
		     " %d, where it had %d", v->pid, proc_count_timers(v->pid), before);
	cr_expect_eq(proc_tracer_pid(v->pid), 0);
	cr_expect_eq(victim_state(v, &st), 0, "the victim does not answer");
	run_result_free(&r);
	ru_file_free(file);
	victim_kill(v);
	close(lock);
}

/* 1500 creations of 1 ms each in one window, stopped after 0.3 s. */
Test(restore_windows, a_window_past_the_timeout_leaves_no_timer)
{
	past_the_timeout_leaves_no_timer("1000,0", "--timeout=0.3");
}

/*
 * The same, and deleting what it made takes three times as long: the
 * rollback's own window runs past the timeout too, and must go on from
 * where it was stopped until every timer is gone.
 */
Test(restore_windows, a_rollback_past_the_timeout_goes_on_until_done)
{
	past_the_timeout_leaves_no_timer("1000,3000", "--timeout=0.3");
}

/*
 * Re-arming in place past the timeout: each timer_settime() of the
 * target waits 1 ms, and a --replace re-arms its 1500 timers in place,
 * in one window.  Stopped part-way, the rollback must set back every
 * timer the window re-armed, though the window never said which; and
 * setting them back takes as long, past the timeout too.
 */
Test(restore_windows, a_re_arm_past_the_timeout_sets_every_timer_back)
{
	char pidstr[16];
	struct run_result r;
	struct victim *v;
	char *file;

	if (harness_time_scale() > 1)
		cr_skip_test("under emulation (time scale %d)", harness_time_scale());
	v = victim_start("--many", "1500", "--slow-timers", "0,0,1000", NULL);
	cr_assert(v && v->ready, "%s", v ? v->error : "fork");
	file = own_dump_changed(v->pid, 0, 20 * RU_SEC);
	cr_assert_eq(run_ptimerctl(&r, "restore", "--replace", "--keep-seccomp", "--timeout=0.3",
				   "-i", file, ru_pidstr(pidstr, v->pid), NULL), 0);
	cr_expect_eq(r.exit_code, PX_TIMEOUT, "%s", run_describe(&r));
	cr_expect(!strstr(r.err, "could not"), "the rollback failed: %s", r.err);
	cr_expect(strstr(r.err, "timed out; every change to pid"), "no word of the rollback: %s",
		  r.err);
	expect_all_set_back(v->pid, 1500);
	run_result_free(&r);
	ru_file_free(file);
	victim_kill(v);
}
