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

#define MAX_SPAWNERS	32
#define TIMER_SIGVAL	0xc4

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

static void answer(const char *line)
{
	if (!strcmp(line, "ping")) {
		printf("PONG iters=%lu sigs=%lu\n", atomic_load(&iters), atomic_load(&sigs));
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
			printf("MINE bad=%ld\n", bad);
		else
			printf("MINE ok\n");
	} else if (!strcmp(line, "exit")) {
		exit(0);
	} else {
		printf("ERROR unknown command '%s'\n", line);
	}
	fflush(stdout);
}

static void *control_main(void *arg)
{
	char line[1 << 16];
	sigset_t all;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, NULL);
	mark_self();
	while (fgets(line, sizeof(line), stdin)) {
		line[strcspn(line, "\r\n")] = '\0';
		answer(line);
	}
	exit(0);
}

int main(int argc, char **argv)
{
	struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1 };
	struct itimerspec its = { { 0, 10000000 }, { 0, 10000000 } };
	struct sigaction sa = { .sa_handler = on_usr1, .sa_flags = SA_RESTART };
	int nspawners = argc > 1 ? atoi(argv[1]) : 4;
	pthread_t t;
	int kid;
	FILE *f;

	if (nspawners < 1 || nspawners > MAX_SPAWNERS) {
		fprintf(stderr, "usage: churner [SPAWNERS 1..%d]\n", MAX_SPAWNERS);
		return 2;
	}
	seen_max = 1 << 22;	/* PID_MAX_LIMIT */
	f = fopen("/proc/sys/kernel/pid_max", "r");
	if (f) {
		if (fscanf(f, "%ld", &seen_max) != 1 || seen_max <= 0)
			seen_max = 1 << 22;
		fclose(f);
	}
	seen_max++;
	seen = calloc((size_t)seen_max / 8 + 1, 1);
	if (!seen) {
		printf("ERROR errno=%d msg=calloc\n", ENOMEM);
		return 3;
	}
	mark_self();
	sigaction(SIGUSR1, &sa, NULL);
	sev.sigev_value.sival_ptr = (void *)(uintptr_t)TIMER_SIGVAL;
	if (syscall(SYS_timer_create, CLOCK_MONOTONIC, &sev, &kid) < 0) {
		printf("ERROR errno=%d msg=timer_create\n", errno);
		return 3;
	}
	if (syscall(SYS_timer_settime, kid, 0, &its, NULL) < 0) {
		printf("ERROR errno=%d msg=timer_settime\n", errno);
		return 3;
	}
	for (int i = 0; i < nspawners; i++) {
		if (pthread_create(&t, NULL, spawner_main, NULL)) {
			printf("ERROR errno=%d msg=pthread_create\n", errno);
			return 3;
		}
	}
	if (pthread_create(&t, NULL, control_main, NULL)) {
		printf("ERROR errno=%d msg=pthread_create\n", errno);
		return 3;
	}
	printf("READY %d timer=%d\n", (int)getpid(), kid);
	fflush(stdout);
	for (;;)
		pause();
}
