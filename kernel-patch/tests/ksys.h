/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SPDX-FileCopyrightText: The ptimerctl authors */
/*
 * Raw POSIX timer syscalls and the PR_TIMER_CREATE_RESTORE_IDS ABI.
 *
 * The kernel's timer_t is an int; glibc's is a pointer and its wrappers
 * hide the ID, so the tests use the syscalls directly.
 */
#ifndef KSYS_H
#define KSYS_H

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#ifndef PR_TIMER_CREATE_RESTORE_IDS
#define PR_TIMER_CREATE_RESTORE_IDS		77
#define PR_TIMER_CREATE_RESTORE_IDS_OFF		0
#define PR_TIMER_CREATE_RESTORE_IDS_ON		1
#define PR_TIMER_CREATE_RESTORE_IDS_GET		2
#endif

/* Returns 0 or -errno; *id is both the requested and the created ID. */
static inline int ktimer_create(clockid_t clk, struct sigevent *sev, int *id)
{
	return syscall(SYS_timer_create, clk, sev, id) ? -errno : 0;
}

static inline int ktimer_delete(int id)
{
	return syscall(SYS_timer_delete, id) ? -errno : 0;
}

static inline int ktimer_settime(int id, const struct itimerspec *its)
{
	return syscall(SYS_timer_settime, id, 0, its, NULL) ? -errno : 0;
}

static inline int ktimer_gettime(int id, struct itimerspec *its)
{
	return syscall(SYS_timer_gettime, id, its) ? -errno : 0;
}

/* prctl(PR_TIMER_CREATE_RESTORE_IDS, ...): result >= 0 or -errno */
static inline long restore_ids_ctl(unsigned long a2, unsigned long a3,
				   unsigned long a4, unsigned long a5)
{
	long r = prctl(PR_TIMER_CREATE_RESTORE_IDS, a2, a3, a4, a5);

	return r < 0 ? -errno : r;
}

static inline long restore_ids(unsigned long mode)
{
	return restore_ids_ctl(mode, 0, 0, 0);
}

/* A SIGEV_NONE event: the timer never sends a signal. */
static inline struct sigevent *sev_none(struct sigevent *sev)
{
	memset(sev, 0, sizeof(*sev));
	sev->sigev_notify = SIGEV_NONE;
	return sev;
}

#endif /* KSYS_H */
