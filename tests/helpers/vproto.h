/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SPDX-FileCopyrightText: The ptimerctl authors */
/*
 * The victim protocol of tests/helpers/victim.c, for small helpers that
 * hold timers in odd conditions: "READY <pid>" once set up, then one
 * answer per command read on stdin ("ping", "timers", "tids", "exit").
 *
 * Everything here runs on raw system calls a strict seccomp allowlist can
 * name (read, write, pread64, timer_gettime, timer_getoverrun, exit_group):
 * no malloc, no stdio buffers, no opening of files after set-up.  The
 * including file calls vp_init() before it confines itself.  The line
 * output, ERROR lines and the command loop are those of vcommon.h.
 */
#ifndef PTIMER_TEST_VPROTO_H
#define PTIMER_TEST_VPROTO_H

#include "vcommon.h"

#define VP_MAX_TIDS	16

static int vp_timers_fd = -1;		/* /proc/self/timers, opened before confinement */
static char vp_buf[1 << 16];
static pid_t vp_tids[VP_MAX_TIDS];	/* the threads the helper wants named by "tids" */
static int vp_ntids;

static void vp_init(void)
{
	vp_timers_fd = open("/proc/self/timers", O_RDONLY | O_CLOEXEC);
	if (vp_timers_fd < 0)
		vp_die(errno, "open /proc/self/timers");
}

static void vp_add_tid(pid_t tid)
{
	if (vp_ntids < VP_MAX_TIDS)
		vp_tids[vp_ntids++] = tid;
}

/* A seq_file read from offset 0 walks the list afresh, so no reopening. */
static ssize_t vp_read_timers(void)
{
	size_t len = 0;

	while (len < sizeof(vp_buf) - 1) {
		ssize_t n = pread(vp_timers_fd, vp_buf + len, sizeof(vp_buf) - 1 - len,
				  (off_t)len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	vp_buf[len] = '\0';
	return (ssize_t)len;
}

static const char *vp_notify_name(const char *s)
{
	if (!strncmp(s, "thread/", 7))
		return "thread_id";
	if (!strncmp(s, "none/", 5))
		return "none";
	if (!strncmp(s, "signal/", 7))
		return "signal";
	return "?";
}

static void vp_print_timer(int id, int clockid, const char *notify, int sig,
			   const char *sigval, int who)
{
	struct itimerspec its = { 0 };
	long long value = -1, interval = -1;
	long overrun;

	if (syscall(SYS_timer_gettime, id, &its) == 0) {
		value = (long long)its.it_value.tv_sec * 1000000000 + its.it_value.tv_nsec;
		interval = (long long)its.it_interval.tv_sec * 1000000000 +
			   its.it_interval.tv_nsec;
	}
	overrun = syscall(SYS_timer_getoverrun, id);
	vp_out("TIMER id=%d clockid=%d notify=%s signal=%d sigval=0x%s tid=%d "
	       "value_ns=%lld interval_ns=%lld overrun=%ld",
	       id, clockid, notify, sig, sigval, who, value, interval, overrun);
}

/* /proc/self/timers as TIMER lines, in the format victim.c prints. */
static void vp_cmd_timers(void)
{
	int id = -1, clockid = 0, sig = 0, who = 0, have = 0;
	char notify[16] = "?", sigval[20] = "0";
	char *line, *save = NULL;

	if (vp_read_timers() < 0) {
		vp_out("END");
		return;
	}
	for (line = strtok_r(vp_buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "ID: ", 4)) {
			if (have)
				vp_print_timer(id, clockid, notify, sig, sigval, who);
			id = atoi(line + 4);
			have = 1;
		} else if (!strncmp(line, "signal: ", 8)) {
			char *slash = strchr(line, '/');

			sig = atoi(line + 8);
			snprintf(sigval, sizeof(sigval), "%s", slash ? slash + 1 : "0");
		} else if (!strncmp(line, "notify: ", 8)) {
			char *dot = strchr(line, '.');

			snprintf(notify, sizeof(notify), "%s", vp_notify_name(line + 8));
			who = dot ? atoi(dot + 1) : 0;
		} else if (!strncmp(line, "ClockID: ", 9)) {
			clockid = atoi(line + 9);
		}
	}
	if (have)
		vp_print_timer(id, clockid, notify, sig, sigval, who);
	vp_out("END");
}

static void vp_cmd_tids(void)
{
	char line[VP_MAX_TIDS * 12 + 8] = "TIDS";
	size_t used = 4;

	for (int i = 0; i < vp_ntids; i++)
		used += (size_t)snprintf(line + used, sizeof(line) - used, " %d", vp_tids[i]);
	vp_out("%s", line);
}

/* The commands of this protocol; vp_read_commands() answers the rest. */
static bool vp_handle(char *cmd)
{
	if (!strcmp(cmd, "timers"))
		vp_cmd_timers();
	else if (!strcmp(cmd, "tids"))
		vp_cmd_tids();
	else
		return false;
	return true;
}

/* Answer commands on stdin until "exit" or until it closes, then exit. */
__attribute__((noreturn))
static inline void vp_serve(void)
{
	vp_read_commands(vp_handle);
	vp_exit(0);
}

#endif
