// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * churner: a process whose threads come and go all the time, for the
 * tests that seize it while that happens.
 *
 * usage: churner [SPAWNERS]   (default 4)
 *
 * Each spawner thread creates a child thread that exits at once, joins
 * it, and does it again.  A periodic timer (ID chosen by the kernel,
 * SIGEV_SIGNAL, SIGUSR1, sigval 0xc4, every 10 ms) keeps signals coming.
 * Every thread records its tid in a bitmap first thing, so the process
 * can say afterwards whether a tid was ever one of its threads.
 *
 * It prints "READY <pid> timer=<id>", then answers one-line commands on
 * stdin:
 *   ping          PONG iters=<child threads so far> sigs=<SIGUSR1 so far>
 *   mine TID...   MINE ok, or MINE bad=<first tid that was never ours>
 *   exit          exits
 * and exits when stdin closes.
 */
#include <errno.h>
#include <limits.h>
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

#define MAX_SPAWNERS	32
#define TIMER_SIGVAL	0xc4
#define TIMER_PERIOD_NS	10000000LL

static unsigned char *seen;		/* one bit per tid ever ours */
static long seen_max;
static atomic_ulong iters;
static atomic_ulong sigs;

static void mark_self(void)
{
	long tid = syscall(SYS_gettid);

	if (tid > 0 && tid < seen_max)
		__atomic_fetch_or(&seen[tid / 8], (unsigned char)(1u << (tid % 8)),
				  __ATOMIC_SEQ_CST);
}

static int was_mine(long tid)
{
	if (tid <= 0 || tid >= seen_max)
		return 0;
	return __atomic_load_n(&seen[tid / 8], __ATOMIC_SEQ_CST) & (1u << (tid % 8));
}

static void on_usr1(int sig)
{
	atomic_fetch_add(&sigs, 1);
}

static void *child_main(void *arg)
{
	mark_self();
	return NULL;
}

static void *spawner_main(void *arg)
{
	mark_self();
	for (;;) {
		pthread_t t;

		if (pthread_create(&t, NULL, child_main, NULL)) {
			usleep(1000);
			continue;
		}
		pthread_join(t, NULL);
		atomic_fetch_add(&iters, 1);
	}
	return NULL;
}

static bool answer(char *line)
{
	if (!strcmp(line, "ping")) {
		vp_out("PONG iters=%lu sigs=%lu", atomic_load(&iters), atomic_load(&sigs));
	} else if (!strncmp(line, "mine", 4)) {
		const char *p = line + 4;
		long bad = 0;

		while (*p && !bad) {
			char *end;
			long tid = strtol(p, &end, 10);

			if (end == p)
				break;
			if (!was_mine(tid))
				bad = tid;
			p = end;
		}
		if (bad)
			vp_out("MINE bad=%ld", bad);
		else
			vp_out("MINE ok");
	} else {
		return false;
	}
	return true;
}

static void *control_main(void *arg)
{
	sigset_t all;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, NULL);
	mark_self();
	vp_read_commands(answer);
	exit(0);
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_usr1, .sa_flags = SA_RESTART };
	int nspawners = argc > 1 ? atoi(argv[1]) : 4;
	pthread_t t;
	int kid, r;

	if (nspawners < 1 || nspawners > MAX_SPAWNERS) {
		fprintf(stderr, "usage: churner [SPAWNERS 1..%d]\n", MAX_SPAWNERS);
		return 2;
	}
	seen_max = vp_read_long("/proc/sys/kernel/pid_max", 0);
	if (seen_max <= 0)
		seen_max = 1 << 22;	/* PID_MAX_LIMIT */
	seen_max++;
	seen = calloc((size_t)seen_max / 8 + 1, 1);
	if (!seen)
		vp_die(ENOMEM, "calloc");
	mark_self();
	sigaction(SIGUSR1, &sa, NULL);
	kid = vp_make_timer(CLOCK_MONOTONIC, SIGEV_SIGNAL, SIGUSR1, TIMER_SIGVAL, 0,
			    TIMER_PERIOD_NS, TIMER_PERIOD_NS);
	for (int i = 0; i < nspawners; i++) {
		r = pthread_create(&t, NULL, spawner_main, NULL);
		if (r)
			vp_die(r, "pthread_create");
	}
	r = pthread_create(&t, NULL, control_main, NULL);
	if (r)
		vp_die(r, "pthread_create");
	vp_out("READY %d timer=%d", (int)getpid(), kid);
	for (;;)
		pause();
}
