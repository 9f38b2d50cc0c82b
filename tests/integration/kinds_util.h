/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SPDX-FileCopyrightText: The ptimerctl authors */
/*
 * Talking to the allkinds victim (tests/helpers/allkinds.c), which holds
 * every kind of timer and reports on them from inside: its sources of
 * expiries, its itimers, its timerfds, their ticks, and the signals it
 * keeps pending.  Every name starts with ak_.
 */
#ifndef PTIMER_TEST_KINDS_UTIL_H
#define PTIMER_TEST_KINDS_UTIL_H

#include <stdbool.h>
#include <sys/types.h>

#include "harness.h"

/* As in allkinds.c. */
#define AK_SIG_PTHR	36	/* POSIX, periodic 50 ms, to the worker thread */
#define AK_SIG_PPROC	37	/* POSIX, periodic 70 ms, to the process */
#define AK_SIG_OTHR	38	/* POSIX, one-shot on "pend", to the worker thread */
#define AK_SIG_OPROC	39	/* POSIX, one-shot on "pend", to the process */
#define AK_TFD_FIRST	100
#define AK_NTFD		4
#define AK_WORKER	1	/* thread index of the worker in "tids" */

enum ak_source {
	AK_PTHR, AK_PPROC, AK_OTHR, AK_OPROC, AK_REAL, AK_VIRT, AK_PROF, AK_TFD, AK_NSRC,
};

struct ak_stat {
	long long count, expiries, overruns, window, period_ns;
};

struct ak_stats {
	struct ak_stat s[AK_NSRC];
	long long anomalies;
	char first_anomaly[256];
};

struct ak_itimer {
	long long value_ns, interval_ns;
};

struct ak_tfd {
	bool timerfd;
	char what[128];		/* what the descriptor is when not a timerfd */
	int clockid;
	int settime_flags;
	long long ticks, value_ns, interval_ns;
	bool nonblock, cloexec;
};

/* allkinds with these arguments (NULL-terminated); asserts it is READY. */
struct victim *ak_start(const char *arg, ...) __attribute__((sentinel));
/* The same, as @uid: a user of its own, whose RLIMIT_SIGPENDING count is the victim's alone. */
struct victim *ak_start_as(uid_t uid, const char *arg, ...) __attribute__((sentinel));
/* Send @cmd and assert the answer starts with "OK"; the answer goes to @line. */
void ak_ok(struct victim *v, const char *cmd, char *line, size_t size);
void ak_stats(struct victim *v, struct ak_stats *st);
/* ITIMER_REAL, _VIRTUAL, _PROF from getitimer() inside. */
void ak_itimers(struct victim *v, struct ak_itimer it[3]);
/*
 * The same, read again until each itimer but those in @disarmed (a mask
 * of 1 << which) reads armed, for up to @timeout_ms (scaled).  A periodic
 * itimer that fell due reads value 0 with its interval until the kernel
 * re-arms it: ITIMER_REAL when its SIGALRM is dequeued, a CPU one (on 6.1,
 * whose getitimer() says "about to fire" only once past its expiry) when
 * its expiry runs; loaded emulated guests caught both.  One that stays
 * disarmed reads 0 at the deadline, for the caller to fail on.
 */
void ak_itimers_armed(struct victim *v, unsigned int disarmed, struct ak_itimer it[3],
		      int timeout_ms);
/* Descriptors 100..103 as the victim sees them. */
void ak_timerfds(struct victim *v, struct ak_tfd t[AK_NTFD]);
/* read() of a timerfd inside the victim: its ticks, 0 when none is due. */
long long ak_ticks(struct victim *v, int fd);
/* The worker's tid. */
pid_t ak_worker(struct victim *v);
/* Whether @sig is pending for thread @tid (0: in the process's shared queue). */
bool ak_pending(pid_t pid, pid_t tid, int sig);
/* Wait until it is (@want) or is not; false at the deadline. */
bool ak_wait_pending(pid_t pid, pid_t tid, int sig, bool want);
/*
 * Wait until @src has shown at least @min expiries since the last "mark"
 * and a period within @tol_pct percent of @nominal_ns (the estimate only
 * improves with more expiries; a wrong period fails at the deadline).
 * *@period is the last estimate.
 */
bool ak_wait_period(struct victim *v, enum ak_source src, long long nominal_ns, int tol_pct,
		    int min, long long *period);
/* Wait until @src has counted at least @count deliveries in total. */
bool ak_wait_count(struct victim *v, enum ak_source src, long long count);
extern const char *const ak_source_name[AK_NSRC];

#endif
