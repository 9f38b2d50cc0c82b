// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * show: a table for each kind of timer (POSIX timers, itimers, timerfds,
 * queued timer signals), each with its own columns and one cell function;
 * cmd_show.c decides which of them a command line prints, and how.
 */
#include <stdio.h>
#include <string.h>
#include <sys/timerfd.h>

#include "show.h"

/* The POSIX timers' columns. */
enum timer_col {
	TCOL_ID, TCOL_CLOCK, TCOL_NOTIFY, TCOL_SIGNAL, TCOL_TID, TCOL_REMAINING,
	TCOL_INTERVAL, TCOL_OVERRUN, TCOL_SIGVAL, TCOL_CLOCKID, TCOL_SIGNO,
};

static const struct table_column timer_columns[] = {
	[TCOL_ID] = { "ID", 10, true, TABLE_JSON_NUMBER, "timer ID, as timer_create() returned it" },
	[TCOL_CLOCK] = { "CLOCK", 20, false, TABLE_JSON_STRING,
			 "clock name; a CPU clock with :PID or :self" },
	[TCOL_NOTIFY] = { "NOTIFY", 9, false, TABLE_JSON_STRING,
			  "notification: signal, none, thread or thread_id" },
	[TCOL_SIGNAL] = { "SIGNAL", 11, false, TABLE_JSON_STRING,
			  "signal name (none for notify none)" },
	[TCOL_TID] = { "TID", 7, true, TABLE_JSON_NUMBER,
		       "thread a thread_id timer signals" },
	[TCOL_REMAINING] = { "REMAINING", 20, true, TABLE_JSON_NUMBER,
			     "time to the next expiry (none: disarmed)" },
	[TCOL_INTERVAL] = { "INTERVAL", 20, true, TABLE_JSON_NUMBER,
			    "reload interval (none: one-shot)" },
	[TCOL_OVERRUN] = { "OVERRUN", 7, true, TABLE_JSON_NUMBER,
			   "overrun count of the last expiry" },
	[TCOL_SIGVAL] = { "SIGVAL", 18, true, TABLE_JSON_STRING,
			  "sigev_value, 64 bits in hexadecimal" },
	[TCOL_CLOCKID] = { "CLOCKID", 11, true, TABLE_JSON_NUMBER,
			   "clock id as the kernel numbers it" },
	[TCOL_SIGNO] = { "SIGNO", 5, true, TABLE_JSON_NUMBER, "signal number" },
};

static void timer_cell(const void *row, unsigned int col, const struct table_opts *o,
		       char *buf, size_t len)
{
	const struct ptimer_timer *t = row;
	const char *name;

	switch ((enum timer_col)col) {
	case TCOL_ID:
		snprintf(buf, len, "%d", t->id);
		break;
	case TCOL_CLOCK:
		cli_clock_label(buf, len, t->clockid);
		break;
	case TCOL_NOTIFY:
		name = ptimer_notify_name(t->notify);
		snprintf(buf, len, "%s", name ? name : "?");
		break;
	case TCOL_SIGNAL:
		name = ptimer_signal_name(t->signo);
		if (t->notify != PTIMER_NOTIFY_NONE)
			snprintf(buf, len, "%s", name ? name : "?");
		break;
	case TCOL_TID:
		if (t->notify == PTIMER_NOTIFY_THREAD_ID)
			snprintf(buf, len, "%d", t->notify_pid);
		break;
	case TCOL_REMAINING:
		table_format_ns(buf, len, t->value_ns, o);
		break;
	case TCOL_INTERVAL:
		table_format_ns(buf, len, t->interval_ns, o);
		break;
	case TCOL_OVERRUN:
		snprintf(buf, len, "%d", t->overrun);
		break;
	case TCOL_SIGVAL:
		snprintf(buf, len, "0x%016llx", (unsigned long long)t->sigval);
		break;
	case TCOL_CLOCKID:
		snprintf(buf, len, "%d", t->clockid);
		break;
	case TCOL_SIGNO:
		snprintf(buf, len, "%d", t->signo);
		break;
	}
}

/* The interval timers' columns. */
enum itimer_col { ICOL_WHICH, ICOL_REMAINING, ICOL_INTERVAL };

static const struct table_column itimer_columns[] = {
	[ICOL_WHICH] = { "WHICH", 8, false, TABLE_JSON_STRING, "real, virtual or prof" },
	[ICOL_REMAINING] = { "REMAINING", 20, true, TABLE_JSON_NUMBER,
			     "time to the next expiry (CPU time for virtual and prof)" },
	[ICOL_INTERVAL] = { "INTERVAL", 20, true, TABLE_JSON_NUMBER,
			    "reload interval (none: one-shot)" },
};

static void itimer_cell(const void *row, unsigned int col, const struct table_opts *o,
			char *buf, size_t len)
{
	const struct ptimer_itimer *it = row;
	const char *which;

	switch ((enum itimer_col)col) {
	case ICOL_WHICH:
		which = ptimer_itimer_name(it->which);
		snprintf(buf, len, "%s", which ? which : "?");
		break;
	case ICOL_REMAINING:
		table_format_ns(buf, len, it->value_ns, o);
		break;
	case ICOL_INTERVAL:
		table_format_ns(buf, len, it->interval_ns, o);
		break;
	}
}

/* The timerfds' columns. */
enum timerfd_col {
	FCOL_FD, FCOL_CLOCK, FCOL_SETTIME, FCOL_FDFLAGS, FCOL_TICKS, FCOL_REMAINING,
	FCOL_INTERVAL, FCOL_CLOCKID,
};

static const struct table_column timerfd_columns[] = {
	[FCOL_FD] = { "FD", 7, true, TABLE_JSON_NUMBER, "descriptor number" },
	[FCOL_CLOCK] = { "CLOCK", 15, false, TABLE_JSON_STRING, "clock name" },
	[FCOL_SETTIME] = { "SETTIME", 21, false, TABLE_JSON_STRING,
			   "timerfd_settime() flags: abstime, cancel_on_set" },
	[FCOL_FDFLAGS] = { "FDFLAGS", 16, false, TABLE_JSON_STRING,
			   "descriptor flags: nonblock, cloexec" },
	[FCOL_TICKS] = { "TICKS", 10, true, TABLE_JSON_NUMBER, "expirations not yet read" },
	[FCOL_REMAINING] = { "REMAINING", 20, true, TABLE_JSON_NUMBER,
			     "time to the next expiry, also for abstime (none: disarmed)" },
	[FCOL_INTERVAL] = { "INTERVAL", 20, true, TABLE_JSON_NUMBER,
			    "reload interval (none: one-shot)" },
	[FCOL_CLOCKID] = { "CLOCKID", 7, true, TABLE_JSON_NUMBER,
			   "clock id as the kernel numbers it" },
};

/* "a,b" of the names of the bits set in @flags; "" (none) when none. */
static void flag_names(char *buf, size_t len, unsigned int flags,
		       const unsigned int *bits, const char *const *names, size_t n)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n; i++)
		if (flags & bits[i])
			used += (size_t)snprintf(buf + used, used < len ? len - used : 0, "%s%s",
						 used ? "," : "", names[i]);
}

static void timerfd_cell(const void *row, unsigned int col, const struct table_opts *o,
			 char *buf, size_t len)
{
	static const unsigned int settime_bits[] = { TFD_TIMER_ABSTIME, TFD_TIMER_CANCEL_ON_SET };
	static const char *const settime_names[] = { "abstime", "cancel_on_set" };
	static const unsigned int fd_bits[] = { TFD_NONBLOCK, TFD_CLOEXEC };
	static const char *const fd_names[] = { "nonblock", "cloexec" };
	const struct ptimer_timerfd *t = row;
	const char *clock;

	switch ((enum timerfd_col)col) {
	case FCOL_FD:
		snprintf(buf, len, "%d", t->fd);
		break;
	case FCOL_CLOCK:
		clock = ptimer_clock_name(t->clockid);
		snprintf(buf, len, "%s", clock ? clock : "?");
		break;
	case FCOL_SETTIME:
		flag_names(buf, len, t->settime_flags, settime_bits, settime_names, 2);
		break;
	case FCOL_FDFLAGS:
		flag_names(buf, len, t->fd_flags, fd_bits, fd_names, 2);
		break;
	case FCOL_TICKS:
		snprintf(buf, len, "%llu", (unsigned long long)t->ticks);
		break;
	case FCOL_REMAINING:
		table_format_ns(buf, len, t->value_ns, o);
		break;
	case FCOL_INTERVAL:
		table_format_ns(buf, len, t->interval_ns, o);
		break;
	case FCOL_CLOCKID:
		snprintf(buf, len, "%d", t->clockid);
		break;
	}
}

/* The queued timer signals' columns. */
enum signal_col {
	SCOL_QUEUE, SCOL_TID, SCOL_SIGNAL, SCOL_TIMER, SCOL_OVERRUN, SCOL_SIGVAL, SCOL_SIGNO,
};

static const struct table_column signal_columns[] = {
	[SCOL_QUEUE] = { "QUEUE", 7, false, TABLE_JSON_STRING,
			 "thread (one thread's queue) or process (the shared one)" },
	[SCOL_TID] = { "TID", 7, true, TABLE_JSON_NUMBER, "thread of a thread queue" },
	[SCOL_SIGNAL] = { "SIGNAL", 11, false, TABLE_JSON_STRING, "signal name" },
	[SCOL_TIMER] = { "TIMER", 10, true, TABLE_JSON_NUMBER,
			 "ID of the POSIX timer that sent it (si_timerid)" },
	[SCOL_OVERRUN] = { "OVERRUN", 7, true, TABLE_JSON_NUMBER, "si_overrun" },
	[SCOL_SIGVAL] = { "SIGVAL", 18, false, TABLE_JSON_STRING,
			  "si_value, 64 bits in hexadecimal" },
	[SCOL_SIGNO] = { "SIGNO", 5, true, TABLE_JSON_NUMBER, "signal number" },
};

static void signal_cell(const void *row, unsigned int col, const struct table_opts *o,
			char *buf, size_t len)
{
	const struct ptimer_pending_signal *s = row;
	const char *name;

	switch ((enum signal_col)col) {
	case SCOL_QUEUE:
		snprintf(buf, len, "%s", s->tid ? "thread" : "process");
		break;
	case SCOL_TID:
		if (s->tid)
			snprintf(buf, len, "%d", s->tid);
		break;
	case SCOL_SIGNAL:
		name = ptimer_signal_name(s->signo);
		snprintf(buf, len, "%s", name ? name : "?");
		break;
	case SCOL_TIMER:
		snprintf(buf, len, "%d", s->timerid);
		break;
	case SCOL_OVERRUN:
		snprintf(buf, len, "%d", s->overrun);
		break;
	case SCOL_SIGVAL:
		snprintf(buf, len, "0x%016llx", (unsigned long long)s->sigval);
		break;
	case SCOL_SIGNO:
		snprintf(buf, len, "%d", s->signo);
		break;
	}
	(void)o;
}

#define NCOLS(a) (sizeof(a) / sizeof((a)[0]))

static const struct table_kind timer_table = {
	.name = "timers",
	.columns = timer_columns,
	.ncolumns = NCOLS(timer_columns),
	.defaults = "ID,CLOCK,NOTIFY,SIGNAL,TID,REMAINING,INTERVAL,OVERRUN",
	.cell = timer_cell,
};

static const struct table_kind itimer_table = {
	.name = "itimers",
	.columns = itimer_columns,
	.ncolumns = NCOLS(itimer_columns),
	.defaults = "WHICH,REMAINING,INTERVAL",
	.cell = itimer_cell,
};

static const struct table_kind timerfd_table = {
	.name = "timerfds",
	.columns = timerfd_columns,
	.ncolumns = NCOLS(timerfd_columns),
	.defaults = "FD,CLOCK,SETTIME,FDFLAGS,TICKS,REMAINING,INTERVAL",
	.cell = timerfd_cell,
};

static const struct table_kind signal_table = {
	.name = "pending_signals",
	.columns = signal_columns,
	.ncolumns = NCOLS(signal_columns),
	.defaults = "QUEUE,TID,SIGNAL,TIMER,OVERRUN,SIGVAL",
	.cell = signal_cell,
};

static const void *timer_rows(const struct ptimer_dump *dump, size_t *n)
{
	*n = dump->ntimers;
	return dump->timers;
}

static const void *itimer_rows(const struct ptimer_dump *dump, size_t *n)
{
	return ptimer_dump_itimers(dump, n);
}

static const void *timerfd_rows(const struct ptimer_dump *dump, size_t *n)
{
	return ptimer_dump_timerfds(dump, n);
}

static const void *signal_rows(const struct ptimer_dump *dump, size_t *n)
{
	return ptimer_dump_signals(dump, n);
}

const struct show_section show_sections[] = {
	{ PTIMER_KIND_POSIX, &timer_table, NULL, NULL, timer_rows, sizeof(struct ptimer_timer) },
	{ PTIMER_KIND_ITIMER, &itimer_table, "itimers", " armed", itimer_rows,
	  sizeof(struct ptimer_itimer) },
	{ PTIMER_KIND_TIMERFD, &timerfd_table, "timerfds", "", timerfd_rows,
	  sizeof(struct ptimer_timerfd) },
	{ PTIMER_KIND_SIGNALS, &signal_table, "pending timer signals", "", signal_rows,
	  sizeof(struct ptimer_pending_signal) },
};
const size_t show_nsections = NCOLS(show_sections);

const struct show_section *show_section_of(unsigned int kind)
{
	for (size_t i = 0; i < show_nsections; i++)
		if (show_sections[i].kind == kind)
			return &show_sections[i];
	return NULL;
}
