// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * show: the kinds of timer besides the POSIX ones (itimers, timerfds,
 * queued timer signals), one section per kind the dump carries.  Each
 * section is a title line, a header line and aligned columns, built from
 * one row function per kind, so that it can move onto a table library
 * as the POSIX table does.
 */
#include <stdio.h>
#include <string.h>
#include <sys/timerfd.h>

#include "cli.h"

/* "a,b" of the names of the bits set in @flags; "-" when none. */
static void flag_names(char *buf, size_t len, unsigned int flags,
		       const unsigned int *bits, const char *const *names, size_t n)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n; i++)
		if (flags & bits[i])
			used += (size_t)snprintf(buf + used, used < len ? len - used : 0, "%s%s",
						 used ? "," : "", names[i]);
	if (!used)
		snprintf(buf, len, "-");
}

static void show_itimers(const struct ptimer_dump *dump)
{
	size_t n;
	const struct ptimer_itimer *it = ptimer_dump_itimers(dump, &n);

	printf("\nitimers: %zu armed\n", n);
	if (!n)
		return;
	printf("%-8s %20s %20s\n", "WHICH", "REMAINING", "INTERVAL");
	for (size_t i = 0; i < n; i++) {
		const char *which = ptimer_itimer_name(it[i].which);
		char value[32], interval[32];

		cli_format_ns(value, sizeof(value), it[i].value_ns);
		cli_format_ns(interval, sizeof(interval), it[i].interval_ns);
		printf("%-8s %20s %20s\n", which ? which : "?", value, interval);
	}
}

static void show_timerfds(const struct ptimer_dump *dump)
{
	static const unsigned int settime_bits[] = { TFD_TIMER_ABSTIME, TFD_TIMER_CANCEL_ON_SET };
	static const char *const settime_names[] = { "abstime", "cancel_on_set" };
	static const unsigned int fd_bits[] = { TFD_NONBLOCK, TFD_CLOEXEC };
	static const char *const fd_names[] = { "nonblock", "cloexec" };
	size_t n;
	const struct ptimer_timerfd *t = ptimer_dump_timerfds(dump, &n);

	printf("\ntimerfds: %zu\n", n);
	if (!n)
		return;
	printf("%7s %-15s %-21s %-16s %10s %20s %20s\n", "FD", "CLOCK", "SETTIME", "FDFLAGS",
	       "TICKS", "REMAINING", "INTERVAL");
	for (size_t i = 0; i < n; i++) {
		const char *clock = ptimer_clock_name(t[i].clockid);
		char settime[32], fdflags[32], value[32], interval[32];

		flag_names(settime, sizeof(settime), t[i].settime_flags, settime_bits,
			   settime_names, 2);
		flag_names(fdflags, sizeof(fdflags), t[i].fd_flags, fd_bits, fd_names, 2);
		cli_format_ns(value, sizeof(value), t[i].value_ns);
		cli_format_ns(interval, sizeof(interval), t[i].interval_ns);
		printf("%7d %-15s %-21s %-16s %10llu %20s %20s\n", t[i].fd, clock ? clock : "?",
		       settime, fdflags, (unsigned long long)t[i].ticks, value, interval);
	}
}

static void show_signals(const struct ptimer_dump *dump)
{
	size_t n;
	const struct ptimer_pending_signal *s = ptimer_dump_signals(dump, &n);

	printf("\npending timer signals: %zu\n", n);
	if (!n)
		return;
	printf("%-7s %7s %-11s %10s %7s %s\n", "QUEUE", "TID", "SIGNAL", "TIMER", "OVERRUN",
	       "SIGVAL");
	for (size_t i = 0; i < n; i++) {
		const char *sig = ptimer_signal_name(s[i].signo);
		char tid[16];

		if (s[i].tid)
			snprintf(tid, sizeof(tid), "%d", s[i].tid);
		else
			snprintf(tid, sizeof(tid), "-");
		printf("%-7s %7s %-11s %10d %7d 0x%016llx\n", s[i].tid ? "thread" : "process", tid,
		       sig ? sig : "?", s[i].timerid, s[i].overrun,
		       (unsigned long long)s[i].sigval);
	}
}

void cli_show_kinds(const struct ptimer_dump *dump)
{
	unsigned int kinds = ptimer_dump_kinds(dump);

	if (kinds & PTIMER_KIND_ITIMER)
		show_itimers(dump);
	if (kinds & PTIMER_KIND_TIMERFD)
		show_timerfds(dump);
	if (kinds & PTIMER_KIND_SIGNALS)
		show_signals(dump);
}
