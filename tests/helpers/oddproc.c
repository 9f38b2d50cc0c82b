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

#ifndef sigev_notify_thread_id
#define sigev_notify_thread_id _sigev_un._tid
#endif

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

static void make_timer(clockid_t clock, int notify, int sig, unsigned long sigval,
		       pid_t tid, long value_s, long interval_s)
{
	struct sigevent sev = {
		.sigev_notify = notify,
		.sigev_signo = sig,
		.sigev_value.sival_ptr = (void *)sigval,
	};
	struct itimerspec its = {
		.it_value.tv_sec = value_s,
		.it_interval.tv_sec = interval_s,
	};
	int id;

	sev.sigev_notify_thread_id = tid;
	if (syscall(SYS_timer_create, clock, &sev, &id) < 0)
		vp_die(errno, "timer_create");
	if (syscall(SYS_timer_settime, id, 0, &its, NULL) < 0)
		vp_die(errno, "timer_settime");
}

static void start(void *(*fn)(void *), atomic_int *tid)
{
	pthread_t th;
	int r = pthread_create(&th, NULL, fn, NULL);

	if (r)
		vp_die(r, "pthread_create");
	while (!atomic_load(tid))
		usleep(100);
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
	start(worker_main, &worker_tid);
	make_timer(CLOCK_MONOTONIC, SIGEV_SIGNAL, SIGUSR1, 0x61, 0, 600, 1);
	make_timer(CLOCK_BOOTTIME, SIGEV_NONE, 0, 0x62, 0, 300, 0);
	make_timer(CLOCK_REALTIME, SIGEV_THREAD_ID, SIGUSR2, 0x63,
		   (pid_t)atomic_load(&worker_tid), 500, 0);
	start(control_main, &control_tid);
	vp_add_tid((pid_t)atomic_load(&worker_tid));
	vp_add_tid((pid_t)atomic_load(&control_tid));
	vp_out("READY %d", (int)getpid());
	atomic_store(&ready, 1);
	pthread_exit(NULL);
}
