// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * stuck: a process with a thread that cannot be stopped, for the tests of
 * ptimerctl's deadlines (--timeout), and a plain holder of many timers.
 *
 *   stuck [--vfork] [--vfork-ms N] [--timers N]
 *
 * Threads, in creation order (so in the order /proc lists them, and
 * ptimerctl seizes them): the main thread (idle), "early" (counts every
 * millisecond), with --vfork "stuck" (blocked in vfork(2): its child
 * sleeps N ms, default 30000, and dies with it), "late" (counts every
 * millisecond) and "control" (answers on stdin).  A vfork() parent waits
 * for its child in a killable sleep that PTRACE_INTERRUPT does not end,
 * so ptimerctl cannot stop that thread until the child exits.  --timers
 * creates N timers (SIGEV_NONE, CLOCK_MONOTONIC): timer i is armed to
 * 600 s + i ms, and every fourth one is periodic (interval 1 s + i us).
 *
 * It speaks the victim protocol of tests/integration/harness.h: the first
 * line is "READY <pid> stuck=<tid> early=<tid> late=<tid> control=<tid>"
 * (stuck=0 without --vfork), printed once the stuck thread sleeps in
 * vfork(); then one-line commands on stdin:
 *   counters  COUNTERS early=<count> late=<count>
 *   info      INFO stuck=<tid> child=<vfork child pid> vfork_done=0|1
 *   release   RELEASED: the vfork child is killed, so the vfork ends
 *   timers    TIMER id=<id> value_ns=<ns> interval_ns=<ns> ... END
 *   ping      PONG
 *   exit      exits (killing the vfork child first)
 * and exits when stdin closes.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sysnr.h"
#include "vcommon.h"

#define MAX_TIMERS	100000

static atomic_ulong early_count, late_count;
static atomic_int early_tid, late_tid, stuck_tid, control_tid;
static volatile pid_t vfork_child;	/* written by the child itself */
static atomic_int vfork_done;
static long vfork_ms = 30000;
static int *timer_ids;
static int ntimers;

static void tick(atomic_ulong *count)
{
	const struct timespec ms = { 0, 1000000 };

	for (;;) {
		atomic_fetch_add(count, 1);
		nanosleep(&ms, NULL);
	}
}

static void *early_main(void *arg)
{
	(void)arg;
	atomic_store(&early_tid, vp_gettid());
	tick(&early_count);
	return NULL;
}

static void *late_main(void *arg)
{
	(void)arg;
	atomic_store(&late_tid, vp_gettid());
	tick(&late_count);
	return NULL;
}

static void *stuck_main(void *arg)
{
	pid_t child;

	(void)arg;
	atomic_store(&stuck_tid, vp_gettid());
	child = vfork();
	if (child == 0) {
		/* Only raw system calls here: we run on the parent's stack. */
		struct timespec ts = { vfork_ms / 1000, (vfork_ms % 1000) * 1000000 };

		syscall(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		vfork_child = (pid_t)syscall(SYS_getpid);
		syscall(SYS_nanosleep, &ts, NULL);
		syscall(SYS_exit, 0);
	}
	if (child < 0)
		vp_die(errno, "vfork");
	while (waitpid(child, NULL, 0) < 0 && errno == EINTR)
		;
	atomic_store(&vfork_done, 1);
	for (;;)
		pause();
	return NULL;
}

/* The first number in /proc/self/task/TID/syscall: the call it sleeps in. */
static long thread_syscall(pid_t tid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", tid);
	return vp_read_long(path, 0);
}

static void create_timers(void)
{
	for (int i = 0; i < ntimers; i++) {
		long long value = 600 * VP_NSEC_PER_SEC + (long long)i * 1000000;
		long long interval = i % 4 == 3 ? VP_NSEC_PER_SEC + (long long)i * 1000 : 0;

		timer_ids[i] = vp_make_timer(CLOCK_MONOTONIC, SIGEV_NONE, 0, 0, 0, value, interval);
	}
}

static void cmd_timers(void)
{
	for (int i = 0; i < ntimers; i++) {
		struct itimerspec its;

		if (syscall(SYS_timer_gettime, timer_ids[i], &its) < 0) {
			vp_out("TIMER id=%d error=%d", timer_ids[i], errno);
			continue;
		}
		vp_out("TIMER id=%d value_ns=%lld interval_ns=%lld", timer_ids[i],
		       (long long)its.it_value.tv_sec * 1000000000 + its.it_value.tv_nsec,
		       (long long)its.it_interval.tv_sec * 1000000000 + its.it_interval.tv_nsec);
	}
	vp_out("END");
}

static void kill_child(void)
{
	if (vfork_child > 0)
		kill(vfork_child, SIGKILL);
}

static bool handle(char *cmd)
{
	if (!strcmp(cmd, "counters")) {
		vp_out("COUNTERS early=%lu late=%lu", atomic_load(&early_count),
		       atomic_load(&late_count));
	} else if (!strcmp(cmd, "info")) {
		vp_out("INFO stuck=%d child=%d vfork_done=%d", atomic_load(&stuck_tid),
		       (int)vfork_child, atomic_load(&vfork_done));
	} else if (!strcmp(cmd, "release")) {
		kill_child();
		vp_out("RELEASED");
	} else if (!strcmp(cmd, "timers")) {
		cmd_timers();
	} else {
		return false;
	}
	return true;
}

static void *control_main(void *arg)
{
	(void)arg;
	atomic_store(&control_tid, vp_gettid());
	vp_read_commands(handle);
	kill_child();
	_exit(0);
}

int main(int argc, char **argv)
{
	int with_vfork = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--vfork")) {
			with_vfork = 1;
		} else if (!strcmp(argv[i], "--vfork-ms") && i + 1 < argc) {
			vfork_ms = atol(argv[++i]);
		} else if (!strcmp(argv[i], "--timers") && i + 1 < argc) {
			ntimers = atoi(argv[++i]);
		} else {
			fprintf(stderr, "usage: stuck [--vfork] [--vfork-ms N] [--timers N]\n");
			return 2;
		}
	}
	if (ntimers < 0 || ntimers > MAX_TIMERS || vfork_ms < 0)
		vp_die(EINVAL, "bad arguments");
	timer_ids = calloc((size_t)ntimers + 1, sizeof(*timer_ids));
	if (!timer_ids)
		vp_die(ENOMEM, "calloc");
	create_timers();
	vp_start_thread(early_main, &early_tid);
	if (with_vfork) {
		int64_t waited = 0;

		vp_start_thread(stuck_main, &stuck_tid);
		/* READY only once the thread sleeps in vfork() itself. */
		while (!vfork_child || thread_syscall(atomic_load(&stuck_tid)) != SYSNR_VFORK) {
			if (atomic_load(&vfork_done))
				vp_die(ECHILD, "the vfork child ended early");
			if (++waited > 100000)
				vp_die(ETIMEDOUT, "the stuck thread never slept in vfork");
			usleep(100);
		}
	}
	vp_start_thread(late_main, &late_tid);
	vp_start_thread(control_main, &control_tid);
	vp_out("READY %d stuck=%d early=%d late=%d control=%d", (int)getpid(),
	       atomic_load(&stuck_tid), atomic_load(&early_tid), atomic_load(&late_tid),
	       atomic_load(&control_tid));
	for (;;)
		pause();
}
