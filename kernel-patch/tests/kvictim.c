// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * kvictim - victim process for the in-VM ptimerctl dump/restore test
 *
 *   kvictim source ID...   create armed timers with exactly these IDs
 *                          (ascending), print "READY <pid>", then pause
 *   kvictim target ID...   print "READY <pid>", pause until SIGUSR1, then
 *                          verify that timers with these IDs exist, are
 *                          valid, armed and notify this process; exit 0
 *                          when they do, 1 when not; SIGALRM ends it if
 *                          no SIGUSR1 comes
 *
 * The source uses PR_TIMER_CREATE_RESTORE_IDS when the kernel has it and
 * otherwise creates and deletes timers until the counter reaches each ID.
 * Timer k (0-based) gets signal SIGRTMIN + k and CLOCK_MONOTONIC for even
 * k, CLOCK_REALTIME for odd k; the target checks the same.
 */
#define _GNU_SOURCE
#include <stdlib.h>

#include "ksys.h"

#define MAX_IDS		16
#define TARGET_WAIT	120	/* seconds the target waits for SIGUSR1 */

static volatile sig_atomic_t got_usr1;

static void on_usr1(int sig)
{
	got_usr1 = 1;
}

static clockid_t clock_of(int k)
{
	return k % 2 ? CLOCK_REALTIME : CLOCK_MONOTONIC;
}

static int make_timer(int k, int id, int exact)
{
	struct sigevent sev = {
		.sigev_notify = SIGEV_SIGNAL,
		.sigev_signo = SIGRTMIN + k,
		.sigev_value.sival_int = id,
	};
	struct itimerspec its = {
		.it_value.tv_sec = 1000 + k,
		.it_interval.tv_sec = k,
	};
	int tid, ret;

	for (;;) {
		tid = id;
		ret = ktimer_create(clock_of(k), &sev, &tid);
		if (ret) {
			fprintf(stderr, "kvictim: timer_create for ID %d: %s\n",
				id, strerror(-ret));
			return -1;
		}
		if (tid == id)
			break;
		if (exact || tid > id) {
			fprintf(stderr, "kvictim: wanted ID %d, got %d\n", id,
				tid);
			return -1;
		}
		ktimer_delete(tid);	/* churn towards the wanted ID */
	}
	return ktimer_settime(tid, &its);
}

static int source(int n, const int *ids)
{
	int exact = restore_ids(PR_TIMER_CREATE_RESTORE_IDS_ON) == 0;
	sigset_t set;
	int k;

	/* The timers fire in 1000 s; block their signals regardless */
	sigfillset(&set);
	sigprocmask(SIG_BLOCK, &set, NULL);
	for (k = 0; k < n; k++)
		if (make_timer(k, ids[k], exact))
			return 1;
	if (exact)
		restore_ids(PR_TIMER_CREATE_RESTORE_IDS_OFF);
	printf("READY %d (%s)\n", getpid(),
	       exact ? "exact IDs via prctl" : "create/delete churn");
	fflush(stdout);
	for (;;)
		pause();
}

/* Parse this process's /proc entry for timer @id; 0 when it matches. */
static int check_proc(int k, int id)
{
	FILE *f = fopen("/proc/self/timers", "r");
	int cur = -1, sig = -1, clk = -1, pid = -1, ok = 0;
	char line[256];

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "ID: %d", &cur) == 1)
			continue;
		if (cur != id)
			continue;
		if (sscanf(line, "signal: %d/", &sig) == 1)
			continue;
		if (sscanf(line, "notify: signal/pid.%d", &pid) == 1)
			continue;
		if (sscanf(line, "ClockID: %d", &clk) == 1)
			ok = 1;
	}
	fclose(f);
	if (!ok) {
		printf("kvictim: ID %d not in /proc/self/timers\n", id);
		return -1;
	}
	if (sig != SIGRTMIN + k || clk != clock_of(k) || pid != getpid()) {
		printf("kvictim: ID %d: signal %d clock %d pid %d, want %d %d %d\n",
		       id, sig, clk, pid, SIGRTMIN + k, clock_of(k), getpid());
		return -1;
	}
	return 0;
}

static int target(int n, const int *ids)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	struct itimerspec its;
	sigset_t usr1, old;
	int k, bad = 0;
	long mode;

	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, &old);
	sigdelset(&old, SIGUSR1);
	sigaction(SIGUSR1, &sa, NULL);
	printf("READY %d\n", getpid());
	fflush(stdout);
	alarm(TARGET_WAIT);
	while (!got_usr1)
		sigsuspend(&old);
	alarm(0);
	for (k = 0; k < n; k++) {
		if (check_proc(k, ids[k])) {
			bad++;
			continue;
		}
		if (ktimer_gettime(ids[k], &its) || !its.it_value.tv_sec) {
			printf("kvictim: ID %d not valid or not armed\n", ids[k]);
			bad++;
		}
	}
	/* The restore tool must leave the prctl mode as it found it */
	mode = restore_ids(PR_TIMER_CREATE_RESTORE_IDS_GET);
	if (mode > 0) {
		printf("kvictim: restore left PR_TIMER_CREATE_RESTORE_IDS on\n");
		bad++;
	}
	printf("kvictim: %d of %d timers verified\n", n - bad, n);
	return bad ? 1 : 0;
}

int main(int argc, char **argv)
{
	int ids[MAX_IDS], n, i;

	if (argc < 3 || argc - 2 > MAX_IDS) {
		fprintf(stderr, "usage: kvictim source|target ID...\n");
		return 2;
	}
	n = argc - 2;
	for (i = 0; i < n; i++) {
		ids[i] = atoi(argv[i + 2]);
		if (ids[i] < 0 || (i && ids[i] <= ids[i - 1])) {
			fprintf(stderr, "kvictim: IDs must ascend from 0\n");
			return 2;
		}
	}
	if (!strcmp(argv[1], "source"))
		return source(n, ids);
	if (!strcmp(argv[1], "target"))
		return target(n, ids);
	fprintf(stderr, "kvictim: unknown mode '%s'\n", argv[1]);
	return 2;
}
