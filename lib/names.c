// SPDX-License-Identifier: LGPL-2.1-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/* Clock, notify-mode and signal names: static tables indexed by value. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "kabi.h"

static const char *const clock_names[KCLOCK_MAX] = {
	[KCLOCK_REALTIME] = "realtime",
	[KCLOCK_MONOTONIC] = "monotonic",
	[KCLOCK_PROCESS_CPUTIME_ID] = "process_cputime",
	[KCLOCK_THREAD_CPUTIME_ID] = "thread_cputime",
	[KCLOCK_MONOTONIC_RAW] = "monotonic_raw",
	[KCLOCK_REALTIME_COARSE] = "realtime_coarse",
	[KCLOCK_MONOTONIC_COARSE] = "monotonic_coarse",
	[KCLOCK_BOOTTIME] = "boottime",
	[KCLOCK_REALTIME_ALARM] = "realtime_alarm",
	[KCLOCK_BOOTTIME_ALARM] = "boottime_alarm",
	[KCLOCK_TAI] = "tai",
};

/* The kernel's timer_create() accepts only these static clocks. */
static const bool clock_has_timers[KCLOCK_MAX] = {
	[KCLOCK_REALTIME] = true,
	[KCLOCK_MONOTONIC] = true,
	[KCLOCK_PROCESS_CPUTIME_ID] = true,
	[KCLOCK_THREAD_CPUTIME_ID] = true,
	[KCLOCK_BOOTTIME] = true,
	[KCLOCK_REALTIME_ALARM] = true,
	[KCLOCK_BOOTTIME_ALARM] = true,
	[KCLOCK_TAI] = true,
};

/* Names of negative (dynamic) clock ids, by CPU-clock kind. */
static const char *const cpu_clock_names[2] = {
	[0] = "process_cpu",
	[1] = "thread_cpu",
};

static const char *const notify_names[] = {
	[PTIMER_NOTIFY_SIGNAL] = "signal",
	[PTIMER_NOTIFY_NONE] = "none",
	[PTIMER_NOTIFY_THREAD] = "thread",
	[PTIMER_NOTIFY_THREAD_ID] = "thread_id",
};

static const char *const cpu_which_names[] = {
	[PTIMER_CPU_PROF] = "prof",
	[PTIMER_CPU_VIRT] = "virt",
	[PTIMER_CPU_SCHED] = "sched",
};

#define NSIG_STD 32
static const char *const signal_names[NSIG_STD] = {
	[SIGHUP] = "SIGHUP",	[SIGINT] = "SIGINT",	[SIGQUIT] = "SIGQUIT",
	[SIGILL] = "SIGILL",	[SIGTRAP] = "SIGTRAP",	[SIGABRT] = "SIGABRT",
	[SIGBUS] = "SIGBUS",	[SIGFPE] = "SIGFPE",	[SIGKILL] = "SIGKILL",
	[SIGUSR1] = "SIGUSR1",	[SIGSEGV] = "SIGSEGV",	[SIGUSR2] = "SIGUSR2",
	[SIGPIPE] = "SIGPIPE",	[SIGALRM] = "SIGALRM",	[SIGTERM] = "SIGTERM",
	[SIGSTKFLT] = "SIGSTKFLT", [SIGCHLD] = "SIGCHLD", [SIGCONT] = "SIGCONT",
	[SIGSTOP] = "SIGSTOP",	[SIGTSTP] = "SIGTSTP",	[SIGTTIN] = "SIGTTIN",
	[SIGTTOU] = "SIGTTOU",	[SIGURG] = "SIGURG",	[SIGXCPU] = "SIGXCPU",
	[SIGXFSZ] = "SIGXFSZ",	[SIGVTALRM] = "SIGVTALRM", [SIGPROF] = "SIGPROF",
	[SIGWINCH] = "SIGWINCH", [SIGIO] = "SIGIO",	[SIGPWR] = "SIGPWR",
	[SIGSYS] = "SIGSYS",
};

/*
 * The kernel's real-time range, 32..64.  glibc reserves the first few for
 * itself, so SIGRTMIN in an application differs from the kernel's 32; the
 * names here are the kernel's, which is what a dump records.
 */
/*
 * Written out rather than formatted at load time: a constant table needs
 * no constructor, so loading the library writes no global.
 */
static const char *const rt_signal_names[KSIGMAX - KSIGRTMIN + 1] = {
	"SIGRTMIN", "SIGRTMIN+1", "SIGRTMIN+2", "SIGRTMIN+3", "SIGRTMIN+4", "SIGRTMIN+5",
	"SIGRTMIN+6", "SIGRTMIN+7", "SIGRTMIN+8", "SIGRTMIN+9", "SIGRTMIN+10",
	"SIGRTMIN+11", "SIGRTMIN+12", "SIGRTMIN+13", "SIGRTMIN+14", "SIGRTMIN+15",
	"SIGRTMIN+16", "SIGRTMIN+17", "SIGRTMIN+18", "SIGRTMIN+19", "SIGRTMIN+20",
	"SIGRTMIN+21", "SIGRTMIN+22", "SIGRTMIN+23", "SIGRTMIN+24", "SIGRTMIN+25",
	"SIGRTMIN+26", "SIGRTMIN+27", "SIGRTMIN+28", "SIGRTMIN+29", "SIGRTMIN+30",
	"SIGRTMIN+31", "SIGRTMIN+32",
};

bool ptimer_clock_is_cpu(int clockid)
{
	return clockid < 0 && (clockid & KCPUCLOCK_WHICH_MASK) != KCPUCLOCK_CLOCKFD;
}

int ptimer_cpu_clock_make(pid_t pid, bool thread, enum ptimer_cpu_which which)
{
	/* The encoding holds pids below 2^28; larger ones would alias other clocks. */
	if (pid < 0 || pid >= (1 << 28))
		return -EINVAL;
	/* The shift is done unsigned: left-shifting a negative int is undefined. */
	return (int)(((unsigned int)~pid << KCPUCLOCK_SHIFT) |
		     (thread ? (unsigned int)KCPUCLOCK_PERTHREAD : 0u) | (unsigned int)which);
}

pid_t ptimer_cpu_clock_pid(int clockid)
{
	return ~(clockid >> KCPUCLOCK_SHIFT);
}

bool ptimer_cpu_clock_is_thread(int clockid)
{
	return clockid & KCPUCLOCK_PERTHREAD;
}

enum ptimer_cpu_which ptimer_cpu_clock_which(int clockid)
{
	return clockid & KCPUCLOCK_WHICH_MASK;
}

bool ptimer_clock_valid_for_timer(int clockid)
{
	if (clockid < 0) {
		/* which == 3 is CLOCKFD: a dynamic posix clock, no timers. */
		if (ptimer_cpu_clock_which(clockid) > PTIMER_CPU_SCHED)
			return false;
		return ptimer_cpu_clock_pid(clockid) >= 0;
	}
	return clockid < KCLOCK_MAX && clock_has_timers[clockid];
}

const char *ptimer_clock_name(int clockid)
{
	if (clockid < 0) {
		if (ptimer_cpu_clock_which(clockid) > PTIMER_CPU_SCHED)
			return NULL;
		return cpu_clock_names[ptimer_cpu_clock_is_thread(clockid)];
	}
	if (clockid >= KCLOCK_MAX)
		return NULL;
	return clock_names[clockid];
}

const char *ptimer_cpu_which_name(int which)
{
	if (which < 0 || (size_t)which >= ARRAY_SIZE(cpu_which_names))
		return NULL;
	return cpu_which_names[which];
}

int ptimer_cpu_which_from_name(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(cpu_which_names); i++)
		if (cpu_which_names[i] && !strcmp(cpu_which_names[i], name))
			return i;
	return -EINVAL;
}

const char *ptimer_notify_name(int notify)
{
	if (notify < 0 || (size_t)notify >= ARRAY_SIZE(notify_names))
		return NULL;
	return notify_names[notify];
}

const char *ptimer_signal_name(int signo)
{
	if (signo > 0 && signo < NSIG_STD)
		return signal_names[signo];
	if (signo >= KSIGRTMIN && signo <= KSIGMAX)
		return rt_signal_names[signo - KSIGRTMIN];
	return NULL;
}

/* Only the static clock names: CPU clocks are not named by a string alone. */
int ptimer_clock_from_name(const char *name)
{
	for (int i = 0; i < KCLOCK_MAX; i++)
		if (clock_names[i] && !strcmp(clock_names[i], name))
			return i;
	return -EINVAL;
}

int ptimer_notify_from_name(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(notify_names); i++)
		if (notify_names[i] && !strcmp(notify_names[i], name))
			return i;
	return -EINVAL;
}

int ptimer_signal_from_name(const char *name)
{
	for (int i = 1; i <= KSIGMAX; i++) {
		const char *n = ptimer_signal_name(i);

		if (n && !strcmp(n, name))
			return i;
	}
	return -EINVAL;
}
