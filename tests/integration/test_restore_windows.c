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

/* How many lines of /proc/@pid/timers name a timer. */
static int count_timers(pid_t pid)
{
	char path[64], line[256];
	int n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/timers", pid);
	f = fopen(path, "re");
	cr_assert(f, "%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f))
		n += !strncmp(line, "ID:", 3);
	fclose(f);
	return n;
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
		    count_timers(pid), pid);
	ru_bg_signal_and_continue(&b, SIGTERM);
	ru_bg_wait(&b, HARNESS_RUN_TIMEOUT_MS);
	cr_expect_eq(b.res.exit_code, PX_INTERRUPTED, "%s", run_describe(&b.res));
	cr_expect(strstr(b.res.err, "rolled back"), "no word of the rollback: %s", b.res.err);
	cr_expect(proc_wait_state(pid, "S", RU_WAIT_MS), "pid %d was not let go", pid);
	cr_expect_eq(count_timers(pid), 0, "the rollback left timers in pid %d", pid);
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
	cr_assert_eq(ptimer_dump_pid(ctx, pid, 0, &d, NULL), 0, "%s", ptimer_last_error(ctx));
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
 * A process's own dump, its timers due in 20 s instead of a minute,
 * restored into it with --replace: every timer is re-armed in place, in
 * more than one window.  SIGTERM at "armed": the rollback sets each back
 * to what it had left, so none is due within 20 s.  Needs no prctl.
 */
Test(restore_windows, sigterm_at_armed_sets_back_every_timer_re_armed_in_place)
{
	struct ptimer_dump *after = NULL;
	char pidstr[16], *file;
	struct ptimer_ctx *ctx;
	struct ru_bg b;
	size_t back = 0;
	pid_t pid;

	pid = start_blocking_target(NTIMERS);
	file = own_dump_changed(pid, 0, 20 * RU_SEC);
	ru_bg_start_at(&b, "armed", "restore", "-q", "--no-progress", "--replace", "-i", file,
		       ru_pidstr(pidstr, pid), NULL);
	ru_bg_term_rolls_back(&b, "armed", "restore --replace");

	cr_assert(proc_wait_state(pid, "S", RU_WAIT_MS), "pid %d was not let go", pid);
	cr_assert_eq(ptimer_new(&ctx), 0);
	cr_assert_eq(ptimer_dump_pid(ctx, pid, 0, &after, NULL), 0, "%s", ptimer_last_error(ctx));
	for (size_t i = 0; i < after->ntimers; i++)
		back += after->timers[i].value_ns > 30 * RU_SEC;
	cr_expect_eq(after->ntimers, NTIMERS, "%zu timers after the rollback", after->ntimers);
	cr_expect_eq(back, NTIMERS, "%zu of %zu timers set back after the rollback", back,
		     after->ntimers);
	ptimer_dump_free(after);
	ptimer_free(ctx);
	ru_file_free(file);
}
