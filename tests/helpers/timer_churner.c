// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * timer_churner: a process whose threads create and delete POSIX timers
 * all the time, for the test that a dump is exactly the timers that
 * existed when the process was stopped (test_churn.c).
 *
 * usage: timer_churner STABLE THREADS
 *
 * It makes STABLE timers first (SIGEV_NONE, armed for an hour, sigval
 * 0x5000000 + i), so that /proc/PID/timers spans many pages, then starts
 * THREADS threads.  Each keeps up to 16 timers of its own and, at random,
 * creates one (sigval 0x7000000 + a counter) or deletes a random one of
 * its own, so that the count at the head of the list goes up and down.
 * It prints "READY <pid>", answers "ping" with "PONG ops=<creates and
 * deletes so far>", and exits when stdin closes.
 *
 * usage: timer_churner STABLE THREADS grow [PAUSE_US]
 *
 * The same, but the threads only create, each a timer every PAUSE_US
 * (default 250) up to GROW_MAX of its own, then sleep: a list that only
 * grows at its head, so that a dump's read before the stop misses only
 * the newest timers.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "vcommon.h"

#define OWN_MAX		16
#define GROW_MAX	6000
#define GROW_PAUSE_US	250
#define HOUR_NS		(3600 * VP_NSEC_PER_SEC)

static atomic_ulong ops;
static atomic_ulong serial;

static void *churn_main(void *arg)
{
	unsigned long long x = (unsigned long long)(uintptr_t)arg * 0x9e3779b97f4a7c15ull + 1;
	int own[OWN_MAX], n = 0;
	sigset_t all;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, NULL);
	for (;;) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		if (n < OWN_MAX && (n == 0 || (x & 1))) {
			struct sigevent sev = { .sigev_notify = SIGEV_NONE };
			int id;

			sev.sigev_value.sival_ptr =
				(void *)(uintptr_t)(0x7000000 + atomic_fetch_add(&serial, 1));
			if (syscall(SYS_timer_create, CLOCK_MONOTONIC, &sev, &id) == 0)
				own[n++] = id;
		} else {
			int k = (int)((x >> 8) % (unsigned long long)n);

			syscall(SYS_timer_delete, own[k]);
			own[k] = own[--n];
		}
		atomic_fetch_add(&ops, 1);
	}
	return NULL;
}

static long grow_pause_us = GROW_PAUSE_US;

static void *grow_main(void *arg)
{
	const struct timespec gap = {
		.tv_sec = grow_pause_us / 1000000,
		.tv_nsec = grow_pause_us % 1000000 * 1000,
	};
	sigset_t all;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, NULL);
	for (int n = 0; n < GROW_MAX; n++) {
		struct sigevent sev = { .sigev_notify = SIGEV_NONE };
		int id;

		sev.sigev_value.sival_ptr =
			(void *)(uintptr_t)(0x7000000 + atomic_fetch_add(&serial, 1));
		if (syscall(SYS_timer_create, CLOCK_MONOTONIC, &sev, &id))
			break;
		atomic_fetch_add(&ops, 1);
		nanosleep(&gap, NULL);
	}
	for (;;)
		pause();
	return arg;
}

static bool answer(char *line)
{
	if (strcmp(line, "ping"))
		return false;
	vp_out("PONG ops=%lu", atomic_load(&ops));
	return true;
}

int main(int argc, char **argv)
{
	int nstable = argc > 2 ? atoi(argv[1]) : -1;
	int nthreads = argc > 2 ? atoi(argv[2]) : -1;
	bool grow = argc > 3 && !strcmp(argv[3], "grow");

	if (grow && argc > 4)
		grow_pause_us = atol(argv[4]);
	if (nstable < 0 || nthreads < 1 || nthreads > 64 || argc > 5 || (argc > 3 && !grow) ||
	    (argc > 4 && grow_pause_us < 1)) {
		fprintf(stderr, "usage: timer_churner STABLE THREADS [grow [PAUSE_US]]\n");
		return 2;
	}
	for (int i = 0; i < nstable; i++)
		vp_make_timer(CLOCK_MONOTONIC, SIGEV_NONE, 0, 0x5000000ul + (unsigned long)i, 0,
			      HOUR_NS, 0);
	for (int i = 0; i < nthreads; i++) {
		pthread_t t;
		int r = pthread_create(&t, NULL, grow ? grow_main : churn_main,
				       (void *)(uintptr_t)(i + 1));

		if (r)
			vp_die(r, "pthread_create");
	}
	vp_out("READY %d", (int)getpid());
	vp_read_commands(answer);
	vp_exit(0);
}
