// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * oddproc: a live process in a shape tools tend to forget.
 *
 *   oddproc --leaderless
 *	The main thread creates the timers, starts a worker (idle in a
 *	futex wait) and a control thread, prints "READY <pid>" and calls
 *	pthread_exit().  The process lives on without its leader, which
 *	/proc shows as a zombie: its timers belong to the process and stay,
 *	and only the two other threads can run anything.
 *
 *   oddproc --leaderless --worker-filter
 *	The same, with a seccomp filter of the worker's own (no TSYNC: the
 *	other threads have none), which kills the whole process for any
 *	call but the few the worker makes.  A tool that judges seccomp by
 *	the leader, and injects through the worker, kills it.
 *
 * The control thread answers the victim protocol (tests/helpers/vproto.h);
 * "tids" names the live threads, worker first.  Timers: a periodic
 * CLOCK_MONOTONIC SIGEV_SIGNAL (SIGUSR1, sigval 0x61), a CLOCK_BOOTTIME
 * SIGEV_NONE and a CLOCK_REALTIME SIGEV_THREAD_ID to the worker (SIGUSR2,
 * sigval 0x63), none due during a test.
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/futex.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "allowlist.h"
#include "vproto.h"

static atomic_int worker_tid, control_tid;
static atomic_int ready;		/* READY printed: commands may be answered */
static atomic_int never;		/* futex word nobody wakes */
static bool worker_filter;

/* The worker's own filter: its futex wait, and a signal's return. */
static void confine_worker(void)
{
	static const int allowed[] = {
		SYS_futex, SYS_restart_syscall, SYS_rt_sigreturn, SYS_exit, SYS_exit_group,
	};

	vp_allow_only(allowed, sizeof(allowed) / sizeof(allowed[0]), SECCOMP_RET_KILL_PROCESS);
}

static void on_signal(int sig)
{
}

static void *worker_main(void *arg)
{
	pid_t tid = vp_gettid();

	if (worker_filter)
		confine_worker();
	atomic_store(&worker_tid, tid);
	for (;;)
		syscall(SYS_futex, &never, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
	return NULL;
}

static void *control_main(void *arg)
{
	atomic_store(&control_tid, vp_gettid());
	while (!atomic_load(&ready))
		usleep(100);
	vp_serve();
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal, .sa_flags = SA_RESTART };

	worker_filter = argc == 3 && !strcmp(argv[2], "--worker-filter");
	if (argc < 2 || argc > 3 || strcmp(argv[1], "--leaderless") || (argc == 3 && !worker_filter)) {
		vp_out("ERROR errno=%d msg=usage: oddproc --leaderless [--worker-filter]", EINVAL);
		return 2;
	}
	vp_init();
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL) < 0 || sigaction(SIGUSR2, &sa, NULL) < 0)
		vp_die(errno, "sigaction");
	vp_start_thread(worker_main, &worker_tid);
	vp_make_timer(CLOCK_MONOTONIC, SIGEV_SIGNAL, SIGUSR1, 0x61, 0, 600 * VP_NSEC_PER_SEC,
		      VP_NSEC_PER_SEC);
	vp_make_timer(CLOCK_BOOTTIME, SIGEV_NONE, 0, 0x62, 0, 300 * VP_NSEC_PER_SEC, 0);
	vp_make_timer(CLOCK_REALTIME, SIGEV_THREAD_ID, SIGUSR2, 0x63,
		      (pid_t)atomic_load(&worker_tid), 500 * VP_NSEC_PER_SEC, 0);
	vp_start_thread(control_main, &control_tid);
	vp_add_tid((pid_t)atomic_load(&worker_tid));
	vp_add_tid((pid_t)atomic_load(&control_tid));
	vp_out("READY %d", (int)getpid());
	atomic_store(&ready, 1);
	pthread_exit(NULL);
}
