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
 * The control thread answers the victim protocol (tests/helpers/vproto.h);
 * "tids" names the live threads, worker first.  Timers: a periodic
 * CLOCK_MONOTONIC SIGEV_SIGNAL (SIGUSR1, sigval 0x61), a CLOCK_BOOTTIME
 * SIGEV_NONE and a CLOCK_REALTIME SIGEV_THREAD_ID to the worker (SIGUSR2,
 * sigval 0x63), none due during a test.
 */
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "vproto.h"

static atomic_int worker_tid, control_tid;
static atomic_int ready;		/* READY printed: commands may be answered */
static atomic_int never;		/* futex word nobody wakes */

static void on_signal(int sig)
{
}

static void *worker_main(void *arg)
{
	atomic_store(&worker_tid, vp_gettid());
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

	if (argc != 2 || strcmp(argv[1], "--leaderless")) {
		vp_out("ERROR errno=%d msg=usage: oddproc --leaderless", EINVAL);
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
