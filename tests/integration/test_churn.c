// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * A dump is exactly the timers that existed while the target was stopped,
 * even though /proc/PID/timers is mostly read before the stop (issue 15).
 *
 * The target's threads create and delete timers without pause.  The truth
 * is read independently while the target is stopped: from the phase
 * callback at PTIMER_PHASE_READ, which the library calls with every thread
 * still stopped, this test reads the whole of /proc/PID/timers itself (a
 * stopped process cannot change its list).  Each dump must hold exactly
 * those timers, field for field.  No timing matters: whatever the churn
 * does between the reads, the comparison is made against the stopped list.
 *
 * A list that only grows (timer_churner's grow mode) is proved by count
 * (proc_head_counted()): the library's debug log says so, with the timers
 * made since the read before the stop, and some dump must have met some.
 */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <ptimer.h>

#include "harness.h"

#define ROUNDS		12
#define STABLE		6000	/* ~120 pages of /proc/PID/timers */

static pid_t churn_pid;
static struct ptimer_dump *truth;
static int truth_err;
static unsigned int fallbacks, counted, counted_past;

static int read_whole(pid_t pid, char **text, size_t *len)
{
	size_t cap = 1 << 20, used = 0;
	char path[64], *buf;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/timers", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	buf = malloc(cap);
	for (;;) {
		ssize_t got;

		if (cap - used < 65536) {
			cap *= 2;
			buf = realloc(buf, cap);
		}
		got = read(fd, buf + used, 65536);
		if (got <= 0)
			break;
		used += (size_t)got;
	}
	close(fd);
	*text = buf;
	*len = used;
	return 0;
}

static void on_phase(struct ptimer_ctx *ctx, enum ptimer_phase phase)
{
	char *text = NULL;
	size_t len = 0;

	if (phase != PTIMER_PHASE_READ)
		return;
	truth = ptimer_dump_new();
	truth_err = read_whole(churn_pid, &text, &len);
	if (truth_err)
		return;
	truth_err = ptimer_parse_proc_timers(text, len, truth, NULL);
	free(text);
	ptimer_dump_sort(truth);
}

__attribute__((format(printf, 6, 0)))
static void on_log(struct ptimer_ctx *ctx, int priority, const char *file, int line,
		   const char *fn, const char *format, va_list args)
{
	char msg[512];
	const char *by;

	vsnprintf(msg, sizeof(msg), format, args);
	if (strstr(msg, "did not add up"))
		fallbacks++;
	by = strstr(msg, "(by count, ");
	if (by) {
		counted++;
		counted_past += strtoul(by + strlen("(by count, "), NULL, 10) > 0;
	}
}

static void check_same(const struct ptimer_dump *d, const struct ptimer_dump *want, int round)
{
	cr_assert_eq(d->ntimers, want->ntimers, "round %d: %zu timers dumped, %zu existed",
		     round, d->ntimers, want->ntimers);
	for (size_t i = 0; i < d->ntimers; i++) {
		const struct ptimer_timer *a = &d->timers[i], *b = &want->timers[i];

		cr_assert(a->id == b->id && a->signo == b->signo && a->sigval == b->sigval &&
			  a->notify == b->notify && a->notify_pid == b->notify_pid &&
			  a->clockid == b->clockid,
			  "round %d: timer %zu is %d (sigval %#llx), %d (sigval %#llx) existed",
			  round, i, a->id, (unsigned long long)a->sigval, b->id,
			  (unsigned long long)b->sigval);
	}
}

/*
 * ROUNDS dumps of timer_churner STABLE 3 [@mode [@pause_us]], each checked
 * against the stopped list.
 */
static void dump_rounds(const char *mode, const char *pause_us)
{
	char *path = strdup(helper_path("timer_churner"));
	const char *argv[] = { path, "6000", "3", mode, mode ? pause_us : NULL, NULL };
	/* A uid of its own: a budget of RLIMIT_SIGPENDING no other test uses. */
	uid_t uid = (uid_t)(3900000 + getpid() % 50000);
	struct ptimer_ctx *ctx;
	struct victim *v;
	unsigned long ops0 = 0;
	char line[256];

	v = victim_spawn(argv, uid);
	free(path);
	cr_assert(v && v->ready, "timer_churner: %s", v ? v->error : "fork");
	churn_pid = v->pid;
	fallbacks = counted = counted_past = 0;
	cr_assert_eq(ptimer_new(&ctx), 0);
	ptimer_set_phase_fn(ctx, on_phase);
	ptimer_set_log_fn(ctx, on_log);
	ptimer_set_log_priority(ctx, LOG_DEBUG);
	for (int round = 0; round < ROUNDS; round++) {
		struct ptimer_dump *d = NULL;
		long long ops = 0;
		int ret;

		/*
		 * The threads have churned since the last round: wait until
		 * they did.  Growing threads stop at their cap: no wait.
		 */
		do {
			cr_assert_eq(victim_cmd(v, "ping", line, sizeof(line)), 0);
			cr_assert(kv_ll(line, "ops", &ops), "%s", line);
		} while (!mode && (unsigned long)ops < ops0 + 1000);
		ops0 = (unsigned long)ops;
		truth = NULL;
		/* Every other dump disarms: it must settle the list before it changes anything. */
		ret = ptimer_dump_pid(ctx, churn_pid, round % 2 ? PTIMER_DUMP_DISARM : 0, &d, NULL);
		cr_assert_eq(ret, 0, "round %d: dump: %s", round, ptimer_last_error(ctx));
		cr_assert(truth, "round %d: the phase callback was not called", round);
		cr_assert_eq(truth_err, 0, "round %d: the stopped read failed: %d", round, truth_err);
		cr_assert_geq(truth->ntimers, STABLE);
		check_same(d, truth, round);
		ptimer_dump_free(d);
		ptimer_dump_free(truth);
	}
	cr_log_info("%s: %d dumps exact; %u needed the full read while stopped, %u were proved"
		    " by count (%u with timers made since the read before)", mode ? mode : "churn",
		    ROUNDS, fallbacks, counted, counted_past);
	ptimer_free(ctx);
	victim_kill(v);
}

Test(churn, every_dump_is_the_set_at_the_stop, .timeout = 600)
{
	dump_rounds(NULL, NULL);
}

/*
 * Whether a read() at the end of /proc/self/timers walks the list again
 * from the position it reached, and so shows a timer made since (the list
 * one longer, its oldest timer now at that position).  A kernel with
 * kernel-patch/'s linear read ends there without walking.
 */
static bool kernel_walks_at_end(void)
{
	struct sigevent sev = { .sigev_notify = SIGEV_NONE };
	char buf[4096];
	int fd, a = -1, b = -1;
	ssize_t got;

	cr_assert_eq(syscall(SYS_timer_create, CLOCK_MONOTONIC, &sev, &a), 0);
	fd = open("/proc/self/timers", O_RDONLY | O_CLOEXEC);
	cr_assert_geq(fd, 0);
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	cr_assert_eq(syscall(SYS_timer_create, CLOCK_MONOTONIC, &sev, &b), 0);
	got = read(fd, buf, sizeof(buf));
	close(fd);
	syscall(SYS_timer_delete, a);
	syscall(SYS_timer_delete, b);
	return got > 0;
}

/*
 * Three threads that only create, each a timer every 250 us or so: the
 * window between the read before the stop and the stop, a few hundred
 * microseconds, sees a few new timers, so some of the 12 dumps must find
 * timers past where that read ended, and prove the list by count all the
 * same, where the kernel walks at the end of the file (else those fall
 * back to the length check).  Also each dump must be exact, as above.
 *
 * On a machine PTIMER_TIME_SCALE times slower (a TCG guest) that window
 * is as many times longer, and the threads create as many times more
 * slowly: at full speed, the timers made in a window of tens of
 * milliseconds would outgrow the four pages that a probe reads before it
 * leaves the proof to the length check, and no dump would be counted.
 */
Test(churn, a_growing_list_is_proved_by_count, .timeout = 600)
{
	bool walks = kernel_walks_at_end();
	char pause_us[24];

	snprintf(pause_us, sizeof(pause_us), "%d", 250 * harness_time_scale());
	dump_rounds("grow", pause_us);
	if (!walks) {
		cr_log_info("this kernel ends a read at the end of the file without walking:"
			    " a list that grew is left to the length check");
		return;
	}
	cr_assert_gt(counted_past, 0, "no dump proved its list by count with timers made since"
		     " the read before the stop (%u by count, %u full reads)", counted, fallbacks);
}
