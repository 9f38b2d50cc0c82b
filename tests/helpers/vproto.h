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
 * including file calls vp_init() before it confines itself.
 */
#ifndef PTIMER_TEST_VPROTO_H
#define PTIMER_TEST_VPROTO_H

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define VP_MAX_TIDS	16

static int vp_timers_fd = -1;		/* /proc/self/timers, opened before confinement */
static char vp_buf[1 << 16];
static pid_t vp_tids[VP_MAX_TIDS];	/* the threads the helper wants named by "tids" */
static int vp_ntids;

static void vp_write_all(const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(STDOUT_FILENO, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		buf += n;
		len -= (size_t)n;
	}
}

/* One whole line in one write(2), so that threads never interleave. */
__attribute__((format(printf, 1, 2)))
static void vp_out(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	vp_write_all(line, (size_t)n);
}

__attribute__((noreturn, format(printf, 2, 3)))
static void vp_die(int err, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	vp_out("ERROR errno=%d msg=%s: %s", err, msg, err ? strerror(err) : "failed");
	_exit(3);
}

static pid_t vp_gettid(void)
{
	return (pid_t)syscall(SYS_gettid);
}

/*
 * The raw call: a sanitizer's _exit() runs its leak check, whose system
 * calls a confined process may not make.
 */
__attribute__((noreturn))
static void vp_exit(int status)
{
	for (;;)
		syscall(SYS_exit_group, status);
}

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

static void vp_handle(const char *cmd)
{
	if (!strcmp(cmd, "ping"))
		vp_out("PONG");
	else if (!strcmp(cmd, "timers"))
		vp_cmd_timers();
	else if (!strcmp(cmd, "tids"))
		vp_cmd_tids();
	else if (!strcmp(cmd, "exit"))
		vp_exit(0);
	else
		vp_out("ERROR unknown command '%s'", cmd);
}

/* Answer commands on stdin until it closes, then exit. */
__attribute__((noreturn))
static void vp_serve(void)
{
	static char buf[4096];
	size_t len = 0;

	for (;;) {
		ssize_t n = read(STDIN_FILENO, buf + len, sizeof(buf) - 1 - len);
		char *nl;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			vp_exit(0);	/* our driver went away */
		len += (size_t)n;
		while ((nl = memchr(buf, '\n', len))) {
			*nl = '\0';
			vp_handle(buf);
			len -= (size_t)(nl + 1 - buf);
			memmove(buf, nl + 1, len);
		}
		if (len == sizeof(buf) - 1)
			len = 0;	/* an absurdly long line: drop it */
	}
}

#endif
